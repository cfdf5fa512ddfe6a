"""What a cancel says happened: :class:`CancelOutcome` and :class:`CancelResult`."""

from __future__ import annotations

import enum

import attrs

from ._models import Task

__all__ = ["CancelOutcome", "CancelResult"]


class CancelOutcome(enum.StrEnum):
    """What ``cancel_task`` did.

    - ``cancelled``: the vendor cancelled the task (``task`` is its state after).
    - ``not_cancellable``: the task could not be cancelled now: it runs (Ark cancels only a
      queued task), or it has finished (``task.status`` says how), or the vendor refused.
    - ``deleted``: a finished task's record was deleted, because the caller asked for that
      (``delete=True``); ``task`` is its last state before.
    """

    CANCELLED = "cancelled"
    NOT_CANCELLABLE = "not_cancellable"
    DELETED = "deleted"


@attrs.frozen
class CancelResult:
    """The answer of ``cancel_task``.

    Attributes:
        outcome: What happened.
        task: The task's state as last seen (after a cancel; before a delete).
        reason: Why it was not cancellable, in words (the vendor's, when it gave some).
    """

    outcome: CancelOutcome
    task: Task
    reason: str | None = None

    @property
    def cancelled(self) -> bool:
        """Whether the task was cancelled (its money, for vendors that refund, is back)."""
        return self.outcome is CancelOutcome.CANCELLED

    def to_dict(self) -> dict[str, object]:
        """A JSON-ready dict (``vtasks cancel --json``)."""
        return {"outcome": self.outcome.value, "reason": self.reason, "task": self.task.to_dict()}
