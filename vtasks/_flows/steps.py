"""The steps a flow yields, and what it gets back.

A flow is a generator. It yields a step, the driver (``Client`` or ``AsyncClient``) carries it
out and sends back the result, or throws the ``httpx.HTTPError`` the step ended in into the flow.
Transport steps are the only I/O there is:

- :class:`Send` — send this ``httpx.Request``; the flow gets a :class:`Body` (status and headers
  read, the body still to come).
- :class:`Read` — the next chunk of a :class:`Body` (``b""`` at its end, which also closes it).
- :class:`Close` — close a :class:`Body` that is not read to its end (a redirect, a broken-off
  transfer).
- :class:`Sleep` — wait this long (through the client's clock, so tests take no time).

Higher-level steps let the driver run sub-flows at once (threads or tasks):

- :class:`Fetch` — run the exchange flow of each request (retries, redirects, decoding); the flow
  gets one :data:`Outcome` per request, in order.
- :class:`Start` / :class:`Collect` — the same in two halves, so a listing asks for the next pages
  while it hands out the current one.
- :class:`Emit` — hand these tasks to the caller; :class:`Progress` — report download progress.
  Both run the caller's code, so the driver calls it, outside the flow (and awaits it, for an
  ``AsyncClient`` given a coroutine function).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import attrs

from .._exceptions import VTasksError
from .._models import Task

if TYPE_CHECKING:
    import httpx

    from .._providers._base import Request

__all__ = [
    "Answer",
    "Body",
    "Close",
    "Collect",
    "Emit",
    "Fetch",
    "Flow",
    "Outcome",
    "Progress",
    "Read",
    "Send",
    "Sleep",
    "Start",
    "Step",
    "fetch_all",
    "fetch_one",
    "unwrap",
    "with_deadline",
]

_T = TypeVar("_T")


@attrs.frozen(slots=True)
class Answer:
    """A request's decoded JSON payload (the good half of an :data:`Outcome`).

    ``size`` is the decoded body's length in bytes: a listing sizes its read-ahead window by it.
    """

    payload: Any
    size: int = 0


Outcome: TypeAlias = Answer | VTasksError
"""What one request of a :class:`Fetch` ended with: its payload, or the error after retries."""


@attrs.define(slots=True, eq=False)
class Body:
    """An answer whose status and headers are in and whose body is still to be read.

    ``chunks`` is the driver's iterator over the raw body (sync or async; the flow decodes it);
    only the driver touches it, and ``guard`` (its deadline watchdog, for ``Client``).
    ``deadline`` is the :class:`Send`'s.
    """

    response: httpx.Response
    chunks: Any
    deadline: float | None = None
    guard: Any = None


@attrs.frozen(slots=True, eq=False)
class Send:
    """Send ``request``; the flow receives a :class:`Body`.

    Attributes:
        request: The request, built by the flow (headers, timeout extension).
        client_auth: Whether a caller's client-wide ``auth`` may apply (only on the origin).
        chunk_size: The size of the chunks :class:`Read` returns (``None``: as they arrive).
        deadline: When the whole exchange (headers and every :class:`Read` of the body) must be
            over, in ``time.monotonic()`` seconds; past it the driver throws ``httpx.ReadTimeout``.
    """

    request: httpx.Request
    client_auth: bool
    chunk_size: int | None = None
    deadline: float | None = None


@attrs.frozen(slots=True, eq=False)
class Read:
    """The next chunk of ``body``; ``b""`` once it is all read (the answer is closed then)."""

    body: Body


@attrs.frozen(slots=True, eq=False)
class Close:
    """Close ``body`` without reading the rest."""

    body: Body


@attrs.frozen(slots=True)
class Sleep:
    """Wait this many seconds."""

    seconds: float


@attrs.frozen(slots=True)
class Fetch:
    """Send these requests (each with retries); the flow receives one :data:`Outcome` each.

    ``deadline`` (the client clock's time) ends every request, its retries and its sleeps by then:
    a wait's deadline, set by :func:`with_deadline`.
    """

    requests: tuple[Request, ...]
    deadline: float | None = None


@attrs.frozen(slots=True, eq=False)
class Start:
    """Start sending these requests; the flow receives ``None`` and goes on.

    Compared by identity: the driver keeps each started batch under its ``Start`` until a
    :class:`Collect` asks for it, and drops (cancels) whatever was never collected.
    """

    requests: tuple[Request, ...]
    deadline: float | None = None


@attrs.frozen(slots=True, eq=False)
class Collect:
    """Wait for the requests of an earlier :class:`Start`; the flow receives their outcomes."""

    started: Start


@attrs.frozen(slots=True)
class Emit:
    """Give these tasks to the caller."""

    tasks: tuple[Task, ...]


@attrs.frozen(slots=True)
class Progress:
    """A download has ``received`` bytes of ``total`` (``None`` when unknown)."""

    received: int
    total: int | None


Step: TypeAlias = Send | Read | Close | Sleep | Fetch | Start | Collect | Emit | Progress
Flow: TypeAlias = Generator[Step, Any, _T]


def unwrap(outcome: Outcome) -> Any:
    """The payload of an outcome, or raise its error (inside the flow that asked)."""
    if isinstance(outcome, VTasksError):
        raise outcome
    return outcome.payload


def fetch_all(requests: tuple[Request, ...]) -> Flow[list[Outcome]]:
    """Send these requests at once; their outcomes, in order."""
    outcomes: list[Outcome] = yield Fetch(requests)
    return outcomes


def fetch_one(request: Request) -> Flow[Any]:
    """Send one request; return its payload or raise its error."""
    outcomes = yield from fetch_all((request,))
    return unwrap(outcomes[0])


def with_deadline(flow: Flow[_T], deadline: float) -> Flow[_T]:
    """``flow``, with every request it sends bound by ``deadline`` (the client clock's time)."""
    started: dict[Start, Start] = {}
    value: Any = None
    error: BaseException | None = None
    while True:
        try:
            step = flow.send(value) if error is None else flow.throw(error)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]
        if type(step) is Fetch:
            step = Fetch(step.requests, deadline)
        elif type(step) is Start:
            started[step] = step = Start(step.requests, deadline)
        elif type(step) is Collect:
            step = Collect(started.pop(step.started))
        try:
            value, error = (yield step), None
        except GeneratorExit:
            flow.close()
            raise
        except BaseException as exc:
            value, error = None, exc


def nothing(value: _T) -> Flow[_T]:
    """A flow that asks for nothing and returns ``value`` (an empty ``get_tasks``)."""
    yield from ()  # makes this a generator
    return value
