{#
  An incremental model's new rows are written once (issue 23).

  dbt-duckdb's incremental materialization (`is_incremental()` true) first makes what the model
  selects a temporary table and then inserts that table into the model's: every new row
  written twice, and the copy kept in DuckDB's memory until dbt's connection closes at the end
  of the build. Measured on 3 M new postings into `stg_posteringer__posteringer`: the temporary
  table 1,2 s and the insert from it 4,5 s, against 3,1 s inserting what the model selects
  straight away (docs/performance.md, *Incremental models written once*).

  Every incremental model here appends (`incremental_strategy='append'`; the rows to rebuild
  are deleted by a pre-hook, macros/ledger_partitions.sql), so the temporary relation is read
  exactly once, by the insert, after those deletes, as the temporary table was filled after
  them. A temporary view gives that insert the same rows and the same column types (dbt's
  `on_schema_change` and `expand_target_column_types` read its columns as they read the
  table's; a model with an enforced contract has its columns checked first, as dbt-duckdb does
  for a temporary table, which takes no constraints either). Any other use of a temporary
  relation (another strategy, which reads it twice; Python models; unit tests; a first build or
  `--full-refresh`, which are not temporary) keeps dbt-duckdb's own macro.
#}
{% macro duckdb__create_table_as(temporary, relation, compiled_code, language='sql', partitioned_by=none, sorted_by=none) -%}
  {%- if temporary and language == 'sql' and model is defined and model.config.materialized == 'incremental'
        and config.get('incremental_strategy') == 'append' -%}
    {%- if config.get('contract').enforced -%}
      {#- as dbt-duckdb's macro does for a temporary relation: the columns checked, no constraints -#}
      {{ get_assert_columns_equivalent(compiled_code) }}
    {%- endif -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    create or replace temporary view {{ relation.include(database=False, schema=False) }} as (
      {{ compiled_code }}
    )
  {%- else -%}
    {{ dbt.duckdb__create_table_as(temporary, relation, compiled_code, language, partitioned_by, sorted_by) }}
  {%- endif -%}
{%- endmacro %}
