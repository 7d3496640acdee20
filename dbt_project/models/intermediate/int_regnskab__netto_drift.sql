-- Net operating expenditure in kroner per municipality × function × year: DRANST 1 (drift),
-- ART TOT (net), PRISENHED LOBM (1.000 kr., current prices) — the cockpit's definition.
select
    omraadekode as kommunekode,
    funktion,
    aar,
    sum(indhold) * 1000 as nettodriftsudgifter_kr,
    count(indhold) as raekker_med_tal
from {{ ref('stg_regnskab__konti') }}
where dranst = 1
    and art = 'TOT'
    and prisenhed = 'LOBM'
group by omraadekode, funktion, aar
