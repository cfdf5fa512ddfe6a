"""A request budget (``max_requests_per_second`` / ``rate_limit``) on real sockets.

Two kinds of test. With the harness's clock (sleeping moves the simulator's clock on), pacing,
deadlines and adapting are exact and take no time. Against a simulator that enforces a rate in
real time (``FakeProviders.limit_rate``), clients sharing one budget across threads, and a sync
and an async client together, get no 429 while a client without one does; and since the budget
spaces requests evenly, N requests cannot end before ``(N - 1) / rate`` seconds (a bound that a
busy machine can only make easier to meet, never harder).
"""

from __future__ import annotations

import asyncio
import math
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from harness import MODES, Api

import vtasks
from vtasks import RateLimit
from vtasks._clock import SystemClock
from vtasks.testing import FakeProviders

ENFORCED = "enforced_rate_limit"
NO_RETRIES = vtasks.RetryPolicy(max_retries=0)


def refused(fake: FakeProviders) -> int:
    """The requests the simulator refused for going over its enforced limit."""
    return sum(1 for r in fake.requests if r.fault == ENFORCED)


# -- the enforcing simulator ---------------------------------------------------------------


@pytest.mark.parametrize("provider", vtasks.PROVIDERS)
def test_the_simulator_enforces_a_rate_with_the_vendors_429(api: Api, provider: str) -> None:
    api.fake.limit_rate(provider, 0.1)  # one request, then one every 10 s
    task = api.fake.add_task(provider, status="running")
    client = api.client(provider, retry_policy=NO_RETRIES)
    assert client.get_task(task.id).id == task.id
    with pytest.raises(vtasks.RateLimitError) as info:
        client.get_task(task.id)
    assert info.value.retry_after is not None
    assert 1 <= info.value.retry_after <= 10
    last = api.requests(provider)[-1]
    assert (last.status, last.fault) == (429, ENFORCED)
    api.fake.limit_rate(provider, None)
    assert client.get_task(task.id).id == task.id


def test_the_simulator_counts_neither_downloads_nor_bad_keys(api: Api, tmp_path: Path) -> None:
    api.fake.limit_rate("ark", 0.1)
    task = api.client("ark").get_task(api.fake.add_task("ark").id)
    client = api.client("ark", retry_policy=NO_RETRIES)
    client.download(task, tmp_path / "a.mp4")
    client.download(task, tmp_path / "b.mp4")
    with pytest.raises(vtasks.AuthenticationError):
        api.client("ark", api_key="sk-wrong", retry_policy=NO_RETRIES).get_task(task.id)
    assert refused(api.fake) == 0
    with pytest.raises(vtasks.RateLimitError):
        client.get_task(task.id)


def test_a_refused_create_makes_nothing(api: Api) -> None:
    api.fake.limit_rate("ark", 0.1)
    client = api.client("ark", retry_policy=NO_RETRIES)
    client.get_task(api.fake.add_task("ark").id)
    with pytest.raises(vtasks.RateLimitError):
        client.create_task(model="model-under-test", prompt="a cat")
    assert api.fake.task_count("ark") == 1


def test_limit_rate_refuses_nonsense(fake: FakeProviders) -> None:
    for bad in (0, -1, math.nan, math.inf):
        with pytest.raises(ValueError, match="per_second"):
            fake.limit_rate("veo", bad)
    with pytest.raises(ValueError, match="burst"):
        fake.limit_rate("veo", 5, burst=0.5)
    with pytest.raises(ValueError, match="provider"):
        fake.limit_rate("nope", 5)


# -- pacing, with the harness's clock (exact, no real waiting) -------------------------------


def test_requests_are_spaced_by_the_budget(api: Api) -> None:
    task = api.fake.add_task("veo", status="running")
    client = api.client("veo", max_requests_per_second=4)
    for _ in range(5):
        client.get_task(task.id)
    assert api.clock.sleeps == pytest.approx([0.25] * 4)
    assert len(api.requests("veo")) == 5


def test_no_budget_no_pacing(api: Api) -> None:
    task = api.fake.add_task("veo", status="running")
    client = api.client("veo")
    for _ in range(5):
        client.get_task(task.id)
    assert api.clock.sleeps == []
    assert client.raw.rate_limit is None


def test_clients_given_one_budget_share_it(api: Api) -> None:
    budget = RateLimit(2, clock=api.clock.now)
    veo = api.client("veo", rate_limit=budget)
    ark = api.client("ark", rate_limit=budget)
    assert veo.raw.rate_limit is ark.raw.rate_limit is budget
    veo.get_task(api.fake.add_task("veo").id)
    ark.get_task(api.fake.add_task("ark").id)
    veo.get_task(api.fake.add_task("veo").id)
    assert api.clock.sleeps == pytest.approx([0.5, 0.5])


