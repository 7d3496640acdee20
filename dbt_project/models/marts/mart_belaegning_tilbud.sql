-- One row per tilbud × year. Empty days and their cost are taken on the yearly sums, as the
-- contract defines them (a month over capacity offsets an empty month of the same year).
-- Two empty-place measures: gross empty days (tomme_doegn, the contract's column) and the
-- occupancy below budget that the rates do not pay for (doegn_under_budget): a rate computed
-- at a budgeted occupancy below 100 % already covers the empty rest (docs/interpretations.md,
-- "Empty-place cost").
with maaned as (
    select * from {{ ref('int_belaegning__maaned') }}
),

aar as (
    select
        tilbudsnr,
        aar,
        count(*) as maaneder_med_data,
        min(maaned) as foerste_maaned,
        max(maaned) as sidste_maaned,
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
),

budget as (
    select
        aar.tilbudsnr,
        aar.aar,
        -- Occupied days the rate was computed on: normed days × budgeted occupancy, an exact
        -- decimal product (4 decimals at most), never rounded before the cost is.
        cast(aar.normerede_doegn * takst.budgetteret_belaegning_pct * 0.01 as decimal(18, 4))
            as budgetterede_belagte_doegn
    from aar
    inner join takst on aar.tilbudsnr = takst.tilbudsnr and aar.aar = takst.aar
),

under as (
    -- greatest() skips NULLs, so a tilbud without a budget is NULL here explicitly, not 0.
    select
        budget.*,
        case
            when budget.budgetterede_belagte_doegn is not null
                then greatest(budget.budgetterede_belagte_doegn - aar.belagte_doegn, 0)
        end as doegn_under_budget
    from budget
    inner join aar on budget.tilbudsnr = aar.tilbudsnr and budget.aar = aar.aar
)

select
    cast(aar.tilbudsnr as integer) as tilbudsnr,
    cast(tilbud.tilbudsnavn as varchar) as tilbudsnavn,
    cast(tilbud.driftsherre as varchar) as driftsherre,
    cast(aar.aar as integer) as aar,
    cast(aar.maaneder_med_data as integer) as maaneder_med_data,
    cast(aar.foerste_maaned as date) as foerste_maaned,
    cast(aar.sidste_maaned as date) as sidste_maaned,
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
        as tompladsudgift_kr,
    cast(under.budgetterede_belagte_doegn as decimal(18, 4)) as budgetterede_belagte_doegn,
    cast(under.doegn_under_budget as decimal(18, 4)) as doegn_under_budget,
    cast(under.doegn_under_budget > 0 as boolean) as under_budget,
    cast(takst.tomplads_andel_pct as decimal(9, 2)) as tomplads_andel_pct,
    cast(takst.tompladstakst_kr as decimal(18, 2)) as tompladstakst_kr,
    cast(
        {{ div_half_up('under.doegn_under_budget * takst.tompladstakst_kr', '1', 2) }}
        as decimal(18, 2)
    ) as udaekket_tompladsudgift_kr
from aar
left join tilbud on aar.tilbudsnr = tilbud.tilbudsnr
left join takst on aar.tilbudsnr = takst.tilbudsnr and aar.aar = takst.aar
left join under on aar.tilbudsnr = under.tilbudsnr and aar.aar = under.aar
