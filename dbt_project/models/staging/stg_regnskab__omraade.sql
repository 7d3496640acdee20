-- REGK31's comparison areas: Hele landet (000) and the regions (081–085) as DST reports them
-- (seed regioner); the municipalities are in stg_regnskab__konti.
{{ statbank_staging('regnskab', areas='regioner') }}
