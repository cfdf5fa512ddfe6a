"""The normalized model: vtasks._models."""

from __future__ import annotations

import json
import pickle
from datetime import UTC, datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks._models import TERMINAL_STATUSES, Task, TaskStatus, Usage, draft_task, seal

T0 = datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)

DESIGN_FIELDS = [
    "provider",
    "id",
    "status",
    "raw_status",
    "model",
    "prompt",
    "video_url",
    "video_urls",
    "cover_url",
    "created_at",
    "updated_at",
    "started_at",
    "finished_at",
    "error",
    "error_code",
    "width",
    "height",
    "duration",
    "fps",
    "progress",
    "usage",
    "raw",
]


def full_task(**changes: object) -> Task:
    values: dict[str, object] = {
        "provider": "volc",
        "id": "cgt-20240610-abc",
        "status": TaskStatus.SUCCEEDED,
        "raw_status": "succeeded",
        "model": "doubao-seedance-1-0-pro",
        "prompt": "a cat surfing",
        "video_url": "https://cdn.example/v.mp4",
        "video_urls": ["https://cdn.example/v.mp4"],
        "cover_url": "https://cdn.example/c.jpg",
        "created_at": T0,
        "updated_at": T0 + timedelta(seconds=90),
        "started_at": T0 + timedelta(seconds=5),
        "finished_at": T0 + timedelta(seconds=90, microseconds=250_000),
        "error": None,
        "error_code": None,
        "width": 1920,
        "height": 1080,
        "duration": 5.0,
        "fps": 24.0,
        "usage": Usage(tokens=108_900),
        "raw": {"id": "cgt-20240610-abc", "secret_blob": "x" * 10_000},
    }
    values.update(changes)
    return Task(**values)  # type: ignore[arg-type]


class TestTaskStatus:
    def test_members(self) -> None:
        assert [s.value for s in TaskStatus] == [
            "queued",
            "running",
            "succeeded",
            "failed",
            "cancelled",
            "expired",
            "unknown",
        ]
        for member in TaskStatus:
            assert member.value == member.name.lower()
            assert member == member.value  # a str enum
            assert str(member) == member.value
            assert json.dumps(member) == f'"{member.value}"'

    def test_terminal(self) -> None:
        assert {
            TaskStatus.SUCCEEDED,
            TaskStatus.FAILED,
            TaskStatus.CANCELLED,
            TaskStatus.EXPIRED,
        } == TERMINAL_STATUSES
        assert isinstance(TERMINAL_STATUSES, frozenset)
        for member in TaskStatus:
            assert member.is_terminal is (member in TERMINAL_STATUSES)
        assert not TaskStatus.UNKNOWN.is_terminal

    @pytest.mark.parametrize("text", ["Succeeded", "SUCCEEDED", " succeeded "])
    def test_lookup_ignores_case(self, text: str) -> None:
        assert TaskStatus(text) is TaskStatus.SUCCEEDED

    @pytest.mark.parametrize("value", ["done", "", 3, None])
    def test_lookup_rejects_junk(self, value: object) -> None:
        with pytest.raises(ValueError, match="is not a valid"):
            TaskStatus(value)  # type: ignore[arg-type]


