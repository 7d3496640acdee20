{{ config(alias='datakvalitet_historik') }}
-- cockpit.datakvalitet_historik as BI users see it in the published file: macros/publicering_flag.sql.
{{ publicering_flag(ref('datakvalitet_historik')) }}
