with source as (
    select * from {{ source('raw', 'sikrede') }}
),

renamed as (
    select
        trim(institution) as institution,
        trim(driftsherre) as driftsherre,
        cast(maaned as date) as maaned,
        cast(normerede_pladser as integer) as normerede_pladser,
        cast(pladser_i_drift as integer) as pladser_i_drift,
        cast(belagte_doegn_sociale as integer) as belagte_doegn_sociale,
        cast(belagte_doegn_retlige as integer) as belagte_doegn_retlige,
        cast(afviste_sociale as integer) as afviste_sociale,
        cast(afviste_retlige as integer) as afviste_retlige,
        cast(venteliste_ultimo as integer) as venteliste_ultimo,
        -- Optional column (landing-zone.md §6): missing or empty = no flex places.
        coalesce(cast(fleksible_pladser as integer), 0) as fleksible_pladser,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
