-- Population cells of the comparison areas: Hele landet (000) and the regions (081–085) as DST
-- reports them (seed regioner); the municipalities are in stg_befolkning__folketal. Eliminated
-- variables and missing totals are filled on load as there (ingest/statbank_file.py).
{{ statbank_staging('befolkning', areas='regioner') }}
