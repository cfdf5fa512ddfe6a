"""The command line against the simulator: ``vtasks._cli.main`` in-process, and ``python -m vtasks``.

Most tests run the command line in this process (see :func:`vtasks_cli`); what only a process shows
(exit statuses, Ctrl-C, a closed pipe, ``serve-fake``, the console script) runs ``python -m vtasks``.
"""

import contextlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import vtasks
from vtasks.testing import PROVIDERS, FakeProviders

LISTABLE = [p for p in PROVIDERS if vtasks.PROVIDER_INFO[p].supports_list]


def clean_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The test process's environment without any VTASKS_ / proxy / colour settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VTASKS_") and "proxy" not in k.lower() and k != "NO_COLOR"
    }
    env.update(extra or {})
    return env


def vtasks_cli(
    *args: str, env: dict[str, str] | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run ``vtasks args`` with exactly ``clean_env(env)`` as its environment.

    In this process by default (``vtasks._cli.main``, stdout and stderr captured): the same code and
    text as ``python -m vtasks`` without a Python start-up per command. ``process=True`` runs
    ``python -m vtasks`` itself; the tests of what only a process shows (exit statuses as the shell
    sees them, Ctrl-C, a closed pipe, the console script) do, and so do a few of every kind.
    """
    if process:
        return subprocess.run(
            [sys.executable, "-m", "vtasks", *args],
            env=clean_env(env),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    from vtasks import _sentinel
    from vtasks._cli import main

    _sentinel.forget()  # each command warns as its own process would: once
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.clear()
        os.environ.update(clean_env(env))
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.environ.clear()
        os.environ.update(saved)
        # The command line shows the library's warnings through a handler on its stderr.
        logger = logging.getLogger("vtasks")
        for handler in [h for h in logger.handlers if getattr(h, "_vtasks_cli", False)]:
            logger.removeHandler(handler)
    return subprocess.CompletedProcess(["vtasks", *args], code, out.getvalue(), err.getvalue())


def assert_clean_error(result: subprocess.CompletedProcess[str], code: int) -> str:
    """One ``vtasks: ...`` line on stderr, no traceback, the expected exit code; return the line."""
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("vtasks")]
    assert lines, result.stderr
    return lines[-1]


def json_lines(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


@pytest.fixture
def env(fake: FakeProviders) -> dict[str, str]:
    return fake.env()


@pytest.fixture
def client_for(fake: FakeProviders) -> Iterator[object]:
    clients: list[vtasks.Client] = []

    def make(provider: str) -> vtasks.Client:
        client = vtasks.Client(provider, base_url=fake.base_url, api_key=fake.api_keys[provider])
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


# ---- get --------------------------------------------------------------------------------------


def test_get_prints_an_aligned_card(fake: FakeProviders, env: dict[str, str]) -> None:
    task = fake.add_task("aitoearn", status="succeeded", prompt="a red fox")
    result = vtasks_cli("get", "aitoearn", task.id, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    fields = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert fields["id"] == task.id
    assert fields["status"] == "succeeded"
    assert fields["prompt"] == "a red fox"
    assert fields["video_url"].startswith(fake.base_url)
    assert fields["created_at"].endswith("Z")
    # aligned: every value starts in the same column
    starts = {len(line) - len(line.split(None, 1)[1]) for line in result.stdout.splitlines()}
    assert len(starts) == 1
    assert "\x1b[" not in result.stdout  # no colour into a pipe


@pytest.mark.parametrize("provider", PROVIDERS)
def test_get_json_is_the_task_dict(
    provider: str, fake: FakeProviders, env: dict[str, str], client_for: object
) -> None:
    task = fake.add_task(provider, status="failed")
    result = vtasks_cli("get", provider, task.id, "--json", env=env)
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    expected = client_for(provider).get_task(task.id).to_dict()  # type: ignore[operator]
    assert line == expected
    assert line["status"] == "failed"


def test_get_shows_the_vendors_progress(fake: FakeProviders, env: dict[str, str]) -> None:
    """A Veo reseller's ``progress`` is a percentage on the card and a number in ``--json``."""
    task = fake.add_task("veo", status="running", quirks=["progress"])
    card = vtasks_cli("get", "veo", task.id, env=env)
    assert card.returncode == 0, card.stderr
    fields = dict(line.split(None, 1) for line in card.stdout.splitlines())
    assert fields["progress"] == "50%"
    (line,) = json_lines(vtasks_cli("get", "veo", task.id, "--json", env=env).stdout)
    assert line["progress"] == 50.0
    other = fake.add_task("ark", status="running")
    (line,) = json_lines(vtasks_cli("get", "ark", other.id, "--json", env=env).stdout)
    assert line["progress"] is None


def test_get_shows_the_vendors_usage(fake: FakeProviders, env: dict[str, str]) -> None:
    """Vidu's credits and Ark's tokens are on the card in their units and in ``--json``."""
    task = fake.add_task("vidu", credits=40)
    fields = dict(
        line.split(None, 1)
        for line in vtasks_cli("get", "vidu", task.id, env=env).stdout.splitlines()
    )
    assert fields["usage"] == "40 credits"
    (line,) = json_lines(vtasks_cli("get", "vidu", task.id, "--json", env=env).stdout)
    assert line["usage"] == {"tokens": None, "credits": 40.0, "seconds": None}
    ark = fake.add_task("ark", duration=5)
    card = vtasks_cli("get", "ark", ark.id, env=env).stdout
    assert re.search(r"^usage\s+[0-9,]+ tokens$", card, re.M), card
    veo = fake.add_task("veo")
    assert "usage" not in vtasks_cli("get", "veo", veo.id, env=env).stdout


def test_get_unknown_id_is_one_line_exit_1(env: dict[str, str]) -> None:
    result = vtasks_cli("get", "ark", "cgt-nope", env=env)
    line = assert_clean_error(result, 1)
    assert "not found" in line
    assert "cgt-nope" in line
    assert result.stdout == ""


def test_an_unknown_status_is_shown_with_a_warning(
    fake: FakeProviders, env: dict[str, str]
) -> None:
    task = fake.add_task("ark", status="running")
    fake.inject("ark", "unknown_status", value="throttled")
    result = vtasks_cli("get", "ark", task.id, "--json", env=env)
    assert result.returncode == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert (line["status"], line["raw_status"]) == ("unknown", "throttled")
    assert result.stderr.startswith(
        "vtasks: warning: ark get answer: status has a value the spec's enum does not list"
    )


# ---- list -------------------------------------------------------------------------------------


def test_list_table_follows_every_page(fake: FakeProviders, env: dict[str, str]) -> None:
    fake.add_tasks("ark", 25, statuses=("succeeded", "failed", "running"))
    fake.clear_requests()
    result = vtasks_cli("list", "ark", "--page-size", "10", env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "STATUS", "RAW"]
    assert lines[-1] == "25 tasks"
    rows = lines[1:-1]
    assert len(rows) == 25
    assert [r.split()[0] for r in rows] == fake.task_ids("ark")  # newest first
    assert {r.split()[1] for r in rows} == {"succeeded", "failed", "running"}
    status_col = lines[0].index("STATUS")
    assert all(r[status_col - 1] == " " for r in rows)  # aligned
    pages = [r for r in fake.requests if r.endpoint == "list"]
    assert len(pages) == 3


@pytest.mark.parametrize("provider", LISTABLE)
def test_list_json_with_filters(provider: str, fake: FakeProviders, env: dict[str, str]) -> None:
    now = fake.clock.now()
    fake.add_tasks(provider, 12, statuses=("succeeded", "failed"), newest_at=now, spacing=60)
    old = fake.add_task(provider, status="failed", created_at=now - 3 * 86400)
    result = vtasks_cli(
        "list", provider, "--status", "failed", "--since", "1d", "--page-size", "4", "--json",
        env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    tasks = json_lines(result.stdout)
    assert len(tasks) == 6
    assert {t["status"] for t in tasks} == {"failed"}
    assert old.id not in {t["id"] for t in tasks}
    assert all(t["provider"] == provider for t in tasks)

    limited = vtasks_cli("list", provider, "--limit", "3", "--json", env=env)
    assert len(json_lines(limited.stdout)) == 3


def test_list_until_and_iso_times(fake: FakeProviders, env: dict[str, str]) -> None:
    now = fake.clock.now()
    recent = fake.add_task("vidu", status="succeeded", created_at=now)
    older = fake.add_task("vidu", status="succeeded", created_at=now - 7200)
    result = vtasks_cli("list", "vidu", "--until", "1h", "--json", env=env)
    assert [t["id"] for t in json_lines(result.stdout)] == [older.id]
    since = older.created_at.isoformat()  # an ISO-8601 time with +00:00
    result = vtasks_cli("list", "vidu", "--since", since, "--json", env=env)
    assert {t["id"] for t in json_lines(result.stdout)} == {recent.id, older.id}


@pytest.mark.parametrize("provider", ["veo", "minimax"])
def test_list_on_a_provider_without_list_is_usage(provider: str) -> None:
    result = vtasks_cli("list", provider)  # no key needed to learn this
    line = assert_clean_error(result, 2)
    assert f"vtasks get {provider} ID" in line


def test_list_broken_pipe_is_quiet(fake: FakeProviders, env: dict[str, str]) -> None:
    fake.add_tasks("aitoearn", 600, snapshots=False)
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks", "list", "aitoearn", "--json", "--page-size", "200"],
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        json.loads(proc.stdout.readline())
        proc.stdout.close()  # like `| head -n 1`
        err = proc.stderr.read()
        assert proc.wait(timeout=30) == 0
    assert "Traceback" not in err
    assert err == ""


# ---- wait -------------------------------------------------------------------------------------


def test_wait_shows_progress_and_prints_the_result(
    fake: FakeProviders, env: dict[str, str]
) -> None:
    task = fake.add_task("minimax", lifecycle="succeeded", step_seconds=10)
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks", "wait", "minimax", task.id, "--interval", "0.1", "--json"],
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        deadline = time.monotonic() + 20
        while not fake.requests and time.monotonic() < deadline:  # the first poll, at "Preparing"
            time.sleep(0.02)
        fake.clock.speed = 20.0  # then each 10 s lifecycle step takes 0.5 s
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    (final,) = json_lines(out)
    assert final["status"] == "succeeded"
    assert final["video_url"]
    progress = err.splitlines()
    # plain lines (not a terminal), one per status change, with raw status and elapsed time
    shown = [line.split(": ")[1].split(",")[0] for line in progress]
    assert shown[0] == "queued (Preparing)"
    assert shown[-1] == "succeeded (Success)"
    assert set(shown) <= {"queued (Preparing)", "running (Processing)", "succeeded (Success)"}
    assert len(shown) == len(set(shown))
    assert all(f"minimax {task.id}" in line and "elapsed" in line for line in progress)
    assert "\r" not in err


@pytest.mark.parametrize(
    ("provider", "outcome", "shown"),
    [
        ("ark", "failed", "failed"),
        ("vidu", "cancelled", "cancelled"),
        ("ark", "expired", "expired"),
        ("aitoearn", "failed", "failed"),
    ],
)
def test_wait_exit_4_when_the_task_did_not_succeed(
    provider: str, outcome: str, shown: str, fake: FakeProviders, env: dict[str, str]
) -> None:
    task = fake.add_task(provider, status=outcome)
    result = vtasks_cli("wait", provider, task.id, env=env, process=True)
    line = assert_clean_error(result, 4)
    assert f"ended {shown}" in line
    assert "status" in result.stdout  # the final state is still printed


def test_wait_timeout_exit_3_prints_last_state(fake: FakeProviders, env: dict[str, str]) -> None:
    task = fake.add_task("veo", status="queued")
    started = time.monotonic()
    result = vtasks_cli(
        "wait",
        "veo",
        task.id,
        "--timeout",
        "0.6",
        "--interval",
        "0.1",
        "--json",
        env=env,
        process=True,
    )
    assert time.monotonic() - started < 10
    line = assert_clean_error(result, 3)
    assert "did not finish within 0.6 s" in line
    assert "--timeout" in line
    (last,) = json_lines(result.stdout)
    assert last["status"] == "queued"


# ---- download ---------------------------------------------------------------------------------


def test_download_writes_the_video(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("vidu", status="succeeded")
    target = tmp_path / "out" / "clip.mp4"
    result = vtasks_cli("download", "vidu", task.id, "-o", str(target), env=env)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == fake.video_bytes
    assert result.stdout == f"saved {target} (4.1 KiB)\n"
    assert "KiB" in result.stderr
    assert "/s" in result.stderr


def test_download_into_a_folder_uses_a_safe_name(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("veo", status="succeeded")  # veo ids contain ':'
    result = vtasks_cli("download", "veo", task.id, "-o", str(tmp_path), "--json", env=env)
    assert result.returncode == 0, result.stderr
    (written,) = tmp_path.iterdir()
    assert ":" not in written.name
    assert written.suffix == ".mp4"
    assert written.read_bytes() == fake.video_bytes
    assert json_lines(result.stdout)[0]["id"] == task.id


def test_download_into_a_new_folder_given_with_a_slash(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("ark", status="succeeded")
    result = vtasks_cli("download", "ark", task.id, "-o", f"{tmp_path}/videos/", env=env)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "videos" / f"{task.id}.mp4").read_bytes() == fake.video_bytes


def test_download_refuses_to_overwrite(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("ark", status="succeeded")
    target = tmp_path / "clip.mp4"
    target.write_bytes(b"mine")
    line = assert_clean_error(vtasks_cli("download", "ark", task.id, "-o", str(target), env=env), 1)
    assert "--overwrite" in line
    assert target.read_bytes() == b"mine"
    result = vtasks_cli("download", "ark", task.id, "-o", str(target), "--overwrite", env=env)
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == fake.video_bytes


def test_download_of_a_failed_task_exit_4(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("minimax", status="failed")
    result = vtasks_cli("download", "minimax", task.id, "-o", str(tmp_path), env=env)
    line = assert_clean_error(result, 4)
    assert "ended failed" in line
    assert list(tmp_path.iterdir()) == []


def test_download_of_an_unfinished_task_says_wait(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("aitoearn", status="running")
    result = vtasks_cli("download", "aitoearn", task.id, "-o", str(tmp_path), env=env)
    line = assert_clean_error(result, 1)
    assert f"vtasks wait aitoearn {task.id}" in line
    assert list(tmp_path.iterdir()) == []


def test_download_of_a_succeeded_task_without_url(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("ark", status="succeeded")
    fake.inject("ark", "null_fields", fields=["content.video_url"], count=None)
    result = vtasks_cli("download", "ark", task.id, "-o", str(tmp_path), env=env)
    line = assert_clean_error(result, 1)
    assert "no video URL" in line
    assert list(tmp_path.iterdir()) == []


# ---- Ctrl-C -----------------------------------------------------------------------------------


def _interrupt(
    fake: FakeProviders, args: list[str], env: dict[str, str], after: float
) -> tuple[int, str, str]:
    """Run the CLI; ``after`` seconds past its first request to the simulator, press Ctrl-C."""
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks", *args],
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        deadline = time.monotonic() + 20
        while not fake.requests and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(after)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    return proc.returncode, out, err


def test_ctrl_c_during_wait_exits_130(fake: FakeProviders, env: dict[str, str]) -> None:
    task = fake.add_task("ark", status="running")
    code, _out, err = _interrupt(fake, ["wait", "ark", task.id, "--interval", "0.2"], env, 0.5)
    assert code == 130
    assert "Traceback" not in err
    assert err.splitlines()[-1] == "vtasks: interrupted"


def test_ctrl_c_during_download_leaves_no_file(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("ark", status="succeeded")
    fake.inject("ark", "latency", endpoint="download", seconds=30)
    # The first request (get) is answered at once; the download then hangs for 30 s.
    args = ["download", "ark", task.id, "-o", str(tmp_path)]
    code, _out, err = _interrupt(fake, args, env, 0.7)
    assert code == 130
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # neither the file nor its temporary


def test_ctrl_c_during_parallel_pages_exits_at_once(
    fake: FakeProviders, env: dict[str, str]
) -> None:
    fake.add_tasks("ark", 100, snapshots=False)
    first = fake.inject("ark", "latency", endpoint="list", seconds=1.5, count=1)  # the first page
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks", "list", "ark", "--page-size", "10"],
        env=clean_env(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        # Event-driven, not timed sleeps: the first page is being held back, so the parallel
        # pages (asked for once it is answered) all meet the second, long latency.
        _until(lambda: first.hits == 1)
        rest = fake.inject("ark", "latency", endpoint="list", seconds=20, count=None)
        _until(lambda: rest.hits >= 1)  # the next pages are in flight, held back
        proc.send_signal(signal.SIGINT)
        interrupted = time.monotonic()
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    # An integration test whose promise is a time bound: far less than the 20 s the pages hang.
    assert time.monotonic() - interrupted < 5  # not held by requests still in flight
    assert err.splitlines()[-1] == "vtasks: interrupted"


def _until(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting for the CLI"
        time.sleep(0.01)


# ---- keys, configuration, usage ---------------------------------------------------------------


def test_missing_key_names_the_variable(fake: FakeProviders) -> None:
    task = fake.add_task("vidu")
    result = vtasks_cli("get", "vidu", task.id, "--base-url", fake.base_url, process=True)
    line = assert_clean_error(result, 2)
    assert "VTASKS_VIDU_API_KEY" in line
    assert fake.requests == []  # nothing was sent


def test_a_rejected_key_is_never_printed(fake: FakeProviders) -> None:
    secret = "sk-live-0123456789abcdef"
    task = fake.add_task("ark")
    env = {**fake.env(), "VTASKS_ARK_API_KEY": secret}
    for args in (["get", "ark", task.id], ["list", "ark", "--json"], ["wait", "ark", task.id]):
        result = vtasks_cli(*args, env=env, process=True)
        line = assert_clean_error(result, 1)
        assert "authentication failed" in line
        assert "VTASKS_ARK_API_KEY" in line
        assert secret not in result.stdout + result.stderr


def test_connection_error_points_at_the_base_url(env: dict[str, str]) -> None:
    env = {**env, "VTASKS_VOLC_BASE_URL": "http://127.0.0.1:9"}  # discard port: refused
    result = vtasks_cli("get", "volc", "cgt-1", "--timeout", "2", env=env)
    line = assert_clean_error(result, 1)
    assert "connection" in line
    assert "VTASKS_VOLC_BASE_URL" in line


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["frobnicate"],
        ["get", "openai", "x"],
        ["get", "ark"],
        ["list", "ark", "--since", "yesterday"],
        ["list", "ark", "--status", "done"],
        ["list", "ark", "--page-size", "0"],
        ["wait", "ark", "x", "--timeout", "-1"],
        ["get", "ark", "x", "--api-key", "sk-123"],  # keys never come from arguments
    ],
)
def test_usage_errors_exit_2(args: list[str]) -> None:
    result = vtasks_cli(*args)
    assert result.returncode == 2
    assert "usage: vtasks" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_page_size_beyond_the_vendor_limit_is_usage(env: dict[str, str]) -> None:
    line = assert_clean_error(vtasks_cli("list", "vidu", "--page-size", "5000", env=env), 2)
    assert "page_size" in line


def test_help_documents_commands_and_exit_codes() -> None:
    result = vtasks_cli("--help", process=True)
    assert result.returncode == 0
    for word in ("get", "list", "wait", "download", "providers", "serve-fake", "demo"):
        assert f"\n  {word}" in result.stdout
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "130 "):
        assert f"\n  {code}" in result.stdout
    assert "VTASKS_<PROVIDER>_API_KEY" in result.stdout
    version = vtasks_cli("--version", process=True)
    assert version.stdout.strip() == f"vtasks {vtasks.__version__}"


# ---- providers, serve-fake --------------------------------------------------------------------


def test_providers_table() -> None:
    result = vtasks_cli("providers", env={"VTASKS_VIDU_API_KEY": "sk-vidu-secret"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for name, info in vtasks.PROVIDER_INFO.items():
        assert f"\n{name} " in out
        assert info.default_base_url in out
        assert info.get_path in out
    assert "VTASKS_VIDU_API_KEY (set)" in out
    assert "VTASKS_ARK_API_KEY (not set)" in out
    assert "sk-vidu-secret" not in out


def test_providers_json() -> None:
    rows = json_lines(vtasks_cli("providers", "--json").stdout)
    assert [r["provider"] for r in rows] == list(vtasks.PROVIDERS)
    ops = {r["provider"]: r["operations"] for r in rows}
    assert ops["ark"] == ["get", "list", "wait", "download"]
    assert ops["veo"] == ["get", "wait", "download"]
    assert rows[0]["api_key_env"] == "VTASKS_VOLC_API_KEY"


def test_serve_fake_serves_until_interrupted() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks", "serve-fake", "--seed-demo", "--rate-limit", "veo=1000"],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert proc.stdout is not None
            banner = proc.stdout.readline()
            assert "listening on http://127.0.0.1:" in banner
            base_url = banner.split()[-1]
            lines = []
            while not (line := proc.stdout.readline()).startswith("Press Ctrl-C"):
                lines.append(line)
            assert "  veo enforces 1000 requests per second (429 above)\n" in lines
            demo_ark = next(line for line in lines if line.strip().startswith("demo ark:"))
            task_id = demo_ark.split(":", 1)[1].split()[0]
            env = {"VTASKS_ARK_BASE_URL": base_url, "VTASKS_ARK_API_KEY": "sk-fake-ark-0001"}
            result = vtasks_cli("get", "ark", task_id, "--json", env=env, process=True)
            assert json_lines(result.stdout)[0]["status"] == "succeeded"
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=20)
    assert proc.returncode == 0


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).with_name("vtasks")
    if not script.exists():
        pytest.skip("the vtasks console script is not installed next to this interpreter")
    result = subprocess.run(
        [str(script), "--version"], capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0
    assert result.stdout.startswith("vtasks ")
