{#
  The ledger's incremental models (issue 23): the purchases (`int_posteringer__koeb`), the
  purchase and costly-case marts and the rules R01-R05 and R16 are tables rebuilt per year
  partition. Each keeps a year column it is partitioned by (`_partition_aar` in the purchases
  and the rules, `aar` in the marts) and rebuilds the years the
  dbt step names, by deleting them (`ledger_delete`, a pre-hook) and appending what the model's
  SQL selects for them (`ledger_filter` in the SQL). Staging, each of whose rows is one
  posting's, is rebuilt per changed file instead (`ledger_delete_files`, `ledger_file_filter`;
  by year, `_partition_aar`, when the plan lists no files). Which year a model's rows belong to
  and which years it must read is reasoned out beside each model.

  The dbt step (warehouse/build_state.py `ledger_vars`) passes, in the environment variable
  COCKPIT_DBT_LEDGER_YEARS (JSON, read only while models run; not `--vars`, which dbt hashes into
  its partial-parse state: other vars every build would parse the whole project every build),
  from what changed in raw.posteringer since the last successful build (a file added, replaced or
  removed: every (file, load) group of rows that is not the same as then):
    ledger_years.bogfoering  the booking years (year of Bogføringsdato; 0 for a posting without one)
    ledger_years.service     the years of Periode fra of those rows (R02 is partitioned by them)
    ledger_files             the files of those rows; staging, whose every row comes from one
                             posting, rebuilds only them (`ledger_file_filter`); null: by year
    ledger_rebuild_all       models another changed raw table feeds (the register, the rates, the
                             accounts): every year of those is rebuilt
  Without the variable, or empty (dbt run by hand, a subset picked in the UI) every year is rebuilt, and
  `--full-refresh` (after a project change: an edited model) builds the tables anew. So a model
  never reads less than it needs: at worst it rebuilds everything.
#}

{# The years of `kind` ('bogfoering' or 'service') to rebuild, shifted by each of `shifts`
   (a model whose year Y reads year Y-1 rebuilds Y+1 too); none: every year. #}
{% macro ledger_years(kind='bogfoering', shifts=[0]) -%}
    {%- set plan = ledger_model_plan() -%}
    {%- if plan is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set given = plan.get('ledger_years', {}) -%}
    {%- set years = [] -%}
    {%- for year in given.get(kind, []) -%}
        {%- for shift in shifts -%}
            {%- if (year | int) != 0 and (year | int) + shift not in years -%}
                {%- do years.append((year | int) + shift) -%}
            {%- elif (year | int) == 0 and 0 not in years -%}
                {%- do years.append(0) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {{ return(years | sort) }}
{%- endmacro %}

{# A predicate: `column` (an integer year) is one of the years to rebuild; `true` when every year is. #}
{% macro ledger_filter(column, kind='bogfoering', shifts=[0]) -%}
    {%- set years = ledger_years(kind, shifts) -%}
    {%- if years is none -%}
        true
    {%- elif years | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({{ years | join(', ') }})
    {%- endif -%}
{%- endmacro %}

{# The pre-hook: remove the rows of the years about to be rebuilt (all of them when every year is).
   On a first build or `--full-refresh` the table is made anew, so there is nothing to delete. #}
{% macro ledger_delete(column, kind='bogfoering', shifts=[0]) -%}
    {%- if ledger_incremental() -%}
        delete from {{ this }} where {{ ledger_filter(column, kind, shifts) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{# The ledger files whose rows to rebuild (`ledger_files`), for a model each of whose rows comes
   from one posting alone (staging): a new file costs its own rows, not its year's. Without a
   list (an older plan, more names than build_state.LEDGER_FILES_MAX_CHARS, a model another
   changed table feeds) it goes by year, as `ledger_filter` on `year_column`. #}
{% macro ledger_file_filter(column, year_column) -%}
    {%- set plan = ledger_model_plan() -%}
    {%- set files = plan.get('ledger_files') if plan is not none else none -%}
    {%- if files is none -%}
        {{ ledger_filter(year_column) }}
    {%- elif files | length == 0 -%}
        false
    {%- else -%}
        {{ column }} in ({% for f in files %}'{{ f | replace("'", "''") }}'{{ ", " if not loop.last }}{% endfor %})
    {%- endif -%}
{%- endmacro %}

{# The pre-hook of a model rebuilt per file: remove the rows of the files about to be selected again. #}
{% macro ledger_delete_files(column, year_column) -%}
    {%- if ledger_incremental() -%}
        delete from {{ this }} where {{ ledger_file_filter(column, year_column) }}
    {%- else -%}
        select 1
    {%- endif -%}
{%- endmacro %}

{# The dbt step's plan as it applies to this model; none when the model rebuilds every year:
   not incremental now, no plan given, or fed by another changed raw table (`ledger_rebuild_all`). #}
{% macro ledger_model_plan() -%}
    {%- set plan = ledger_plan() -%}
    {%- if not ledger_incremental() or plan is none or model.name in plan.get('ledger_rebuild_all', []) -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(plan) }}
{%- endmacro %}

{# dbt's is_incremental(); false in a unit test, which has no `this` to ask about (dbt 1.11 fails
   there rather than answering false). #}
{% macro ledger_incremental() -%}
    {{ return(this is not none and is_incremental()) }}
{%- endmacro %}

{# The dbt step's plan for this build (COCKPIT_DBT_LEDGER_YEARS), or none: every year. Read only
   while models run (`execute`), so parsing never reads the variable and dbt's partial-parse
   state does not depend on it. #}
{% macro ledger_plan() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set text = env_var('COCKPIT_DBT_LEDGER_YEARS', '') -%}
    {{ return(fromjson(text) if text else none) }}
{%- endmacro %}
