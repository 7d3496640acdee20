-- A table, not a view: its data tests, the disclosure test and the publish step each read it,
-- and as a view every read grouped all the ledger's purchases per citizen again.
{{ config(materialized='table') }}

-- Supply and demand per year × paragraph × target group, disclosure-controlled
-- (docs/disclosure.md). Refusals and the waiting list are sums over secure institutions, so a
-- group shows them only when every institution in it shows both in cockpit.sikrede_institutioner
-- (else the group would give a hidden institution's figure back). Purchases count citizens: a
-- group bought for 1–4 citizens, or dominated by one, is hidden (primary), and beside a lone
-- hidden group of a year the smallest other group with purchases too (secondary), since the
-- year's purchases are the sum of every municipality's koeb_i_alt_kr.
with gruppe as (
    select * from {{ ref('mart_udbud_efterspoergsel') }}
),

tilbud as (
    select * from {{ ref('stg_tilbud__tilbud') }}
),

-- Which groups hold an institution with a hidden refusal or waiting-list figure.
sikrede_skjult as (
    select
        s.aar,
        t.paragraf,
        t.maalgruppe,
        bool_or(coalesce(s.maskeringsaarsag like '%afviste_%', false)) as afviste_skjult,
        bool_or(coalesce(s.maskeringsaarsag like '%venteliste_gns:%', false)) as venteliste_skjult
    from {{ ref('sikrede_institutioner') }} as s
    inner join tilbud as t on s.institution = t.tilbudsnavn
    where s.institution <> 'I alt'
    group by all
),

borger as (
    select
        k.aar,
        coalesce(t.paragraf, 'ukendt tilbud') as paragraf,
        coalesce(t.maalgruppe, 'ukendt tilbud') as maalgruppe,
        k.borger,
        abs(sum(k.beloeb_kr)) as bidrag_kr
    from {{ ref('int_posteringer__koeb') }} as k
    left join tilbud as t on k.tilbudsnr = t.tilbudsnr
    group by all
),

bidrag as (
    select
        aar,
        paragraf,
        maalgruppe,
        count(*) as antal_borgere,
        max(bidrag_kr) as stoerste_kr,
        sum(bidrag_kr) as sum_abs_kr
    from borger
    group by all
),

primaer as (
    select
        g.*,
        coalesce(b.antal_borgere, 0) as antal_borgere,
        coalesce(s.afviste_skjult, false) as afviste_skjult,
        coalesce(s.venteliste_skjult, false) as venteliste_skjult,
        {{ disclosure_primary('coalesce(b.antal_borgere, 0)', 'b.stoerste_kr', 'b.sum_abs_kr', 'borgere') }}
            as aarsag_koeb
    from gruppe as g
    left join bidrag as b on g.aar = b.aar and g.paragraf = b.paragraf and g.maalgruppe = b.maalgruppe
    left join sikrede_skjult as s on g.aar = s.aar and g.paragraf = s.paragraf and g.maalgruppe = s.maalgruppe
),

maskering as (
    select
        *,
        coalesce(
            aarsag_koeb,
            case
                when
                    {{ disclosure_secondary('aarsag_koeb', 'antal_borgere', 'abs(koeb_kr)', 'aar',
                        'paragraf, maalgruppe') }}
                    or {{ disclosure_total_exposed('aarsag_koeb', 'antal_borgere', 'aar') }}
                    then 'sekundær maskering'
            end
        ) as skjult_koeb
    from primaer
)

select
    aar,
    paragraf,
    maalgruppe,
    antal_tilbud,
    pladser_tilbudsportalen,
    normerede_doegn,
    doegn_i_drift,
    belagte_doegn,
    belaegning_normeret_pct,
    belaegning_faktisk_pct,
    gns_belagte_pladser,
    case when not afviste_skjult then afviste end as afviste,
    case when not venteliste_skjult then venteliste_gns end as venteliste_gns,
    case when skjult_koeb is null then koebte_doegn end as koebte_doegn,
    case when skjult_koeb is null then koeb_kr end as koeb_kr,
    afviste_skjult or venteliste_skjult or skjult_koeb is not null as maskeret,
    nullif(
        concat_ws(
            '; ',
            case when afviste_skjult then 'afviste: skjult hos en sikret institution' end,
            case when venteliste_skjult then 'venteliste: skjult hos en sikret institution' end,
            case when skjult_koeb is not null then 'køb: ' || skjult_koeb end
        ),
        ''
    ) as maskeringsaarsag
from maskering
