-- Cost-sharing keys of the 11 municipalities at 1 January of each year, with each
-- municipality's share of the 11 (4 decimals).
with noegler as (
    select
        n.*,
        k.kommunenavn
    from {{ ref('int_befolkning__noegler') }} as n
    inner join {{ ref('dim_kommune') }} as k on n.kommunekode = k.kommunekode and k.nordjysk_socialaftale
),

total as (
    select
        aar,
        sum(indbyggere) as indbyggere,
        sum(unge_14_23) as unge_14_23,
        sum(unge_15_17) as unge_15_17,
        sum(indbyggere_18_64) as indbyggere_18_64
    from noegler
    group by aar
)

select
    cast(n.kommunekode as varchar) as kommunekode,
    cast(n.kommunenavn as varchar) as kommunenavn,
    cast(n.aar as integer) as aar,
    cast(n.indbyggere as bigint) as indbyggere,
    cast(n.unge_14_23 as bigint) as unge_14_23,
    cast(n.unge_15_17 as bigint) as unge_15_17,
    cast(n.indbyggere_18_64 as bigint) as indbyggere_18_64,
    cast({{ div_half_up('100 * n.indbyggere', 't.indbyggere', 4) }} as decimal(9, 4)) as andel_indbyggere_pct,
    cast({{ div_half_up('100 * n.unge_14_23', 't.unge_14_23', 4) }} as decimal(9, 4)) as andel_unge_14_23_pct,
    cast({{ div_half_up('100 * n.unge_15_17', 't.unge_15_17', 4) }} as decimal(9, 4)) as andel_unge_15_17_pct,
    cast({{ div_half_up('100 * n.indbyggere_18_64', 't.indbyggere_18_64', 4) }} as decimal(9, 4))
        as andel_indbyggere_18_64_pct
from noegler as n
inner join total as t on n.aar = t.aar
