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
    for title in ("get:", "list:", "create, then wait:", "download:", "cancel:", "Every task"):
        assert f"\n{title}" in out
    # list: several pages per listable provider
    listing = out.split("\nlist:")[1].split("\ncreate, then wait:")[0]
    for provider in ("volc", "ark", "vidu", "aitoearn"):
        row = next(line for line in listing.splitlines() if line.startswith(provider + " "))
        assert row.split()[1:3] == ["28", "3"]  # 28 tasks in 3 requests
    # create, then wait: every provider's created task reached succeeded
    waiting = out.split("\ncreate, then wait:")[1].split("\ndownload:")[0]
    for provider in vtasks.PROVIDERS:
        assert any(
            line.strip().startswith(provider + " ") and "succeeded" in line
            for line in waiting.splitlines()
        )
    # download: a file per provider with its size
    downloads = out.split("\ndownload:")[1].split("\ncancel:")[0]
    assert downloads.count("4.1 KiB") == len(vtasks.PROVIDERS)
    # cancel: cancelled where the vendor can, said so where it cannot
    cancels = out.split("\ncancel:")[1].split("\nEvery task")[0]
    for provider in vtasks.PROVIDERS:
        row = next(line for line in cancels.splitlines() if line.startswith(provider + " "))
        if vtasks.PROVIDER_INFO[provider].supports_cancel:
            assert row.split()[2:4] == ["cancelled", "cancelled"], row
        else:
            assert "UnsupportedOperation" in row
    # the final table: one row per task, every provider, the normalized statuses
    final = out.split("\nEvery task submitted above")[1].split("\nDone in")[0]
    rows = [
        line
        for line in final.splitlines()
        if line.split()[:1] and line.split()[0] in vtasks.PROVIDERS
    ]
    cancelling = sum(vtasks.PROVIDER_INFO[p].supports_cancel for p in vtasks.PROVIDERS)
    assert len(rows) == 4 * len(vtasks.PROVIDERS) + cancelling
    assert {row.split()[2] for row in rows} == {"succeeded", "failed", "cancelled", "running"}
    assert "Done in" in out
    assert list(os.scandir(str(tmp_path))) == []  # downloads went to a temporary folder
