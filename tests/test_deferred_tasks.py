"""Deferred tasks: a listed task's fields are normalized on first read, and nobody can tell.

Listing hands out deferred tasks (vtasks._models.deferred_tasks): only provider, id and raw are
set until another field is read. These tests hold a listed task to the eager task the adapter
builds from the same object, through every way a caller can look at it, from several threads at
once, and when the normalizer crashes.
"""

from __future__ import annotations

import copy
import gc
import json
import os
import pickle
import signal
import sys
import threading
from collections.abc import Iterator
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import vtasks
from vtasks import ResponseError, Task
from vtasks._models import _FIELD_NAMES, TaskStatus, deferred_tasks, draft_task, is_deferred, seal
from vtasks._providers import get_adapter
from vtasks._providers._base import expect_id
from vtasks.testing import FakeProviders

LISTING = ("ark", "volc", "vidu", "aitoearn")
STATUSES = ["queued", "running", "succeeded", "failed"]


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviders]:
    with FakeProviders(record_requests=False) as fake:
        for provider in LISTING:
            fake.add_tasks(provider, 40, statuses=STATUSES, snapshots=False)
        yield fake


def listed(fake: FakeProviders, provider: str) -> list[Task]:
    with vtasks.Client(provider, api_key=fake.api_keys[provider], base_url=fake.base_url) as c:
        return list(c.list_tasks())


def eager(task: Task) -> Task:
    """The task the adapter builds eagerly from the same object."""
    adapter = get_adapter(task.provider)
    return adapter._task(task.raw)  # type: ignore[attr-defined,no-any-return]


def fields(task: Task) -> dict[str, Any]:
    return {name: getattr(task, name) for name in _FIELD_NAMES}


@pytest.mark.parametrize("provider", LISTING)
def test_listed_tasks_are_deferred_until_read_then_the_eager_task(
    fake: FakeProviders, provider: str
) -> None:
    tasks = listed(fake, provider)
    assert len(tasks) == 40
    assert all(is_deferred(t) and isinstance(t, Task) for t in tasks)
    assert len({t.id for t in tasks}) == 40
    assert all(is_deferred(t) for t in tasks)  # reading the id fills nothing
    for task in tasks:
        expected = eager(task)
        assert fields(task) == fields(expected)
        assert type(task) is Task
        assert not is_deferred(task)
        assert task.raw is expected.raw


@pytest.mark.parametrize(
    ("name", "look"),
    [
        ("eq", lambda t, e: t == e),
        ("eq reflected", lambda t, e: e == t),
        ("ne", lambda t, e: (t != e) is False),
        ("hash", lambda t, e: hash(t) == hash(e)),
        ("repr", lambda t, e: repr(t) == repr(e)),
        ("to_dict", lambda t, e: t.to_dict() == e.to_dict()),
        ("asdict", lambda t, e: attrs.asdict(t) == attrs.asdict(e)),
        ("pickle", lambda t, e: type(p := pickle.loads(pickle.dumps(t))) is Task and p == e),
        ("copy", lambda t, e: type(c := copy.copy(t)) is Task and c == e),
        ("deepcopy", lambda t, e: copy.deepcopy(t) == e),
        ("evolve", lambda t, e: attrs.evolve(t, model="m") == attrs.evolve(e, model="m")),
        ("is_terminal", lambda t, e: t.is_terminal == e.is_terminal),
        ("in a set", lambda t, e: e in {t}),
        ("json", lambda t, e: json.dumps(t.to_dict()) == json.dumps(e.to_dict())),
    ],
)
def test_every_way_of_looking_sees_the_eager_task(
    fake: FakeProviders, name: str, look: Any
) -> None:
    for task in listed(fake, "ark"):
        assert is_deferred(task)
        assert look(task, eager(task)), name


def test_two_deferred_tasks_compare_by_their_fields(fake: FakeProviders) -> None:
    first, second = listed(fake, "vidu"), listed(fake, "vidu")
    assert first == second  # each side deferred: both filled to compare
    assert first[0] != second[1]
    assert all(type(t) is Task for t in first + second)


def test_frozen_and_no_other_attributes(fake: FakeProviders) -> None:
    task = listed(fake, "aitoearn")[0]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.status = TaskStatus.FAILED  # type: ignore[misc]
    assert is_deferred(task)
    with pytest.raises(AttributeError):
        task.no_such_field  # type: ignore[attr-defined]  # noqa: B018
    assert not hasattr(task, "__dict__")
    assert task.model is not None
    assert not is_deferred(task)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        task.status = TaskStatus.FAILED  # type: ignore[misc]


