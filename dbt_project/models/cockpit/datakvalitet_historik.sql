-- Every flag ever found, one row per flag_id (meta.flag_history, kept by
-- warehouse/flag_history.py across refreshes and full rebuilds): the columns of
-- cockpit.datakvalitet as last found, `sidst_fundet`, and `status` ny / uændret / rettet (no
-- longer found: the registration was corrected, `rettet_fundet` the refresh that no longer
-- found it), or accepteret: a steward's decision (folder beslutninger/) says the flag is right
-- and it is still found.
with beslutning as (
    select * from {{ ref('stg_beslutninger__beslutninger') }}
)

select
    historik.flag_id,
    historik.regel,
    historik.regel_navn,
    historik.alvorlighed,
    historik.kilde,
    historik.kildefil,
    historik.kildelinje,
    historik.kommunekode,
    historik.tilbudsnr,
    historik.periode,
    historik.beskrivelse,
    historik.vaerdi,
    historik.forventet,
    historik.load_id,
    historik.sidst_fundet as fundet,
    try_cast(left(historik.periode, 4) as integer) as periode_aar,
    case
        when historik.status <> 'rettet' and beslutning.beslutning = 'accepteret' then 'accepteret'
        else historik.status
    end as status,
    historik.foerst_fundet,
    beslutning.beslutning,
    beslutning.begrundelse,
    beslutning.besluttet_af,
    beslutning.besluttet_dato,
    historik.flag_noegle,
    historik.sidst_fundet,
    historik.rettet_fundet,
    historik.driftsherre
from {{ source('meta', 'flag_history') }} as historik
left join beslutning on historik.flag_id = beslutning.flag_id
