{#
  The expenditure measures of contracts/cockpit-schema.md (`udgifter_kommune`), at any grain.

  `grundlag` must be a relation/CTE with kommunekode, aar, the extra `keys`, nettodriftsudgifter_kr
  (whole kroner), indbyggere, indbyggere_18_64, nordjysk (true for the 11 municipalities), and the
  whole country's land_netto_kr (whole kroner) and land_18_64 for the same keys and year (NULL
  when the data has no national figure: int_omraade__netto_drift, int_omraade__noegler), and
  budget_kr (whole kroner, NULL without a budget: int_budget__netto_drift), and the P/L index of
  the row's year and of the price year (pl_indeks, pl_indeks_prisniveau: int_prisindeks__aar;
  NULL without an index). Fixed prices: amount × index(price year) / index(year), the fixed-price
  index relative to the first year that has both an amount and an index.
  The region figure is sum / sum over the 11 municipalities with data that year; the index is
  relative to the municipality's first year in the data; the change is NULL without last year.
  Both deviations are computed from the unrounded figures, in integers.
#}
{% macro expenditure_measures(grundlag, keys=[]) %}
{%- set by = (keys | join(', ') ~ ', ') if keys else '' -%}
{%- set on_keys = [] -%}
{%- for k in keys %}{% do on_keys.append('g.' ~ k ~ ' = {0}.' ~ k) %}{% endfor -%}
with region as (
    select
        {{ by }}aar,
        sum(nettodriftsudgifter_kr) filter (where nordjysk) as region_netto_kr,
        sum(indbyggere_18_64) filter (where nordjysk and nettodriftsudgifter_kr is not null) as region_18_64
    from {{ grundlag }}
    group by {{ by }}aar
),

foerste as (
    select
        {{ by }}kommunekode,
        arg_min(nettodriftsudgifter_kr, aar) filter (where nettodriftsudgifter_kr is not null) as foerste_netto_kr,
        arg_min(nettodriftsudgifter_kr, aar) filter (
            where nettodriftsudgifter_kr is not null and pl_indeks is not null
        ) as foerste_netto_fpl_grundlag_kr,
        arg_min(pl_indeks, aar) filter (where nettodriftsudgifter_kr is not null and pl_indeks is not null)
            as foerste_pl_indeks
    from {{ grundlag }}
    group by {{ by }}kommunekode
)

select
    g.*,
    {{ div_half_up('g.nettodriftsudgifter_kr', 'g.indbyggere', 2) }} as udgift_pr_indbygger_kr,
    {{ div_half_up('g.nettodriftsudgifter_kr', 'g.indbyggere_18_64', 2) }} as udgift_pr_18_64_kr,
    {{ div_half_up('100 * (g.nettodriftsudgifter_kr - forrige.nettodriftsudgifter_kr)', 'forrige.nettodriftsudgifter_kr', 2) }}
        as aendring_pct,
    {{ div_half_up('100 * g.nettodriftsudgifter_kr', 'foerste.foerste_netto_kr', 2) }} as indeks,
    {{ div_half_up('region.region_netto_kr', 'region.region_18_64', 2) }} as region_pr_18_64_kr,
    -- (own per head / region per head − 1) × 100 on the unrounded figures, in integers.
    {{ div_half_up(
        '100 * (cast(g.nettodriftsudgifter_kr as hugeint) * region.region_18_64'
        ~ ' - cast(g.indbyggere_18_64 as hugeint) * cast(region.region_netto_kr as hugeint))',
        'cast(g.indbyggere_18_64 as hugeint) * cast(region.region_netto_kr as hugeint)', 2) }}
        as afvigelse_fra_region_pct,
    {{ div_half_up('g.land_netto_kr', 'g.land_18_64', 2) }} as land_pr_18_64_kr,
    {{ div_half_up(
        '100 * (cast(g.nettodriftsudgifter_kr as hugeint) * g.land_18_64'
        ~ ' - cast(g.indbyggere_18_64 as hugeint) * cast(g.land_netto_kr as hugeint))',
        'cast(g.indbyggere_18_64 as hugeint) * cast(g.land_netto_kr as hugeint)', 2) }}
        as afvigelse_fra_land_pct,
    -- NULL when either side is missing (or the budget is 0), never 0.
    {{ div_half_up('100 * (g.nettodriftsudgifter_kr - g.budget_kr)', 'g.budget_kr', 2) }} as afvigelse_budget_pct,
    {{ div_half_up('cast(g.nettodriftsudgifter_kr as decimal(38, 2)) * g.pl_indeks_prisniveau', 'g.pl_indeks', 2) }}
        as nettodriftsudgifter_fpl_kr,
    {{ div_half_up('cast(g.nettodriftsudgifter_kr as decimal(38, 2)) * g.pl_indeks_prisniveau', 'cast(g.pl_indeks as decimal(38, 8)) * g.indbyggere_18_64', 2) }}
        as udgift_pr_18_64_fpl_kr,
    {{ div_half_up(
        'cast(100 * g.nettodriftsudgifter_kr as decimal(38, 2)) * foerste.foerste_pl_indeks',
        'cast(foerste.foerste_netto_fpl_grundlag_kr as decimal(38, 2)) * g.pl_indeks', 2) }} as indeks_fpl
from {{ grundlag }} as g
left join {{ grundlag }} as forrige
    on forrige.kommunekode = g.kommunekode and forrige.aar = g.aar - 1
    {%- for k in keys %} and forrige.{{ k }} = g.{{ k }}{% endfor %}
left join foerste
    on foerste.kommunekode = g.kommunekode
    {%- for k in keys %} and foerste.{{ k }} = g.{{ k }}{% endfor %}
left join region
    on region.aar = g.aar
    {%- for k in keys %} and region.{{ k }} = g.{{ k }}{% endfor %}
{% endmacro %}
