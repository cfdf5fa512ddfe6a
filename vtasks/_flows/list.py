"""Listing: every task of a query, each once, lazily, with pages asked for ahead.

Three pieces, each with one job:

- :class:`ListQuery` — what the caller asked for, and the local filter that applies it.
- :class:`ServerFilters` — the part of the query the vendor applies itself.
- the pagers — :func:`_token_pages` for token-paged vendors, :class:`NumberedPager` for numbered
  ones (with its read-ahead window) — which decide what to ask next and when the listing ends.
"""

from __future__ import annotations

import logging
from collections import deque
from datetime import datetime, timedelta
from typing import Any

import attrs

from .._exceptions import APIError
from .._models import Task, TaskStatus
from .._providers._base import Adapter, Page, PageTotals, Request
from .._status import raw_statuses_for
from .._time import to_iso
from .get import too_long
from .seen import SeenIds
from .steps import Answer, Collect, Emit, Flow, Outcome, Start, fetch_all, fetch_one, unwrap

__all__ = [
    "DECODED_WEIGHT",
    "WINDOW_BYTES",
    "ListQuery",
    "NumberedPager",
    "ServerFilters",
    "list_flow",
    "server_filters",
]

logger = logging.getLogger("vtasks")

#: A numbered listing's read-ahead budget: the first pages asked for at once, from the first
#: answer's totals, are as many as their answers fit in this many bytes (as received), within the
#: client's listing concurrency. 5 MiB holds 10,000 tasks of Ark's or AiToEarn's largest pages,
#: so a listing of up to 10,000 takes two round trips.
WINDOW_BYTES = 5 * 2**20

#: What an answer's decoded objects weigh, per byte of it (3.6 measured on Ark's 500-task pages).
#: Past the first pages, a listing keeps no more asked ahead than fit in the budget at this
#: weight: answers arrive decoded, and a long listing whose reader is slower than the network
#: would otherwise hold the whole window decoded, several times the budget, for as long as it
#: runs (18 MiB for 5 MiB of answers).
DECODED_WEIGHT = 3.5


@attrs.frozen(kw_only=True)
class ListQuery:
    """What ``list_tasks`` was asked for; the filters the vendor lacks are applied locally."""

    statuses: frozenset[TaskStatus] | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    task_ids: frozenset[str] | None = None
    page_size: int | None = None
    limit: int | None = None

    def matches(self, task: Task) -> bool:
        """Whether a task passes every filter (applied to what the server returned, too)."""
        if self.statuses is not None and task.status not in self.statuses:
            return False
        if self.task_ids is not None and task.id not in self.task_ids:
            return False
        if self.created_after is not None and (
            task.created_at is None or task.created_at < self.created_after
        ):
            return False
        return not (
            self.created_before is not None
            and (task.created_at is None or task.created_at >= self.created_before)
        )

    def filters(self) -> bool:
        """Whether :meth:`matches` can refuse a task at all (a status, id or time filter)."""
        return (
            self.statuses is not None
            or self.task_ids is not None
            or self.created_after is not None
            or self.created_before is not None
        )

    def matches_nothing(self) -> bool:
        """Whether the answer is known to be empty without asking (no request is sent then)."""
        if self.limit == 0 or self.task_ids == frozenset() or self.statuses == frozenset():
            return True
        return (
            self.created_after is not None
            and self.created_before is not None
            and self.created_after >= self.created_before
        )

    def older_than_window(self, page: Page) -> bool:
        """Whether a whole (newest-first) page predates ``created_after``, so later pages do too."""
        if self.created_after is None or not page.tasks:
            return False
        after = self.created_after
        return all(t.created_at is not None and t.created_at < after for t in page.tasks)


