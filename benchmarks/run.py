"""vtasks benchmarks (`nox -s bench`): every figure against a baseline measured in the same run.

The simulator runs in a separate process (benchmarks/_remote.py), so the CPU time measured here
(`time.process_time`) is the client's alone. Ratios compare CPU time where the server shares the
machine, wall time only for latency-bound figures. The table is printed and written to
docs/benchmarks.md; the script exits non-zero if a target is missed, naming it.

Usage: python benchmarks/run.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import (
    MISSED,
    ROWS,
)
from _remote import RemoteSimulator
from bench_listing import bench_list_latency, bench_memory
from bench_polling import bench_wait_many
from bench_reading import bench_ark_vs_sdk, bench_get, bench_normalize, bench_sentinel
from bench_startup import bench_startup

import vtasks

ROOT = Path(__file__).resolve().parent.parent


def write_markdown() -> None:
    header = [
        "# Benchmarks",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `nox -s bench` (benchmarks/run.py) on "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {platform.platform()}.",
        "The simulator runs in a separate process; ratios are of client CPU time unless a row says wall time.",
        "",
        "| # | what | compared with | result | target | |",
        "|---|---|---|---|---|---|",
    ]
    lines = [
        f"| {r['#']} | {r['what']} | {r['compared with']} | {r['result']} | {r['target']} | {r['']} |"
        for r in ROWS
    ]
    (ROOT / "docs").mkdir(exist_ok=True)
    (ROOT / "docs" / "benchmarks.md").write_text("\n".join(header + lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer calls (a smoke run)")
    parser.add_argument("--only", nargs="*", help="run only these benchmark numbers")
    args = parser.parse_args()
    calls = 1000 if args.quick else 5000
    print(
        f"vtasks {vtasks.__version__} benchmarks: {os.cpu_count()} cores, Python {platform.python_version()}"
    )
    only = set(args.only or "12345678")
    # Real-time clock: lifecycles in #5 run on the wall clock.
    with RemoteSimulator(speed=1.0) as sim:
        if "1" in only:
            bench_get(sim, calls)
        if "2" in only:
            bench_ark_vs_sdk(sim, calls)
        if "3" in only:
            bench_list_latency(sim)
        if "4" in only:
            bench_memory(sim)
        if "5" in only:
            bench_wait_many(sim)
        if "6" in only:
            bench_normalize(sim)
        if "8" in only:
            bench_sentinel(sim, calls)
    if "7" in only:
        bench_startup()
    write_markdown()
    print()
    print("| # | what | compared with | result | target | |")
    for r in ROWS:
        print(
            f"| {r['#']} | {r['what']} | {r['compared with']} | {r['result']} | {r['target']} | {r['']} |"
        )
    if MISSED:
        print("\nMISSED targets:", *MISSED, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
