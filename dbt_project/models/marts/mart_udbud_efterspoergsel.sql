-- Supply and demand per year × paragraph × target group, side by side: places (register and
-- occupancy reports), occupancy, refusals and waiting lists (recorded for secure institutions
-- only, matched to the register by name), and what the municipalities bought (postings).
-- Purchases of a Tilbudsnr missing from the register form their own row, `ukendt tilbud`.
with tilbud as (
    select * from {{ ref('stg_tilbud__tilbud') }}
),

belaegning as (
    select * from {{ ref('mart_belaegning_tilbud') }}
),

sikrede as (
    select * from {{ ref('mart_sikrede_institutioner') }}
    where institution <> 'I alt'
),

koeb as (
    select
        tilbudsnr,
        aar,
        sum(beloeb_kr) as koeb_kr,
        coalesce(sum(antal_doegn), 0) as koebte_doegn
    from {{ ref('int_posteringer__koeb') }}
    group by all
),

aar as (
    select aar from belaegning
    union
    select aar from sikrede
    union
    select aar from koeb
),

tilbud_aar as (
    select
        a.aar,
        t.tilbudsnr,
        t.paragraf,
        t.maalgruppe,
        (
            t.godkendt_fra <= make_date(a.aar, 12, 31)
            and (t.godkendt_til is null or t.godkendt_til >= make_date(a.aar, 1, 1))
        ) as godkendt,
        t.normerede_pladser,
        coalesce(b.normerede_doegn, s.normerede_doegn) as normerede_doegn,
        coalesce(b.doegn_i_drift, s.doegn_i_drift) as doegn_i_drift,
        coalesce(b.belagte_doegn, s.belagte_doegn_sociale + s.belagte_doegn_retlige) as belagte_doegn,
        s.afviste_sociale + s.afviste_retlige as afviste,
        s.venteliste_gns,
        k.koeb_kr,
        k.koebte_doegn
    from tilbud as t
    cross join aar as a
    left join belaegning as b on t.tilbudsnr = b.tilbudsnr and a.aar = b.aar
    left join sikrede as s on t.tilbudsnavn = s.institution and a.aar = s.aar
    left join koeb as k on t.tilbudsnr = k.tilbudsnr and a.aar = k.aar
),

ukendt as (
    select
        k.aar,
        k.tilbudsnr,
        'ukendt tilbud' as paragraf,
        'ukendt tilbud' as maalgruppe,
        false as godkendt,
        null as normerede_pladser,
        null as normerede_doegn,
        null as doegn_i_drift,
        null as belagte_doegn,
        null as afviste,
        null as venteliste_gns,
        k.koeb_kr,
        k.koebte_doegn
    from koeb as k
    left join tilbud as t on k.tilbudsnr = t.tilbudsnr
    where t.tilbudsnr is null
),

gruppe as (
    select
        aar,
        paragraf,
        maalgruppe,
        count(*) filter (where godkendt) as antal_tilbud,
        coalesce(sum(normerede_pladser) filter (where godkendt), 0) as pladser_tilbudsportalen,
        sum(normerede_doegn) as normerede_doegn,
        sum(doegn_i_drift) as doegn_i_drift,
        sum(belagte_doegn) as belagte_doegn,
        sum(afviste) as afviste,
        sum(venteliste_gns) as venteliste_gns,
        coalesce(sum(koebte_doegn), 0) as koebte_doegn,
        coalesce(sum(koeb_kr), 0) as koeb_kr
    from (
        select * from tilbud_aar
        union all
        select * from ukendt
    ) as tilbud_og_ukendt
    group by all
    having count(*) filter (where godkendt) > 0 or sum(normerede_doegn) is not null or sum(koeb_kr) is not null
)

select
    cast(aar as integer) as aar,
    cast(paragraf as varchar) as paragraf,
    cast(maalgruppe as varchar) as maalgruppe,
    cast(antal_tilbud as integer) as antal_tilbud,
    cast(pladser_tilbudsportalen as integer) as pladser_tilbudsportalen,
    cast(normerede_doegn as bigint) as normerede_doegn,
    cast(doegn_i_drift as bigint) as doegn_i_drift,
    cast(belagte_doegn as bigint) as belagte_doegn,
    cast({{ div_half_up('100 * belagte_doegn', 'normerede_doegn', 2) }} as decimal(9, 2)) as belaegning_normeret_pct,
    cast({{ div_half_up('100 * belagte_doegn', 'doegn_i_drift', 2) }} as decimal(9, 2)) as belaegning_faktisk_pct,
    cast({{ div_half_up('belagte_doegn', 'make_date(aar + 1, 1, 1) - make_date(aar, 1, 1)', 2) }} as decimal(9, 2))
        as gns_belagte_pladser,
    cast(afviste as bigint) as afviste,
    cast(venteliste_gns as decimal(9, 2)) as venteliste_gns,
    cast(koebte_doegn as bigint) as koebte_doegn,
    cast(koeb_kr as decimal(18, 2)) as koeb_kr
from gruppe
