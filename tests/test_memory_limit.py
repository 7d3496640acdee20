"""DuckDB's memory limit and temp directory come from the settings (issue 15, part 4): every
connection the pipeline opens on the build DB and dbt's profile use them, and a run that hits
the limit stops with one line naming the setting while the published file stays as it was."""

import json
import shutil

import pytest
from conftest import sha256_file, warehouse_settings

from orchestration.dbt_resources import dbt_resource
from orchestration.runner import run_pipeline
from warehouse.settings import DEFAULT_MEMORY_LIMIT, Settings


def test_defaults_and_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("COCKPIT_DUCKDB_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("COCKPIT_DUCKDB_TEMP_DIR", raising=False)
    monkeypatch.setenv("COCKPIT_BUILD_DB", str(tmp_path / "b.duckdb"))
    settings = Settings.from_env()
    assert settings.duckdb_memory_limit == DEFAULT_MEMORY_LIMIT == "4GB"
    assert settings.temp_dir == tmp_path / "b.duckdb.tmp"  # beside the build DB, as DuckDB's own default
    monkeypatch.setenv("COCKPIT_DUCKDB_MEMORY_LIMIT", "1GB")
    monkeypatch.setenv("COCKPIT_DUCKDB_TEMP_DIR", str(tmp_path / "spill"))
    settings = Settings.from_env()
    assert settings.duckdb_config() == {"memory_limit": "1GB", "temp_directory": str(tmp_path / "spill")}


@pytest.mark.pipeline  # runs dbt
def test_build_connections_and_dbt_profile_use_the_limits(tmp_path):
    settings = warehouse_settings(tmp_path, tmp_path / "landing")
    settings = Settings(**{**settings.__dict__, "duckdb_memory_limit": "1GB", "duckdb_temp_dir": tmp_path / "spill"})
    with settings.connect_build() as con:
        limit, temp = con.execute(
            "select current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchone()
    assert limit == "953.6 MiB" and temp == str(tmp_path / "spill")  # 1 GB = 10^9 bytes, shown in MiB

    settings.export_env()
    shown = dbt_resource().cli(
        [
            "show",
            "--inline",
            "select current_setting('memory_limit') as m, current_setting('temp_directory') as t",
            "--output",
            "json",
        ],
        target_path=tmp_path / "target",
        raise_on_error=True,
    )
    assert shown.adapter is None  # no dbt adapter in this process (dbt_resources.CockpitDbtCliResource)
    rows = [e for e in shown.stream_raw_events() if e.raw_event.get("data", {}).get("preview")]
    preview = json.loads(rows[-1].raw_event["data"]["preview"])
    assert preview == [{"m": "953.6 MiB", "t": str(tmp_path / "spill")}]


def test_a_run_hitting_the_memory_limit_fails_in_one_line_and_publishes_nothing(published_sample, tmp_path):
    source = published_sample[0]
    target = warehouse_settings(tmp_path, source.landing_dir)
    target = Settings(**{**target.__dict__, "duckdb_memory_limit": "8MB"})
    shutil.copyfile(source.published_db, target.published_db)  # yesterday's cockpit; a fresh build DB
    before = sha256_file(target.published_db)

    outcome = run_pipeline(target)

    assert not outcome.published
    assert "\n" not in outcome.reason
    assert outcome.reason.startswith("DuckDB nåede sin hukommelsesgrænse (COCKPIT_DUCKDB_MEMORY_LIMIT=8MB;")
    assert "Out of Memory Error" in outcome.reason
    assert outcome.reason.endswith(f"— {target.published_db} er uændret")
    assert sha256_file(target.published_db) == before
