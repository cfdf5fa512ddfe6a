"""The example callback receivers in examples/, each on a real socket, fed by the simulator.

``callbacks_stdlib.py`` runs on ``http.server``; ``callbacks_starlette.py`` is a Starlette app,
served here by uvicorn on a thread. The same tests run against both: the simulator delivers
Ark's, MiniMax's and Vidu's callbacks to them, and the receivers' answers are what the
simulator records.
"""

from __future__ import annotations

import contextlib
import importlib.util
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import httpx
import pytest

import vtasks
from vtasks import Task, TaskStatus, callbacks
from vtasks.testing import FakeProviders

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TOKEN = "tok-example-0123456789"
KINDS = ("stdlib", "starlette")


def load(name: str) -> ModuleType:
    """An example as a module (examples/ is a folder of scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class Running:
    base_url: str
    tasks: list[Task]

    def hook(self, provider: str, query: str = "") -> str:
        return f"{self.base_url}/hooks/{provider}{query}"


@contextlib.contextmanager
def _serve_stdlib(
    secrets: dict[str, str], on_task: Callable[[Task], None], now: Callable[[], float]
) -> Iterator[str]:
    example = load("callbacks_stdlib")
    server = example.make_server(secrets, on_task, now=now)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@contextlib.contextmanager
def _serve_starlette(
    secrets: dict[str, str], on_task: Callable[[Task], None], now: Callable[[], float]
) -> Iterator[str]:
    import uvicorn

    example = load("callbacks_starlette")
    app = example.create_app(secrets, on_task, now=now)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, lifespan="off", ws="none", http="h11", log_level="warning", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@pytest.fixture
def fake() -> Iterator[FakeProviders]:
    with FakeProviders() as simulator:
        yield simulator


@pytest.fixture(params=KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@contextlib.contextmanager
def start(kind: str, fake: FakeProviders, secrets: dict[str, str]) -> Iterator[Running]:
    """The example receiver ``kind`` on 127.0.0.1, judging Vidu's Date by the simulator's clock."""
    tasks: list[Task] = []
    serve = _serve_stdlib if kind == "stdlib" else _serve_starlette
    with serve(secrets, tasks.append, fake.clock.now) as base_url:
        yield Running(base_url, tasks)


@pytest.fixture
def receiver(kind: str, fake: FakeProviders) -> Iterator[Running]:
    secrets = {"ark": TOKEN, "volc": TOKEN, "minimax": TOKEN, "vidu": fake.api_keys["vidu"]}
    with start(kind, fake, secrets) as running:
        yield running


def settle(fake: FakeProviders, running: Running, count: int) -> None:
    """Deliver what is due, then wait for the receiver's after-answer work to see ``count`` tasks."""
    fake.deliver_callbacks()
    deadline = time.monotonic() + 10
    while len(running.tasks) < count:
        assert time.monotonic() < deadline, f"{len(running.tasks)} tasks, not {count}"
        time.sleep(0.01)


def acknowledged(fake: FakeProviders) -> list[tuple[str, str | None, bool]]:
    return [(d.kind, d.raw_status, d.acknowledged) for d in fake.callback_deliveries]


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_ark_pushes_with_the_token(fake: FakeProviders, receiver: Running, provider: str) -> None:
    task = fake.add_task(
        provider, lifecycle="succeeded", callback_url=receiver.hook(provider, f"?token={TOKEN}")
    )
    fake.clock.advance(60)
    settle(fake, receiver, 3)
    # Each push is handed on after it is answered, on the server's threads: in any order (a
    # receiver must not let a late "running" undo a "succeeded"; re-fetching settles it).
    assert sorted(t.status for t in receiver.tasks) == sorted(
        [TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED]
    )
    assert {t.id for t in receiver.tasks} == {task.id}
    assert all(ack for _, _, ack in acknowledged(fake))


def test_a_wrong_token_is_refused_and_retried(fake: FakeProviders, receiver: Running) -> None:
    fake.add_task(
        "ark", status="succeeded", callback_url=receiver.hook("ark", "?token=guessed-wrong")
    )
    for _ in range(5):
        fake.deliver_callbacks()
        fake.clock.advance(5)
    assert [(d.status, d.attempt) for d in fake.callback_deliveries] == [
        (401, 1),
        (401, 2),
        (401, 3),
        (401, 4),
    ]
    assert receiver.tasks == []


