{#
  Descriptions become DuckDB comments (`+persist_docs` in dbt_project.yml), so a BI user reads
  them in duckdb_columns().comment and the publish step copies them into the published file.

  dbt-duckdb comments each model as it is built: two look-ups of the model's columns and two
  more statements per model, ~1,2 s of a ~10 s build of the sample, most of it dbt's Python
  (docs/performance.md). For models the macro below is therefore empty, and
  `persist_docs_of_run`, the project's on-run-end hook, comments every model the invocation
  built, with one look-up of the columns and in one transaction. The `persist_docs` config still
  says which models and which parts: the same relations get the same comments as before. Seeds
  and snapshots, which the hook does not see, are commented as dbt does. A build that is
  interrupted (dbt skips on-run-end hooks then) leaves the models it built without comments;
  the pipeline builds every model again after a build that did not finish (build_state.py).
#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
  {% if model.resource_type != 'model' %}
    {% do default__persist_docs(relation, model, for_relation, for_columns) %}
  {% endif %}
{%- endmacro %}


{% macro persist_docs_of_run(results) %}
  {#- The SQL of the on-run-end hook: `comment on` the relation and the documented columns of
      every model in `results` that succeeded, per its `persist_docs` config, in one
      transaction (a documented column without a description gets '', as from dbt-duckdb).
      A documented column the relation does not have is skipped with the warning of dbt's
      validate_doc_columns (which takes dicts, not the result's nodes, so it is not called).
      Empty when nothing is to be commented. -#}
  {% if not execute %}{{ return('') }}{% endif %}
  {% set todo = [] %}
  {% for result in results
        if result.node.resource_type == 'model' and result.status == 'success'
        and result.node.config.materialized != 'ephemeral' %}
    {% set wanted = result.node.config.persist_docs or {} %}
    {% if wanted.get('relation') or wanted.get('columns') %}
      {% do todo.append(result.node) %}
    {% endif %}
  {% endfor %}
  {% if not todo %}{{ return('') }}{% endif %}

  {% set existing = {} %}
  {% set found = run_query(
      "select lower(schema_name), lower(table_name), column_name from duckdb_columns() "
      ~ "where database_name = current_database()") %}
  {% for row in found.rows %}
    {% do existing.setdefault(row[0] ~ '.' ~ row[1], []).append(row[2]) %}
  {% endfor %}

  {% set statements = [] %}
  {% for node in todo %}
    {% set wanted = node.config.persist_docs %}
    {% set kind = 'view' if node.config.materialized == 'view' else 'table' %}
    {% set relation = api.Relation.create(
        database=node.database, schema=node.schema, identifier=node.alias, type=kind) %}
    {% if wanted.get('relation') and node.description %}
      {% do statements.append(duckdb__alter_relation_comment(relation, node.description) | trim) %}
    {% endif %}
    {% if wanted.get('columns') and node.columns %}
      {% set names = existing.get((node.schema ~ '.' ~ node.alias) | lower, []) %}
      {% set lowered = names | map('lower') | list %}
      {% set missing = [] %}
      {% for name, column in node.columns.items() %}
        {% set present = (name in names) if column.quote else (name | lower in lowered) %}
        {% if present %}
          {% do statements.append(
              'comment on column ' ~ relation ~ '.' ~ (adapter.quote(name) if column.quote else name)
              ~ ' is ' ~ (duckdb_escape_comment(column.description) | trim) ~ ';') %}
        {% else %}
          {% do missing.append(name) %}
        {% endif %}
      {% endfor %}
      {% if missing %}
        {% do exceptions.warn("In relation " ~ relation.render() ~ ": The following columns are specified"
            ~ " in the schema but are not present in the database: " ~ missing | join(", ")) %}
      {% endif %}
    {% endif %}
  {% endfor %}
  {% if not statements %}{{ return('') }}{% endif %}
  {{ return('begin transaction;\n' ~ statements | join('\n') ~ '\ncommit;') }}
{% endmacro %}
