-- The stewards' decisions, one row per flag_id: the newest (by Dato, then file and line) of the
-- lines that carry a decision. A work list saved as CSV is a decisions file (cli/worklist.py),
-- so a line without a decision is a flag the steward has not decided on: not a decision.
with source as (
    select * from {{ source('raw', 'beslutninger') }}
),

renamed as (
    select
        trim(flag_id) as flag_id,
        beslutning,
        nullif(trim(begrundelse), '') as begrundelse,
        nullif(trim(af), '') as besluttet_af,
        dato as besluttet_dato,
        _source_file,
        _source_line,
        _load_id
    from source
    where beslutning is not null and nullif(trim(flag_id), '') is not null
),

nyeste as (
    select
        *,
        row_number() over (
            partition by flag_id order by besluttet_dato desc nulls last, _source_file desc, _source_line desc
        ) as nr
    from renamed
)

select * exclude (nr) from nyeste
where nr = 1