@attrs.frozen(slots=True)
class ServerFilters:
    """The filters sent to the server, and whether they are all the query has."""

    raw_statuses: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = ()
    created_after: str | None = None
    created_before: str | None = None
    # True when the server applies every filter of the query, so every task it returns counts
    # towards ``limit`` (bar Vidu's cancelled-within-failed, which only costs an extra page).
    exact: bool = True

    def kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :meth:`Adapter.list_request` they become."""
        return {
            "raw_statuses": self.raw_statuses,
            "task_ids": self.task_ids,
            "created_after": self.created_after,
            "created_before": self.created_before,
        }


def server_filters(
    adapter: Adapter, query: ListQuery, *, ids_on_server: bool = True
) -> ServerFilters:
    """The part of ``query`` that ``adapter``'s vendor can apply itself."""
    exact = True
    raw: list[str] = []
    if query.statuses is not None:
        for status in sorted(query.statuses):
            values = raw_statuses_for(adapter.name, status)
            if not values:  # e.g. Vidu "cancelled" is failed + an error code: filter locally
                raw = []
                break
            raw.extend(values)
    raw_statuses = adapter.server_status_filter(raw) if raw else ()
    if query.statuses is not None and not raw_statuses:
        exact = False
    ids: tuple[str, ...] = ()
    if query.task_ids is not None:
        if ids_on_server and 0 < len(query.task_ids) <= adapter.id_filter_max:
            ids = tuple(sorted(query.task_ids))
        else:
            exact = False
    after = before = None
    if query.created_after is not None or query.created_before is not None:
        if adapter.server_time_filter:
            # Whole seconds, widened outwards: the server's clock precision (and rounding) need
            # not match ours, so its filter only narrows the listing; the local filter is exact.
            after = _whole_second(query.created_after, up=False)
            before = _whole_second(query.created_before, up=True)
        else:
            exact = False
    return ServerFilters(raw_statuses, ids, after, before, exact)


def _whole_second(value: datetime | None, *, up: bool) -> str | None:
    if value is None:
        return None
    whole = value.replace(microsecond=0)
    if up and whole != value:
        whole += timedelta(seconds=1)
    return to_iso(whole)


class Tally:
    """What a listing has handed out so far, and whether that ends it."""

    def __init__(self, query: ListQuery, filters: ServerFilters) -> None:
        self.query = query
        self.exact = filters.exact
        self.emitted = 0
        # Every id seen, so that no task is handed out twice however far a shift or a server
        # that repeats itself moves it: 8 bytes a task past the newest few thousand (see .seen).
        self.seen = SeenIds()
        # No local filter at all (the common listing): every new task is handed out unchecked.
        self.matches_all = query == ListQuery(page_size=query.page_size, limit=query.limit)
        self.fresh = 0  # tasks of the newest page not seen before
        # Ids filtered locally: once every one has gone by, later pages cannot hold them.
        self.ids_left = (
            set(query.task_ids) if query.task_ids is not None and not filters.task_ids else None
        )

    def accept(self, page: Page) -> tuple[Task, ...]:
        """The page's tasks to emit: new, matching, within ``limit``."""
        limit = self.query.limit
        tasks = page.tasks
        if (
            self.matches_all
            and self.ids_left is None
            and (limit is None or self.emitted + len(tasks) <= limit)
            and self.seen.add_all([task.id for task in tasks])
        ):
            # The common page: no filter, no limit reached, every task new. Read only the ids
            # (a deferred task stays deferred), and hand the page's own tuple out.
            self.fresh = len(tasks)
            self.emitted += len(tasks)
            return tasks
        # Once a task on every page: the attributes in locals, and no filter call without filters.
        add = self.seen.add
        ids_left = self.ids_left
        matches = None if self.matches_all else self.query.matches
        out = []
        fresh = 0
        emitted = self.emitted
        for task in page.tasks:
            if limit is not None and emitted >= limit:
                break
            task_id = task.id
            if ids_left is not None:
                ids_left.discard(task_id)
            if not add(task_id):
                continue
            fresh += 1
            if matches is None or matches(task):
                out.append(task)
                emitted += 1
        self.fresh = fresh
        self.emitted = emitted
        return tuple(out)

    def remaining(self) -> int | None:
        """Tasks still to emit, when ``limit`` is set."""
        limit = self.query.limit
        return None if limit is None else max(limit - self.emitted, 0)

    def done(self, page: Page) -> bool:
        """Whether the listing ended with ``page``.

        It ends at ``limit``, once every id of a local id filter went by, on a page older than
        ``created_after``, and on a page of tasks all seen before (a server repeating itself).
        """
        return (
            self.remaining() == 0
            or (bool(page.tasks) and self.fresh == 0)
            or (self.ids_left is not None and not self.ids_left)
            or self.query.older_than_window(page)
        )


def list_flow(
    adapter: Adapter, query: ListQuery, *, concurrency: int = 1, budget: int = WINDOW_BYTES
) -> Flow[None]:
    """Every task of a listing, each once, lazily (see :func:`_pages`).

    ``concurrency`` caps the pages in flight at once, ``budget`` the bytes of their answers
    (see :class:`NumberedPager`).

    Ids sent in the vendor's id filter make the URL long (about 40 characters an id). A server
    that refuses it as too long (413, 414, 431) before any task was handed out gets the listing
    again with the ids filtered locally, as ``get_tasks`` halves its batches in the same case.
    """
    if query.matches_nothing():
        return
    filters = server_filters(adapter, query)
    pages = _pages(adapter, query, filters, concurrency, budget)
    emitted = False
    try:
        step = next(pages)
        while True:  # ``yield from``, watching for the first Emit
            emitted = emitted or isinstance(step, Emit)
            step = pages.send((yield step))
    except StopIteration:
        return
    except APIError as exc:
        if emitted or not filters.task_ids or not too_long(exc):
            raise
    finally:
        pages.close()
    local = server_filters(adapter, query, ids_on_server=False)
    yield from _pages(adapter, query, local, concurrency, budget)


