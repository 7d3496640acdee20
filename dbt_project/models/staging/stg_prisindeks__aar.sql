-- The P/L index file as delivered: one row per year, an index (any base) or the yearly change in
-- % (landing-zone §10; ingest/price_index.py refused a gap in the years).
with source as (
    select * from {{ source('raw', 'prisindeks') }}
),

renamed as (
    select
        cast(aar as integer) as aar,
        cast(pl_indeks as decimal(18, 3)) as pl_indeks,
        cast(pl_udvikling_pct as decimal(18, 3)) as pl_udvikling_pct,
        _source_file,
        _source_line,
        _load_id
    from source
)

select * from renamed
