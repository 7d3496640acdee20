{{ config(alias='afviste_raekker') }}
-- The rejected values as BI users see them in the published file (docs/disclosure.md): file,
-- line, column and reason stay; the raw value of a posting is left out (it may be a case key,
-- free text or one citizen's amount). The build DB and the municipality's work list keep it.
select
    kilde,
    kildefil,
    kildelinje,
    kolonne,
    case when kilde <> 'posteringer' then raavaerdi end as raavaerdi,
    aarsag,
    load_id
from {{ ref('afviste_raekker') }}
