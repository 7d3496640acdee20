{{ config(alias='datakvalitet') }}
-- The registration flags as BI users see them in the published file (docs/disclosure.md): rule,
-- file, line, kommune, tilbud and period stay, so every flag still points at its registration;
-- for a flag on postings the text and values are left out, since they name a case key or one
-- citizen's amount. The full text is in the build DB and in the municipality's work list
-- (`cockpit worklist`).
select
    flag_id,
    regel,
    regel_navn,
    alvorlighed,
    kilde,
    kildefil,
    kildelinje,
    kommunekode,
    tilbudsnr,
    periode,
    case
        when kilde = 'posteringer'
            then regel_navn || ' (detaljer i kommunens arbejdsliste: cockpit worklist)'
        else beskrivelse
    end as beskrivelse,
    case when kilde <> 'posteringer' then vaerdi end as vaerdi,
    case when kilde <> 'posteringer' then forventet end as forventet,
    * exclude (
        flag_id, regel, regel_navn, alvorlighed, kilde, kildefil, kildelinje, kommunekode, tilbudsnr, periode,
        beskrivelse, vaerdi, forventet
    )
from {{ ref('datakvalitet') }}
