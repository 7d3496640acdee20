-- Incremental per booking year (macros/ledger_partitions.sql): a flag compares one municipality ×
-- function × booking year Y of the postings with REGK31 of Y, so it reads the postings of Y only;
-- `_partition_aar` is Y. Changed accounts rebuild every year (ledger_rebuild_all).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar') }}",
) }}

-- R16 (advarsel, regnskab × posteringer): for a municipality × function × year (year of
-- Bogføringsdato), the sum of the postings with Dranst 1 differs by more than
-- dq_r16_tolerance_pct (2 %) from the reported net operating account (REGK31 DRANST 1, ART TOT,
-- PRISENHED LOBM, × 1.000 kr.). Points at that year's REGK31 TOT row.
-- Compared where both sides exist: a municipality × function × year with postings and a
-- reported TOT. A function with no postings at all is not flagged (the ledger extract need not
-- cover every function of REGK31); postings on a function REGK31 lacks have no row to point at.
{% set tolerance = "cast(" ~ var('dq_r16_tolerance_pct') ~ " as decimal(38, 6))" %}
with posteringer as (
    select
        kommunekode,
        funktion,
        cast(year(bogfoeringsdato) as integer) as aar,
        sum(beloeb_kr) as posteringer_kr,
        count(*) as antal_posteringer
    from {{ ref('stg_posteringer__posteringer') }}
    where dranst = 1
        and bogfoeringsdato is not null
        and beloeb_kr is not null
        and {{ ledger_filter('_partition_aar') }}
    group by all
),

regnskab as (
    select
        *,
        cast(indhold as decimal(38, 3)) * 1000 as regnskab_kr
    from {{ ref('stg_regnskab__konti') }}
    where dranst = 1
        and art = 'TOT'
        and prisenhed = 'LOBM'
        and indhold is not null
        and {{ ledger_filter('aar') }}
),

sammenlignet as (
    select
        regnskab.*,
        posteringer.posteringer_kr,
        posteringer.antal_posteringer
    from regnskab
    inner join posteringer
        on regnskab.omraadekode = posteringer.kommunekode
            and regnskab.funktion = posteringer.funktion
            and regnskab.aar = posteringer.aar
),

flag as (
    select
        *,
        {{ div_half_up('100 * (posteringer_kr - regnskab_kr)', 'abs(regnskab_kr)', 1) }} as afvigelse_pct
    from sammenlignet
    -- multiplied out (100 × Δ > 2 × regnskab): DuckDB would divide DECIMALs in DOUBLE
    where 100 * abs(posteringer_kr - regnskab_kr) > {{ tolerance }} * abs(regnskab_kr)
)

{% set beskrivelse %}
'Posteringer med dranst 1 på funktion ' || funktion || ' i ' || aar || ' ('
|| {{ dk_number('antal_posteringer', 0) }} || ' stk.) summer til ' || {{ dk_number('posteringer_kr', 2) }}
|| ' kr, ' || coalesce({{ dk_number('abs(afvigelse_pct)', 1) }} || ' % ', '')
|| case when posteringer_kr > regnskab_kr then 'over' else 'under' end
|| ' regnskabets nettodrift ' || {{ dk_number('regnskab_kr', 2) }} || ' kr (REGK31 I alt × 1.000)'
{% endset %}

{% set forventet %}
{{ dk_number('regnskab_kr', 2) }} || ' kr ± ' || {{ dk_number(tolerance, 0) }} || ' %'
{% endset %}

{{ flag_row(
    regel='R16',
    regel_navn='Posteringer afstemmer ikke med regnskab',
    alvorlighed='advarsel',
    kilde="'regnskab'",
    noegle=['omraadekode', 'funktion', 'aar'],
    kommunekode='omraadekode',
    periode='aar',
    beskrivelse=beskrivelse,
    vaerdi=dk_number('posteringer_kr', 2),
    forventet=forventet,
    partition_aar='aar',
) }}
from flag
