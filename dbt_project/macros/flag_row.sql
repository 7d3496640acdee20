{#
  The closing select of a registration-flag model: the 14 columns every rule model returns and
  quality.dq_flag unions (contracts/cockpit-schema.md, `cockpit.datakvalitet`), cast to
  the contract's types. The model writes `from <its flag CTE>` after it.

  `noegle` is the registration's own key (a list of SQL expressions: kommune + bilagsnr for a
  posting, tilbud + ydelse + year for a rate, ...), joined with `|` into `flag_noegle`. The flag
  id is the rule + this key (quality/dq_flag.sql), never the file or line, so a renamed,
  re-exported or shifted file keeps its flags' ids (issue 22). Each rule's YAML documents its key.

  regel, regel_navn and alvorlighed are text (fixed per rule by contracts/data-quality-rules.md)
  and checked when the model compiles; every other argument is a SQL expression over the flag
  CTE. kildefil, kildelinje and load_id default to the lineage every raw row carries;
  kommunekode and tilbudsnr default to NULL for rules whose rows have none. `partition_aar`, for
  the ledger's incremental rules only, adds the year column they are rebuilt by, `_partition_aar`
  (macros/ledger_partitions.sql); quality.dq_flag does not read it.
  Column docs: macros/flag_row.md (doc blocks shared by the 17 rule models' YAML).
#}
{% macro flag_row(
    regel, regel_navn, alvorlighed, kilde, noegle, periode, beskrivelse, vaerdi, forventet,
    kommunekode=none, tilbudsnr=none,
    kildefil='_source_file', kildelinje='_source_line', load_id='_load_id', partition_aar=none
) -%}
{%- if not modules.re.fullmatch('R[0-9]{2}', regel) -%}
    {{ exceptions.raise_compiler_error("flag_row: regel must be a rule id like 'R04', got '" ~ regel ~ "'") }}
{%- endif -%}
{%- if alvorlighed not in ('fejl', 'advarsel', 'info') -%}
    {{ exceptions.raise_compiler_error("flag_row (" ~ regel ~ "): alvorlighed must be fejl, advarsel or info, got '" ~ alvorlighed ~ "'") }}
{%- endif -%}
{%- if noegle is string or noegle | length == 0 -%}
    {{ exceptions.raise_compiler_error("flag_row (" ~ regel ~ "): noegle must be a list of SQL expressions (the registration's key)") }}
{%- endif -%}
select
    cast({{ flag_text(regel) }} as varchar) as regel,
    cast({{ flag_text(regel_navn) }} as varchar) as regel_navn,
    cast({{ flag_text(alvorlighed) }} as varchar) as alvorlighed,
    cast({{ kilde }} as varchar) as kilde,
    cast({{ kildefil }} as varchar) as kildefil,
    cast({{ kildelinje }} as integer) as kildelinje,
    cast({{ kommunekode if kommunekode is not none else 'null' }} as varchar) as kommunekode,
    cast({{ tilbudsnr if tilbudsnr is not none else 'null' }} as integer) as tilbudsnr,
    cast({{ periode }} as varchar) as periode,
    cast({{ beskrivelse }} as varchar) as beskrivelse,
    cast({{ vaerdi }} as varchar) as vaerdi,
    cast({{ forventet }} as varchar) as forventet,
    cast({{ load_id }} as varchar) as load_id,
    {{ flag_key(noegle) }} as flag_noegle
    {%- if partition_aar is not none %},
    cast({{ partition_aar }} as integer) as _partition_aar
    {%- endif %}
{%- endmacro %}

{# The key columns as one text, `|` between them; an empty part stays empty, never NULL. #}
{% macro flag_key(parts) -%}
concat_ws(
        '|'
        {%- for part in parts %},
        coalesce(cast({{ part }} as varchar), '')
        {%- endfor %}
    )
{%- endmacro %}

{# A Python string as a SQL string literal. #}
{% macro flag_text(text) -%}
'{{ text | replace("'", "''") }}'
{%- endmacro %}
