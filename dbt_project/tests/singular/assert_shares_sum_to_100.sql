-- Each key's shares of the 11 municipalities sum to 100: every share is rounded to 4 decimals,
-- so 11 roundings may leave at most 11 × 0,00005.
select
    aar,
    key_name,
    total
from (
    select
        aar,
        'indbyggere' as key_name,
        sum(andel_indbyggere_pct) as total
    from {{ ref('mart_fordelingsnoegler') }}
    group by aar
    union all
    select
        aar,
        'unge_14_23' as key_name,
        sum(andel_unge_14_23_pct) as total
    from {{ ref('mart_fordelingsnoegler') }}
    group by aar
    union all
    select
        aar,
        'unge_15_17' as key_name,
        sum(andel_unge_15_17_pct) as total
    from {{ ref('mart_fordelingsnoegler') }}
    group by aar
    union all
    select
        aar,
        'indbyggere_18_64' as key_name,
        sum(andel_indbyggere_18_64_pct) as total
    from {{ ref('mart_fordelingsnoegler') }}
    group by aar
)
where abs(total - 100) > 0.00055
