"""Result files, request records and redaction, env(), the CLI, the fixture and clean shutdown."""

import io
import os
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from vtasks.testing import (
    COVER_JPEG,
    PROVIDERS,
    VIDEO_MP4,
    FakeProviders,
    fake_providers,
    main,
    seed_demo,
)

# Make the packaged fixture available here, as a user's conftest would.
_ = fake_providers


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5.0) as client:
        yield client


# ---- result files -------------------------------------------------------------------------------


def _boxes(data: bytes) -> list[bytes]:
    kinds, offset = [], 0
    while offset < len(data):
        size, kind = struct.unpack(">I4s", data[offset : offset + 8])
        assert size >= 8
        kinds.append(kind)
        offset += size
    assert offset == len(data)
    return kinds


def test_media_bytes_are_valid() -> None:
    assert _boxes(VIDEO_MP4) == [b"ftyp", b"moov", b"mdat"]
    assert VIDEO_MP4[8:12] == b"isom"
    assert 1000 < len(VIDEO_MP4) < 16384
    assert COVER_JPEG.startswith(b"\xff\xd8\xff")
    assert COVER_JPEG.endswith(b"\xff\xd9")
    assert b"\xff\xc0" in COVER_JPEG  # baseline frame header


@pytest.mark.parametrize("provider", PROVIDERS)
def test_files_served_per_provider(fake: FakeProviders, http: httpx.Client, provider: str) -> None:
    task = fake.add_task(provider, status="succeeded")
    assert task.video_url is not None
    assert task.video_url.startswith(f"{fake.base_url}/_files/{provider}/")
    r = http.get(task.video_url)
    assert r.status_code == 200
    assert r.headers["content-type"] == "video/mp4"
    assert int(r.headers["content-length"]) == len(VIDEO_MP4)
    assert r.content == VIDEO_MP4
    if task.cover_url is not None:
        r = http.get(task.cover_url)
        assert (r.headers["content-type"], r.content) == ("image/jpeg", COVER_JPEG)


def test_file_ranges_and_head(fake: FakeProviders, http: httpx.Client) -> None:
    url = fake.add_task("ark").video_url
    assert url is not None
    r = http.get(url, headers={"Range": "bytes=100-"})
    assert r.status_code == 206
    assert r.content == VIDEO_MP4[100:]
    assert r.headers["content-range"] == f"bytes 100-{len(VIDEO_MP4) - 1}/{len(VIDEO_MP4)}"
    r = http.get(url, headers={"Range": "bytes=0-9"})
    assert (r.status_code, r.content) == (206, VIDEO_MP4[:10])
    r = http.get(url, headers={"Range": "bytes=-10"})
    assert r.content == VIDEO_MP4[-10:]
    r = http.get(url, headers={"Range": f"bytes={len(VIDEO_MP4)}-"})
    assert r.status_code == 416
    r = http.head(url)
    assert (r.status_code, r.content) == (200, b"")
    assert int(r.headers["content-length"]) == len(VIDEO_MP4)
    assert http.get(url).content == VIDEO_MP4  # keep-alive intact after HEAD


def test_files_need_a_succeeded_task(fake: FakeProviders, http: httpx.Client) -> None:
    running = fake.add_task("vidu", status="running")
    assert http.get(f"/_files/vidu/{running.id}.mp4").status_code == 404
    assert http.get("/_files/vidu/unknown.mp4").status_code == 404
    done = fake.add_task("vidu")
    assert http.get(f"/_files/vidu/{done.id}.gif").status_code == 404


