"""A landing file is hashed again exactly when its stat says it may have changed
(warehouse/file_digests.py), and a load plans from the right content either way."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from ingest.sources import SOURCES
from ingest.textfile import sha256_file
from warehouse import file_digests as fd
from warehouse.raw_loader import ensure_schema, load_source, plan_load

BELAEGNING = SOURCES["belaegning"]
HEADER = "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"


def _occupancy(landing: Path, name: str, pladser: int) -> Path:
    path = landing / "belaegning" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(HEADER + f"1001;2024-03;{pladser};{pladser};300\n", encoding="utf-8")
    return path


def _digests(con, paths):
    found = fd.file_digests(con, "belaegning", paths)
    con.execute("begin")
    fd.record_digests(con, "belaegning", found)
    con.execute("commit")
    return found


@pytest.fixture
def con():
    con = duckdb.connect()
    ensure_schema(con)
    return con


@pytest.fixture
def settled(monkeypatch):
    """Files count as written long enough before their hashing (a test cannot age a ctime)."""
    monkeypatch.setattr(fd, "RACY_SECONDS", 0)


def test_an_unchanged_file_is_not_read_again_and_a_rewritten_one_is(tmp_path, con, settled):
    a, b = _occupancy(tmp_path, "a.csv", 10), _occupancy(tmp_path, "b.csv", 11)
    first = _digests(con, [a, b])
    assert (first.hashed, first.sha256) == (2, [sha256_file(a), sha256_file(b)])
    assert con.execute("select count(*) from meta.file_digests").fetchone()[0] == 2

    again = _digests(con, [a, b])
    assert (again.hashed, again.record, again.sha256) == (0, None, first.sha256)

    # the same size and mtime put back (`cp -p`, a restore): the ctime moved, so it is read
    mtime = a.stat().st_mtime_ns
    a.write_text(HEADER + "1001;2024-03;12;12;300\n", encoding="utf-8")
    os.utime(a, ns=(mtime, mtime))
    assert a.stat().st_size == b.stat().st_size
    changed = _digests(con, [a, b])
    assert changed.hashed == 1 and changed.sha256 == [sha256_file(a), first.sha256[1]] != first.sha256


def test_a_file_put_in_place_by_rename_is_read_again(tmp_path, con, settled):
    a = _occupancy(tmp_path, "a.csv", 10)
    _digests(con, [a])
    new = _occupancy(tmp_path, "a.new", 13)
    os.utime(new, ns=(a.stat().st_atime_ns, a.stat().st_mtime_ns))
    new.replace(a)
    found = _digests(con, [a])
    assert (found.hashed, found.sha256) == (1, [sha256_file(a)])


def test_a_file_written_just_before_its_hashing_is_hashed_every_time(tmp_path, con):
    a = _occupancy(tmp_path, "a.csv", 10)  # racy: written less than RACY_SECONDS ago
    for _ in range(2):
        found = _digests(con, [a])
        assert (found.hashed, found.record, found.sha256) == (1, None, [sha256_file(a)])
    assert con.execute("select count(*) from meta.file_digests").fetchone()[0] == 0


def test_a_removed_file_leaves_the_digests_and_a_copy_is_its_own_file(tmp_path, con, settled):
    a, b = _occupancy(tmp_path, "a.csv", 10), _occupancy(tmp_path, "b.csv", 11)
    _digests(con, [a, b])
    b.unlink()
    gone = _digests(con, [a])
    assert gone.hashed == 0 and gone.record is not None
    assert con.execute("select path from meta.file_digests").fetchall() == [(str(a),)]
    copy = tmp_path / "belaegning" / "a (1).csv"
    shutil.copy2(a, copy)  # same size and mtime, another inode
    both = _digests(con, [a, copy])
    assert both.hashed == 1 and both.sha256 == [sha256_file(a)] * 2


def test_digests_are_kept_per_source(tmp_path, con, settled):
    a = _occupancy(tmp_path, "a.csv", 10)
    _digests(con, [a])
    other = fd.file_digests(con, "sikrede", [a])
    assert other.hashed == 1  # another source's digests are not this one's


def test_a_load_plans_from_the_kept_digest_and_sees_a_same_size_rewrite(tmp_path, settled):
    """Through the loader: the second load reads no file and hashes none; a rewrite of the same
    size with its mtime put back is loaded, and its value reaches raw."""
    landing = tmp_path / "landing"
    a = _occupancy(landing, "belaegning_2024-03.csv", 10)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        assert load_source(con, BELAEGNING, landing, "run-1").files_loaded == ["belaegning/belaegning_2024-03.csv"]
        plan = plan_load(con, BELAEGNING, landing, None)
        assert (plan.digests.hashed, plan.to_read) == (0, [])
        assert load_source(con, BELAEGNING, landing, "run-2").files_loaded == []

        mtime = a.stat().st_mtime_ns
        _occupancy(landing, "belaegning_2024-03.csv", 12)
        os.utime(a, ns=(mtime, mtime))
        assert load_source(con, BELAEGNING, landing, "run-3").files_loaded == ["belaegning/belaegning_2024-03.csv"]
        assert con.execute("select normerede_pladser from raw.belaegning").fetchall() == [(12,)]
        assert con.execute("select sha256 from meta.loaded_files").fetchall() == [(sha256_file(a),)]
