"""``list_tasks``: paging, filters, limits, page shifts and laziness, for both clients."""

from __future__ import annotations

import asyncio
import math
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from harness import LISTING, NOT_LISTING, Api

import vtasks
from vtasks import TaskStatus
from vtasks.testing import FakeProviders, RequestRecord

PAGE_KEYS = {
    "ark": ("page_num", "page_size"),
    "volc": ("page_num", "page_size"),
    "vidu": ("pager.page", "pager.pagesz"),
    "aitoearn": ("page", "pageSize"),
}


def page_sizes(records: list[RequestRecord], provider: str) -> list[int]:
    key = PAGE_KEYS[provider][1]
    return [int(r.query_dict()[key][0]) for r in records]


def lists(api: Api, provider: str) -> list[RequestRecord]:
    return api.requests(provider, "list")


@pytest.mark.parametrize("provider", LISTING)
@pytest.mark.parametrize("count", [0, 1, 39, 40, 41, 250])
def test_every_task_once_newest_first(api: Api, provider: str, count: int) -> None:
    api.fake.add_tasks(provider, count, statuses=["succeeded", "running", "failed"])
    tasks = api.client(provider).list_tasks(page_size=40)
    assert [t.id for t in tasks] == api.fake.task_ids(provider)
    requests = lists(api, provider)
    assert set(page_sizes(requests, provider)) == {40}
    pages = max(1, math.ceil(count / 40))
    assert len(requests) == pages  # the reported total / empty token ends it: no extra request
    assert all(r.auth_ok and r.status == 200 for r in requests)


@pytest.mark.parametrize("provider", LISTING)
def test_default_page_size_is_the_vendors_largest(api: Api, provider: str) -> None:
    largest = {"ark": 500, "volc": 500, "vidu": 100, "aitoearn": 1000}[provider]
    api.fake.add_tasks(provider, largest + 50, snapshots=False)
    assert len(api.client(provider).list_tasks()) == largest + 50
    # Not the vendors' default of 10: the fewest round trips a listing can take.
    assert page_sizes(lists(api, provider), provider) == [largest, largest]


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_numbered_pages_are_fetched_concurrently(api: Api, provider: str) -> None:
    api.fake.add_tasks(provider, 95)
    tasks = api.client(provider, max_concurrency=4).list_tasks(page_size=10)
    assert len({t.id for t in tasks}) == 95
    numbers = sorted(int(r.query_dict()[PAGE_KEYS[provider][0]][0]) for r in lists(api, provider))
    assert numbers == list(range(1, 11))


@pytest.mark.parametrize("provider", LISTING)
def test_lazy_first_task_after_one_request(api: Api, provider: str) -> None:
    """Without read-ahead (``max_concurrency=1``) a page is asked for only once it is needed."""
    api.fake.add_tasks(provider, 60)
    iterator = api.client(provider, max_concurrency=1).iter_tasks(page_size=10)
    assert api.requests(provider) == []  # nothing sent before the first next()
    first = next(iterator)
    assert first.id == api.fake.task_ids(provider)[0]
    assert len(lists(api, provider)) == 1
    for _ in range(9):
        next(iterator)
    assert len(lists(api, provider)) == 1  # the first page is used up before the next request


