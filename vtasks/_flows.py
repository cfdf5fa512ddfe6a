"""The operations, written once as sans-IO generators that ``Client`` and ``AsyncClient`` both drive.

A flow yields *steps* and receives their results:

- :class:`Fetch` — send these requests (concurrently if the driver can); the flow receives one
  outcome per request, in order: the decoded JSON, or the :class:`VTasksError` it ended with after
  retries. :func:`fetch_one` raises that error inside the flow.
- :class:`Start` / :class:`Collect` — the same in two halves: start sending, carry on (the flow
  receives ``None``), and later collect the outcomes. Listing uses them to fetch the next pages
  while it hands the current ones out, so network time and parsing overlap.
- :class:`Emit` — hand these tasks to the caller (listing and waiting are lazy iterators).
- :class:`Sleep` — wait this long (through the client's clock, so tests take no time).

A flow's return value is the operation's result. Paging, batching, de-duplication, local filtering,
polling schedules and deadlines live here, so both clients behave identically.
"""

from __future__ import annotations

import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Generator, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeAlias, TypeVar

import attrs

from ._error_codes import is_retryable_error
from ._exceptions import APIError, NotFoundError, VTasksError, WaitTimeout
from ._models import Task, TaskStatus
from ._providers._base import Adapter, Page, Request
from ._retry import PollSchedule
from ._status import raw_statuses_for
from ._time import to_iso

__all__ = [
    "Emit",
    "Fetch",
    "Flow",
    "ListQuery",
    "Sleep",
    "Start",
    "Collect",
    "Step",
    "get_task_flow",
    "get_tasks_flow",
    "list_flow",
    "wait_for_task_flow",
    "wait_for_tasks_flow",
]

_T = TypeVar("_T")

logger = logging.getLogger("vtasks")


@attrs.frozen(slots=True)
class Fetch:
    """Send these requests; the flow receives one outcome (payload or error) per request."""

    requests: tuple[Request, ...]


@attrs.frozen(slots=True, eq=False)
class Start:
    """Start sending these requests; the flow receives ``None`` and goes on.

    Compared by identity: the driver keeps each started batch under its ``Start`` until a
    :class:`Collect` asks for it, and drops (cancels) whatever was never collected.
    """

    requests: tuple[Request, ...]


@attrs.frozen(slots=True, eq=False)
class Collect:
    """Wait for the requests of an earlier :class:`Start`; the flow receives their outcomes."""

    started: Start


@attrs.frozen(slots=True)
class Emit:
    """Give these tasks to the caller."""

    tasks: tuple[Task, ...]


@attrs.frozen(slots=True)
class Sleep:
    """Wait this many seconds."""

    seconds: float


Step: TypeAlias = Fetch | Start | Collect | Emit | Sleep
Outcome: TypeAlias = Any  # the decoded JSON payload, or a VTasksError
Flow: TypeAlias = Generator[Step, "list[Outcome] | None", _T]


def _unwrap(outcome: Outcome) -> Any:
    if isinstance(outcome, VTasksError):
        raise outcome
    return outcome


def fetch_one(request: Request) -> Flow[Any]:
    """Send one request; return its payload or raise its error."""
    outcomes = yield Fetch((request,))
    assert outcomes is not None
    return _unwrap(outcomes[0])


def _complete(adapter: Adapter, tasks: list[Task]) -> Flow[list[Task]]:
    """Run the adapters' follow-up requests (MiniMax file URLs) for many tasks at once."""
    wanted = [(i, req) for i, task in enumerate(tasks) if (req := adapter.follow_up(task))]
    if not wanted:
        return tasks
    outcomes = yield Fetch(tuple(req for _, req in wanted))
    assert outcomes is not None
    done = list(tasks)
    for (index, _), outcome in zip(wanted, outcomes, strict=True):
        done[index] = adapter.complete(done[index], _unwrap(outcome))
    return done


def get_task_flow(adapter: Adapter, task_id: str) -> Flow[Task]:
    """Fetch one task (and complete it, for providers that need a second call)."""
    task = _with_requested_id(
        adapter.parse_task((yield from fetch_one(adapter.get_request(task_id)))), task_id
    )
    follow_up = adapter.follow_up(task)
    if follow_up is not None:
        task = adapter.complete(task, (yield from fetch_one(follow_up)))
    return task


