-- R17 (advarsel, regnskab): ART TOT differs by more than dq_r17_tolerance_1000kr (0,1 in 1.000 kr.)
-- from UE − I for the same municipality, function, dranst and year. LOBM only (the tolerance is
-- in 1.000 kr.; raw holds municipalities only). Points at the TOT row. A difference of exactly 0,1
-- (rounding in StatBank) is not flagged; exact DECIMAL arithmetic.
{% set tolerance = "cast(" ~ var('dq_r17_tolerance_1000kr') ~ " as decimal(38, 6))" %}
with konti as (
    select * from {{ ref('stg_regnskab__konti') }}
    where prisenhed = 'LOBM'
),

tot as (
    select * from konti
    where art = 'TOT' and indhold is not null
),

ue as (
    select
        omraadekode,
        funktion,
        dranst,
        aar,
        indhold
    from konti
    where art = 'UE'
),

i as (
    select
        omraadekode,
        funktion,
        dranst,
        aar,
        indhold
    from konti
    where art = 'I'
),

sammenlignet as (
    select
        tot.*,
        ue.indhold as ue_indhold,
        i.indhold as i_indhold,
        ue.indhold - i.indhold as ue_minus_i
    from tot
    inner join ue
        on tot.omraadekode = ue.omraadekode
            and tot.funktion = ue.funktion
            and tot.dranst = ue.dranst
            and tot.aar = ue.aar
    inner join i
        on tot.omraadekode = i.omraadekode
            and tot.funktion = i.funktion
            and tot.dranst = i.dranst
            and tot.aar = i.aar
),

flag as (
    select * from sammenlignet
    where abs(indhold - ue_minus_i) > {{ tolerance }}
)

{% set beskrivelse %}
coalesce(omraadenavn, omraadekode) || ', funktion ' || funktion || ', dranst ' || dranst || ', ' || aar
|| ': I alt (netto) ' || {{ dk_number('indhold', 1) }} || ' afviger '
|| {{ dk_number('indhold - ue_minus_i', 1) }} || ' fra bruttoudgifter '
|| {{ dk_number('ue_indhold', 1) }} || ' − indtægter ' || {{ dk_number('i_indhold', 1) }}
|| ' = ' || {{ dk_number('ue_minus_i', 1) }} || ' (1.000 kr.)'
{% endset %}

{% set forventet %}
{{ dk_number('ue_minus_i', 1) }} || ' ± ' || {{ dk_number(tolerance, 1) }}
{% endset %}

{{ flag_row(
    regel='R17',
    regel_navn='I alt (netto) ≠ bruttoudgifter − indtægter',
    alvorlighed='advarsel',
    kilde="'regnskab'",
    noegle=['omraadekode', 'funktion', 'dranst', 'aar'],
    kommunekode='omraadekode',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=dk_number('indhold', 1),
    forventet=forventet,
) }}
from flag
