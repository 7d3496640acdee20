select * from {{ ref('mart_udgifter_kommune_funktion') }}
