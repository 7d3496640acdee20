-- R06 (fejl, takstbilag): Døgntakst differs by more than dq_r06_tolerance_kr (0,01 kr) from
-- Omkostninger / (Pladser × Dage × Belægningsprocent) — the unrounded quotient, as the rules
-- doc says. Compared without dividing: |Døgntakst × nævner − Omkostninger| > 0,01 × nævner, so
-- exact decimal arithmetic decides the boundary. The description shows the quotient to 4 decimals.
{% set tolerance = "cast(" ~ var('dq_r06_tolerance_kr') ~ " as decimal(38, 6))" %}
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

beregnet as (
    select
        *,
        pladser * dage * belaegning_andel as naevner,
        {{ div_half_up('omkostninger_kr', 'pladser * dage * belaegning_andel', 4) }} as beregnet_takst_kr
    from takster
    where doegntakst_kr is not null and pladser * dage * belaegning_andel > 0
),

flag as (
    select * from beregnet
    where abs(doegntakst_kr * naevner - omkostninger_kr) > {{ tolerance }} * naevner
)

select
    cast('R06' as varchar) as regel,
    cast('Døgntakst passer ikke med omkostninger' as varchar) as regel_navn,
    cast('fejl' as varchar) as alvorlighed,
    cast('takstbilag' as varchar) as kilde,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje,
    cast(null as varchar) as kommunekode,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(aar as varchar) as periode,
    cast(
        'Døgntakst ' || {{ dk_number('doegntakst_kr', 2) }} || ' kr (' || coalesce(ydelse, '?')
        || ') afviger ' || {{ dk_number('doegntakst_kr - beregnet_takst_kr', 4) }}
        || ' kr fra omkostninger ' || {{ dk_number('omkostninger_kr', 2) }} || ' kr / ('
        || {{ dk_places('pladser') }} || ' pladser × ' || {{ dk_number('dage', 0) }} || ' dage × '
        || {{ dk_number('belaegning_andel * 100', 2) }} || ' %) = ' || {{ dk_number('beregnet_takst_kr', 4) }} || ' kr'
        as varchar) as beskrivelse,
    cast({{ dk_number('doegntakst_kr', 2) }} as varchar) as vaerdi,
    cast({{ dk_number('beregnet_takst_kr', 4) }} || ' kr ± ' || {{ dk_number(tolerance, 2) }} || ' kr' as varchar)
        as forventet,
    cast(_load_id as varchar) as load_id
from flag
