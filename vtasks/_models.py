"""The normalized task model: :class:`TaskStatus` and :class:`Task`.

Every provider adapter turns its vendor payload into a :class:`Task`. The model is
deliberately dumb: it stores what the adapter hands it and does no parsing or
validation of its own, because construction sits on a hot path (a listing page holds
up to hundreds of tasks). Parsing belongs to :mod:`vtasks._time` and
:mod:`vtasks._status`, which the adapters call before building the ``Task``.
"""

from __future__ import annotations

import enum
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import attrs

from vtasks._driving import DATA_ERRORS
from vtasks._exceptions import ResponseError
from vtasks._time import parse_iso8601, to_iso

__all__ = [
    "TERMINAL_STATUSES",
    "Task",
    "TaskDraft",
    "TaskStatus",
    "Usage",
    "deferred_tasks",
    "draft_task",
    "is_deferred",
    "seal",
]


class TaskStatus(enum.StrEnum):
    """The status vocabulary shared by every provider.

    A ``str`` enum, so a member compares equal to its lower-case value
    (``TaskStatus.QUEUED == "queued"``) and serializes to JSON as that string.
    Looking a member up by value is case-insensitive: ``TaskStatus("Succeeded")``
    returns :attr:`SUCCEEDED`.

    A status a provider adds tomorrow is mapped to :attr:`UNKNOWN` (the vendor's own
    spelling stays in :attr:`Task.raw_status`) rather than raising.
    """

    QUEUED = "queued"
    """Accepted by the provider, not started yet."""
    RUNNING = "running"
    """Being generated."""
    SUCCEEDED = "succeeded"
    """Finished; the result (video URL) is available. Terminal."""
    FAILED = "failed"
    """Finished without a result; see :attr:`Task.error`. Terminal."""
    CANCELLED = "cancelled"
    """Cancelled by the user before finishing. Terminal."""
    EXPIRED = "expired"
    """Dropped by the provider because it was not run in time. Terminal."""
    UNKNOWN = "unknown"
    """The provider reported a status vtasks does not know (or none at all)."""

    @classmethod
    def _missing_(cls, value: object) -> TaskStatus | None:
        # Case-insensitive lookup by value, so CLI input like "Succeeded" works.
        if isinstance(value, str):
            folded = value.strip().lower()
            for member in cls:
                if member.value == folded:
                    return member
        return None

    @property
    def is_terminal(self) -> bool:
        """Whether a task in this status will not change any more."""
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES: frozenset[TaskStatus] = frozenset(
    {TaskStatus.SUCCEEDED, TaskStatus.FAILED, TaskStatus.CANCELLED, TaskStatus.EXPIRED}
)
"""The statuses after which a task does not change: succeeded, failed, cancelled, expired."""

# Fields that hold datetimes: serialized with ``to_iso`` by ``to_dict``.
_TIME_FIELDS = frozenset({"created_at", "updated_at", "started_at", "finished_at"})

# Longest string shown in full by ``Task.__repr__``; prompts can be thousands of characters.
_REPR_MAX_STR = 80


def _to_str_tuple(value: Iterable[str] | str | None) -> tuple[str, ...]:
    """Convert ``video_urls`` input to a tuple cheaply.

    A tuple is returned as is (the common case costs one type check). A lone string
    becomes a one-element tuple instead of a tuple of its characters.
    """
    if type(value) is tuple:
        return value
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(value)


@attrs.frozen(slots=True, kw_only=True)
class Usage:
    """What a task cost, in the units the vendor reports; a unit it does not report is ``None``.

    Never computed or estimated: vtasks has no price table. Ark bills in tokens
    (``usage.total_tokens``), Vidu in credits (``credits``); the other vendors report none, and
    their tasks' :attr:`Task.usage` is ``None``.

    Attributes:
        tokens: Tokens billed (Ark: ``usage.total_tokens``).
        credits: Credits charged (Vidu: ``credits``).
        seconds: Seconds of video billed, where a vendor counts them.
    """

    tokens: int | None = None
    credits: float | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """``{"tokens": ..., "credits": ..., "seconds": ...}``, ``None`` for an unreported unit."""
        return {"tokens": self.tokens, "credits": self.credits, "seconds": self.seconds}

    @classmethod
    def from_dict(cls, data: object) -> Usage | None:
        """A :meth:`to_dict` result back as a :class:`Usage` (``None`` for anything else)."""
        if not isinstance(data, Mapping):
            return None
        return cls(
            tokens=data.get("tokens"), credits=data.get("credits"), seconds=data.get("seconds")
        )


