-- Occupied days can exceed normed days (over-occupancy, paid abscondences) but never twice over:
-- that is a broken report (units, swapped columns), not a registration slip.
select
    tilbudsnr,
    maaned,
    belagte_doegn,
    normerede_doegn
from {{ ref('mart_belaegning_tilbud_maaned') }}
where belagte_doegn > 2 * normerede_doegn
union all
select
    null as tilbudsnr,
    null as maaned,
    belagte_doegn_sociale + belagte_doegn_retlige as belagte_doegn,
    normerede_doegn
from {{ ref('mart_sikrede_institutioner') }}
where belagte_doegn_sociale + belagte_doegn_retlige > 2 * normerede_doegn
