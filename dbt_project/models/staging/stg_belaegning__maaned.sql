with source as (
    select * from {{ source('raw', 'belaegning') }}
),

renamed as (
    select
        cast(tilbudsnr as integer) as tilbudsnr,
        cast(maaned as date) as maaned,
        cast(normerede_pladser as integer) as normerede_pladser,
        cast(pladser_i_drift as integer) as pladser_i_drift,
        cast(belagte_doegn as integer) as belagte_doegn,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
