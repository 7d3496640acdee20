with source as (
    select * from {{ source('raw', 'tilbud') }}
),

renamed as (
    select
        cast(tilbudsnr as integer) as tilbudsnr,
        trim(tilbudsnavn) as tilbudsnavn,
        trim(driftsherre) as driftsherre,
        lower(trim(driftsherretype)) as driftsherretype,
        lpad(trim(beliggenhedskommune), 3, '0') as beliggenhedskommune,
        trim(paragraf) as paragraf,
        maalgruppe,
        cast(normerede_pladser as integer) as normerede_pladser,
        godkendt_fra,
        godkendt_til,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
