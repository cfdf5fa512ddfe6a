"""A create is sent at most once, whatever the server does: the proof the issue asks for.

Each case is a raw-socket server (``hostile.py``) that misbehaves in one way after the create
request has arrived, or refuses the connection before it can. For every provider that creates
tasks, and with both clients, the server must have seen the create exactly once, and the caller
must get:

- ``TaskMayExistError`` after anything that leaves the outcome unknown (a dropped or reset
  connection, a timeout, a 5xx, a redirect, a truncated, unreadable, oversized or id-less
  answer), carrying provider, model, when it was sent and the prompt's digest;
- the vendor's refusal (an ``APIError``, not "may exist") after a 4xx that made nothing;
- the new task when the connection was refused first and accepted on a retry (the one case
  where a create is re-sent: not a byte of it had left).
"""

from __future__ import annotations

import asyncio
import hashlib
import socket
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hostile import (
    Conn,
    HostileServer,
    RawRequest,
    Script,
    answer,
    head,
    hostile_server,
    json_answer,
)

import vtasks
from vtasks import RetryPolicy, TaskMayExistError

PROMPT = "a cat surfing a wave at dusk"
MODEL = "model-under-test"
DIGEST = hashlib.sha256(PROMPT.encode()).hexdigest()

# What each vendor answers to a good create (the documented shapes).
CREATED: dict[str, Any] = {
    "ark": {"id": "cgt-20261202-once"},
    "volc": {"id": "cgt-20261202-once"},
    "veo": {"id": "veo-once", "status": "pending", "status_update_time": 1764658800},
    "minimax": {
        "task_id": "106916112212032",
        "base_resp": {"status_code": 0, "status_msg": "success"},
    },
    "vidu": {
        "task_id": "811958430387515588",
        "state": "created",
        "model": MODEL,
        "credits": 20,
        "created_at": "2026-12-02T10:00:00.000000Z",
    },
    "aitoearn": {
        "code": 0,
        "message": "ok",
        "data": {"id": "6b0fe1b0d1a3a7a5c2019613", "status": "submitted"},
    },
}
NEW_ID = {p: (a.get("id") or a.get("task_id") or a["data"]["id"]) for p, a in CREATED.items()}
CREATORS = list(CREATED)  # every provider creates tasks (test_every_provider_creates)


def test_every_provider_creates() -> None:
    creators = [p for p in vtasks.PROVIDERS if vtasks.PROVIDER_INFO[p].supports_create]
    assert sorted(creators) == sorted(CREATORS)


def _drop(request: RawRequest, conn: Conn) -> bool:
    return False  # close without a byte of answer


def _reset(request: RawRequest, conn: Conn) -> bool:
    conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return False  # SO_LINGER 0: the close is a TCP reset


def _hang(request: RawRequest, conn: Conn) -> bool:
    while not conn.stopping:
        time.sleep(0.02)
    return False


def _redirect(status: int) -> Script:
    def script(request: RawRequest, conn: Conn) -> bool:
        conn.send(head(status, {"Location": request.target, "Content-Length": "0"}))
        return True

    return script


def _truncated(request: RawRequest, conn: Conn) -> bool:
    conn.send(
        head(200, {"Content-Type": "application/json", "Content-Length": "100"}) + b'{"id": "cg'
    )
    return False


def _trickle_past_deadline(request: RawRequest, conn: Conn) -> bool:
    conn.send(head(200, {"Content-Type": "application/json", "Content-Length": "4000"}))
    for _ in range(4000):
        if conn.stopping:
            return False
        conn.send(b" ")
        time.sleep(0.01)
    return False


