"""``wait_for_task`` / ``wait_for_tasks``: outcomes, deadlines, intervals, batching."""

from __future__ import annotations

import pytest
from harness import BATCH_LIMIT, BATCHING, Api

import vtasks
from vtasks import PROVIDERS, Task, TaskStatus
from vtasks.testing import lifecycle

# What each provider reports for a task that ended that way.
OUTCOME_STATUS = {
    "succeeded": dict.fromkeys(PROVIDERS, TaskStatus.SUCCEEDED),
    "failed": dict.fromkeys(PROVIDERS, TaskStatus.FAILED),
    # MiniMax, AiToEarn and Veo resellers have no cancelled state: such a task reads as failed.
    "cancelled": {
        "ark": TaskStatus.CANCELLED,
        "volc": TaskStatus.CANCELLED,
        "vidu": TaskStatus.CANCELLED,
        "veo": TaskStatus.FAILED,
        "minimax": TaskStatus.FAILED,
        "aitoearn": TaskStatus.FAILED,
    },
}


@pytest.mark.parametrize("provider", PROVIDERS)
@pytest.mark.parametrize("outcome", ["succeeded", "failed"])
def test_waits_through_the_lifecycle(api: Api, provider: str, outcome: str) -> None:
    added = api.fake.add_task(provider, lifecycle=outcome, step_seconds=20)
    seen: list[Task] = []
    task = api.client(provider).wait_for_task(added.id, on_poll=seen.append)
    assert task.status is OUTCOME_STATUS[outcome][provider]
    assert task.is_terminal
    assert task.id == added.id
    if outcome == "succeeded":
        assert task.video_url == api.fake.get_task(provider, added.id).video_url
    # Each state of the lifecycle was seen, in order, and the last one is the result.
    raws = [t.raw_status for t in seen]
    assert raws[-1] == task.raw_status
    assert seen[-1] == task
    assert all(not t.is_terminal for t in seen[:-1])
    assert len(seen) == len(api.requests(provider, "get"))
    # The wait took about as long as the lifecycle, not the timeout.
    assert sum(api.clock.sleeps) < 20 * 4 + 30


@pytest.mark.parametrize("provider", PROVIDERS)
def test_cancelled_returns_at_once(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, lifecycle="cancelled", step_seconds=10)
    client = api.client(provider)
    task = client.wait_for_task(added.id, timeout=3600)
    assert task.status is OUTCOME_STATUS["cancelled"][provider]
    # not at the deadline: at most one (longest) interval after the lifecycle ended (15 s by
    # default; AiToEarn's statuses change every 30 s, so it is polled every 30 s)
    ended = 10 * (len(lifecycle(provider, "cancelled")) - 1)
    longest = client.raw.poll_schedule.maximum
    assert ended <= sum(api.clock.sleeps) <= ended + longest


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_expired_returns_at_once(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, lifecycle="expired", step_seconds=10)
    task = api.client(provider).wait_for_task(added.id, timeout=3600)
    assert task.status is TaskStatus.EXPIRED
    assert 10 <= sum(api.clock.sleeps) < 10 + 15


@pytest.mark.parametrize("provider", PROVIDERS)
def test_already_terminal_polls_once(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="failed")
    task = api.client(provider).wait_for_task(added.id)
    assert task.status is TaskStatus.FAILED
    assert api.clock.sleeps == []
    assert len(api.requests(provider, "get")) == 1


@pytest.mark.parametrize("provider", PROVIDERS)
def test_timeout_carries_last_state(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, status="running")
    client = api.client(provider)
    with pytest.raises(vtasks.WaitTimeout) as info:
        client.wait_for_task(added.id, timeout=60)
    error = info.value
    assert error.task is not None
    assert error.task.id == added.id
    assert error.task.status is TaskStatus.RUNNING
    assert error.timeout == 60
    assert error.task_id == added.id
    assert sum(api.clock.sleeps) == pytest.approx(60)
    polls = api.requests(provider, "get")
    assert polls[-1].time - polls[0].time == pytest.approx(60)


def test_growing_intervals(api: Api) -> None:
    added = api.fake.add_task("ark", status="queued")
    schedule = vtasks.PollSchedule(initial=1.0, factor=2.0, maximum=10.0, jitter=0.0)
    client = api.client("ark", poll_schedule=schedule)
    with pytest.raises(vtasks.WaitTimeout):
        client.wait_for_task(added.id, timeout=40)
    assert api.clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0, 5.0]


def test_default_intervals_grow_within_bounds(api: Api) -> None:
    added = api.fake.add_task("vidu", status="running")
    with pytest.raises(vtasks.WaitTimeout):
        api.client("vidu").wait_for_task(added.id, timeout=300)
    sleeps = api.clock.sleeps
    assert sleeps[0] <= 2.0
    assert max(sleeps) <= 15.0
    assert sleeps[5] > sleeps[0]
    assert sum(sleeps) == pytest.approx(300)


