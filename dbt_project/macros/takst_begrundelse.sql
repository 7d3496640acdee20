{#
  When a rate needs a Begrundelse (contracts/data-quality-rules.md R08, R09). The thresholds are
  the dbt vars dq_r08_min_occupancy_pct and dq_r09_max_change_pct, their one owner: the rules
  (quality/dq_r08_*, dq_r09_*), mart_takster's kraever_begrundelse and its threshold columns, and
  through those the report's sentences all read them here.
#}
{% macro r08_min_belaegning_pct() -%}
cast({{ var('dq_r08_min_occupancy_pct') }} as decimal(38, 6))
{%- endmacro %}

{% macro r09_maks_aendring_pct() -%}
cast({{ var('dq_r09_max_change_pct') }} as decimal(38, 6))
{%- endmacro %}

{# Budgeted occupancy (a share of 1) below the minimum (a percent); exactly the minimum is fine. #}
{% macro r08_under_minimum(belaegning_andel) -%}
({{ belaegning_andel }} * 100 < {{ r08_min_belaegning_pct() }})
{%- endmacro %}

{#
  The day rate moved more than the maximum from last year's. Exact: 100 × |nu − forrige| >
  maks × |forrige| (DuckDB would divide DECIMALs in DOUBLE). NULL without last year's rate.
#}
{% macro r09_over_maksimum(nu, forrige) -%}
(100 * cast(abs({{ nu }} - {{ forrige }}) as decimal(38, 2)) > {{ r09_maks_aendring_pct() }} * abs({{ forrige }}))
{%- endmacro %}
