-- REGK31 at municipality level. Ingest keeps municipalities and the comparison areas
-- (ingest/statbank.py, KEPT_LEVELS); the areas (Hele landet, regions) are in
-- stg_regnskab__omraade and never counted as municipalities here.
with source as (
    select * from {{ source('raw', 'regnskab') }}
    where omraade_kode in (select seed.kommunekode from {{ ref('kommuner') }} as seed)
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
