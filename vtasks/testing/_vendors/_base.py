"""What every simulated vendor provides, and the rendering cache they share."""

from __future__ import annotations

import functools
import math
import random
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol
from urllib.parse import quote

from vtasks.testing._http import Request, Response, dumps
from vtasks.testing._store import ProviderStore
from vtasks.testing._tasks import OUTCOMES, TaskRecord

__all__ = [
    "Ctx",
    "TaskMaker",
    "Vendor",
    "apply_mutations",
    "credential",
    "filtered_page",
    "phase_times",
    "scramble",
]

Mutation = tuple[str, Any]


class TaskMaker(Protocol):
    """Makes and stores a task the way a create request does (the simulator's default lifecycle).

    Raises ``ValueError`` for a ``callback_url`` the vendor could not call back.
    """

    def __call__(
        self,
        *,
        model: str | None,
        prompt: str | None,
        attrs: dict[str, Any],
        callback_url: str | None = None,
    ) -> TaskRecord:
        """Return the new, already stored task."""
        ...


@dataclass(slots=True)
class Ctx:
    """What a handler needs to answer one request.

    Attributes:
        now: The simulated time (Unix seconds).
        base_url: The main server's origin; result URLs point at it.
        store: This provider's tasks.
        mutations: Task-JSON faults in force for this request (``("missing", fields)``,
            ``("null", fields)``, ``("set", ((field, value), ...))``, ``("status", value)``).
        list_window: How far back (seconds) a listing reaches by default; ``None`` for no limit.
        request_id: The id sent in ``X-Request-Id`` (some vendors quote it in error messages).
        quirks: The real-traffic shapes this provider produces for every task and listing
            (``FakeProviders(quirks=...)``); a task's own ``quirks`` add to them.
        other_url: The second server's origin (a "backup" host for result URLs).
        create: Makes and stores a task, for a ``create`` request (``None`` outside requests).
    """

    now: float
    base_url: str
    store: ProviderStore
    mutations: tuple[Mutation, ...] = ()
    list_window: float | None = None
    request_id: str = ""
    quirks: frozenset[str] = frozenset()
    other_url: str = ""
    create: TaskMaker | None = None


def credential(headers: Mapping[str, str], scheme: str) -> str | None:
    """Return the credential of ``Authorization: <scheme> <credential>`` (scheme case-insensitive)."""
    value = headers.get("authorization")
    if value is None:
        return None
    word, _, rest = value.strip().partition(" ")
    if word.lower() != scheme.lower():
        return None
    return rest.strip()


