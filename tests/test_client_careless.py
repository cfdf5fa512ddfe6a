"""Careless callers: every bad setting, id or use of a client is a vtasks error, before any I/O.

Part of the "hostile servers and careless callers" work: each value here raised a bare
``OverflowError`` / ``ValueError`` / ``TypeError`` (or was silently accepted and failed later,
deep inside httpx or the socket layer), or a request went to a path other than the intended one.
"""

from __future__ import annotations

import asyncio
import gc
import math
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from harness import Api

import vtasks
from vtasks import PROVIDER_INFO, TaskStatus
from vtasks._providers._base import request_from_generated
from vtasks._validate import MAX_ID_LENGTH
from vtasks.testing import FakeProviders

NAN = float("nan")

# ---- settings of the client ---------------------------------------------------------------------

#: (keyword arguments, a word the message must contain): each refused when the client is made.
BAD_SETTINGS: list[tuple[dict[str, Any], str]] = [
    # timeout: positive, finite, at most a week; never a bool or a string
    ({"timeout": math.inf}, "timeout"),
    ({"timeout": -math.inf}, "timeout"),
    ({"timeout": 1e10}, "timeout"),  # OverflowError in socket.settimeout at the first request
    ({"timeout": NAN}, "timeout"),
    ({"timeout": -1}, "timeout"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": True}, "timeout"),
    ({"timeout": "30"}, "timeout"),
    ({"timeout": [30]}, "timeout"),
    ({"timeout": httpx.Timeout(math.inf)}, "timeout"),
    ({"timeout": httpx.Timeout(5.0, read=math.inf)}, "read"),
    ({"timeout": httpx.Timeout(5.0, connect=NAN)}, "connect"),
    ({"timeout": httpx.Timeout(5.0, write=-1.0)}, "write"),
    ({"timeout": httpx.Timeout(5.0, pool=1e10)}, "pool"),
    ({"timeout": httpx.Timeout(5.0, read=0.0)}, "read"),
    # base URL: http(s), a host, a port in range, nothing that cannot go on a request line
    ({"base_url": "http://127.0.0.1:99999"}, "port"),
    ({"base_url": "http://127.0.0.1:-1"}, "port"),
    ({"base_url": "http://127.0.0.1:http"}, "port"),
    ({"base_url": "http://[::1"}, "base_url"),
    ({"base_url": "http://[nonsense]"}, "base_url"),
    ({"base_url": "ftp://example.com"}, "http"),
    ({"base_url": "file:///etc/passwd"}, "http"),
    ({"base_url": "example.com"}, "http"),
    ({"base_url": "http://"}, "host"),
    ({"base_url": "https://:443"}, "host"),
    ({"base_url": "http://user@"}, "host"),
    ({"base_url": "http://exa mple.com"}, "whitespace"),
    ({"base_url": "http://example.com/a b"}, "whitespace"),
    ({"base_url": "http://example.com\r\nX-Evil: 1"}, "whitespace"),
    ({"base_url": "http://exa\x00mple.com"}, "control"),
    ({"base_url": "http://example.com/\x7f"}, "control"),
    ({"base_url": "http://example.com/?q=1"}, "query"),
    ({"base_url": "http://example.com?"}, "query"),
    ({"base_url": "http://☃.com"}, "IDNA"),
    ({"base_url": "http://127.0.0.1:0"}, "port"),
    ({"base_url": "http://example.com/#top"}, "fragment"),
    ({"base_url": 8080}, "base_url"),
    ({"base_url": b"http://example.com"}, "base_url"),
    # the key: a non-empty string that can travel in a header
    ({"api_key": 123}, "api_key"),
    ({"api_key": b"sk-abc"}, "api_key"),
    ({"api_key": ["sk-abc"]}, "api_key"),
    ({"api_key": ""}, "API key"),
    ({"api_key": "sk-abc\ndef"}, "API key"),
    ({"api_key": "sk-abc\x00def"}, "API key"),
    ({"api_key": "sk-abc\x1bdef"}, "API key"),
    # counts: ints in a sane range (never a bool, a float or None)
    *[
        ({name: value}, name)
        for name in ("max_concurrency", "max_retries")
        for value in (None, -1, True, False, 1.5, 2.0, "3", 10**9, math.inf, NAN)
    ],
    ({"max_concurrency": 0}, "max_concurrency"),
    ({"max_concurrency": 1001}, "max_concurrency"),
    ({"max_retries": 101}, "max_retries"),
    # the policy objects must be what they say
    ({"retry_policy": {"max_retries": 3}}, "retry_policy"),
    ({"poll_schedule": 5.0}, "poll_schedule"),
]


def _ids(case: tuple[dict[str, Any], str]) -> str:
    ((name, value),) = case[0].items()
    return f"{name}={value!r}"[:60]


@pytest.mark.parametrize(("kwargs", "word"), BAD_SETTINGS, ids=[_ids(c) for c in BAD_SETTINGS])
def test_bad_setting_refused_when_the_client_is_made(
    api: Api, kwargs: dict[str, Any], word: str
) -> None:
    with pytest.raises(vtasks.ConfigurationError, match=f"(?i){word}") as info:
        api.client("ark", **kwargs)
    assert "sk-abc" not in str(info.value)  # a refused key is never repeated back
    assert api.fake.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": 604_800},  # the largest: a week
        {"timeout": 0.001},
        {"timeout": None},
        {"timeout": httpx.Timeout(5.0, read=None)},  # None parts: that phase unbounded, as asked
        {"timeout": httpx.Timeout(None)},
        {"max_concurrency": 1},
        {"max_concurrency": 1000},
        {"max_retries": 0},
        {"max_retries": 100},
        {"base_url": "http://127.0.0.1:65535"},
        {"base_url": "HTTPS://Example.COM/prefix/"},
        {"base_url": "http://[::1]:8080"},
        {"base_url": "http://bücher.example"},
    ],
    ids=lambda kwargs: _ids((kwargs, "")),
)
def test_good_settings_at_the_edges_accepted(api: Api, kwargs: dict[str, Any]) -> None:
    api.client("ark", **kwargs)