class TestTask:
    def test_fields_are_the_contract(self) -> None:
        assert [f.name for f in attrs.fields(Task)] == DESIGN_FIELDS

    def test_minimal_construction_defaults(self) -> None:
        task = Task(provider="veo", id="t1", status=TaskStatus.QUEUED)
        assert task.video_urls == ()
        assert task.raw == {}
        for name in DESIGN_FIELDS[3:-1]:
            if name != "video_urls":
                assert getattr(task, name) is None, name
        assert not task.is_terminal

    def test_keyword_only(self) -> None:
        with pytest.raises(TypeError):
            Task("veo", "t1", TaskStatus.QUEUED)  # type: ignore[call-arg]

    @pytest.mark.parametrize(
        ("given_urls", "expected"),
        [
            (["a", "b"], ("a", "b")),
            (("a",), ("a",)),
            ("single", ("single",)),
            (None, ()),
            (iter(["x"]), ("x",)),
        ],
    )
    def test_video_urls_converted(self, given_urls: object, expected: tuple[str, ...]) -> None:
        task = Task(provider="veo", id="t", status=TaskStatus.QUEUED, video_urls=given_urls)  # type: ignore[arg-type]
        assert task.video_urls == expected

    def test_immutable_and_slotted(self) -> None:
        task = full_task()
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            task.status = TaskStatus.FAILED  # type: ignore[misc]
        assert not hasattr(task, "__dict__")
        changed = attrs.evolve(task, status=TaskStatus.FAILED, error="boom")
        assert changed.status is TaskStatus.FAILED
        assert task.status is TaskStatus.SUCCEEDED

    def test_equality_and_hash_ignore_raw(self) -> None:
        a = full_task(raw={"x": 1})
        b = full_task(raw={"y": [1, 2]})  # an unhashable payload does not matter
        assert a == b
        assert hash(a) == hash(b)
        assert len({a, b}) == 1
        assert a != full_task(status=TaskStatus.FAILED)

    def test_is_terminal(self) -> None:
        for status in TaskStatus:
            assert full_task(status=status).is_terminal is status.is_terminal

    def test_repr_hides_raw_and_shortens(self) -> None:
        task = full_task(prompt="p" * 500)
        text = repr(task)
        assert "secret_blob" not in text
        assert "raw=" not in text
        assert "p" * 100 not in text
        assert "\u2026" in text
        assert text.startswith("Task(provider='volc', id='cgt-20240610-abc', status='succeeded'")
        assert "created_at=2024-06-10T06:13:20Z" in text
        assert len(text) < 800

    def test_repr_skips_unset(self) -> None:
        task = Task(provider="veo", id="t1", status=TaskStatus.RUNNING)
        assert repr(task) == "Task(provider='veo', id='t1', status='running')"

    def test_to_dict(self) -> None:
        data = full_task().to_dict()
        assert list(data) == DESIGN_FIELDS[:-1]  # every field but raw, in order
        assert data["status"] == "succeeded"
        assert type(data["status"]) is str
        assert data["video_urls"] == ["https://cdn.example/v.mp4"]
        assert data["created_at"] == "2024-06-10T06:13:20Z"
        assert data["finished_at"] == "2024-06-10T06:14:50.250000Z"
        assert data["error"] is None
        json.dumps(data)  # JSON-ready

    def test_to_dict_converts_non_utc(self) -> None:
        shifted = T0.astimezone(timezone(timedelta(hours=8)))
        assert full_task(created_at=shifted).to_dict()["created_at"] == "2024-06-10T06:13:20Z"

    def test_from_dict_round_trip(self) -> None:
        task = full_task()
        again = Task.from_dict(task.to_dict())
        assert again == task
        assert again.raw == {}

    def test_from_dict_tolerates_unknown(self) -> None:
        task = Task.from_dict({"provider": "veo", "id": "x", "status": "weird", "extra": 1})
        assert task.status is TaskStatus.UNKNOWN
        assert Task.from_dict({"provider": "veo", "id": "x"}).status is TaskStatus.UNKNOWN

    def test_pickle(self) -> None:
        task = full_task()
        again = pickle.loads(pickle.dumps(task))
        assert again == task
        assert again.raw == task.raw
        assert hash(again) == hash(task)
        minimal = Task(provider="veo", id="t1", status=TaskStatus.QUEUED)
        assert pickle.loads(pickle.dumps(minimal)) == minimal


statuses = st.sampled_from(list(TaskStatus))
utc_times = st.none() | st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(9999, 12, 30), timezones=st.just(UTC)
)
texts = st.none() | st.text(max_size=30)


@given(
    st.builds(
        Task,
        provider=st.sampled_from(["ark", "volc", "veo", "minimax", "vidu", "aitoearn"]),
        id=st.text(min_size=1, max_size=30),
        status=statuses,
        raw_status=texts,
        model=texts,
        prompt=texts,
        video_url=texts,
        video_urls=st.lists(st.text(max_size=20), max_size=3),
        cover_url=texts,
        created_at=utc_times,
        updated_at=utc_times,
        started_at=utc_times,
        finished_at=utc_times,
        error=texts,
        error_code=texts,
        width=st.none() | st.integers(0, 10_000),
        height=st.none() | st.integers(0, 10_000),
        duration=st.none() | st.floats(0, 1e6),
        fps=st.none() | st.floats(0, 240),
        progress=st.none() | st.floats(0, 100),
        usage=st.none()
        | st.builds(
            Usage,
            tokens=st.none() | st.integers(0, 10**9),
            credits=st.none() | st.floats(0, 1e6),
            seconds=st.none() | st.floats(0, 1e4),
        ),
    )
)
def test_to_dict_round_trip_property(task: Task) -> None:
    data = task.to_dict()
    assert Task.from_dict(json.loads(json.dumps(data))) == task
    repr(task)


