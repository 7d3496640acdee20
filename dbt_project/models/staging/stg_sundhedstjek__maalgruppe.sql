with source as (
    select * from {{ source('raw', 'sundhedstjek_maalgruppe') }}
),

renamed as (
    select
        kommunekode,
        cast(aar as integer) as aar,
        cast(borgere_i_maalgruppen as integer) as borgere_i_maalgruppe,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
