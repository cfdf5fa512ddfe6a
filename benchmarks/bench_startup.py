"""Start-up: `import vtasks` and `vtasks --help`, each in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import time

from _common import Spread, row


def wall(args: list[str], runs: int = 10, env: dict[str, str] | None = None) -> Spread:
    """Wall seconds of ``python *args`` in a fresh interpreter, over ``runs`` runs."""
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, *args], check=True, capture_output=True, env=env or dict(os.environ)
        )
        samples.append(time.perf_counter() - start)
    return Spread.of(samples)


def bench_startup() -> None:
    """Row 7: what starting vtasks costs, beside the interpreter alone and httpx."""
    print("7. import and --help wall time", flush=True)
    bare = wall(["-c", "pass"])
    httpx_t = wall(["-c", "import httpx"])
    ours = wall(["-c", "import vtasks"])
    helptime = wall(["-m", "vtasks", "--help"])
    row(
        "7",
        "`import vtasks` / `vtasks --help` (wall, incl. interpreter start; 10 runs)",
        f"`import httpx` {httpx_t.scaled(1000).fmt('.0f', ' ms')}; "
        f"bare interpreter {bare.scaled(1000).fmt('.0f', ' ms')}",
        f"{ours.scaled(1000).fmt('.0f', ' ms')} / {helptime.scaled(1000).fmt('.0f', ' ms')}",
        "report",
        None,
    )