def test_many_threads_reading_the_same_tasks_all_see_the_eager_values(
    fake: FakeProviders,
) -> None:
    # Thread switches as often as the interpreter allows, so that fills overlap reads.
    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        for _ in range(5):
            tasks = listed(fake, "ark")
            expected = [fields(eager(t)) for t in tasks]
            seen: list[list[dict[str, Any]]] = []
            errors: list[BaseException] = []
            start = threading.Barrier(8)

            def read(
                tasks: list[Task] = tasks,
                seen: list[list[dict[str, Any]]] = seen,
                errors: list[BaseException] = errors,
                start: threading.Barrier = start,
            ) -> None:
                try:
                    start.wait()
                    # Eight threads reading the same tasks at once: some fill, some wait.
                    seen.append([fields(t) for t in tasks])
                except BaseException as exc:  # collected, and shown by the assertion below
                    errors.append(exc)

            threads = [threading.Thread(target=read) for _ in range(8)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors, errors
            assert len(seen) == 8
            assert all(one == expected for one in seen)
    finally:
        sys.setswitchinterval(switch)


# A test maker's extra arguments: the id checked as adapters check it, every status running.
PLAIN = (expect_id, lambda raw: TaskStatus.RUNNING, "status", {})


def _crashing(raw: Any, into: Task | None = None) -> Task:
    if raw.get("crash"):
        raise TypeError("unreadable")
    return seal(draft_task("crashy", "x", TaskStatus.RUNNING, raw, into))


def test_a_crashing_normalizer_raises_response_error_on_every_read_and_stays_deferred() -> None:
    make = deferred_tasks("crashy", _crashing, *PLAIN)
    (task, fine) = make([{"id": "t-1", "crash": True}, {"id": "t-2"}])
    assert task.id == "t-1"
    assert task.provider == "crashy"
    for _ in range(2):
        with pytest.raises(ResponseError, match="could not read the provider's task") as info:
            task.model  # noqa: B018
        assert info.value.provider == "crashy"
        assert isinstance(info.value.__cause__, TypeError)
        assert is_deferred(task)
    assert fine.status is TaskStatus.RUNNING
    assert fine.model is None
    assert type(fine) is Task


def test_an_interrupt_during_a_fill_leaves_the_task_deferred() -> None:
    def interrupted(raw: Any, into: Task | None = None) -> Task:
        draft_task("x", "x", TaskStatus.RUNNING, raw, into)  # half-way through the fill
        raise KeyboardInterrupt

    (task,) = deferred_tasks("x", interrupted, *PLAIN)([{"id": "t"}])
    with pytest.raises(KeyboardInterrupt):
        task.model  # noqa: B018
    assert is_deferred(task)  # not half a Task: the next read tries again
    with pytest.raises(KeyboardInterrupt):
        task.model  # noqa: B018


# Task objects as the listing vendors send them, and as they should not: every field any of the
# three adapters reads, with values of every JSON type.
_JSON_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**64),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["succeeded", "failed", "running", "queued", "2024-06-10T06:13:20Z"]),
)
_JSON = st.recursive(
    _JSON_LEAF,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
_KEYS = [
    "status", "state", "err_code", "error", "content", "model", "revised_prompt", "prompt",
    "created_at", "updated_at", "duration", "frames", "framespersecond", "usage", "credits",
    "creations", "input", "videoUrl", "coverUrl", "submittedAt", "finishedAt",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    provider=st.sampled_from(LISTING),
    body=st.dictionaries(st.sampled_from(_KEYS), _JSON, max_size=8),
    task_id=st.text(min_size=1, max_size=10),
)
def test_deferred_and_eager_agree_on_any_task_object(
    provider: str, body: dict[str, Any], task_id: str
) -> None:
    adapter = get_adapter(provider)
    raw = {**body, "id": task_id}
    try:
        expected: Task | BaseException = adapter._task(raw)  # type: ignore[attr-defined]
    except Exception as exc:  # the deferred task must fail the same way
        expected = exc
    (task,) = adapter.deferred([raw], adapter._task)  # type: ignore[attr-defined]
    assert task.id == task_id
    if isinstance(expected, BaseException):
        with pytest.raises(ResponseError):
            task.model  # noqa: B018
    else:
        assert fields(task) == fields(expected)
        assert task == expected
        assert hash(task) == hash(expected)


def test_a_read_in_the_middle_of_a_fill_from_the_filling_thread_sees_the_whole_task(
    fake: FakeProviders,
) -> None:
    # Code the filling thread runs half-way through a fill (a signal handler, a finalizer, a
    # trace hook: here a trace hook, on every line of the draft) must not see defaults.
    tasks = [t for t in listed(fake, "ark") if t.raw.get("status") == "succeeded"][:3]
    expected = [eager(t) for t in tasks]
    seen: list[tuple[Any, ...]] = []
    current: list[Task] = []

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_name in ("draft", "_task") and current:
            task = current[0]
            current.clear()  # once a fill, and not from inside this read's own twin
            seen.append((task.status, task.video_url, task.created_at, hash(task)))
        return tracer

    for task in tasks:
        current.append(task)
        sys.settrace(tracer)
        try:
            task.model  # noqa: B018 - the read that fills it
        finally:
            sys.settrace(None)
    assert len(seen) == 3
    for (status, url, created, hashed), task, twin in zip(seen, tasks, expected, strict=True):
        assert (status, url, created) == (twin.status, twin.video_url, twin.created_at)
        assert hashed == hash(twin)
        assert hash(task) == hash(twin)  # a hash taken mid-fill is cached: it must be right
        assert task == twin


@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork is POSIX")
def test_a_child_forked_while_another_thread_fills_reads_its_tasks(fake: FakeProviders) -> None:
    half_way, go_on = threading.Event(), threading.Event()

    def slow(raw: Any, into: Task | None = None) -> Task:
        task = draft_task("slow", "x", TaskStatus.RUNNING, raw, into)
        if threading.current_thread().name == "filler":  # not the child's own fill
            half_way.set()
            go_on.wait(10)
        task.model = "m"
        return seal(task)

    make = deferred_tasks("slow", slow, *PLAIN)
    blocked, other = make([{"id": "a"}, {"id": "b"}])
    filler = threading.Thread(target=lambda: blocked.model, name="filler")
    filler.start()
    assert half_way.wait(10)
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the filling thread does not exist here
        try:
            signal.alarm(5)  # a hang would end the child without an answer
            answer = f"{other.model},{blocked.model},{type(blocked).__name__}"
            os.write(write_end, answer.encode())
        finally:
            os._exit(0)
    os.close(write_end)
    go_on.set()
    filler.join(10)
    _, status = os.waitpid(pid, 0)
    answer = os.read(read_end, 1000).decode()
    os.close(read_end)
    assert os.waitstatus_to_exitcode(status) == 0
    assert answer == "m,m,Task"
    assert blocked.model == "m"


def test_the_id_stays_the_one_the_task_was_listed_by(fake: FakeProviders) -> None:
    task = listed(fake, "ark")[0]
    listed_id = task.id
    task.raw["id"] = "another-id"  # type: ignore[index]  # a careless caller
    assert task.model is not None
    assert task.id == listed_id


def test_adapter_objects_take_their_deferred_classes_with_them() -> None:
    from vtasks._models import _DeferredTask
    from vtasks._providers.seedance import ArkAdapter

    raw = {"id": "cgt-1", "status": "running"}
    gc.collect()
    before = len(_DeferredTask.__subclasses__())
    for _ in range(50):
        ArkAdapter().parse_page({"items": [raw], "total": 1})
    gc.collect()
    assert len(_DeferredTask.__subclasses__()) <= before + 1


def test_repr_of_a_task_that_cannot_be_read_says_so() -> None:
    (task,) = deferred_tasks("crashy", _crashing, *PLAIN)([{"id": "t-1", "crash": True}])
    assert repr(task) == "Task(provider='crashy', id='t-1', <unreadable: ResponseError>)"


@pytest.mark.parametrize("provider", LISTING)
def test_the_status_is_made_with_the_listing_and_reading_it_fills_nothing(
    fake: FakeProviders, provider: str
) -> None:
    tasks = listed(fake, provider)
    statuses = [t.status for t in tasks]  # what a wait reads of every task, every round
    assert all(is_deferred(t) for t in tasks)
    assert statuses == [eager(t).status for t in tasks]
    assert {s.value for s in statuses} >= {"queued", "running", "succeeded", "failed"}
