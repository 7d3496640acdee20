-- The 98 municipalities with their region; `nordjysk_socialaftale` marks the cockpit's 11.
select
    cast(k.kommunekode as varchar) as kommunekode,
    cast(k.kommunenavn as varchar) as kommunenavn,
    cast(k.regionskode as varchar) as regionskode,
    cast(k.regionsnavn as varchar) as regionsnavn,
    cast(k.nordjysk_socialaftale as boolean) as nordjysk_socialaftale
from {{ ref('kommuner') }} as k
