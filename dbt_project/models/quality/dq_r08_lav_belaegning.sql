-- R08 (advarsel, takstbilag): budgeted occupancy below dq_r08_min_occupancy_pct and no Begrundelse;
-- such a rate needs the steering group's approval. Exactly the minimum is fine (macros/takst_begrundelse.sql).
{% set minimum = r08_min_belaegning_pct() %}
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

flag as (
    select * from takster
    where {{ r08_under_minimum('belaegning_andel') }}
        and begrundelse is null  -- staging turns a blank Begrundelse into NULL
)

{% set beskrivelse %}
'Budgetteret belægning ' || {{ dk_number('belaegning_andel * 100', 2) }} || ' % (' || coalesce(ydelse, '?')
|| ') er under ' || {{ dk_number(minimum, 0) }} || ' %, og der er ingen begrundelse'
|| ' (kræver styregruppens godkendelse)'
{% endset %}

{% set vaerdi %}
{{ dk_number('belaegning_andel * 100', 2) }} || ' %'
{% endset %}

{% set forventet %}
'mindst ' || {{ dk_number(minimum, 0) }} || ' % eller en begrundelse'
{% endset %}

{{ flag_row(
    regel='R08',
    regel_navn='Lav belægning uden begrundelse',
    alvorlighed='advarsel',
    kilde="'takstbilag'",
    noegle=['tilbudsnr', 'ydelse', 'aar'],
    tilbudsnr='tilbudsnr',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=vaerdi,
    forventet=forventet,
) }}
from flag
