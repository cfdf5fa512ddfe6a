"""Polling by listing: AiToEarn has no id filter, so many tasks are read from its newest-first list.

Each round pages the list until every tracked task is seen (or, once their creation times are
known, until a page is older than the oldest of them) and fetches the rest one by one.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from harness import Api

import vtasks
from vtasks import TaskStatus

P = "aitoearn"
INTERVAL = 30.0  # AiToEarn's own poll floor; every round is one interval apart
PAGE = 1000  # AiToEarn's largest page


def per_round(api: Api, start: float) -> list[Counter[str]]:
    """Requests by endpoint in each polling round (rounds are ``INTERVAL`` apart on the clock)."""
    rounds: dict[int, Counter[str]] = defaultdict(Counter)
    for record in api.requests(P):
        rounds[round((record.time - start) / INTERVAL)][record.endpoint] += 1
    return [rounds[k] for k in sorted(rounds)]


def test_1000_recent_tasks_take_at_most_two_requests_a_round(api: Api) -> None:
    tracked = api.fake.add_tasks(
        P, 1000, lifecycle="succeeded", step_seconds=INTERVAL, newest_at=api.fake.clock.now() - 1
    )
    # 500 newer tasks the caller does not wait on: the tracked ones span pages 1 and 2
    api.fake.add_tasks(P, 500, status="running")
    ids = [t.id for t in tracked]
    start = api.fake.clock.now()
    tasks = api.client(P).wait_for_tasks(ids, poll_interval=INTERVAL)
    assert sorted(t.id for t in tasks) == sorted(ids)
    assert {t.status for t in tasks} == {TaskStatus.SUCCEEDED}
    rounds = per_round(api, start)
    assert rounds[0] == Counter(list=2)
    # later rounds: the tasks still running, on one page or two
    assert len(rounds) > 1
    assert all(r["get"] == 0 and r["list"] <= 2 for r in rounds), rounds


def test_1000_tasks_on_the_first_page_take_one_request_a_round(api: Api) -> None:
    tracked = api.fake.add_tasks(P, 1000, lifecycle="succeeded", step_seconds=INTERVAL)
    start = api.fake.clock.now()
    tasks = api.client(P).wait_for_tasks([t.id for t in tracked], poll_interval=INTERVAL)
    assert len(tasks) == 1000
    assert all(r == Counter(list=1) for r in per_round(api, start))


def test_get_tasks_reads_the_list_and_a_listed_task_is_the_task_a_get_returns(api: Api) -> None:
    added = [api.fake.add_task(P, status=s) for s in ("succeeded", "running", "failed", "queued")]
    client = api.client(P)
    ids = [t.id for t in reversed(added)]
    listed = client.get_tasks(ids)
    assert [t.id for t in listed] == ids
    assert len(api.requests(P, "list")) == 1
    assert api.requests(P, "get") == []
    # Every field, raw answer included, is what the single-task endpoint says.
    assert listed == [client.get_task(task_id) for task_id in ids]


def test_one_task_is_fetched_alone(api: Api) -> None:
    added = api.fake.add_task(P, status="running")
    api.client(P).get_tasks([added.id])
    assert len(api.requests(P, "get")) == 1
    assert api.requests(P, "list") == []


def test_a_task_alone_is_polled_by_id_and_terminal_ones_not_at_all(api: Api) -> None:
    slow = api.fake.add_task(P, lifecycle="succeeded", step_seconds=INTERVAL)
    done = api.fake.add_task(P, status="failed")
    tasks = api.client(P).wait_for_tasks([slow.id, done.id], poll_interval=INTERVAL)
    assert [t.id for t in tasks] == [done.id, slow.id]
    assert len(api.requests(P, "list")) == 1  # both, on the first round
    asked = [r.path.rsplit("/", 1)[-1] for r in api.requests(P, "get")]
    assert asked == [slow.id, slow.id]  # then the one still running, by its own GET


def test_tasks_older_than_the_pages_read_are_fetched_one_by_one(api: Api) -> None:
    now = api.fake.clock.now()
    old = api.fake.add_tasks(P, 3, status="running", newest_at=now - 10**6)
    api.fake.add_tasks(P, 2500, status="running", newest_at=now - 100)
    recent = api.fake.add_tasks(P, 5, status="running")
    ids = [t.id for t in [*old, *recent]]
    with pytest.raises(vtasks.WaitTimeout):
        api.client(P).wait_for_tasks(ids, timeout=3 * INTERVAL, poll_interval=INTERVAL)
    first, *later = per_round(api, now)
    # ⌈8 / 1000⌉ + 1 pages at most, then one GET for each task they did not hold
    assert first == Counter(list=2, get=3)
    # the recent ones' creation times are known now: one page holds them all
    assert later
    assert all(r == Counter(list=1, get=3) for r in later), later


def test_a_missing_id_is_not_found_as_before(api: Api) -> None:
    known = api.fake.add_tasks(P, 3, status="running")
    missing = "0" * 24
    with pytest.raises(vtasks.NotFoundError) as info:
        api.client(P).wait_for_tasks([*(t.id for t in known), missing])
    assert info.value.task_ids == (missing,)
    assert len(api.requests(P, "list")) == 1
    assert [r.path.rsplit("/", 1)[-1] for r in api.requests(P, "get")] == [missing]


def test_a_task_deleted_during_the_wait_is_not_found(api: Api) -> None:
    done = api.fake.add_task(P, status="succeeded")
    running = api.fake.add_tasks(P, 3, status="running")
    iterator = api.client(P).iter_wait_for_tasks(
        [done.id, *(t.id for t in running)], poll_interval=INTERVAL
    )
    assert next(iterator).id == done.id
    api.fake.remove_task(P, running[1].id)
    with pytest.raises(vtasks.NotFoundError) as info:
        next(iterator)
    assert info.value.task_ids == (running[1].id,)


def test_tasks_created_during_the_wait_push_tracked_ones_to_a_later_page(api: Api) -> None:
    start = api.fake.clock.now()
    done = api.fake.add_task(P, status="succeeded", created_at=start - 1000)
    tracked = api.fake.add_tasks(P, 999, status="running")
    ids = [done.id, *(t.id for t in tracked)]
    iterator = api.client(P).iter_wait_for_tasks(ids, timeout=3 * INTERVAL, poll_interval=INTERVAL)
    assert next(iterator).id == done.id
    api.fake.add_tasks(P, 600, status="running")  # newer than every tracked task
    with pytest.raises(vtasks.WaitTimeout):
        next(iterator)
    first, *later = per_round(api, start)
    assert first == Counter(list=1)
    assert later
    assert all(r == Counter(list=2) for r in later), later


def test_tasks_created_at_the_same_time_across_a_page_boundary(api: Api) -> None:
    # 2,000 tasks with one creation time; the tracked ones straddle the end of page 1
    api.fake.add_tasks(P, 2000, lifecycle="succeeded", step_seconds=INTERVAL, spacing=0.0)
    newest_first = api.fake.task_ids(P)
    ids = newest_first[PAGE - 5 : PAGE + 5]
    start = api.fake.clock.now()
    tasks = api.client(P).wait_for_tasks(ids, poll_interval=INTERVAL)
    assert sorted(t.id for t in tasks) == sorted(ids)
    # a page whose oldest task is as old as the oldest tracked one does not end the round
    assert all(r == Counter(list=2) for r in per_round(api, start))


def test_a_transient_list_failure_is_retried_at_the_next_round(api: Api) -> None:
    tracked = api.fake.add_tasks(P, 50, lifecycle="succeeded", step_seconds=INTERVAL, spacing=0.0)
    # every attempt of the first round's page fails (1 + 2 retries)
    api.fake.inject(P, "http_error", endpoint="list", status=503, count=3)
    tasks = api.client(P).wait_for_tasks([t.id for t in tracked], poll_interval=INTERVAL)
    assert len(tasks) == 50
    # no fall-back to 50 single GETs against a server that is struggling
    assert api.requests(P, "get") == []
    assert [r.status for r in api.requests(P, "list")][:4] == [503, 503, 503, 200]


def test_a_persistent_list_failure_ends_in_wait_timeout(api: Api) -> None:
    tracked = api.fake.add_tasks(P, 5, status="running")
    api.fake.inject(P, "http_error", endpoint="list", status=500, count=None)
    with pytest.raises(vtasks.WaitTimeout) as info:
        api.client(P).wait_for_tasks([t.id for t in tracked], timeout=90, poll_interval=INTERVAL)
    assert info.value.task_id == tracked[0].id
    assert isinstance(info.value.__cause__, vtasks.ServerError)


def test_each_task_is_yielded_once(api: Api) -> None:
    tracked = api.fake.add_tasks(P, 40, statuses=["succeeded", "running"])
    iterator = api.client(P).iter_wait_for_tasks(
        [t.id for t in tracked], poll_interval=INTERVAL, timeout=3600
    )
    first = [next(iterator) for _ in range(20)]
    assert {t.id for t in first} == {t.id for t in tracked[::2]}
    for task in tracked[1::2]:
        api.fake.set_status(P, task.id, "failed")
    rest = list(iterator)
    assert sorted(t.id for t in rest) == sorted(t.id for t in tracked[1::2])
