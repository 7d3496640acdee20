select
    run_id,
    startet,
    afsluttet,
    landing_dir,
    filer,
    raekker_indlaest,
    flag_fejl,
    flag_advarsel,
    publiceret,
    fingeraftryk
from {{ source('meta', 'koersler') }}
