-- Incremental per year (macros/ledger_partitions.sql): a case is a municipality's yearly net cost of
-- one Borgerreference, ranked within its municipality and year: year Y reads the postings of Y only.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('aar') }}",
) }}

-- Særligt dyre enkeltsager: one row per case (pseudonymous Borgerreference) × municipality ×
-- year with the expected state refund under the tier rule of SEL § 176 (shared/domain):
-- sats 1 of the part of the yearly cost between threshold 1 and 2, sats 2 of the part between
-- threshold 2 and 3, sats 3 of the part above threshold 3 (two tiers before 2021), in the
-- simplified full-year calculation of the steering-group tables, rounded half-up to øre.
with sager as (
    select * from {{ ref('int_posteringer__sager') }}
    where not maskeret and {{ ledger_filter('aar') }}
),

graenser as (
    select * from {{ ref('refusionsgraenser') }}
    where ordning = 'SEL § 176'
),

kommuner as (
    select * from {{ ref('dim_kommune') }}
),

baand as (
    select
        s.*,
        g.graense_1_kr,
        g.graense_2_kr,
        g.graense_3_kr,
        g.bekraeftet as graenser_bekraeftet,
        greatest(least(s.udgift_kr, g.graense_2_kr) - g.graense_1_kr, 0) * g.sats_1_pct
        + greatest(least(s.udgift_kr, coalesce(g.graense_3_kr, s.udgift_kr)) - g.graense_2_kr, 0) * g.sats_2_pct
        + coalesce(greatest(s.udgift_kr - g.graense_3_kr, 0) * g.sats_3_pct, 0) as refusion_gange_100,
        case
            when s.udgift_kr > g.graense_3_kr then 3
            when s.udgift_kr > g.graense_2_kr then 2
            when s.udgift_kr > g.graense_1_kr then 1
            when g.graense_1_kr is not null then 0
        end as over_graense,
        row_number() over (
            partition by s.kommunekode, s.aar order by s.udgift_kr desc, s.borgerreference asc
        ) as rang,
        count(*) over (partition by s.kommunekode, s.aar) as antal_sager
    from sager as s
    left join graenser as g on s.aar = g.aar
),

refusion as (
    select
        *,
        case when graense_1_kr is not null then {{ div_half_up('refusion_gange_100', '100', 2) }} end
            as refusion_kr
    from baand
)

select
    cast(r.kommunekode as varchar) as kommunekode,
    cast(k.kommunenavn as varchar) as kommunenavn,
    cast(r.aar as integer) as aar,
    cast(r.borgerreference as varchar) as borgerreference,
    cast(r.antal_poster as integer) as antal_poster,
    cast(r.udgift_kr as decimal(18, 2)) as helaarsudgift_kr,
    cast(r.graense_1_kr as decimal(18, 2)) as graense_1_kr,
    cast(r.graense_2_kr as decimal(18, 2)) as graense_2_kr,
    cast(r.graense_3_kr as decimal(18, 2)) as graense_3_kr,
    cast(r.graenser_bekraeftet as boolean) as graenser_bekraeftet,
    cast(r.over_graense as integer) as over_graense,
    cast(r.refusion_kr as decimal(18, 2)) as refusion_kr,
    cast(r.udgift_kr - r.refusion_kr as decimal(18, 2)) as nettoudgift_kr,
    cast(r.rang as integer) as rang_i_kommune,
    -- The top 5 %: the ceil(5 % of the cases) costliest, so at least one case per municipality.
    cast(r.rang <= ceil(r.antal_sager * 0.05) as boolean) as i_top5
from refusion as r
left join kommuner as k on r.kommunekode = k.kommunekode
