-- Net operating expenditure on the adult specialised social area (all functions of 5.38) per
-- municipality and year, per head and against the 11 North Jutland municipalities together and
-- the whole country.
with netto as (
    select
        kommunekode,
        aar,
        sum(nettodriftsudgifter_kr) as nettodriftsudgifter_kr
    from {{ ref('int_regnskab__netto_drift') }}
    where funktion like '5.38.%'
    group by kommunekode, aar
),

land as (
    select
        netto.aar,
        netto.land_netto_kr,
        noegler.indbyggere_18_64 as land_18_64
    from (
        select
            aar,
            sum(nettodriftsudgifter_kr) as land_netto_kr
        from {{ ref('int_omraade__netto_drift') }}
        where omraadekode = '000' and funktion like '5.38.%'
        group by aar
    ) as netto
    left join {{ ref('int_omraade__noegler') }} as noegler
        on noegler.omraadekode = '000' and netto.aar = noegler.aar
),

budget as (
    select
        omraadekode as kommunekode,
        aar,
        sum(budget_kr) as budget_kr
    from {{ ref('int_budget__netto_drift') }}
    where funktion like '5.38.%'
    group by omraadekode, aar
),

prisniveau as (
    -- One row, or none without an index: joined on true so every row stays.
    select
        any_value(prisniveau_aar) as prisniveau_aar,
        any_value(pl_indeks_prisniveau) as pl_indeks_prisniveau
    from {{ ref('int_prisindeks__aar') }}
),

grundlag as (
    select
        netto.kommunekode,
        kommune.kommunenavn,
        netto.aar,
        cast(netto.nettodriftsudgifter_kr as decimal(18, 2)) as nettodriftsudgifter_kr,
        noegler.indbyggere,
        noegler.indbyggere_18_64,
        coalesce(kommune.nordjysk_socialaftale, false) as nordjysk,
        land.land_netto_kr,
        land.land_18_64,
        budget.budget_kr,
        pl.pl_indeks,
        pris.prisniveau_aar,
        pris.pl_indeks_prisniveau
    from netto
    left join {{ ref('dim_kommune') }} as kommune on netto.kommunekode = kommune.kommunekode
    left join {{ ref('int_befolkning__noegler') }} as noegler
        on netto.kommunekode = noegler.kommunekode and netto.aar = noegler.aar
    left join land on netto.aar = land.aar
    left join budget on netto.kommunekode = budget.kommunekode and netto.aar = budget.aar
    left join {{ ref('int_prisindeks__aar') }} as pl on netto.aar = pl.aar
    left join prisniveau as pris on true
),

maal as (
    {{ expenditure_measures('grundlag') }}
)

select
    cast(kommunekode as varchar) as kommunekode,
    cast(kommunenavn as varchar) as kommunenavn,
    cast(aar as integer) as aar,
    cast(nettodriftsudgifter_kr as decimal(18, 2)) as nettodriftsudgifter_kr,
    cast(indbyggere as bigint) as indbyggere,
    cast(indbyggere_18_64 as bigint) as indbyggere_18_64,
    cast(udgift_pr_indbygger_kr as decimal(18, 2)) as udgift_pr_indbygger_kr,
    cast(udgift_pr_18_64_kr as decimal(18, 2)) as udgift_pr_18_64_kr,
    cast(aendring_pct as decimal(9, 2)) as aendring_pct,
    cast(indeks as decimal(9, 2)) as indeks,
    cast(region_pr_18_64_kr as decimal(18, 2)) as region_pr_18_64_kr,
    cast(afvigelse_fra_region_pct as decimal(9, 2)) as afvigelse_fra_region_pct,
    cast(land_pr_18_64_kr as decimal(18, 2)) as land_pr_18_64_kr,
    cast(afvigelse_fra_land_pct as decimal(9, 2)) as afvigelse_fra_land_pct,
    cast(budget_kr as decimal(18, 2)) as budget_kr,
    cast(afvigelse_budget_pct as decimal(9, 2)) as afvigelse_budget_pct,
    cast(prisniveau_aar as integer) as prisniveau_aar,
    cast(nettodriftsudgifter_fpl_kr as decimal(18, 2)) as nettodriftsudgifter_fpl_kr,
    cast(udgift_pr_18_64_fpl_kr as decimal(18, 2)) as udgift_pr_18_64_fpl_kr,
    cast(indeks_fpl as decimal(9, 2)) as indeks_fpl,
    cast(nordjysk as boolean) as nordjysk_socialaftale
from maal
