"""The simulator delivers callbacks as the vendors do, to real receivers on 127.0.0.1.

Ark / volc push the task object on every change, unsigned; MiniMax sends its challenge first and
then the query's shape with lower-case statuses; Vidu signs each push with the API key. Terminal
pushes that are not acknowledged are retried three times, 5 simulated seconds apart. Every push is
read back with ``vtasks.callbacks.parse``: the simulator and the parser were written apart from
each other, so each checks the other.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from vtasks import TaskStatus, callbacks
from vtasks.testing import CallbackDelivery, FakeProviders

START = 1_767_225_600.0  # 2026-01-01T00:00:00Z: a fixed clock makes runs repeatable


@dataclass(frozen=True)
class Received:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Answer = Callable[[Received], tuple[int, bytes]]


def echo(request: Received) -> tuple[int, bytes]:
    """What a correct receiver answers: the challenge echoed, anything else acknowledged."""
    payload = request.json()
    if "challenge" in payload:
        return 200, json.dumps({"challenge": payload["challenge"]}).encode()
    return 200, b"{}"


class Receiver:
    """A loopback HTTP server that records every request and answers with ``answer``."""

    def __init__(self, answer: Answer = echo, delay: float = 0.0) -> None:
        self.answer = answer
        self.delay = delay
        self.requests: list[Received] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                request = Received(
                    self.command,
                    self.path,
                    {k.lower(): v for k, v in self.headers.items()},
                    self.rfile.read(length),
                )
                owner.requests.append(request)
                if owner.delay:
                    time.sleep(owner.delay)
                status, body = owner.answer(request)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.thread.start()

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.server.server_port}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def statuses(self, key: str = "status") -> list[Any]:
        return [r.json().get(key) for r in self.requests if "challenge" not in r.json()]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def sim() -> Iterator[FakeProviders]:
    with FakeProviders(start_time=START) as fake:
        yield fake


def parse(provider: str, request: Received, **kwargs: Any) -> callbacks.CallbackResult:
    return callbacks.parse(
        provider,
        method=request.method,
        url=request.target,
        headers=request.headers,
        body=request.body,
        **kwargs,
    )


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


# ---- Ark / volc -------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_ark_pushes_the_task_object_on_every_change(
    sim: FakeProviders, receiver: Receiver, provider: str
) -> None:
    url = receiver.url(f"/hooks/{provider}?token=tok-0123456789")
    task = sim.add_task(provider, lifecycle="succeeded", step_seconds=5, callback_url=url)
    assert task.callback_url == url
    sim.deliver_callbacks()
    assert receiver.statuses() == ["queued"]
    for _ in range(2):
        sim.clock.advance(5)
        sim.deliver_callbacks()
    assert receiver.statuses() == ["queued", "running", "succeeded"]
    for request in receiver.requests:
        assert request.method == "POST"
        assert request.target == f"/hooks/{provider}?token=tok-0123456789"
        assert request.headers["content-type"].startswith("application/json")
        assert "authorization" not in request.headers  # the API key never goes to a receiver
        assert sim.api_keys[provider].encode() not in request.body
    tasks = [parse(provider, r, secret="tok-0123456789").task for r in receiver.requests]
    assert [t.status for t in tasks if t] == [
        TaskStatus.QUEUED,
        TaskStatus.RUNNING,
        TaskStatus.SUCCEEDED,
    ]
    done = tasks[-1]
    assert done is not None
    assert done.id == task.id
    assert done.video_url == sim.get_task(provider, task.id).video_url
    deliveries = sim.callback_deliveries
    assert [(d.kind, d.raw_status, d.attempt, d.acknowledged) for d in deliveries] == [
        ("status", "queued", 1, True),
        ("status", "running", 1, True),
        ("status", "succeeded", 1, True),
    ]
    assert [d.time for d in deliveries] == [START, START + 5, START + 10]
    assert all(d.status == 200 and d.error is None and d.url == url for d in deliveries)


def test_a_jump_in_time_delivers_every_change_in_order(
    sim: FakeProviders, receiver: Receiver
) -> None:
    sim.add_task("ark", lifecycle="failed", step_seconds=5, callback_url=receiver.url())
    sim.clock.advance(3600)
    sim.deliver_callbacks()
    assert receiver.statuses() == ["queued", "running", "failed"]
    failed = parse("ark", receiver.requests[-1]).task
    assert failed is not None
    assert failed.error_code == "OutputVideoSensitiveContentDetected"


def test_set_status_is_a_change_that_is_pushed(sim: FakeProviders, receiver: Receiver) -> None:
    task = sim.add_task("ark", status="running", callback_url=receiver.url())
    sim.deliver_callbacks()
    sim.clock.advance(1)
    sim.set_status("ark", task.id, "expired")
    sim.deliver_callbacks()
    assert receiver.statuses() == ["running", "expired"]


def test_a_removed_task_gets_no_more_pushes(sim: FakeProviders, receiver: Receiver) -> None:
    task = sim.add_task("ark", lifecycle="succeeded", callback_url=receiver.url())
    sim.deliver_callbacks()
    sim.remove_task("ark", task.id)
    sim.clock.advance(60)
    sim.deliver_callbacks()
    assert receiver.statuses() == ["queued"]


# ---- MiniMax ----------------------------------------------------------------------------------


def test_minimax_sends_its_challenge_first(sim: FakeProviders, receiver: Receiver) -> None:
    sim.add_task("minimax", lifecycle="succeeded", step_seconds=5, callback_url=receiver.url())
    sim.deliver_callbacks()
    (first,) = receiver.requests
    challenge = first.json()
    assert set(challenge) == {"challenge"}
    assert parse("minimax", first).kind == "challenge"
    sim.clock.advance(60)
    sim.deliver_callbacks()
    # Preparing and Queueing are not pushed; the callback spells the rest in lower case.
    assert receiver.statuses() == ["processing", "success"]
    results = [parse("minimax", r) for r in receiver.requests[1:]]
    assert [r.task.status for r in results if r.task] == [TaskStatus.RUNNING, TaskStatus.SUCCEEDED]
    done = results[-1].task
    assert done is not None
    assert done.video_url is None  # a push names the file; files/retrieve gives its URL
    assert done.raw["file_id"]
    kinds = [(d.kind, d.raw_status, d.acknowledged) for d in sim.callback_deliveries]
    assert kinds == [
        ("challenge", None, True),
        ("status", "processing", True),
        ("status", "success", True),
    ]


def _wrong_echo(request: Received) -> tuple[int, bytes]:
    return 200, b'{"challenge": "not the one"}'


def _server_error(request: Received) -> tuple[int, bytes]:
    return 500, b"{}"


@pytest.mark.parametrize("answer", [_wrong_echo, _server_error])
def test_minimax_stops_when_the_challenge_is_not_echoed(sim: FakeProviders, answer: Answer) -> None:
    receiver = Receiver(answer)
    try:
        sim.add_task("minimax", lifecycle="succeeded", step_seconds=5, callback_url=receiver.url())
        sim.deliver_callbacks()
        sim.clock.advance(60)
        sim.deliver_callbacks()
        assert len(receiver.requests) == 1
        (delivery,) = sim.callback_deliveries
        assert delivery.kind == "challenge"
        assert not delivery.acknowledged
    finally:
        receiver.close()


# ---- Vidu -------------------------------------------------------------------------------------


def test_vidu_signs_every_push_with_the_api_key(sim: FakeProviders, receiver: Receiver) -> None:
    key = sim.api_keys["vidu"]
    task = sim.add_task(
        "vidu",
        lifecycle="succeeded",
        step_seconds=5,
        callback_url=receiver.url("/vidu/callback?name=james&age=36"),
    )
    sim.clock.advance(60)
    sim.deliver_callbacks()
    # created and queueing are not pushed.
    assert receiver.statuses("state") == ["processing", "success"]
    nonces = set()
    for request in receiver.requests:
        result = parse("vidu", request, secret=key, now=sim.clock.now())
        assert result.authenticated
        assert result.task is not None
        assert result.task.id == task.id
        nonces.add(result.nonce)
        assert request.headers["x-hmac-signed-headers"] == "Date;x-request-nonce"
        assert request.headers["x-hmac-algorithm"] == "hmac-sha256"
        assert request.headers["x-hmac-access-key"] == "vidu"
        assert key not in json.dumps(request.headers) + request.body.decode()
        with pytest.raises(callbacks.CallbackSignatureError):
            parse("vidu", request, secret="sk-someone-elses-key", now=sim.clock.now())
    assert len(nonces) == 2
    assert parse("vidu", receiver.requests[-1], secret=key, now=sim.clock.now()).task.video_url  # type: ignore[union-attr]


def test_vidu_dates_are_the_simulated_time(sim: FakeProviders, receiver: Receiver) -> None:
    sim.add_task("vidu", status="succeeded", callback_url=receiver.url())
    sim.deliver_callbacks()
    (request,) = receiver.requests
    assert request.headers["date"] == "Thu, 01 Jan 2026 00:00:00 GMT"
    with pytest.raises(callbacks.CallbackSignatureError, match="old"):
        parse("vidu", request, secret=sim.api_keys["vidu"], now=START + 301)


# ---- retries ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "status"),
    [("ark", "succeeded"), ("volc", "failed"), ("vidu", "succeeded"), ("minimax", "failed")],
)
def test_terminal_pushes_are_retried_three_times(
    sim: FakeProviders, provider: str, status: str
) -> None:
    def refuse_pushes(request: Received) -> tuple[int, bytes]:
        return echo(request) if "challenge" in request.json() else (503, b"busy")

    receiver = Receiver(refuse_pushes)
    try:
        sim.add_task(provider, status=status, callback_url=receiver.url())
        sim.deliver_callbacks()
        for _ in range(10):
            sim.clock.advance(5)
            sim.deliver_callbacks()
        pushes = [d for d in sim.callback_deliveries if d.kind == "status"]
        assert [d.attempt for d in pushes] == [1, 2, 3, 4]
        assert [d.time - pushes[0].time for d in pushes] == [0, 5, 10, 15]
        assert all(d.status == 503 and d.response == b"busy" and not d.acknowledged for d in pushes)
    finally:
        receiver.close()


def test_a_retry_that_is_acknowledged_ends_the_retries(sim: FakeProviders) -> None:
    answers = iter([(500, b"{}"), (200, b"{}")])
    receiver = Receiver(lambda request: next(answers, (200, b"{}")))
    try:
        sim.add_task("ark", status="succeeded", callback_url=receiver.url())
        for _ in range(5):
            sim.deliver_callbacks()
            sim.clock.advance(5)
        assert [(d.attempt, d.acknowledged) for d in sim.callback_deliveries] == [
            (1, False),
            (2, True),
        ]
    finally:
        receiver.close()


def test_pushes_on_the_way_are_not_retried(sim: FakeProviders) -> None:
    receiver = Receiver(_server_error)
    try:
        sim.add_task("ark", status="running", callback_url=receiver.url())
        sim.deliver_callbacks()
        sim.clock.advance(60)
        sim.deliver_callbacks()
        assert [d.attempt for d in sim.callback_deliveries] == [1]
    finally:
        receiver.close()


def test_an_unreachable_receiver_is_recorded(sim: FakeProviders) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sim.add_task("ark", status="succeeded", callback_url=f"http://127.0.0.1:{port}/hooks")
    sim.deliver_callbacks()
    (delivery,) = sim.callback_deliveries
    assert (delivery.status, delivery.acknowledged) == (0, False)
    assert delivery.error is not None
    assert "Connection" in delivery.error


def test_a_slow_receiver_is_not_an_acknowledgement() -> None:
    receiver = Receiver(delay=1.0)
    try:
        with FakeProviders(start_time=START, callback_timeout=0.2) as fake:
            fake.add_task("ark", status="succeeded", callback_url=receiver.url())
            fake.deliver_callbacks()
            (delivery,) = fake.callback_deliveries
            assert not delivery.acknowledged
            assert "timed out" in (delivery.error or "")
    finally:
        receiver.close()


# ---- when deliveries happen ---------------------------------------------------------------------


def test_deliveries_follow_the_clock_without_being_flushed(
    sim: FakeProviders, receiver: Receiver
) -> None:
    sim.add_task("ark", lifecycle="succeeded", step_seconds=5, callback_url=receiver.url())
    wait_for(lambda: len(receiver.requests) == 1)
    sim.clock.advance(60)
    wait_for(lambda: len(receiver.requests) == 3)
    assert receiver.statuses() == ["queued", "running", "succeeded"]


def test_real_time_mode_delivers_on_its_own(receiver: Receiver) -> None:
    with FakeProviders(speed=100.0) as fake:
        fake.add_task("vidu", lifecycle="succeeded", step_seconds=5, callback_url=receiver.url())
        wait_for(lambda: len(receiver.requests) == 2)
    assert receiver.statuses("state") == ["processing", "success"]


def test_deliveries_are_repeatable() -> None:
    def run() -> list[tuple[Any, ...]]:
        receiver = Receiver()
        try:
            with FakeProviders(start_time=START, seed=7) as fake:
                fake.add_task("minimax", lifecycle="succeeded", callback_url=receiver.url())
                fake.add_task("vidu", lifecycle="failed", callback_url=receiver.url())
                fake.clock.advance(60)
                fake.deliver_callbacks()
                return [
                    (
                        d.provider,
                        d.kind,
                        d.raw_status,
                        d.time,
                        d.headers.get("x-request-nonce"),
                        d.body if d.provider == "minimax" else b"",  # Vidu's embed the port
                    )
                    for d in fake.callback_deliveries
                ]
        finally:
            receiver.close()

    first = run()
    assert len(first) == 5
    assert run() == first


def test_any_task_record_with_a_callback_url_is_delivered(
    sim: FakeProviders, receiver: Receiver
) -> None:
    # However a task is made (add_task, a create endpoint), a stored record with a callback_url
    # gets its pushes.
    from vtasks.testing._lifecycle import build_phases

    phases = build_phases(
        "ark", START, status="succeeded", raw_status=None, spec=None, step_seconds=5, detailed=False
    )
    with sim._sim.lock:
        record = sim._new_record("ark", None, START, phases, None, None, None, {})
        record.callback_url = receiver.url()
        sim._sim.stores["ark"].add(record)
    sim.deliver_callbacks()
    assert receiver.statuses() == ["succeeded"]


def test_deliver_callbacks_needs_a_running_simulator() -> None:
    fake = FakeProviders()
    with pytest.raises(RuntimeError, match="not running"):
        fake.deliver_callbacks()


@pytest.mark.parametrize("provider", ["veo", "aitoearn"])
def test_vendors_without_callbacks_refuse_a_callback_url(sim: FakeProviders, provider: str) -> None:
    with pytest.raises(ValueError, match="no callbacks"):
        sim.add_task(provider, callback_url="http://127.0.0.1:9/hooks")


@pytest.mark.parametrize("url", ["", "ftp://127.0.0.1/x", "/hooks", "http:///x", 42])
def test_a_callback_url_must_be_http(sim: FakeProviders, url: Any) -> None:
    with pytest.raises(ValueError, match="callback_url"):
        sim.add_task("ark", callback_url=url)


def test_a_delivery_record_is_plain_data(sim: FakeProviders, receiver: Receiver) -> None:
    sim.add_task("ark", status="queued", callback_url=receiver.url())
    sim.deliver_callbacks()
    (delivery,) = sim.callback_deliveries
    assert isinstance(delivery, CallbackDelivery)
    assert delivery.provider == "ark"
    assert delivery.headers["Content-Type"] == "application/json"
    assert json.loads(delivery.body)["status"] == "queued"
    assert delivery.response == b"{}"
    with pytest.raises(AttributeError):
        delivery.status = 500  # type: ignore[misc]


def test_the_docs_example_runs(capsys: pytest.CaptureFixture[str]) -> None:
    # docs/callbacks.md "Testing your own receiver", pointed at a port nobody listens on.
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "callbacks.md").read_text("utf-8")
    section = text.split("## Testing your own receiver", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert "127.0.0.1:8080" in code
    exec(compile(code.replace("127.0.0.1:8080", f"127.0.0.1:{port}"), "callbacks.md", "exec"), {})
    lines = capsys.readouterr().out.split("\n")
    assert lines[:2] == ["status processing 1 0 False", "status success 1 0 False"]
