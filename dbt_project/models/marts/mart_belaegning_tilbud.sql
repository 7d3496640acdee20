-- One row per tilbud × year. Empty days and their cost are taken on the yearly sums, as the
-- contract defines them (a month over capacity offsets an empty month of the same year).
with maaned as (
    select * from {{ ref('int_belaegning__maaned') }}
),

aar as (
    select
        tilbudsnr,
        aar,
        count(*) as maaneder_med_data,
        sum(normerede_doegn) as normerede_doegn,
        sum(doegn_i_drift) as doegn_i_drift,
        sum(belagte_doegn) as belagte_doegn
    from maaned
    group by tilbudsnr, aar
),

tilbud as (
    select * from {{ ref('dim_tilbud') }}
),

takst as (
    select * from {{ ref('int_takster__tilbud_aar') }}
)

select
    cast(aar.tilbudsnr as integer) as tilbudsnr,
    cast(tilbud.tilbudsnavn as varchar) as tilbudsnavn,
    cast(tilbud.driftsherre as varchar) as driftsherre,
    cast(aar.aar as integer) as aar,
    cast(aar.maaneder_med_data as integer) as maaneder_med_data,
    cast(aar.normerede_doegn as bigint) as normerede_doegn,
    cast(aar.doegn_i_drift as bigint) as doegn_i_drift,
    cast(aar.belagte_doegn as bigint) as belagte_doegn,
    cast({{ div_half_up('100 * aar.belagte_doegn', 'aar.normerede_doegn', 2, integers=true) }} as decimal(9, 2))
        as belaegning_normeret_pct,
    cast({{ div_half_up('100 * aar.belagte_doegn', 'aar.doegn_i_drift', 2, integers=true) }} as decimal(9, 2))
        as belaegning_faktisk_pct,
    cast(takst.budgetteret_belaegning_pct as decimal(9, 2)) as budgetteret_belaegning_pct,
    cast(greatest(aar.doegn_i_drift - aar.belagte_doegn, 0) as bigint) as tomme_doegn,
    cast(takst.laveste_doegntakst_kr as decimal(18, 2)) as laveste_doegntakst_kr,
    cast(greatest(aar.doegn_i_drift - aar.belagte_doegn, 0) * takst.laveste_doegntakst_kr as decimal(18, 2))
        as tompladsudgift_kr
from aar
left join tilbud on aar.tilbudsnr = tilbud.tilbudsnr
left join takst on aar.tilbudsnr = takst.tilbudsnr and aar.aar = takst.aar
