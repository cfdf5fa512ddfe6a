"""Fault injection: every fault kind, scoping by provider and endpoint, counts and seeded rates."""

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import httpx
import pytest

from vtasks.testing import FAULTS, FakeProviders, FakeTask


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5.0) as client:
        yield client


@pytest.fixture
def ark(fake: FakeProviders) -> FakeTask:
    return fake.add_task("ark", status="succeeded")


def get_ark(fake: FakeProviders, http: httpx.Client, task_id: str) -> httpx.Response:
    return http.get(
        f"/api/v3/contents/generations/tasks/{task_id}",
        headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
    )


def list_ark(fake: FakeProviders, http: httpx.Client) -> httpx.Response:
    return http.get(
        "/api/v3/contents/generations/tasks",
        headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
    )


# ---- status faults ------------------------------------------------------------------------------


def test_rate_limit_with_seconds_then_normal(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask
) -> None:
    fault = fake.inject("ark", "rate_limit", count=2, retry_after=7)
    for _ in range(2):
        r = get_ark(fake, http, ark.id)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "7"
        assert r.json()["error"]["code"].startswith("RateLimitExceeded")
    assert get_ark(fake, http, ark.id).status_code == 200
    assert (fault.hits, fault.remaining) == (2, 0)
    assert fake.faults == []
    assert [r.fault for r in fake.requests] == ["rate_limit", "rate_limit", None]
    assert [r.status for r in fake.requests] == [429, 429, 200]


@pytest.mark.parametrize(
    "retry_after",
    [timedelta(seconds=30), datetime(2030, 1, 1, tzinfo=UTC)],
    ids=["timedelta", "datetime"],
)
def test_rate_limit_with_http_date(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask, retry_after: object
) -> None:
    fake.inject("ark", "rate_limit", retry_after=retry_after)
    r = get_ark(fake, http, ark.id)
    when = parsedate_to_datetime(r.headers["retry-after"])
    if isinstance(retry_after, datetime):
        assert when == retry_after
    else:
        assert 20 < (when - datetime.now(UTC)).total_seconds() <= 31


def test_rate_limit_without_header(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "rate_limit", retry_after=None)
    r = get_ark(fake, http, ark.id)
    assert r.status_code == 429
    assert "retry-after" not in r.headers


@pytest.mark.parametrize(
    ("provider", "path", "check"),
    [
        ("vidu", "/ent/v2/tasks", lambda b: b["reason"] == "TooManyRequests"),
        ("aitoearn", "/api/ai/video/generations", lambda b: b["code"] == 429),
        (
            "minimax",
            "/v1/query/video_generation?task_id=1",
            lambda b: b["base_resp"]["status_code"] == 1002,
        ),
        ("veo", "/v1/video/query?id=x", lambda b: b["error"]["code"] == "rate_limit_exceeded"),
    ],
)
def test_rate_limit_bodies_are_vendor_shaped(
    fake: FakeProviders, http: httpx.Client, provider: str, path: str, check: object
) -> None:
    fake.inject(provider, "rate_limit")
    r = http.get(path)
    assert r.status_code == 429
    assert callable(check)
    assert check(r.json())


@pytest.mark.parametrize("status", [500, 502, 503, 520, 499])
def test_http_error_statuses(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask, status: int
) -> None:
    fake.inject("ark", "http_error", status=status)
    r = get_ark(fake, http, ark.id)
    assert r.status_code == status
    assert "error" in r.json()
    assert get_ark(fake, http, ark.id).status_code == 200


def test_http_error_with_verbatim_body(fake: FakeProviders, http: httpx.Client) -> None:
    fake.inject(
        "vidu",
        "http_error",
        status=503,
        body="upstream busy",
        content_type="text/plain",
        retry_after=3,
    )
    r = http.get("/ent/v2/tasks")
    assert (r.status_code, r.text, r.headers["retry-after"]) == (503, "upstream busy", "3")
    assert r.headers["content-type"] == "text/plain"


