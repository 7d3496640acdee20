-- Incremental per year (macros/ledger_partitions.sql): a row of year Y reads the purchases of Y and,
-- for the change from last year, of Y-1; so a changed year Y rebuilds Y and Y+1, reading Y-1 … Y+1.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('aar', 'bogfoering', [0, 1]) }}",
) }}

-- Purchases of places per buying municipality × year × kind of operator (own municipality,
-- another municipality, region, private, unknown tilbud): every kind is a row, also with 0 kr.,
-- so the private share and its change from last year exist for every municipality and year.
with koeb as (
    select * from {{ ref('int_posteringer__koeb') }}
    where {{ ledger_filter('aar', shifts=[-1, 0, 1]) }}
),

typer as (
    select
        v.koebstype,
        v.sortering
    from (
        values ('egen_kommune', 1), ('anden_kommune', 2), ('region', 3), ('privat', 4), ('ukendt', 5)
    ) as v (koebstype, sortering)
),

kommune_aar as (
    select
        kommunekode,
        aar,
        sum(beloeb_kr) as koeb_i_alt_kr
    from koeb
    group by all
),

pr_type as (
    select
        ka.kommunekode,
        ka.aar,
        t.koebstype,
        t.sortering,
        ka.koeb_i_alt_kr,
        coalesce(sum(k.beloeb_kr), 0) as koeb_kr,
        coalesce(sum(k.antal_doegn), 0) as koebte_doegn,
        count(distinct k.tilbudsnr) as antal_tilbud
    from kommune_aar as ka
    cross join typer as t
    left join koeb as k
        on ka.kommunekode = k.kommunekode and ka.aar = k.aar and t.koebstype = k.koebstype
    group by all
),

andel as (
    select
        *,
        {{ div_half_up('100 * koeb_kr', 'koeb_i_alt_kr', 4) }} as andel_pct
    from pr_type
),

kommuner as (
    select * from {{ ref('dim_kommune') }}
)

select
    cast(a.kommunekode as varchar) as kommunekode,
    cast(k.kommunenavn as varchar) as kommunenavn,
    cast(a.aar as integer) as aar,
    cast(a.koebstype as varchar) as koebstype,
    cast(a.sortering as integer) as sortering,
    cast(a.koeb_kr as decimal(18, 2)) as koeb_kr,
    cast(a.koebte_doegn as bigint) as koebte_doegn,
    cast(a.antal_tilbud as integer) as antal_tilbud,
    cast(a.koeb_i_alt_kr as decimal(18, 2)) as koeb_i_alt_kr,
    cast(a.andel_pct as decimal(9, 4)) as andel_pct,
    cast(forrige.andel_pct as decimal(9, 4)) as forrige_andel_pct,
    cast(a.andel_pct - forrige.andel_pct as decimal(9, 4)) as aendring_andel_procentpoint
from andel as a
left join andel as forrige
    on a.kommunekode = forrige.kommunekode and a.koebstype = forrige.koebstype and forrige.aar = a.aar - 1
left join kommuner as k on a.kommunekode = k.kommunekode
where {{ ledger_filter('a.aar', shifts=[0, 1]) }}
