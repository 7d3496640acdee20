-- Population keys at 1 January of each year (StatBank's Y K1 / Y M01 figure), per municipality.
-- A key over an age range is a sum only when every single year of the range is in the data:
-- a file without ages (FOLK1AM with ALDER eliminated) or with a gap gives NULL, never a short
-- sum or 0. Totals missing from a file were derived on load from complete breakdowns.
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
        {%- for name, lo, hi in [('unge_14_23', 14, 23), ('unge_15_17', 15, 17), ('indbyggere_18_64', 18, 64)] %}
        case when count(distinct alder) filter (where alder between {{ lo }} and {{ hi }}) = {{ hi - lo + 1 }}
            then sum(antal) filter (where alder between {{ lo }} and {{ hi }}) end as {{ name }}{{ ',' if not loop.last }}
        {%- endfor %}
    from folketal
    group by kommunekode, aar
)

select * from noegler
