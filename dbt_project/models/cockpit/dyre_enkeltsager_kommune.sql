select * from {{ ref('mart_dyre_enkeltsager_kommune') }}
