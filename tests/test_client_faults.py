"""Every fault the simulator injects: the right error class, the right number of attempts, the
raw body kept on the error, Retry-After honoured, and the key never sent to another origin."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from harness import AUTH_HEADERS, FAST_RETRIES, Api

import vtasks
from vtasks import PROVIDERS, TaskStatus

ATTEMPTS = 1 + FAST_RETRIES.max_retries


def gets(api: Api, provider: str) -> int:
    return len(api.requests(provider, "get"))


# ---- rate limits and Retry-After --------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_retry_after_seconds_is_honoured(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "rate_limit", endpoint="get", retry_after=7)
    policy = vtasks.RetryPolicy(max_retries=2, retry_after_max=60)
    task = api.client(provider, retry_policy=policy).get_task(added.id)
    assert task.status is TaskStatus.RUNNING
    assert api.clock.sleeps == [7.0]
    assert gets(api, provider) == 2


def test_429_retry_after_http_date(api: Api) -> None:
    added = api.fake.add_task("vidu", status="running")
    api.fake.inject("vidu", "rate_limit", endpoint="get", retry_after=timedelta(seconds=30))
    policy = vtasks.RetryPolicy(max_retries=1, retry_after_max=60)
    api.client("vidu", retry_policy=policy).get_task(added.id)
    (sleep,) = api.clock.sleeps
    assert 27.0 <= sleep <= 30.0  # an HTTP date has whole seconds
    assert gets(api, "vidu") == 2


def test_retry_after_capped_by_policy(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "rate_limit", endpoint="get", retry_after=3600)
    policy = vtasks.RetryPolicy(max_retries=1, retry_after_max=5)
    api.client("ark", retry_policy=policy).get_task(added.id)
    assert api.clock.sleeps == [5.0]


def test_429_without_retry_after_backs_off(api: Api) -> None:
    added = api.fake.add_task("volc", status="running")
    api.fake.inject("volc", "rate_limit", endpoint="get", retry_after=None, count=2)
    policy = vtasks.RetryPolicy(max_retries=2, backoff_initial=0.5, backoff_max=8)
    api.client("volc", retry_policy=policy).get_task(added.id)
    first, second = api.clock.sleeps
    assert 0 <= first <= 0.5
    assert 0 <= second <= 1.0
    assert gets(api, "volc") == 3


def test_retry_after_on_503_is_honoured(api: Api) -> None:
    added = api.fake.add_task("aitoearn", status="running")
    api.fake.inject("aitoearn", "http_error", endpoint="get", status=503, retry_after=4)
    policy = vtasks.RetryPolicy(max_retries=1, retry_after_max=60)
    api.client("aitoearn", retry_policy=policy).get_task(added.id)
    assert api.clock.sleeps == [4.0]


@pytest.mark.parametrize("provider", PROVIDERS)
def test_429_persistent(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "rate_limit", endpoint="get", retry_after=2, count=None)
    with pytest.raises(vtasks.RateLimitError) as info:
        api.client(provider).get_task(added.id)
    error = info.value
    assert error.status_code == 429
    assert error.retry_after == 2.0
    assert error.provider == provider
    assert error.body  # the vendor's error body, as received
    assert error.request_id
    assert gets(api, provider) == ATTEMPTS


def test_retries_bounded_by_total_timeout(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "rate_limit", endpoint="get", retry_after=10, count=None)
    policy = vtasks.RetryPolicy(max_retries=10, retry_after_max=60, total_timeout=25)
    with pytest.raises(vtasks.RateLimitError):
        api.client("ark", retry_policy=policy).get_task(added.id)
    assert api.clock.sleeps == [10.0, 10.0]
    assert gets(api, "ark") == 3


def test_max_retries_zero(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "http_error", endpoint="get", status=503)
    with pytest.raises(vtasks.ServerError):
        api.client("ark", max_retries=0).get_task(added.id)
    assert gets(api, "ark") == 1


# ---- server errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [500, 502, 503, 520, 499])
def test_transient_server_errors_retried(api: Api, provider: str, status: int) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    api.fake.inject(provider, "http_error", endpoint="get", status=status)
    task = api.client(provider).get_task(added.id)
    assert task.status is TaskStatus.SUCCEEDED
    assert gets(api, provider) == 2
    assert [r.status for r in api.requests(provider, "get")] == [status, 200]


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [500, 503, 520, 499])
def test_persistent_server_error(api: Api, provider: str, status: int) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "http_error", endpoint="get", status=status, count=None)
    with pytest.raises(vtasks.ServerError) as info:
        api.client(provider).get_task(added.id)
    assert info.value.status_code == status
    assert info.value.body
    assert gets(api, provider) == ATTEMPTS


def test_501_not_retried(api: Api) -> None:
    added = api.fake.add_task("vidu", status="running")
    api.fake.inject("vidu", "http_error", endpoint="get", status=501, count=None)
    with pytest.raises(vtasks.ServerError):
        api.client("vidu").get_task(added.id)
    assert gets(api, "vidu") == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_html_error_page(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "html_error", endpoint="get", status=502, count=None)
    with pytest.raises(vtasks.ServerError) as info:
        api.client(provider).get_task(added.id)
    error = info.value
    assert error.status_code == 502
    assert "Bad gateway" in str(error)  # the page's title, not the whole page
    assert error.body is not None
    assert error.body.startswith("<!DOCTYPE html>")
    assert gets(api, provider) == ATTEMPTS


@pytest.mark.parametrize("provider", PROVIDERS)
def test_non_json_success(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "non_json", endpoint="get", body="<html>It works!</html>")
    with pytest.raises(vtasks.ResponseError) as info:
        api.client(provider).get_task(added.id)
    assert info.value.body == "<html>It works!</html>"
    assert info.value.status_code == 200
    assert gets(api, provider) == 1  # an off-spec answer does not heal by asking again


@pytest.mark.parametrize("provider", PROVIDERS)
def test_truncated_json(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "truncated_json", endpoint="get", keep=0.5)
    with pytest.raises(vtasks.ResponseError) as info:
        api.client(provider).get_task(added.id)
    assert info.value.body
    assert info.value.body.startswith("{")
    assert gets(api, provider) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_short_body_is_a_connection_error_and_retried(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "short_body", endpoint="get", keep=0.5)
    assert api.client(provider).get_task(added.id).status is TaskStatus.RUNNING
    assert gets(api, provider) == 2


def test_short_body_persistent(api: Api) -> None:
    added = api.fake.add_task("vidu", status="running")
    api.fake.inject("vidu", "short_body", endpoint="get", keep=0.5, count=None)
    with pytest.raises(vtasks.APIConnectionError):
        api.client("vidu").get_task(added.id)
    assert gets(api, "vidu") == ATTEMPTS


@pytest.mark.parametrize("provider", PROVIDERS)
def test_dropped_connection(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "drop", endpoint="get")
    assert api.client(provider).get_task(added.id).status is TaskStatus.RUNNING
    assert [r.status for r in api.requests(provider, "get")] == [0, 200]


def test_dropped_connection_persistent(api: Api) -> None:
    added = api.fake.add_task("aitoearn", status="running")
    api.fake.inject("aitoearn", "drop", endpoint="get", count=None)
    with pytest.raises(vtasks.APIConnectionError) as info:
        api.client("aitoearn").get_task(added.id)
    assert not isinstance(info.value, vtasks.APITimeoutError)
    assert gets(api, "aitoearn") == ATTEMPTS


def test_latency_beyond_timeout(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    fault = api.fake.inject("ark", "latency", endpoint="get", seconds=1.0, count=None)
    policy = vtasks.RetryPolicy(max_retries=1, backoff_initial=0.001, backoff_max=0.001)
    with pytest.raises(vtasks.APITimeoutError) as info:
        api.client("ark", timeout=0.05, retry_policy=policy).get_task(added.id)
    assert isinstance(info.value, vtasks.APIConnectionError)
    assert fault.hits == 2  # (the simulator records a request only once it answers)


def test_latency_within_timeout(api: Api) -> None:
    added = api.fake.add_task("veo", status="running")
    api.fake.inject("veo", "latency", endpoint="get", seconds=0.02)
    assert api.client("veo", timeout=2.0).get_task(added.id).status is TaskStatus.RUNNING
    assert gets(api, "veo") == 1


def test_faults_in_a_listing_are_retried_per_page(api: Api) -> None:
    api.fake.add_tasks("aitoearn", 30)
    api.fake.inject("aitoearn", "http_error", endpoint="list", status=502, count=2)
    tasks = api.client("aitoearn").list_tasks(page_size=10)
    assert [t.id for t in tasks] == api.fake.task_ids("aitoearn")


def test_a_failing_page_ends_the_listing_with_its_error(api: Api) -> None:
    api.fake.add_tasks("vidu", 30)
    iterator = api.client("vidu").iter_tasks(page_size=10)
    first = [next(iterator) for _ in range(10)]
    assert len(first) == 10
    api.fake.inject("vidu", "http_error", endpoint="list", status=500, count=None)
    with pytest.raises(vtasks.ServerError):
        next(iterator)


# ---- business errors sent with HTTP 200 -------------------------------------------------------


def test_minimax_1002_retried(api: Api) -> None:
    added = api.fake.add_task("minimax", status="running")
    api.fake.inject("minimax", "business_error", endpoint="get", code=1002)
    assert api.client("minimax").get_task(added.id).status is TaskStatus.RUNNING
    assert gets(api, "minimax") == 2


def test_minimax_1002_persistent(api: Api) -> None:
    added = api.fake.add_task("minimax", status="running")
    api.fake.inject("minimax", "business_error", endpoint="get", code=1002, count=None)
    with pytest.raises(vtasks.RateLimitError) as info:
        api.client("minimax").get_task(added.id)
    assert info.value.status_code == 200
    assert info.value.code == "1002"
    assert "1002" in (info.value.body or "")
    assert gets(api, "minimax") == ATTEMPTS


def test_minimax_files_business_error(api: Api) -> None:
    added = api.fake.add_task("minimax", status="succeeded")
    api.fake.inject("minimax", "business_error", endpoint="files", code=1002)
    task = api.client("minimax").get_task(added.id)
    assert task.video_url == added.video_url
    assert len(api.requests("minimax", "files")) == 2


@pytest.mark.parametrize(
    ("provider", "code", "error"),
    [
        ("minimax", 1004, vtasks.AuthenticationError),
        ("minimax", 2049, vtasks.AuthenticationError),
        ("minimax", 1008, vtasks.PermissionDeniedError),
        ("minimax", 1026, vtasks.InvalidRequestError),
        ("aitoearn", 401, vtasks.AuthenticationError),
        ("aitoearn", 19000, vtasks.AuthenticationError),
        ("aitoearn", 12302, vtasks.NotFoundError),
        ("aitoearn", 12300, vtasks.InvalidRequestError),
    ],
)
def test_business_errors_not_retried(
    api: Api, provider: str, code: int, error: type[vtasks.APIError]
) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "business_error", endpoint="get", code=code, message="nope")
    with pytest.raises(error) as info:
        api.client(provider).get_task(added.id)
    assert info.value.status_code == 200
    assert info.value.code == str(code)
    assert info.value.message == "nope"
    assert info.value.body
    assert str(code) in info.value.body
    assert gets(api, provider) == 1


@pytest.mark.parametrize(
    ("code", "error"), [(1001, vtasks.ServerError), (1013, vtasks.ServerError)]
)
def test_minimax_transient_codes_retried(api: Api, code: int, error: type[vtasks.APIError]) -> None:
    added = api.fake.add_task("minimax", status="running")
    api.fake.inject("minimax", "business_error", endpoint="get", code=code, count=None)
    with pytest.raises(error):
        api.client("minimax").get_task(added.id)
    assert gets(api, "minimax") == ATTEMPTS


def test_aitoearn_business_error_in_a_listing(api: Api) -> None:
    api.fake.add_tasks("aitoearn", 5)
    api.fake.inject("aitoearn", "business_error", endpoint="list", code=19000)
    with pytest.raises(vtasks.AuthenticationError):
        api.client("aitoearn").list_tasks()


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wrong_key(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    key = "sk-wrong-0123456789"
    with pytest.raises(vtasks.AuthenticationError) as info:
        api.client(provider, api_key=key).get_task(added.id)
    assert key not in str(info.value)
    assert key not in repr(info.value)
    assert gets(api, provider) == 1


@pytest.mark.parametrize("provider", ["ark", "vidu", "veo"])
def test_vendor_error_codes_with_http_status(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "http_error", endpoint="get", status=403)
    with pytest.raises(vtasks.PermissionDeniedError) as info:
        api.client(provider).get_task(added.id)
    assert info.value.status_code == 403
    assert info.value.code


def test_echoed_key_scrubbed_from_errors(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    key = api.fake.api_keys["ark"]
    body = {"error": {"code": "InvalidParameter", "message": f"bad key {key} given"}}
    api.fake.inject("ark", "http_error", endpoint="get", status=400, body=body)
    with pytest.raises(vtasks.InvalidRequestError) as info:
        api.client("ark").get_task(added.id)
    for text in (
        str(info.value),
        repr(info.value),
        info.value.body or "",
        info.value.message or "",
    ):
        assert key not in text
    assert "<redacted>" in (info.value.body or "")


# ---- off-spec task JSON -------------------------------------------------------------------------

STATUS_FIELD = dict.fromkeys(PROVIDERS, "status") | {"vidu": "state"}
ID_FIELD = dict.fromkeys(PROVIDERS, "id") | {"minimax": "task_id"}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_injected_unknown_status(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, "unknown_status", endpoint="get", value="thinking_hard")
    task = api.client(provider).get_task(added.id)
    assert task.status is TaskStatus.UNKNOWN
    assert task.raw_status == "thinking_hard"


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", ["missing_fields", "null_fields"])
def test_missing_status(api: Api, provider: str, fault: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, fault, endpoint="get", fields=[STATUS_FIELD[provider]])
    task = api.client(provider).get_task(added.id)
    assert task.status is TaskStatus.UNKNOWN
    assert task.raw_status is None


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", ["missing_fields", "null_fields"])
def test_missing_id_is_a_response_error(api: Api, provider: str, fault: str) -> None:
    added = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, fault, endpoint="get", fields=[ID_FIELD[provider]])
    with pytest.raises(vtasks.ResponseError) as info:
        api.client(provider).get_task(added.id)
    assert info.value.provider == provider
    assert info.value.body  # what the vendor sent
    assert gets(api, provider) == 1


OPTIONAL_FIELDS: dict[str, list[str]] = {
    "ark": ["content.video_url", "created_at", "updated_at", "error", "model", "duration"],
    "volc": ["content", "usage", "framespersecond", "seed"],
    "veo": ["video_url", "enhanced_prompt", "status_update_time"],
    "minimax": ["file_id", "video_width", "video_height", "base_resp"],
    "vidu": ["creations", "err_code", "credits", "payload"],
    "aitoearn": ["input", "submittedAt", "startedAt", "finishedAt", "videoUrl", "model"],
}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("fault", ["missing_fields", "null_fields"])
def test_missing_optional_fields_tolerated(api: Api, provider: str, fault: str) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    fields = OPTIONAL_FIELDS[provider]
    api.fake.inject(provider, fault, endpoint="get", fields=fields)
    task = api.client(provider).get_task(added.id)
    assert task.status is TaskStatus.SUCCEEDED
    assert task.id == added.id
    if provider != "minimax":  # without file_id MiniMax cannot name the video
        assert task.video_url is None or task.video_url == added.video_url


def test_missing_fields_in_a_list_entry(api: Api) -> None:
    api.fake.add_tasks("ark", 3)
    api.fake.inject("ark", "null_fields", endpoint="list", fields=["model", "content"])
    tasks = api.client("ark").list_tasks()
    assert len(tasks) == 3


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("ark", {"total": 1, "items": "nope"}),
        ("vidu", {"tasks": None, "next_page_token": ""}),
        ("aitoearn", {"code": 0, "message": "ok", "data": {"list": [{"no": "id"}]}}),
        ("aitoearn", [1, 2, 3]),
    ],
)
def test_off_spec_list_answer(api: Api, provider: str, body: Any) -> None:
    api.fake.inject(provider, "http_error", endpoint="list", status=200, body=body)
    with pytest.raises(vtasks.ResponseError) as info:
        api.client(provider).list_tasks()
    assert info.value.provider == provider
    assert info.value.body


# ---- redirects --------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_cross_origin_redirect_never_carries_the_key(api: Api, provider: str, status: int) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    api.fake.inject(provider, "redirect", endpoint="get", status=status)
    task = api.client(provider).get_task(added.id)
    assert task.id == added.id  # the other origin answered
    (hop,) = api.fake.other_origin_requests
    assert hop.provider == provider
    for name in ("authorization", "x-api-key"):
        assert name not in hop.headers
    # the first request carried it, the vendor's way
    header, value = AUTH_HEADERS[provider]
    first = api.requests(provider, "get")[0]
    assert first.headers[header] == value
    assert first.status == status


@pytest.mark.parametrize("provider", PROVIDERS)
def test_same_origin_redirect_keeps_the_key(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="succeeded")
    api.fake.inject(provider, "redirect", endpoint="get", target="same")
    api.client(provider).get_task(added.id)
    first, second = api.requests(provider, "get")
    assert first.status == 302
    assert second.auth_ok
    assert ("_redirected", "1") in second.query
    assert api.fake.other_origin_requests == []


def test_cross_origin_redirect_strips_a_callers_default_credentials(api: Api) -> None:
    import httpx

    added = api.fake.add_task("aitoearn", status="succeeded")
    api.fake.inject("aitoearn", "redirect", endpoint="get")
    headers = {"X-Api-Key": api.fake.api_keys["aitoearn"], "Cookie": "session=1", "X-Trace": "t"}
    own = (httpx.AsyncClient if api.is_async else httpx.Client)(headers=headers)
    try:
        api.client("aitoearn", http_client=own).get_task(added.id)
        (hop,) = api.fake.other_origin_requests
        assert "x-api-key" not in hop.headers
        assert "cookie" not in hop.headers
        assert hop.headers["x-trace"] == "t"
    finally:
        if api.is_async:
            api.run(own.aclose())  # type: ignore[union-attr]
        else:
            own.close()  # type: ignore[union-attr]


def test_redirect_loop_not_retried(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "redirect", endpoint="get", target="same", count=None)
    with pytest.raises(vtasks.ResponseError) as info:
        api.client("ark").get_task(added.id)
    assert "redirect" in str(info.value)
    assert gets(api, "ark") == 6  # the request and 5 hops, once
