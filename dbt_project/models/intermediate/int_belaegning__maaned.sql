-- Monthly occupancy with the day counts every occupancy measure is built from.
with maaned as (
    select * from {{ ref('stg_belaegning__maaned') }}
),

doegn as (
    select
        tilbudsnr,
        maaned,
        cast(year(maaned) as integer) as aar,
        cast(day(last_day(maaned)) as integer) as dage_i_maaned,
        normerede_pladser,
        pladser_i_drift,
        belagte_doegn,
        normerede_pladser * day(last_day(maaned)) as normerede_doegn,
        pladser_i_drift * day(last_day(maaned)) as doegn_i_drift,
        _source_file,
        _source_line
    from maaned
)

select * from doegn