@pytest.mark.parametrize("provider", ["ark", "volc", "aitoearn"])
def test_the_first_pages_total_asks_for_the_rest_at_once(
    fake: FakeProviders, provider: str
) -> None:
    """Numbered pages: the first answer's total has every other page asked for before the caller
    reads a task of it (the window's bytes and ``max_concurrency`` allowing)."""
    fake.add_tasks(provider, 60, snapshots=False)
    with vtasks.Client(provider, api_key=fake.api_keys[provider], base_url=fake.base_url) as client:
        iterator = client.list_tasks(page_size=10)
        assert _pages_asked(fake, provider) == []  # nothing sent before the first next()
        first = next(iterator)
        deadline = time.monotonic() + 5
        while len(_pages_asked(fake, provider)) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _pages_asked(fake, provider) == [1, 2, 3, 4, 5, 6]  # none past the total
        ids = [first.id] + [t.id for t in iterator]
    assert ids == fake.task_ids(provider)
    assert _pages_asked(fake, provider) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_async_the_first_pages_total_asks_for_the_rest_at_once(
    fake: FakeProviders, provider: str
) -> None:
    """AsyncClient: the same, the requests running as tasks while the caller is elsewhere."""
    fake.add_tasks(provider, 60, snapshots=False)

    async def scenario() -> tuple[list[int], list[str]]:
        async with vtasks.AsyncClient(
            provider, api_key=fake.api_keys[provider], base_url=fake.base_url
        ) as client:
            iterator = client.list_tasks(page_size=10)
            ids = [(await anext(iterator)).id]
            for _ in range(500):
                if len(_pages_asked(fake, provider)) >= 6:
                    break
                await asyncio.sleep(0.01)
            asked = _pages_asked(fake, provider)
            ids += [task.id async for task in iterator]
            return asked, ids

    asked, ids = asyncio.run(scenario())
    assert asked == [1, 2, 3, 4, 5, 6]
    assert ids == fake.task_ids(provider)
    assert _pages_asked(fake, provider) == [1, 2, 3, 4, 5, 6]


@pytest.mark.parametrize("provider", LISTING)
def test_new_tasks_while_listing_cause_no_duplicates(api: Api, provider: str) -> None:
    api.fake.add_tasks(provider, 30, newest_at=api.fake.clock.now() - 100)
    original = api.fake.task_ids(provider)
    iterator = api.client(provider).iter_tasks(page_size=10)
    seen = [next(iterator).id for _ in range(10)]
    # Five newer tasks push everything down by half a page.
    api.fake.add_tasks(provider, 5)
    seen += [t.id for t in iterator]
    assert len(seen) == len(set(seen))
    assert set(original) <= set(seen)


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_a_shift_past_thousands_of_ids_causes_no_duplicates(api: Api, provider: str) -> None:
    """The ids a shift repeats are long past the exact ones (4,096): their hashes catch them."""
    api.fake.add_tasks(provider, 6000, newest_at=api.fake.clock.now() - 100, snapshots=False)
    original = api.fake.task_ids(provider)
    iterator = api.client(provider, max_concurrency=1).iter_tasks(page_size=500)
    seen = [next(iterator).id for _ in range(4500)]
    # The next page repeats the 450 ids before it (the oldest 47 are hashed by now), then 50 new.
    api.fake.add_tasks(provider, 450, snapshots=False)
    seen += [t.id for t in iterator]
    assert len(seen) == len(set(seen)) == 6000
    assert seen == original


@pytest.mark.parametrize("provider", LISTING)
def test_limit_does_not_over_fetch(api: Api, provider: str) -> None:
    api.fake.add_tasks(provider, 100)
    tasks = api.client(provider).list_tasks(limit=5)
    assert [t.id for t in tasks] == api.fake.task_ids(provider)[:5]
    requests = lists(api, provider)
    assert len(requests) == 1
    assert page_sizes(requests, provider) == [5]


@pytest.mark.parametrize("provider", LISTING)
def test_limit_across_pages(api: Api, provider: str) -> None:
    api.fake.add_tasks(provider, 100)
    tasks = api.client(provider).list_tasks(limit=25, page_size=10)
    assert [t.id for t in tasks] == api.fake.task_ids(provider)[:25]
    requests = lists(api, provider)
    assert len(requests) == 3
    if provider == "vidu":  # token paging: the last page asks only for what is missing
        assert page_sizes(requests, provider) == [10, 10, 5]


@pytest.mark.parametrize("provider", LISTING)
def test_limit_zero_sends_nothing(api: Api, provider: str) -> None:
    api.fake.add_tasks(provider, 3)
    assert api.client(provider).list_tasks(limit=0) == []
    assert api.requests(provider) == []


@pytest.mark.parametrize("provider", LISTING)
def test_empty_task_ids_filter_sends_nothing(api: Api, provider: str) -> None:
    api.fake.add_tasks(provider, 3)
    assert api.client(provider).list_tasks(task_ids=[]) == []
    assert api.requests(provider) == []


