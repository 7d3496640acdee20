-- REGK31 at municipality level: ingest keeps municipalities only (ingest/statbank.py,
-- MUNICIPALITY_LEVEL), the one place every StatBank source decides that.
with source as (
    select * from {{ source('raw', 'regnskab') }}
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
        -- REGK31 LOBM amounts are in 1.000 kr.; `..` (not available) stays NULL.
        cast(indhold as decimal(18, 3)) as indhold,
        afledt,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
