-- Secure institutions per institution × year plus `I alt`, disclosure-controlled
-- (docs/disclosure.md): refusals (social, legal) and the mean waiting list count persons, so an
-- institution's figure of 1–4 is hidden (primary); beside a lone hidden institution of a year
-- the smallest other institution with a figure is hidden too, and when there is none the
-- `I alt` row's figure, so `I alt` minus the shown institutions never gives a hidden one back.
-- Places and occupied days are not person counts and stay.
with institution as (
    select
        *,
        institution = 'I alt' as er_total
    from {{ ref('mart_sikrede_institutioner') }}
),

primaer as (
    select
        *,
        {{ disclosure_primary('afviste_sociale') }} as aarsag_sociale,
        {{ disclosure_primary('afviste_retlige') }} as aarsag_retlige,
        {{ disclosure_primary('venteliste_gns') }} as aarsag_venteliste,
        -- The institutions' own reasons (the `I alt` row is the group's total, not a member).
        case when not er_total then {{ disclosure_primary('afviste_sociale') }} end as medlem_sociale,
        case when not er_total then {{ disclosure_primary('afviste_retlige') }} end as medlem_retlige,
        case when not er_total then {{ disclosure_primary('venteliste_gns') }} end as medlem_venteliste,
        case when not er_total then afviste_sociale end as medlem_afviste_sociale,
        case when not er_total then afviste_retlige end as medlem_afviste_retlige,
        case when not er_total then venteliste_gns end as medlem_venteliste_gns
    from institution
),

sekundaer as (
    select
        *,
        coalesce(
            aarsag_sociale,
            case
                when
                    not er_total
                    and {{ disclosure_secondary(
                        'medlem_sociale', 'afviste_sociale', 'afviste_sociale', 'aar, er_total', 'institution'
                    ) }}
                    then 'sekundær maskering'
                when
                    er_total
                    and {{ disclosure_total_exposed('medlem_sociale', 'medlem_afviste_sociale', 'aar') }}
                    then 'sekundær maskering'
            end
        ) as skjult_sociale,
        coalesce(
            aarsag_retlige,
            case
                when
                    not er_total
                    and {{ disclosure_secondary(
                        'medlem_retlige', 'afviste_retlige', 'afviste_retlige', 'aar, er_total', 'institution'
                    ) }}
                    then 'sekundær maskering'
                when
                    er_total
                    and {{ disclosure_total_exposed('medlem_retlige', 'medlem_afviste_retlige', 'aar') }}
                    then 'sekundær maskering'
            end
        ) as skjult_retlige,
        coalesce(
            aarsag_venteliste,
            case
                when
                    not er_total
                    and {{ disclosure_secondary(
                        'medlem_venteliste', 'venteliste_gns', 'venteliste_gns', 'aar, er_total', 'institution'
                    ) }}
                    then 'sekundær maskering'
                when
                    er_total
                    and {{ disclosure_total_exposed('medlem_venteliste', 'medlem_venteliste_gns', 'aar') }}
                    then 'sekundær maskering'
            end
        ) as skjult_venteliste
    from primaer
)

select
    institution,
    driftsherre,
    aar,
    maaneder_med_data,
    foerste_maaned,
    sidste_maaned,
    antal_institutioner,
    antal_institutioner_i_landet,
    normerede_doegn,
    doegn_i_drift,
    fleksible_pladser,
    kapacitet_doegn,
    belagte_doegn_sociale,
    belagte_doegn_retlige,
    belaegning_normeret_pct,
    belaegning_faktisk_pct,
    belaegning_kapacitet_pct,
    andel_sociale_pct,
    case when skjult_sociale is null then afviste_sociale end as afviste_sociale,
    case when skjult_retlige is null then afviste_retlige end as afviste_retlige,
    case when skjult_venteliste is null then venteliste_gns end as venteliste_gns,
    maal_belaegning_pct,
    coalesce(skjult_sociale, skjult_retlige, skjult_venteliste) is not null as maskeret,
    nullif(
        concat_ws(
            '; ',
            case when skjult_sociale is not null then 'afviste_sociale: ' || skjult_sociale end,
            case when skjult_retlige is not null then 'afviste_retlige: ' || skjult_retlige end,
            case when skjult_venteliste is not null then 'venteliste_gns: ' || skjult_venteliste end
        ),
        ''
    ) as maskeringsaarsag
from sekundaer
