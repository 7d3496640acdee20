-- The comparison areas, kept apart from the municipalities (dim_kommune) so no sum over
-- municipalities ever counts them: Hele landet (000) and the five regions (081–085) as DST
-- names them (seed regioner), and the 11 municipalities of Nordjysk Socialaftale together (NSA).
select
    cast(r.regionskode as varchar) as omraadekode,
    cast(r.regionsnavn as varchar) as omraadenavn,
    cast(case when r.regionskode = '000' then 'land' else 'region' end as varchar) as omraadeniveau
from {{ ref('regioner') }} as r

union all

select
    cast('NSA' as varchar) as omraadekode,
    cast('De 11 kommuner' as varchar) as omraadenavn,
    cast('socialaftale' as varchar) as omraadeniveau