def test_minimax_challenge_then_pushes_then_the_refetch(
    fake: FakeProviders, receiver: Running
) -> None:
    task = fake.add_task(
        "minimax", lifecycle="succeeded", callback_url=receiver.hook("minimax", f"?token={TOKEN}")
    )
    fake.clock.advance(60)
    settle(fake, receiver, 2)
    assert acknowledged(fake) == [
        ("challenge", None, True),
        ("status", "processing", True),
        ("status", "success", True),
    ]
    (done,) = [t for t in receiver.tasks if t.status is TaskStatus.SUCCEEDED]
    assert (done.status, done.video_url) == (TaskStatus.SUCCEEDED, None)
    # The push names a file; the vendor's API gives its URL: the safe pattern is to re-fetch.
    with vtasks.Client(
        "minimax", base_url=fake.base_url, api_key=fake.api_keys["minimax"]
    ) as client:
        fresh = client.get_task(done.id)
    assert fresh.video_url == fake.get_task("minimax", task.id).video_url


def test_vidu_pushes_are_verified(fake: FakeProviders, receiver: Running) -> None:
    fake.add_task(
        "vidu", lifecycle="failed", callback_url=receiver.hook("vidu", "?name=james&age=36")
    )
    fake.clock.advance(60)
    settle(fake, receiver, 2)
    assert sorted(t.status for t in receiver.tasks) == [TaskStatus.FAILED, TaskStatus.RUNNING]
    assert all(ack for _, _, ack in acknowledged(fake))


def test_vidu_replays_are_refused(fake: FakeProviders, receiver: Running) -> None:
    fake.add_task("vidu", status="succeeded", callback_url=receiver.hook("vidu"))
    settle(fake, receiver, 1)
    (delivery,) = fake.callback_deliveries
    replay = httpx.post(
        delivery.url, headers=dict(delivery.headers), content=delivery.body, timeout=10
    )
    assert replay.status_code == 401
    assert "replay" in replay.text
    assert len(receiver.tasks) == 1


def test_vidu_signed_with_another_key_is_refused(kind: str, fake: FakeProviders) -> None:
    with start(kind, fake, {"vidu": "sk-not-the-key-that-signed"}) as running:
        fake.add_task("vidu", status="succeeded", callback_url=running.hook("vidu"))
        fake.deliver_callbacks()
        assert [d.status for d in fake.callback_deliveries] == [401]
        assert running.tasks == []


def test_vidu_without_its_key_is_a_server_error(kind: str, fake: FakeProviders) -> None:
    with start(kind, fake, {}) as running:
        fake.add_task("vidu", status="succeeded", callback_url=running.hook("vidu"))
        fake.deliver_callbacks()
        assert [d.status for d in fake.callback_deliveries] == [500]
        assert b"API key" in fake.callback_deliveries[0].response


@pytest.mark.parametrize(
    ("path", "method", "content", "status"),
    [
        ("/hooks/veo", "POST", b"{}", 404),
        ("/hooks/runway", "POST", b"{}", 404),
        ("/elsewhere", "POST", b"{}", 404),
        ("/hooks/ark?token=" + TOKEN, "GET", b"", 405),
        ("/hooks/ark?token=" + TOKEN, "POST", b"not json", 400),
        ("/hooks/ark?token=" + TOKEN, "POST", b"x" * (callbacks.MAX_BODY_BYTES + 1), 413),
    ],
)
def test_what_is_not_a_callback(
    receiver: Running, path: str, method: str, content: bytes, status: int
) -> None:
    answer = httpx.request(method, receiver.base_url + path, content=content, timeout=10)
    assert answer.status_code == status
    assert receiver.tasks == []


def test_the_stdlib_example_reads_its_secrets_from_the_environment() -> None:
    example = load("callbacks_stdlib")
    env = {"VTASKS_CALLBACK_TOKEN": TOKEN, "VTASKS_VIDU_API_KEY": "sk-vidu-key-0001"}
    assert example.secrets_from_env(env) == {
        "ark": TOKEN,
        "volc": TOKEN,
        "minimax": TOKEN,
        "vidu": "sk-vidu-key-0001",
    }
    assert example.secrets_from_env({}) == {}


def test_the_examples_run_as_scripts(tmp_path: Path) -> None:
    import subprocess

    for name in ("callbacks_stdlib", "callbacks_starlette"):
        result = subprocess.run(
            [sys.executable, str(EXAMPLES / f"{name}.py"), "--help"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr
        assert "--port" in result.stdout
