-- R13 (advarsel, sundhedstjek): a municipality's monthly count is more than
-- dq_r13_median_factor (3) × the median of its previous dq_r13_window_months (12) months, with at
-- least dq_r13_min_previous_months (6) of those months present, and at least dq_r13_min_count (10).
-- "Previous 12 months" are calendar months (a window on the month, not on row positions), so a
-- gap in the data does not stretch the window. The median is taken on DECIMAL: exact.
with maaneder as (
    select * from {{ ref('stg_sundhedstjek__maaned') }}
    where antal is not null
),

historik as (
    select
        *,
        median(cast(antal as decimal(18, 1))) over forrige as median_forrige,
        count(antal) over forrige as maaneder_forrige
    from maaneder
    window forrige as (
        partition by kommunekode
        order by maaned
        range between interval {{ var('dq_r13_window_months') }} month preceding and interval 1 month preceding
    )
),

flag as (
    select * from historik
    where maaneder_forrige >= {{ var('dq_r13_min_previous_months') }}
        and antal > {{ var('dq_r13_median_factor') }} * median_forrige
        and antal >= {{ var('dq_r13_min_count') }}
)

{% set beskrivelse %}
{{ dk_number('antal', 0) }} || ' sundhedstjek i ' || strftime(maaned, '%Y-%m') || ' er mere end '
|| {{ var('dq_r13_median_factor') }} || ' × medianen ' || {{ dk_number('median_forrige', 1) }}
|| ' af de foregående {{ var('dq_r13_window_months') }} måneder (' || maaneder_forrige || ' med tal)'
{% endset %}

{% set forventet %}
'højst ' || {{ dk_number(var('dq_r13_median_factor') ~ ' * median_forrige', 1) }}
|| ' (' || {{ var('dq_r13_median_factor') }} || ' × medianen)'
{% endset %}

{{ flag_row(
    regel='R13',
    regel_navn='Usædvanligt højt månedstal',
    alvorlighed='advarsel',
    kilde="'sundhedstjek'",
    noegle=['kommunekode', "strftime(maaned, '%Y-%m')"],
    kommunekode='kommunekode',
    periode="strftime(maaned, '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=dk_number('antal', 0),
    forventet=forventet,
) }}
from flag
