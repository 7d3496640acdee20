-- Population cells of the comparison areas: Hele landet (000) and the regions (081–085) as DST
-- reports them (seed regioner); the municipalities are in stg_befolkning__folketal. Eliminated
-- variables and missing totals are filled on load as there (ingest/statbank_file.py).
with source as (
    select * from {{ source('raw', 'befolkning') }}
    where omraade_kode in (select seed.regionskode from {{ ref('regioner') }} as seed)
),

renamed as (
    select
        omraade_kode as omraadekode,
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
