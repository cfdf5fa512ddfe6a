"""Simulated tasks: their lifecycle phases, stored record and the public snapshot."""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

__all__ = ["STATUSES", "OUTCOMES", "FakeTask", "Phase", "TaskRecord"]

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled", "expired")
"""The normalized status names the simulator understands (vtasks' vocabulary minus ``unknown``)."""

OUTCOMES = ("succeeded", "failed", "cancelled", "expired")
"""The terminal normalized statuses; a named lifecycle ends in one of them."""


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of a task's life: from ``start`` on, the vendor reports ``raw``.

    Attributes:
        start: Unix seconds at which the phase begins.
        raw: The status value the vendor sends, verbatim.
        status: The normalized meaning of ``raw`` (``"unknown"`` when the simulator has none).
    """

    start: float
    raw: str
    status: str


class TaskRecord:
    """A task as stored by the simulator (internal; mutable only under the simulator's lock).

    Attributes:
        changes: How many lifecycles were replaced, of any task (:meth:`set_phases`): a cached
            list page rendered before the count moved may show a stale status.
    """

    changes: ClassVar[int] = 0

    __slots__ = (
        "attrs",
        "cache",
        "callback_url",
        "created",
        "error",
        "id",
        "model",
        "phases",
        "prompt",
        "provider",
        "seq",
        "starts",
    )

    def __init__(
        self,
        *,
        provider: str,
        task_id: str,
        seq: int,
        created: float,
        phases: tuple[Phase, ...],
        model: str,
        prompt: str | None,
        error: dict[str, Any] | None,
        attrs: dict[str, Any],
        callback_url: str | None = None,
    ) -> None:
        self.provider = provider
        self.id = task_id
        self.seq = seq
        self.created = created
        self.phases = phases
        self.starts = tuple(p.start for p in phases)
        self.model = model
        self.prompt = prompt
        self.error = error
        self.attrs = attrs
        # Where the vendor pushes the task's changes (its create request's callback_url): any
        # stored record that has one gets deliveries, however it was made (see _callbacks).
        self.callback_url = callback_url
        # Rendered JSON per (view, phase index); a phase never changes once reached.
        self.cache: dict[tuple[str, int], bytes] = {}

    @property
    def key(self) -> tuple[float, int]:
        """The sort key: creation time, then insertion order."""
        return (self.created, self.seq)

    def phase_index(self, now: float) -> int:
        """Return the index of the phase in effect at ``now``."""
        if len(self.starts) == 1:
            return 0
        return max(0, bisect_right(self.starts, now) - 1)

    def set_phases(self, phases: tuple[Phase, ...]) -> None:
        """Replace the lifecycle (and forget rendered JSON)."""
        self.phases = phases
        self.starts = tuple(p.start for p in phases)
        self.cache.clear()
        TaskRecord.changes += 1


@dataclass(frozen=True, slots=True)
class FakeTask:
    """A snapshot of one simulated task, as the simulator sees it at a given clock time.

    Attributes:
        provider: The provider key (``"ark"``, ``"volc"``, ``"veo"``, ...).
        id: The task id the vendor would return.
        status: The normalized status now (``"unknown"`` for a raw value with no meaning).
        raw_status: The status value the vendor sends now, verbatim.
        model: The model name.
        prompt: The prompt (``None`` if the task has none).
        created_at: Creation time (aware UTC).
        updated_at: When the current phase began (aware UTC).
        video_url: The result video URL while succeeded, else ``None``.
        cover_url: The result cover / last-frame URL while succeeded, else ``None``.
        file_id: MiniMax only: the result file id (string, as the query endpoint sends it).
        error: The task's error ``{"code", "message"}`` while failed, else ``None``.
        final_status: The normalized status at the end of the lifecycle.
        callback_url: Where the simulator pushes the task's changes, or ``None``.
    """

    provider: str
    id: str
    status: str
    raw_status: str
    model: str
    prompt: str | None
    created_at: datetime
    updated_at: datetime
    video_url: str | None
    cover_url: str | None
    file_id: str | None
    error: dict[str, Any] | None
    final_status: str
    callback_url: str | None = None

    @property
    def is_terminal(self) -> bool:
        """Whether the current status is terminal (succeeded, failed, cancelled or expired)."""
        return self.status in OUTCOMES


def utc(ts: float) -> datetime:
    """Convert Unix seconds to an aware UTC datetime."""
    return datetime.fromtimestamp(ts, tz=UTC)
