-- One row per flag this refresh found (quality.dq_flag: the rule models R01-R17 and each
-- flag's id), with its history (meta.flag_history, written by warehouse/flag_history.py after
-- the build): `status` ny (first found in this refresh) or uændret (found before), or
-- accepteret when a steward's decision (folder beslutninger/) says the flag is right: still
-- listed, not counted as open; `foerst_fundet` the first refresh that found it. A view (like
-- every cockpit relation): the publish step counts its open flags per severity into
-- cockpit.koersler.
-- `fundet` is the start of the dbt invocation that built the flags (UTC), fixed in the view's text.
with flag as (
    select * from {{ ref('dq_flag') }}
),

historik as (
    select
        flag_id,
        status,
        foerst_fundet
    from {{ source('meta', 'flag_history') }}
),

beslutning as (
    select * from {{ ref('stg_beslutninger__beslutninger') }}
)

select
    flag.flag_id,
    flag.regel,
    flag.regel_navn,
    flag.alvorlighed,
    flag.kilde,
    flag.kildefil,
    flag.kildelinje,
    flag.kommunekode,
    flag.tilbudsnr,
    flag.periode,
    flag.beskrivelse,
    flag.vaerdi,
    flag.forventet,
    flag.load_id,
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp) as fundet,
    try_cast(left(flag.periode, 4) as integer) as periode_aar,
    case
        when beslutning.beslutning = 'accepteret' then 'accepteret'
        -- meta.flag_history is this refresh's once its history step has run (before publishing);
        -- a flag found again after it was corrected is not new.
        when historik.status in ('uændret', 'rettet') then 'uændret'
        else 'ny'
    end as status,
    historik.foerst_fundet,
    beslutning.beslutning,
    beslutning.begrundelse,
    beslutning.besluttet_af,
    beslutning.besluttet_dato,
    flag.flag_noegle,
    flag.driftsherre
from flag
left join historik on flag.flag_id = historik.flag_id
left join beslutning on flag.flag_id = beslutning.flag_id
