-- R14 (advarsel, regnskab): a municipality × function's net operating amount (DRANST 1, ART TOT,
-- PRISENHED LOBM) moves more than dq_r14_max_change_pct (50 %) AND more than
-- dq_r14_min_change_kr (1 mio. kr.) from the year before: possibly booked on a wrong function.
-- Points at the later year's TOT row (raw holds municipalities only: ingest/statbank.py).
-- REGK31 is in 1.000 kr., so the change is multiplied by 1.000 before the kroner threshold.
{% set maks_pct = "cast(" ~ var('dq_r14_max_change_pct') ~ " as decimal(38, 6))" %}
{% set min_kr = "cast(" ~ var('dq_r14_min_change_kr') ~ " as decimal(38, 6))" %}
with netto as (
    select * from {{ ref('stg_regnskab__konti') }}
    where dranst = 1
        and art = 'TOT'
        and prisenhed = 'LOBM'
        and indhold is not null
),

med_forrige as (
    select
        nu.*,
        forrige.indhold as forrige_indhold
    from netto as nu
    inner join netto as forrige
        on nu.omraadekode = forrige.omraadekode
            and nu.funktion = forrige.funktion
            and forrige.aar = nu.aar - 1
),

flag as (
    select
        *,
        indhold - forrige_indhold as aendring,
        {{ div_half_up('100 * (indhold - forrige_indhold)', 'abs(forrige_indhold)', 1) }} as aendring_pct
    from med_forrige
    -- multiplied out (100 × Δ > 50 × forrige): DuckDB would divide DECIMALs in DOUBLE
    where 100 * cast(abs(indhold - forrige_indhold) as decimal(38, 3)) > {{ maks_pct }} * abs(forrige_indhold)
        and 1000 * cast(abs(indhold - forrige_indhold) as decimal(38, 3)) > {{ min_kr }}
)

{% set beskrivelse %}
'Nettodriftsudgift ' || coalesce(omraadenavn, omraadekode) || ', funktion ' || funktion || ', '
|| aar || ': ' || {{ dk_number('indhold', 1) }} || ' (1.000 kr.) er '
|| case when aendring > 0 then 'steget ' else 'faldet ' end
|| coalesce({{ dk_number('abs(aendring_pct)', 1) }} || ' % ', '')
|| '(' || {{ dk_number('abs(aendring) * 1000', 0) }} || ' kr) fra '
|| {{ dk_number('forrige_indhold', 1) }} || ' i ' || (aar - 1) || ' – mulig forkert funktion'
{% endset %}

{% set forventet %}
'ændring højst ' || {{ dk_number(maks_pct, 0) }} || ' % eller højst '
|| {{ dk_number(min_kr, 0) }} || ' kr fra ' || {{ dk_number('forrige_indhold', 1) }}
{% endset %}

{{ flag_row(
    regel='R14',
    regel_navn='Stor ændring i nettodriftsudgift',
    alvorlighed='advarsel',
    kilde="'regnskab'",
    noegle=['omraadekode', 'funktion', 'aar'],
    kommunekode='omraadekode',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=dk_number('indhold', 1),
    forventet=forventet,
) }}
from flag
