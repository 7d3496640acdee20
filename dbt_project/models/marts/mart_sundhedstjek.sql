-- Health checks per municipality × year, against the target group, with 24-month coverage.
with maaned as (
    select * from {{ ref('mart_sundhedstjek_maaned') }}
),

data_start as (
    select min(maaned) as foerste_maaned from maaned
),

aar as (
    select
        kommunekode,
        any_value(kommunenavn) as kommunenavn,
        aar,
        sum(antal_sundhedstjek) as antal_sundhedstjek,
        count(antal_sundhedstjek) as maaneder_med_data,
        min(maaned) filter (where antal_sundhedstjek is not null) as foerste_maaned,
        max(maaned) filter (where antal_sundhedstjek is not null) as sidste_maaned,
        bool_or(delvis_maaned) as har_delvis_maaned,
        -- The year's last complete month: December, or the month before the extraction month.
        max(maaned) filter (where not delvis_maaned) as sidste_hele_maaned
    from maaned
    group by kommunekode, aar
),

daekning as (
    select
        aar.kommunekode,
        aar.aar,
        aar.sidste_hele_maaned,
        (aar.sidste_hele_maaned - interval 23 month) < data_start.foerste_maaned as vindue_foer_data,
        sum(m.antal_sundhedstjek) as antal_24_mdr
    from aar
    cross join data_start
    left join maaned as m
        on aar.kommunekode = m.kommunekode
            and m.maaned between aar.sidste_hele_maaned - interval 23 month and aar.sidste_hele_maaned
    group by aar.kommunekode, aar.aar, aar.sidste_hele_maaned, data_start.foerste_maaned
),

maalgruppe as (
    select * from {{ ref('stg_sundhedstjek__maalgruppe') }}
)

select
    cast(aar.kommunekode as varchar) as kommunekode,
    cast(aar.kommunenavn as varchar) as kommunenavn,
    cast(aar.aar as integer) as aar,
    cast(aar.antal_sundhedstjek as bigint) as antal_sundhedstjek,
    cast(aar.maaneder_med_data as integer) as maaneder_med_data,
    cast(aar.foerste_maaned as date) as foerste_maaned,
    cast(aar.sidste_maaned as date) as sidste_maaned,
    cast(aar.har_delvis_maaned or aar.maaneder_med_data < 12 as boolean) as delvis_periode,
    cast(maalgruppe.borgere_i_maalgruppe as integer) as borgere_i_maalgruppe,
    cast({{ div_half_up('100 * aar.antal_sundhedstjek', 'maalgruppe.borgere_i_maalgruppe', 2) }} as decimal(9, 2))
        as sundhedstjek_pr_100_i_maalgruppe,
    cast(
        case
            when not daekning.vindue_foer_data
                then {{ div_half_up('100 * daekning.antal_24_mdr', 'maalgruppe.borgere_i_maalgruppe', 2) }}
        end as decimal(9, 2)
    ) as daekning_24_mdr_pct,
    cast(daekning.sidste_hele_maaned as date) as daekning_til_maaned
from aar
left join daekning on aar.kommunekode = daekning.kommunekode and aar.aar = daekning.aar
left join maalgruppe on aar.kommunekode = maalgruppe.kommunekode and aar.aar = maalgruppe.aar
