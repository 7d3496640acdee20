-- Population keys at 1 January of each year (StatBank's Y K1 / Y M01 figure), per municipality.
with folketal as (
    select * from {{ ref('stg_befolkning__folketal') }}
    where koen = 'TOT'
        and civilstand = 'TOT'
        and month(periode_start) = 1
        and day(periode_start) = 1
),

noegler as (
    select
        kommunekode,
        aar,
        sum(antal) filter (where alder = -1) as indbyggere,
        sum(antal) filter (where alder between 14 and 23) as unge_14_23,
        sum(antal) filter (where alder between 15 and 17) as unge_15_17,
        sum(antal) filter (where alder between 18 and 64) as indbyggere_18_64
    from folketal
    group by kommunekode, aar
)

select * from noegler
