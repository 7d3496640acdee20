-- Population keys of the comparison areas at 1 January of each year: the regions (081–085) as
-- DST reports them, and Hele landet (000) from DST's own 000 row where the file has the key,
-- else the sum over all 98 municipalities when every one of them has it (a download of the 98
-- without a national row); with fewer municipalities the country stays NULL, never a short sum.
with dst as (
    {{ population_keys(ref('stg_befolkning__omraade'), area='omraadekode') }}
),

alle_kommuner as (
    select
        '000' as omraadekode,
        aar,
        case when count(indbyggere) = count(*) then sum(indbyggere) end as indbyggere,
        case when count(unge_14_23) = count(*) then sum(unge_14_23) end as unge_14_23,
        case when count(unge_15_17) = count(*) then sum(unge_15_17) end as unge_15_17,
        case when count(indbyggere_18_64) = count(*) then sum(indbyggere_18_64) end as indbyggere_18_64
    from {{ ref('int_befolkning__noegler') }}
    group by aar
    having count(*) = (select count(*) from {{ ref('kommuner') }})
)

select
    coalesce(dst.omraadekode, alle.omraadekode) as omraadekode,
    coalesce(dst.aar, alle.aar) as aar,
    coalesce(dst.indbyggere, alle.indbyggere) as indbyggere,
    coalesce(dst.unge_14_23, alle.unge_14_23) as unge_14_23,
    coalesce(dst.unge_15_17, alle.unge_15_17) as unge_15_17,
    coalesce(dst.indbyggere_18_64, alle.indbyggere_18_64) as indbyggere_18_64
from dst
full outer join alle_kommuner as alle
    on dst.omraadekode = alle.omraadekode and dst.aar = alle.aar