def test_good_timeout_still_works(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    client = api.client("ark", timeout=httpx.Timeout(5.0, read=None))
    assert client.get_task(added.id).status is TaskStatus.RUNNING


@pytest.mark.parametrize(
    ("value", "word"),
    [
        ("http://127.0.0.1:99999", "port"),
        ("http://[::1", "VTASKS_ARK_BASE_URL"),
        ("gopher://example.com", "VTASKS_ARK_BASE_URL"),
        ("http://exa mple.com", "VTASKS_ARK_BASE_URL"),
        ("http://", "host"),
    ],
)
def test_bad_base_url_from_the_environment(
    api: Api, monkeypatch: pytest.MonkeyPatch, value: str, word: str
) -> None:
    monkeypatch.setenv("VTASKS_ARK_BASE_URL", value)
    with pytest.raises(vtasks.ConfigurationError, match=f"(?i){word}"):
        api.client("ark", base_url=None)


@pytest.mark.parametrize("value", ["sk-abc\ndef", "sk-abc\x1bdef", "sk-abcé"])
def test_bad_key_from_the_environment(
    api: Api, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("VTASKS_ARK_API_KEY", value)
    with pytest.raises(vtasks.ConfigurationError, match="VTASKS_ARK_API_KEY") as info:
        api.client("ark", api_key=None)
    assert "sk-abc" not in str(info.value)


# ---- retry policy and poll schedule -------------------------------------------------------------

BAD_DURATIONS = [math.inf, -math.inf, NAN, -1, -0.5, 1e10, True, "1", None, [1]]


@pytest.mark.parametrize("name", ["backoff_initial", "backoff_max", "retry_after_max"])
@pytest.mark.parametrize("value", BAD_DURATIONS, ids=repr)
def test_bad_retry_policy(name: str, value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match=name):
        vtasks.RetryPolicy(**{name: value})


@pytest.mark.parametrize("value", [v for v in BAD_DURATIONS if v is not None], ids=repr)
def test_bad_total_timeout(value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="total_timeout"):
        vtasks.RetryPolicy(total_timeout=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("value", [None, -1, True, 1.5, "3", 101, 10**9], ids=repr)
def test_bad_policy_retries(value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="max_retries"):
        vtasks.RetryPolicy(max_retries=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["initial", "maximum"])
@pytest.mark.parametrize("value", BAD_DURATIONS, ids=repr)
def test_bad_poll_schedule(name: str, value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match=name):
        vtasks.PollSchedule(**{name: value})


@pytest.mark.parametrize("value", [v for v in BAD_DURATIONS if v is not None], ids=repr)
def test_bad_fixed_poll_interval(value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="poll_interval"):
        vtasks.PollSchedule(fixed=value)  # type: ignore[arg-type]


@pytest.mark.parametrize(("name", "value"), [("factor", "2"), ("factor", None), ("jitter", "x")])
def test_bad_poll_schedule_shape(name: str, value: object) -> None:
    with pytest.raises(vtasks.ConfigurationError, match=name):
        vtasks.PollSchedule(**{name: value})


def test_policies_at_the_edges_accepted() -> None:
    vtasks.RetryPolicy(max_retries=100, backoff_max=604_800, total_timeout=604_800)
    vtasks.PollSchedule(initial=0, maximum=604_800, fixed=604_800)


# ---- the arguments of a wait --------------------------------------------------------------------


@pytest.mark.parametrize("value", [NAN, -math.inf, -1, 1e10, 604_801, True, "60"], ids=repr)
def test_bad_wait_timeout(api: Api, value: object) -> None:
    added = api.fake.add_task("ark", status="running")
    client = api.client("ark")
    with pytest.raises(vtasks.ConfigurationError, match="timeout"):
        client.wait_for_task(added.id, timeout=value)
    with pytest.raises(vtasks.ConfigurationError, match="timeout"):
        client.wait_for_tasks([added.id], timeout=value)
    assert api.fake.requests == []


@pytest.mark.parametrize("value", [math.inf, NAN, 0, -1, 1e10, 604_801, True, "5"], ids=repr)
def test_bad_poll_interval(api: Api, value: object) -> None:
    added = api.fake.add_task("ark", status="running")
    client = api.client("ark")
    with pytest.raises(vtasks.ConfigurationError, match="poll_interval"):
        client.wait_for_task(added.id, poll_interval=value)
    with pytest.raises(vtasks.ConfigurationError, match="poll_interval"):
        client.wait_for_tasks([added.id], poll_interval=value)
    assert api.fake.requests == []


@pytest.mark.parametrize("value", [None, math.inf], ids=repr)
def test_wait_without_a_limit(api: Api, value: float | None) -> None:
    # None (and math.inf, the same thing spelled as a number) mean no time limit.
    added = api.fake.add_task("ark", lifecycle="succeeded", step_seconds=10)
    task = api.client("ark").wait_for_task(added.id, timeout=value, poll_interval=5)
    assert task.status is TaskStatus.SUCCEEDED
    (done,) = api.client("ark").wait_for_tasks([added.id], timeout=value)
    assert done.status is TaskStatus.SUCCEEDED


def test_wait_at_the_largest_timeout(api: Api) -> None:
    added = api.fake.add_task("ark", status="succeeded")
    assert api.client("ark").wait_for_task(added.id, timeout=604_800).is_terminal


# ---- ids never change the request path ----------------------------------------------------------

PATH_PROVIDERS = ("ark", "volc", "vidu", "aitoearn")  # the id is a path segment
QUERY_PROVIDERS = ("veo", "minimax")  # the id is a query parameter

ODD_IDS = [
    ".",
    "..",
    "...",
    "a/b",
    "../x",
    "./",
    "a?b=1",
    "a#b",
    "a%2Fb",
    "%2E%2E",
    "a b",
    "ü-タスク",
    "a+b",
]


def expected_path(provider: str, task_id: str) -> str:
    """The get path with the id as one percent-encoded segment; a segment of dots as %2E."""
    segment = quote(task_id, safe="")
    if set(segment) == {"."}:
        segment = "%2E" * len(segment)
    return PROVIDER_INFO[provider].get_path.replace("{id}", segment)


@pytest.mark.parametrize("task_id", ODD_IDS)
@pytest.mark.parametrize("provider", PATH_PROVIDERS)
def test_odd_id_stays_one_path_segment(api: Api, provider: str, task_id: str) -> None:
    client = api.client(provider, max_retries=0)
    if provider == "aitoearn":
        # The simulated AiToEarn knows only ObjectId-shaped ids (and refuses others, like the
        # vendor): the path it was asked for is the point.
        with pytest.raises(vtasks.NotFoundError):
            client.get_task(task_id)
    else:
        api.fake.add_task(provider, task_id=task_id, status="succeeded")
        assert client.get_task(task_id).id == task_id
    (request,) = api.requests(provider, "get")
    assert request.path == expected_path(provider, task_id)
    assert request.auth_ok


@pytest.mark.parametrize("task_id", ODD_IDS)
@pytest.mark.parametrize("provider", QUERY_PROVIDERS)
def test_odd_id_stays_one_query_value(api: Api, provider: str, task_id: str) -> None:
    api.fake.add_task(provider, task_id=task_id, status="succeeded")
    assert api.client(provider).get_task(task_id).id == task_id
    (request,) = api.requests(provider, "get")
    assert request.path == PROVIDER_INFO[provider].get_path.partition("?")[0]
    assert list(request.query_dict().values()) == [[task_id]]


@pytest.mark.parametrize("provider", ["ark", "vidu"])
def test_dot_ids_in_a_batch(api: Api, provider: str) -> None:
    for task_id in (".", ".."):
        api.fake.add_task(provider, task_id=task_id, status="succeeded")
    tasks = api.client(provider).get_tasks([".", ".."])
    assert [t.id for t in tasks] == [".", ".."]


def test_dot_id_download(api: Api, tmp_path: Path) -> None:
    api.fake.add_task("ark", task_id="..", status="succeeded")
    target = api.client("ark").download("..", tmp_path / "v.mp4")
    assert target.read_bytes() == api.fake.video_bytes
    assert [r.path for r in api.requests("ark", "get")] == [expected_path("ark", "..")]


def test_dot_segments_helper() -> None:
    # The one place paths are made from the generated code's output (unit test of a pure function).
    request = request_from_generated("get", {"method": "get", "url": "/a/./b/../c/.../d"})
    assert request.path == "/a/%2E/b/%2E%2E/c/%2E%2E%2E/d"
    assert request_from_generated("get", {"method": "get", "url": "/a/.b/c."}).path == "/a/.b/c."


@pytest.mark.parametrize("length", [MAX_ID_LENGTH + 1, 70_000])
def test_over_long_id_refused_before_io(api: Api, tmp_path: Path, length: int) -> None:
    long_id = "x" * length
    client = api.client("ark")
    calls = [
        lambda: client.get_task(long_id),
        lambda: client.get_tasks(["a", long_id]),
        lambda: client.wait_for_task(long_id),
        lambda: client.wait_for_tasks(["a", long_id]),
        lambda: client.list_tasks(task_ids=["a", long_id]),
        lambda: client.download(long_id, tmp_path / "v.mp4"),
    ]
    for call in calls:
        with pytest.raises(vtasks.ConfigurationError, match="at most 1024 characters"):
            call()
    assert api.fake.requests == []


def test_longest_id_accepted(api: Api) -> None:
    long_id = "x" * MAX_ID_LENGTH
    api.fake.add_task("vidu", task_id=long_id, status="succeeded")
    assert api.client("vidu").get_task(long_id).id == long_id


# ---- client life --------------------------------------------------------------------------------


def test_every_operation_of_a_closed_client_refused(api: Api, tmp_path: Path) -> None:
    api.fake.add_tasks("ark", 60)
    ids = api.fake.task_ids("ark")[:3]
    client = api.client("ark", max_concurrency=2)
    made_before = client.iter_tasks(page_size=10)  # not started
    started = client.iter_tasks(page_size=10)
    next(started)  # pages may be in flight now
    waiting = client.iter_wait_for_tasks(ids)
    client.close()
    sent = _settled(api)  # the pages already on their way when it closed land (or fail) first
    calls = [
        lambda: client.get_task(ids[0]),
        lambda: client.get_tasks(ids),
        lambda: client.get_tasks([]),
        client.list_tasks,
        lambda: list(made_before),
        lambda: list(started),
        lambda: list(waiting),
        lambda: client.wait_for_task(ids[0]),
        lambda: client.wait_for_tasks(ids),
        lambda: client.download(ids[0], tmp_path / "v.mp4"),
    ]
    for call in calls:
        with pytest.raises(vtasks.ConfigurationError, match="client is closed"):
            call()
    assert len(api.fake.requests) == sent
    assert list(tmp_path.iterdir()) == []
    client.close()  # closing again is harmless


def _settled(api: Api) -> int:
    """The simulator's request count once it has not changed for 0.2 s (at most 5 s)."""
    count, since = len(api.fake.requests), time.monotonic()
    deadline = since + 5
    while time.monotonic() < deadline and time.monotonic() - since < 0.2:
        time.sleep(0.02)
        if len(api.fake.requests) != count:
            count, since = len(api.fake.requests), time.monotonic()
    return count


def _quiet_gc() -> list[warnings.WarningMessage]:
    """Collect garbage and return the ResourceWarnings it raised (sockets left open)."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        gc.collect()
    return [w for w in seen if issubclass(w.category, ResourceWarning)]


def test_async_client_in_each_new_event_loop(fake: FakeProviders) -> None:
    # An AsyncClient made outside any loop and used by several asyncio.run calls, as a script
    # does: each loop gets the client's own connections (httpx's pool is bound to one loop) and
    # its own concurrency limit (an asyncio.Semaphore is too).
    ids = [fake.add_task("veo", status="succeeded").id for _ in range(4)]
    client = vtasks.AsyncClient(
        "veo", api_key=fake.api_keys["veo"], base_url=fake.base_url, max_concurrency=1
    )

    async def use() -> list[str]:
        one = await client.get_task(ids[0])
        many = await client.get_tasks(ids)  # 4 requests through a limit of 1: the limit waits
        return [one.id] + [t.id for t in many]

    for _ in range(3):
        assert asyncio.run(use()) == ids[:1] + ids
    with asyncio.Runner() as runner:  # a Runner's loop serves several run() calls
        assert runner.run(use()) == ids[:1] + ids
        assert runner.run(use()) == ids[:1] + ids
    asyncio.run(client.aclose())
    assert _quiet_gc() == []  # each loop's connections were closed when that loop ended


def test_async_listing_in_each_new_event_loop(fake: FakeProviders) -> None:
    fake.add_tasks("ark", 45)
    client = vtasks.AsyncClient(
        "ark", api_key=fake.api_keys["ark"], base_url=fake.base_url, max_concurrency=2
    )

    async def count() -> int:
        return len([task async for task in client.list_tasks(page_size=10)])

    assert asyncio.run(count()) == 45
    assert asyncio.run(count()) == 45

    async def close() -> None:
        async with client:
            pass

    asyncio.run(close())
    assert _quiet_gc() == []


def test_callers_http_client_in_a_second_event_loop(fake: FakeProviders) -> None:
    # A caller's httpx.AsyncClient cannot follow the loop (vtasks did not make it): a clear
    # vtasks error says so, rather than httpx's bare RuntimeError("Event loop is closed").
    ids = [fake.add_task("veo", status="succeeded").id for _ in range(2)]
    own = httpx.AsyncClient()
    client = vtasks.AsyncClient(
        "veo", api_key=fake.api_keys["veo"], base_url=fake.base_url, http_client=own
    )
    assert asyncio.run(client.get_task(ids[0])).id == ids[0]
    with pytest.raises(vtasks.ConfigurationError, match="event loop") as info:
        asyncio.run(client.get_task(ids[1]))
    assert isinstance(info.value.__cause__, RuntimeError)
    # The first loop's socket, in the caller's client, is left for the collector.
    del client, own, info
    _quiet_gc()
