{{ config(alias='datakvalitet') }}
-- cockpit.datakvalitet as BI users see it in the published file: macros/publicering_flag.sql.
{{ publicering_flag(ref('datakvalitet')) }}
