with source as (
    select * from {{ source('raw', 'regnskab') }}
),

renamed as (
    select
        omraade_kode as omraadekode,
        omraade_navn as omraadenavn,
        case
            when omraade_kode = '000' then 'land'
            when omraade_kode between '081' and '085' then 'region'
            else 'kommune'
        end as niveau,
        funktion,
        funktionsnavn,
        cast(dranst as integer) as dranst,
        art,
        prisenhed,
        cast(aar as integer) as aar,
        -- REGK31 LOBM amounts are in 1.000 kr.; `..` (not available) stays NULL.
        cast(indhold as decimal(18, 3)) as indhold,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
