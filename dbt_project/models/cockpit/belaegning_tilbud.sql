select * from {{ ref('mart_belaegning_tilbud') }}
