-- Population cells at municipality level. Ingest fills eliminated variables with their total
-- and derives missing totals from complete breakdowns (ingest/statbank_file.py), so every cell
-- the file allows is here; `afledt` says which rows are such sums.
-- Municipalities only; the comparison areas (000, 081–085) are in stg_befolkning__omraade.
{{ statbank_staging('befolkning', areas='kommuner', area_column='kommunekode') }}
