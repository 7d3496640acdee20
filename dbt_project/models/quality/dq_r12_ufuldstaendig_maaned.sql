-- R12 (info, sundhedstjek): the month is not complete in the extract it comes from: the
-- extraction month itself, or later. Staging keeps, per municipality × month, the figure of the
-- newest extract, so a month completed by a later extract is no longer flagged. Points at the
-- municipality's row of that extract file, periode = the month.
with maaneder as (
    select * from {{ ref('stg_sundhedstjek__maaned') }}
),

flag as (
    select * from maaneder
    where maaned >= date_trunc('month', udtraeksdato)
)

select
    cast('R12' as varchar) as regel,
    cast('Ufuldstændig måned' as varchar) as regel_navn,
    cast('info' as varchar) as alvorlighed,
    cast('sundhedstjek' as varchar) as kilde,
    cast(_source_file as varchar) as kildefil,
    cast(_source_line as integer) as kildelinje,
    cast(kommunekode as varchar) as kommunekode,
    cast(null as integer) as tilbudsnr,
    cast(strftime(maaned, '%Y-%m') as varchar) as periode,
    cast(
        'Måneden ' || strftime(maaned, '%Y-%m') || ' var ikke afsluttet ved udtrækket '
        || strftime(udtraeksdato, '%d-%m-%Y') || '; antallet ' || coalesce({{ dk_number('antal', 0) }}, '(tomt)')
        || ' er foreløbigt'
        as varchar) as beskrivelse,
    cast(coalesce({{ dk_number('antal', 0) }}, '(tomt)') as varchar) as vaerdi,
    cast('en afsluttet måned (før ' || strftime(udtraeksdato, '%Y-%m') || ')' as varchar) as forventet,
    cast(_load_id as varchar) as load_id
from flag
