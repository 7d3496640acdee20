-- Incremental per year (macros/ledger_partitions.sql): each row is one posting's, filed under
-- its booking year (`_partition_aar`, staging's), so year Y reads the postings of Y only. The
-- register and the municipality list it is joined to are other raw tables and seeds: a change
-- there rebuilds every year (`ledger_rebuild_all`) or the whole table (a project change). A
-- table, not a view: six models and the disclosure test read it, and as a view each read
-- scanned every posting of staging again (docs/performance.md, *Purchases kept as a table*).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar') }}",
) }}

-- Purchases of places: Dranst 1 postings with a Tilbudsnr (landing contract §8: empty when the
-- posting is not a purchase of a place), with who operates the tilbud bought. A municipal
-- operator is found by name in the municipality list ("Aalborg Kommune", "Københavns
-- Kommune"), else it is taken to be the municipality the tilbud lies in. A Tilbudsnr missing
-- from the register is kept as `ukendt`, never dropped.
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where dranst = 1 and tilbudsnr is not null and {{ ledger_filter('_partition_aar') }}
),

tilbud as (
    select * from {{ ref('stg_tilbud__tilbud') }}
),

kommuner as (
    select * from {{ ref('dim_kommune') }}
),

-- The municipality an operator's name names, also in the genitive.
driftsherre_kommune as (
    select
        t.driftsherre,
        min(k.kommunekode) as kommunekode
    from tilbud as t
    inner join kommuner as k
        on lower(t.driftsherre) in (lower(k.kommunenavn || ' kommune'), lower(k.kommunenavn || 's kommune'))
    group by t.driftsherre
),

driftsherre as (
    select
        t.tilbudsnr,
        t.tilbudsnavn,
        t.driftsherre,
        t.driftsherretype,
        t.paragraf,
        t.maalgruppe,
        case
            when t.driftsherretype = 'kommune' then coalesce(dk.kommunekode, t.beliggenhedskommune)
        end as driftsherre_kommunekode
    from tilbud as t
    left join driftsherre_kommune as dk on t.driftsherre = dk.driftsherre
)

select
    p.kommunekode,
    cast(year(p.bogfoeringsdato) as integer) as aar,
    p.tilbudsnr,
    d.tilbudsnavn,
    coalesce(d.driftsherre, 'ukendt tilbud') as driftsherre,
    coalesce(d.driftsherretype, 'ukendt') as driftsherretype,
    case
        when d.tilbudsnr is null then 'ukendt'
        when d.driftsherretype = 'kommune' and d.driftsherre_kommunekode = p.kommunekode then 'egen_kommune'
        when d.driftsherretype = 'kommune' then 'anden_kommune'
        when d.driftsherretype in ('region', 'privat') then d.driftsherretype
        else 'ukendt'
    end as koebstype,
    d.paragraf,
    d.maalgruppe,
    p.beloeb_kr,
    p.antal_doegn,
    -- The citizen behind the purchase, for disclosure control only (never published): a missing
    -- or CPR-masked key counts as one unknown citizen, so it never adds contributors.
    coalesce(p.borgerreference, '(ukendt borger)') as borger,
    p._partition_aar
from posteringer as p
left join driftsherre as d on p.tilbudsnr = d.tilbudsnr
