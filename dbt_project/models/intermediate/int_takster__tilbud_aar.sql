-- Per tilbud and year, what the occupancy marts need from the rate appendix.
with takster as (
    select * from {{ ref('stg_takstbilag__takster') }}
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

select * from per_tilbud
