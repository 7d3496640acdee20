-- R08 (advarsel, takstbilag): budgeted occupancy below dq_r08_min_occupancy_pct (95 %) and no
-- Begrundelse; such a rate needs the steering group's approval. Exactly 95 % is fine.
{% set minimum = "cast(" ~ var('dq_r08_min_occupancy_pct') ~ " as decimal(38, 6))" %}
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

flag as (
    select * from takster
    where belaegning_andel * 100 < {{ minimum }}
        and begrundelse is null  -- staging turns a blank Begrundelse into NULL
)

select
    cast('R08' as varchar) as regel,
    cast('Lav belægning uden begrundelse' as varchar) as regel_navn,
    cast('advarsel' as varchar) as alvorlighed,
    cast('takstbilag' as varchar) as kilde,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje,
    cast(null as varchar) as kommunekode,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(aar as varchar) as periode,
    cast(
        'Budgetteret belægning ' || {{ dk_number('belaegning_andel * 100', 2) }} || ' % (' || coalesce(ydelse, '?')
        || ') er under ' || {{ dk_number(minimum, 0) }} || ' %, og der er ingen begrundelse'
        || ' (kræver styregruppens godkendelse)'
        as varchar) as beskrivelse,
    cast({{ dk_number('belaegning_andel * 100', 2) }} || ' %' as varchar) as vaerdi,
    cast('mindst ' || {{ dk_number(minimum, 0) }} || ' % eller en begrundelse' as varchar) as forventet,
    cast(_load_id as varchar) as load_id
from flag
