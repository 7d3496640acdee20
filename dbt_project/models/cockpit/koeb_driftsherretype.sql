-- A table, not a view: its data tests, the disclosure test and the publish step each read it,
-- and as a view every read grouped all the ledger's purchases per citizen again.
{{ config(materialized='table') }}

-- Purchases per municipality × year × kind of operator, disclosure-controlled
-- (docs/disclosure.md): a kind bought for 1–4 citizens, or where one citizen dominates the
-- amount, is hidden (primary); beside a lone hidden kind the smallest other kind with citizens
-- is hidden too, so koeb_i_alt_kr minus the shown kinds never gives it back (secondary); when
-- no such kind exists, the total is hidden. Shares and last year's share are taken from the
-- shown amounts only, so a year-on-year difference gives nothing hidden back either.
with celler as (
    select * from {{ ref('mart_koeb_driftsherretype') }}
),

borger as (
    select
        kommunekode,
        aar,
        koebstype,
        borger,
        abs(sum(beloeb_kr)) as bidrag_kr
    from {{ ref('int_posteringer__koeb') }}
    group by all
),

bidrag as (
    select
        kommunekode,
        aar,
        koebstype,
        count(*) as antal_borgere,
        max(bidrag_kr) as stoerste_kr,
        sum(bidrag_kr) as sum_abs_kr
    from borger
    group by all
),

total as (
    select
        kommunekode,
        aar,
        {{ disclosure_primary('count(distinct borger)', 'max(bidrag_kr)', 'sum(bidrag_kr)', 'borgere') }}
            as total_aarsag
    from (
        select
            kommunekode,
            aar,
            borger,
            abs(sum(bidrag_kr)) as bidrag_kr
        from borger
        group by all
    ) as per_borger
    group by all
),

primaer as (
    select
        c.*,
        coalesce(b.antal_borgere, 0) as antal_borgere,
        t.total_aarsag,
        {{ disclosure_primary('coalesce(b.antal_borgere, 0)', 'b.stoerste_kr', 'b.sum_abs_kr', 'borgere') }}
            as primaer_aarsag
    from celler as c
    left join bidrag as b on c.kommunekode = b.kommunekode and c.aar = b.aar and c.koebstype = b.koebstype
    left join total as t on c.kommunekode = t.kommunekode and c.aar = t.aar
),

sekundaer as (
    select
        *,
        {{ disclosure_secondary('primaer_aarsag', 'antal_borgere', 'abs(koeb_kr)', 'kommunekode, aar', 'sortering') }}
            as sekundaer,
        {{ disclosure_total_exposed('primaer_aarsag', 'antal_borgere', 'kommunekode, aar') }} as total_afsloeret
    from primaer
),

maskering as (
    select
        *,
        coalesce(
            total_aarsag,
            primaer_aarsag,
            case when sekundaer or total_afsloeret then 'sekundær maskering' end
        ) as maskeringsaarsag,
        total_aarsag is not null or total_afsloeret as total_maskeret
    from sekundaer
),

vist as (
    select
        kommunekode,
        kommunenavn,
        aar,
        koebstype,
        sortering,
        maskeringsaarsag,
        case when maskeringsaarsag is null then koeb_kr end as koeb_kr,
        case when maskeringsaarsag is null then koebte_doegn end as koebte_doegn,
        case when maskeringsaarsag is null then antal_tilbud end as antal_tilbud,
        case when not total_maskeret then koeb_i_alt_kr end as koeb_i_alt_kr,
        case when maskeringsaarsag is null and not total_maskeret then andel_pct end as andel_pct
    from maskering
)

select
    v.kommunekode,
    v.kommunenavn,
    v.aar,
    v.koebstype,
    v.sortering,
    v.koeb_kr,
    v.koebte_doegn,
    v.antal_tilbud,
    v.koeb_i_alt_kr,
    v.andel_pct,
    forrige.andel_pct as forrige_andel_pct,
    cast(v.andel_pct - forrige.andel_pct as decimal(9, 4)) as aendring_andel_procentpoint,
    v.maskeringsaarsag is not null as maskeret,
    v.maskeringsaarsag
from vist as v
left join vist as forrige
    on v.kommunekode = forrige.kommunekode and v.koebstype = forrige.koebstype and forrige.aar = v.aar - 1
