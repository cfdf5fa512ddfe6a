"""Hostile servers (tests/hostile.py): every promise holds when the server is slow, huge or malicious.

Each test runs against both clients over real loopback sockets, with the real clock: a deadline
is measured in wall time. Scripts are in ``tests/hostile.py``.
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import time
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from harness import Api
from hostile import (
    Conn,
    RawRequest,
    Script,
    answer,
    ark_task,
    echo_key_into,
    endless_chunked,
    gzip_bomb,
    head,
    hostile_server,
    json_answer,
    trickle,
)

import vtasks
from vtasks._logs import HTTP_LOGGERS

# A key with characters that change when URL-encoded or JSON-escaped.
KEY = "sk-hostile/KEY+1234=="
ENCODED_KEY = "sk-hostile%2FKEY%2B1234%3D%3D"
JSON_ESCAPED_KEY = "sk-hostile\\/KEY+1234=="

#: How far past a deadline an operation may end (the documented margin).
MARGIN = 1.0

BODY = json.dumps(ark_task()).encode()


def client(api: Api, server_url: str, **kwargs: Any) -> Any:
    """An Ark client of the test's kind on the hostile server, on the real clock."""
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("clock", None)
    return api.client("ark", base_url=server_url, **kwargs)


@contextmanager
def timed() -> Iterator[list[float]]:
    """Measures the block's wall time into ``[seconds]``."""
    elapsed: list[float] = []
    started = time.monotonic()
    try:
        yield elapsed
    finally:
        elapsed.append(time.monotonic() - started)


def no_key(*texts: object) -> None:
    """Assert that no form of the key is in any of ``texts``."""
    for text in texts:
        shown = str(text)
        for form in (KEY, ENCODED_KEY, JSON_ESCAPED_KEY, "KEY+1234"):
            assert form not in shown, f"key form {form!r} in {shown[:300]!r}"


# -- deadlines ----------------------------------------------------------------------------------


@pytest.mark.parametrize("in_headers", [False, True], ids=["body", "headers"])
def test_request_timeout_bounds_a_trickled_answer(api: Api, in_headers: bool) -> None:
    with hostile_server(trickle(BODY, every=0.1, in_headers=in_headers)) as server:
        c = client(api, server.url, timeout=1.0, max_retries=0)
        with timed() as elapsed, pytest.raises(vtasks.APITimeoutError):
            c.get_task("cgt-1")
    assert elapsed[0] < 1.0 + MARGIN


def test_request_timeout_bounds_a_trickle_through_the_callers_own_client(api: Api) -> None:
    http: Any = httpx.AsyncClient(timeout=1.0) if api.is_async else httpx.Client(timeout=1.0)
    with hostile_server(trickle(BODY, every=0.1)) as server:
        c = client(api, server.url, http_client=http, max_retries=0)
        with timed() as elapsed, pytest.raises(vtasks.APITimeoutError):
            c.get_task("cgt-1")
    assert elapsed[0] < 1.0 + MARGIN


def test_total_timeout_bounds_the_last_attempt(api: Api) -> None:
    policy = vtasks.RetryPolicy(max_retries=5, total_timeout=1.5, backoff_initial=0.01)
    with hostile_server(trickle(BODY, every=0.1)) as server:
        c = client(api, server.url, timeout=30.0, retry_policy=policy)
        with timed() as elapsed, pytest.raises(vtasks.APITimeoutError):
            c.get_task("cgt-1")
    assert elapsed[0] < 1.5 + MARGIN


RATE_LIMITED = json_answer(
    {"error": {"code": "RateLimitExceeded", "message": "slow down"}},
    status=429,
    headers={"Retry-After": "60"},
)


