"""How a process ends without Python's teardown (expectations/worker.py `end_now`, the `cockpit`
command's `entry`): the exit status is the command's, what was printed reaches its reader, a
reader gone is no error, and a write that fails at the end is said and fails the process, as
Python's own end would."""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from warehouse.paths import PROJECT_ROOT

# 4 000 characters stay in stdout's 8 KiB buffer until the end flushes them
PRINT_THEN_END = """
import sys, time
from expectations.worker import end_now
print("x" * 4000)
time.sleep(float(sys.argv[1]))
end_now(int(sys.argv[2]))
"""


def _env() -> dict[str, str]:
    # stdout block-buffered, as from a user's shell: the end must flush it
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def test_what_was_printed_reaches_the_reader_with_the_given_status():
    done = subprocess.run(
        [sys.executable, "-c", PRINT_THEN_END, "0", "3"], capture_output=True, text=True, cwd=PROJECT_ROOT, env=_env()
    )
    assert (done.returncode, done.stdout, done.stderr) == (3, "x" * 4000 + "\n", "")


def test_a_reader_gone_before_the_end_is_no_error():
    child = subprocess.Popen(
        [sys.executable, "-c", PRINT_THEN_END, "1.0", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=PROJECT_ROOT,
        env=_env(),
    )
    child.stdout.close()  # `cockpit flags | head -1` after head has had its line
    _, err = child.communicate(timeout=60)
    assert (child.returncode, err) == (0, b"")


def test_a_write_that_fails_at_the_end_is_said_and_fails_the_process(tmp_path):
    out = tmp_path / "out.txt"

    def small_files() -> None:  # a full disk, a quota: here a 1 KiB file size limit
        resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))

    with out.open("wb") as stdout:
        done = subprocess.run(
            [sys.executable, "-c", PRINT_THEN_END, "0", "0"],
            stdout=stdout,
            stderr=subprocess.PIPE,
            text=True,
            cwd=PROJECT_ROOT,
            env=_env(),
            preexec_fn=small_files,
        )
    assert done.returncode == 120
    assert "fejl: output kunne ikke skrives færdig" in done.stderr
    assert out.stat().st_size == 1024


def test_cockpit_s_status_is_its_command_s():
    done = subprocess.run(
        [sys.executable, "-m", "cli.main", "run", "--landing", "/findes/ikke"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        env=_env(),
    )
    assert done.returncode == 2
    assert "landing-mappen /findes/ikke findes ikke" in done.stderr
