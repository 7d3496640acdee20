-- Cost-sharing keys of the 11 municipalities at 1 January of each year, with each
-- municipality's share of the 11 (4 decimals), and its share of the whole country's 15–17-year-olds
-- at 1 January of the year before (the key of nationally financed rates: the secure institutions'
-- objective financing), NULL without a national figure for that year.
with noegler as (
    select
        n.*,
        k.kommunenavn
    from {{ ref('int_befolkning__noegler') }} as n
    inner join {{ ref('dim_kommune') }} as k on n.kommunekode = k.kommunekode and k.nordjysk_socialaftale
),

aaret_foer as (
    select
        kommunekode,
        aar + 1 as aar,
        unge_15_17
    from {{ ref('int_befolkning__noegler') }}
),

land_aaret_foer as (
    select
        aar + 1 as aar,
        unge_15_17
    from {{ ref('int_omraade__noegler') }}
    where omraadekode = '000'
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
        as andel_indbyggere_18_64_pct,
    cast(foer.unge_15_17 as bigint) as unge_15_17_aaret_foer,
    cast(land.unge_15_17 as bigint) as land_unge_15_17_aaret_foer,
    cast({{ div_half_up('100 * foer.unge_15_17', 'land.unge_15_17', 4) }} as decimal(9, 4)) as andel_land_unge_15_17_pct
from noegler as n
inner join total as t on n.aar = t.aar
left join aaret_foer as foer on n.kommunekode = foer.kommunekode and n.aar = foer.aar
left join land_aaret_foer as land on n.aar = land.aar
