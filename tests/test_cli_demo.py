"""``vtasks demo`` end to end: no key, no network, under 20 seconds."""

import os
import subprocess
import sys
import time

import vtasks


def test_demo_runs_every_command_on_every_provider(tmp_path: object) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("VTASKS_")}
    # A dead proxy: the demo must talk to its loopback simulator directly, never through it.
    env.update(HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", NO_COLOR="1")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "vtasks", "demo"],
        env=env,
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert elapsed < 20
    assert result.stderr == ""
    out = result.stdout
    for title in ("get:", "list:", "wait:", "download:", "Every task submitted above"):
        assert f"\n{title}" in out
    # list: several pages per listable provider
    listing = out.split("\nlist:")[1].split("\nwait:")[0]
    for provider in ("volc", "ark", "vidu", "aitoearn"):
        row = next(line for line in listing.splitlines() if line.startswith(provider + " "))
        assert row.split()[1:3] == ["28", "3"]  # 28 tasks in 3 requests
    # wait: every provider reached succeeded
    waiting = out.split("\nwait:")[1].split("\ndownload:")[0]
    for provider in vtasks.PROVIDERS:
        assert any(
            line.strip().startswith(provider + " ") and "succeeded" in line
            for line in waiting.splitlines()
        )
    # download: a file per provider with its size
    downloads = out.split("\ndownload:")[1].split("\nEvery task")[0]
    assert downloads.count("4.1 KiB") == len(vtasks.PROVIDERS)
    # the final table: one row per task, every provider, the normalized statuses
    final = out.split("\nEvery task submitted above")[1].split("\nDone in")[0]
    rows = [
        line
        for line in final.splitlines()
        if line.split()[:1] and line.split()[0] in vtasks.PROVIDERS
    ]
    assert len(rows) == 4 * len(vtasks.PROVIDERS)
    assert {row.split()[2] for row in rows} == {"succeeded", "failed", "cancelled", "running"}
    assert "Done in" in out
    assert list(os.scandir(str(tmp_path))) == []  # downloads went to a temporary folder
