-- The expenditure measures per function, for every function in the accounts (5.38 and 5.28).
-- Function names as REGK31 writes them, for functions the reference seed lacks.
with kilde_navne as (
    select
        funktion,
        any_value(funktionsnavn) as funktionsnavn
    from {{ ref('stg_regnskab__konti') }}
    group by funktion
),

land as (
    select
        netto.funktion,
        netto.aar,
        netto.nettodriftsudgifter_kr as land_netto_kr,
        noegler.indbyggere_18_64 as land_18_64
    from {{ ref('int_omraade__netto_drift') }} as netto
    left join {{ ref('int_omraade__noegler') }} as noegler
        on netto.omraadekode = noegler.omraadekode and netto.aar = noegler.aar
    where netto.omraadekode = '000'
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
        netto.funktion,
        coalesce(funktion.funktionsnavn, kilde.funktionsnavn) as funktionsnavn,
        funktion.paragraf,
        -- The chart of accounts' main function: 5.38 adults (the cockpit's expenditure), 5.28
        -- children and young people (interfaces, kept apart in every total).
        coalesce(funktion.hovedfunktion, left(netto.funktion, 4)) as hovedfunktion,
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
    from {{ ref('int_regnskab__netto_drift') }} as netto
    left join {{ ref('dim_kommune') }} as kommune on netto.kommunekode = kommune.kommunekode
    left join {{ ref('dim_funktion') }} as funktion on netto.funktion = funktion.funktion
    left join kilde_navne as kilde on netto.funktion = kilde.funktion
    left join {{ ref('int_befolkning__noegler') }} as noegler
        on netto.kommunekode = noegler.kommunekode and netto.aar = noegler.aar
    left join land on netto.funktion = land.funktion and netto.aar = land.aar
    left join {{ ref('int_budget__netto_drift') }} as budget
        on netto.kommunekode = budget.omraadekode and netto.funktion = budget.funktion and netto.aar = budget.aar
    left join {{ ref('int_prisindeks__aar') }} as pl on netto.aar = pl.aar
    left join prisniveau as pris on true
),

maal as (
    {{ expenditure_measures('grundlag', keys=['funktion']) }}
)

select
    cast(kommunekode as varchar) as kommunekode,
    cast(kommunenavn as varchar) as kommunenavn,
    cast(funktion as varchar) as funktion,
    cast(funktionsnavn as varchar) as funktionsnavn,
    cast(paragraf as varchar) as paragraf,
    cast(hovedfunktion as varchar) as hovedfunktion,
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
