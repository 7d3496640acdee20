-- R15 (fejl, any source): a CPR-like number was found in a text field. Ingest masks it before
-- anything is stored and records where (quarantine.cpr_fund, one row per line × column); this
-- model shows only that masked form. One flag per source line (the registration to fix), naming
-- every column of the line that held one.
-- Municipality, tilbud and period are looked up from the flagged row itself where the source
-- has one row per line; a line of a source without that (or a row that was rejected) keeps
-- them empty.
with fund as (
    select * from {{ source('quarantine', 'cpr_fund') }}
),

pr_linje as (
    select
        kilde,
        kildefil,
        kildelinje,
        string_agg(kolonne, ', ' order by kolonne) as kolonner,
        string_agg(distinct maskeret_vaerdi, ' | ' order by maskeret_vaerdi) as maskerede_vaerdier,
        count(*) as antal_fund,
        max(load_id) as load_id
    from fund
    group by kilde, kildefil, kildelinje
),

-- The lines with a finding: the sources hold millions of lines, the findings a handful, so
-- each source is joined to these first and only the few matching lines are grouped.
fund_linjer as (
    select distinct
        kildefil,
        kildelinje
    from fund
),

-- Where each flagged source line belongs (file, line -> municipality, tilbud, periode).
linjer as (
    select
        kilderaekke._source_file,
        kilderaekke._source_line,
        'posteringer|' || concat_ws(
            '|',
            coalesce(kilderaekke.kommunekode, ''),
            coalesce(kilderaekke.bilagsnr, '')
        ) as noegle,
        kilderaekke.kommunekode,
        kilderaekke.tilbudsnr,
        strftime(coalesce(kilderaekke.periode_fra, kilderaekke.bogfoeringsdato), '%Y-%m') as periode
    from {{ ref('stg_posteringer__posteringer') }} as kilderaekke
    inner join fund_linjer
        on kilderaekke._source_file = fund_linjer.kildefil
            and kilderaekke._source_line = fund_linjer.kildelinje
    union all
    select
        kilderaekke._source_file,
        kilderaekke._source_line,
        'takstbilag|' || concat_ws(
            '|',
            coalesce(cast(kilderaekke.tilbudsnr as varchar), ''),
            coalesce(kilderaekke.ydelse, ''),
            coalesce(cast(kilderaekke.aar as varchar), '')
        ) as noegle,
        null as kommunekode,
        kilderaekke.tilbudsnr,
        cast(kilderaekke.aar as varchar) as periode
    from {{ ref('stg_takstbilag__takster') }} as kilderaekke
    inner join fund_linjer
        on kilderaekke._source_file = fund_linjer.kildefil
            and kilderaekke._source_line = fund_linjer.kildelinje
    union all
    select
        kilderaekke._source_file,
        kilderaekke._source_line,
        'belaegning|' || concat_ws(
            '|',
            coalesce(cast(kilderaekke.tilbudsnr as varchar), ''),
            coalesce(strftime(kilderaekke.maaned, '%Y-%m'), '')
        ) as noegle,
        null as kommunekode,
        kilderaekke.tilbudsnr,
        strftime(kilderaekke.maaned, '%Y-%m') as periode
    from {{ ref('stg_belaegning__maaned') }} as kilderaekke
    inner join fund_linjer
        on kilderaekke._source_file = fund_linjer.kildefil
            and kilderaekke._source_line = fund_linjer.kildelinje
    union all
    select
        kilderaekke._source_file,
        kilderaekke._source_line,
        'sikrede|' || concat_ws(
            '|',
            coalesce(kilderaekke.institution, ''),
            coalesce(strftime(kilderaekke.maaned, '%Y-%m'), '')
        ) as noegle,
        null as kommunekode,
        null as tilbudsnr,
        strftime(kilderaekke.maaned, '%Y-%m') as periode
    from {{ ref('stg_sikrede__maaned') }} as kilderaekke
    inner join fund_linjer
        on kilderaekke._source_file = fund_linjer.kildefil
            and kilderaekke._source_line = fund_linjer.kildelinje
    union all
    select
        kilderaekke._source_file,
        kilderaekke._source_line,
        'regnskab|' || concat_ws(
            '|',
            coalesce(kilderaekke.omraadekode, ''),
            coalesce(kilderaekke.funktion, ''),
            coalesce(cast(kilderaekke.dranst as varchar), ''),
            coalesce(kilderaekke.art, ''),
            coalesce(kilderaekke.prisenhed, ''),
            coalesce(cast(kilderaekke.aar as varchar), '')
        ) as noegle,
        kilderaekke.omraadekode as kommunekode,
        null as tilbudsnr,
        cast(kilderaekke.aar as varchar) as periode
    from {{ ref('stg_regnskab__konti') }} as kilderaekke
    inner join fund_linjer
        on kilderaekke._source_file = fund_linjer.kildefil
            and kilderaekke._source_line = fund_linjer.kildelinje
    union all
    select
        kilderaekke._source_file,
        kilderaekke._source_line,
        'tilbud|' || coalesce(cast(kilderaekke.tilbudsnr as varchar), '') as noegle,
        null as kommunekode,
        kilderaekke.tilbudsnr,
        null as periode
    from {{ ref('stg_tilbud__tilbud') }} as kilderaekke
    inner join fund_linjer
        on kilderaekke._source_file = fund_linjer.kildefil
            and kilderaekke._source_line = fund_linjer.kildelinje
),

linje_info as (
    select
        _source_file,
        _source_line,
        any_value(kommunekode) as kommunekode,
        any_value(tilbudsnr) as tilbudsnr,
        any_value(periode) as periode,
        any_value(noegle) as noegle
    from linjer
    group by _source_file, _source_line
),

flag as (
    select
        pr_linje.*,
        linje_info.kommunekode,
        linje_info.tilbudsnr,
        linje_info.periode,
        -- A line that did not load has no registration key of its own: its file and line.
        coalesce(linje_info.noegle, pr_linje.kilde || '|' || pr_linje.kildefil || '|' || pr_linje.kildelinje) as noegle
    from pr_linje
    left join linje_info
        on pr_linje.kildefil = linje_info._source_file
            and pr_linje.kildelinje = linje_info._source_line
)

{% set beskrivelse %}
'CPR-lignende værdi fundet i ' || kolonner || ' og maskeret før indlæsning (' || maskerede_vaerdier
|| '); ret kildefilen, så den ikke indeholder CPR-numre'
{% endset %}

{{ flag_row(
    regel='R15',
    regel_navn='CPR-lignende værdi',
    alvorlighed='fejl',
    kilde='kilde',
    noegle=['noegle'],
    kildefil='kildefil',
    kildelinje='kildelinje',
    kommunekode='kommunekode',
    tilbudsnr='tilbudsnr',
    periode='periode',
    beskrivelse=beskrivelse,
    vaerdi='maskerede_vaerdier',
    forventet="'ingen CPR-numre i tekstfelter (pseudonym borgerreference)'",
    load_id='load_id',
) }}
from flag
