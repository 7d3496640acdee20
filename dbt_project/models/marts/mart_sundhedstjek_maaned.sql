-- GP health checks (service 0123) per municipality where the practice lies × month.
-- The extraction month and later months are incomplete (domain rule 5).
select
    cast(s.kommunekode as varchar) as kommunekode,
    cast(k.kommunenavn as varchar) as kommunenavn,
    cast(year(s.maaned) as integer) as aar,
    cast(s.maaned as date) as maaned,
    cast(strftime(s.maaned, '%Y-%m') as varchar) as periode,
    cast(s.antal as integer) as antal_sundhedstjek,
    cast(s.udtraeksdato as date) as udtraeksdato,
    cast(s.maaned >= date_trunc('month', s.udtraeksdato) as boolean) as delvis_maaned,
    cast(s._source_file as varchar) as kildefil,
    cast(s._source_line as integer) as kildelinje
from {{ ref('stg_sundhedstjek__maaned') }} as s
left join {{ ref('dim_kommune') }} as k on s.kommunekode = k.kommunekode
