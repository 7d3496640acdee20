select * from {{ ref('mart_sundhedstjek') }}