@attrs.frozen(slots=True, kw_only=True, cache_hash=True, repr=False)
class Task:
    """One video-generation task, in the same shape for every provider.

    Instances are immutable (``attrs.evolve(task, ...)`` makes a changed copy) and
    hashable. Two tasks are equal when every field except :attr:`raw` is equal.

    The constructor does not validate or convert anything except :attr:`video_urls`
    (any iterable becomes a tuple): adapters pass values already normalized with
    :mod:`vtasks._time` (aware UTC datetimes) and :mod:`vtasks._status`.

    A task handed out by ``list_tasks`` is normalized from :attr:`raw` when one of its fields
    other than :attr:`provider`, :attr:`id`, :attr:`status` and :attr:`raw` is first read (a listing of
    thousands costs little more than its JSON, however few of the fields are read); it is an
    instance of a subclass of ``Task`` until then, and ``Task`` itself after. Use
    ``isinstance(task, Task)``, not ``type(task) is Task``.

    Attributes:
        provider: The provider key, e.g. ``"volc"``.
        id: The task id as the provider knows it.
        status: The normalized status.
        raw_status: The provider's own status value, as sent (``None`` when missing).
        model: The model that produced (or is producing) the video.
        prompt: The text prompt, when the provider returns it.
        video_url: The (first) result video URL; usually valid for a limited time only.
        video_urls: Every result video URL, in the provider's order (may be empty).
        cover_url: A cover / poster image URL.
        created_at: When the task was created (aware UTC).
        updated_at: When the task last changed (aware UTC).
        started_at: When generation started (aware UTC).
        finished_at: When the task reached a terminal status (aware UTC).
        error: The provider's error message for a failed task.
        error_code: The provider's error code for a failed task, as a string.
        width: Video width in pixels.
        height: Video height in pixels.
        duration: Video length in seconds.
        fps: Frames per second.
        progress: How far the vendor says the task is, a percentage from 0 to 100; only when it
            sends a number (or a numeric string) in that range, else ``None`` (never estimated).
        usage: What the task cost, as the vendor reports it (:class:`Usage`), else ``None``.
        raw: The provider's task payload as received (not copied, not part of equality,
            hash, ``repr`` or :meth:`to_dict`).
    """

    provider: str
    id: str
    status: TaskStatus
    raw_status: str | None = None
    model: str | None = None
    prompt: str | None = None
    video_url: str | None = None
    video_urls: tuple[str, ...] = attrs.field(default=(), converter=_to_str_tuple)
    cover_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    error_code: str | None = None
    width: int | None = None
    height: int | None = None
    duration: float | None = None
    fps: float | None = None
    progress: float | None = None
    usage: Usage | None = None
    # A fresh dict, not a shared read-only mapping: MappingProxyType does not pickle,
    # and a plain dict serializes with json like any payload.
    raw: Mapping[str, Any] = attrs.field(factory=dict, eq=False)

    @property
    def is_terminal(self) -> bool:
        """Whether the task has finished (succeeded, failed, cancelled or expired)."""
        return self.status in TERMINAL_STATUSES

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict of every field except :attr:`raw`.

        Datetimes become ISO-8601 UTC strings ending in ``Z`` (see
        :func:`vtasks._time.to_iso`), ``status`` its string value, ``video_urls``
        a list. Keys follow the field order.
        """
        out: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if value is None:
                out[name] = None
            elif name in _TIME_FIELDS:
                out[name] = to_iso(value)
            elif name == "status":
                out[name] = str(value.value)
            elif name == "video_urls":
                out[name] = list(value)
            elif name == "usage":
                out[name] = value.to_dict()
            else:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Task:
        """Build a task from a :meth:`to_dict` result (or a dict shaped like one).

        Unknown keys are ignored; times are parsed with
        :func:`vtasks._time.parse_iso8601`; an unknown status becomes
        :attr:`TaskStatus.UNKNOWN`. A ``raw`` key, when present, becomes :attr:`raw`.

        Args:
            data: The mapping to read.

        Returns:
            The task.
        """
        kwargs: dict[str, Any] = {}
        for name in _FIELD_NAMES:
            if name not in data:
                continue
            value = data[name]
            if name in _TIME_FIELDS:
                value = parse_iso8601(value)
            elif name == "status":
                try:
                    value = TaskStatus(value)
                except ValueError:
                    value = TaskStatus.UNKNOWN
            elif name == "video_urls" and value is None:
                value = ()
            elif name == "usage":
                value = Usage.from_dict(value)
            kwargs[name] = value
        kwargs.setdefault("status", TaskStatus.UNKNOWN)
        if "raw" in data and isinstance(data["raw"], Mapping):
            kwargs["raw"] = data["raw"]
        return cls(**kwargs)

    def __repr__(self) -> str:
        """Show the set fields only, shorten long strings, and never show ``raw``."""
        parts = []
        for name in _FIELD_NAMES:
            value = getattr(self, name)
            if value is None or value == ():
                continue
            if name in _TIME_FIELDS:
                shown = to_iso(value)
            elif name == "status":
                shown = repr(value.value)
            elif isinstance(value, str) and len(value) > _REPR_MAX_STR:
                shown = repr(value[: _REPR_MAX_STR - 1] + "\u2026")
            else:
                shown = repr(value)
            parts.append(f"{name}={shown}")
        return f"Task({', '.join(parts)})"


# Every field but ``raw``, in declaration order (``to_dict`` / ``__repr__`` order).
_FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in attrs.fields(Task) if f.name != "raw")


def _install_fast_init(cls: type[Any]) -> type[Any]:
    """Give ``cls`` (a frozen, slotted attrs class) an ``__init__`` that stores fields cheaply.

    attrs' frozen ``__init__`` sets each field with ``object.__setattr__(self, name, value)``,
    about 0.2 µs a field, most of a :class:`Task`'s 22-field construction, and a listing builds
    thousands. Calling each slot's descriptor directly is still 0.15 µs a field. This
    ``__init__`` instead moves the new instance into an *open twin* for the time it fills it:
    a subclass adding no slots (so CPython lets ``__class__`` move between the two) whose
    ``__setattr__`` / ``__delattr__`` are ``object``'s own, which CPython then runs as its C
    generic setattr. Plain ``self.x = v`` stores cost a fifth of the descriptor calls, and the
    instance goes back to ``cls`` before ``__init__`` returns: callers only ever see ``cls``.
    Same signature, defaults, converter and factory; ``tests/test_models.py`` checks it builds
    exactly what attrs' own would. Returns the open twin (:func:`draft_task` uses it too).
    """
    open_twin = type(
        f"_Open{cls.__name__}",
        (cls,),
        {
            "__slots__": (),
            "__setattr__": object.__setattr__,
            "__delattr__": object.__delattr__,
            "__module__": cls.__module__,
        },
    )
    namespace: dict[str, Any] = {
        "NOTHING": attrs.NOTHING,
        "_set_class": object.__dict__["__class__"].__set__,
        "_Open": open_twin,
        "_Closed": cls,
    }
    params, body = [], []
    for field in attrs.fields(cls):
        name = field.name
        value = name
        if isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]
            namespace[f"_factory_{name}"] = field.default.factory
            params.append(f"{name}=NOTHING")
            value = f"_factory_{name}() if {name} is NOTHING else {name}"
        elif field.default is attrs.NOTHING:
            params.append(name)
        else:
            namespace[f"_default_{name}"] = field.default
            params.append(f"{name}=_default_{name}")
        if field.converter is not None:
            namespace[f"_convert_{name}"] = field.converter
            value = f"_convert_{name}({value})"
        body.append(f"    self.{name} = {value}")
    hash_slot = next((slot for slot in cls.__slots__ if slot.endswith("cached_hash")), None)
    if hash_slot is not None:  # cache_hash=True keeps the hash in a slot of its own, unset yet
        body.append(f"    self.{hash_slot} = None")
    # Into the open twin first, back to the class last; a converter that raises leaves an
    # instance nobody holds.
    source = (
        f"def __init__(self, *, {', '.join(params)}):\n"
        "    _set_class(self, _Open)\n" + "\n".join(body) + "\n    self.__class__ = _Closed\n"
    )
    exec(compile(source, f"<vtasks fast __init__ of {cls.__name__}>", "exec"), namespace)  # noqa: S102 - built from the class's own field names above
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = cls.__init__.__doc__
    cls.__init__ = init
    return open_twin


def _draft_functions(cls: type[Any], open_twin: type[Any], filling: type[Any]) -> tuple[Any, Any]:
    """``draft(<required fields>, raw)`` and ``seal(draft)`` for ``cls`` (see :func:`draft_task`).

    Generated from the fields like the ``__init__``: a field added to :class:`Task` is in the
    draft with its default, and its converter runs in ``seal``.
    """
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_Open": open_twin,
        "_Closed": cls,
        "_set_class": object.__dict__["__class__"].__set__,
        "_Filling": filling,
    }
    # ``into``: a deferred task being filled (see below), drafted in place instead of anew.
    params, converts = [], []
    body = [
        "    if into is None:",
        "        self = _new(_Open)",
        "    else:",
        "        self = into",
        "        _set_class(self, _Filling)",
    ]
    for field in attrs.fields(cls):
        name = field.name
        if field.default is attrs.NOTHING or name == "raw":
            params.append(name)
            body.append(f"    self.{name} = {name}")
        elif isinstance(field.default, attrs.Factory):  # type: ignore[arg-type]  # pragma: no cover - raw is a parameter
            namespace[f"_factory_{name}"] = field.default.factory
            body.append(f"    self.{name} = _factory_{name}()")
        else:
            namespace[f"_default_{name}"] = field.default
            body.append(f"    self.{name} = _default_{name}")
        if field.converter is not None:
            namespace[f"_convert_{name}"] = field.converter
            # The slot read through its descriptor: a task being filled sends every attribute
            # read through its hook (see _FillingTask), which is for everyone but the filler.
            namespace[f"_get_{name}"] = cls.__dict__[name].__get__
            converts.append(f"    self.{name} = _convert_{name}(_get_{name}(self))")
    hash_slot = next((slot for slot in cls.__slots__ if slot.endswith("cached_hash")), None)
    if hash_slot is not None:
        body.append(f"    self.{hash_slot} = None")
    source = (
        f"def draft({', '.join(params)}, into=None, /):\n"
        + "\n".join(body)
        + "\n    return self\n\n"
        "def seal(self, /):\n" + "\n".join(converts) + "\n    self.__class__ = _Closed\n"
        "    return self\n"
    )
    exec(compile(source, f"<vtasks drafts of {cls.__name__}>", "exec"), namespace)  # noqa: S102 - built from the class's own field names above
    return namespace["draft"], namespace["seal"]


_OpenTask = _install_fast_init(Task)
_install_fast_init(Usage)


if TYPE_CHECKING:

    class TaskDraft:
        """A :class:`Task` being filled in: the same fields, writable (see :func:`draft_task`)."""

        provider: str
        id: str
        status: TaskStatus
        raw_status: str | None
        model: str | None
        prompt: str | None
        video_url: str | None
        video_urls: tuple[str, ...]
        cover_url: str | None
        created_at: datetime | None
        updated_at: datetime | None
        started_at: datetime | None
        finished_at: datetime | None
        error: str | None
        error_code: str | None
        width: int | None
        height: int | None
        duration: float | None
        fps: float | None
        progress: float | None
        usage: Usage | None
        raw: Mapping[str, Any]

else:
    TaskDraft = _OpenTask


_DRAFT_DOC = """A task to fill in field by field, then :func:`seal`: for adapters building many tasks.

