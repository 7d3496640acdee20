{#
  Render ref() and source() without the database (DuckDB catalog) part.

  The catalog of a DuckDB file is named after the file, and views store their SQL. Views
  built in `build.duckdb` would say "build"."marts"."x" and break once the file is published
  as `cockpit.duckdb` (or opened under any other name by a BI tool). Without the catalog, a
  view resolves in the catalog it lives in, whatever the file is called.
#}
{% macro ref() %}
    {% set rel = builtins.ref(*varargs, **kwargs) %}
    {% if rel is string %}{% do return(rel) %}{% endif %}
    {% do return(rel.include(database=False)) %}
{% endmacro %}

{% macro source() %}
    {% do return(builtins.source(*varargs, **kwargs).include(database=False)) %}
{% endmacro %}
