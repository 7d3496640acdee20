-- One row per tilbud × ydelse × year of the rate appendices, with the rate recomputed by the
-- rule of the styringsaftale (contracts/landing-zone.md §4) and the change from last year. Whether
-- a rate needs a Begrundelse is R08/R09's test with their thresholds (macros/takst_begrundelse.sql).
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

beregnet as (
    select
        nu.*,
        {{ div_half_up('nu.omkostninger_kr', 'nu.pladser * nu.dage * nu.belaegning_andel', 2) }}
            as beregnet_doegntakst_kr,
        {{ div_half_up('nu.pladser * nu.dage * nu.belaegning_andel', '1', 0) }}
            as beregnet_antal_doegn,
        forrige.doegntakst_kr as forrige_doegntakst_kr
    from takster as nu
    left join takster as forrige
        on nu.tilbudsnr = forrige.tilbudsnr
            and nu.ydelse = forrige.ydelse
            and forrige.aar = nu.aar - 1
)

select
    cast(aar as integer) as aar,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(tilbudsnavn as varchar) as tilbudsnavn,
    cast(driftsherre as varchar) as driftsherre,
    cast(paragraf as varchar) as paragraf,
    cast(ydelse as varchar) as ydelse,
    cast(pladser as decimal(9, 2)) as pladser,
    cast(dage as integer) as dage,
    cast(round(belaegning_andel * 100, 2) as decimal(9, 2)) as belaegning_pct,
    cast(antal_doegn as integer) as antal_doegn,
    cast(beregnet_antal_doegn as integer) as beregnet_antal_doegn,
    cast(omkostninger_kr as decimal(18, 2)) as omkostninger_kr,
    cast(doegntakst_kr as decimal(18, 2)) as doegntakst_kr,
    cast(beregnet_doegntakst_kr as decimal(18, 2)) as beregnet_doegntakst_kr,
    cast(doegntakst_kr - beregnet_doegntakst_kr as decimal(18, 2)) as afvigelse_kr,
    cast(forrige_doegntakst_kr as decimal(18, 2)) as forrige_doegntakst_kr,
    cast(
        {{ div_half_up('100 * (doegntakst_kr - forrige_doegntakst_kr)', 'forrige_doegntakst_kr', 2) }}
        as decimal(9, 2)
    ) as aendring_pct,
    cast(
        {{ r08_under_minimum('belaegning_andel') }}
        or coalesce({{ r09_over_maksimum('doegntakst_kr', 'forrige_doegntakst_kr') }}, false)
        as boolean
    ) as kraever_begrundelse,
    -- The thresholds as data, so a BI user and the report read the ones this build applied.
    cast({{ r08_min_belaegning_pct() }} as decimal(9, 2)) as min_belaegning_pct,
    cast({{ r09_maks_aendring_pct() }} as decimal(9, 2)) as maks_aendring_pct,
    cast(begrundelse as varchar) as begrundelse,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje
from beregnet