class TestUsage:
    def test_to_dict_and_back(self) -> None:
        task = full_task(usage=Usage(credits=40.0))
        data = task.to_dict()
        assert data["usage"] == {"tokens": None, "credits": 40.0, "seconds": None}
        assert Task.from_dict(data).usage == Usage(credits=40.0)

    def test_absent_usage_is_none(self) -> None:
        assert full_task(usage=None).to_dict()["usage"] is None
        assert Task.from_dict({"provider": "ark", "id": "x", "usage": "lots"}).usage is None


class TestFastInit:
    """Task's and Usage's ``__init__`` store through the slots; they must build what attrs would."""

    @staticmethod
    def _attrs_built(shape: type, /, **kwargs: object) -> object:
        # attrs' own __init__, regenerated for a twin class with the same fields.
        twin = attrs.make_class(
            shape.__name__,
            {
                f.name: attrs.field(default=f.default, converter=f.converter, eq=f.eq, kw_only=True)
                for f in attrs.fields(shape)
            },
            frozen=True,
            slots=True,
        )
        return twin(**kwargs)

    def test_same_fields_as_attrs_init(self) -> None:
        full = full_task()
        given = {f.name: getattr(full, f.name) for f in attrs.fields(Task)}
        given.update(video_urls=["https://x/a.mp4", "https://x/b.mp4"], raw={"k": 1})
        task = Task(**given)
        twin = self._attrs_built(Task, **given)
        for field in attrs.fields(Task):
            assert getattr(task, field.name) == getattr(twin, field.name), field.name
        assert task.video_urls == ("https://x/a.mp4", "https://x/b.mp4")  # the converter ran
        assert task.raw is given["raw"]  # not copied

    def test_defaults_and_a_fresh_raw_each(self) -> None:
        one = Task(provider="ark", id="a", status=TaskStatus.QUEUED)
        two = Task(provider="ark", id="b", status=TaskStatus.QUEUED)
        assert one.raw == {}
        assert one.raw is not two.raw
        assert one.video_urls == ()
        assert one.usage is None
        assert one.error is None

    def test_frozen_hash_and_errors(self) -> None:
        task = Task(provider="ark", id="a", status=TaskStatus.QUEUED)
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            task.id = "b"  # type: ignore[misc]
        assert hash(task) == hash(attrs.evolve(task))
        assert {task: 1}[attrs.evolve(task)] == 1
        with pytest.raises(TypeError, match="status"):
            Task(provider="ark", id="a")  # type: ignore[call-arg]
        with pytest.raises(TypeError):
            Task("ark", "a", TaskStatus.QUEUED)  # type: ignore[misc]
        assert Usage(tokens=5) == Usage(tokens=5, credits=None)


class TestDraft:
    """``draft_task`` + ``seal``: the same Task the constructor builds, and a Task, not a twin."""

    def test_sealed_draft_equals_the_constructed_task(self) -> None:
        full = full_task()
        given = {f.name: getattr(full, f.name) for f in attrs.fields(Task)}
        given.update(video_urls=["https://x/a.mp4"], raw={"k": 1})
        draft = draft_task(given["provider"], given["id"], given["status"], given["raw"])
        for name, value in given.items():
            if name not in ("provider", "id", "status", "raw"):
                setattr(draft, name, value)
        task = seal(draft)
        built = Task(**given)
        assert type(task) is Task
        assert task == built
        assert hash(task) == hash(built)
        for field in attrs.fields(Task):
            assert getattr(task, field.name) == getattr(built, field.name), field.name
        assert task.video_urls == ("https://x/a.mp4",)  # the converter ran in seal
        assert task.raw is given["raw"]

    def test_untouched_fields_keep_their_defaults_and_seal_freezes(self) -> None:
        raw: dict[str, object] = {}
        task = seal(draft_task("ark", "a", TaskStatus.QUEUED, raw))
        assert task == Task(provider="ark", id="a", status=TaskStatus.QUEUED)
        assert task.raw is raw
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            task.id = "b"  # type: ignore[misc]
        assert pickle.loads(pickle.dumps(task)) == task


def test_the_type_checkers_task_draft_has_tasks_fields_and_types() -> None:
    """``TaskDraft`` is written out by hand for type checkers (at run time it is the open twin):
    a field added to or changed on :class:`Task` must be added or changed there too."""
    import ast
    from pathlib import Path

    import vtasks._models as models

    tree = ast.parse(Path(models.__file__).read_text(encoding="utf-8"))
    (draft,) = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.name == "TaskDraft"
    ]
    stub = {
        node.target.id: ast.unparse(node.annotation)
        for node in draft.body
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
    }
    fields = {f.name: str(Task.__annotations__[f.name]) for f in attrs.fields(Task)}
    assert stub == fields
