-- Population cells at municipality level. Ingest fills eliminated variables with their total
-- and derives missing totals from complete breakdowns (ingest/statbank_file.py), so every cell
-- the file allows is here; `afledt` says which rows are such sums.
-- Municipalities only; the comparison areas (000, 081–085) are in stg_befolkning__omraade.
with source as (
    select * from {{ source('raw', 'befolkning') }}
    where omraade_kode in (select seed.kommunekode from {{ ref('kommuner') }} as seed)
),

renamed as (
    select
        omraade_kode as kommunekode,
        koen,
        cast(alder as integer) as alder,  -- -1 = all ages (IALT)
        civilstand,
        tid,
        periode_start,
        cast(year(periode_start) as integer) as aar,
        cast(indhold as bigint) as antal,
        afledt,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
