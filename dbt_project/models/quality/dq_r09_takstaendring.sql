-- R09 (advarsel, takstbilag): the day rate moved more than dq_r09_max_change_pct from the same
-- tilbud × ydelse last year, and this year's row has no Begrundelse. Points at this year's row.
-- The comparison is exact (macros/takst_begrundelse.sql).
{% set maks = r09_maks_aendring_pct() %}
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

med_forrige as (
    select
        nu.*,
        forrige.doegntakst_kr as forrige_takst_kr
    from takster as nu
    inner join takster as forrige
        on nu.tilbudsnr = forrige.tilbudsnr
            and nu.ydelse = forrige.ydelse
            and forrige.aar = nu.aar - 1
),

flag as (
    select
        *,
        {{ div_half_up('100 * (doegntakst_kr - forrige_takst_kr)', 'forrige_takst_kr', 1) }} as aendring_pct
    from med_forrige
    where {{ r09_over_maksimum('doegntakst_kr', 'forrige_takst_kr') }}
        and begrundelse is null
)

{% set beskrivelse %}
'Døgntakst ' || {{ dk_number('doegntakst_kr', 2) }} || ' kr (' || ydelse || ') er '
|| case when doegntakst_kr > forrige_takst_kr then 'steget ' else 'faldet ' end
|| coalesce({{ dk_number('abs(aendring_pct)', 1) }} || ' % ', '') || 'fra ' || {{ dk_number('forrige_takst_kr', 2) }}
|| ' kr i ' || (aar - 1) || ', og der er ingen begrundelse'
{% endset %}

{% set forventet %}
'højst ' || {{ dk_number(maks, 0) }} || ' % fra ' || {{ dk_number('forrige_takst_kr', 2) }}
|| ' kr, eller en begrundelse'
{% endset %}

{{ flag_row(
    regel='R09',
    regel_navn='Stor takstændring uden begrundelse',
    alvorlighed='advarsel',
    kilde="'takstbilag'",
    noegle=['tilbudsnr', 'ydelse', 'aar'],
    tilbudsnr='tilbudsnr',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=dk_number('doegntakst_kr', 2),
    forventet=forventet,
) }}
from flag
