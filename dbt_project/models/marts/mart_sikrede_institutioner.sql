-- Secure institutions per institution × year, plus an `I alt` row per year over all of them.
-- Occupancy on normed places (the published figure), on places in operation (domain rule 3) and
-- on the capacity: normed + flex places (landing-zone.md §6), which the occupancy target (var
-- sikrede_maal_belaegning_pct) is measured on, as the seeds do ("95 ud af de 106 pladser ...
-- inkl. flekspladser").
with maaned as (
    select
        s.*,
        s.normerede_pladser * day(last_day(s.maaned)) as normerede_doegn,
        s.pladser_i_drift * day(last_day(s.maaned)) as doegn_i_drift,
        s.fleksible_pladser * day(last_day(s.maaned)) as fleksible_doegn,
        day(last_day(s.maaned)) as dage,
        cast(year(s.maaned) as integer) as aar
    from {{ ref('stg_sikrede__maaned') }} as s
),

institution_aar as (
    select
        institution,
        any_value(driftsherre) as driftsherre,
        aar,
        sum(normerede_doegn) as normerede_doegn,
        sum(doegn_i_drift) as doegn_i_drift,
        sum(fleksible_doegn) as fleksible_doegn,
        sum(dage) as dage,
        sum(belagte_doegn_sociale) as belagte_doegn_sociale,
        sum(belagte_doegn_retlige) as belagte_doegn_retlige,
        sum(afviste_sociale) as afviste_sociale,
        sum(afviste_retlige) as afviste_retlige,
        sum(venteliste_ultimo) as venteliste_sum,
        count(venteliste_ultimo) as venteliste_maaneder,
        count(*) as maaneder_med_data,
        min(maaned) as foerste_maaned,
        max(maaned) as sidste_maaned,
        1 as antal_institutioner
    from maaned
    group by institution, aar
),

i_alt as (
    select
        'I alt' as institution,
        null as driftsherre,
        aar,
        sum(normerede_doegn) as normerede_doegn,
        sum(doegn_i_drift) as doegn_i_drift,
        sum(fleksible_doegn) as fleksible_doegn,
        -- The institutions' days of the year: their flex places add up over the same months.
        max(dage) as dage,
        sum(belagte_doegn_sociale) as belagte_doegn_sociale,
        sum(belagte_doegn_retlige) as belagte_doegn_retlige,
        sum(afviste_sociale) as afviste_sociale,
        sum(afviste_retlige) as afviste_retlige,
        -- The national waiting list of a month is the sum over institutions; its mean over the
        -- months with a figure equals Σ / months only when every institution reported.
        sum(venteliste_sum) as venteliste_sum,
        max(venteliste_maaneder) as venteliste_maaneder,
        max(maaneder_med_data) as maaneder_med_data,
        min(foerste_maaned) as foerste_maaned,
        max(sidste_maaned) as sidste_maaned,
        -- 'I alt' is the sum over the institutions in the data, not the whole country.
        count(*) as antal_institutioner
    from institution_aar
    group by aar
),

begge as (
    select * from institution_aar
    union all
    select * from i_alt
)

select
    cast(institution as varchar) as institution,
    cast(driftsherre as varchar) as driftsherre,
    cast(aar as integer) as aar,
    cast(maaneder_med_data as integer) as maaneder_med_data,
    cast(foerste_maaned as date) as foerste_maaned,
    cast(sidste_maaned as date) as sidste_maaned,
    cast(antal_institutioner as integer) as antal_institutioner,
    cast((select count(*) from {{ ref('ref_sikrede_institutioner') }}) as integer) as antal_institutioner_i_landet,
    cast(normerede_doegn as bigint) as normerede_doegn,
    cast(doegn_i_drift as bigint) as doegn_i_drift,
    cast({{ div_half_up('fleksible_doegn', 'dage', 2) }} as decimal(9, 2)) as fleksible_pladser,
    cast(normerede_doegn + fleksible_doegn as bigint) as kapacitet_doegn,
    cast(belagte_doegn_sociale as bigint) as belagte_doegn_sociale,
    cast(belagte_doegn_retlige as bigint) as belagte_doegn_retlige,
    cast(
        {{ div_half_up('100 * (belagte_doegn_sociale + belagte_doegn_retlige)', 'normerede_doegn', 2) }}
        as decimal(9, 2)
    ) as belaegning_normeret_pct,
    cast(
        {{ div_half_up('100 * (belagte_doegn_sociale + belagte_doegn_retlige)', 'doegn_i_drift', 2) }}
        as decimal(9, 2)
    ) as belaegning_faktisk_pct,
    cast(
        {{ div_half_up(
            '100 * (belagte_doegn_sociale + belagte_doegn_retlige)', 'normerede_doegn + fleksible_doegn', 2
        ) }}
        as decimal(9, 2)
    ) as belaegning_kapacitet_pct,
    cast(
        {{ div_half_up('100 * belagte_doegn_sociale', 'belagte_doegn_sociale + belagte_doegn_retlige', 4) }}
        as decimal(9, 4)
    ) as andel_sociale_pct,
    cast(afviste_sociale as bigint) as afviste_sociale,
    cast(afviste_retlige as bigint) as afviste_retlige,
    cast({{ div_half_up('venteliste_sum', 'venteliste_maaneder', 2) }} as decimal(9, 2)) as venteliste_gns,
    cast({{ var('sikrede_maal_belaegning_pct') }} as decimal(9, 2)) as maal_belaegning_pct
from begge
