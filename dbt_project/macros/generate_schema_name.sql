{# Schemas are named exactly as configured (`cockpit`, `marts`, ...): the cockpit schema is a
   contract with BI users, so no target prefix. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}{{ target.schema }}{%- else -%}{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}
