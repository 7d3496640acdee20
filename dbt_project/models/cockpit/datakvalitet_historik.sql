-- Every flag ever found, one row per flag_id (meta.flag_history, kept by
-- warehouse/flag_history.py across refreshes and full rebuilds): the columns of
-- cockpit.datakvalitet as last found, `sidst_fundet`, and `status` ny / uændret / rettet (no
-- longer found: the registration was corrected, `rettet_fundet` the refresh that no longer
-- found it).
select
    flag_id,
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
    sidst_fundet as fundet,
    try_cast(left(periode, 4) as integer) as periode_aar,
    status,
    foerst_fundet,
    flag_noegle,
    sidst_fundet,
    rettet_fundet
from {{ source('meta', 'flag_history') }}
