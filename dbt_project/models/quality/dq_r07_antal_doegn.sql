-- R07 (advarsel, takstbilag): Antal døgn ≠ round(Pladser × Dage × Belægningsprocent), rounded
-- half-up to whole days (1 × 365 × 90 % = 328,5 → 329), exactly (div_half_up, no DOUBLE).
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

beregnet as (
    select
        *,
        pladser * dage * belaegning_andel as doegn_eksakt,
        {{ div_half_up('pladser * dage * belaegning_andel', '1', 0) }} as beregnet_antal_doegn
    from takster
),

flag as (
    select * from beregnet
    where antal_doegn is distinct from beregnet_antal_doegn
        and beregnet_antal_doegn is not null
)

{% set beskrivelse %}
'Antal døgn ' || coalesce({{ dk_number('antal_doegn', 0) }}, '(tom)') || ' (' || coalesce(ydelse, '?')
|| ') ≠ ' || {{ dk_places('pladser') }} || ' pladser × ' || {{ dk_number('dage', 0) }}
|| ' dage × ' || {{ dk_number('belaegning_andel * 100', 2) }} || ' % = '
|| {{ dk_number('doegn_eksakt', 2) }} || ', afrundet ' || {{ dk_number('beregnet_antal_doegn', 0) }}
{% endset %}

{% set vaerdi %}
coalesce({{ dk_number('antal_doegn', 0) }}, '(tom)')
{% endset %}

{{ flag_row(
    regel='R07',
    regel_navn='Antal døgn passer ikke med pladser og belægning',
    alvorlighed='advarsel',
    kilde="'takstbilag'",
    noegle=['tilbudsnr', 'ydelse', 'aar'],
    tilbudsnr='tilbudsnr',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=vaerdi,
    forventet=dk_number('beregnet_antal_doegn', 0),
) }}
from flag
