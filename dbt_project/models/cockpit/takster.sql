select * from {{ ref('mart_takster') }}
