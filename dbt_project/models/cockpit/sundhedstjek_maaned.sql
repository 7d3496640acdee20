select * from {{ ref('mart_sundhedstjek_maaned') }}
