-- The blocking disclosure check (docs/disclosure.md): every shown figure of the
-- disclosure-controlled cockpit views is recomputed here from the row-level data of the build
-- (postings per citizen, cases, secure institutions), independently of the views' own masking,
-- and a row is returned for each figure that breaks the policy: a shown cell of 1–4 persons or
-- cases, a shown amount dominated by one citizen, or a hidden cell that its shown total minus
-- the shown cells of its group gives back. Any row fails the build, so nothing is published.
{%- set n = var('disclosure_min_count') %}
{%- set k = var('disclosure_dominance_pct') %}
with koeb_borger as (
    select
        kommunekode,
        aar,
        koebstype,
        driftsherre,
        borger,
        sum(beloeb_kr) as bidrag_kr
    from {{ ref('int_posteringer__koeb') }}
    group by all
),

type_borger as (
    select
        kommunekode,
        aar,
        koebstype,
        borger,
        sum(bidrag_kr) as bidrag_kr
    from koeb_borger
    group by all
),

type_celle as (
    select
        kommunekode,
        aar,
        koebstype,
        count(*) as borgere,
        max(abs(bidrag_kr)) as stoerste_kr,
        sum(abs(bidrag_kr)) as sum_abs_kr
    from type_borger
    group by all
),

driftsherre_borger as (
    select
        kommunekode,
        aar,
        driftsherre,
        borger,
        sum(bidrag_kr) as bidrag_kr
    from koeb_borger
    group by all
),

driftsherre_celle as (
    select
        kommunekode,
        aar,
        driftsherre,
        count(*) as borgere,
        max(abs(bidrag_kr)) as stoerste_kr,
        sum(abs(bidrag_kr)) as sum_abs_kr
    from driftsherre_borger
    group by all
),

koebstype_vist as (
    select
        v.*,
        coalesce(c.borgere, 0) as borgere,
        c.stoerste_kr,
        c.sum_abs_kr
    from {{ ref('koeb_driftsherretype') }} as v
    left join type_celle as c on v.kommunekode = c.kommunekode and v.aar = c.aar and v.koebstype = c.koebstype
),

driftsherre_vist as (
    select
        v.*,
        c.borgere,
        c.stoerste_kr,
        c.sum_abs_kr
    from {{ ref('koeb_driftsherre') }} as v
    inner join driftsherre_celle as c
        on v.kommunekode = c.kommunekode and v.aar = c.aar and v.driftsherre = c.driftsherre
),

gruppe_borger as (
    select
        k.aar,
        coalesce(t.paragraf, 'ukendt tilbud') as paragraf,
        coalesce(t.maalgruppe, 'ukendt tilbud') as maalgruppe,
        k.borger,
        sum(k.beloeb_kr) as bidrag_kr
    from {{ ref('int_posteringer__koeb') }} as k
    left join {{ ref('stg_tilbud__tilbud') }} as t on k.tilbudsnr = t.tilbudsnr
    group by all
),

gruppe_celle as (
    select
        aar,
        paragraf,
        maalgruppe,
        count(*) as borgere,
        max(abs(bidrag_kr)) as stoerste_kr,
        sum(abs(bidrag_kr)) as sum_abs_kr
    from gruppe_borger
    group by all
),

udbud_vist as (
    select
        v.aar,
        v.paragraf,
        v.maalgruppe,
        v.koeb_kr,
        coalesce(c.borgere, 0) as borgere,
        c.stoerste_kr,
        c.sum_abs_kr
    from {{ ref('udbud_efterspoergsel') }} as v
    left join gruppe_celle as c on v.aar = c.aar and v.paragraf = c.paragraf and v.maalgruppe = c.maalgruppe
),

sager as (
    select * from {{ ref('mart_dyre_enkeltsager') }}
),

sager_celle as (
    select
        kommunekode,
        aar,
        count(*) as sager,
        max(abs(helaarsudgift_kr)) as stoerste_kr,
        sum(abs(helaarsudgift_kr)) as sum_abs_kr,
        count(*) filter (where over_graense >= 1) as over_1,
        count(*) filter (where over_graense >= 2) as over_2,
        count(*) filter (where over_graense >= 3) as over_3,
        count(*) filter (where i_top5) as top5
    from sager
    group by all
),

dyre_vist as (
    select
        v.*,
        c.sager,
        c.stoerste_kr,
        c.sum_abs_kr,
        c.over_1,
        c.over_2,
        c.over_3,
        c.top5
    from {{ ref('dyre_enkeltsager_kommune') }} as v
    left join sager_celle as c on v.kommunekode = c.kommunekode and v.aar = c.aar
),

sikrede_raa as (
    select * from {{ ref('mart_sikrede_institutioner') }}
),

sikrede_vist as (
    select
        v.institution,
        v.aar,
        v.afviste_sociale as vist_sociale,
        v.afviste_retlige as vist_retlige,
        v.venteliste_gns as vist_venteliste,
        r.afviste_sociale,
        r.afviste_retlige,
        r.venteliste_gns
    from {{ ref('sikrede_institutioner') }} as v
    inner join sikrede_raa as r on v.institution = r.institution and v.aar = r.aar
),

