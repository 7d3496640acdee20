select * from {{ ref('mart_koeb_driftsherretype') }}
