-- R06 (fejl, takstbilag): Døgntakst differs by more than dq_r06_tolerance_kr (0,01 kr) from
-- Omkostninger / (Pladser × Dage × Belægningsprocent) — the unrounded quotient, as the rules
-- doc says. Compared without dividing: |Døgntakst × nævner − Omkostninger| > 0,01 × nævner, so
-- exact decimal arithmetic decides the boundary. The description shows the quotient to 4 decimals.
{% set tolerance = "cast(" ~ var('dq_r06_tolerance_kr') ~ " as decimal(38, 6))" %}
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

beregnet as (
    select
        *,
        pladser * dage * belaegning_andel as naevner,
        {{ div_half_up('omkostninger_kr', 'pladser * dage * belaegning_andel', 4) }} as beregnet_takst_kr
    from takster
    where doegntakst_kr is not null and pladser * dage * belaegning_andel > 0
),

flag as (
    select * from beregnet
    where abs(doegntakst_kr * naevner - omkostninger_kr) > {{ tolerance }} * naevner
)

{% set beskrivelse %}
'Døgntakst ' || {{ dk_number('doegntakst_kr', 2) }} || ' kr (' || coalesce(ydelse, '?')
|| ') afviger ' || {{ dk_number('doegntakst_kr - beregnet_takst_kr', 4) }}
|| ' kr fra omkostninger ' || {{ dk_number('omkostninger_kr', 2) }} || ' kr / ('
|| {{ dk_places('pladser') }} || ' pladser × ' || {{ dk_number('dage', 0) }} || ' dage × '
|| {{ dk_number('belaegning_andel * 100', 2) }} || ' %) = ' || {{ dk_number('beregnet_takst_kr', 4) }} || ' kr'
{% endset %}

{% set forventet %}
{{ dk_number('beregnet_takst_kr', 4) }} || ' kr ± ' || {{ dk_number(tolerance, 2) }} || ' kr'
{% endset %}

{{ flag_row(
    regel='R06',
    regel_navn='Døgntakst passer ikke med omkostninger',
    alvorlighed='fejl',
    kilde="'takstbilag'",
    noegle=['tilbudsnr', 'ydelse', 'aar'],
    tilbudsnr='tilbudsnr',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=dk_number('doegntakst_kr', 2),
    forventet=forventet,
) }}
from flag
