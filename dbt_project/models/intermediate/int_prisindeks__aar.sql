-- The P/L index per year and the price year of the fixed prices (the newest year it covers).
-- An index file is taken as it is; yearly changes are chained from a base year = 100: the year
-- before the first change, or the first year when its change is empty. Chained in DECIMAL with 8
-- decimals (the change × 0.01 stays DECIMAL; DuckDB would divide in DOUBLE).
with recursive kilde as (
    select * from {{ ref('stg_prisindeks__aar') }}
),

aendringer as (
    select
        aar,
        pl_udvikling_pct
    from kilde
    where pl_indeks is null
),

basis as (
    select
        case
            when arg_min(pl_udvikling_pct, aar) is null then min(aar)
            else min(aar) - 1
        end as aar
    from aendringer
    having count(*) > 0
),

kaede (aar, indeks) as (
    select
        basis.aar,
        cast(100 as decimal(18, 8)) as indeks
    from basis
    union all
    select
        aendringer.aar,
        cast(kaede.indeks * (1 + aendringer.pl_udvikling_pct * 0.01) as decimal(18, 8)) as indeks
    from kaede
    inner join aendringer on kaede.aar + 1 = aendringer.aar
    where aendringer.pl_udvikling_pct is not null
),

indeks as (
    select
        aar,
        cast(pl_indeks as decimal(18, 8)) as pl_indeks
    from kilde
    where pl_indeks is not null
    union all
    select
        aar,
        indeks as pl_indeks
    from kaede
    where not exists (
            select 1 from kilde
            where kilde.pl_indeks is not null
        )
),

nyeste as (
    select
        aar,
        pl_indeks
    from indeks
    order by aar desc
    limit 1
)

select
    aarets.aar,
    aarets.pl_indeks,
    nyeste.aar as prisniveau_aar,
    nyeste.pl_indeks as pl_indeks_prisniveau
from indeks as aarets
cross join nyeste