class Vendor:
    """One provider's simulated API: status table, ids, auth, handlers, task rendering.

    Subclasses fill in the class attributes and implement :meth:`check_auth`,
    :meth:`unauthorized`, :meth:`error_response`, :meth:`business_error`, :meth:`handle` and
    :meth:`render`.
    """

    name: ClassVar[str]
    endpoints: ClassVar[frozenset[str]]
    status_key: ClassVar[str] = "status"
    default_model: ClassVar[str]
    table: ClassVar[Mapping[str, str]]
    """Normalized status -> the raw value this vendor sends."""
    known: ClassVar[Mapping[str, str]]
    """Every raw value this vendor is known to send -> its normalized meaning."""
    sequences: ClassVar[Mapping[str, tuple[str, ...]]]
    """Outcome -> the raw statuses a task passes through to reach it."""
    detailed_sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    """Like :attr:`sequences` but with the vendor's finer-grained intermediate states."""
    quirks: ClassVar[Mapping[str, str]] = {}
    """Shapes seen in real traffic that this vendor produces only when asked: name -> what changes.

    The default answers stay the vendor's documented ones; a quirk is switched on per task
    (``add_task(quirks=...)``) or for the whole simulator (``FakeProviders(quirks=...)``).
    """
    listing_quirks: ClassVar[frozenset[str]] = frozenset()
    """The quirks that shape a listing rather than a task (only for the whole simulator)."""

    def quirk(self, task: TaskRecord | None, ctx: Ctx, name: str) -> bool:
        """Whether quirk ``name`` is on for ``task`` (or, with ``None``, for this request)."""
        if name in ctx.quirks:
            return True
        return task is not None and name in task.attrs.get("quirks", ())

    callback_statuses: ClassVar[Mapping[str, str]] = {}
    """Raw status -> the value a callback push carries; other statuses are not pushed.

    Empty for a vendor that documents no callbacks.
    """
    callback_retried: ClassVar[frozenset[str]] = frozenset()
    """The pushed values whose delivery is retried when not acknowledged."""
    callback_retries: ClassVar[int] = 3
    """How many times an unacknowledged push of :attr:`callback_retried` is sent again."""
    callback_ack_seconds: ClassVar[float] = 5.0
    """How long the vendor waits for a receiver's answer (real seconds)."""
    callback_challenge_seconds: ClassVar[float | None] = None
    """MiniMax: seconds to echo the handshake that precedes the pushes; ``None``: no handshake."""
    callback_view: ClassVar[str] = "task"
    """The :meth:`render` view a push carries (the vendors push their query's shape)."""

    # ---- identity ------------------------------------------------------------------------------

    def new_id(self, n: int, created: float, model: str, salt: int) -> str:
        """Return a realistic task id; distinct ``n`` (with the same ``salt``) give distinct ids."""
        raise NotImplementedError

    def extra_attrs(self, n: int, created: float, salt: int, rng: random.Random) -> dict[str, Any]:
        """Return vendor-specific attributes a new task needs (e.g. a MiniMax file id)."""
        return {}

    def default_error(self, status: str) -> dict[str, Any] | None:
        """Return the error a task in normalized ``status`` reports when none was given."""
        return None

    # ---- HTTP ----------------------------------------------------------------------------------

    def check_auth(self, headers: Mapping[str, str], key: str) -> bool:
        """Return whether ``headers`` carry ``key`` the way this vendor expects."""
        raise NotImplementedError

    def unauthorized(self, ctx: Ctx) -> Response:
        """Answer a request with a missing or wrong credential."""
        raise NotImplementedError

    def error_response(self, status: int, ctx: Ctx, message: str | None = None) -> Response:
        """Answer with HTTP ``status`` and this vendor's error body for it."""
        raise NotImplementedError

    def business_error(
        self, code: int | str, ctx: Ctx, message: str | None = None, status: int = 200
    ) -> Response:
        """Answer with the vendor's own error envelope carrying ``code`` (HTTP 200 by default)."""
        raise NotImplementedError

    def handle(self, request: Request, ctx: Ctx) -> Response:
        """Answer an authenticated request to one of :attr:`endpoints`."""
        raise NotImplementedError

    def resolve(self, name: str) -> tuple[str, str]:
        """Map a status name to ``(raw value, normalized status)``.

        Normalized names go through :attr:`table`; a raw value the vendor is known to send keeps its
        meaning from :attr:`known`; anything else is sent verbatim and means ``"unknown"``.
        """
        if name in self.table:
            return self.table[name], name
        return name, self.known.get(name, "unknown")

    # ---- rendering -----------------------------------------------------------------------------

    def render(self, task: TaskRecord, view: str, index: int, ctx: Ctx) -> dict[str, Any]:
        """Return the task's JSON object for ``view`` in phase ``index``.

        Must depend only on the task, the view, the phase index and ``ctx.base_url`` (the result is
        cached per view and phase).
        """
        raise NotImplementedError

    def task_bytes(self, task: TaskRecord, view: str, ctx: Ctx) -> bytes:
        """Return the task's JSON for ``view`` now, from the cache unless a fault alters it."""
        index = task.phase_index(ctx.now)
        if not ctx.mutations:
            key = (view, index)
            cached = task.cache.get(key)
            if cached is None:
                cached = dumps(self.render(task, view, index, ctx))
                task.cache[key] = cached
            return cached
        obj = self.render(task, view, index, ctx)
        apply_mutations(obj, ctx.mutations, self.status_key)
        return dumps(obj)

    def list_body(
        self,
        ctx: Ctx,
        key: Hashable,
        render: Callable[[], tuple[bytes, Sequence[TaskRecord]]],
    ) -> bytes:
        """A list answer's body: ``render()``'s (the body, the tasks it shows), or the same again.

        Served from the store's :class:`~vtasks.testing._pages.PageCache` while still the answer
        (``key`` must name everything else the body depends on); never when a fault alters it.
        """
        if ctx.mutations:
            return render()[0]
        pages = ctx.store.pages
        full = (self.name, key, ctx.base_url, ctx.quirks)
        body = pages.get(full, ctx.now)
        if body is None:
            body, tasks = render()
            pages.put(full, body, tasks, ctx.now)
        return body

    def error_for(self, task: TaskRecord, status: str) -> dict[str, Any] | None:
        """Return the task's error for normalized ``status``: its own, over the vendor default."""
        default = self.default_error(status)
        if task.error is None or status not in ("failed", "cancelled", "expired"):
            return default
        merged = dict(default or {})
        merged.update({k: v for k, v in task.error.items() if v is not None})
        return merged

    # ---- callbacks -----------------------------------------------------------------------------

    def callback_body(self, task: TaskRecord, index: int, ctx: Ctx, pushed: str) -> bytes:
        """The JSON of a push of phase ``index``: the query's shape, the status spelled ``pushed``."""
        obj = self.render(task, self.callback_view, index, ctx)
        obj[self.status_key] = pushed
        return dumps(obj)

    def callback_headers(
        self, *, url: str, key: str, now: float, nonce: str
    ) -> list[tuple[str, str]]:
        """Headers that authenticate a push to ``url`` (none: the vendor signs nothing)."""
        return []

    def file_url(self, ctx: Ctx, task: TaskRecord, suffix: str) -> str:
        """Return the URL at which the simulator serves one of ``task``'s result files."""
        return f"{ctx.base_url}/_files/{self.name}/{quote(task.id, safe='')}{suffix}"