STATUS_QUERY = {
    "ark": ("filter.status", ["succeeded"]),
    "volc": ("filter.status", ["succeeded"]),
    "vidu": ("states", ["success"]),
    "aitoearn": None,  # no server-side filter
}


@pytest.mark.parametrize("provider", LISTING)
def test_status_filter(api: Api, provider: str) -> None:
    added = api.fake.add_tasks(provider, 30, statuses=["succeeded", "running", "failed"])
    tasks = api.client(provider).list_tasks(status="succeeded", page_size=10)
    expected = [t.id for t in reversed(added) if t.status == "succeeded"]
    assert [t.id for t in tasks] == expected
    assert all(t.status is TaskStatus.SUCCEEDED for t in tasks)
    query = lists(api, provider)[0].query_dict()
    sent = STATUS_QUERY[provider]
    if sent is None:
        assert set(query) == set(PAGE_KEYS[provider])
    else:
        assert query[sent[0]] == sent[1]


@pytest.mark.parametrize("provider", LISTING)
def test_status_filter_limit_on_server_filtered(api: Api, provider: str) -> None:
    """When the server filters by status, ``limit`` also bounds the page size."""
    api.fake.add_tasks(provider, 40, statuses=["succeeded", "running"])
    tasks = api.client(provider).list_tasks(status=TaskStatus.RUNNING, limit=3)
    assert len(tasks) == 3
    assert all(t.status is TaskStatus.RUNNING for t in tasks)
    if provider != "aitoearn":
        assert page_sizes(lists(api, provider), provider) == [3]


@pytest.mark.parametrize("provider", LISTING)
def test_several_statuses(api: Api, provider: str) -> None:
    added = api.fake.add_tasks(provider, 20, statuses=["succeeded", "running", "queued", "failed"])
    tasks = api.client(provider).list_tasks(status=["queued", TaskStatus.RUNNING])
    expected = [t.id for t in reversed(added) if t.status in ("queued", "running")]
    assert [t.id for t in tasks] == expected
    query = lists(api, provider)[0].query_dict()
    if provider == "vidu":  # states takes many values
        assert sorted(query["states"]) == ["created", "processing", "queueing"]
    else:  # Ark's filter.status takes one value: filtered locally
        assert "filter.status" not in query


def test_vidu_cancelled_is_told_apart_from_failed(api: Api) -> None:
    added = api.fake.add_tasks("vidu", 12, statuses=["failed", "cancelled", "succeeded"])
    client = api.client("vidu")
    cancelled = client.list_tasks(status="cancelled")
    failed = client.list_tasks(status="failed")
    assert [t.id for t in cancelled] == [t.id for t in reversed(added) if t.status == "cancelled"]
    assert [t.id for t in failed] == [t.id for t in reversed(added) if t.status == "failed"]
    assert all(t.status is TaskStatus.CANCELLED for t in cancelled)
    assert all(t.error_code == "UserCancelled" for t in cancelled)
    assert all(t.status is TaskStatus.FAILED for t in failed)


ID_QUERY = {"ark": "filter.task_ids", "volc": "filter.task_ids", "vidu": "task_ids"}


@pytest.mark.parametrize("provider", LISTING)
def test_ids_filter(api: Api, provider: str) -> None:
    added = api.fake.add_tasks(provider, 50)
    wanted = [added[3].id, added[40].id, added[17].id]
    tasks = api.client(provider).list_tasks(task_ids=wanted, page_size=10)
    assert sorted(t.id for t in tasks) == sorted(wanted)
    requests = lists(api, provider)
    if provider in ID_QUERY:
        assert len(requests) == 1
        assert sorted(requests[0].query_dict()[ID_QUERY[provider]]) == sorted(wanted)
    else:
        assert ID_QUERY.get(provider) is None
        assert len(requests) == 5  # filtered locally: every page read