def test_downloads_of_result_files_take_no_turn(api: Api, tmp_path: Path) -> None:
    client = api.client("ark", max_requests_per_second=0.01)  # one request per 100 s
    task = client.get_task(api.fake.add_task("ark", status="succeeded").id)
    client.download(task, tmp_path / "video.mp4")
    assert (tmp_path / "video.mp4").read_bytes() == api.fake.video_bytes
    assert api.clock.sleeps == []
    client.get_task(task.id)
    assert api.clock.sleeps == pytest.approx([100.0])


def test_a_turn_after_the_deadline_fails_at_once_and_is_not_taken(api: Api) -> None:
    budget = RateLimit(1, clock=api.clock.now)
    policy = vtasks.RetryPolicy(total_timeout=0.5)
    client = api.client("veo", rate_limit=budget, retry_policy=policy)
    task = api.fake.add_task("veo", status="running")
    client.get_task(task.id)
    with pytest.raises(vtasks.APITimeoutError, match="request budget"):
        client.get_task(task.id)  # its turn is 1 s away, its deadline 0.5 s
    assert len(api.requests("veo")) == 1
    assert api.clock.sleeps == []
    # The refused call took no place: the next turn is still the one a second after the first.
    assert budget.reserve() == pytest.approx(1.0)


def test_a_create_whose_turn_comes_too_late_is_not_sent(api: Api) -> None:
    budget = RateLimit(0.1, clock=api.clock.now)
    policy = vtasks.RetryPolicy(total_timeout=1.0)
    client = api.client("ark", rate_limit=budget, retry_policy=policy)
    client.get_task(api.fake.add_task("ark").id)
    # Never sent, so nothing may exist: an APITimeoutError, not a TaskMayExistError.
    with pytest.raises(vtasks.APITimeoutError) as info:
        client.create_task(model="model-under-test", prompt="a cat")
    assert not isinstance(info.value, vtasks.TaskMayExistError)
    assert api.requests("ark", "create") == []


def test_a_wait_ends_at_its_deadline_under_a_budget(api: Api) -> None:
    ids = [t.id for t in api.fake.add_tasks("veo", 5, status="running")]
    client = api.client("veo", max_requests_per_second=0.1)  # one request per 10 s
    with pytest.raises(vtasks.WaitTimeout):
        client.wait_for_tasks(ids, timeout=15, poll_interval=1)
    # Turns at 0 s and 10 s; the next, at 20 s, is past the deadline (+ the last poll's grace).
    assert len(api.requests("veo")) == 2
    assert sum(api.clock.sleeps) <= 15 + 0.5


# -- adapting to the vendor's answers ---------------------------------------------------------


@pytest.mark.parametrize(
    ("provider", "fault", "params"),
    [
        ("veo", "rate_limit", {"retry_after": 0}),  # HTTP 429
        ("minimax", "business_error", {"code": 1002}),  # HTTP 200, base_resp 1002 (RPM)
        ("aitoearn", "http_error", {"status": 429}),
    ],
)
def test_a_rate_limit_answer_slows_the_budget_and_good_ones_restore_it(
    api: Api, provider: str, fault: str, params: dict[str, Any]
) -> None:
    budget = RateLimit(8, clock=api.clock.now)
    client = api.client(provider, rate_limit=budget)
    task = api.fake.add_task(provider, status="running")
    api.fake.inject(provider, fault, endpoint="get", **params)
    assert client.get_task(task.id).id == task.id  # retried
    assert budget.rate == 4
    rates = []
    for _ in range(6):
        api.fake.clock.advance(1.0)
        client.get_task(task.id)
        rates.append(budget.rate)
    assert rates == pytest.approx([4.8, 5.6, 6.4, 7.2, 8.0, 8.0])


def test_other_errors_do_not_slow_the_budget(api: Api) -> None:
    budget = RateLimit(8, clock=api.clock.now)
    client = api.client("veo", rate_limit=budget)
    api.fake.inject("veo", "http_error", status=503, endpoint="get")
    client.get_task(api.fake.add_task("veo").id)
    with pytest.raises(vtasks.NotFoundError):
        client.get_task("veo3-missing")
    assert budget.rate == 8


# -- bad settings ------------------------------------------------------------------------------


BAD_BUDGETS: list[dict[str, Any]] = [
    *({"max_requests_per_second": v} for v in (0, -1, 0.0, math.nan, math.inf, True, "5", 10**7)),
    {"rate_limit": 5},
    {"rate_limit": "RateLimit(5)"},
    {"max_requests_per_second": 5, "rate_limit": RateLimit(5)},
]


