-- BUDK32 budgets by function: municipalities and the comparison areas (ingest/statbank.py,
-- KEPT_LEVELS), one row per area × function × dranst × art × price unit × budget year.
with source as (
    select * from {{ source('raw', 'budget') }}
),

renamed as (
    select
        omraade_kode as omraadekode,
        omraade_navn as omraadenavn,
        funktion,
        funktionsnavn,
        cast(dranst as integer) as dranst,
        art,
        prisenhed,
        cast(aar as integer) as aar,
        -- BUDK32 LOBM amounts are in 1.000 kr.; `..` (not available) stays NULL.
        cast(indhold as decimal(18, 3)) as indhold,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
