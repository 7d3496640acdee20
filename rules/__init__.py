"""The cockpit's business rules that Python computes (the rest are SQL in dbt_project/):
half-up rounding and the allocation of an amount by a key. Shared by the CLI, the report and
the sample data, so each rule has one owner."""