@pytest.mark.parametrize("kwargs", BAD_BUDGETS, ids=repr)
def test_a_bad_budget_is_refused_before_any_request(api: Api, kwargs: dict[str, Any]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        api.client("veo", **kwargs)
    assert api.fake.requests == []


def test_a_clock_without_now_is_a_configuration_error(api: Api) -> None:
    with pytest.raises(vtasks.ConfigurationError, match="clock"):
        api.client("veo", max_requests_per_second=5, clock=object())


# -- real time, against a simulator that enforces the rate -----------------------------------

RATE = 20


@pytest.fixture
def enforcing() -> Iterator[FakeProviders]:
    """A simulator whose veo allows ``RATE`` requests a second (a second's worth of burst)."""
    with FakeProviders(speed=1.0, rate_limits={"veo": RATE}) as fake:
        yield fake


def _client(fake: FakeProviders, **kwargs: Any) -> vtasks.Client:
    return vtasks.Client(
        "veo", api_key=fake.api_keys["veo"], base_url=fake.base_url, clock=SystemClock(), **kwargs
    )


def _async_client(fake: FakeProviders, **kwargs: Any) -> vtasks.AsyncClient:
    return vtasks.AsyncClient(
        "veo", api_key=fake.api_keys["veo"], base_url=fake.base_url, clock=SystemClock(), **kwargs
    )


def test_threads_sharing_one_budget_stay_within_it(enforcing: FakeProviders) -> None:
    ids = [t.id for t in enforcing.add_tasks("veo", 10, status="running")]
    budget = RateLimit(RATE)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            with _client(enforcing, rate_limit=budget, retry_policy=NO_RETRIES) as client:
                for task_id in ids:
                    client.get_task(task_id)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert errors == []
    assert len(enforcing.requests) == 40
    assert refused(enforcing) == 0
    assert elapsed >= 39 / RATE


def test_a_sync_and_an_async_client_share_one_budget(enforcing: FakeProviders) -> None:
    ids = [t.id for t in enforcing.add_tasks("veo", 15, status="running")]
    budget = RateLimit(RATE)
    results: list[int] = []

    async def run_async() -> None:
        async with _async_client(enforcing, rate_limit=budget, retry_policy=NO_RETRIES) as client:
            results.append(len(await client.get_tasks(ids)))

    other = threading.Thread(target=asyncio.run, args=(run_async(),))
    started = time.monotonic()
    other.start()
    with _client(enforcing, rate_limit=budget, retry_policy=NO_RETRIES) as client:
        results.append(len(client.get_tasks(ids)))
    other.join()
    elapsed = time.monotonic() - started
    assert results == [15, 15]
    assert refused(enforcing) == 0
    assert elapsed >= 29 / RATE


@pytest.mark.parametrize("mode", MODES)
def test_wait_for_tasks_polls_within_the_budget(enforcing: FakeProviders, mode: str) -> None:
    lifecycle = [("running", 0.5), "succeeded"]
    ids = [t.id for t in enforcing.add_tasks("veo", 40, lifecycle=lifecycle)]

    def wait(**kwargs: Any) -> int:
        if mode == "sync":
            with _client(enforcing, **kwargs) as client:
                return sum(1 for _ in client.wait_for_tasks(ids, timeout=60, poll_interval=0.2))

        async def run() -> int:
            async with _async_client(enforcing, **kwargs) as client:
                return len([t async for t in client.wait_for_tasks(ids, timeout=60)])

        return asyncio.run(run())

    def one_round(**kwargs: Any) -> None:
        if mode == "sync":
            with _client(enforcing, **kwargs) as client:
                client.get_tasks(ids)
                return

        async def run() -> None:
            async with _async_client(enforcing, **kwargs) as client:
                await client.get_tasks(ids)

        asyncio.run(run())

    started = time.monotonic()
    assert wait(max_requests_per_second=RATE) == 40
    elapsed = time.monotonic() - started
    assert refused(enforcing) == 0
    assert elapsed >= 39 / RATE
    # One round of the same polls without a budget bursts past the limit (40 requests in less
    # than the 1.95 s the limit needs, unless the machine stalls for seconds): the simulator does
    # enforce.
    enforcing.limit_rate("veo", RATE, burst=1)
    enforcing.clear_requests()
    with pytest.raises(vtasks.RateLimitError):
        one_round(max_concurrency=16, retry_policy=NO_RETRIES)
    assert refused(enforcing) > 0