def apply_mutations(obj: dict[str, Any], mutations: tuple[Mutation, ...], status_key: str) -> None:
    """Apply task-JSON faults to ``obj`` in place (dotted paths; numeric parts index lists)."""
    for kind, arg in mutations:
        if kind == "status":
            obj[status_key] = arg
            continue
        for item in arg:
            path, value = item if kind == "set" else (item, None)
            parent: Any = obj
            *head, last = str(path).split(".")
            for part in head:
                parent = _child(parent, part)
                if parent is None:
                    break
            if parent is None:
                continue
            if isinstance(parent, dict):
                if kind == "missing":
                    parent.pop(last, None)
                else:
                    parent[last] = value  # None for "null"
            elif isinstance(parent, list) and last.isdigit() and int(last) < len(parent):
                if kind == "missing":
                    del parent[int(last)]
                else:
                    parent[int(last)] = value


def _child(node: Any, part: str) -> Any:
    if isinstance(node, dict):
        return node.get(part)
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    return None


def scramble(n: int, digits: int, alphabet: str, salt: int) -> str:
    """Map ``n`` to a fixed-width, random-looking string, injectively for ``n < len(alphabet) ** digits``."""
    space = len(alphabet) ** digits
    value = ((n + salt) * _multiplier(space)) % space
    if alphabet == "0123456789":
        return f"{value:0{digits}d}"
    if alphabet == "0123456789abcdef":
        return f"{value:0{digits}x}"
    out = []
    for _ in range(digits):
        value, r = divmod(value, len(alphabet))
        out.append(alphabet[r])
    return "".join(reversed(out))


@functools.cache
def _multiplier(space: int) -> int:
    # A multiplier near space / golden ratio spreads consecutive n across the whole space; being
    # coprime with the space keeps n -> n * m (mod space) a bijection.
    m = int(space * 0.6180339887498949) | 1
    while math.gcd(m, space) != 1:
        m += 2
    return m


def phase_times(task: TaskRecord, index: int) -> tuple[float, float | None, float | None]:
    """Return (updated, started, finished) for phase ``index``.

    ``started`` is when the task first left its initial (queued) phase, ``finished`` when it
    reached a terminal status; each is ``None`` until it happens.
    """
    phases = task.phases
    current = phases[index]
    started = None
    for phase in phases[1 : index + 1]:
        if phase.status != "queued":
            started = phase.start
            break
    if started is None and current.status != "queued" and index == 0:
        started = current.start
    finished = current.start if current.status in OUTCOMES else None
    return current.start, started, finished


def filtered_page(
    store: ProviderStore,
    lo: int,
    hi: int,
    offset: int,
    limit: int,
    keep: Callable[[TaskRecord], bool] | None,
    *,
    count_all: bool = True,
) -> tuple[int, list[TaskRecord], bool]:
    """Page through tasks ``[lo, hi)`` newest first, keeping those ``keep`` accepts.

    Returns ``(total, page, more)``: ``total`` counts every match (only when ``count_all``;
    otherwise it counts the matches seen), ``page`` holds matches ``offset .. offset + limit``,
    ``more`` says whether a match exists after the page. Without a filter this costs O(page).
    """
    if keep is None:
        total = max(0, hi - lo)
        return total, store.page(lo, hi, offset, limit), offset + limit < total
    total = 0
    page: list[TaskRecord] = []
    more = False
    for task in store.newest(lo, hi):
        if not keep(task):
            continue
        if offset <= total < offset + limit:
            page.append(task)
        elif total >= offset + limit:
            more = True
            if not count_all:
                total += 1
                break
        total += 1
    return total, page, more
