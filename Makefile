# The two commands of the README: `make run` (set up + main job on sample data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LANDING ?= data/landing

# Python keeps its bytecode (`__pycache__/`, ignored by git) even where the shell sets
# PYTHONDONTWRITEBYTECODE, as this project's machines do: without it every run compiles the
# project again and pytest rewrites the asserts of every test module again (~2,5 s of the
# fast tier's ~28 s, docs/testing.md). An empty value counts as unset for Python.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: run test test-fast test-dbt lint lint-sql sample prepare ui clean

# The venv is rebuilt when the pins change. requirements.lock pins every transitive package to
# the versions known to install offline here (dbt-core 1.12 would not).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test,lint]'
	touch $@

run: $(VENV)/.installed
	@test -f $(LANDING)/_manifest.json || $(BIN)/cockpit sample --out $(LANDING)
	$(BIN)/cockpit run --landing $(LANDING)

# The whole suite on two pytest-xdist workers, a module to a worker, the longest modules handed
# out first (SLOWEST_MODULES in tests/conftest.py; xdist's own order is by number of tests). The
# session's sample refresh is made once, by the first worker that needs it, and shared
# (docs/testing.md). The slowest tests are listed at the end.
test: $(VENV)/.installed
	$(BIN)/python -m pytest -n 2 --dist loadfile --no-loadscope-reorder --durations=20

# Parsing, readers, rules' Python helpers, definitions: no pipeline run (see README, test tiers).
# Two pytest-xdist workers, a module to a worker (its module fixtures are made once), the longest
# modules first (SLOWEST_MODULES); the property tests and the fuzzing run a quarter of their
# examples (Hypothesis profile `fast`, tests/conftest.py).
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not pipeline" -q -n 2 --dist loadfile --no-loadscope-reorder --hypothesis-profile=fast

# ruff (lint + format check) on the Python; configured in pyproject.toml. `ruff format .` fixes layout.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# dbt's tier, no pipeline run and no landing files: every model, seed and data test built on
# empty relations in a scratch DB (the SQL compiles and binds, contracts hold), then every dbt
# unit test. The raw tables are created empty by the loader, which owns their columns.
DBT_SCRATCH := data/test-dbt
DBT_SCRATCH_ENV := COCKPIT_BUILD_DB=$(CURDIR)/$(DBT_SCRATCH)/scratch.duckdb \
	COCKPIT_DUCKDB_TEMP_DIR=$(CURDIR)/$(DBT_SCRATCH)/scratch.duckdb.tmp
DBT_ARGS := --profiles-dir . --target-path target/test-dbt
test-dbt: $(VENV)/.installed
	rm -rf $(DBT_SCRATCH) && mkdir -p $(DBT_SCRATCH)
	$(DBT_SCRATCH_ENV) $(BIN)/python -c "import os, duckdb; from warehouse.raw_loader import ensure_raw_tables; \
	con = duckdb.connect(os.environ['COCKPIT_BUILD_DB']); ensure_raw_tables(con); con.close()"
	cd dbt_project && $(DBT_SCRATCH_ENV) ../$(BIN)/dbt build --empty --exclude-resource-type unit_test $(DBT_ARGS) --quiet
	cd dbt_project && $(DBT_SCRATCH_ENV) ../$(BIN)/dbt test --select test_type:unit $(DBT_ARGS)

# The dbt project's SQL as dbt renders it, in DuckDB's dialect (.sqlfluff says which rules and
# why). An in-memory DB with its own temp dir: the templater compiles with dbt, which must not
# wait for the build DB's lock. One process per core. `.venv/bin/sqlfluff fix <file>` rewrites
# what it can.
lint-sql: $(VENV)/.installed
	COCKPIT_BUILD_DB=:memory: COCKPIT_DUCKDB_TEMP_DIR=$(CURDIR)/data/lint-sql.tmp $(BIN)/sqlfluff lint --processes 0 dbt_project/models dbt_project/tests

prepare: $(VENV)/.installed
	$(BIN)/cockpit prepare

sample: $(VENV)/.installed
	$(BIN)/cockpit sample --out $(LANDING)

# The definitions are made from the dbt manifest and never run dbt themselves: prepare it first
# (dbt parse only when the dbt project changed). After editing a model while the UI runs:
# `.venv/bin/cockpit prepare`, then "Reload definitions" in the UI.
ui: $(VENV)/.installed
	$(BIN)/cockpit prepare
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data reports dbt_project/target dbt_project/logs
