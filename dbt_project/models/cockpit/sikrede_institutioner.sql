-- Secure institutions per institution × year plus `I alt`, disclosure-controlled
-- (docs/disclosure.md): refusals (social, legal) and the mean waiting list count persons, so an
-- institution's figure of 1–4 is hidden (primary); beside a lone hidden institution of a year
-- the smallest other institution with a figure is hidden too, and when there is none the
-- `I alt` row's figure, so `I alt` minus the shown institutions never gives a hidden one back.
-- Places and occupied days are not person counts and stay.
{%- set maal = ['afviste_sociale', 'afviste_retlige', 'venteliste_gns'] %}
with institution as (
    select * from {{ ref('mart_sikrede_institutioner') }}
),

primaer as (
    select
        *,
        {%- for m in maal %}
        {{ disclosure_primary(m) }} as aarsag_{{ m }},
        {%- endfor %}
        institution = 'I alt' as er_total
    from institution
),

sekundaer as (
    select
        *,
        {%- for m in maal %}
        coalesce(
            aarsag_{{ m }},
            case
                when not er_total and {{ disclosure_secondary(
                    'case when not er_total then aarsag_' ~ m ~ ' end', m, m, 'aar, er_total', 'institution') }}
                    then 'sekundær maskering'
                when er_total and {{ disclosure_total_exposed(
                    'case when not er_total then aarsag_' ~ m ~ ' end',
                    'case when not er_total then ' ~ m ~ ' end', 'aar') }}
                    then 'sekundær maskering'
            end
        ) as skjult_{{ m }}{{ ',' if not loop.last }}
        {%- endfor %}
    from primaer
)

select
    * exclude (
        {%- for m in maal %}aarsag_{{ m }}, skjult_{{ m }}, {{ m }}, {% endfor %}er_total
    ),
    {%- for m in maal %}
    case when skjult_{{ m }} is null then {{ m }} end as {{ m }},
    {%- endfor %}
    coalesce({% for m in maal %}skjult_{{ m }}{{ ', ' if not loop.last }}{% endfor %}) is not null as maskeret,
    nullif(
        concat_ws(
            '; '
            {%- for m in maal %},
            case when skjult_{{ m }} is not null then '{{ m }}: ' || skjult_{{ m }} end
            {%- endfor %}
        ),
        ''
    ) as maskeringsaarsag
from sekundaer
