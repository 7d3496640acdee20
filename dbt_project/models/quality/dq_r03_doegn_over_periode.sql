-- R03 (fejl, posteringer): more days billed than the service period has
-- (Periode til − Periode fra + 1), or a period that ends before it starts.
-- Needs both dates; a posting without a period is not day-based and has nothing to check.
with posteringer as (
    select
        *,
        cast(date_diff('day', periode_fra, periode_til) + 1 as integer) as dage_i_perioden
    from {{ ref('stg_posteringer__posteringer') }}
    where periode_fra is not null and periode_til is not null
),

flag as (
    select
        *,
        periode_til < periode_fra as omvendt_periode
    from posteringer
    where periode_til < periode_fra
        or antal_doegn > dage_i_perioden
)

select
    cast('R03' as varchar) as regel,
    cast('Døgn ud over serviceperioden' as varchar) as regel_navn,
    cast('fejl' as varchar) as alvorlighed,
    cast('posteringer' as varchar) as kilde,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje,
    cast(kommunekode as varchar) as kommunekode,
    cast(tilbudsnr as integer) as tilbudsnr,
    cast(strftime(coalesce(periode_fra, bogfoeringsdato), '%Y-%m') as varchar) as periode,
    cast(case
        when omvendt_periode then
            'Periode til ' || strftime(periode_til, '%d-%m-%Y') || ' ligger før periode fra '
            || strftime(periode_fra, '%d-%m-%Y')
            || coalesce(' (' || {{ dk_number('antal_doegn', 0) }} || ' døgn faktureret)', '')
        else
            'Faktureret ' || {{ dk_number('antal_doegn', 0) }} || ' døgn, men perioden '
            || strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
            || ' har kun ' || {{ dk_number('dage_i_perioden', 0) }} || ' dage'
    end as varchar) as beskrivelse,
    cast(case
        when omvendt_periode then strftime(periode_fra, '%d-%m-%Y') || '–' || strftime(periode_til, '%d-%m-%Y')
        else {{ dk_number('antal_doegn', 0) }}
    end as varchar) as vaerdi,
    cast(case
        when omvendt_periode then 'periode til på eller efter periode fra'
        else 'højst ' || {{ dk_number('dage_i_perioden', 0) }} || ' døgn'
    end as varchar) as forventet,
    cast(_load_id as varchar) as load_id
from flag
