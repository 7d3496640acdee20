-- Net operating expenditure in kroner per comparison area × function × year (DRANST 1, ART TOT,
-- LOBM × 1.000, as int_regnskab__netto_drift): the regions (081–085) as DST reports them, and
-- Hele landet (000) from DST's own 000 row where it has a figure, else the sum over all 98
-- municipalities when the year has every one of them (landing-zone §1: a download of the 98).
with dst as (
    select
        omraadekode,
        funktion,
        aar,
        sum(indhold) * 1000 as nettodriftsudgifter_kr
    from {{ ref('stg_regnskab__omraade') }}
    where dranst = 1
        and art = 'TOT'
        and prisenhed = 'LOBM'
    group by omraadekode, funktion, aar
),

aar_med_alle as (
    select aar
    from {{ ref('int_regnskab__netto_drift') }}
    group by aar
    having count(distinct kommunekode) = (select count(*) from {{ ref('kommuner') }})
),

alle_kommuner as (
    select
        '000' as omraadekode,
        netto.funktion,
        netto.aar,
        sum(netto.nettodriftsudgifter_kr) as nettodriftsudgifter_kr
    from {{ ref('int_regnskab__netto_drift') }} as netto
    inner join aar_med_alle on netto.aar = aar_med_alle.aar
    group by netto.funktion, netto.aar
)

select
    coalesce(dst.omraadekode, alle.omraadekode) as omraadekode,
    coalesce(dst.funktion, alle.funktion) as funktion,
    coalesce(dst.aar, alle.aar) as aar,
    coalesce(dst.nettodriftsudgifter_kr, alle.nettodriftsudgifter_kr) as nettodriftsudgifter_kr
from dst
full outer join alle_kommuner as alle
    on dst.omraadekode = alle.omraadekode and dst.funktion = alle.funktion and dst.aar = alle.aar