def test_html_error_page(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "html_error")
    r = get_ark(fake, http, ark.id)
    assert r.status_code == 502
    assert r.headers["content-type"].startswith("text/html")
    assert "cloudflare" in r.text.lower()
    assert "502" in r.text
    fake.inject("ark", "html_error", status=520)
    assert "unknown error" in get_ark(fake, http, ark.id).text


def test_non_json_200(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "non_json")
    r = get_ark(fake, http, ark.id)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        r.json()
    fake.inject("ark", "non_json", body="not json", content_type="application/json")
    r = get_ark(fake, http, ark.id)
    assert (r.text, r.headers["content-type"]) == ("not json", "application/json")


def test_truncated_json(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    full = get_ark(fake, http, ark.id).content
    fake.inject("ark", "truncated_json")
    r = get_ark(fake, http, ark.id)
    assert r.status_code == 200
    assert int(r.headers["content-length"]) == len(r.content) == len(full) // 2
    assert full.startswith(r.content)
    with pytest.raises(json.JSONDecodeError):
        r.json()
    fake.inject("ark", "truncated_json", length=5)
    assert get_ark(fake, http, ark.id).content == full[:5]
    # The connection stays usable: framing was correct.
    assert get_ark(fake, http, ark.id).json()["id"] == ark.id


def test_short_body_download_closes_connection(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask
) -> None:
    assert ark.video_url is not None
    fake.inject("ark", "short_body", endpoint="download", keep=0.25)
    with pytest.raises(httpx.RemoteProtocolError):
        http.get(ark.video_url)
    assert http.get(ark.video_url).content == fake.video_bytes
    with http.stream("GET", ark.video_url) as r:
        assert int(r.headers["content-length"]) == len(fake.video_bytes)


def test_short_body_reports_partial_bytes(fake: FakeProviders, ark: FakeTask) -> None:
    assert ark.video_url is not None
    fake.inject("ark", "short_body", endpoint="download", length=100)
    received = bytearray()
    with httpx.Client() as client, client.stream("GET", ark.video_url) as r:
        assert r.status_code == 200
        with pytest.raises(httpx.RemoteProtocolError):
            _collect(r, received)
    assert bytes(received) == fake.video_bytes[:100]


def _collect(response: httpx.Response, into: bytearray) -> None:
    for chunk in response.iter_raw():
        into += chunk


def test_latency(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "latency", seconds=0.3)
    start = time.perf_counter()
    assert get_ark(fake, http, ark.id).status_code == 200
    assert time.perf_counter() - start >= 0.3
    fake.inject("ark", "latency", seconds=2)
    with pytest.raises(httpx.ReadTimeout):
        http.get(
            f"/api/v3/contents/generations/tasks/{ark.id}",
            headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
            timeout=0.2,
        )


def test_latency_stacks_with_an_error(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask
) -> None:
    fake.inject("ark", "latency", seconds=0.2)
    fake.inject("ark", "http_error", status=503)
    start = time.perf_counter()
    assert get_ark(fake, http, ark.id).status_code == 503
    assert time.perf_counter() - start >= 0.2
    assert fake.requests[-1].fault == "latency,http_error"


def test_drop(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        get_ark(fake, http, ark.id)
    assert get_ark(fake, http, ark.id).status_code == 200
    assert fake.requests[0].status == 0


def test_stop_during_latency_is_prompt() -> None:
    with FakeProviders() as fake:
        task = fake.add_task("ark")
        fake.inject("ark", "latency", seconds=30)
        start = time.perf_counter()
        client = httpx.Client(timeout=5.0)
        t = threading.Thread(
            target=lambda: _swallow(
                lambda: client.get(
                    f"{fake.base_url}/api/v3/contents/generations/tasks/{task.id}",
                    headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
                )
            )
        )
        t.start()
        time.sleep(0.2)
    t.join(5)
    client.close()
    assert time.perf_counter() - start < 3.0


def _swallow(fn: object) -> None:
    try:
        assert callable(fn)
        fn()
    except httpx.HTTPError:
        pass


# ---- business errors and task-JSON faults -------------------------------------------------------


def test_business_errors(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("minimax")
    fake.inject("minimax", "business_error", code=1002)
    h = {"Authorization": f"Bearer {fake.api_keys['minimax']}"}
    r = http.get("/v1/query/video_generation", params={"task_id": task.id}, headers=h)
    assert r.status_code == 200
    assert r.json()["base_resp"] == {"status_code": 1002, "status_msg": "rate limit exceeded(RPM)"}

    fake.inject("aitoearn", "business_error", code=12301, message="upstream said no")
    r = http.get("/api/ai/video/generations", headers={"X-Api-Key": fake.api_keys["aitoearn"]})
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["message"], body["data"]) == (12301, "upstream said no", {})

    fake.inject("aitoearn", "business_error", code=500)
    r = http.get("/api/ai/video/generations", headers={"X-Api-Key": fake.api_keys["aitoearn"]})
    assert r.json()["code"] == 500

    fake.inject("vidu", "business_error", code="CreditInsufficient", status=400)
    r = http.get("/ent/v2/tasks", headers={"Authorization": f"Token {fake.api_keys['vidu']}"})
    assert (r.status_code, r.json()["reason"]) == (400, "CreditInsufficient")


def test_unknown_status(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "unknown_status", value="paused", count=None)
    assert get_ark(fake, http, ark.id).json()["status"] == "paused"
    assert {i["status"] for i in list_ark(fake, http).json()["items"]} == {"paused"}
    fake.clear_faults()
    assert get_ark(fake, http, ark.id).json()["status"] == "succeeded"


def test_unknown_status_uses_the_vendor_key(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("vidu")
    fake.inject("vidu", "unknown_status", value="frozen")
    body = http.get(
        f"/ent/v2/tasks/{task.id}/creations",
        headers={"Authorization": f"Token {fake.api_keys['vidu']}"},
    ).json()
    assert body["state"] == "frozen"


def test_missing_and_null_fields(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "missing_fields", fields=["content.video_url", "created_at", "nope.x"])
    body = get_ark(fake, http, ark.id).json()
    assert "created_at" not in body
    assert "video_url" not in body["content"]
    assert "last_frame_url" in body["content"]
    fake.inject("ark", "null_fields", fields=["status", "usage.total_tokens"], endpoint="list")
    item = list_ark(fake, http).json()["items"][0]
    assert item["status"] is None
    assert item["usage"]["total_tokens"] is None
    # The cached rendering is untouched.
    assert get_ark(fake, http, ark.id).json()["status"] == "succeeded"


def test_missing_fields_in_lists_by_index(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("vidu")
    fake.inject("vidu", "null_fields", fields=["creations.0.url"])
    fake.inject("vidu", "missing_fields", fields=["base_resp"])  # absent: ignored
    body = http.get(
        f"/ent/v2/tasks/{task.id}/creations",
        headers={"Authorization": f"Token {fake.api_keys['vidu']}"},
    ).json()
    assert body["creations"][0]["url"] is None


# ---- redirects ----------------------------------------------------------------------------------


def test_redirect_to_other_origin_records_requests(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask
) -> None:
    fake.inject("ark", "redirect")
    r = get_ark(fake, http, ark.id)
    assert r.status_code == 302
    location = r.headers["location"]
    assert location.startswith(fake.other_origin_url)
    assert location.endswith(f"/api/v3/contents/generations/tasks/{ark.id}")
    assert fake.other_origin_requests == []

    # httpx drops Authorization on a cross-origin redirect: the other origin sees no credential.
    fake.inject("ark", "redirect")
    r = http.get(
        f"/api/v3/contents/generations/tasks/{ark.id}",
        headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert r.json()["id"] == ark.id  # the other origin serves the same API
    (record,) = fake.other_origin_requests
    assert "authorization" not in record.headers
    assert not record.auth_ok

    # A client that forwards the key is caught.
    httpx.get(location, headers={"Authorization": f"Bearer {fake.api_keys['ark']}"})
    leaked = fake.other_origin_requests[-1]
    assert leaked.auth_ok
    assert leaked.headers["authorization"] == "Bearer <redacted>"


def test_redirect_same_origin(fake: FakeProviders, http: httpx.Client, ark: FakeTask) -> None:
    fake.inject("ark", "redirect", target="same", status=307)
    r = http.get(
        f"/api/v3/contents/generations/tasks/{ark.id}",
        headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
        follow_redirects=True,
    )
    assert r.status_code == 200
    assert [rec.status for rec in fake.requests] == [307, 200]
    assert fake.requests[1].query_dict() == {"_redirected": ["1"]}
    assert fake.requests[1].auth_ok


# ---- scoping, counts, rates ---------------------------------------------------------------------


def test_endpoint_and_provider_scoping(
    fake: FakeProviders, http: httpx.Client, ark: FakeTask
) -> None:
    fake.inject("ark", "http_error", endpoint="list", count=None)
    assert get_ark(fake, http, ark.id).status_code == 200
    assert list_ark(fake, http).status_code == 500
    assert (
        http.get(
            "/volc/v1/contents/generations/tasks",
            headers={"Authorization": f"Bearer {fake.api_keys['volc']}"},
        ).status_code
        == 200
    )
    fake.clear_faults("ark")
    assert list_ark(fake, http).status_code == 200
    fake.inject(None, "http_error", status=503)
    assert http.get("/ent/v2/tasks").status_code == 503


def test_files_endpoint_scope(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("minimax")
    fake.inject("minimax", "business_error", code=1013, endpoint="files")
    h = {"Authorization": f"Bearer {fake.api_keys['minimax']}"}
    query = http.get("/v1/query/video_generation", params={"task_id": task.id}, headers=h).json()
    assert query["base_resp"]["status_code"] == 0
    file = http.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=h).json()
    assert file["base_resp"]["status_code"] == 1013


def _pattern(seed: int) -> list[int]:
    with FakeProviders(seed=seed) as fake, httpx.Client(base_url=fake.base_url) as client:
        fake.inject("veo", "http_error", rate=0.5, status=503)
        assert fake.faults[0].remaining is None  # rate without count: unlimited
        return [client.get("/v1/video/query?id=x").status_code for _ in range(40)]


def test_rate_is_seeded_and_reproducible() -> None:
    first = _pattern(7)
    assert first == _pattern(7)
    assert 5 < first.count(503) < 35
    assert first != _pattern(8)


def test_rate_with_count(fake: FakeProviders, http: httpx.Client) -> None:
    fault = fake.inject("veo", "http_error", rate=0.5, count=3)
    statuses = [http.get("/v1/video/query?id=x").status_code for _ in range(60)]
    assert statuses.count(500) == 3
    assert fault.hits == 3


def test_inject_validation(fake: FakeProviders) -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        fake.inject("ark", "explode")
    with pytest.raises(ValueError, match="no parameter"):
        fake.inject("ark", "drop", seconds=1)
    with pytest.raises(ValueError, match="no 'list' endpoint"):
        fake.inject("veo", "drop", endpoint="list")
    with pytest.raises(ValueError, match="unknown endpoint"):
        fake.inject(None, "drop", endpoint="upload")
    with pytest.raises(ValueError, match="code"):
        fake.inject("minimax", "business_error")
    with pytest.raises(ValueError, match="fields"):
        fake.inject("ark", "missing_fields", fields="status")
    with pytest.raises(ValueError, match="count"):
        fake.inject("ark", "drop", count=0)
    with pytest.raises(ValueError, match="rate"):
        fake.inject("ark", "drop", rate=2.0)
    with pytest.raises(ValueError, match="unknown provider"):
        fake.inject("runway", "drop")
    assert set(FAULTS) >= {"rate_limit", "redirect", "short_body", "null_fields"}