def test_veo_ids_with_colons_round_trip(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("veo")
    assert ":" in task.id
    assert task.video_url is not None
    assert "%3A" in task.video_url
    assert http.get(task.video_url).content == VIDEO_MP4


# ---- request records ----------------------------------------------------------------------------


def test_requests_are_recorded_and_redacted(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("vidu")
    http.get(
        "/ent/v2/tasks",
        params=[("states", "success"), ("states", "failed"), ("pager.pagesz", "5")],
        headers={"Authorization": f"Token {fake.api_keys['vidu']}"},
    )
    http.get("/api/ai/video/generations", headers={"X-Api-Key": "wrong"})
    http.get(f"/ent/v2/tasks/{task.id}/creations", headers={"Authorization": "Bearer nope"})
    first, second, third = fake.requests
    assert (first.provider, first.endpoint, first.method) == ("vidu", "list", "GET")
    assert first.path == "/ent/v2/tasks"
    assert first.query == (("states", "success"), ("states", "failed"), ("pager.pagesz", "5"))
    assert first.query_dict() == {"states": ["success", "failed"], "pager.pagesz": ["5"]}
    assert first.headers["authorization"] == "Token <redacted>"
    assert first.auth_ok
    assert first.status == 200
    assert (second.provider, second.auth_ok, second.headers["x-api-key"]) == (
        "aitoearn",
        False,
        "<redacted>",
    )
    assert (third.endpoint, third.auth_ok, third.status) == ("get", False, 401)
    assert third.headers["authorization"] == "Bearer <redacted>"
    for record in fake.requests:
        text = repr(record)
        assert all(key not in text for key in fake.api_keys.values())
    fake.clear_requests()
    assert fake.requests == []


def test_unknown_routes_are_recorded(fake: FakeProviders, http: httpx.Client) -> None:
    http.get("/v2/whatever?x=1")
    (record,) = fake.requests
    assert (record.provider, record.endpoint, record.status) == (None, "unknown", 404)


def test_recording_can_be_disabled() -> None:
    with FakeProviders(record_requests=False) as fake:
        httpx.get(f"{fake.base_url}/ent/v2/tasks")
        assert fake.requests == []


def test_env_and_keys(fake: FakeProviders) -> None:
    env = fake.env()
    assert len(env) == 12
    for provider in PROVIDERS:
        assert env[f"VTASKS_{provider.upper()}_API_KEY"] == fake.api_keys[provider]
        assert env[f"VTASKS_{provider.upper()}_BASE_URL"] == fake.base_url
    assert fake.api_keys["ark"] == "sk-fake-ark-0001"
    fake.api_keys["ark"] = "changed"  # a copy
    assert fake.api_keys["ark"] == "sk-fake-ark-0001"


# ---- concurrency and life cycle -----------------------------------------------------------------


def test_concurrent_clients(fake: FakeProviders) -> None:
    tasks = fake.add_tasks("ark", 50)
    h = {"Authorization": f"Bearer {fake.api_keys['ark']}"}

    def worker(ids: list[str]) -> int:
        with httpx.Client(base_url=fake.base_url, headers=h, timeout=10.0) as client:
            return sum(
                client.get(f"/api/v3/contents/generations/tasks/{i}").json()["id"] == i for i in ids
            )

    chunks = [[t.id for t in tasks[i::4]] * 5 for i in range(4)]
    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(worker, chunks)) == 250
    assert len(fake.requests) == 250


def test_keep_alive_reuses_one_connection(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("ark")
    ports = set()
    for _ in range(5):
        with http.stream(
            "GET",
            f"/api/v3/contents/generations/tasks/{task.id}",
            headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
        ) as r:
            stream = r.extensions["network_stream"]
            ports.add(stream.get_extra_info("client_addr"))
            r.read()
    assert len(ports) == 1


def test_stop_closes_connections_and_joins_threads() -> None:
    before = {t.name for t in threading.enumerate()}
    existing = set(threading.enumerate())
    fake = FakeProviders().start()
    client = httpx.Client(base_url=fake.base_url)
    client.get("/ent/v2/tasks")  # leaves an idle keep-alive connection open
    idle = [t for t in threading.enumerate() if t.name == "vtasks-fake-conn" and t not in existing]
    assert idle  # its thread waits for the next request
    fake.stop()
    # Not timed: stop() waits 5 s at most for a connection's thread, so a connection it failed to
    # close would leave its thread running (here checked at once, with no wall-clock bound).
    assert not any(t.is_alive() for t in idle)
    assert not fake.running
    leftovers = {t.name for t in threading.enumerate()} - before
    assert not {n for n in leftovers if n.startswith("vtasks-fake")}
    with pytest.raises(httpx.TransportError):
        client.get("/ent/v2/tasks")
    client.close()
    with pytest.raises(RuntimeError, match="not running"):
        _ = fake.base_url
    fake.stop()  # idempotent


def test_restart_gets_a_new_address_and_fresh_urls() -> None:
    fake = FakeProviders()
    task = fake.add_task("ark")  # before start: allowed
    with fake:
        first = fake.get_task("ark", task.id).video_url
        assert first is not None
        assert first.startswith(fake.base_url)
    with fake:
        url = fake.get_task("ark", task.id).video_url
        assert url is not None
        assert url.startswith(fake.base_url)
        assert httpx.get(url).content == VIDEO_MP4


def test_packaged_fixture(fake_providers: FakeProviders) -> None:
    assert fake_providers.running
    assert httpx.get(f"{fake_providers.base_url}/ent/v2/tasks").status_code == 401


@pytest.mark.parametrize("fake_providers", [{"speed": 50.0, "seed": 3}], indirect=True)
def test_packaged_fixture_with_parameters(fake_providers: FakeProviders) -> None:
    assert fake_providers.clock.speed == 50.0


def test_importing_does_not_import_pytest() -> None:
    code = "import sys, vtasks.testing; assert 'pytest' not in sys.modules; print('ok')"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=30
    )
    assert out.stdout.strip() == "ok"


# ---- command line -------------------------------------------------------------------------------


def test_main_prints_urls_and_keys_and_stops_cleanly() -> None:
    out = io.StringIO()
    stop = threading.Event()
    from vtasks.testing._cli import main as run

    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(run(["--seed-demo"], out=out, stop=stop))
    )
    thread.start()
    deadline = time.monotonic() + 5
    while "Ctrl-C" not in out.getvalue():
        assert time.monotonic() < deadline
        time.sleep(0.01)
    text = out.getvalue()
    stop.set()
    thread.join(5)
    assert result == [0]
    assert "listening on http://127.0.0.1:" in text
    for provider in PROVIDERS:
        assert f"sk-fake-{provider}-0001" in text
        assert f"VTASKS_{provider.upper()}_BASE_URL=http://127.0.0.1:" in text
        assert f"demo {provider}:" in text