fejl as (
    -- Purchases per kind: a shown cell of 1–4 citizens or dominated by one.
    select
        'koeb_driftsherretype' as visning,
        kommunekode || ' ' || aar || ' ' || koebstype as celle,
        'vist køb for ' || borgere || ' borgere eller domineret af én' as problem
    from koebstype_vist
    where koeb_kr is not null and borgere > 0 and (borgere < {{ n }} or stoerste_kr * 100 > {{ k }} * sum_abs_kr)
    union all
    -- A hidden kind with citizens, alone in its shown total.
    select
        'koeb_driftsherretype' as visning,
        kommunekode || ' ' || aar as celle,
        'én skjult celle kan regnes ud af koeb_i_alt_kr' as problem
    from koebstype_vist
    group by kommunekode, aar
    having
        count(*) filter (where koeb_kr is null and borgere > 0) = 1
        and count(koeb_i_alt_kr) > 0
    union all
    select
        'koeb_driftsherre' as visning,
        kommunekode || ' ' || aar || ' ' || driftsherre as celle,
        'vist køb for ' || borgere || ' borgere eller domineret af én' as problem
    from driftsherre_vist
    where koeb_kr is not null and (borgere < {{ n }} or stoerste_kr * 100 > {{ k }} * sum_abs_kr)
    union all
    -- A hidden operator alone in its kind, when the kind's amount is shown.
    select
        'koeb_driftsherre' as visning,
        d.kommunekode || ' ' || d.aar || ' ' || d.koebstype as celle,
        'én skjult driftsherre kan regnes ud af koebstypens beløb' as problem
    from driftsherre_vist as d
    inner join koebstype_vist as t on d.kommunekode = t.kommunekode and d.aar = t.aar and d.koebstype = t.koebstype
    where t.koeb_kr is not null
    group by d.kommunekode, d.aar, d.koebstype
    having count(*) filter (where d.koeb_kr is null) = 1
    union all
    -- Expensive cases: each shown group of cases, and each difference of two shown nested groups.
    select
        'dyre_enkeltsager_kommune' as visning,
        kommunekode || ' ' || aar as celle,
        'vist gruppe eller forskel på 1–4 sager, eller beløb domineret af én sag' as problem
    from dyre_vist
    where
        (antal_sager is not null and sager between 1 and {{ n - 1 }})
        or (udgift_sager_kr is not null and stoerste_kr * 100 > {{ k }} * sum_abs_kr)
        or (antal_over_graense_1 is not null and over_1 between 1 and {{ n - 1 }})
        or (udgift_over_graense_1_kr is not null and over_1 between 1 and {{ n - 1 }})
        or (antal_over_graense_2 is not null and over_2 between 1 and {{ n - 1 }})
        or (antal_over_graense_3 is not null and over_3 between 1 and {{ n - 1 }})
        or (
            antal_sager is not null and antal_over_graense_1 is not null
            and sager - over_1 between 1 and {{ n - 1 }}
        )
        or (
            antal_over_graense_1 is not null and antal_over_graense_2 is not null
            and over_1 - over_2 between 1 and {{ n - 1 }}
        )
        or (
            antal_over_graense_2 is not null and antal_over_graense_3 is not null
            and over_2 - over_3 between 1 and {{ n - 1 }}
        )
        or (udgift_top5_kr is not null and top5 between 1 and {{ n - 1 }})
    union all
    -- Supply and demand: a shown purchase of 1–4 citizens or dominated by one, and a lone hidden
    -- group of a year (the year's purchases are the municipalities' shown totals added up).
    select
        'udbud_efterspoergsel' as visning,
        aar || ' ' || paragraf || ' ' || maalgruppe as celle,
        'vist køb for ' || borgere || ' borgere eller domineret af én' as problem
    from udbud_vist
    where koeb_kr is not null and borgere > 0 and (borgere < {{ n }} or stoerste_kr * 100 > {{ k }} * sum_abs_kr)
    union all
    select
        'udbud_efterspoergsel' as visning,
        cast(aar as varchar) as celle,
        'én skjult gruppe kan regnes ud af årets køb' as problem
    from udbud_vist
    group by aar
    having count(*) filter (where koeb_kr is null and borgere > 0) = 1
    union all
    -- Secure institutions: a shown figure of 1–4 persons.
    select
        'sikrede_institutioner' as visning,
        institution || ' ' || aar as celle,
        'vist antal afviste eller venteliste på 1–4' as problem
    from sikrede_vist
    where
        (vist_sociale is not null and afviste_sociale > 0 and afviste_sociale < {{ n }})
        or (vist_retlige is not null and afviste_retlige > 0 and afviste_retlige < {{ n }})
        or (vist_venteliste is not null and venteliste_gns > 0 and venteliste_gns < {{ n }})
    union all
    -- A hidden institution alone in a year whose `I alt` is shown.
    select
        'sikrede_institutioner' as visning,
        cast(aar as varchar) as celle,
        'én skjult institution kan regnes ud af I alt' as problem
    from sikrede_vist
    group by aar
    having
        (
            count(*) filter (where institution <> 'I alt' and vist_sociale is null and afviste_sociale > 0) = 1
            and count(vist_sociale) filter (where institution = 'I alt') = 1
        )
        or (
            count(*) filter (where institution <> 'I alt' and vist_retlige is null and afviste_retlige > 0) = 1
            and count(vist_retlige) filter (where institution = 'I alt') = 1
        )
        or (
            count(*) filter (where institution <> 'I alt' and vist_venteliste is null and venteliste_gns > 0) = 1
            and count(vist_venteliste) filter (where institution = 'I alt') = 1
        )
)

select * from fejl
