"""Fetching tasks by id: one, or many in as few requests as the vendor allows."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import attrs

from .._exceptions import APIError, NotFoundError
from .._models import Task
from .._providers._base import Adapter, Page
from .poll import ListingReach, listed
from .steps import Flow, Outcome, fetch_all, fetch_one, unwrap

__all__ = ["URL_TOO_LONG", "BatchSize", "get_task_flow", "get_tasks_flow", "too_long", "unique"]

# Answers that mean "this URL is too long for me" (a gateway's or the vendor's own limit).
URL_TOO_LONG = frozenset({413, 414, 431})


def unique(ids: Iterable[str]) -> list[str]:
    """The ids in their first order, each once."""
    return list(dict.fromkeys(ids))


def too_long(outcome: Outcome | BaseException) -> bool:
    """Whether an outcome is a server refusing the URL as too long."""
    return isinstance(outcome, APIError) and outcome.status_code in URL_TOO_LONG


def _with_requested_id(task: Task, task_id: str) -> Task:
    # Veo resellers may answer with a different form of the id (without the model prefix); the
    # caller's id is the one that works for the next query, so the task keeps it.
    return task if task.id == task_id else attrs.evolve(task, id=task_id)


def _complete(adapter: Adapter, tasks: list[Task]) -> Flow[list[Task]]:
    """Run the adapters' follow-up requests (MiniMax file URLs) for many tasks at once."""
    wanted = [(i, req) for i, task in enumerate(tasks) if (req := adapter.follow_up(task))]
    if not wanted:
        return tasks
    outcomes = yield from fetch_all(tuple(req for _, req in wanted))
    done = list(tasks)
    for (index, _), outcome in zip(wanted, outcomes, strict=True):
        done[index] = adapter.complete(done[index], unwrap(outcome))
    return done


def get_task_flow(adapter: Adapter, task_id: str) -> Flow[Task]:
    """Fetch one task (and complete it, for providers that need a second call)."""
    payload = yield from fetch_one(adapter.get_request(task_id))
    task = _with_requested_id(adapter.parse_task(payload), task_id)
    follow_up = adapter.follow_up(task)
    if follow_up is not None:
        task = adapter.complete(task, (yield from fetch_one(follow_up)))
    return task


class BatchSize:
    """How many ids one id-filtered list request carries; halved when a server refuses the URL.

    One instance lives as long as a ``wait_for_tasks`` call, so that what one poll round learnt
    about the server's URL limit saves the next rounds the refused requests.
    """

    def __init__(self, adapter: Adapter) -> None:
        self.value = adapter.id_filter_max

    def refused(self, batch: Sequence[str]) -> bool:
        """Note that ``batch`` was refused as too long; whether a smaller one is worth trying."""
        if len(batch) <= 1:
            return False
        self.value = min(self.value, max(len(batch) // 2, 1))
        return True

    def split(self, ids: Sequence[str]) -> list[Sequence[str]]:
        """``ids`` in batches of the current size."""
        return [ids[i : i + self.value] for i in range(0, len(ids), self.value)]


def get_tasks_flow(
    adapter: Adapter,
    task_ids: Sequence[str],
    batch_size: BatchSize | None = None,
    reach: ListingReach | None = None,
) -> Flow[list[Task]]:
    """Fetch many tasks, in the input order, with as few requests as the vendor allows.

    Where the vendor filters its list by id, ids go in batches of up to its page size (halved
    while a server refuses the URL as too long: 413, 414, 431); ids a batch does not return (Ark
    lists only the last 7 days) are fetched one by one. Where it has no id filter but polls by
    listing (AiToEarn), the first pages of its newest-first list are read instead
    (:mod:`vtasks._flows.poll`; ``reach`` carries what one round learnt to the next), and the
    ids they do not hold are fetched one by one. Ids the vendor does not know raise one
    :class:`NotFoundError` naming them all.
    """
    wanted = unique(task_ids)
    found: dict[str, Task] = {}
    if len(wanted) > 1:  # one id: its own GET is the cheapest answer
        if adapter.id_filter_max:
            found = yield from _batched(adapter, wanted, batch_size or BatchSize(adapter))
        elif adapter.poll_by_listing:
            listing = yield from listed(adapter, wanted, reach or ListingReach())
            completed = yield from _complete(adapter, list(listing.values()))
            found = {task.id: task for task in completed}
    rest = [task_id for task_id in wanted if task_id not in found]
    if rest:
        outcomes = yield from fetch_all(tuple(adapter.get_request(task_id) for task_id in rest))
        missing = []
        singles = []
        for task_id, outcome in zip(rest, outcomes, strict=True):
            if isinstance(outcome, NotFoundError):
                missing.append(task_id)
            else:
                singles.append(_with_requested_id(adapter.parse_task(unwrap(outcome)), task_id))
        if missing:
            raise NotFoundError(
                f"{len(missing)} of {len(wanted)} tasks not found",
                provider=adapter.name,
                status_code=404,
                task_ids=missing,
            )
        found.update((t.id, t) for t in (yield from _complete(adapter, singles)))
    return [found[task_id] for task_id in task_ids]


def _batched(adapter: Adapter, wanted: list[str], size: BatchSize) -> Flow[dict[str, Task]]:
    """The tasks of ``wanted`` that id-filtered list requests return (all batches at once)."""
    wanted_set = set(wanted)
    found: dict[str, Task] = {}
    batches = size.split(wanted)
    while batches:
        requests = tuple(
            adapter.list_request(
                page=adapter.first_page(), token=None, page_size=len(batch), task_ids=batch
            )
            for batch in batches
        )
        outcomes = yield from fetch_all(requests)
        refused: list[str] = []
        for batch, outcome in zip(batches, outcomes, strict=True):
            if too_long(outcome) and size.refused(batch):
                refused.extend(batch)
                continue
            page: Page = adapter.parse_page(unwrap(outcome))
            found.update((t.id, t) for t in page.tasks if t.id in wanted_set)
        batches = size.split(refused) if refused else []
    return found
