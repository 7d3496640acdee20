"""Registration flags as a Dagster asset check on `cockpit.datakvalitet` (the dbt model).

The flags themselves are SQL (dbt_project/models/quality, one model per rule R01-R17); this
check only reads the result so the UI shows, per run, how many flags each rule raised and the
first ones to look at. It is NON-blocking: flags are the data stewards' work list and never stop
publishing (contracts/data-quality-rules.md). It fails (severity WARN) while any flag of
severity `fejl` exists; Dagster's run log then says only "did not pass", so the check logs a line
of its own saying it is a warning that does not block, and its metadata says so too
(`blocks_publishing`).
"""

from __future__ import annotations

from dagster import AssetCheckResult, AssetCheckSeverity, AssetKey, MetadataValue, asset_check, get_dagster_logger

from orchestration.resources import BuildDb
from warehouse.flags import SEVERITY_ORDER

DATAKVALITET_KEY = AssetKey(["cockpit", "datakvalitet"])
RULES = [f"R{i:02d}" for i in range(1, 18)]
SEVERITIES = ("fejl", "advarsel", "info")
FIRST_N = 20

_ORDER = f"{SEVERITY_ORDER}, regel, kildefil, kildelinje, periode"


@asset_check(
    asset=DATAKVALITET_KEY,
    name="registreringsflag",
    blocking=False,
    pool="duckdb",
    description=(
        "WARNING ONLY, never blocks publishing: counts the registration flags (R01-R17) per rule and "
        "severity, and does not pass (severity WARN) while there are flags of severity 'fejl' — the "
        "data stewards' work list, not an error in the build."
    ),
)
def registreringsflag(build_db: BuildDb) -> AssetCheckResult:
    with build_db.connect(read_only=True) as con:
        counts = con.execute(
            "select regel, alvorlighed, count(*) from cockpit.datakvalitet where status <> 'accepteret' "
            "group by all order by all"
        ).fetchall()
        first = con.execute(
            "select alvorlighed, regel, kildefil, kildelinje, periode, beskrivelse "
            f"from cockpit.datakvalitet where status <> 'accepteret' order by {_ORDER} limit {FIRST_N}"
        ).fetchall()
    result = flag_check_result(counts, first)
    # Dagster's own line for it says only "did not pass"; this one says what that means here.
    get_dagster_logger().info(result.metadata["verdict"].value)
    return result


def flag_check_result(counts: list[tuple[str, str, int]], first: list[tuple]) -> AssetCheckResult:
    """The check's result from (regel, alvorlighed, count) rows and the first flags. Metadata
    (English keys, as every metadata key): summary, verdict (one Danish line: a warning that does
    not block publishing, or no flags of severity fejl), blocks_publishing (always False),
    flags_total, severity/<fejl|advarsel|info>, rule/<R01…R17> (counts) and first_20 (a Markdown
    table of the most severe flags)."""
    per_rule = {rule: 0 for rule in RULES}
    per_severity = {severity: 0 for severity in SEVERITIES}
    for rule, severity, n in counts:
        per_rule[rule] = per_rule.get(rule, 0) + int(n)
        per_severity[severity] = per_severity.get(severity, 0) + int(n)
    total = sum(per_severity.values())
    summary = (
        f"{total} flag: {per_severity['fejl']} fejl, {per_severity['advarsel']} advarsler, {per_severity['info']} info"
    )
    verdict = (
        f"registreringsflag: advarsel, blokerer ikke publiceringen — {per_severity['fejl']} flag af "
        "alvorlighed fejl står på dataansvarliges arbejdsliste (cockpit.datakvalitet)"
        if per_severity["fejl"]
        else "registreringsflag: ingen flag af alvorlighed fejl"
    )
    metadata = {
        "summary": summary,
        "verdict": verdict,
        "blocks_publishing": False,
        "flags_total": total,
        **{f"severity/{severity}": n for severity, n in per_severity.items()},
        **{f"rule/{rule}": n for rule, n in per_rule.items()},
        "first_20": MetadataValue.md(_markdown(first)),
    }
    return AssetCheckResult(
        passed=per_severity["fejl"] == 0,
        severity=AssetCheckSeverity.WARN,
        metadata=metadata,
    )


def _cell(value) -> str:
    return "" if value is None else str(value).replace("|", "\\|").replace("\n", " ")


def _markdown(rows: list[tuple]) -> str:
    if not rows:
        return "Ingen flag."
    lines = [
        "| alvorlighed | regel | kildefil | linje | periode | beskrivelse |",
        "|---|---|---|---:|---|---|",
    ]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


QUALITY_CHECKS = [registreringsflag]
