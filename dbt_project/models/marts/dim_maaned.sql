-- Calendar months from the first year of the cockpit to the end of next year: the monthly marts
-- join here for days in month and year, also for months without data.
with maaneder as (
    select cast(t.m as date) as maaned
    from range(date '2007-01-01', make_date(year(current_date) + 2, 1, 1), interval 1 month) as t (m)
)

select
    maaned,
    cast(year(maaned) as integer) as aar,
    cast(month(maaned) as integer) as maaned_nr,
    cast(quarter(maaned) as integer) as kvartal,
    cast(day(last_day(maaned)) as integer) as dage_i_maaned,
    cast(strftime(maaned, '%Y-%m') as varchar) as periode
from maaneder
