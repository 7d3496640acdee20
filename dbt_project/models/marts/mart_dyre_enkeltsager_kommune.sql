-- Incremental per year (macros/ledger_partitions.sql): year Y reads the postings and cases of Y only.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('aar') }}",
) }}

-- Særligt dyre enkeltsager per municipality × year: how many cases pass each refund threshold,
-- what they cost, the expected refund, and how concentrated the spend is on the costliest 5 %
-- of cases. Built on every municipality and year with Dranst 1 postings.
with poster as (
    select
        kommunekode,
        cast(year(bogfoeringsdato) as integer) as aar,
        sum(beloeb_kr) as udgift_i_alt_kr
    from {{ ref('stg_posteringer__posteringer') }}
    where dranst = 1 and {{ ledger_filter('_partition_aar') }}
    group by all
),

maskeret as (
    select
        kommunekode,
        aar,
        sum(udgift_kr) as udgift_maskeret_noegle_kr
    from {{ ref('int_posteringer__sager') }}
    where maskeret and {{ ledger_filter('aar') }}
    group by all
),

sager as (
    select
        kommunekode,
        aar,
        count(*) as antal_sager,
        sum(helaarsudgift_kr) as udgift_sager_kr,
        count(*) filter (where over_graense >= 1) as antal_over_graense_1,
        count(*) filter (where over_graense >= 2) as antal_over_graense_2,
        count(*) filter (where over_graense >= 3) as antal_over_graense_3,
        coalesce(sum(helaarsudgift_kr) filter (where over_graense >= 1), 0) as udgift_over_graense_1_kr,
        sum(refusion_kr) as refusion_kr,
        count(*) filter (where i_top5) as antal_top5,
        sum(helaarsudgift_kr) filter (where i_top5) as udgift_top5_kr,
        bool_and(graenser_bekraeftet) as graenser_bekraeftet
    from {{ ref('mart_dyre_enkeltsager') }}
    where {{ ledger_filter('aar') }}
    group by all
),

kommuner as (
    select * from {{ ref('dim_kommune') }}
)

select
    cast(p.kommunekode as varchar) as kommunekode,
    cast(k.kommunenavn as varchar) as kommunenavn,
    cast(p.aar as integer) as aar,
    cast(coalesce(s.antal_sager, 0) as integer) as antal_sager,
    cast(coalesce(s.udgift_sager_kr, 0) as decimal(18, 2)) as udgift_sager_kr,
    cast(coalesce(s.antal_over_graense_1, 0) as integer) as antal_over_graense_1,
    cast(coalesce(s.antal_over_graense_2, 0) as integer) as antal_over_graense_2,
    cast(coalesce(s.antal_over_graense_3, 0) as integer) as antal_over_graense_3,
    cast(coalesce(s.udgift_over_graense_1_kr, 0) as decimal(18, 2)) as udgift_over_graense_1_kr,
    cast(s.refusion_kr as decimal(18, 2)) as refusion_kr,
    cast(s.udgift_over_graense_1_kr - s.refusion_kr as decimal(18, 2)) as nettoudgift_over_graense_1_kr,
    cast(s.graenser_bekraeftet as boolean) as graenser_bekraeftet,
    cast(coalesce(s.antal_top5, 0) as integer) as antal_top5,
    cast(s.udgift_top5_kr as decimal(18, 2)) as udgift_top5_kr,
    cast({{ div_half_up('100 * s.udgift_top5_kr', 's.udgift_sager_kr', 4) }} as decimal(9, 4))
        as andel_top5_af_sager_pct,
    cast(p.udgift_i_alt_kr as decimal(18, 2)) as udgift_i_alt_kr,
    cast({{ div_half_up('100 * s.udgift_top5_kr', 'p.udgift_i_alt_kr', 4) }} as decimal(9, 4))
        as andel_top5_af_udgift_i_alt_pct,
    cast(coalesce(m.udgift_maskeret_noegle_kr, 0) as decimal(18, 2)) as udgift_maskeret_noegle_kr
from poster as p
left join sager as s on p.kommunekode = s.kommunekode and p.aar = s.aar
left join maskeret as m on p.kommunekode = m.kommunekode and p.aar = m.aar
left join kommuner as k on p.kommunekode = k.kommunekode
