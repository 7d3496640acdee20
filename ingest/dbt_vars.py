"""The dbt project's vars (dbt_project.yml `vars:`), read without dbt.

A threshold that dbt applies and Python shows (the disclosure limit the report writes as
"< 5") has one owner, its var; Python reads it here. Low in the layers on purpose: the report's
formatting (ingest/danish_format.py) needs it, and it imports nothing of the warehouse.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DBT_PROJECT_FILE = Path(__file__).resolve().parents[1] / "dbt_project" / "dbt_project.yml"


@cache
def dbt_var(name: str, project_file: Path = DBT_PROJECT_FILE) -> Any:
    """The value of var `name` in `project_file`'s `vars:` as YAML reads it (an int for
    `disclosure_min_count: 5`). Read once per file and name. Raises KeyError naming the var and
    the file when the project has no such var, FileNotFoundError without the file."""
    values = yaml.safe_load(project_file.read_text(encoding="utf-8")).get("vars") or {}
    if name not in values:
        raise KeyError(f"dbt var {name!r} is not in {project_file}")
    return values[name]