def test_fixed_poll_interval(api: Api) -> None:
    added = api.fake.add_task("aitoearn", lifecycle="succeeded", step_seconds=30)
    task = api.client("aitoearn").wait_for_task(added.id, poll_interval=7.5)
    assert task.status is TaskStatus.SUCCEEDED
    assert set(api.clock.sleeps) == {7.5}
    assert len(api.clock.sleeps) == 8  # 60 s of queued + running, polled every 7.5 s


def test_on_poll_sees_every_state(api: Api) -> None:
    added = api.fake.add_task("minimax", lifecycle="succeeded", step_seconds=5)
    seen: list[str | None] = []
    api.client("minimax").wait_for_task(
        added.id, poll_interval=5, on_poll=lambda t: seen.append(t.raw_status)
    )
    assert seen == ["Preparing", "Queueing", "Processing", "Success"]


def test_on_poll_exceptions_are_the_callers(api: Api) -> None:
    added = api.fake.add_task("ark", lifecycle="succeeded", step_seconds=5)

    def stop(task: Task) -> None:
        raise KeyError("the caller's own")  # not "could not read the provider's answer"

    with pytest.raises(KeyError, match="the caller's own"):
        api.client("ark").wait_for_task(added.id, on_poll=stop)
    assert len(api.requests("ark", "get")) == 1


def test_veo_upsampling_is_waited_for(api: Api) -> None:
    added = api.fake.add_task("veo", lifecycle="succeeded", detailed=True, step_seconds=5)
    seen: list[str | None] = []
    task = api.client("veo").wait_for_task(
        added.id, poll_interval=5, on_poll=lambda t: seen.append(t.raw_status)
    )
    assert task.raw_status == "completed"
    assert task.status is TaskStatus.SUCCEEDED
    assert task.video_url == api.fake.get_task("veo", added.id).video_url
    assert seen[-4:] == [
        "video_generation_completed",
        "video_upsampling",
        "video_upsampling_completed",
        "completed",
    ]


def test_unknown_status_is_not_terminal(api: Api) -> None:
    added = api.fake.add_task("ark", lifecycle=[("queued", 5), ("reticulating", 5), "succeeded"])
    task = api.client("ark").wait_for_task(added.id, poll_interval=5)
    assert task.status is TaskStatus.SUCCEEDED
    assert len(api.requests("ark", "get")) == 3


@pytest.mark.parametrize("timeout", [-1.0, float("nan")])
def test_bad_timeout(api: Api, timeout: float) -> None:
    added = api.fake.add_task("ark", status="running")
    with pytest.raises(vtasks.ConfigurationError):
        api.client("ark").wait_for_task(added.id, timeout=timeout)


