"""Benchmark (not a test): peak memory of reading a landing file with one huge line.

    .venv/bin/python bench/huge_line.py [--mib 2048]

Writes, in a temporary landing dir, `belaegning/en_linje.csv`: N MiB of text without a line
break (a log or a dump saved as .csv), and `belaegning/normal.csv`: a good 12-month file. Each
is read by `ingest.sources.read_file` in a fresh Python process (the path a run and `cockpit
check` take), which prints its peak RSS (`ru_maxrss`), the time and the outcome. The good file
is the reference of the same run: what importing the readers and reading a small file costs.
The huge file must be refused with one line, at about the reference's memory, whatever N is.
`--lines-mib M` adds a file of M MiB of ordinary lines, to state what a big file costs (a file
is read whole; above COCKPIT_MAX_FILE_MIB it is refused). Its rows repeat keys: it measures
memory, not a valid occupancy file.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import resource, sys, time
from pathlib import Path
from ingest.errors import ContractError
from ingest.sources import BELAEGNING, read_file
path, landing = Path(sys.argv[1]), Path(sys.argv[2])
t0 = time.perf_counter()
try:
    outcome = f"{read_file(BELAEGNING, path, landing, 'bench').rows.height} rækker"
except ContractError as exc:
    outcome = f"afvist: {exc}"
print(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}\\t{time.perf_counter() - t0:.2f}\\t{outcome}")
"""


def measure(path: Path, landing: Path) -> tuple[float, float, str]:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(landing)], capture_output=True, text=True, check=True
    ).stdout.strip()
    rss, seconds, outcome = out.split("\t", 2)
    return float(rss), float(seconds), outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mib", type=int, default=2048, help="size of the one-line file in MiB")
    parser.add_argument("--lines-mib", type=int, default=0, help="also a file of ordinary lines this large")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        landing = Path(tmp)
        folder = landing / "belaegning"
        folder.mkdir()
        normal = folder / "normal.csv"
        normal.write_text(
            "Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n"
            + "".join(f"1001;2024-{m:02d};10;10;300\n" for m in range(1, 13)),
            encoding="utf-8",
        )
        huge = folder / "en_linje.csv"
        t0 = time.perf_counter()
        block = b"x" * (64 << 20)
        with open(huge, "wb") as fh:
            for _ in range(max(args.mib // 64, 1)):  # a loop over 64 MiB blocks
                fh.write(block)
        print(f"skrev {huge.stat().st_size / 2**20:.0f} MiB på én linje på {time.perf_counter() - t0:.1f}s")
        cases = [("reference: 12 måneder", normal), (f"én linje på {args.mib} MiB", huge)]
        if args.lines_mib:
            lines = folder / "mange_linjer.csv"
            row = "".join(f"{1001 + i};2024-{m:02d};10;10;300\n" for i in range(100) for m in range(1, 13)).encode()
            with open(lines, "wb") as fh:
                fh.write("Tilbudsnr;Måned;Normerede pladser;Pladser i drift;Belagte døgn\n".encode())
                for _ in range((args.lines_mib << 20) // len(row)):  # a loop over blocks of lines
                    fh.write(row)
            cases.append((f"almindelige linjer, {args.lines_mib} MiB", lines))
        for name, path in cases:
            rss, seconds, outcome = measure(path, landing)
            print(f"{name:<28} top-RSS {rss:>7.0f} MiB  {seconds:>6.2f}s  {outcome}")


if __name__ == "__main__":
    main()
