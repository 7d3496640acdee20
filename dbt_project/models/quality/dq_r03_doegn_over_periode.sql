-- Incremental per booking year (macros/ledger_partitions.sql): a posting is judged by itself (its
-- days and period), so a flag of booking year Y reads the postings of Y only; `_partition_aar` is that year.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar') }}",
) }}

-- R03 (fejl, posteringer): more days billed than the service period has
-- (Periode til − Periode fra + 1), or a period that ends before it starts.
-- Needs both dates; a posting without a period is not day-based and has nothing to check.
with posteringer as (
    select
        *,
        cast(date_diff('day', periode_fra, periode_til) + 1 as integer) as dage_i_perioden
    from {{ ref('stg_posteringer__posteringer') }}
    where periode_fra is not null and periode_til is not null and {{ ledger_filter('_partition_aar') }}
),

flag as (
    select
        *,
        periode_til < periode_fra as omvendt_periode
    from posteringer
    where periode_til < periode_fra
        or antal_doegn > dage_i_perioden
)

{% set beskrivelse %}
case
    when omvendt_periode then
        'Periode til ' || strftime(periode_til, '%d-%m-%Y') || ' ligger før periode fra '
        || strftime(periode_fra, '%d-%m-%Y')
        || coalesce(' (' || {{ dk_number('antal_doegn', 0) }} || ' døgn faktureret)', '')
    else
        'Faktureret ' || {{ dk_number('antal_doegn', 0) }} || ' døgn, men perioden '
        || strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
        || ' har kun ' || {{ dk_number('dage_i_perioden', 0) }} || ' dage'
end
{% endset %}

{% set vaerdi %}
case
    when omvendt_periode then strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
    else {{ dk_number('antal_doegn', 0) }}
end
{% endset %}

{% set forventet %}
case
    when omvendt_periode then 'periode til på eller efter periode fra'
    else 'højst ' || {{ dk_number('dage_i_perioden', 0) }} || ' døgn'
end
{% endset %}

{{ flag_row(
    regel='R03',
    regel_navn='Døgn ud over serviceperioden',
    alvorlighed='fejl',
    kilde="'posteringer'",
    noegle=['kommunekode', 'bilagsnr'],
    kommunekode='kommunekode',
    tilbudsnr='tilbudsnr',
    periode="strftime(coalesce(periode_fra, bogfoeringsdato), '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=vaerdi,
    forventet=forventet,
    partition_aar='_partition_aar',
) }}
from flag
