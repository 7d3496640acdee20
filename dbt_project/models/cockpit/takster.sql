-- The mart, and whether the tilbud lies in one of the 11 municipalities (the report's scope).
select
    m.*,
    cast(k.nordjysk_socialaftale as boolean) as nordjysk_socialaftale
from {{ ref('mart_takster') }} as m
left join {{ ref('dim_tilbud') }} as t on m.tilbudsnr = t.tilbudsnr
left join {{ ref('dim_kommune') }} as k on t.beliggenhedskommune = k.kommunekode
