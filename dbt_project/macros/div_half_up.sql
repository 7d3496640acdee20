{#
  numerator / denominator rounded half-up (away from zero) to `scale` decimals, exactly.

  DuckDB divides DECIMALs in DOUBLE, which can round a true ...5 the wrong way; the contract
  says half-up everywhere. So both sides are scaled to integers (inputs carry at most 10
  decimals: places with 2 × occupancy with 6 is 8) and divided in HUGEINT: q = floor((2·N·10^s + D) / (2·D)).
  NULL when the denominator is 0 or NULL.
#}
{% macro div_half_up(numerator, denominator, scale=2) -%}
(case when ({{ denominator }}) is null or ({{ denominator }}) = 0 or ({{ numerator }}) is null then null
 else cast(
    sign(cast({{ numerator }} as decimal(38, 10))) * sign(cast({{ denominator }} as decimal(38, 10)))
    * ((2 * cast(abs(cast({{ numerator }} as decimal(38, 10))) * 10000000000 as hugeint) * {{ 10 ** scale }}
        + cast(abs(cast({{ denominator }} as decimal(38, 10))) * 10000000000 as hugeint))
       // (2 * cast(abs(cast({{ denominator }} as decimal(38, 10))) * 10000000000 as hugeint)))
    as decimal(38, 0)) * {{ '1' if scale == 0 else '0.' ~ ('0' * (scale - 1)) ~ '1' }}
 end)
{%- endmacro %}
