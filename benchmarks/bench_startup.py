"""Start-up: `import vtasks` and `vtasks --help`."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

from _common import row


def bench_startup() -> None:
    print("7. import and --help wall time", flush=True)

    def wall(args: list[str], runs: int = 10) -> float:
        samples = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([sys.executable, *args], check=True, capture_output=True)
            samples.append(time.perf_counter() - start)
        return statistics.median(samples)

    bare = wall(["-c", "pass"])
    httpx_t = wall(["-c", "import httpx"])
    ours = wall(["-c", "import vtasks"])
    helptime = wall(["-m", "vtasks", "--help"])
    row(
        "7",
        "`import vtasks` / `vtasks --help` (wall, incl. interpreter start)",
        f"`import httpx` {httpx_t * 1000:.0f} ms; bare interpreter {bare * 1000:.0f} ms",
        f"{ours * 1000:.0f} ms / {helptime * 1000:.0f} ms",
        "report",
        None,
    )
