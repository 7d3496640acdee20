{{ config(materialized='view') }}
-- Every flag this refresh finds: the union of the rule models R01-R17 with each flag's id.
-- flag_id = md5 of the rule and the registration's own key (flag_noegle, documented in each
-- rule's YAML), never of the file or the line: a renamed, re-exported or re-encoded file, or
-- lines inserted above a flag, change no id, and the same registration found again next
-- refresh (or next year) has the same id (contracts/cockpit-schema.md, issue 22). Two
-- registrations with the same key in one refresh are two flags: the first (by file, then line)
-- has the plain id, the n-th `|n` appended before hashing.
-- A view, so it is always the rule tables as they are; warehouse/flag_history.py compares it
-- with the history in meta.flag_history after each build.
{%- set regler = [
    'dq_r01_forkert_funktion',
    'dq_r02_dobbeltbetaling',
    'dq_r03_doegn_over_periode',
    'dq_r04_takst_afviger',
    'dq_r05_skuddag',
    'dq_r06_doegntakst_beregning',
    'dq_r07_antal_doegn',
    'dq_r08_lav_belaegning',
    'dq_r09_takstaendring',
    'dq_r10_overbelaegning',
    'dq_r11_pladser_over_normering',
    'dq_r12_ufuldstaendig_maaned',
    'dq_r13_usaedvanligt_hoejt_antal',
    'dq_r14_stor_aendring_regnskab',
    'dq_r15_cpr_fund',
    'dq_r16_posteringer_vs_regnskab',
    'dq_r17_tot_ue_i',
] %}

with flag as (
    {%- for regel in regler %}
    select
        regel,
        regel_navn,
        alvorlighed,
        kilde,
        kildefil,
        kildelinje,
        kommunekode,
        tilbudsnr,
        periode,
        beskrivelse,
        vaerdi,
        forventet,
        load_id,
        flag_noegle
    from {{ ref(regel) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

nummereret as (
    select
        *,
        row_number() over (partition by regel, flag_noegle order by kildefil, kildelinje) as nr
    from flag
),

tilbud as (
    select
        tilbudsnr,
        driftsherre,
        driftsherretype,
        beliggenhedskommune
    from {{ ref('stg_tilbud__tilbud') }}
)

select
    cast(
        md5(
            nummereret.regel || '|' || nummereret.flag_noegle
            || case when nummereret.nr > 1 then '|' || nummereret.nr else '' end
        ) as varchar
    ) as flag_id,
    nummereret.* exclude (nummereret.nr, nummereret.kommunekode),
    -- A rate row names no municipality: its flag carries the operator's, so a municipality finds
    -- the flags of its own rate appendices (a municipal operator's tilbud lies in the
    -- municipality: Tilbudsportalen's Beliggenhedskommune); regions and private operators none.
    coalesce(
        nummereret.kommunekode,
        case
            when nummereret.kilde = 'takstbilag' and tilbud.driftsherretype = 'kommune' then tilbud.beliggenhedskommune
        end
    ) as kommunekode,
    tilbud.driftsherre
from nummereret
left join tilbud on nummereret.tilbudsnr = tilbud.tilbudsnr