def _with_requested_id(task: Task, task_id: str) -> Task:
    # Veo resellers may answer with a different form of the id (without the model prefix); the
    # caller's id is the one that works for the next query, so the task keeps it.
    return task if task.id == task_id else attrs.evolve(task, id=task_id)


def _unique(ids: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _chunks(items: Sequence[str], size: int) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


# Answers that mean "this URL is too long for me" (a gateway's or the vendor's own limit).
_URL_TOO_LONG = frozenset({413, 414, 431})


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


def _too_long(outcome: Outcome) -> bool:
    return isinstance(outcome, APIError) and outcome.status_code in _URL_TOO_LONG


def get_tasks_flow(
    adapter: Adapter, task_ids: Sequence[str], batch_size: BatchSize | None = None
) -> Flow[list[Task]]:
    """Fetch many tasks, in the input order, with as few requests as the vendor allows.

    Where the vendor filters its list by id, ids go in batches of up to its page size (halved
    while a server refuses the URL as too long: 413, 414, 431); ids a batch does not return (Ark
    lists only the last 7 days) are fetched one by one. Ids the vendor does not know raise one
    :class:`NotFoundError` naming them all.
    """
    wanted = _unique(task_ids)
    wanted_set = set(wanted)
    found: dict[str, Task] = {}
    if adapter.id_filter_max and len(wanted) > 1:
        size = batch_size or BatchSize(adapter)
        batches = _chunks(wanted, size.value)
        while batches:
            requests = tuple(
                adapter.list_request(
                    page=adapter.first_page(), token=None, page_size=len(batch), task_ids=batch
                )
                for batch in batches
            )
            outcomes = yield Fetch(requests)
            assert outcomes is not None
            refused: list[str] = []
            for batch, outcome in zip(batches, outcomes, strict=True):
                if _too_long(outcome) and size.refused(batch):
                    refused.extend(batch)
                    continue
                page: Page = adapter.parse_page(_unwrap(outcome))
                found.update((t.id, t) for t in page.tasks if t.id in wanted_set)
            batches = _chunks(refused, size.value) if refused else []
    rest = [task_id for task_id in wanted if task_id not in found]
    if rest:
        outcomes = yield Fetch(tuple(adapter.get_request(task_id) for task_id in rest))
        assert outcomes is not None
        missing = []
        singles = []
        for task_id, outcome in zip(rest, outcomes, strict=True):
            if isinstance(outcome, NotFoundError):
                missing.append(task_id)
            else:
                singles.append(_with_requested_id(adapter.parse_task(_unwrap(outcome)), task_id))
        if missing:
            raise NotFoundError(
                f"{len(missing)} of {len(wanted)} tasks not found",
                provider=adapter.name,
                status_code=404,
                task_ids=missing,
            )
        found.update((t.id, t) for t in (yield from _complete(adapter, singles)))
    return [found[task_id] for task_id in task_ids]


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
class _ServerFilters:
    """The filters sent to the server, and whether they are all the query has."""

    raw_statuses: tuple[str, ...]
    task_ids: tuple[str, ...]
    created_after: str | None
    created_before: str | None
    # True when the server applies every filter of the query, so every task it returns counts
    # towards ``limit`` (bar Vidu's cancelled-within-failed, which only costs an extra page).
    exact: bool

    def kwargs(self) -> dict[str, Any]:
        return {
            "raw_statuses": self.raw_statuses,
            "task_ids": self.task_ids,
            "created_after": self.created_after,
            "created_before": self.created_before,
        }


def _server_filters(
    adapter: Adapter, query: ListQuery, *, ids_on_server: bool = True
) -> _ServerFilters:
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
    return _ServerFilters(raw_statuses, ids, after, before, exact)


def _whole_second(value: datetime | None, *, up: bool) -> str | None:
    if value is None:
        return None
    whole = value.replace(microsecond=0)
    if up and whole != value:
        whole += timedelta(seconds=1)
    return to_iso(whole)


class _Seen:
    """The ids of the last few pages, to drop a task that a shift pushed onto the next page.

    Bounded (memory stays flat however long the listing): new tasks arriving while listing push
    items down by fewer than a window of pages in any realistic case.
    """

    def __init__(self, capacity: int) -> None:
        self._ids: OrderedDict[str, None] = OrderedDict()
        self._capacity = capacity

    def first_time(self, task_id: str) -> bool:
        if task_id in self._ids:
            return False
        self._ids[task_id] = None
        if len(self._ids) > self._capacity:
            self._ids.popitem(last=False)
        return True


class _Listing:
    """The state of one listing: what was emitted, and whether it is over."""

    def __init__(self, query: ListQuery, filters: _ServerFilters, size: int, window: int) -> None:
        self.query = query
        self.size = size
        self.exact = filters.exact
        self.emitted = 0
        self.seen = _Seen(size * (window + 2))
        # Ids filtered locally: once every one has gone by, later pages cannot hold them.
        self.ids_left = (
            set(query.task_ids) if query.task_ids is not None and not filters.task_ids else None
        )

    def accept(self, page: Page) -> tuple[Task, ...]:
        """The page's tasks to emit: new, matching, within ``limit``."""
        limit = self.query.limit
        out = []
        for task in page.tasks:
            if limit is not None and self.emitted >= limit:
                break
            if self.ids_left is not None:
                self.ids_left.discard(task.id)
            if self.seen.first_time(task.id) and self.query.matches(task):
                out.append(task)
                self.emitted += 1
        return tuple(out)

    def remaining(self) -> int | None:
        """Tasks still to emit, when ``limit`` is set."""
        limit = self.query.limit
        return None if limit is None else max(limit - self.emitted, 0)

    def done(self, page: Page) -> bool:
        """Whether the listing ended with ``page`` (limit, all ids seen, older than the window)."""
        return (
            self.remaining() == 0
            or (self.ids_left is not None and not self.ids_left)
            or self.query.older_than_window(page)
        )


def list_flow(adapter: Adapter, query: ListQuery, *, concurrency: int = 1) -> Flow[None]:
    """Every task of a listing, each once, lazily (see :func:`_list_pages`).

    Ids sent in the vendor's id filter make the URL long (about 40 characters an id). A server
    that refuses it as too long (413, 414, 431) before any task was handed out gets the listing
    again with the ids filtered locally, as ``get_tasks`` halves its batches in the same case.
    """
    if query.matches_nothing():
        return
    filters = _server_filters(adapter, query)
    pages = _list_pages(adapter, query, filters, concurrency)
    emitted = False
    try:
        step = next(pages)
        while True:  # ``yield from``, watching for the first Emit
            emitted = emitted or isinstance(step, Emit)
            step = pages.send((yield step))
    except StopIteration:
        return
    except APIError as exc:
        if emitted or not filters.task_ids or not _too_long(exc):
            raise
    finally:
        pages.close()
    local = _server_filters(adapter, query, ids_on_server=False)
    yield from _list_pages(adapter, query, local, concurrency)


def _list_pages(
    adapter: Adapter, query: ListQuery, filters: _ServerFilters, concurrency: int
) -> Flow[None]:
    """Every task of a listing, each once, lazily; up to ``concurrency`` numbered pages asked ahead.

    Ends on an empty page, a short page, the page count or total the last page reports, an empty
    or repeated page token, ``limit`` tasks, every id of a local id filter seen, or (newest-first
    lists) a page entirely older than ``created_after``. No request is sent for a query that
    cannot match anything (``limit=0``, ``task_ids=[]``, an empty time range).

    Pages are fetched ahead (a sliding window of ``concurrency`` pages once the first page gives
    the total) only when every one of them will be read: not when a local time or id filter, or
    a limit the server cannot count towards, may end the listing early.
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
    state = _Listing(query, filters, size, window)
    server = filters.kwargs()

    if not adapter.numbered_pages:
        token: str | None = None
        tokens: set[str] = set()
        while True:
            ask = size
            remaining = state.remaining()
            if remaining is not None and filters.exact:
                ask = max(1, min(size, remaining))  # a token page may be of any size
            request = adapter.list_request(
                page=adapter.first_page(), token=token, page_size=ask, **server
            )
            page = adapter.parse_page((yield from fetch_one(request)))
            if tasks := state.accept(page):
                yield Emit(tasks)
            token = page.next_token
            if state.done(page) or not page.tasks or not token or token in tokens:
                return
            tokens.add(token)

    first = adapter.first_page()
    # The last page the vendor serves at all (Ark: 500), past which asking is an error.
    cap = None if adapter.max_page_number is None else first + adapter.max_page_number - 1

    def ended(page: Page, number: int) -> bool:
        last = _last_page(page, size, first)
        if state.done(page) or len(page.tasks) < size or (last is not None and number >= last):
            return True
        if cap is not None and number >= cap:
            _warn_page_cap(adapter, size, page)
            return True
        return False

    def next_request(unread: int) -> Request | None:
        """The page after the last one read (``number``) and those asked for, if it is needed.

        ``unread`` pages (taken or asked for, not read yet) will count towards ``limit``; the
        newest ``page`` read gives the total.
        """
        after = number + len(queued)
        last = _last_page(page, size, first)
        if (last is not None and after >= last) or (cap is not None and after >= cap):
            return None
        remaining = state.remaining()
        if remaining is not None and remaining - unread * size <= 0:
            return None
        return adapter.list_request(page=after + 1, token=None, page_size=size, **server)

    def refill(depth: int, taken: int) -> Generator[Step, Any, None]:
        """Ask for pages until ``depth`` are asked for ahead (``taken``: one taken, unread)."""
        while len(queued) < depth:
            following = next_request(len(queued) + taken)
            if following is None:
                return
            queued.append(Start((following,)))
            yield queued[-1]

    queued: deque[Start] = deque()
    number = first
    request = adapter.list_request(page=number, token=None, page_size=size, **server)
    page = adapter.parse_page((yield from fetch_one(request)))
    # When every page will be read, ``window`` pages are kept asked for ahead of the one being
    # read: as soon as an answer is taken, the next page is asked for, before that answer is
    # parsed and handed out, so the network, the vendor and the caller all work at once, and no
    # more than ``window`` pages wait in memory however long the listing. Pages are planned from
    # the newest page's total. Otherwise a page is asked for only once it is needed.
    ahead = window if window > 1 else 0
    while True:
        if tasks := state.accept(page):
            yield Emit(tasks)
        if ended(page, number):
            return  # the driver drops the pages still in flight
        yield from refill(max(ahead, 1), 0)
        if not queued:  # pragma: no cover - ended() returned for the page that said so
            return
        outcomes = yield Collect(queued.popleft())
        assert outcomes is not None
        number += 1
        yield from refill(ahead, 1)
        page = adapter.parse_page(_unwrap(outcomes[0]))
        del outcomes  # the caller may drop the page's tasks as soon as it has read them


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


def _last_page(page: Page, size: int, first: int) -> int | None:
    """The number of the last page, from a page's ``totalPages`` or ``total``."""
    if page.total_pages is not None and page.total_pages >= 0:
        return first + max(page.total_pages, 1) - 1
    if page.total is not None and page.total >= 0:
        # Integer ceiling division: a float quotient overflows on a total past 1.8e308.
        return first + max(-(-page.total // size), 1) - 1
    return None


def _poll(poll_flow: Flow[_T], deadline: float, now: Callable[[], float]) -> Flow[_T | None]:
    """Run one poll; ``None`` when it failed transiently and time remains to poll again.

    The request has spent its own retries by then; an outage shorter than the wait must not end
    it, so the wait carries on at its next interval. Errors that do not heal (a bad key, an
    unknown id) end the wait at once.
    """
    try:
        return (yield from poll_flow)
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
    """Poll many tasks in batches, emitting each once as it becomes terminal.

    Terminal tasks are not polled again. At the deadline, :class:`WaitTimeout` carries the last
    state of the first task still running. A poll that fails transiently is repeated at the next
    interval while time remains.
    """
    pending = _unique(task_ids)
    batch_size = BatchSize(adapter)
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
            tasks = yield from _poll(get_tasks_flow(adapter, pending, batch_size), deadline, now)
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
