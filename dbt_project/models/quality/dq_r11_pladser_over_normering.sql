-- R11 (fejl, belaegning and sikrede): more places in operation than the normed places plus the
-- flex places of the month (`Fleksible pladser`, secure institutions only; occupancy reports have
-- none). A flex place in operation is capacity, not an error (Kompasset ran two in 2021). Equal
-- is fine.
with belaegning as (
    select
        'belaegning' as kilde,
        tilbudsnr,
        cast(null as varchar) as institution,
        maaned,
        normerede_pladser,
        0 as fleksible_pladser,
        pladser_i_drift,
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
        normerede_pladser,
        fleksible_pladser,
        pladser_i_drift,
        _source_file,
        _source_line,
        _load_id
    from {{ ref('stg_sikrede__maaned') }}
),

flag as (
    select *
    from (
        select * from belaegning
        union all
        select * from sikrede
    ) as begge
    where pladser_i_drift > normerede_pladser + fleksible_pladser
)

{% set beskrivelse %}
coalesce('Tilbud ' || tilbudsnr, institution, '?') || ', ' || strftime(maaned, '%Y-%m') || ': '
|| {{ dk_number('pladser_i_drift', 0) }} || ' pladser i drift overstiger '
|| {{ dk_number('normerede_pladser', 0) }} || ' normerede pladser'
|| case when fleksible_pladser > 0 then ' + ' || {{ dk_number('fleksible_pladser', 0) }} || ' fleksible' else '' end
{% endset %}

{% set forventet %}
'højst ' || {{ dk_number('normerede_pladser + fleksible_pladser', 0) }}
{% endset %}

{{ flag_row(
    regel='R11',
    regel_navn='Flere pladser i drift end normeret og fleksible',
    alvorlighed='fejl',
    kilde='kilde',
    noegle=['kilde', 'coalesce(cast(tilbudsnr as varchar), institution)', "strftime(maaned, '%Y-%m')"],
    tilbudsnr='tilbudsnr',
    periode="strftime(maaned, '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=dk_number('pladser_i_drift', 0),
    forventet=forventet,
) }}
from flag
