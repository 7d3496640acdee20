-- R10 (advarsel, belaegning and sikrede): occupied days exceed places in operation × days in
-- the month (+ dq_r10_tolerance_days, default 0). For secure institutions the occupied days are
-- social + judicial placements. Exactly full (100 %) is not flagged.
{% set tolerance = var('dq_r10_tolerance_days') %}
with belaegning as (
    select
        'belaegning' as kilde,
        tilbudsnr,
        cast(null as varchar) as institution,
        maaned,
        pladser_i_drift,
        belagte_doegn,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_belaegning__maaned') }}
),

sikrede as (
    select
        'sikrede' as kilde,
        cast(null as integer) as tilbudsnr,
        institution,
        maaned,
        pladser_i_drift,
        coalesce(belagte_doegn_sociale, 0) + coalesce(belagte_doegn_retlige, 0) as belagte_doegn,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_sikrede__maaned') }}
),

maaneder as (
    select
        *,
        pladser_i_drift * day(last_day(maaned)) as doegn_i_drift
    from (
        select * from belaegning
        union all
        select * from sikrede
    ) as begge
),

flag as (
    select * from maaneder
    where belagte_doegn > doegn_i_drift + {{ tolerance }}
)

{% set beskrivelse %}
coalesce('Tilbud ' || tilbudsnr, institution, '?') || ', ' || strftime(maaned, '%Y-%m') || ': '
|| {{ dk_number('belagte_doegn', 0) }} || ' belagte døgn overstiger '
|| {{ dk_number('pladser_i_drift', 0) }} || ' pladser i drift × ' || day(last_day(maaned))
|| ' dage = ' || {{ dk_number('doegn_i_drift', 0) }} || ' døgn'
{% endset %}

{% set forventet %}
'højst ' || {{ dk_number('doegn_i_drift + ' ~ tolerance, 0) }}
{% endset %}

{{ flag_row(
    regel='R10',
    regel_navn='Flere belagte døgn end pladser i drift',
    alvorlighed='advarsel',
    kilde='kilde',
    noegle=['kilde', 'coalesce(cast(tilbudsnr as varchar), institution)', "strftime(maaned, '%Y-%m')"],
    tilbudsnr='tilbudsnr',
    periode="strftime(maaned, '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=dk_number('belagte_doegn', 0),
    forventet=forventet,
) }}
from flag
