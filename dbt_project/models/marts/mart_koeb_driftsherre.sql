-- Incremental per year (macros/ledger_partitions.sql): a row of year Y reads the purchases of Y only.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('aar') }}",
) }}

-- Purchases of places per buying municipality × year × operator, with the operator's kind and
-- its share of the municipality's purchases that year.
with koeb as (
    select * from {{ ref('int_posteringer__koeb') }}
    where {{ ledger_filter('aar') }}
),

pr_driftsherre as (
    select
        kommunekode,
        aar,
        driftsherre,
        driftsherretype,
        koebstype,
        sum(beloeb_kr) as koeb_kr,
        coalesce(sum(antal_doegn), 0) as koebte_doegn,
        count(distinct tilbudsnr) as antal_tilbud,
        sum(sum(beloeb_kr)) over (partition by kommunekode, aar) as koeb_i_alt_kr
    from koeb
    group by kommunekode, aar, driftsherre, driftsherretype, koebstype
),

kommuner as (
    select * from {{ ref('dim_kommune') }}
)

select
    cast(d.kommunekode as varchar) as kommunekode,
    cast(k.kommunenavn as varchar) as kommunenavn,
    cast(d.aar as integer) as aar,
    cast(d.driftsherre as varchar) as driftsherre,
    cast(d.driftsherretype as varchar) as driftsherretype,
    cast(d.koebstype as varchar) as koebstype,
    cast(d.koeb_kr as decimal(18, 2)) as koeb_kr,
    cast(d.koebte_doegn as bigint) as koebte_doegn,
    cast(d.antal_tilbud as integer) as antal_tilbud,
    cast({{ div_half_up('100 * d.koeb_kr', 'd.koeb_i_alt_kr', 4) }} as decimal(9, 4)) as andel_pct
from pr_driftsherre as d
left join kommuner as k on d.kommunekode = k.kommunekode
