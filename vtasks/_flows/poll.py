"""Polling by listing: many tasks read from a vendor's newest-first list instead of one GET each.

For a vendor with no id filter but large pages (AiToEarn: 1,000 tasks a page, newest first; the
adapter's ``poll_by_listing``), the tasks being waited on are nearly always the recent ones, so
the first page or two of the list answer for all of them. One round pages the list:

- on the first round, up to ``⌈N / page size⌉ + 1`` pages: where the tasks are is not known yet
  (their creation times are not), so one page more than they could fill at the least;
- on later rounds, until every tracked task seen last round is seen again, or a page's oldest
  task is *older* than the oldest of them (by more than :data:`ORDER_MARGIN`): the creation
  times learnt say where to stop. Only older ends the round, not as old, as tasks created in
  the same second may straddle two pages, and tasks created meanwhile push the tracked ones to
  later pages (the list is live);
- never more pages than tasks still unseen, so a listing costs no more requests than the
  single GETs it replaces; and never past the list's end.

What the pages did not hold (tasks older than the pages read, deleted, or moved by a shift) is
fetched one by one by the caller (:func:`~vtasks._flows.get.get_tasks_flow`), which is also where
an unknown id becomes :class:`~vtasks.NotFoundError`, as for any other provider. A page that
fails (after its retries) fails the round, as a failed id-filtered batch does: falling back to N
single GETs against a server that is struggling would be the worst time to multiply requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from .._models import Task
from .._providers._base import Adapter, Page
from .steps import Flow, fetch_one

__all__ = ["ListingReach", "listed"]

#: How much older than the oldest tracked task a page's oldest task must be to end a round. The
#: list is ordered by the server's own record of creation, which need not be the ``submittedAt``
#: it reports to the millisecond: a second's margin costs at most a page now and then, while
#: stopping a page short costs a GET per task it held, on this round and every later one.
ORDER_MARGIN = timedelta(seconds=1)


class ListingReach:
    """What one ``wait_for_tasks`` call has learnt about where its tasks are in the list.

    One instance lives as long as the wait (as :class:`~vtasks._flows.get.BatchSize` does), so
    that the creation times seen on one round bound the pages the next one reads.

    Attributes:
        rounds: Listing rounds run so far.
        created: The tracked tasks the last round's pages held, with their creation times; only
            these are looked for in the next round's pages (the others are fetched by id).
    """

    def __init__(self) -> None:
        self.rounds = 0
        self.created: dict[str, datetime] = {}


def _oldest(page: Page) -> datetime | None:
    """The creation time of the page's oldest task (tasks without one are not counted)."""
    return min((t.created_at for t in page.tasks if t.created_at is not None), default=None)


def listed(adapter: Adapter, wanted: Sequence[str], reach: ListingReach) -> Flow[dict[str, Task]]:
    """The tasks of ``wanted`` that the first pages of the newest-first list hold (see the module)."""
    size = adapter.max_page_size
    wanted_set = set(wanted)
    if reach.rounds == 0:
        looking = wanted_set
        oldest: datetime | None = None
        most = -(-len(wanted) // size) + 1
    else:
        looking = {task_id for task_id in wanted if task_id in reach.created}
        # Every looked-for task has a creation time (only those are kept in ``created``).
        oldest = min((reach.created[task_id] for task_id in looking), default=None)
        if oldest is not None:
            oldest -= ORDER_MARGIN
        most = None
    if adapter.max_page_number is not None:
        most = min(most or adapter.max_page_number, adapter.max_page_number)
    found: dict[str, Task] = {}
    unseen = set(looking)
    number = adapter.first_page()
    read = 0
    while unseen and read < len(unseen) and (most is None or read < most):
        request = adapter.list_request(page=number, token=None, page_size=size)
        page = adapter.parse_page((yield from fetch_one(request)))
        read += 1
        number += 1
        for task in page.tasks:
            # Any tracked task counts, not only those looked for: one fetched by id last round
            # may come into the pages read now.
            if task.id in wanted_set:
                found[task.id] = task
                unseen.discard(task.id)
        page_oldest = _oldest(page)
        if (
            len(page.tasks) < size
            or (page.total_pages is not None and read >= page.total_pages)
            or (oldest is not None and page_oldest is not None and page_oldest < oldest)
        ):
            break
    # Only a round that read its pages counts: after a failed one, the next is a first round
    # again (not one that would fetch every task by id for want of creation times).
    reach.rounds += 1
    reach.created = {
        task_id: task.created_at for task_id, task in found.items() if task.created_at is not None
    }
    return found
