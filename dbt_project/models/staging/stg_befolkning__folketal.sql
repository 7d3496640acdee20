with source as (
    select * from {{ source('raw', 'befolkning') }}
),

renamed as (
    select
        omraade_kode as kommunekode,
        koen,
        cast(alder as integer) as alder,  -- -1 = all ages (IALT)
        coalesce(civilstand, 'TOT') as civilstand,  -- FOLK1AM has no CIVILSTAND: all
        tid,
        periode_start,
        cast(year(periode_start) as integer) as aar,
        cast(indhold as bigint) as antal,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
