# The two commands of the README: `make run` (set up + main job on sample data) and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
LANDING ?= data/landing

.PHONY: run test test-fast lint sample prepare ui clean

# The venv is rebuilt when the pins change. requirements.lock pins every transitive package to
# the versions known to install offline here (dbt-core 1.12 would not).
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e '.[test]'
	touch $@

run: $(VENV)/.installed
	@test -f $(LANDING)/_manifest.json || $(BIN)/cockpit sample --out $(LANDING)
	$(BIN)/cockpit run --landing $(LANDING)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

# Parsing, readers, rules' Python helpers, definitions: no pipeline run (see README, test tiers).
test-fast: $(VENV)/.installed
	$(BIN)/python -m pytest -m "not pipeline" -q

# ruff (lint + format check) on the Python; configured in pyproject.toml. `ruff format .` fixes layout.
lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

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
