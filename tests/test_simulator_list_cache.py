"""The simulator's cache of rendered list pages: served again only while it is still the answer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

import vtasks
from vtasks.testing import FakeProviders
from vtasks.testing._pages import PageCache
from vtasks.testing._tasks import Phase, TaskRecord

ARK_LIST = "/api/v3/contents/generations/tasks"
AITOEARN_LIST = "/api/ai/video/generations"


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=10.0) as client:
        yield client


def page(fake: FakeProviders, http: httpx.Client, provider: str, number: int, size: int) -> Any:
    """One list page's JSON, asked for over HTTP as the vendor's API takes it."""
    if provider == "ark":
        answer = http.get(
            ARK_LIST,
            params={"page_num": number, "page_size": size},
            headers={"Authorization": f"Bearer {fake.api_keys['ark']}"},
        )
    else:
        answer = http.get(
            AITOEARN_LIST,
            params={"page": number, "pageSize": size},
            headers={"X-Api-Key": fake.api_keys["aitoearn"]},
        )
    assert answer.status_code == 200
    return answer.json()


def items(provider: str, body: Any) -> list[dict[str, Any]]:
    return body["items"] if provider == "ark" else body["data"]["list"]


def total(provider: str, body: Any) -> int:
    return int(body["total"] if provider == "ark" else body["data"]["total"])


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_a_page_asked_for_again_is_served_as_rendered(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    fake.add_tasks(provider, 30, snapshots=False)
    first = page(fake, http, provider, 2, 10)
    assert fake.list_pages(provider) == {"made": 1, "served": 0}
    again = page(fake, http, provider, 2, 10)
    assert again == first
    assert fake.list_pages(provider) == {"made": 1, "served": 1}
    page(fake, http, provider, 3, 10)  # another page is another entry
    page(fake, http, provider, 2, 5)  # and so is another size
    assert fake.list_pages(provider) == {"made": 3, "served": 1}


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_a_task_added_between_pages_shows(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    fake.add_tasks(provider, 30, snapshots=False)
    before = page(fake, http, provider, 1, 10)
    new = fake.add_task(provider, status="running")
    after = page(fake, http, provider, 1, 10)
    assert total(provider, after) == total(provider, before) + 1
    assert items(provider, after)[0]["id"] == new.id
    assert items(provider, after)[1:] == items(provider, before)[:9]
    assert fake.list_pages(provider)["served"] == 0


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_a_task_removed_between_pages_is_gone(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    fake.add_tasks(provider, 30, snapshots=False)
    before = page(fake, http, provider, 1, 10)
    gone = items(provider, before)[0]["id"]
    fake.remove_task(provider, gone)
    after = page(fake, http, provider, 1, 10)
    assert gone not in [item["id"] for item in items(provider, after)]
    assert total(provider, after) == total(provider, before) - 1


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_one_task_gone_and_one_come_between_pages_shows(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    """The same total as before, not the same page: the store's change empties its cache."""
    fake.add_tasks(provider, 30, snapshots=False)
    before = page(fake, http, provider, 1, 10)
    fake.remove_task(provider, items(provider, before)[5]["id"])
    new = fake.add_task(provider, status="running")
    after = page(fake, http, provider, 1, 10)
    assert total(provider, after) == total(provider, before)
    assert [item["id"] for item in items(provider, after)] == fake.task_ids(provider)[:10]
    assert items(provider, after)[0]["id"] == new.id


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_a_status_set_between_pages_shows(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    fake.add_tasks(provider, 30, statuses=["running"], snapshots=False)
    before = page(fake, http, provider, 1, 10)
    changed = items(provider, before)[3]["id"]
    fake.set_status(provider, changed, "succeeded")
    after = page(fake, http, provider, 1, 10)
    raw = {item["id"]: item["status"] for item in items(provider, after)}
    expected = fake.get_task(provider, changed).raw_status
    assert raw[changed] == expected != items(provider, before)[3]["status"]


@pytest.mark.parametrize("provider", ["ark", "aitoearn"])
def test_a_lifecycle_moving_on_with_the_clock_shows(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    fake.add_tasks(provider, 20, statuses=["succeeded"], snapshots=False)
    moving = fake.add_task(provider, lifecycle="succeeded", step_seconds=10)
    before = page(fake, http, provider, 1, 10)
    assert items(provider, before)[0]["id"] == moving.id
    fake.clock.advance(1)  # still the same phase: the page is still the answer
    assert page(fake, http, provider, 1, 10) == before
    assert fake.list_pages(provider)["served"] == 1
    fake.clock.advance(60)  # past every step: the task has finished
    after = page(fake, http, provider, 1, 10)
    assert items(provider, after)[0]["status"] == fake.get_task(provider, moving.id).raw_status
    assert items(provider, after)[0]["status"] != items(provider, before)[0]["status"]
    assert items(provider, after)[1:] == items(provider, before)[1:]


def test_a_cancel_over_http_shows_on_the_cached_page(
    fake: FakeProviders, http: httpx.Client
) -> None:
    queued = fake.add_task("ark", status="queued")
    before = page(fake, http, "ark", 1, 10)
    assert items("ark", before)[0]["status"] == "queued"
    answer = http.delete(
        f"{ARK_LIST}/{queued.id}", headers={"Authorization": f"Bearer {fake.api_keys['ark']}"}
    )
    assert answer.status_code == 200
    assert items("ark", page(fake, http, "ark", 1, 10))[0]["status"] == "cancelled"


def test_a_page_a_fault_alters_is_neither_cached_nor_served(
    fake: FakeProviders, http: httpx.Client
) -> None:
    fake.add_tasks("ark", 10, snapshots=False)
    clean = page(fake, http, "ark", 1, 10)
    fake.inject("ark", "missing_fields", endpoint="list", fields=["model"], count=1)
    damaged = page(fake, http, "ark", 1, 10)
    assert all("model" not in item for item in items("ark", damaged))
    assert page(fake, http, "ark", 1, 10) == clean  # the fault's answer was not kept
    assert fake.list_pages("ark") == {"made": 1, "served": 1}


def test_filtered_ark_pages_are_rendered_each_time(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("ark", 20, statuses=["running", "succeeded"], snapshots=False)
    key = {"Authorization": f"Bearer {fake.api_keys['ark']}"}
    for _ in range(2):
        answer = http.get(ARK_LIST, params={"page_num": 1, "filter.status": "running"}, headers=key)
        assert {item["status"] for item in answer.json()["items"]} == {"running"}
    assert fake.list_pages("ark") == {"made": 0, "served": 0}


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_listings_stay_exact_while_the_store_changes_between_pages(
    fake: FakeProviders, mode: str
) -> None:
    """Through vtasks: listed again after tasks came and went, a listing shows the new store."""
    fake.add_tasks("ark", 95, snapshots=False)
    key, url = fake.api_keys["ark"], fake.base_url

    def listing() -> list[str]:
        if mode == "sync":
            with vtasks.Client("ark", api_key=key, base_url=url) as client:
                return [t.id for t in client.list_tasks(page_size=10)]

        async def run() -> list[str]:
            async with vtasks.AsyncClient("ark", api_key=key, base_url=url) as client:
                return [t.id async for t in client.list_tasks(page_size=10)]

        import asyncio

        return asyncio.run(run())

    assert listing() == fake.task_ids("ark")
    assert listing() == fake.task_ids("ark")  # every page from the cache now
    assert fake.list_pages("ark")["served"] >= 10
    fake.remove_task("ark", fake.task_ids("ark")[42])
    fake.add_tasks("ark", 3, snapshots=False)
    assert listing() == fake.task_ids("ark")


def _record(starts: tuple[float, ...]) -> TaskRecord:
    phases = tuple(Phase(start, f"s{i}", "running") for i, start in enumerate(starts))
    return TaskRecord(
        provider="ark",
        task_id=f"t{starts}",
        seq=0,
        created=starts[0],
        phases=phases,
        model="m",
        prompt=None,
        error=None,
        attrs={},
    )


def test_an_entry_lasts_until_the_first_task_on_it_moves_on() -> None:
    cache = PageCache()
    cache.put("k", b"body", [_record((0.0, 50.0)), _record((0.0, 20.0, 80.0))], now=10.0)
    assert cache.get("k", 19.9) == b"body"
    assert cache.get("k", 20.0) is None  # the second task moved on at 20
    cache.put("k", b"body", [_record((0.0, 50.0))], now=10.0)
    assert cache.get("k", 5.0) is None  # before it was rendered: the clock went back


def test_an_entry_is_dropped_when_any_lifecycle_is_replaced() -> None:
    cache = PageCache()
    cache.put("k", b"body", [], now=0.0)
    _record((0.0,)).set_phases((Phase(0.0, "done", "succeeded"),))
    assert cache.get("k", 1.0) is None


def test_the_cache_holds_at_most_its_bytes_least_recently_used_out() -> None:
    cache = PageCache(max_bytes=10)
    cache.put("a", b"aaaa", [], now=0.0)
    cache.put("b", b"bbbb", [], now=0.0)
    assert cache.get("a", 0.0) == b"aaaa"  # "a" is now the most recently used
    cache.put("c", b"cccc", [], now=0.0)  # 12 bytes: the least recently used ("b") goes
    assert cache.get("b", 0.0) is None
    assert cache.get("a", 0.0) == b"aaaa"
    assert cache.get("c", 0.0) == b"cccc"
    cache.put("big", b"x" * 11, [], now=0.0)  # larger than the cache: not kept at all
    assert cache.get("big", 0.0) is None
    assert len(cache) == 2
