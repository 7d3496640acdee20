-- Per tilbud and year, what the occupancy marts need from the rate appendix.
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
),

regler as (
    select * from {{ ref('tompladsregler') }}
),

per_tilbud as (
    select
        tilbudsnr,
        aar,
        -- Rate levels of one tilbud may budget different occupancies: weigh them by places.
        {{ div_half_up('sum(pladser * belaegning_andel) * 100', 'sum(pladser)', 2) }}
            as budgetteret_belaegning_pct,
        min(doegntakst_kr) as laveste_doegntakst_kr
    from takster
    group by tilbudsnr, aar
)

select
    per_tilbud.tilbudsnr,
    per_tilbud.aar,
    per_tilbud.budgetteret_belaegning_pct,
    per_tilbud.laveste_doegntakst_kr,
    -- What a buyer pays for a budgeted place left empty: the tilbud's own rule where its
    -- appendix states one (seed tompladsregler), else the full lowest rate.
    coalesce(regler.andel_af_doegntakst_pct, 100) as tomplads_andel_pct,
    {{ div_half_up('per_tilbud.laveste_doegntakst_kr * coalesce(regler.andel_af_doegntakst_pct, 100)', '100', 2) }}
        as tompladstakst_kr
from per_tilbud
left join regler
    on per_tilbud.tilbudsnr = regler.tilbudsnr
        and per_tilbud.aar >= regler.aar_fra
        and (regler.aar_til is null or per_tilbud.aar <= regler.aar_til)
