with source as (
    select * from {{ source('raw', 'takstbilag') }}
),

renamed as (
    select
        cast(aar as integer) as aar,
        cast(tilbudsnr as integer) as tilbudsnr,
        trim(tilbudsnavn) as tilbudsnavn,
        trim(driftsherre) as driftsherre,
        trim(paragraf) as paragraf,
        trim(ydelse) as ydelse,
        cast(pladser as decimal(9, 2)) as pladser,
        cast(dage as integer) as dage,
        cast(belaegningsprocent as decimal(9, 6)) as belaegning_andel,
        cast(antal_doegn as integer) as antal_doegn,
        cast(omkostninger as decimal(18, 2)) as omkostninger_kr,
        cast(doegntakst as decimal(18, 2)) as doegntakst_kr,
        nullif(trim(begrundelse), '') as begrundelse,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
