{#
  A number as Danish text: `.` between thousands, `,` before the decimals, rounded half-up
  (away from zero) to `decimals` places, e.g. 4114 -> '4.114,00', -0.125 -> '-0,13'.
  NULL stays NULL. Used in the Danish `beskrivelse` of the registration flags.

  Exact: the value is taken as DECIMAL(38, 10) (a DOUBLE is rounded there first) and DuckDB's
  round() on a DECIMAL rounds half away from zero; the digits are then read off the decimal's
  own text, so no floating point touches what is shown. Thousands are grouped by reversing the
  integer digits and putting a dot after every third (RE2 has no look-ahead).
#}
{% macro dk_number(expr, decimals=2) -%}
{%- set rounded = "round(cast((" ~ expr ~ ") as decimal(38, 10)), " ~ decimals ~ ")" -%}
{%- set digits = "cast(abs(" ~ rounded ~ ") as varchar)" -%}
(case when {{ rounded }} < 0 then '-' else '' end
 || ltrim(reverse(regexp_replace(reverse(split_part({{ digits }}, '.', 1)), '(\d{3})', '\1.', 'g')), '.')
 {%- if decimals > 0 %}
 || ',' || split_part({{ digits }}, '.', 2)
 {%- endif %})
{%- endmacro %}

{#
  Places as Danish text: whole places without decimals (`10`), year-average places with the
  decimals they have (`16,7`, `8,25`).
#}
{% macro dk_places(expr) -%}
(case when ({{ expr }}) = trunc({{ expr }}) then {{ dk_number(expr, 0) }}
 else rtrim({{ dk_number(expr, 2) }}, '0') end)
{%- endmacro %}
