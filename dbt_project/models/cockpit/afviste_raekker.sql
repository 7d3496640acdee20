select
    kilde,
    kildefil,
    cast(kildelinje as integer) as kildelinje,
    kolonne,
    raavaerdi,
    aarsag,
    load_id
from {{ source('quarantine', 'afviste_raekker') }}