@pytest.mark.parametrize("script", [RATE_LIMITED, trickle(BODY, every=0.2)], ids=["429", "trickle"])
def test_wait_for_task_ends_at_its_deadline(api: Api, script: Script) -> None:
    with hostile_server(script) as server:
        c = client(api, server.url, timeout=30.0, max_retries=3)
        with timed() as elapsed, pytest.raises(vtasks.WaitTimeout):
            c.wait_for_task("cgt-1", timeout=2.0, poll_interval=0.5)
    assert elapsed[0] < 2.0 + MARGIN


@pytest.mark.parametrize("script", [RATE_LIMITED, trickle(BODY, every=0.2)], ids=["429", "trickle"])
def test_wait_for_tasks_ends_at_its_deadline(api: Api, script: Script) -> None:
    with hostile_server(script) as server:
        c = client(api, server.url, timeout=30.0, max_retries=3)
        with timed() as elapsed, pytest.raises(vtasks.WaitTimeout):
            c.wait_for_tasks(["cgt-1", "cgt-2"], timeout=2.0, poll_interval=0.5)
    assert elapsed[0] < 2.0 + MARGIN


# -- bounded answers ----------------------------------------------------------------------------


@contextmanager
def peak_memory() -> Iterator[list[int]]:
    """The peak of traced Python allocations in the block, in bytes."""
    gc.collect()
    tracemalloc.start()
    peak: list[int] = []
    try:
        yield peak
    finally:
        peak.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()


@pytest.mark.parametrize(
    "script",
    [endless_chunked(), gzip_bomb(1 << 30), gzip_bomb(1 << 28, encoding="deflate")],
    ids=["endless", "gzip-bomb", "deflate-bomb"],
)
def test_an_answer_over_the_size_cap_is_a_response_error(api: Api, script: Script) -> None:
    with hostile_server(script) as server:
        c = client(api, server.url, max_retries=0, max_response_bytes=4 << 20)
        with peak_memory() as peak, pytest.raises(vtasks.ResponseError, match="larger than"):
            c.get_task("cgt-1")
    assert peak[0] < 24 << 20


def test_the_default_size_cap_holds_against_a_gzip_bomb(api: Api) -> None:
    with hostile_server(gzip_bomb(1 << 30)) as server:
        c = client(api, server.url, max_retries=0)
        with pytest.raises(vtasks.ResponseError, match="larger than"):
            c.get_task("cgt-1")


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "64"])
def test_a_bad_size_cap_is_a_configuration_error(api: Api, value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="max_response_bytes"):
        client(api, "http://127.0.0.1:9", max_response_bytes=value)


