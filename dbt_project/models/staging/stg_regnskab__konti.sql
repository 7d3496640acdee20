-- REGK31 at municipality level. Ingest keeps municipalities and the comparison areas
-- (ingest/statbank.py, KEPT_LEVELS); the areas (Hele landet, regions) are in
-- stg_regnskab__omraade and never counted as municipalities here.
{{ statbank_staging('regnskab', areas='kommuner') }}
