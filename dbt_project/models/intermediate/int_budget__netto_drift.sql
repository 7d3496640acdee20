-- The net operating budget in kroner per area × function × budget year: BUDK32 DRANST 1 (drift),
-- ART TOT (net), PRISENHED LOBM (1.000 kr., current prices), as the accounts' definition.
select
    omraadekode,
    funktion,
    aar,
    sum(indhold) * 1000 as budget_kr
from {{ ref('stg_budget__konti') }}
where dranst = 1
    and art = 'TOT'
    and prisenhed = 'LOBM'
group by omraadekode, funktion, aar