def test_a_truncated_gzip_answer_is_not_taken(api: Api) -> None:
    import zlib

    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    whole = compressor.compress(BODY * 50) + compressor.flush()
    cut = whole[: len(whole) // 2]
    script = answer(200, cut, {"Content-Type": "application/json", "Content-Encoding": "gzip"})
    with hostile_server(script) as server:
        c = client(api, server.url, max_retries=0)
        with pytest.raises(vtasks.VTasksError):
            c.get_task("cgt-1")


def video_task(url: str) -> dict[str, Any]:
    return ark_task(status="succeeded", content={"video_url": url})


def test_a_truncated_gzip_encoded_video_is_a_download_error(api: Api, tmp_path: Path) -> None:
    import zlib

    video = bytes(range(256)) * 4096
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    whole = compressor.compress(video) + compressor.flush()
    cut = whole[: len(whole) // 2]

    def script(request: RawRequest, conn: Conn) -> bool:
        if request.target.startswith("/video"):
            encoding = request.headers.get("accept-encoding", "")
            conn.send(head(200, {"Content-Type": "video/mp4", "Content-Length": str(len(cut)),
                                  "Content-Encoding": "gzip", "X-Asked": encoding}) + cut)  # fmt: skip
            return True
        body = json.dumps(video_task(f"{conn.origin}/video")).encode()
        conn.send(head(200, {"Content-Type": "application/json",
                              "Content-Length": str(len(body))}) + body)  # fmt: skip
        return True

    target = tmp_path / "out.mp4"
    with hostile_server(script) as server:
        c = client(api, server.url, max_retries=0)
        with pytest.raises(vtasks.DownloadError):
            c.download("cgt-1", target)
        video_requests = [r for r in server.requests if r.target.startswith("/video")]
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []
    assert video_requests[0].headers.get("accept-encoding") == "identity"


# -- no key anywhere ----------------------------------------------------------------------------


@pytest.mark.parametrize("header", ["X-Request-Id", "X-Tt-Logid", "Request-Id"])
def test_a_key_echoed_into_a_request_id_is_scrubbed(api: Api, header: str) -> None:
    script = echo_key_into(header, {"error": {"code": "InternalError", "message": "oops"}})
    with hostile_server(script) as server:
        c = client(api, server.url, max_retries=0)
        with pytest.raises(vtasks.APIError) as caught:
            c.get_task("cgt-1")
    error = caught.value
    no_key(str(error), repr(error), error.request_id, error.body, error.message)
    assert error.request_id is not None
    assert "<redacted>" in error.request_id


def key_of(request: RawRequest) -> str:
    return request.headers["authorization"].removeprefix("Bearer ")


def test_a_redirect_path_carrying_the_key_is_scrubbed(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    def script(request: RawRequest, conn: Conn) -> bool:
        key = key_of(request)
        location = f"/loop/{key}/{len(request.target)}?token=x&k={key}"
        conn.send(head(302, {"Location": location, "Content-Length": "0"}))
        return True

    with hostile_server(script) as server:
        c = client(api, server.url, max_retries=0)
        with caplog.at_level(logging.DEBUG), pytest.raises(vtasks.ResponseError) as caught:
            c.get_task("cgt-1")
    assert "redirects" in str(caught.value)
    ours = [r.getMessage() for r in caplog.records if r.name == "vtasks"]
    no_key(str(caught.value), repr(caught.value), *ours)
    assert any("/loop/" in line for line in ours)


def test_scrub_http_logs_keeps_the_key_out_of_httpx_and_httpcore(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    script = echo_key_into("X-Request-Id", {"error": {"code": "InternalError", "message": "x"}})
    installed = vtasks.scrub_http_logs()
    try:
        with hostile_server(script) as server:
            c = client(api, server.url, max_retries=0)
            with caplog.at_level(logging.DEBUG), pytest.raises(vtasks.APIError):
                c.get_task("cgt-1")
    finally:
        for name in HTTP_LOGGERS:
            logging.getLogger(name).removeFilter(installed)
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("httpcore")]
    assert any("X-Request-Id" in line for line in lines)  # httpcore logged the headers...
    no_key(*lines)  # ...scrubbed


@pytest.mark.parametrize(
    "message",
    [f"invalid key {KEY}", f"header was 'Bearer {KEY}'", f"url ?k={ENCODED_KEY}"],
    ids=["plain", "bearer", "url-encoded"],
)
def test_vendor_text_in_a_task_is_scrubbed(api: Api, message: str) -> None:
    payload = ark_task(
        status="failed",
        error={"code": "Bad", "message": message},
        revised_prompt=f"prompt {KEY}",
        content={"video_url": f"https://cdn.example/v.mp4?auth={ENCODED_KEY}"},
    )
    with hostile_server(json_answer(payload)) as server:
        task = client(api, server.url).get_task("cgt-1")
    no_key(repr(task), json.dumps(task.to_dict()), task.error, task.prompt, task.raw, task)
    assert task.error is not None
    assert "<redacted>" in task.error


def test_a_json_escaped_key_in_an_error_body_is_scrubbed(api: Api) -> None:
    body = ('{"error": {"code": "Bad", "message": "key ' + JSON_ESCAPED_KEY + '"}}').encode()
    script = answer(400, body, {"Content-Type": "application/json"})
    with hostile_server(script) as server, pytest.raises(vtasks.APIError) as caught:
        client(api, server.url).get_task("cgt-1")
    error = caught.value
    no_key(str(error), repr(error), error.body, error.message)


# -- listings that end --------------------------------------------------------------------------


def first(tasks: Iterator[vtasks.Task], count: int) -> list[vtasks.Task]:
    """At most ``count`` tasks of a lazy listing (which is then closed)."""
    try:
        return list(itertools.islice(tasks, count))
    finally:
        tasks.close()  # type: ignore[attr-defined]


def vidu_cycling_tasks(pages: int) -> Script:
    """Vidu pages whose tokens never repeat while their tasks cycle over ``pages`` pages."""

    def script(request: RawRequest, conn: Conn) -> bool:
        from urllib.parse import parse_qs, urlsplit

        query = parse_qs(urlsplit(request.target).query)
        number = int((query.get("pager.page_token") or ["0"])[0] or 0)
        tasks = [
            {"id": f"t-{number % pages}-{i}", "state": "processing", "created_at": None}
            for i in range(10)
        ]
        body = json.dumps({"tasks": tasks, "next_page_token": str(number + 1)}).encode()
        conn.send(head(200, {"Content-Type": "application/json",
                              "Content-Length": str(len(body))}) + body)  # fmt: skip
        return True

    return script


def test_a_token_listing_whose_tasks_cycle_ends(api: Api) -> None:
    with hostile_server(vidu_cycling_tasks(20)) as server:
        c = api.client("vidu", base_url=server.url, api_key=KEY, clock=None)
        tasks = first(c.iter_tasks(), 1000)
    ids = [t.id for t in tasks]
    assert len(ids) == len(set(ids)) == 200
    assert len(server.requests) <= 21


def test_a_numbered_listing_that_repeats_a_page_ends(api: Api) -> None:
    page = {"items": [ark_task(f"cgt-{i}") for i in range(20)], "total": 10**9}
    with hostile_server(json_answer(page)) as server:
        c = client(api, server.url, max_concurrency=1)
        tasks = first(c.iter_tasks(page_size=20), 1000)
    assert sorted(t.id for t in tasks) == sorted(f"cgt-{i}" for i in range(20))
    assert len(server.requests) <= 2


# -- only vtasks errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "location",
    ["http://[::1", "http://127.0.0.1:99999/x", "ftp://example.com/x", "javascript:alert(1)"],
)
def test_a_malformed_redirect_is_a_response_error(api: Api, location: str) -> None:
    script = answer(302, b"", {"Location": location})
    with hostile_server(script) as server, pytest.raises(vtasks.ResponseError, match="no http"):
        client(api, server.url).get_task("cgt-1")


@pytest.mark.parametrize(
    "url", ["http://[::1/v.mp4", "file:///etc/passwd", "ftp://example.com/v.mp4", "//"]
)
def test_a_malformed_video_url_is_a_download_error(api: Api, url: str, tmp_path: Path) -> None:
    with hostile_server(json_answer(video_task(url))) as server:
        c = client(api, server.url)
        with pytest.raises(vtasks.DownloadError):
            c.download("cgt-1", tmp_path / "v.mp4")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("key", ["k", "1234567"])
def test_a_key_too_short_to_scrub_is_refused(api: Api, key: str) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="at least 8"):
        client(api, "http://127.0.0.1:9", api_key=key)


def test_cli_wait_ends_at_its_timeout_against_a_long_retry_after() -> None:
    from test_cli import vtasks_cli

    with hostile_server(RATE_LIMITED) as server:
        env = {"VTASKS_ARK_API_KEY": KEY, "VTASKS_ARK_BASE_URL": server.url}
        with timed() as elapsed:
            result = vtasks_cli("wait", "ark", "cgt-1", "--timeout", "2", env=env, process=True)
    assert elapsed[0] < 2.0 + MARGIN + 1.0  # plus the interpreter's start
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    no_key(result.stdout, result.stderr)
