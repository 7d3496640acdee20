-- R12 (info, sundhedstjek): the month is not complete in the extract it comes from: the
-- extraction month itself, or later. Staging keeps, per municipality × month, the figure of the
-- newest extract, so a month completed by a later extract is no longer flagged. Points at the
-- municipality's row of that extract file, periode = the month.
with maaneder as (
    select * from {{ ref('stg_sundhedstjek__maaned') }}
),

flag as (
    select * from maaneder
    where maaned >= date_trunc('month', udtraeksdato)
)

{% set beskrivelse %}
'Måneden ' || strftime(maaned, '%Y-%m') || ' var ikke afsluttet ved udtrækket '
|| strftime(udtraeksdato, '%d-%m-%Y') || '; antallet ' || coalesce({{ dk_number('antal', 0) }}, '(tomt)')
|| ' er foreløbigt'
{% endset %}

{% set vaerdi %}
coalesce({{ dk_number('antal', 0) }}, '(tomt)')
{% endset %}

{{ flag_row(
    regel='R12',
    regel_navn='Ufuldstændig måned',
    alvorlighed='info',
    kilde="'sundhedstjek'",
    noegle=['kommunekode', "strftime(maaned, '%Y-%m')"],
    kommunekode='kommunekode',
    periode="strftime(maaned, '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=vaerdi,
    forventet="'en afsluttet måned (før ' || strftime(udtraeksdato, '%Y-%m') || ')'",
) }}
from flag
