-- A table, not a view: its data tests, the disclosure test and the publish step each read it,
-- and as a view every read grouped all the ledger's purchases per citizen again.
{{ config(materialized='table') }}

-- Purchases per municipality × year × operator, disclosure-controlled (docs/disclosure.md). An
-- operator's rows add up to the kinds of cockpit.koeb_driftsherretype, so: every operator of a
-- hidden kind is hidden; within a shown kind, an operator bought for 1–4 citizens or dominated
-- by one citizen is hidden (primary) and, beside a lone hidden operator, the smallest other
-- operator of that kind too (secondary), so the kind's amount minus the shown operators never
-- gives a hidden one back.
with celler as (
    select * from {{ ref('mart_koeb_driftsherre') }}
),

borger as (
    select
        kommunekode,
        aar,
        driftsherre,
        borger,
        abs(sum(beloeb_kr)) as bidrag_kr
    from {{ ref('int_posteringer__koeb') }}
    group by all
),

bidrag as (
    select
        kommunekode,
        aar,
        driftsherre,
        count(*) as antal_borgere,
        max(bidrag_kr) as stoerste_kr,
        sum(bidrag_kr) as sum_abs_kr
    from borger
    group by all
),

type_maskering as (
    select
        kommunekode,
        aar,
        koebstype,
        maskeret as type_maskeret
    from {{ ref('koeb_driftsherretype') }}
),

primaer as (
    select
        c.*,
        b.antal_borgere,
        t.type_maskeret,
        {{ disclosure_primary('b.antal_borgere', 'b.stoerste_kr', 'b.sum_abs_kr', 'borgere') }} as primaer_aarsag
    from celler as c
    left join bidrag as b
        on c.kommunekode = b.kommunekode and c.aar = b.aar and c.driftsherre = b.driftsherre
    left join type_maskering as t
        on c.kommunekode = t.kommunekode and c.aar = t.aar and c.koebstype = t.koebstype
),

maskering as (
    select
        *,
        coalesce(
            primaer_aarsag,
            case
                when
                    type_maskeret
                    or {{ disclosure_secondary('primaer_aarsag', 'antal_borgere', 'abs(koeb_kr)',
                        'kommunekode, aar, koebstype', 'driftsherre') }}
                    or {{ disclosure_total_exposed('primaer_aarsag', 'antal_borgere', 'kommunekode, aar, koebstype') }}
                    then 'sekundær maskering'
            end
        ) as maskeringsaarsag
    from primaer
)

select
    kommunekode,
    kommunenavn,
    aar,
    driftsherre,
    driftsherretype,
    koebstype,
    case when maskeringsaarsag is null then koeb_kr end as koeb_kr,
    case when maskeringsaarsag is null then koebte_doegn end as koebte_doegn,
    case when maskeringsaarsag is null then antal_tilbud end as antal_tilbud,
    case when maskeringsaarsag is null then andel_pct end as andel_pct,
    maskeringsaarsag is not null as maskeret,
    maskeringsaarsag
from maskering
