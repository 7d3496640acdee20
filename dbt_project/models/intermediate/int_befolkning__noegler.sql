-- Population keys at 1 January of each year per municipality (macros/population_keys.sql: an
-- age key is NULL unless every single year of its range is in the data).
{{ population_keys(ref('stg_befolkning__folketal')) }}
