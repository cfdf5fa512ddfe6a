"""Careless callers: every bad setting, id or use of a client is a vtasks error, before any I/O.

Part of the "hostile servers and careless callers" work: each value here raised a bare
``OverflowError`` / ``ValueError`` / ``TypeError`` (or was silently accepted and failed later,
deep inside httpx or the socket layer), or a request went to a path other than the intended one.
"""

from __future__ import annotations

import math
from typing import Any

import httpx
import pytest
from harness import Api

import vtasks
from vtasks import TaskStatus

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
