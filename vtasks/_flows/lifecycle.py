"""Creating and cancelling tasks: the flows, with the rule that a paid task is never duplicated.

A create goes out once. ``send_flow`` retries it only when the connection could not be made (so
not a byte of it left); after any other failure the vendor may have made the task, and
:func:`create_flow` raises :class:`~vtasks.TaskMayExistError` carrying what the caller needs to
find it (provider, model, when it was sent, the prompt and its digest). A refusal (a 4xx, or a
vendor's error code sent with HTTP 200, except the server-side ones) made nothing and is raised
as the usual :class:`~vtasks.APIError`.

A cancel reads the task first, and never deletes a finished task's record unless asked: Ark's
one ``DELETE`` cancels a queued task but deletes a finished one, so a finished task gets no
request at all without ``delete=True``, and a running one none either (Ark refuses it). A queued
task cannot finish between the read and the ``DELETE`` without running first, and a running
task's ``DELETE`` is refused: the read cannot make the ``DELETE`` delete.
"""

from __future__ import annotations

from datetime import UTC, datetime

import attrs

from .._exceptions import (
    APIError,
    ResponseError,
    ServerError,
    TaskMayExistError,
    VTasksError,
)
from .._inputs import CreateSpec
from .._lifecycle import CancelOutcome, CancelResult
from .._models import Task, TaskStatus
from .._providers._base import Adapter, Request
from .exchange import never_sent
from .get import get_task_flow
from .steps import Answer, Flow, fetch_all

__all__ = ["cancel_flow", "create_flow", "refused"]


def refused(error: VTasksError) -> bool:
    """Whether an error answer proves the vendor made nothing: it answered, and said no.

    Any :class:`APIError` but a :class:`ServerError` (5xx, 408, 425, 499 and the vendors'
    "internal error" codes, after which the task may exist), and but an HTTP 200 error without
    a code.
    """
    if not isinstance(error, APIError) or isinstance(error, ServerError):
        return False
    # An HTTP 200 "error" without a code (an envelope missing its ``code``) is an answer that
    # says nothing: the task may have been made.
    return error.status_code != 200 or bool(error.code)


def _may_exist(
    spec: CreateSpec, adapter: Adapter, sent_at: datetime, cause: VTasksError
) -> TaskMayExistError:
    error = TaskMayExistError(
        str(cause),
        provider=adapter.name,
        model=spec.model,
        sent_at=sent_at,
        prompt=spec.prompt,
        status_code=getattr(cause, "status_code", None),
        body=getattr(cause, "body", None),
    )
    error.__cause__ = cause
    return error


def create_flow(adapter: Adapter, spec: CreateSpec, now: float) -> Flow[Task]:
    """Create one task from ``spec``; ``now`` is the wall-clock time it is sent (Unix seconds).

    The adapter checks what the vendor can do before the request exists, so a refused input is
    a ``ConfigurationError`` or ``UnsupportedOperation`` before any I/O.
    """
    request: Request = adapter.create_request(spec)
    sent_at = datetime.fromtimestamp(now, UTC)
    (outcome,) = yield from fetch_all((request,))
    if not isinstance(outcome, Answer):
        if refused(outcome) or never_sent(outcome):
            raise outcome  # the vendor made nothing: it said no, or never heard the request
        raise _may_exist(spec, adapter, sent_at, outcome)
    try:
        return adapter.parse_created(outcome.payload, spec)
    except ResponseError as exc:  # a good answer without a task in it: it may still exist
        raise _may_exist(spec, adapter, sent_at, exc) from exc


def cancel_flow(adapter: Adapter, task_id: str, *, delete: bool = False) -> Flow[CancelResult]:
    """Cancel a task, or with ``delete`` delete a finished one's record; say which happened."""
    task = yield from get_task_flow(adapter, task_id)
    if task.status.is_terminal:
        if not delete:
            return CancelResult(
                CancelOutcome.NOT_CANCELLABLE, task, f"the task has already {_ended(task)}"
            )
        (outcome,) = yield from fetch_all((adapter.delete_request(task_id),))
        if not isinstance(outcome, Answer):
            raise outcome
        return CancelResult(CancelOutcome.DELETED, task)
    if not adapter.cancellable(task):
        return CancelResult(
            CancelOutcome.NOT_CANCELLABLE,
            task,
            f"{adapter.name} cannot cancel a task that is {task.status.value}",
        )
    (outcome,) = yield from fetch_all((adapter.cancel_request(task_id),))
    if not isinstance(outcome, Answer):
        if not adapter.cancel_refused(outcome):
            raise outcome
        task = yield from get_task_flow(adapter, task_id)
        reason = outcome.message if isinstance(outcome, APIError) else str(outcome)
        return CancelResult(CancelOutcome.NOT_CANCELLABLE, task, reason or str(outcome))
    try:
        task = yield from get_task_flow(adapter, task_id)
    except VTasksError:
        # The vendor accepted the cancel; what it says is what happened, even unread.
        cancelled = attrs.evolve(task, status=TaskStatus.CANCELLED, raw_status=None)
        return CancelResult(
            CancelOutcome.CANCELLED, cancelled, "the task could not be read after the cancel"
        )
    return CancelResult(CancelOutcome.CANCELLED, task)


def _ended(task: Task) -> str:
    return {"succeeded": "succeeded", "failed": "failed", "cancelled": "been cancelled"}.get(
        task.status.value, task.status.value
    )
