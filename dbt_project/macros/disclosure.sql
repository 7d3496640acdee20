{#- Disclosure control of the published cockpit (docs/disclosure.md): one rule, written once.

    A cell is the group of persons (or cases) behind one published figure. Its contributors are
    the distinct citizens (case keys) in it, each with the absolute sum of their own amounts.
    Thresholds are project vars (dbt_project.yml): disclosure_min_count,
    disclosure_min_contributors, disclosure_dominance_pct. -#}

{#- Why a cell must be suppressed on its own (primary suppression), as Danish text, or NULL when
    it may be shown. `antal`: persons or cases in the cell; `stoerste_kr`: the largest single
    contributor's absolute amount; `sum_abs_kr`: Σ of every contributor's absolute amount. An
    empty cell (antal 0) is never suppressed: 0 persons discloses nobody. -#}
{% macro disclosure_primary(antal, stoerste_kr='null', sum_abs_kr='null', enhed='sager') -%}
    case
        when {{ antal }} > 0 and {{ antal }} < {{ var('disclosure_min_count') }}
            then 'færre end {{ var("disclosure_min_count") }} {{ enhed }}'
        when {{ antal }} > 0 and {{ antal }} < {{ var('disclosure_min_contributors') }}
            then 'færre end {{ var("disclosure_min_contributors") }} bidragydere'
        when {{ antal }} > 0 and {{ stoerste_kr }} * 100 > {{ var('disclosure_dominance_pct') }} * {{ sum_abs_kr }}
            then 'dominans'
    end
{%- endmacro %}

{#- True for the one cell per group that secondary suppression hides beside a lone primary
    suppression, so the group's published total minus its shown cells never gives a hidden
    cell back: the smallest (by `storrelse`) cell with contributors that is not itself
    suppressed. Window over `gruppe` (a comma list of columns); `aarsag` is the primary reason
    column, `antal` the contributors. -#}
{% macro disclosure_secondary(aarsag, antal, storrelse, gruppe, orden) -%}
    (
        count({{ aarsag }}) over (partition by {{ gruppe }}) = 1
        and {{ aarsag }} is null
        and {{ antal }} > 0
        and row_number() over (
            partition by {{ gruppe }}, ({{ aarsag }} is null and {{ antal }} > 0)
            order by {{ storrelse }} asc, {{ orden }}
        ) = 1
    )
{%- endmacro %}

{#- True when a group has a lone primary suppression and no other cell with contributors to
    hide beside it: then the group's total must be hidden too. -#}
{% macro disclosure_total_exposed(aarsag, antal, gruppe) -%}
    (
        count({{ aarsag }}) over (partition by {{ gruppe }}) = 1
        and count(*) filter (where {{ aarsag }} is null and {{ antal }} > 0) over (partition by {{ gruppe }}) = 0
    )
{%- endmacro %}
