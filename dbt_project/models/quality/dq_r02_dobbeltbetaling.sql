-- Incremental per SERVICE year (macros/ledger_partitions.sql), not per booking year: R02 looks
-- across files, months and booking years (a copy may be booked a year after the original), but
-- every copy of a posting has the same Periode fra, so all postings it compares lie in one year of
-- Periode fra. A changed file rebuilds every year of Periode fra its old or new rows have, reading
-- all postings of those years whatever their booking year; `_partition_aar` is that year.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar', 'service') }}",
) }}

-- R02 (advarsel, posteringer): the same municipality, tilbud, case key, service period and
-- amount booked more than once (possible double payment). The first copy (by file name, then
-- line) is the original; every later copy is flagged and names the first.
-- A posting is only compared when it has a usable case key and a whole service period: without
-- them "the same" cannot be established (two empty keys are not the same borger). A masked
-- reference (R15) is not a usable key either: two different CPR numbers mask to the same text.
-- Tilbudsnr may be empty (a § 85 payment has none) and is then compared as empty = empty.
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where borgerreference is not null
        and borgerreference not like '%XXXXXX-XXXX%'
        and periode_fra is not null
        and periode_til is not null
        and beloeb_kr is not null
        and {{ ledger_filter('year(periode_fra)', 'service') }}
),

-- Only keys booked more than once can have a copy: found by the key's hash first, so the window
-- below sorts those postings, not the year's every posting (3 M postings of one year: 0,6 s
-- instead of 1,4 s). A hash two keys share only adds postings the window numbers 1 and keeps out.
gentaget as (
    select hash(kommunekode, tilbudsnr, borgerreference, periode_fra, periode_til, beloeb_kr) as noegle_hash
    from posteringer
    group by noegle_hash
    having count(*) > 1
),

kandidater as (
    select posteringer.*
    from posteringer
    semi join gentaget
        on hash(
                posteringer.kommunekode,
                posteringer.tilbudsnr,
                posteringer.borgerreference,
                posteringer.periode_fra,
                posteringer.periode_til,
                posteringer.beloeb_kr
            ) = gentaget.noegle_hash
),

kopier as (
    select
        *,
        row_number() over kopi as kopi_nr,
        first_value(_source_file) over kopi as foerste_fil,
        first_value(_source_line) over kopi as foerste_linje
    from kandidater
    window kopi as (
        partition by kommunekode, tilbudsnr, borgerreference, periode_fra, periode_til, beloeb_kr
        order by _source_file, _source_line
        rows between unbounded preceding and unbounded following
    )
),

flag as (
    select * from kopier
    where kopi_nr > 1
)

{% set beskrivelse %}
'Beløb ' || {{ dk_number('beloeb_kr', 2) }} || ' kr for borgerreference ' || borgerreference
|| coalesce(', tilbud ' || tilbudsnr, '') || ', periode '
|| strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
|| ' er bogført igen (kopi nr. ' || kopi_nr || '); første gang i ' || foerste_fil
|| ' linje ' || foerste_linje
{% endset %}

{% set forventet %}
'kun én postering (første: ' || foerste_fil || ' linje ' || foerste_linje || ')'
{% endset %}

{{ flag_row(
    regel='R02',
    regel_navn='Mulig dobbeltbetaling',
    alvorlighed='advarsel',
    kilde="'posteringer'",
    noegle=['kommunekode', 'bilagsnr'],
    kommunekode='kommunekode',
    tilbudsnr='tilbudsnr',
    periode="strftime(coalesce(periode_fra, bogfoeringsdato), '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=dk_number('beloeb_kr', 2),
    forventet=forventet,
    partition_aar='year(periode_fra)',
) }}
from flag
