-- Incremental per booking year (macros/ledger_partitions.sql): a posting is judged by itself (its period), so a flag of
-- booking year Y reads the postings of Y only; `_partition_aar` is that year.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar') }}",
) }}

-- R05 (info, posteringer): a day-based posting (Antal døgn filled and not 0) whose service
-- period contains 29 February. Allowed, but the rates are computed on 365 days, so the data
-- steward should know the period has 366 in its year.
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where coalesce(antal_doegn, 0) <> 0
        and periode_fra is not null
        and periode_til is not null
        and periode_fra <= periode_til
        and {{ ledger_filter('_partition_aar') }}
),

-- One row per posting and calendar year its period touches; keep the leap years' 29 February
-- when it lies inside the period.
aar as (
    select
        *,
        unnest(generate_series(year(periode_fra), year(periode_til))) as aar
    from posteringer
),

skuddage as (
    select *
    from (
        select
            * exclude (aar),
            -- make_date fails on 29 February of a common year, so only leap years get one.
            case
                when aar % 4 = 0 and (aar % 100 <> 0 or aar % 400 = 0) then make_date(cast(aar as integer), 2, 29)
            end as skuddag
        from aar
    ) as med_skuddag
    where skuddag between periode_fra and periode_til
),

flag as (
    -- A period over several years may hold more than one leap day: one flag per posting.
    select * from skuddage
    qualify row_number() over (partition by _source_file, _source_line order by skuddag) = 1
)

{% set beskrivelse %}
'Perioden ' || strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
|| ' indeholder skuddagen ' || strftime(skuddag, '%d-%m-%Y') || ' (' || {{ dk_number('antal_doegn', 0) }}
|| ' døgn faktureret); tilladt, men taksterne er beregnet på 365 dage'
{% endset %}

{% set vaerdi %}
{{ dk_number('antal_doegn', 0) }} || ' døgn'
{% endset %}

{{ flag_row(
    regel='R05',
    regel_navn='Skuddag i serviceperioden',
    alvorlighed='info',
    kilde="'posteringer'",
    noegle=['kommunekode', 'bilagsnr'],
    kommunekode='kommunekode',
    tilbudsnr='tilbudsnr',
    periode="strftime(periode_fra, '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi=vaerdi,
    forventet="'takst beregnet på 365 dage'",
    partition_aar='_partition_aar',
) }}
from flag
