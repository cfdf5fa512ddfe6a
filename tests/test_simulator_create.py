"""The simulator's create and cancel endpoints, over real HTTP on 127.0.0.1 (raw httpx)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from vtasks.testing import FakeProviders

SCHEMES = {
    "ark": ("Authorization", "Bearer {}"),
    "volc": ("Authorization", "Bearer {}"),
    "veo": ("Authorization", "Bearer {}"),
    "minimax": ("Authorization", "Bearer {}"),
    "vidu": ("Authorization", "Token {}"),
    "aitoearn": ("X-Api-Key", "{}"),
}
SEEDANCE = {
    "ark": "/api/v3/contents/generations/tasks",
    "volc": "/volc/v1/contents/generations/tasks",
}
ARK_BODY = {
    "model": "doubao-seedance-1-0-pro-250528",
    "content": [{"type": "text", "text": "a cat surfing --rs 480p --dur 10"}],
    "ratio": "9:16",
    "seed": 11,
}


def auth(fake: FakeProviders, provider: str) -> dict[str, str]:
    name, template = SCHEMES[provider]
    return {name: template.format(fake.api_keys[provider])}


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5.0) as client:
        yield client


def finish(fake: FakeProviders) -> None:
    """Advance the clock past the default create lifecycle (steps of 5 s)."""
    fake.clock.advance(60)


# ---- ark / volc -----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_create_get_and_progress(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    base = SEEDANCE[provider]
    r = http.post(base, json=ARK_BODY, headers=auth(fake, provider))
    assert r.status_code == 200
    created = r.json()
    assert list(created) == ["id"]
    task_id = created["id"]
    assert task_id.startswith("cgt-")
    got = http.get(f"{base}/{task_id}", headers=auth(fake, provider)).json()
    assert got["status"] == "queued"
    assert (got["model"], got["resolution"], got["duration"], got["ratio"], got["seed"]) == (
        ARK_BODY["model"],
        "480p",
        10,
        "9:16",
        11,
    )
    listed = http.get(base, headers=auth(fake, provider)).json()
    assert [item["id"] for item in listed["items"]] == [task_id]
    fake.clock.advance(5)
    assert http.get(f"{base}/{task_id}", headers=auth(fake, provider)).json()["status"] == "running"
    finish(fake)
    done = http.get(f"{base}/{task_id}", headers=auth(fake, provider)).json()
    assert done["status"] == "succeeded"
    assert done["content"]["video_url"].endswith(".mp4")
    assert fake.get_task(provider, task_id).prompt == "a cat surfing"
    record = fake.requests[0]
    assert (record.endpoint, record.method, record.status) == ("create", "POST", 200)
    assert record.json == ARK_BODY
    assert json.loads(record.body) == ARK_BODY


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"content": ARK_BODY["content"]}, "model"),
        ({"model": "", "content": ARK_BODY["content"]}, "model"),
        ({"model": "m"}, "content"),
        ({"model": "m", "content": []}, "content"),
        ({"model": "m", "content": ARK_BODY["content"], "duration": "long"}, "duration"),
        ({"model": "m", "content": ARK_BODY["content"], "callback_url": "ftp://x"}, "callback_url"),
    ],
)
def test_seedance_create_validation(
    fake: FakeProviders, http: httpx.Client, body: dict[str, Any], param: str
) -> None:
    r = http.post(SEEDANCE["ark"], json=body, headers=auth(fake, "ark"))
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["code"], error["param"], error["type"]) == (
        "InvalidParameter",
        param,
        "BadRequest",
    )
    assert param in error["message"]
    assert fake.task_count("ark") == 0


def test_seedance_create_not_json_and_unauthorized(fake: FakeProviders, http: httpx.Client) -> None:
    r = http.post(SEEDANCE["ark"], content=b"{nope", headers=auth(fake, "ark"))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "InvalidParameter"
    assert fake.requests[-1].json is None
    r = http.post(SEEDANCE["ark"], json=ARK_BODY, headers={"Authorization": "Bearer wrong"})
    assert r.status_code == 401
    assert fake.task_count("ark") == 0


def test_seedance_queue_limit(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("ark", 120, status="queued")
    r = http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark"))
    assert r.status_code == 429
    assert r.json()["error"]["code"] == "QueuedTaskLimitExceeded"
    assert fake.task_count("ark") == 120
    fake.set_status("ark", fake.task_ids("ark")[0], "running")
    assert http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark")).status_code == 200


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_delete_cancels_a_queued_task(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    base = SEEDANCE[provider]
    task_id = http.post(base, json=ARK_BODY, headers=auth(fake, provider)).json()["id"]
    r = http.delete(f"{base}/{task_id}", headers=auth(fake, provider))
    assert (r.status_code, r.json()) == (200, {})
    assert fake.requests[-1].endpoint == "cancel"
    finish(fake)  # a cancelled task stays cancelled: its lifecycle ended
    assert (
        http.get(f"{base}/{task_id}", headers=auth(fake, provider)).json()["status"] == "cancelled"
    )
    again = http.delete(f"{base}/{task_id}", headers=auth(fake, provider))
    assert again.status_code == 400
    assert again.json()["error"]["code"] == "InvalidParameter"
    assert "cancelled" in again.json()["error"]["message"]


def test_seedance_delete_refuses_a_running_task(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("ark", status="running")
    r = http.delete(f"{SEEDANCE['ark']}/{task.id}", headers=auth(fake, "ark"))
    assert r.status_code == 400
    assert "running" in r.json()["error"]["message"]
    assert fake.get_task("ark", task.id).status == "running"


@pytest.mark.parametrize("status", ["succeeded", "failed", "expired"])
def test_seedance_delete_removes_a_finished_task(
    fake: FakeProviders, http: httpx.Client, status: str
) -> None:
    task = fake.add_task("ark", status=status)
    r = http.delete(f"{SEEDANCE['ark']}/{task.id}", headers=auth(fake, "ark"))
    assert (r.status_code, r.json()) == (200, {})
    assert fake.task_count("ark") == 0
    gone = http.get(f"{SEEDANCE['ark']}/{task.id}", headers=auth(fake, "ark"))
    assert gone.status_code == 404
    assert gone.json()["error"]["code"] == "ResourceNotFound"
    assert http.delete(f"{SEEDANCE['ark']}/{task.id}", headers=auth(fake, "ark")).status_code == 404


# ---- veo ------------------------------------------------------------------------------------------


def test_veo_create_get_and_progress(fake: FakeProviders, http: httpx.Client) -> None:
    body = {"model": "veo3.1-fast", "prompt": "a cat", "aspect_ratio": "9:16"}
    r = http.post("/v1/video/create", json=body, headers=auth(fake, "veo"))
    assert r.status_code == 200
    created = r.json()
    assert created["status"] == "pending"
    assert created["enhanced_prompt"] == "a cat"
    assert created["status_update_time"] == int(fake.clock.now() * 1000)
    assert created["id"].startswith("veo3.1-fast:")
    query = {"id": created["id"]}
    got = http.get("/v1/video/query", params=query, headers=auth(fake, "veo")).json()
    assert (got["status"], got["enhanced_prompt"]) == ("pending", "a cat")
    finish(fake)
    done = http.get("/v1/video/query", params=query, headers=auth(fake, "veo")).json()
    assert done["status"] == "completed"
    assert done["video_url"].endswith(".mp4")


@pytest.mark.parametrize(
    "body", [{"prompt": "a cat"}, {"model": "veo3"}, {"model": "veo3", "prompt": ""}]
)
def test_veo_create_validation(
    fake: FakeProviders, http: httpx.Client, body: dict[str, Any]
) -> None:
    r = http.post("/v1/video/create", json=body, headers=auth(fake, "veo"))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_request"
    assert fake.task_count("veo") == 0


# ---- minimax --------------------------------------------------------------------------------------


def test_minimax_create_get_and_progress(fake: FakeProviders, http: httpx.Client) -> None:
    body = {"model": "MiniMax-Hailuo-02", "prompt": "a cat", "duration": 6, "resolution": "768P"}
    r = http.post("/v1/video_generation", json=body, headers=auth(fake, "minimax"))
    assert r.status_code == 200
    created = r.json()
    assert created["base_resp"] == {"status_code": 0, "status_msg": "success"}
    task_id = created["task_id"]
    assert task_id.isdigit()
    query = {"task_id": task_id}
    got = http.get("/v1/query/video_generation", params=query, headers=auth(fake, "minimax"))
    assert got.json()["status"] == "Preparing"
    finish(fake)
    done = http.get("/v1/query/video_generation", params=query, headers=auth(fake, "minimax"))
    assert done.json()["status"] == "Success"
    assert (done.json()["video_width"], done.json()["video_height"]) == (1366, 768)
    assert fake.get_task("minimax", task_id).model == "MiniMax-Hailuo-02"


@pytest.mark.parametrize(
    ("body", "word"),
    [({"prompt": "a cat"}, "model"), ({"model": "MiniMax-Hailuo-02", "duration": 7}, "duration")],
)
def test_minimax_create_validation(
    fake: FakeProviders, http: httpx.Client, body: dict[str, Any], word: str
) -> None:
    r = http.post("/v1/video_generation", json=body, headers=auth(fake, "minimax"))
    assert r.status_code == 200
    base = r.json()["base_resp"]
    assert base["status_code"] == 2013
    assert word in base["status_msg"]
    assert fake.task_count("minimax") == 0


# ---- vidu -----------------------------------------------------------------------------------------

IMG = "https://example.com/a.png"


@pytest.mark.parametrize(
    ("kind", "images"),
    [
        ("text2video", []),
        ("img2video", [IMG]),
        ("start-end2video", [IMG, IMG]),
        ("reference2video", [IMG] * 7),
    ],
)
def test_vidu_create_get_and_progress(
    fake: FakeProviders, http: httpx.Client, kind: str, images: list[str]
) -> None:
    body = {"model": "viduq1", "prompt": "a cat", "images": images, "duration": 5, "seed": 7}
    body |= {"aspect_ratio": "9:16", "resolution": "720p"}
    r = http.post(f"/ent/v2/{kind}", json=body, headers=auth(fake, "vidu"))
    assert r.status_code == 200
    created = r.json()
    assert created["state"] == "created"
    assert (created["model"], created["prompt"], created["images"]) == ("viduq1", "a cat", images)
    assert (created["duration"], created["seed"], created["aspect_ratio"]) == (5, 7, "9:16")
    assert (created["resolution"], created["credits"]) == ("720p", 20)
    assert created["created_at"].endswith("Z")
    task_id = created["task_id"]
    got = http.get(f"/ent/v2/tasks/{task_id}/creations", headers=auth(fake, "vidu")).json()
    assert got["state"] == "created"
    listed = http.get("/ent/v2/tasks", headers=auth(fake, "vidu")).json()["tasks"]
    assert [(t["id"], t["type"], t["images"], t["aspect_ratio"]) for t in listed] == [
        (task_id, kind, images, "9:16")
    ]
    finish(fake)
    done = http.get(f"/ent/v2/tasks/{task_id}/creations", headers=auth(fake, "vidu")).json()
    assert done["state"] == "success"
    assert done["creations"][0]["url"].endswith(".mp4")


@pytest.mark.parametrize(
    ("kind", "body", "words"),
    [
        ("text2video", {"model": "viduq1"}, "prompt is required"),
        ("text2video", {"model": "viduq1", "prompt": "p", "images": [IMG]}, "exactly 0"),
        ("img2video", {"model": "viduq1", "images": []}, "exactly 1 images, not 0"),
        ("img2video", {"model": "viduq1", "images": [IMG, IMG]}, "exactly 1 images, not 2"),
        ("start-end2video", {"model": "viduq1", "images": [IMG]}, "exactly 2 images, not 1"),
        ("reference2video", {"model": "viduq1", "images": []}, "1 to 7 images, not 0"),
        ("reference2video", {"model": "viduq1", "images": [IMG] * 8}, "1 to 7 images, not 8"),
        ("img2video", {"images": [IMG]}, "model is required"),
    ],
)
def test_vidu_create_validation(
    fake: FakeProviders, http: httpx.Client, kind: str, body: dict[str, Any], words: str
) -> None:
    r = http.post(f"/ent/v2/{kind}", json=body, headers=auth(fake, "vidu"))
    assert r.status_code == 400
    error = r.json()
    assert (error["code"], error["reason"]) == (400, "BadRequest")
    assert words in error["message"]
    assert error["metadata"]["trace_id"] == r.headers["x-request-id"]
    assert fake.task_count("vidu") == 0


@pytest.mark.parametrize("wait", [0, 5])  # created, then queueing
def test_vidu_cancel_a_waiting_task(fake: FakeProviders, http: httpx.Client, wait: int) -> None:
    body = {"model": "viduq1", "prompt": "a cat"}
    task_id = http.post("/ent/v2/text2video", json=body, headers=auth(fake, "vidu")).json()[
        "task_id"
    ]
    fake.clock.advance(wait)
    r = http.post(
        f"/ent/v2/tasks/{task_id}/cancel", json={"id": task_id}, headers=auth(fake, "vidu")
    )
    assert (r.status_code, r.json()) == (200, {})
    assert fake.requests[-1].json == {"id": task_id}
    finish(fake)
    got = http.get(f"/ent/v2/tasks/{task_id}/creations", headers=auth(fake, "vidu")).json()
    assert (got["state"], got["err_code"]) == ("failed", "UserCancelled")
    assert fake.get_task("vidu", task_id).status == "cancelled"


@pytest.mark.parametrize(
    ("status", "raw"), [("running", "processing"), ("succeeded", "success"), ("failed", "failed")]
)
def test_vidu_cancel_refused(
    fake: FakeProviders, http: httpx.Client, status: str, raw: str
) -> None:
    task = fake.add_task("vidu", status=status)
    r = http.post(
        f"/ent/v2/tasks/{task.id}/cancel", json={"id": task.id}, headers=auth(fake, "vidu")
    )
    assert r.status_code == 400
    assert r.json()["reason"] == "BadRequest"
    assert r.json()["message"] == f"task state is {raw}, can not cancel"
    assert fake.get_task("vidu", task.id).status == status


def test_vidu_cancel_unknown_task(fake: FakeProviders, http: httpx.Client) -> None:
    r = http.post("/ent/v2/tasks/8123/cancel", json={"id": "8123"}, headers=auth(fake, "vidu"))
    assert r.status_code == 404


# ---- aitoearn -------------------------------------------------------------------------------------


def test_aitoearn_create_get_and_progress(fake: FakeProviders, http: httpx.Client) -> None:
    body = {"model": "veo3.1-fast", "prompt": "a cat", "duration": 8, "ratio": "9:16"}
    r = http.post("/api/ai/video/generations", json=body, headers=auth(fake, "aitoearn"))
    assert r.status_code == 200
    created = r.json()
    assert created["code"] == 0
    assert created["data"]["status"] == "SUBMITTED"
    task_id = created["data"]["id"]
    assert len(task_id) == 24
    got = http.get(f"/api/ai/video/generations/{task_id}", headers=auth(fake, "aitoearn")).json()
    assert got["data"]["input"] == {
        "prompt": "a cat",
        "duration": 8,
        "aspectRatio": "9:16",
        "resolution": "720p",
    }
    finish(fake)
    done = http.get(f"/api/ai/video/generations/{task_id}", headers=auth(fake, "aitoearn")).json()
    assert done["data"]["status"] == "SUCCESS"


@pytest.mark.parametrize(
    "body", [{"prompt": "a cat"}, {"model": "m"}, {"model": "m", "prompt": " "}]
)
def test_aitoearn_create_validation(
    fake: FakeProviders, http: httpx.Client, body: dict[str, Any]
) -> None:
    r = http.post("/api/ai/video/generations", json=body, headers=auth(fake, "aitoearn"))
    assert r.status_code == 200
    assert r.json()["code"] == 10002
    assert r.json()["data"] == {}
    assert fake.task_count("aitoearn") == 0


# ---- routing, faults, callbacks, lifecycle ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "provider"),
    [
        ("DELETE", "/v1/video/query", "veo"),
        ("POST", "/api/ai/video/generations/6864f1c2a1b2c3d4e5f60718/cancel", "aitoearn"),
        ("DELETE", "/ent/v2/tasks/8123/creations", "vidu"),
    ],
)
def test_unsupported_cancels_are_not_routed(
    fake: FakeProviders, http: httpx.Client, method: str, path: str, provider: str
) -> None:
    r = http.request(method, path, headers=auth(fake, provider))
    assert r.status_code in (404, 405)


def test_get_on_a_create_path_is_405(fake: FakeProviders, http: httpx.Client) -> None:
    r = http.get("/v1/video/create", headers=auth(fake, "veo"))
    assert r.status_code == 405
    assert r.headers["allow"] == "POST"


@pytest.mark.parametrize("kind", ["drop", "http_error", "latency"])
def test_a_fault_on_create_fires_after_the_task_was_made(
    fake: FakeProviders, http: httpx.Client, kind: str
) -> None:
    params: dict[str, Any] = {"seconds": 0.05} if kind == "latency" else {}
    if kind == "http_error":
        params["status"] = 503
    fake.inject("ark", kind, endpoint="create", count=1, **params)
    if kind == "drop":
        with pytest.raises(httpx.TransportError):
            http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark"))
    else:
        r = http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark"))
        assert r.status_code == (503 if kind == "http_error" else 200)
    assert fake.task_count("ark") == 1  # made, whatever the answer
    record = fake.requests[-1]
    assert (record.endpoint, record.fault, record.json) == ("create", kind, ARK_BODY)
    assert record.status == {"drop": 0, "http_error": 503, "latency": 200}[kind]
    assert http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark")).status_code == 200
    assert fake.task_count("ark") == 2


def test_a_fault_on_cancel_fires_after_the_cancel(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("vidu", status="queued")
    fake.inject("vidu", "http_error", endpoint="cancel", status=502, count=1)
    r = http.post(
        f"/ent/v2/tasks/{task.id}/cancel", json={"id": task.id}, headers=auth(fake, "vidu")
    )
    assert r.status_code == 502
    assert fake.get_task("vidu", task.id).status == "cancelled"


def test_a_fault_on_get_leaves_creates_alone(fake: FakeProviders, http: httpx.Client) -> None:
    fake.inject("ark", "drop", endpoint="get")
    assert http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark")).status_code == 200


class _Hooks:
    """A callback receiver on 127.0.0.1 that answers 200 and keeps every body."""

    def __init__(self) -> None:
        bodies: list[dict[str, Any]] = []
        self.bodies = bodies

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                bodies.append(json.loads(raw))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hooks() -> Iterator[_Hooks]:
    receiver = _Hooks()
    yield receiver
    receiver.close()


@pytest.mark.parametrize(
    ("provider", "path", "body", "key", "id_key"),
    [
        ("ark", SEEDANCE["ark"], ARK_BODY, "status", "id"),
        ("vidu", "/ent/v2/text2video", {"model": "viduq1", "prompt": "a cat"}, "state", "task_id"),
    ],
)
def test_a_create_with_callback_url_gets_callbacks(
    fake: FakeProviders,
    http: httpx.Client,
    hooks: _Hooks,
    provider: str,
    path: str,
    body: dict[str, Any],
    key: str,
    id_key: str,
) -> None:
    r = http.post(path, json={**body, "callback_url": hooks.url}, headers=auth(fake, provider))
    task_id = r.json()[id_key]
    assert fake.get_task(provider, task_id).callback_url == hooks.url
    finish(fake)
    fake.deliver_callbacks()
    assert hooks.bodies
    assert {b["id"] for b in hooks.bodies} == {task_id}
    assert hooks.bodies[-1][key] in ("succeeded", "success")
    assert all(d.url == hooks.url for d in fake.callback_deliveries)


def test_create_lifecycle_is_configurable(fake: FakeProviders, http: httpx.Client) -> None:
    fake.create_lifecycle = "failed"
    fake.create_step_seconds = 1.0
    task_id = http.post(SEEDANCE["ark"], json=ARK_BODY, headers=auth(fake, "ark")).json()["id"]
    fake.clock.advance(2)
    assert fake.get_task("ark", task_id).status == "failed"
    with pytest.raises(ValueError, match="outcome"):
        fake.create_lifecycle = "exploded"
    with pytest.raises(ValueError, match="negative"):
        fake.create_step_seconds = -1


def test_a_body_over_the_cap_is_413(fake: FakeProviders) -> None:
    import socket
    from urllib.parse import urlsplit

    from vtasks.testing._server import MAX_BODY

    url = urlsplit(fake.base_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        head = (
            f"POST {SEEDANCE['ark']} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {MAX_BODY + 1}\r\n\r\n"
        )
        sock.sendall(head.encode())
        answer = sock.recv(4096)
    assert answer.startswith(b"HTTP/1.1 413 ")
    assert fake.task_count("ark") == 0
