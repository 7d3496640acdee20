"""Fuzzing the readers with damaged files: every sample file, mutated at the byte level a few
hundred times with a fixed seed (truncation, inserted and replaced bytes, deleted separators,
duplicated lines, a part re-encoded). Whatever comes in, a file either loads or is refused with a
one-line contract error naming it — never another exception — and nothing disappears: every
non-empty line after the header is a loaded row, a rejected line, a dropped out-of-scope row, or
the continuation of a quoted field that spans lines."""

import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from conftest import examples

from ingest.errors import ContractError
from ingest.sources import SOURCES, read_file
from ingest.textfile import read_csv_text, to_utf8

ROUNDS = examples(300)  # the first 75 of the same rounds under `make test-fast`
SEED = 20241125


def _mutate(data: bytes, rng: random.Random) -> bytes:
    kind = rng.choice(["truncate", "insert", "replace", "delete_separators", "duplicate_line", "reencode", "delete"])
    at = rng.randrange(max(len(data), 1))
    if kind == "truncate":
        return data[:at]
    if kind == "insert":
        junk = rng.choice([b'"', b";", b"\n", b"\r\n", b"\xff", b"\xc3", b'";"', b"\x00", b"010190-0000", b"  "])
        return data[:at] + junk * rng.randint(1, 3) + data[at:]
    if kind == "replace":
        return data[:at] + bytes([rng.randrange(256)]) + data[at + 1 :]
    if kind == "delete_separators":
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        lines[i] = lines[i].replace(b";", b"", rng.randint(1, 3))
        return b"\n".join(lines)
    if kind == "duplicate_line":
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        return b"\n".join(lines[:i] + [lines[i]] * rng.randint(2, 4) + lines[i + 1 :])
    if kind == "reencode":  # a stretch of the file saved in the other encoding
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
        cut = rng.randrange(max(len(text), 1))
        return text[:cut].encode("utf-8") + text[cut:].encode("cp1252", errors="replace")
    return data[:at] + data[at + rng.randint(1, 50) :]


def _sample_files(landing: Path) -> list[tuple[str, Path]]:
    """One small file of every source (and every kind of file in a shared folder)."""
    picked = []
    for source in SOURCES.values():
        files = sorted(source.files(landing), key=lambda p: p.stat().st_size)
        if files:
            picked.append((source.name, files[0]))
    return picked


def _accounted(source, parsed, data: bytes, header_line: int) -> tuple[int, int]:
    """(lines the parse accounts for, non-empty lines after the header in the file)."""
    # Lines end in LF or CRLF (the contract); str.splitlines would also split at \x0b, \x85, …
    lines = [line.removesuffix("\r") for line in to_utf8(data, "f").decode("utf-8").split("\n")]
    body = [line for line in lines[header_line:] if line.strip(" \t;")]
    loaded = set(parsed.rows["_source_line"].to_list())
    rejected = set(parsed.rejected["kildelinje"].to_list()) - loaded
    texts = [c for c, t in parsed.rows.schema.items() if t == pl.String]
    newlines = [pl.col(c).fill_null("").str.count_matches("\n") for c in texts]
    continuation = parsed.rows.select(pl.sum_horizontal(newlines)).to_series().sum() if texts else 0
    return len(loaded) + len(rejected) + parsed.dropped + continuation, len(body)


def test_mutated_files_load_or_are_refused_in_one_line_and_nothing_is_lost(sample_landing, tmp_path):
    rng = random.Random(SEED)
    files = _sample_files(sample_landing[0])
    outcomes = {"loaded": 0, "refused": 0}
    for round_ in range(ROUNDS):
        source_name, original = files[round_ % len(files)]
        source = SOURCES[source_name]
        data = original.read_bytes()
        for _ in range(rng.randint(1, 3)):
            data = _mutate(data, rng)
        path = tmp_path / source.landing_folder / f"m{round_}{original.suffix}"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
        try:
            parsed = read_file(source, path, tmp_path, "fuzz")
        except ContractError as err:
            message = str(err)
            assert "\n" not in message and message.startswith(f"{source.landing_folder}/m{round_}"), message
            outcomes["refused"] += 1
            continue
        outcomes["loaded"] += 1
        if original.suffix == ".csv":
            # the reader's own header line: 3 in the health-check extract, after a `sep=` line +1
            header_line = (source.reader()(path, "f") if source.cube is None else read_csv_text(path, "f")).header_line
            got, expected = _accounted(source, parsed, data, header_line)
            assert got == expected, (round_, source_name, got, expected)
    # The mutations must exercise both outcomes, or the test proves nothing.
    assert outcomes["loaded"] > ROUNDS // 4 and outcomes["refused"] > ROUNDS // 20, outcomes


@pytest.mark.pipeline  # the CLI in a subprocess
def test_cockpit_check_on_damaged_files_exits_0_or_1_without_traceback(sample_landing, tmp_path):
    rng = random.Random(SEED + 1)
    for i, (source_name, original) in enumerate(_sample_files(sample_landing[0]) * 3):
        folder = tmp_path / SOURCES[source_name].landing_folder
        folder.mkdir(exist_ok=True)
        (folder / f"d{i}{original.suffix}").write_bytes(_mutate(_mutate(original.read_bytes(), rng), rng))
    result = subprocess.run(
        [sys.executable, "-m", "cli.main", "check", str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert result.returncode in (0, 1)
    assert "Traceback" not in result.stdout + result.stderr
    reports = [line for line in result.stdout.splitlines() if not line.startswith("    ")]
    assert len(reports) == len(list(tmp_path.rglob("d*"))) and all(": OK " in r or ": FEJL " in r for r in reports)