# name -> (script, what the caller gets: "may_exist" | "refused")
FAULTS: dict[str, tuple[Script, str]] = {
    "dropped after the request": (_drop, "may_exist"),
    "reset after the request": (_reset, "may_exist"),
    "no answer before the deadline": (_hang, "may_exist"),
    "answer trickling past the deadline": (_trickle_past_deadline, "may_exist"),
    "500": (answer(500, b'{"error": "boom"}', {"Content-Type": "application/json"}), "may_exist"),
    "502 with Retry-After 0": (answer(502, b"bad gateway", {"Retry-After": "0"}), "may_exist"),
    "503 with Retry-After 0": (answer(503, b"", {"Retry-After": "0"}), "may_exist"),
    "504": (answer(504, b"gateway timeout"), "may_exist"),
    "307 to the same URL": (_redirect(307), "may_exist"),
    "308 to the same URL": (_redirect(308), "may_exist"),
    "truncated answer": (_truncated, "may_exist"),
    "200 that is not JSON": (
        answer(200, b"<html>oops</html>", {"Content-Type": "text/html"}),
        "may_exist",
    ),
    "200 without an id": (json_answer({}), "may_exist"),
    "200 over the size limit": (json_answer({"id": "x" * 20_000}), "may_exist"),
    "400 refusal": (
        json_answer({"error": {"code": "InvalidParameter", "message": "no"}}, 400),
        "refused",
    ),
    "401 refusal": (
        json_answer({"error": {"code": "AuthenticationError", "message": "no"}}, 401),
        "refused",
    ),
    "429 refusal": (
        json_answer({"error": {"code": "RateLimitExceeded", "message": "slow"}}, 429),
        "refused",
    ),
}

FAST = RetryPolicy(max_retries=3, backoff_initial=0.05, backoff_max=0.1, retry_after_max=0.1)


def _create(mode: str, provider: str, base_url: str, **options: Any) -> vtasks.Task:
    settings: dict[str, Any] = {
        "api_key": "sk-once-0123456789",
        "base_url": base_url,
        "timeout": 0.6,
        "retry_policy": FAST,
        "max_response_bytes": 8192,
        **options,
    }
    if mode == "sync":
        with vtasks.Client(provider, **settings) as client:
            return client.create_task(model=MODEL, prompt=PROMPT)

    async def run() -> vtasks.Task:
        async with vtasks.AsyncClient(provider, **settings) as client:
            return await client.create_task(model=MODEL, prompt=PROMPT)

    return asyncio.run(run())


def _creates(server: HostileServer) -> list[RawRequest]:
    return [r for r in server.requests if r.method == "POST"]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", CREATORS)
@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_create_is_sent_at_most_once(mode: str, provider: str, fault: str) -> None:
    script, expected = FAULTS[fault]
    before = time.time()
    with hostile_server(script) as server:
        with pytest.raises(vtasks.VTasksError) as caught:
            _create(mode, provider, server.url)
        creates = _creates(server)
    assert len(creates) == 1, f"{fault}: the create arrived {len(creates)} times"
    assert not [r for r in server.requests if r.method != "POST"], (
        "nothing but the create was asked"
    )
    error = caught.value
    if expected == "refused":
        assert isinstance(error, vtasks.APIError)
        assert not isinstance(error, TaskMayExistError)
        return
    assert isinstance(error, TaskMayExistError), f"{fault}: {type(error).__name__}: {error}"
    assert error.provider == provider
    assert error.model == MODEL
    assert error.prompt_digest == DIGEST
    assert before - 1 <= error.sent_at.timestamp() <= time.time() + 1
    assert "sk-once" not in str(error)


def _listen_later(
    port_holder: list[int], delay: float, script: Script
) -> Callable[[], HostileServer]:
    """A port refusing connections now, served by ``script`` after ``delay`` seconds."""
    probe = socket.create_server(("127.0.0.1", 0))
    port_holder.append(probe.getsockname()[1])
    probe.close()  # now nothing listens on it: a connect is refused
    started: list[HostileServer] = []
    ready = threading.Event()

    def start() -> None:
        time.sleep(delay)
        started.append(HostileServer(script, port=port_holder[0]))
        ready.set()

    threading.Thread(target=start, daemon=True).start()

    def get() -> HostileServer:
        ready.wait(5)
        return started[0]

    return get


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", CREATORS)
def test_a_refused_connection_is_retried_and_the_create_arrives_once(
    mode: str, provider: str
) -> None:
    port: list[int] = []
    server_of = _listen_later(port, 0.15, json_answer(CREATED[provider]))
    policy = RetryPolicy(max_retries=20, backoff_initial=0.05, backoff_max=0.05)
    task = _create(mode, provider, f"http://127.0.0.1:{port[0]}", retry_policy=policy)
    server = server_of()
    try:
        assert task.id == NEW_ID[provider]
        assert len(_creates(server)) == 1
    finally:
        server.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("provider", CREATORS)
def test_a_good_answer_is_the_new_task(mode: str, provider: str) -> None:
    with hostile_server(json_answer(CREATED[provider])) as server:
        task = _create(mode, provider, server.url)
        (create,) = _creates(server)
    assert task.id == NEW_ID[provider]
    assert task.provider == provider
    assert b"sk-once" not in create.body
