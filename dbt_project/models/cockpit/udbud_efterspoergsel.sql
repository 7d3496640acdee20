select * from {{ ref('mart_udbud_efterspoergsel') }}
