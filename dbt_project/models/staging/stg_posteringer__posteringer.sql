with source as (
    select * from {{ source('raw', 'posteringer') }}
),

renamed as (
    select
        kommunenr as kommunekode,
        trim(bilagsnr) as bilagsnr,
        bogfoeringsdato,
        trim(funktion) as funktion,
        cast(dranst as integer) as dranst,
        trim(art) as art,
        cast(beloeb as decimal(18, 2)) as beloeb_kr,
        cast(tilbudsnr as integer) as tilbudsnr,
        nullif(trim(leverandoer_cvr), '') as leverandoer_cvr,
        nullif(trim(borgerreference), '') as borgerreference,
        periode_fra,
        periode_til,
        cast(antal_doegn as integer) as antal_doegn,
        tekst,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
