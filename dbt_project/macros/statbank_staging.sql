{#
  The staging model of a StatBank table as ingest loads it (ingest/statbank_file.py: codes
  resolved from labels, eliminated variables filled with their total): raw.<table>'s rows of one
  area level, renamed and typed. One owner for the five staging models of accounts, budgets and
  population, so a municipality model and its comparison-area twin cannot drift apart.

  `table`: regnskab (REGK31) or budget (BUDK32), accounts by function in LOBM amounts of
  1.000 kr.; or befolkning (FOLK1A / FOLK1AM), counts of people.
  `areas`: 'kommuner' keeps the municipalities (seed kommuner), 'regioner' the comparison areas
  Hele landet (000) and the regions (081–085, seed regioner), none every area ingest kept
  (ingest/statbank.py, KEPT_LEVELS).
  `area_column`: the model's name for omraade_kode.
  `afledt`: keep the column that marks rows derived on load (REGK31's TOT = UE − I, the
  population's totals of a complete breakdown); BUDK32's staging has never exposed it.
#}
{% macro statbank_staging(table, areas=none, area_column='omraadekode', afledt=true) %}
{%- set seed_column = {'kommuner': 'kommunekode', 'regioner': 'regionskode'} -%}
with source as (
    select * from {{ source('raw', table) }}
    {%- if areas %}
    where omraade_kode in (select seed.{{ seed_column[areas] }} from {{ ref(areas) }} as seed)
    {%- endif %}
),

renamed as (
    select
        omraade_kode as {{ area_column }},
        {%- if table == 'befolkning' %}
        koen,
        cast(alder as integer) as alder,  -- -1 = all ages (IALT)
        civilstand,
        tid,
        periode_start,
        cast(year(periode_start) as integer) as aar,
        cast(indhold as bigint) as antal,
        {%- else %}
        omraade_navn as omraadenavn,
        funktion,
        funktionsnavn,
        cast(dranst as integer) as dranst,
        art,
        prisenhed,
        cast(aar as integer) as aar,
        -- LOBM amounts are in 1.000 kr.; `..` (not available) stays NULL.
        cast(indhold as decimal(18, 3)) as indhold,
        {%- endif %}
        {%- if afledt %}
        afledt,
        {%- endif %}
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
{% endmacro %}