def test_main_enforces_a_rate_limit() -> None:
    out = io.StringIO()
    stop = threading.Event()
    from vtasks.testing._cli import main as run

    thread = threading.Thread(
        target=run, args=(["--rate-limit", "veo=0.1"],), kwargs={"out": out, "stop": stop}
    )
    thread.start()
    try:
        deadline = time.monotonic() + 5
        while "Ctrl-C" not in out.getvalue():
            assert time.monotonic() < deadline
            time.sleep(0.01)
        text = out.getvalue()
        assert "veo enforces 0.1 requests per second" in text
        base_url = text.split()[5]
        headers = {"Authorization": "Bearer sk-fake-veo-0001"}
        statuses = [
            httpx.get(f"{base_url}/v1/video/query?id=x", headers=headers).status_code
            for _ in range(2)
        ]
        assert statuses == [404, 429]  # an unknown task, then over the limit
    finally:
        stop.set()
        thread.join(5)


@pytest.mark.parametrize("value", ["veo", "veo=0", "veo=-1", "veo=nan", "veo=inf", "nope=5", "=5"])
def test_main_refuses_a_bad_rate_limit(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["--rate-limit", value])
    assert info.value.code == 2
    assert "PROVIDER=N" in capsys.readouterr().err


def test_main_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeProviders() as fake:
        port = fake.base_url.rsplit(":", 1)[1]
        assert main(["--port", port]) == 1
    assert "cannot listen" in capsys.readouterr().err


def test_seed_demo(fake: FakeProviders) -> None:
    demo = seed_demo(fake, step_seconds=1)
    assert set(demo) == set(PROVIDERS)
    assert [t.status for t in demo["ark"]] == [
        "succeeded",
        "failed",
        "cancelled",
        "running",
        "queued",
        "queued",
    ]
    fake.clock.advance(10)
    assert fake.get_task("ark", demo["ark"][-1].id).status == "succeeded"


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_module_entry_point_exits_0_on_ctrl_c() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "vtasks.testing", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    ) as proc:
        try:
            assert proc.stdout is not None
            lines = []
            for line in proc.stdout:
                lines.append(line)
                if "Ctrl-C" in line:
                    break
            url = lines[0].split()[-1]
            assert httpx.get(f"{url}/ent/v2/tasks", timeout=5).status_code == 401
            proc.send_signal(signal.SIGINT)
            assert proc.wait(10) == 0
            assert proc.stderr is not None
            assert "Traceback" not in proc.stderr.read()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