def test_bad_poll_interval(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    with pytest.raises(vtasks.ConfigurationError):
        api.client("ark").wait_for_task(added.id, poll_interval=-1)


# ---- wait_for_tasks -------------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_wait_for_tasks_yields_each_once_as_it_finishes(api: Api, provider: str) -> None:
    slow = api.fake.add_task(provider, lifecycle="succeeded", step_seconds=40)
    fast = api.fake.add_task(provider, lifecycle="failed", step_seconds=5)
    done = api.fake.add_task(provider, status="succeeded")
    tasks = api.client(provider).wait_for_tasks([slow.id, fast.id, done.id], timeout=3600)
    assert [t.id for t in tasks] == [done.id, fast.id, slow.id]
    assert [t.status for t in tasks] == [
        TaskStatus.SUCCEEDED,
        TaskStatus.FAILED,
        TaskStatus.SUCCEEDED,
    ]


# AiToEarn polls many tasks by listing: tests/test_client_poll_listing.py.
@pytest.mark.parametrize("provider", ["veo", "minimax"])
def test_terminal_tasks_are_not_polled_again(api: Api, provider: str) -> None:
    slow = api.fake.add_task(provider, lifecycle="succeeded", step_seconds=30)
    done = api.fake.add_task(provider, status="failed")
    list(api.client(provider).wait_for_tasks([slow.id, done.id], timeout=3600))
    asked = [
        r.query_dict().get("id", r.query_dict().get("task_id", [r.path.rsplit("/", 1)[-1]]))[0]
        for r in api.requests(provider, "get")
    ]
    assert asked.count(done.id) == 1
    assert asked.count(slow.id) > 2


@pytest.mark.parametrize("provider", BATCHING)
def test_wait_for_tasks_polls_in_batches(api: Api, provider: str) -> None:
    limit = BATCH_LIMIT[provider]
    running = api.fake.add_tasks(
        provider, limit - 5, lifecycle="succeeded", step_seconds=10, spacing=0.0
    )
    done = api.fake.add_tasks(provider, 10, status="failed")
    ids = [t.id for t in [*running, *done]]
    tasks = api.client(provider).wait_for_tasks(ids, poll_interval=10)
    assert sorted(t.id for t in tasks) == sorted(ids)
    assert [t.id for t in tasks[:10]] == [t.id for t in done]
    polls = len(lifecycle(provider, "succeeded"))  # one poll per step at 10 s intervals
    assert len(api.clock.sleeps) == polls - 1
    # limit + 5 ids: 2 list requests (limit ids at most each); then 1 for those still running
    assert len(api.requests(provider, "list")) == 2 + (polls - 1)
    assert api.requests(provider, "get") == []


def test_wait_for_tasks_is_lazy(api: Api) -> None:
    done = api.fake.add_task("veo", status="succeeded")
    slow = api.fake.add_task("veo", lifecycle="succeeded", step_seconds=100)
    iterator = api.client("veo").iter_wait_for_tasks([done.id, slow.id], poll_interval=10)
    first = next(iterator)
    assert first.id == done.id
    assert api.clock.sleeps == []  # the finished one comes before any sleeping
    second = next(iterator)
    assert second.id == slow.id
    with pytest.raises(StopIteration):
        next(iterator)


def test_wait_for_tasks_timeout(api: Api) -> None:
    done = api.fake.add_task("aitoearn", status="succeeded")
    stuck = api.fake.add_task("aitoearn", status="running")
    iterator = api.client("aitoearn").iter_wait_for_tasks([done.id, stuck.id], timeout=30)
    assert next(iterator).id == done.id
    with pytest.raises(vtasks.WaitTimeout) as info:
        next(iterator)
    assert info.value.task is not None
    assert info.value.task.id == stuck.id
    assert sum(api.clock.sleeps) == pytest.approx(30)


def test_wait_for_tasks_unknown_id(api: Api) -> None:
    known = api.fake.add_task("ark", status="running")
    with pytest.raises(vtasks.NotFoundError) as info:
        api.client("ark").wait_for_tasks([known.id, "cgt-20250101000000-zzzzz"])
    assert info.value.task_ids == ("cgt-20250101000000-zzzzz",)


def test_wait_for_tasks_empty(api: Api) -> None:
    assert api.client("vidu").wait_for_tasks([]) == []
    assert api.requests() == []


# ---- failing polls ------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["ark", "minimax", "vidu"])
def test_an_outage_shorter_than_the_wait_does_not_end_it(api: Api, provider: str) -> None:
    added = api.fake.add_task(provider, lifecycle="succeeded", step_seconds=10)
    # the first poll fails on all 3 attempts, the second on its first
    api.fake.inject(provider, "http_error", endpoint="get", status=503, count=4)
    task = api.client(provider).wait_for_task(added.id, poll_interval=10)
    assert task.status is TaskStatus.SUCCEEDED
    assert [r.status for r in api.requests(provider, "get")][:5] == [503, 503, 503, 503, 200]


def test_a_persistent_outage_ends_in_wait_timeout(api: Api) -> None:
    added = api.fake.add_task("aitoearn", status="running")
    client = api.client("aitoearn")
    assert client.get_task(added.id).status is TaskStatus.RUNNING
    api.fake.inject("aitoearn", "drop", endpoint="get", count=None)
    with pytest.raises(vtasks.WaitTimeout) as info:
        client.wait_for_task(added.id, timeout=30, poll_interval=10)
    error = info.value
    assert error.task is None  # no state was seen during this wait
    assert error.task_id == added.id
    assert isinstance(error.__cause__, vtasks.APIConnectionError)
    assert sum(api.clock.sleeps) == pytest.approx(30, abs=0.01)  # (and tiny back-offs)


def test_an_error_that_does_not_heal_ends_the_wait_at_once(api: Api) -> None:
    added = api.fake.add_task("minimax", lifecycle="succeeded", step_seconds=10)
    api.fake.inject("minimax", "business_error", endpoint="get", code=1004)
    with pytest.raises(vtasks.AuthenticationError):
        api.client("minimax").wait_for_task(added.id)
    assert len(api.requests("minimax", "get")) == 1


def test_wait_for_tasks_rides_out_an_outage(api: Api) -> None:
    added = [api.fake.add_task("vidu", lifecycle="succeeded", step_seconds=10) for _ in range(3)]
    api.fake.inject("vidu", "http_error", endpoint="list", status=502, count=3)
    tasks = api.client("vidu").wait_for_tasks([t.id for t in added], poll_interval=10)
    assert sorted(t.id for t in tasks) == sorted(t.id for t in added)


def test_wait_for_tasks_persistent_outage(api: Api) -> None:
    added = api.fake.add_task("veo", status="running")
    api.fake.inject("veo", "http_error", endpoint="get", status=500, count=None)
    with pytest.raises(vtasks.WaitTimeout) as info:
        api.client("veo").wait_for_tasks([added.id], timeout=20, poll_interval=5)
    assert info.value.task_id == added.id
    assert isinstance(info.value.__cause__, vtasks.ServerError)
