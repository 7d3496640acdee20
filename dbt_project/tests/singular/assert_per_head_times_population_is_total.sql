-- Per-head figures are rounded to øre: × population they give the total back within half an
-- øre per inhabitant.
select
    kommunekode,
    aar,
    udgift_pr_indbygger_kr,
    indbyggere,
    nettodriftsudgifter_kr
from {{ ref('mart_udgifter_kommune') }}
where indbyggere > 0
    and abs(udgift_pr_indbygger_kr * indbyggere - nettodriftsudgifter_kr) > 0.005 * indbyggere
union all
select
    kommunekode,
    aar,
    udgift_pr_18_64_kr,
    indbyggere_18_64,
    nettodriftsudgifter_kr
from {{ ref('mart_udgifter_kommune') }}
where indbyggere_18_64 > 0
    and abs(udgift_pr_18_64_kr * indbyggere_18_64 - nettodriftsudgifter_kr) > 0.005 * indbyggere_18_64
