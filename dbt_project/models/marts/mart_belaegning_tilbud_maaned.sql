-- One row per tilbud × month: normed vs actual occupancy (domain rule 3 asks for both).
with maaned as (
    select * from {{ ref('int_belaegning__maaned') }}
),

tilbud as (
    select * from {{ ref('dim_tilbud') }}
)

select
    cast(maaned.tilbudsnr as integer) as tilbudsnr,
    cast(tilbud.tilbudsnavn as varchar) as tilbudsnavn,
    cast(tilbud.driftsherre as varchar) as driftsherre,
    cast(maaned.aar as integer) as aar,
    cast(maaned.maaned as date) as maaned,
    cast(maaned.dage_i_maaned as integer) as dage_i_maaned,
    cast(maaned.normerede_pladser as integer) as normerede_pladser,
    cast(maaned.pladser_i_drift as integer) as pladser_i_drift,
    cast(maaned.normerede_doegn as integer) as normerede_doegn,
    cast(maaned.doegn_i_drift as integer) as doegn_i_drift,
    cast(maaned.belagte_doegn as integer) as belagte_doegn,
    cast({{ div_half_up('100 * maaned.belagte_doegn', 'maaned.normerede_doegn', 2, integers=true) }} as decimal(9, 2))
        as belaegning_normeret_pct,
    cast({{ div_half_up('100 * maaned.belagte_doegn', 'maaned.doegn_i_drift', 2, integers=true) }} as decimal(9, 2))
        as belaegning_faktisk_pct,
    cast(greatest(maaned.doegn_i_drift - maaned.belagte_doegn, 0) as integer) as tomme_doegn,
    cast(maaned._source_file as varchar) as kildefil,
    cast(maaned._source_line as integer) as kildelinje
from maaned
left join tilbud on maaned.tilbudsnr = tilbud.tilbudsnr
