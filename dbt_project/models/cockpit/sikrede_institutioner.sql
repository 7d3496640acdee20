select * from {{ ref('mart_sikrede_institutioner') }}
