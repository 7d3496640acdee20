-- One row per flagged registration: the union of the registration-flag models R01-R17
-- (models/quality, contracts/data-quality-rules.md). A view (like every cockpit relation): the
-- publish step counts its flags per severity into cockpit.koersler.
-- flag_id is stable across runs for the same rule and source line; `fundet` is the start of the
-- dbt invocation that built the flags (UTC), fixed in the view's text.
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
        load_id
    from {{ ref(regel) }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
)

select
    cast(md5(regel || '|' || kildefil || '|' || kildelinje || '|' || coalesce(periode, '')) as varchar)
        as flag_id,
    cast(regel as varchar) as regel,
    cast(regel_navn as varchar) as regel_navn,
    cast(alvorlighed as varchar) as alvorlighed,
    cast(kilde as varchar) as kilde,
    cast(kildefil as varchar) as kildefil,
    cast(kildelinje as integer) as kildelinje,
    cast(kommunekode as varchar) as kommunekode,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(periode as varchar) as periode,
    cast(beskrivelse as varchar) as beskrivelse,
    cast(vaerdi as varchar) as vaerdi,
    cast(forventet as varchar) as forventet,
    cast(load_id as varchar) as load_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as fundet,
    try_cast(left(periode, 4) as integer) as periode_aar
from flag
