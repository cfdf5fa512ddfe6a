"""The CLI on a terminal (a pseudo-terminal): colour and in-place progress; and its start-up cost."""

import os
import select
import subprocess
import sys
import threading
import time

import pytest

from vtasks.testing import FakeProviders

pty = pytest.importorskip("pty")


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VTASKS_") and "proxy" not in k.lower() and k != "NO_COLOR"
    }
    env.update(extra)
    return env


def run_on_terminal(args: list[str], env: dict[str, str], *, terminal: str) -> tuple[int, str, str]:
    """Run the CLI with ``terminal`` ("stdout" or "stderr") on a pty; return (code, pty text, other)."""
    master, slave = pty.openpty()
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks", *args],
        env=clean_env(env),
        stdin=subprocess.DEVNULL,
        stdout=slave if terminal == "stdout" else subprocess.PIPE,
        stderr=slave if terminal == "stderr" else subprocess.PIPE,
    ) as proc:
        os.close(slave)
        chunks = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    data = os.read(master, 65536)
                except OSError:  # EIO: the other side closed
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
        os.close(master)
        other = (proc.stderr if terminal == "stdout" else proc.stdout).read()  # type: ignore[union-attr]
        proc.wait(timeout=10)
    return proc.returncode, b"".join(chunks).decode(), other.decode()


def test_status_is_coloured_on_a_terminal_only(fake: FakeProviders) -> None:
    fake.add_tasks("ark", 3, statuses=("succeeded", "failed", "queued"))
    code, shown, _ = run_on_terminal(["list", "ark"], fake.env(), terminal="stdout")
    assert code == 0
    assert "\x1b[32msucceeded" in shown
    assert "\x1b[31mfailed" in shown

    code, shown, _ = run_on_terminal(
        ["list", "ark"], {**fake.env(), "NO_COLOR": "1"}, terminal="stdout"
    )
    assert code == 0
    assert "\x1b[" not in shown
    assert "succeeded" in shown


def test_json_is_never_coloured(fake: FakeProviders) -> None:
    fake.add_task("vidu", status="succeeded")
    code, shown, _ = run_on_terminal(["list", "vidu", "--json"], fake.env(), terminal="stdout")
    assert code == 0
    assert "\x1b[" not in shown
    assert '"status":"succeeded"' in shown


def _start_clock_on_first_request(fake: FakeProviders, speed: float) -> threading.Thread:
    """Keep the clock still until the CLI's first request (its start-up time varies), then run."""

    def run() -> None:
        deadline = time.monotonic() + 20
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        fake.clock.speed = speed

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_wait_progress_redraws_one_line_on_a_terminal(fake: FakeProviders) -> None:
    task = fake.add_task("ark", lifecycle="succeeded", step_seconds=10)
    _start_clock_on_first_request(fake, 10.0)  # each step takes 1 s
    code, progress, out = run_on_terminal(
        ["wait", "ark", task.id, "--interval", "0.1", "--json"], fake.env(), terminal="stderr"
    )
    assert code == 0
    assert '"status":"succeeded"' in out
    assert progress.count("\r") > 3  # redrawn in place
    assert "\x1b[K" in progress
    assert progress.rstrip().rsplit("\r", 1)[-1].count("succeeded") == 1
    assert progress.endswith("\n")  # the final state stays on screen


def test_download_progress_on_a_terminal(fake: FakeProviders, tmp_path: object) -> None:
    task = fake.add_task("minimax", status="succeeded")
    code, progress, out = run_on_terminal(
        ["download", "minimax", task.id, "-o", str(tmp_path)], fake.env(), terminal="stderr"
    )
    assert code == 0, progress
    assert "(100%)" in progress
    assert "/s" in progress
    assert out.startswith("saved ")


# ---- start-up cost ----------------------------------------------------------------------------


def _modules_after(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport sys\nprint('\\n'.join(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return set(result.stdout.split())


HEAVY = {"httpx", "httpcore", "anyio", "ssl", "vtasks._client", "vtasks.testing", "dateutil"}


def test_import_vtasks_loads_nothing_heavy() -> None:
    assert not HEAVY & _modules_after("import vtasks")


def test_help_loads_nothing_heavy() -> None:
    loaded = _modules_after(
        "import contextlib, io\n"
        "from vtasks.__main__ import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    assert main(['--help']) == 0"
    )
    assert "vtasks._cli._parser" in loaded
    assert not HEAVY & loaded
    assert "vtasks._cli._commands" not in loaded
