{#
  Population keys at 1 January of each year (StatBank's Y K1 / Y M01 figure) per area, from a
  staging relation of population cells (stg_befolkning__folketal, stg_befolkning__omraade).

  A key over an age range is a sum only when every single year of the range is in the data (10,
  3 and 47 years for 14–23, 15–17 and 18–64): a file without ages (FOLK1AM with ALDER
  eliminated) or with a gap gives NULL, never a short sum or 0. Totals missing from a file were
  derived on load from complete breakdowns. Columns: `area`, aar, indbyggere, unge_14_23,
  unge_15_17, indbyggere_18_64.
#}
{% macro population_keys(relation, area='kommunekode') %}
with folketal as (
    select * from {{ relation }}
    where koen = 'TOT'
        and civilstand = 'TOT'
        and month(periode_start) = 1
        and day(periode_start) = 1
),

noegler as (
    select
        {{ area }},
        aar,
        sum(antal) filter (where alder = -1) as indbyggere,
        case
            when count(distinct alder) filter (where alder between 14 and 23) = 10
                then sum(antal) filter (where alder between 14 and 23)
        end as unge_14_23,
        case
            when count(distinct alder) filter (where alder between 15 and 17) = 3
                then sum(antal) filter (where alder between 15 and 17)
        end as unge_15_17,
        case
            when count(distinct alder) filter (where alder between 18 and 64) = 47
                then sum(antal) filter (where alder between 18 and 64)
        end as indbyggere_18_64
    from folketal
    group by {{ area }}, aar
)

select * from noegler
{% endmacro %}
