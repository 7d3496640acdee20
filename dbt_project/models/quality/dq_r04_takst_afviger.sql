-- Incremental per booking year (macros/ledger_partitions.sql): a posting is judged by itself against the rates of the
-- year of its Periode fra (from any booking year), so a flag of
-- booking year Y reads the postings of Y only; `_partition_aar` is that year.
-- Changed rates rebuild every year (ledger_rebuild_all).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar') }}",
) }}

-- R04 (advarsel, posteringer): the billed day rate |Beløb| / Antal døgn is more than
-- dq_r04_rate_tolerance_pct (0,5 %) away from EVERY approved rate of the tilbud in the rate
-- appendix of the year of Periode fra. Only postings with a Tilbudsnr, Antal døgn > 0 and a
-- Periode fra, and only where that year's appendix lists the tilbud (inner join).
-- Exact: |Beløb| / døgn vs takst ± t % is compared multiplied out by døgn (> 0) and by 100,
-- because DuckDB divides DECIMALs in DOUBLE: no division and no floating point decides a flag.
{% set tolerance = "cast(" ~ var('dq_r04_rate_tolerance_pct') ~ " as decimal(38, 6))" %}
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where tilbudsnr is not null
        and antal_doegn > 0
        and periode_fra is not null
        and beloeb_kr is not null
        and {{ ledger_filter('_partition_aar') }}
),

-- The approved rates of a tilbud and year (several rate levels may share one rate).
takster as (
    select distinct
        aar,
        tilbudsnr,
        doegntakst_kr
    from {{ ref('stg_takstbilag__takster') }}
    where doegntakst_kr is not null
),

-- Decide first, on the keys only: a posting is flagged when none of the approved rates of its
-- tilbud and year is within the tolerance. Of ~1,6 M national day postings a few hundred are,
-- so the description below is built for those alone.
vurderet as (
    select
        posteringer._source_file,
        posteringer._source_line,
        (
            100 * cast(
                abs(abs(posteringer.beloeb_kr) - takster.doegntakst_kr * posteringer.antal_doegn) as decimal(38, 2)
            )
            <= {{ tolerance }} * takster.doegntakst_kr * posteringer.antal_doegn
        ) as inden_for
    from posteringer
    inner join takster
        on posteringer.tilbudsnr = takster.tilbudsnr
            and takster.aar = year(posteringer.periode_fra)
),

afvigende as (
    select
        _source_file,
        _source_line
    from vurderet
    group by _source_file, _source_line
    having not bool_or(inden_for)
),

sammenlignet as (
    select
        posteringer.*,
        takster.doegntakst_kr,
        abs(abs(posteringer.beloeb_kr) - takster.doegntakst_kr * posteringer.antal_doegn) as afvigelse_kr
    from posteringer
    inner join afvigende
        on posteringer._source_file = afvigende._source_file
            and posteringer._source_line = afvigende._source_line
    inner join takster
        on posteringer.tilbudsnr = takster.tilbudsnr
            and takster.aar = year(posteringer.periode_fra)
),

pr_postering as (
    select
        _source_file,
        _source_line,
        any_value(_load_id) as _load_id,
        any_value(_partition_aar) as _partition_aar,
        any_value(kommunekode) as kommunekode,
        any_value(bilagsnr) as bilagsnr,
        any_value(tilbudsnr) as tilbudsnr,
        any_value(periode_fra) as periode_fra,
        any_value(beloeb_kr) as beloeb_kr,
        any_value(antal_doegn) as antal_doegn,
        -- The nearest approved rate is the one the description compares with.
        arg_min(doegntakst_kr, afvigelse_kr) as naermeste_takst_kr,
        string_agg({{ dk_number('doegntakst_kr', 2) }}, ' / ' order by doegntakst_kr) as godkendte_takster
    from sammenlignet
    group by _source_file, _source_line
),

flag as (
    select
        *,
        {{ div_half_up('abs(beloeb_kr)', 'antal_doegn', 2) }} as faktureret_takst_kr,
        {{ div_half_up('100 * abs(abs(beloeb_kr) - naermeste_takst_kr * antal_doegn)',
                       'naermeste_takst_kr * antal_doegn', 1) }} as afvigelse_pct
    from pr_postering
)

{% set beskrivelse %}
'Faktureret døgntakst ' || {{ dk_number('faktureret_takst_kr', 2) }} || ' kr ('
|| {{ dk_number('abs(beloeb_kr)', 2) }} || ' kr / ' || {{ dk_number('antal_doegn', 0) }}
|| ' døgn) afviger ' || coalesce({{ dk_number('afvigelse_pct', 1) }} || ' % ', '') || 'fra godkendt takst '
|| {{ dk_number('naermeste_takst_kr', 2) }} || ' kr (takstbilag ' || year(periode_fra)
|| ', tilbud ' || tilbudsnr || ')'
{% endset %}

{% set forventet %}
godkendte_takster || ' kr ± ' || {{ dk_number(tolerance, 1) }} || ' %'
{% endset %}

{{ flag_row(
    regel='R04',
    regel_navn='Faktureret døgntakst afviger fra takstbilag',
    alvorlighed='advarsel',
    kilde="'posteringer'",
    noegle=['kommunekode', 'bilagsnr'],
    kommunekode='kommunekode',
    tilbudsnr='tilbudsnr',
    periode="strftime(periode_fra, '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=dk_number('faktureret_takst_kr', 2),
    forventet=forventet,
    partition_aar='_partition_aar',
) }}
from flag
