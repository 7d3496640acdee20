-- Incremental per ledger file (macros/ledger_partitions.sql): a posting's row depends on that
-- posting alone, so the rows of the files that changed (added, replaced, removed) are deleted
-- and selected again from raw; by booking year when the plan lists no files.
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='fail',
    pre_hook="{{ ledger_delete_files('_source_file', '_partition_aar') }}",
) }}

with source as (
    select * from {{ source('raw', 'posteringer') }}
    where {{ ledger_file_filter('_source_file', 'coalesce(year(bogfoeringsdato), 0)') }}
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
        _load_id,
        -- the booking year the row is rebuilt with; 0 for a posting without a booking date
        cast(coalesce(year(bogfoeringsdato), 0) as integer) as _partition_aar
    from source
)

select * from renamed
