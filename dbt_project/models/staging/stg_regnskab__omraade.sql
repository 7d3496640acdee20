-- REGK31's comparison areas: Hele landet (000) and the regions (081–085) as DST reports them
-- (seed regioner); the municipalities are in stg_regnskab__konti.
with source as (
    select * from {{ source('raw', 'regnskab') }}
    where omraade_kode in (select seed.regionskode from {{ ref('regioner') }} as seed)
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
