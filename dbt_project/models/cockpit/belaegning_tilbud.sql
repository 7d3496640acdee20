-- The mart, and whether the tilbud lies in one of the 11 municipalities (the report's scope).
select
    b.*,
    cast(k.nordjysk_socialaftale as boolean) as nordjysk_socialaftale
from {{ ref('mart_belaegning_tilbud') }} as b
left join {{ ref('dim_tilbud') }} as t on b.tilbudsnr = t.tilbudsnr
left join {{ ref('dim_kommune') }} as k on t.beliggenhedskommune = k.kommunekode