def _pages(
    adapter: Adapter, query: ListQuery, filters: ServerFilters, concurrency: int, budget: int
) -> Flow[None]:
    """Every task of a listing, each once, lazily; numbered pages asked ahead within a budget.

    Ends on an empty page, a short page, the page count or total the last page reports, an empty
    or repeated page token, ``limit`` tasks, every id of a local id filter seen, or (newest-first
    lists) a page entirely older than ``created_after``.

    Pages are fetched ahead (a sliding window of up to ``concurrency`` pages whose answers fit in
    ``budget`` bytes, once the first page gives the total) only when every one of them will be
    read: not when a local time or id filter, or a limit the server cannot count towards, may end
    the listing early.
    """
    size = min(query.page_size or adapter.default_page_size, adapter.max_page_size)
    if query.limit is not None and filters.exact:
        size = min(size, query.limit)  # no over-fetching when every task returned counts
    size = max(size, 1)
    may_end_early = (
        (query.created_after is not None and not adapter.server_time_filter)
        or (query.task_ids is not None and not filters.task_ids)
        or (query.limit is not None and not filters.exact)
    )
    window = 1 if may_end_early else max(1, concurrency)
    tally = Tally(query, filters)
    if adapter.numbered_pages:
        yield from NumberedPager(adapter, filters, tally, size, window, budget).run()
    else:
        yield from _token_pages(adapter, filters, tally, size)


def _token_pages(adapter: Adapter, filters: ServerFilters, tally: Tally, size: int) -> Flow[None]:
    """A token-paged listing: one page at a time, each token followed once."""
    server = filters.kwargs()
    token: str | None = None
    tokens: set[str] = set()
    while True:
        ask = size
        remaining = tally.remaining()
        if remaining is not None and filters.exact:
            ask = max(1, min(size, remaining))  # a token page may be of any size
        request = adapter.list_request(
            page=adapter.first_page(), token=token, page_size=ask, **server
        )
        page = adapter.parse_page((yield from fetch_one(request)))
        if tasks := tally.accept(page):
            yield Emit(tasks)
        token = page.next_token
        if tally.done(page) or not page.tasks or not token or token in tokens:
            return
        tokens.add(token)