@pytest.mark.parametrize("provider", LISTING)
def test_created_range(api: Api, provider: str) -> None:
    now = api.fake.clock.now()
    added = api.fake.add_tasks(provider, 100, newest_at=now, spacing=60.0)
    after = datetime.fromtimestamp(now - 30 * 60 - 1, tz=UTC)
    before = datetime.fromtimestamp(now - 10 * 60 - 1, tz=UTC)
    tasks = api.client(provider).list_tasks(
        created_after=after, created_before=before, page_size=10
    )
    expected = [
        t.id for t in reversed(added) if after <= t.created_at < before
    ]  # 20 tasks, minutes 11..30 ago
    assert [t.id for t in tasks] == expected
    assert len(expected) == 20
    for task in tasks:
        assert task.created_at is not None
        assert after <= task.created_at < before
    requests = lists(api, provider)
    if provider == "vidu":  # the server filters the creation window
        query = requests[0].query_dict()
        sent_after = datetime.fromisoformat(query["created_at.from"][0])
        sent_before = datetime.fromisoformat(query["created_at.to"][0])
        # whole seconds, widened outwards (the local filter is the exact one)
        assert after - timedelta(seconds=1) < sent_after <= after
        assert before <= sent_before < before + timedelta(seconds=1)
        assert sent_after.microsecond == sent_before.microsecond == 0
        assert len(requests) == 2
    else:  # filtered locally; newest first, so listing stops at the first page older than after
        assert "created_at.from" not in requests[0].query_dict()
        assert len(requests) <= 5


def test_naive_datetimes_are_utc(api: Api) -> None:
    now = api.fake.clock.now()
    added = api.fake.add_tasks("aitoearn", 10, newest_at=now, spacing=60.0)
    after = datetime.fromtimestamp(now - 150, tz=UTC).replace(tzinfo=None)
    tasks = api.client("aitoearn").list_tasks(created_after=after)
    assert [t.id for t in tasks] == [t.id for t in reversed(added)][:3]


@pytest.mark.parametrize("provider", LISTING)
def test_empty_listing(api: Api, provider: str) -> None:
    assert api.client(provider).list_tasks() == []
    assert len(lists(api, provider)) == 1


def vidu_task(task_id: str) -> dict[str, Any]:
    return {
        "id": task_id,
        "type": "text2video",
        "model": "viduq1",
        "prompt": "",
        "state": "success",
        "creations": [],
        "created_at": "2025-01-01T00:00:00Z",
        "credits": 0,
        "err_code": "",
    }


def test_vidu_repeated_token_ends_listing(api: Api) -> None:
    for ids in (["1", "2"], ["3", "4"], ["5"]):
        body = {"next_page_token": "same", "tasks": [vidu_task(i) for i in ids]}
        api.fake.inject("vidu", "http_error", endpoint="list", status=200, body=body)
    tasks = api.client("vidu").list_tasks(page_size=2)
    assert [t.id for t in tasks] == ["1", "2", "3", "4"]
    requests = lists(api, "vidu")
    assert len(requests) == 2
    assert requests[1].query_dict()["pager.page_token"] == ["same"]


@pytest.mark.parametrize("token", ["", None])
def test_vidu_empty_token_ends_listing(api: Api, token: str | None) -> None:
    body = {"next_page_token": token, "tasks": [vidu_task("1"), vidu_task("2")]}
    api.fake.inject("vidu", "http_error", endpoint="list", status=200, body=body)
    api.fake.add_tasks("vidu", 5)
    assert [t.id for t in api.client("vidu").list_tasks(page_size=2)] == ["1", "2"]
    assert len(lists(api, "vidu")) == 1


def test_vidu_follows_tokens(api: Api) -> None:
    api.fake.add_tasks("vidu", 25)
    tasks = api.client("vidu").list_tasks(page_size=10)
    assert [t.id for t in tasks] == api.fake.task_ids("vidu")
    requests = lists(api, "vidu")
    assert "pager.page_token" not in requests[0].query_dict()
    assert requests[0].query_dict()["pager.page"] == ["0"]
    assert all("pager.page_token" in r.query_dict() for r in requests[1:])
    assert len(requests) == 3


