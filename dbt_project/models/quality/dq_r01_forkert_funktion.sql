-- Incremental per booking year (macros/ledger_partitions.sql): a posting is judged by itself against the register and
-- the function map, so a flag of
-- booking year Y reads the postings of Y only; `_partition_aar` is that year.
-- Another register rebuilds every year (ledger_rebuild_all).
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete('_partition_aar') }}",
) }}

-- R01 (advarsel, posteringer): a posting for a tilbud is booked on another function than the
-- one of the tilbud's paragraph (map in the seed paragraf_funktion). Tilbud whose paragraph is
-- not in the map (children, ABL § 105, ...) and tilbudsnr unknown to Tilbudsportalen are not
-- checked: there is no expected function to compare with.
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where tilbudsnr is not null and {{ ledger_filter('_partition_aar') }}
),

tilbud as (
    select
        tilbudsnr,
        tilbudsnavn,
        paragraf
    from {{ ref('stg_tilbud__tilbud') }}
),

paragraf_funktion as (
    select
        paragraf,
        funktion
    from {{ ref('paragraf_funktion') }}
),

forventet as (
    select
        posteringer.*,
        tilbud.tilbudsnavn,
        tilbud.paragraf,
        paragraf_funktion.funktion as forventet_funktion
    from posteringer
    inner join tilbud on posteringer.tilbudsnr = tilbud.tilbudsnr
    inner join paragraf_funktion on tilbud.paragraf = paragraf_funktion.paragraf
),

flag as (
    select * from forventet
    where funktion is distinct from forventet_funktion
)

{% set beskrivelse %}
'Tilbud ' || tilbudsnr || ' (' || coalesce(tilbudsnavn, '?') || ', ' || paragraf
|| ') er bogført på funktion ' || coalesce(funktion, '(tom)')
|| '; ' || paragraf || ' hører til funktion ' || forventet_funktion
{% endset %}

-- periode: postings belong to the month of the service they pay for (else the booking month).
{{ flag_row(
    regel='R01',
    regel_navn='Forkert funktion for tilbuddets paragraf',
    alvorlighed='advarsel',
    kilde="'posteringer'",
    noegle=['kommunekode', 'bilagsnr'],
    kommunekode='kommunekode',
    tilbudsnr='tilbudsnr',
    periode="strftime(coalesce(periode_fra, bogfoeringsdato), '%Y-%m')",
    beskrivelse=beskrivelse,
    vaerdi='funktion',
    forventet='forventet_funktion',
    partition_aar='_partition_aar',
) }}
from flag
