-- Net operating expenditure on 5.38 per area and year, side by side (cockpit-schema.md,
-- `udgifter_omraade`): each of the 11 municipalities, the 11 together (NSA, sum / sum over those
-- with accounts that year), Region Nordjylland as DST reports it (081) and Hele landet (000: DST's
-- row, else the sum of the 98, int_omraade__netto_drift). An area without data has no row.
with kommuner as (
    select
        kommunekode as omraadekode,
        kommunenavn as omraadenavn,
        'kommune' as omraadeniveau,
        aar,
        nettodriftsudgifter_kr,
        indbyggere_18_64
    from {{ ref('mart_udgifter_kommune') }}
    where nordjysk_socialaftale
),

de_11 as (
    select
        omraade.omraadekode,
        omraade.omraadenavn,
        omraade.omraadeniveau,
        k.aar,
        sum(k.nettodriftsudgifter_kr) as nettodriftsudgifter_kr,
        sum(k.indbyggere_18_64) filter (where k.nettodriftsudgifter_kr is not null) as indbyggere_18_64
    from kommuner as k
    inner join {{ ref('dim_omraade') }} as omraade on omraade.omraadekode = 'NSA'
    group by omraade.omraadekode, omraade.omraadenavn, omraade.omraadeniveau, k.aar
),

dst as (
    select
        netto.omraadekode,
        omraade.omraadenavn,
        omraade.omraadeniveau,
        netto.aar,
        sum(netto.nettodriftsudgifter_kr) as nettodriftsudgifter_kr,
        any_value(noegler.indbyggere_18_64) as indbyggere_18_64
    from {{ ref('int_omraade__netto_drift') }} as netto
    inner join {{ ref('dim_omraade') }} as omraade on netto.omraadekode = omraade.omraadekode
    left join {{ ref('int_omraade__noegler') }} as noegler
        on netto.omraadekode = noegler.omraadekode and netto.aar = noegler.aar
    where netto.omraadekode in ('000', '081')
        and netto.funktion like '5.38.%'
    group by netto.omraadekode, omraade.omraadenavn, omraade.omraadeniveau, netto.aar
),

omraader as (
    select * from kommuner
    union all
    select * from de_11
    union all
    select * from dst
),

prisniveau as (
    -- One row, or none without an index: joined on true so every row stays.
    select
        any_value(prisniveau_aar) as prisniveau_aar,
        any_value(pl_indeks_prisniveau) as pl_indeks_prisniveau
    from {{ ref('int_prisindeks__aar') }}
),

med_pl as (
    select
        o.*,
        pl.pl_indeks,
        pris.prisniveau_aar,
        pris.pl_indeks_prisniveau
    from omraader as o
    left join {{ ref('int_prisindeks__aar') }} as pl on o.aar = pl.aar
    left join prisniveau as pris on true
),

foerste as (
    select
        omraadekode,
        arg_min(nettodriftsudgifter_kr, aar) filter (where nettodriftsudgifter_kr is not null) as foerste_netto_kr,
        arg_min(nettodriftsudgifter_kr, aar) filter (
            where nettodriftsudgifter_kr is not null and pl_indeks is not null
        ) as foerste_netto_fpl_grundlag_kr,
        arg_min(pl_indeks, aar) filter (where nettodriftsudgifter_kr is not null and pl_indeks is not null)
            as foerste_pl_indeks
    from med_pl
    group by omraadekode
)

select
    cast(o.omraadekode as varchar) as omraadekode,
    cast(o.omraadenavn as varchar) as omraadenavn,
    cast(o.omraadeniveau as varchar) as omraadeniveau,
    cast(o.aar as integer) as aar,
    cast(o.nettodriftsudgifter_kr as decimal(18, 2)) as nettodriftsudgifter_kr,
    cast(o.indbyggere_18_64 as bigint) as indbyggere_18_64,
    cast({{ div_half_up('o.nettodriftsudgifter_kr', 'o.indbyggere_18_64', 2) }} as decimal(18, 2))
        as udgift_pr_18_64_kr,
    cast({{ div_half_up('100 * o.nettodriftsudgifter_kr', 'f.foerste_netto_kr', 2) }} as decimal(9, 2)) as indeks,
    cast(o.prisniveau_aar as integer) as prisniveau_aar,
    cast({{ div_half_up(
        'cast(o.nettodriftsudgifter_kr as decimal(38, 2)) * o.pl_indeks_prisniveau', 'o.pl_indeks', 2
    ) }} as decimal(18, 2)) as nettodriftsudgifter_fpl_kr,
    cast({{ div_half_up(
        'cast(o.nettodriftsudgifter_kr as decimal(38, 2)) * o.pl_indeks_prisniveau',
        'cast(o.pl_indeks as decimal(38, 8)) * o.indbyggere_18_64', 2
    ) }} as decimal(18, 2)) as udgift_pr_18_64_fpl_kr,
    cast({{ div_half_up(
        'cast(100 * o.nettodriftsudgifter_kr as decimal(38, 2)) * f.foerste_pl_indeks',
        'cast(f.foerste_netto_fpl_grundlag_kr as decimal(38, 2)) * o.pl_indeks', 2
    ) }} as decimal(9, 2)) as indeks_fpl
from med_pl as o
inner join foerste as f on o.omraadekode = f.omraadekode