@pytest.mark.parametrize("provider", NOT_LISTING)
def test_list_unsupported(api: Api, provider: str) -> None:
    client = api.client(provider)
    with pytest.raises(vtasks.UnsupportedOperation) as info:
        client.iter_tasks()
    assert isinstance(info.value, NotImplementedError)
    assert provider in str(info.value)
    assert api.requests() == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"page_size": 0},
        {"page_size": 501},
        {"page_size": True},
        {"limit": -1},
        {"status": "done"},
        {"status": 5},
        {"status": ["running", None]},
        {"created_after": "yesterday"},
        {"task_ids": "cgt-20250101000000-aaaaa"},
        {"task_ids": ["ok", ""]},
    ],
)
def test_bad_arguments(api: Api, kwargs: dict[str, Any]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        api.client("ark").iter_tasks(**kwargs)
    assert api.requests() == []


def test_created_after_later_than_before_is_empty(api: Api) -> None:
    api.fake.add_tasks("ark", 5)
    now = datetime.now(UTC)
    tasks = api.client("ark").list_tasks(created_after=now, created_before=now - timedelta(days=1))
    assert tasks == []
    assert api.requests() == []


@pytest.mark.parametrize("provider", LISTING)
def test_created_after_is_inclusive(api: Api, provider: str) -> None:
    now = api.fake.clock.now()
    # Vidu sub-microsecond creation times: the server's filter must not drop the boundary task.
    created = now - 7200 if provider == "vidu" else float(int(now) - 7200)
    boundary = api.fake.add_task(provider, created_at=created)
    api.fake.add_task(provider, created_at=created - 1)
    newer = api.fake.add_task(provider, created_at=now)
    tasks = api.client(provider).list_tasks(created_after=boundary.created_at)
    assert [t.id for t in tasks] == [newer.id, boundary.id]
    tasks = api.client(provider).list_tasks(created_before=boundary.created_at)
    assert boundary.id not in [t.id for t in tasks]


@pytest.mark.parametrize("provider", LISTING)
def test_unknown_statuses_listed_and_filtered(api: Api, provider: str) -> None:
    odd = api.fake.add_task(provider, raw_status="reticulating")
    api.fake.add_tasks(provider, 5, statuses=["running", "succeeded"])
    client = api.client(provider)
    everything = client.list_tasks()
    assert len(everything) == 6
    (unknown,) = client.list_tasks(status="unknown")
    assert unknown.id == odd.id
    assert unknown.status is TaskStatus.UNKNOWN
    assert unknown.raw_status == "reticulating"


@pytest.mark.parametrize(
    ("provider", "empty"),
    [
        ("ark", {"total": 100, "items": []}),
        (
            "aitoearn",
            {"code": 0, "message": "ok", "data": {"totalPages": 10, "total": 100, "list": []}},
        ),
    ],
)
def test_an_empty_page_ends_the_listing(api: Api, provider: str, empty: dict[str, Any]) -> None:
    api.fake.add_tasks(provider, 100)
    iterator = api.client(provider, max_concurrency=1).iter_tasks(page_size=10)
    first = [next(iterator) for _ in range(10)]
    api.fake.inject(provider, "http_error", endpoint="list", status=200, body=empty)
    rest = list(iterator)
    assert [t.id for t in first] == api.fake.task_ids(provider)[:10]
    assert rest == []  # the page said "nothing more", whatever the total claims
    assert len(lists(api, provider)) == 2


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_listing_stops_at_the_vendors_last_page_with_a_warning(
    api: Api, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Ark serves page numbers 1-500 only: page 501 is never asked for (it is a 400)."""
    api.fake.add_tasks(provider, 503, snapshots=False)
    with caplog.at_level("WARNING", logger="vtasks"):
        tasks = api.client(provider, max_concurrency=16).list_tasks(page_size=1)
    assert [t.id for t in tasks] == api.fake.task_ids(provider)[:500]
    records = lists(api, provider)
    assert max(int(r.query_dict()["page_num"][0]) for r in records) == 500
    assert all(r.status == 200 for r in records)
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert len(warnings) == 1
    assert "at most 500 pages" in warnings[0]
    assert "3 more cannot be reached" in warnings[0]
    assert "page_size=500" in warnings[0]


def _pages_asked(fake: FakeProviders, provider: str) -> list[int]:
    key = PAGE_KEYS[provider][0]
    return sorted(int(r.query_dict()[key][0]) for r in fake.requests if r.endpoint == "list")


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_next_pages_are_fetched_while_the_current_one_is_read(
    fake: FakeProviders, provider: str
) -> None:
    """Client: four pages (max_concurrency) are on their way while the caller reads page 2."""
    fake.add_tasks(provider, 95, snapshots=False)
    with vtasks.Client(
        provider, api_key=fake.api_keys[provider], base_url=fake.base_url, max_concurrency=4
    ) as client:
        iterator = client.list_tasks(page_size=10)
        taken = [next(iterator) for _ in range(11)]  # page 1 and the first task of page 2
        deadline = time.monotonic() + 5
        while len(_pages_asked(fake, provider)) < 6 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _pages_asked(fake, provider) == list(range(1, 7))  # 3-6, and no more
        rest = list(iterator)
    assert [t.id for t in taken + rest] == fake.task_ids(provider)
    assert _pages_asked(fake, provider) == list(range(1, 11))


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_async_next_pages_are_fetched_while_the_current_one_is_read(
    fake: FakeProviders, provider: str
) -> None:
    """AsyncClient: the same, with the next pages' requests running as tasks on the loop."""
    fake.add_tasks(provider, 95, snapshots=False)

    async def scenario() -> tuple[list[int], list[str]]:
        async with vtasks.AsyncClient(
            provider, api_key=fake.api_keys[provider], base_url=fake.base_url, max_concurrency=4
        ) as client:
            iterator = client.list_tasks(page_size=10)
            ids = [(await anext(iterator)).id for _ in range(11)]
            for _ in range(500):  # the prefetch runs while the caller is elsewhere
                if len(_pages_asked(fake, provider)) >= 6:
                    break
                await asyncio.sleep(0.01)
            asked = _pages_asked(fake, provider)
            ids += [task.id async for task in iterator]
            return asked, ids

    asked, ids = asyncio.run(scenario())
    assert asked == list(range(1, 7))
    assert ids == fake.task_ids(provider)
    assert _pages_asked(fake, provider) == list(range(1, 11))


def test_an_abandoned_listing_cancels_its_prefetch(fake: FakeProviders) -> None:
    """Breaking off a listing drops the window in flight: no request is left waiting."""
    fake.add_tasks("ark", 200, snapshots=False)
    fake.inject("ark", "latency", endpoint="list", seconds=0.2, count=None)

    async def scenario() -> None:
        async with vtasks.AsyncClient(
            "ark", api_key=fake.api_keys["ark"], base_url=fake.base_url, max_concurrency=4
        ) as client:
            iterator = client.list_tasks(page_size=10)
            for _ in range(11):  # into page 2: pages 3-6 are now in flight
                await anext(iterator)
            assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            await iterator.aclose()  # type: ignore[attr-defined]
            for _ in range(50):  # let the cancellations land (the answers take 0.2 s)
                pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
                if not pending:
                    break
                await asyncio.sleep(0)
            assert pending == []

    asyncio.run(scenario())


@pytest.mark.parametrize("provider", ["ark", "vidu"])
def test_id_filter_refused_as_too_long_is_applied_locally(api: Api, provider: str) -> None:
    """A gateway that refuses the id filter's long URL (414): the same tasks, filtered locally."""
    api.fake.add_tasks(provider, 150, snapshots=False)
    everything = api.fake.task_ids(provider)
    wanted = everything[10:90]
    api.fake.max_url_length = 1500  # a few dozen ids
    tasks = api.client(provider).list_tasks(task_ids=wanted)
    assert [t.id for t in tasks] == wanted  # newest first, each once
    records = lists(api, provider)
    id_key = "filter.task_ids" if provider == "ark" else "task_ids"
    assert records[0].status == 414
    assert all(r.status == 200 and id_key not in r.query_dict() for r in records[1:])
