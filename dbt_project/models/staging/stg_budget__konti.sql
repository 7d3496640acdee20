-- BUDK32 budgets by function: municipalities and the comparison areas (ingest/statbank.py,
-- KEPT_LEVELS), one row per area × function × dranst × art × price unit × budget year.
{{ statbank_staging('budget', afledt=false) }}
