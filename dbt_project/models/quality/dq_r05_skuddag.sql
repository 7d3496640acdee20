-- R05 (info, posteringer): a day-based posting (Antal døgn filled and not 0) whose service
-- period contains 29 February. Allowed, but the rates are computed on 365 days, so the data
-- steward should know the period has 366 in its year.
with posteringer as (
    select * from {{ ref('stg_posteringer__posteringer') }}
    where coalesce(antal_doegn, 0) <> 0
        and periode_fra is not null
        and periode_til is not null
        and periode_fra <= periode_til
),

-- One row per posting and calendar year its period touches; keep the leap years' 29 February
-- when it lies inside the period.
aar as (
    select
        *,
        unnest(generate_series(year(periode_fra), year(periode_til))) as aar
    from posteringer
),

skuddage as (
    select * from (
        select
            * exclude (aar),
            -- make_date fails on 29 February of a common year, so only leap years get one.
            case when aar % 4 = 0 and (aar % 100 <> 0 or aar % 400 = 0)
                then make_date(cast(aar as integer), 2, 29)
            end as skuddag
        from aar
    )
    where skuddag between periode_fra and periode_til
),

flag as (
    -- A period over several years may hold more than one leap day: one flag per posting.
    select * from skuddage
    qualify row_number() over (partition by _source_file, _source_line order by skuddag) = 1
)

select
    cast('R05' as varchar) as regel,
    cast('Skuddag i serviceperioden' as varchar) as regel_navn,
    cast('info' as varchar) as alvorlighed,
    cast('posteringer' as varchar) as kilde,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje,
    cast(kommunekode as varchar) as kommunekode,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(strftime(periode_fra, '%Y-%m') as varchar) as periode,
    cast(
        'Perioden ' || strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
        || ' indeholder skuddagen ' || strftime(skuddag, '%d-%m-%Y') || ' (' || {{ dk_number('antal_doegn', 0) }}
        || ' døgn faktureret); tilladt, men taksterne er beregnet på 365 dage'
        as varchar) as beskrivelse,
    cast({{ dk_number('antal_doegn', 0) }} || ' døgn' as varchar) as vaerdi,
    cast('takst beregnet på 365 dage' as varchar) as forventet,
    cast(_load_id as varchar) as load_id
from flag
