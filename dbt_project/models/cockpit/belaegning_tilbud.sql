-- The mart, and whether the tilbud lies in one of the 11 municipalities (the report's scope).
{{ with_nordjysk_socialaftale(ref('mart_belaegning_tilbud')) }}
