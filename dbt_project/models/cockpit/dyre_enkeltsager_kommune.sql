-- Særligt dyre enkeltsager per municipality × year, disclosure-controlled (docs/disclosure.md).
-- Each figure is a group of cases; a group of 1–4 cases, or one where a single case dominates
-- the amount, is hidden. The groups are nested (all cases ⊇ above threshold 1 ⊇ 2 ⊇ 3), so a
-- group is also hidden when the difference to the group around it is 1–4 cases (all − above 1
-- would otherwise give back the cases below threshold 1). The costliest 5 % are shown only
-- where they are at least 5 cases. A hidden figure is NULL, never 0.
with kommune as (
    select * from {{ ref('mart_dyre_enkeltsager_kommune') }}
),

sager as (
    select
        kommunekode,
        aar,
        max(abs(helaarsudgift_kr)) as stoerste_kr,
        sum(abs(helaarsudgift_kr)) as sum_abs_kr,
        max(abs(helaarsudgift_kr)) filter (where over_graense >= 1) as stoerste_over_1_kr,
        sum(abs(helaarsudgift_kr)) filter (where over_graense >= 1) as sum_abs_over_1_kr,
        max(abs(helaarsudgift_kr)) filter (where i_top5) as stoerste_top5_kr,
        sum(abs(helaarsudgift_kr)) filter (where i_top5) as sum_abs_top5_kr
    from {{ ref('mart_dyre_enkeltsager') }}
    group by all
),

maskeret_noegle as (
    select
        kommunekode,
        aar,
        sum(antal_poster) as antal_poster
    from {{ ref('int_posteringer__sager') }}
    where maskeret
    group by all
),

aarsager as (
    select
        k.*,
        {{ disclosure_primary('k.antal_sager', 's.stoerste_kr', 's.sum_abs_kr') }} as aarsag_sager,
        coalesce(
            {{ disclosure_primary('k.antal_over_graense_1', 's.stoerste_over_1_kr', 's.sum_abs_over_1_kr') }},
            case
                when {{ disclosure_primary('k.antal_sager - k.antal_over_graense_1') }} is not null
                    then 'sekundær maskering'
            end
        ) as aarsag_over_1,
        coalesce(
            {{ disclosure_primary('k.antal_over_graense_2') }},
            {{ disclosure_primary('k.antal_over_graense_3') }},
            case
                when
                    {{ disclosure_primary('k.antal_over_graense_1 - k.antal_over_graense_2') }} is not null
                    or {{ disclosure_primary('k.antal_over_graense_2 - k.antal_over_graense_3') }} is not null
                    then 'sekundær maskering'
            end
        ) as aarsag_over_2_3,
        case
            when k.antal_top5 < {{ var('disclosure_min_count') }} and k.antal_top5 > 0
                then 'færre end {{ var("disclosure_min_count") }} sager'
            else {{ disclosure_primary('k.antal_top5', 's.stoerste_top5_kr', 's.sum_abs_top5_kr') }}
        end as aarsag_top5,
        {{ disclosure_primary('coalesce(m.antal_poster, 0)', enhed='posteringer') }} as aarsag_maskeret_noegle
    from kommune as k
    left join sager as s on k.kommunekode = s.kommunekode and k.aar = s.aar
    left join maskeret_noegle as m on k.kommunekode = m.kommunekode and k.aar = m.aar
),

-- A hidden outer group hides every group inside it.
arvet as (
    select
        *,
        aarsag_sager as a_sager,
        coalesce(aarsag_sager, aarsag_over_1) as a_over_1,
        coalesce(aarsag_sager, aarsag_over_1, aarsag_over_2_3) as a_over_2_3,
        coalesce(aarsag_sager, aarsag_top5) as a_top5
    from aarsager
)

select
    kommunekode,
    kommunenavn,
    aar,
    case when a_sager is null then antal_sager end as antal_sager,
    case when a_sager is null then udgift_sager_kr end as udgift_sager_kr,
    case when a_over_1 is null then antal_over_graense_1 end as antal_over_graense_1,
    case when a_over_2_3 is null then antal_over_graense_2 end as antal_over_graense_2,
    case when a_over_2_3 is null then antal_over_graense_3 end as antal_over_graense_3,
    case when a_over_1 is null then udgift_over_graense_1_kr end as udgift_over_graense_1_kr,
    case when a_over_1 is null then refusion_kr end as refusion_kr,
    case when a_over_1 is null then nettoudgift_over_graense_1_kr end as nettoudgift_over_graense_1_kr,
    graenser_bekraeftet,
    case when a_top5 is null then antal_top5 end as antal_top5,
    case when a_top5 is null then udgift_top5_kr end as udgift_top5_kr,
    case when a_top5 is null then andel_top5_af_sager_pct end as andel_top5_af_sager_pct,
    -- Hidden with the cases: where they are too few, the municipality's whole spend in the
    -- postings is close to their sum (a small municipality's postings are mostly its cases).
    case when a_sager is null then udgift_i_alt_kr end as udgift_i_alt_kr,
    case when a_top5 is null then andel_top5_af_udgift_i_alt_pct end as andel_top5_af_udgift_i_alt_pct,
    case when aarsag_maskeret_noegle is null then udgift_maskeret_noegle_kr end as udgift_maskeret_noegle_kr,
    coalesce(a_sager, a_over_1, a_over_2_3, a_top5, aarsag_maskeret_noegle) is not null as maskeret,
    nullif(
        concat_ws(
            '; ',
            case when a_sager is not null then 'sager: ' || a_sager end,
            case when a_sager is null and a_over_1 is not null then 'over grænse 1: ' || a_over_1 end,
            case when a_over_1 is null and a_over_2_3 is not null then 'over grænse 2 og 3: ' || a_over_2_3 end,
            case when a_sager is null and a_top5 is not null then 'top 5 %: ' || a_top5 end,
            case when aarsag_maskeret_noegle is not null then 'maskeret nøgle: ' || aarsag_maskeret_noegle end
        ),
        ''
    ) as maskeringsaarsag
from arvet
