-- Every extract covers all months since 2022, so a newer extract supersedes an older one
-- month by month: keep the figure of the latest extraction date.
with source as (
    select * from {{ source('raw', 'sundhedstjek') }}
),

renamed as (
    select
        kommunekode,
        kommune as kommunenavn_i_fil,
        cast(maaned as date) as maaned,
        cast(antal as integer) as antal,
        cast(udtraeksdato as date) as udtraeksdato,
        _source_file,
        _source_line,
        _load_id
    from source
    qualify row_number() over (partition by kommunekode, maaned order by udtraeksdato desc) = 1
)

select * from renamed
