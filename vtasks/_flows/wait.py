"""Waiting: polling one task or many until they are terminal, within a deadline."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TypeVar

from .._error_codes import is_retryable_error
from .._exceptions import VTasksError, WaitTimeout
from .._models import Task
from .._providers._base import Adapter
from .._retry import PollSchedule
from .get import BatchSize, get_task_flow, get_tasks_flow, unique
from .poll import ListingReach
from .steps import Emit, Flow, Sleep, with_deadline

__all__ = ["wait_for_task_flow", "wait_for_tasks_flow"]

_T = TypeVar("_T")

#: How long past a wait's deadline its requests may run: the poll made at the deadline gets this
#: long to bring the last state (so a wait ends within this of its deadline, plus scheduling).
FINAL_POLL_GRACE = 0.5


def _poll(poll_flow: Flow[_T], deadline: float, now: Callable[[], float]) -> Flow[_T | None]:
    """Run one poll within the wait's deadline; ``None`` if it failed transiently, time remaining.

    The request has spent its own retries by then; an outage shorter than the wait must not end
    it, so the wait carries on at its next interval. Errors that do not heal (a bad key, an
    unknown id) end the wait at once.
    """
    try:
        return (yield from with_deadline(poll_flow, deadline + FINAL_POLL_GRACE))
    except VTasksError as exc:
        if not is_retryable_error(exc) or deadline - now() <= 0:
            raise
        return None


def wait_for_task_flow(
    adapter: Adapter,
    task_id: str,
    *,
    timeout: float,
    schedule: PollSchedule,
    now: Callable[[], float],
) -> Flow[Task]:
    """Poll one task until it is terminal; :class:`WaitTimeout` (with the last state) at the deadline.

    Every state fetched is emitted (the driver hands it to ``on_poll``, outside the flow, so that
    the caller's exceptions stay the caller's). A poll that fails transiently (after its retries)
    is repeated at the next interval while time remains.
    """
    deadline = now() + timeout
    poll = 0
    last: Task | None = None
    while True:
        try:
            task = yield from _poll(get_task_flow(adapter, task_id), deadline, now)
        except VTasksError as exc:
            if not is_retryable_error(exc):
                raise
            raise WaitTimeout(
                f"the last poll failed: {exc}",
                task=last,
                timeout=timeout,
                task_id=task_id,
                provider=adapter.name,
            ) from exc
        if task is not None:
            last = task
            yield Emit((task,))
            if task.is_terminal:
                return task
        remaining = deadline - now()
        if remaining <= 0:
            raise WaitTimeout(task=last, timeout=timeout, task_id=task_id, provider=adapter.name)
        yield Sleep(min(schedule.interval(poll), remaining))
        poll += 1


def wait_for_tasks_flow(
    adapter: Adapter,
    task_ids: Collection[str],
    *,
    timeout: float,
    schedule: PollSchedule,
    now: Callable[[], float],
) -> Flow[None]:
    """Poll many tasks in batches (or by listing), emitting each once as it becomes terminal.

    Terminal tasks are not polled again. At the deadline, :class:`WaitTimeout` carries the last
    state of the first task still running. A poll that fails transiently is repeated at the next
    interval while time remains.
    """
    pending = unique(task_ids)
    batch_size = BatchSize(adapter)
    reach = ListingReach()
    last: dict[str, Task] = {}
    deadline = now() + timeout
    poll = 0

    def timed_out(cause: VTasksError | None = None) -> WaitTimeout:
        first = pending[0]
        message = f"{len(pending)} of {len(task_ids)} tasks still running"
        if cause is not None:
            message += f"; the last poll failed: {cause}"
        return WaitTimeout(
            message, task=last.get(first), timeout=timeout, task_id=first, provider=adapter.name
        )

    while pending:
        try:
            tasks = yield from _poll(
                get_tasks_flow(adapter, pending, batch_size, reach), deadline, now
            )
        except VTasksError as exc:
            if not is_retryable_error(exc):
                raise
            raise timed_out(exc) from exc
        if tasks is not None:
            last.update((t.id, t) for t in tasks)
            finished = tuple(t for t in tasks if t.is_terminal)
            if finished:
                yield Emit(finished)
            pending = [t.id for t in tasks if not t.is_terminal]
            if not pending:
                return
        remaining = deadline - now()
        if remaining <= 0:
            raise timed_out()
        yield Sleep(min(schedule.interval(poll), remaining))
        poll += 1