class NumberedPager:
    """A numbered listing, with pages asked for ahead of the one being read, up to a byte budget.

    When every page will be read (``window`` > 1), the first pages asked ahead are as many
    answers as fit in ``budget`` bytes (sized by the largest answer so far), at most ``window``
    of them; later ones keep as many asked ahead as fit in it decoded (:data:`DECODED_WEIGHT`):
    a listing of small pages goes wide, one within the budget takes two round trips, and a long
    one stays within its memory however long it is. Parsing is kept off the critical path: the
    first answer's totals are read before its tasks are parsed, and the next pages asked for
    then; each later answer, as soon as it is taken, makes room for the next request before it is
    parsed and handed out. So the network, the vendor and the caller all work at once. Otherwise
    a page is asked for only once needed.

    Attributes:
        number: The number of the newest page read.
        page: The newest page parsed.
        plan: What the pages still to ask for are planned from: the newest page, or the totals of
            an answer not parsed yet.
        asked: The pages asked for and not read yet, oldest first.
        body: The largest answer so far, in bytes (what the window is sized by).
        steady: Whether the first pages asked ahead have gone out (later ones are fewer: see
            :data:`DECODED_WEIGHT`).
        cap: The last page the vendor serves at all (Ark: 500), past which asking is an error.
    """

    def __init__(
        self,
        adapter: Adapter,
        filters: ServerFilters,
        tally: Tally,
        size: int,
        window: int,
        budget: int = WINDOW_BYTES,
    ) -> None:
        self.adapter = adapter
        self.server = filters.kwargs()
        self.tally = tally
        self.size = size
        self.window = window
        self.budget = budget
        self.body = 0
        self.first = adapter.first_page()
        self.cap = (
            None if adapter.max_page_number is None else self.first + adapter.max_page_number - 1
        )
        self.number = self.first
        self.page = Page(tasks=())
        self.plan: Page | PageTotals = self.page
        self.asked: deque[Start] = deque()
        self.steady = False

    def request(self, number: int) -> Request:
        """The request for page ``number``."""
        return self.adapter.list_request(
            page=number, token=None, page_size=self.size, **self.server
        )

    def depth(self) -> int:
        """How many pages to keep asked for ahead (0: none until needed).

        The first pages asked ahead fill the budget in bytes; later ones, in decoded weight.
        """
        if self.window <= 1:
            return 0
        weight = max(self.body, 1) * (DECODED_WEIGHT if self.steady else 1)
        return max(1, min(self.window, int(self.budget // weight)))

    def payload(self, outcome: Outcome) -> Any:
        """The payload of an answer (or raise its error), noting its size."""
        payload = unwrap(outcome)
        if isinstance(outcome, Answer) and outcome.size > self.body:
            self.body = outcome.size
        return payload

    def last_page(self) -> int | None:
        """The number of the last page, from the plan's ``totalPages`` or ``total``."""
        plan = self.plan
        if plan.total_pages is not None and plan.total_pages >= 0:
            return self.first + max(plan.total_pages, 1) - 1
        if plan.total is not None and plan.total >= 0:
            # Integer ceiling division: a float quotient overflows on a total past 1.8e308.
            return self.first + max(-(-plan.total // self.size), 1) - 1
        return None

    def ended(self) -> bool:
        """Whether the listing ends with the newest page read."""
        last = self.last_page()
        if (
            self.tally.done(self.page)
            or len(self.page.tasks) < self.size
            or (last is not None and self.number >= last)
        ):
            return True
        if self.cap is not None and self.number >= self.cap:
            _warn_page_cap(self.adapter, self.size, self.page)
            return True
        return False

    def following(self, unread: int) -> Request | None:
        """The request for the page after those read and asked for, if it is needed.

        ``unread`` pages (taken or asked for, not read yet) will count towards ``limit``.
        """
        after = self.number + len(self.asked)
        last = self.last_page()
        if (last is not None and after >= last) or (self.cap is not None and after >= self.cap):
            return None
        remaining = self.tally.remaining()
        if remaining is not None and remaining - unread * self.size <= 0:
            return None
        return self.request(after + 1)

    def ask(self, depth: int, taken: int) -> Flow[None]:
        """Ask for pages until ``depth`` are asked for ahead (``taken``: one taken, unread)."""
        while len(self.asked) < depth:
            request = self.following(len(self.asked) + taken)
            if request is None:
                break
            self.asked.append(Start((request,)))
            yield self.asked[-1]
        self.steady = self.steady or bool(self.asked)  # the first pages asked ahead went out

    def run(self) -> Flow[None]:
        """The listing: read a page, hand out its tasks, keep the window full, until it ends."""
        outcomes = yield from fetch_all((self.request(self.number),))
        payload = self.payload(outcomes[0])
        del outcomes
        if self.window > 1:
            totals = self.adapter.page_totals(payload)
            if totals is not None and totals.count >= self.size:
                # A full first page: the rest are asked for now, and arrive while it is parsed.
                self.plan = totals
                yield from self.ask(self.depth(), 1)
        self.page = self.plan = self.adapter.parse_page(payload)
        del payload
        while True:
            if tasks := self.tally.accept(self.page):
                yield Emit(tasks)
            if self.ended():
                return  # the driver drops the pages still in flight
            yield from self.ask(max(self.depth(), 1), 0)
            if not self.asked:  # pragma: no cover - ended() returned for the page that said so
                return
            outcomes = yield Collect(self.asked.popleft())
            self.number += 1
            payload = self.payload(outcomes[0])
            del outcomes  # the caller may drop the page's tasks as soon as it has read them
            yield from self.ask(self.depth(), 1)
            self.page = self.plan = self.adapter.parse_page(payload)
            del payload


def _warn_page_cap(adapter: Adapter, size: int, page: Page) -> None:
    """Say that a listing stops at the vendor's page limit with tasks left unlisted."""
    pages = adapter.max_page_number
    more = ""
    if page.total is not None and pages is not None:
        more = f"; {max(page.total - pages * size, 0):,} more cannot be reached by paging"
    logger.warning(
        "%s serves at most %s pages: the listing stops after %s tasks of %d a page%s "
        "(narrow it with a status filter%s)",
        adapter.name,
        pages,
        f"{(pages or 0) * size:,}",
        size,
        more,
        "" if size >= adapter.max_page_size else f", or ask for page_size={adapter.max_page_size}",
    )
