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
        {%- for key in ['indbyggere', 'unge_14_23', 'unge_15_17', 'indbyggere_18_64'] %}
        case when count({{ key }}) = (select count(*) from {{ ref('kommuner') }}) then sum({{ key }}) end
            as {{ key }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_befolkning__noegler') }}
    group by aar
    having count(*) = (select count(*) from {{ ref('kommuner') }})
)

select
    coalesce(dst.omraadekode, alle.omraadekode) as omraadekode,
    coalesce(dst.aar, alle.aar) as aar,
    {%- for key in ['indbyggere', 'unge_14_23', 'unge_15_17', 'indbyggere_18_64'] %}
    coalesce(dst.{{ key }}, alle.{{ key }}) as {{ key }}{{ ',' if not loop.last }}
    {%- endfor %}
from dst
full outer join alle_kommuner as alle
    on dst.omraadekode = alle.omraadekode and dst.aar = alle.aar