``Task(provider=..., id=..., ...)`` with a keyword for each of twenty fields spends most of its
time matching the keywords to parameters (about 3 µs a task, a page's 100 tasks 0.3 ms). A draft
takes the four fields every task has, positionally, starts every other field at its default, and
takes the rest as plain attribute stores. It is an instance of the open twin of :class:`Task` (see
:func:`_install_fast_init`); :func:`seal` runs the converters and makes it a :class:`Task`, the
same as the constructor would have built. Never hand a draft out unsealed.
"""
_SEAL_DOC = (
    """The finished :class:`Task` of a :func:`draft_task` (the same object, now a ``Task``)."""
)

if TYPE_CHECKING:

    def draft_task(
        provider: str,
        task_id: str,
        status: TaskStatus,
        raw: Mapping[str, Any],
        into: Task | None = None,
        /,
    ) -> TaskDraft:
        """See ``_DRAFT_DOC``."""
        ...

    def seal(draft: TaskDraft, /) -> Task:
        """See ``_SEAL_DOC``."""
        ...


# -- Deferred tasks: a listed task's fields normalized when first read --------------------------
#
# A listing hands out thousands of tasks, and normalizing one (status, times, URLs, usage) costs
# a few microseconds: on a 100-task page as much as decoding its JSON. Many callers read a few
# fields of a few tasks (an id to store, the status of the ones they track), and a listing's
# wall time should be the network's, not the parser's. So a listed task is made *deferred*: an
# instance of a per-adapter subclass of Task that adds no slots and has only ``provider``, ``id``,
# ``status`` and ``raw`` set. The first read of any other field (a property of the subclass, shadowing the
# slot) runs the adapter's own normalization of ``raw`` *into* the instance (``draft_task(...,
# into=task)``), which ends as :class:`Task` itself: from then on it is the task the adapter would
# have built, for about a microsecond more. Equality, hashing, ``repr``, pickling, copying and
# ``attrs.evolve`` read the fields, or fill the task first. What still tells one apart before its
# fill: ``type(task)``, its class's ``__slots__``, and that its fields are read from ``raw`` as
# ``raw`` is then (the payload is the caller's to read, not to change).

#: The fields a deferred task fills on first read: every one but those it is made with (the
#: status too: what a wait reads of every task each round, and a dict lookup to make).
_DEFERRED_FIELDS = frozenset(_FIELD_NAMES) - {"provider", "id", "status"}

# The tasks being filled now, by id(): (task, its deferred class, the filling thread's ident).
# A fill claims its task here first, with one ``dict.setdefault`` (atomic under the GIL, and a
# tenth of a lock's cost): a task is filled once, and another thread reading it meanwhile waits
# for the fill instead of seeing a field's default before the adapter stored its value. Code the
# filling thread runs in the middle of a fill (a signal handler, a finalizer, a trace hook) may
# read the task too, and is answered from a twin (see _whole). A child process forked in the
# middle of a fill puts the task back (see _after_fork). Fills do no I/O.
_FILLING: dict[int, tuple[Any, type[Any], int]] = {}

_set_class = object.__dict__["__class__"].__set__
_set_id = Task.__dict__["id"].__set__
_get_raw = Task.__dict__["raw"].__get__
_get_ident = threading.get_ident
_claim = _FILLING.setdefault


def _whole(task: Any) -> Any:
    """``task`` filled (filling it first if deferred), or a twin if it is being filled right now.

    The twin is for a read in the middle of the task's own fill, from the filling thread:
    waiting would never end, and the slots are half set, so the answer is a task normalized
    apart from the same ``raw``. Another thread's read waits until the fill is over.
    """
    cls: Any = type(task)
    if cls is Task:
        return task
    key = id(task)
    while True:
        if cls is not _FillingTask and issubclass(cls, _DeferredTask):
            claim = (task, cls, _get_ident())
            if _claim(key, claim) is claim:
                # The fill, inline (a call a task counts on a page read in full).
                listed_id = task.id
                try:
                    cls._vtasks_normalize(task.raw, task)
                except BaseException as exc:
                    # Back to deferred: the properties shadow whatever the slots were given so
                    # far, and the next read tries again.
                    _set_class(task, cls)
                    if not isinstance(exc, DATA_ERRORS):
                        raise
                    # The body was scrubbed of the key before it was decoded (exchange.decode).
                    raise ResponseError(
                        f"could not read the provider's task ({type(exc).__name__}: {exc})",
                        provider=task.provider,
                    ) from exc
                finally:
                    del _FILLING[key]
                if task.id is not listed_id:  # the id it was listed (and told apart) by stays
                    _set_id(task, listed_id)
                return task
        held = _FILLING.get(key)
        if held is not None and held[0] is task and held[2] == _get_ident():
            return held[1]._vtasks_normalize(_get_raw(task), None)
        # Another thread is filling it (or has just finished): let it run.
        time.sleep(0)
        cls = type(task)
        if cls is Task:
            return task


def _filling_getattribute(self: Any, name: str) -> Any:
    # Every attribute read of a task being filled: a field waits for the fill (or, from the
    # filling thread itself, comes from a twin; see _whole). The adapter only stores into the
    # task, and seal reads through the slot's descriptor, so neither comes here.
    if name not in _DEFERRED_FIELDS:
        return object.__getattribute__(self, name)
    return object.__getattribute__(_whole(self), name)


def _after_fork() -> None:
    """In a child forked while a thread of the parent was filling: the tasks back to deferred.

    The filling thread does not exist in the child, and its half-filled task would never be
    finished: put back, it is filled on its next read.
    """
    for task, cls, _ in list(_FILLING.values()):
        _set_class(task, cls)
    _FILLING.clear()


os.register_at_fork(after_in_child=_after_fork)


# The class a task is in while it is filled: stores are plain (as in the open twin), and every
# read goes through _filling_getattribute.
_FillingTask = type(
    "_FillingTask",
    (Task,),
    {
        "__slots__": (),
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
        "__getattribute__": _filling_getattribute,
        "__module__": Task.__module__,
    },
)

_draft, _seal = _draft_functions(Task, _OpenTask, _FillingTask)

if not TYPE_CHECKING:
    # The generated functions themselves, not wrappers: a wrapper's call would cost a fifth of
    # what drafting saves.
    draft_task, seal = _draft, _seal
    draft_task.__doc__, seal.__doc__ = _DRAFT_DOC, _SEAL_DOC
    draft_task.__name__ = draft_task.__qualname__ = "draft_task"


def _deferred_eq(self: Any, other: object) -> Any:
    return Task.__eq__(_whole(self), _whole(other) if isinstance(other, _DeferredTask) else other)


def _deferred_ne(self: Any, other: object) -> Any:
    return Task.__ne__(_whole(self), _whole(other) if isinstance(other, _DeferredTask) else other)


def _deferred_repr(self: Any) -> str:
    # A repr never raises: a task whose object the adapter cannot read says so.
    try:
        whole = _whole(self)
    except Exception as exc:  # shown, not raised
        provider = object.__getattribute__(self, "provider")
        task_id = object.__getattribute__(self, "id")
        return f"Task(provider={provider!r}, id={task_id!r}, <unreadable: {type(exc).__name__}>)"
    return Task.__repr__(whole)


def _deferred_reduce_ex(self: Any, protocol: Any) -> Any:
    # Pickled and copied as the Task it becomes: the deferred class is not importable by name.
    return _whole(self).__reduce_ex__(protocol)


def _deferred_reduce(self: Any) -> Any:
    return _whole(self).__reduce__()


def _field_reader(name: str) -> property:
    """The deferred class's ``name``: fill the task, then read the slot it now has."""
    namespace: dict[str, Any] = {"_whole": _whole}
    # The name as a literal attribute (not getattr): the read is on a page read in full.
    source = f"def {name}(self):\n    return _whole(self).{name}\n"
    exec(compile(source, "<vtasks deferred fields>", "exec"), namespace)  # noqa: S102 - a field name of Task's own
    return property(namespace[name], doc=f"Task.{name}, normalized on first read.")


# What every adapter's deferred class shares: each deferred field a property that fills the task
# (shadowing the slot, so that a first read raises nothing to catch), and the operations that
# must see every field filled first.
_DeferredTask = type(
    "_DeferredTask",
    (Task,),
    {
        "__slots__": (),
        **{name: _field_reader(name) for name in _FIELD_NAMES if name in _DEFERRED_FIELDS},
        "__eq__": _deferred_eq,
        "__ne__": _deferred_ne,
        "__repr__": _deferred_repr,
        "__hash__": Task.__hash__,  # defining __eq__ would otherwise unset it
        "__reduce_ex__": _deferred_reduce_ex,
        "__reduce__": _deferred_reduce,
        "__module__": Task.__module__,
    },
)


def deferred_tasks(
    provider: str,
    normalize: Callable[[Any, Task | None], Task],
    check_id: Callable[[str, object, Any], str],
    status_of: Callable[[Any], TaskStatus],
    status_key: str,
    exact_statuses: Mapping[str, TaskStatus],
) -> Callable[[list[Any]], tuple[Task, ...]]:
    """A maker of one adapter's deferred tasks: ``make(items)``, a page's task objects.

    ``normalize(raw, into)`` is the adapter's own normalization of one task object, drafting
    into ``into`` (``draft_task(..., into)``); it runs when a field other than ``provider``,
    ``id``, ``status`` or ``raw`` is first read. Each object's ``"id"`` is read now (a listing
    needs it at once, to hand each task out once): anything but a non-empty string goes through
    ``check_id(provider, value, raw)``, which returns the id or raises, so a task without one is
    refused while it is listed, as an eager task is. The status is made now too: a string under
    ``status_key`` found in ``exact_statuses`` is that status, anything else is
    ``status_of(raw)`` (both what ``normalize`` makes of it). An item that is not an object is
    normalized at once (and fails there as it always has). A normalizer that crashes on off-spec
    data raises :class:`~vtasks.ResponseError` from the attribute read.
    """
    deferred = type(
        "_DeferredTask",
        (_DeferredTask,),
        {
            "__slots__": (),
            "_vtasks_normalize": staticmethod(normalize),
            "__module__": Task.__module__,
            "__qualname__": f"Task[deferred {provider}]",
        },
    )
    namespace: dict[str, Any] = {
        "_new": object.__new__,
        "_Open": _OpenTask,
        "_Deferred": deferred,
        "_provider": provider,
        "_normalize": normalize,
        "_check_id": check_id,
        "_status_of": status_of,
        "_exact": exact_statuses,
    }
    hash_slot = next((slot for slot in Task.__slots__ if slot.endswith("cached_hash")), None)
    clear_hash = f"        self.{hash_slot} = None\n" if hash_slot is not None else ""
    # One loop with the task's making inline: a call a task would cost a fifth of the page.
    source = (
        "def make(items, /):\n"
        "    out = []\n"
        "    append = out.append\n"
        "    for raw in items:\n"
        "        if type(raw) is not dict:\n"
        "            append(_normalize(raw, None))\n"
        "            continue\n"
        "        task_id = raw.get('id')\n"
        "        if type(task_id) is not str or not task_id:\n"
        "            task_id = _check_id(_provider, task_id, raw)\n"
        f"        status = raw.get({status_key!r})\n"
        "        status = _exact.get(status) if type(status) is str else None\n"
        "        if status is None:\n"
        "            status = _status_of(raw)\n"
        "        self = _new(_Open)\n"
        "        self.provider = _provider\n"
        "        self.id = task_id\n"
        "        self.status = status\n"
        "        self.raw = raw\n" + clear_hash + "        self.__class__ = _Deferred\n"
        "        append(self)\n"
        "    return tuple(out)\n"
    )
    exec(compile(source, f"<vtasks deferred {provider} tasks>", "exec"), namespace)  # noqa: S102 - fixed source, no outside text
    make: Callable[[list[Any]], tuple[Task, ...]] = namespace["make"]
    return make


def is_deferred(task: Task) -> bool:
    """Whether ``task`` is a listed task whose fields are not normalized yet (for tests)."""
    return isinstance(task, _DeferredTask)
