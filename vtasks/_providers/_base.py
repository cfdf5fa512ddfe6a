"""What every provider adapter is made of: sans-IO requests, pages, and the adapter interface.

An adapter never does I/O. It turns a question ("get task X", "list page 3") into a :class:`Request`
built by the provider's *generated* client, and turns the decoded JSON answer into :class:`Task`
objects or a vtasks error.

Answers are read straight from the JSON, leniently, not through the generated models: those refuse
a ``null`` status or a missing ``base_resp`` (real traffic has both), and would cost as much again
as the normalization itself. What a task cannot do without (being an object, having an id) is
checked here, and a failure is a :class:`ResponseError` that keeps the answer. ``Client`` and ``AsyncClient`` send the requests; the flows in
:mod:`vtasks._flows` decide what to ask next. So every vendor rule lives in exactly one place.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import attrs

from .._exceptions import ConfigurationError, ResponseError, UnsupportedOperation, VTasksError
from .._models import Task, TaskStatus, deferred_tasks
from ._facts import BEARER, AuthScheme, ProviderFacts

if TYPE_CHECKING:
    from .._inputs import CreateSpec

__all__ = [
    "BEARER",
    "Adapter",
    "AuthScheme",
    "Page",
    "PageTotals",
    "Request",
    "as_float",
    "as_int",
    "as_percent",
    "as_text",
    "check_image_sizes",
    "create_request_from_generated",
    "expect_id",
    "expect_items",
    "expect_object",
    "given",
    "json_excerpt",
    "request_from_generated",
]


@attrs.frozen(slots=True)
class Request:
    """One HTTP request an adapter wants sent.

    Attributes:
        endpoint: What it is for: ``"get"``, ``"list"``, ``"files"``, ``"create"``,
            ``"cancel"``, ``"delete"`` (logging, fault matching, the spec's operation).
        method: The HTTP method, upper-case.
        path: The path to append to the provider's base URL, already percent-encoded.
        params: Query parameters in order; a key repeats once per value of an array.
        task_ids: The task ids this request asks about (named in ``NotFoundError``).
        url: An absolute URL to use instead of base URL + ``path`` (result downloads).
        json: The JSON body, or ``None`` for none (not part of equality).
        idempotent: Whether sending it twice does no harm. A request that is not (a create,
            which costs money; a cancel or delete) is retried only when it provably never
            left (the connection could not be made), and never redirected.
    """

    endpoint: str
    method: str
    path: str
    params: tuple[tuple[str, str], ...] = ()
    task_ids: tuple[str, ...] = ()
    url: str | None = None
    json: Any = attrs.field(default=None, eq=False)
    idempotent: bool = True


def given(**kwargs: Any) -> dict[str, Any]:
    """The keyword arguments that are not ``None``.

    Generated ``_get_kwargs`` functions type "not given" as their own ``UNSET``; leaving the
    argument out says the same thing without importing each package's sentinel.
    """
    return {key: value for key, value in kwargs.items() if value is not None}


def _query_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _without_dot_segments(path: str) -> str:
    """``path`` with each segment made only of dots percent-encoded (``..`` -> ``%2E%2E``).

    The generated code percent-encodes a path parameter (``/``, ``?``, ``#``, ``%`` included) but
    leaves ``.`` as it is, and a task id ``.`` or ``..`` would then be a dot segment, which httpx
    (like any URL parser) resolves: ``GET .../tasks/..`` would go to ``.../`` -- another
    endpoint, with the key. Encoded, the dots are data; the vendor decodes them back into the id.
    """
    if "." not in path:
        return path  # nearly always: no segment to look at
    return "/".join(
        "%2E" * len(segment) if segment and not segment.strip(".") else segment
        for segment in path.split("/")
    )


def request_from_generated(
    endpoint: str,
    kwargs: Mapping[str, Any],
    task_ids: Sequence[str] = (),
    *,
    idempotent: bool = True,
) -> Request:
    """Make a :class:`Request` from a generated operation's ``_get_kwargs(...)`` result.

    The generated code owns the path template, the percent-encoding of path parameters, the
    query parameter names (``filter.task_ids``, ``pager.pagesz``; arrays become repeated keys)
    and, for a create, the JSON body: ``kwargs["json"]`` is the generated request model's
    ``to_dict()``, carried as it is. ``idempotent=False`` marks a request that costs money or
    changes state (create, cancel, delete), so that it is never sent twice.
    Segments of dots are encoded here (:func:`_without_dot_segments`), the one place every
    adapter's paths pass through, so that no id can change the path.
    """
    params: list[tuple[str, str]] = []
    for key, value in (kwargs.get("params") or {}).items():
        if isinstance(value, list | tuple):
            params.extend((key, _query_text(item)) for item in value)
        else:
            params.append((key, _query_text(value)))
    return Request(
        endpoint=endpoint,
        method=str(kwargs["method"]).upper(),
        path=_without_dot_segments(str(kwargs["url"])),
        params=tuple(params),
        task_ids=tuple(task_ids),
        json=kwargs.get("json"),
        idempotent=idempotent,
    )


def create_request_from_generated(kwargs: Mapping[str, Any], spec: CreateSpec) -> Request:
    """A create :class:`Request` from the generated operation's ``_get_kwargs(body=...)``.

    Never sent twice (``idempotent=False``). ``spec.extra`` is merged last, at the top level of
    the body: vendor fields vtasks does not map travel verbatim, and win over the mapped ones.
    """
    request = request_from_generated("create", kwargs, idempotent=False)
    if not spec.extra:
        return request
    return attrs.evolve(request, json={**request.json, **spec.extra})


def check_image_sizes(provider: str, spec: CreateSpec, max_bytes: int) -> None:
    """Refuse an image over the vendor's limit before any request (``ConfigurationError``)."""
    for image in spec.images:
        if image.size is not None and image.size > max_bytes:
            raise ConfigurationError(
                f"{provider} takes images under {max_bytes // 2**20} MB; "
                f"one is {image.size:,} bytes"
            )


@attrs.frozen(slots=True)
class Page:
    """One page of a task listing, normalized.

    Attributes:
        tasks: The page's tasks in the provider's order (newest first for every vendor here).
        total: Tasks matching the query over all pages, when the provider says.
        total_pages: Pages in all, when the provider says.
        next_token: The token of the next page (token-paged providers); ``None`` or ``""`` ends.
    """

    tasks: tuple[Task, ...]
    total: int | None = None
    total_pages: int | None = None
    next_token: str | None = None


@attrs.frozen(slots=True)
class PageTotals:
    """What a list answer says about the listing, read without normalizing its tasks.

    Attributes:
        count: The tasks on this page.
        total: Tasks matching the query over all pages, when the provider says.
        total_pages: Pages in all, when the provider says.
    """

    count: int
    total: int | None = None
    total_pages: int | None = None


def as_text(value: object) -> str | None:
    """A non-empty string, or ``None`` (vendors send ``""`` or ``null`` for "not set")."""
    if type(value) is str:  # the common case first: one type check, no isinstance walk
        return value or None
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def as_int(value: object) -> int | None:
    """An integer, or ``None`` for anything that is not a finite number (bools included)."""
    if type(value) is int:  # bool is a subclass of int, not int itself
        return value
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except (ValueError, OverflowError):
            return None
    return None


# Integers within this convert to a float without overflow (past it, float() raises).
_FLOAT_INT_LIMIT = 2**1023


def as_float(value: object) -> float | None:
    """A finite float, or ``None``."""
    # ``type(...) is`` first: what vendors send, without the isinstance walk (bool is not int).
    if type(value) is float:
        return value if math.isfinite(value) else None
    if type(value) is int and -_FLOAT_INT_LIMIT < value < _FLOAT_INT_LIMIT:
        return float(value)
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            number = float(value)
        except (ValueError, OverflowError):  # OverflowError: an int past 1.8e308 (JSON allows it)
            return None
        return number if math.isfinite(number) else None
    return None


# A percentage written as text: digits, an optional fraction; no sign, exponent, "%" or "_".
_PERCENT_TEXT = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def as_percent(value: object) -> float | None:
    """A vendor's progress as a percentage from 0 to 100, or ``None``.

    A number (``42``, ``42.5``) or a numeric string (``"0"``, ``" 42.5 "``) within 0..100 is
    taken; anything else (``"50%"``, ``-1``, ``101``, ``true``, ``"1e1"``) is no progress at
    all rather than a guess.
    """
    if isinstance(value, str):
        text = value.strip()
        if not _PERCENT_TEXT.fullmatch(text):
            return None
        value = text
    number = as_float(value)
    if number is None or not 0.0 <= number <= 100.0:
        return None
    return number


def expect_object(provider: str, what: str, payload: object) -> dict[str, Any]:
    """``payload`` if it is a JSON object, else a :class:`ResponseError` keeping it."""
    if not isinstance(payload, dict):
        raise ResponseError(
            f"expected a JSON object for {what}, got {type(payload).__name__}",
            provider=provider,
            body=json_excerpt(payload),
        )
    return payload


_DICT_ONLY = frozenset({dict})


def expect_items(provider: str, what: str, value: object, payload: object) -> list[dict[str, Any]]:
    """A page's list of task objects, else a :class:`ResponseError` keeping the whole answer."""
    # The item check in C (a set of the items' types): a page holds up to 1,000 of them.
    if type(value) is not list or not set(map(type, value)) <= _DICT_ONLY:
        raise ResponseError(
            f"{what} is not a list of task objects", provider=provider, body=json_excerpt(payload)
        )
    return value


def expect_id(provider: str, value: object, payload: object) -> str:
    """A task's id (a non-empty string or an integer), else a :class:`ResponseError`.

    Everything else in a task is optional: a missing or ``null`` field becomes ``None`` (a
    missing status :attr:`~vtasks.TaskStatus.UNKNOWN`), but a task without an id cannot be told
    apart from any other.
    """
    if type(value) is str and value:
        return value
    text = as_text(value)
    if text is None or isinstance(value, float):
        raise ResponseError("a task without an id", provider=provider, body=json_excerpt(payload))
    return text


def json_excerpt(payload: object) -> str:
    """An answer as JSON text, to keep on an error."""
    import json

    try:
        return json.dumps(payload, ensure_ascii=False, default=repr)
    except RecursionError:
        # An answer that json.loads could still read may be too deep to write back out (or to
        # repr) from further down the stack: say so rather than crash while reporting it.
        return f"<a JSON {type(payload).__name__} nested too deeply to show>"
    except (TypeError, ValueError):  # pragma: no cover - default=repr handles the rest
        return repr(payload)


class Adapter:
    """The interface of one provider: every method is pure (no I/O).

    A subclass sets ``facts`` (its provider's :class:`~vtasks._providers._facts.ProviderFacts`) and
    implements the ``*_request`` / ``parse_*`` methods. The class attributes below are copied from
    ``facts`` when the subclass is defined, so that the facts stay the one source and the hot path
    still reads plain class attributes. Listing and id filtering are optional, declared by the
    facts' ``list_path`` and ``id_filter_max``.
    """

    facts: ClassVar[ProviderFacts]
    # Copied from ``facts`` (see there for their meaning); no defaults here, so that the facts'
    # defaults are the only ones.
    name: ClassVar[str]
    auth: ClassVar[AuthScheme]
    supports_list: ClassVar[bool]
    supports_create: ClassVar[bool]
    supports_cancel: ClassVar[bool]
    supports_delete: ClassVar[bool]
    max_page_size: ClassVar[int]
    default_page_size: ClassVar[int]
    max_page_number: ClassVar[int | None]
    id_filter_max: ClassVar[int]
    numbered_pages: ClassVar[bool]
    server_time_filter: ClassVar[bool]
    poll_by_listing: ClassVar[bool]
    not_found_codes: ClassVar[Mapping[str, frozenset[str]]]
    _first_page: ClassVar[int]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        facts = cls.__dict__.get("facts")
        if facts is None:
            return  # a shared base (Seedance's): its concrete subclasses bring the facts
        cls.name = facts.name
        cls.auth = facts.auth
        cls.supports_list = facts.supports_list
        cls.supports_create = facts.supports_create
        cls.supports_cancel = facts.supports_cancel
        cls.supports_delete = facts.supports_delete
        cls.max_page_size = facts.max_page_size
        cls.default_page_size = facts.default_page_size
        cls.max_page_number = facts.max_page_number
        cls.id_filter_max = facts.id_filter_max
        cls.numbered_pages = facts.numbered_pages
        cls.server_time_filter = facts.server_time_filter
        cls.poll_by_listing = facts.poll_by_listing
        cls.not_found_codes = facts.not_found_codes
        cls._first_page = facts.first_page

    def get_request(self, task_id: str) -> Request:
        """The request that fetches one task."""
        raise NotImplementedError

    def parse_task(self, payload: Any) -> Task:
        """The :class:`Task` in a get answer (business errors are already raised by then)."""
        raise NotImplementedError

    def list_request(
        self,
        *,
        page: int | None,
        token: str | None,
        page_size: int,
        raw_statuses: Sequence[str] = (),
        task_ids: Sequence[str] = (),
        created_after: str | None = None,
        created_before: str | None = None,
    ) -> Request:
        """The request for one page: ``page`` (numbered) or ``token`` (token-paged)."""
        raise NotImplementedError

    def parse_page(self, payload: Any) -> Page:
        """The normalized page in a list answer."""
        raise NotImplementedError

    def deferred(
        self, items: list[Any], normalize: Callable[[Any, Task | None], Task]
    ) -> tuple[Task, ...]:
        """A page's task objects as deferred tasks (see :func:`vtasks._models.deferred_tasks`).

        Each task's ``id`` is read and checked now (:func:`expect_id`: an item without one is
        refused now, as ``normalize`` would refuse it), and its status made (:meth:`status_of`);
        ``normalize(item, into)``, the adapter's normalization, runs into the task when another
        of its fields is first read.
        """
        # One maker (and deferred class) per adapter object and normalizer: they go with it.
        makers: dict[Any, Callable[[list[Any]], tuple[Task, ...]]] = self.__dict__.setdefault(
            "_deferred_makers", {}
        )
        make = makers.get(normalize)
        if make is None:
            make = makers.setdefault(
                normalize,
                deferred_tasks(
                    self.name,
                    normalize,
                    expect_id,
                    self.status_of,
                    self.status_key,
                    self.exact_statuses,
                ),
            )
        return make(items)

    #: The task object's status field, and the spellings that are a status without more ado
    #: (an adapter whose status also depends on another field leaves it empty): see
    #: :meth:`deferred`.
    status_key: ClassVar[str] = "status"
    exact_statuses: Mapping[str, TaskStatus] = {}

    def status_of(self, raw: dict[str, Any]) -> TaskStatus:
        """A task object's status, as the adapter's normalization makes it (listed tasks)."""
        raise NotImplementedError

    def page_totals(self, payload: Any) -> PageTotals | None:
        """The totals of a list answer, read without normalizing its tasks; ``None`` if unsure.

        Cheap, so that a numbered listing asks for the next pages *before* it parses this one.
        Never raises: an answer it cannot read is left to :meth:`parse_page`, which says why.
        The default knows nothing: the listing then plans from the parsed page.
        """
        return None

    def first_page(self) -> int:
        """The number of the first page (1 for most vendors, 0 for Vidu): ``facts.first_page``."""
        return self._first_page

    def server_status_filter(self, raw_values: Sequence[str]) -> tuple[str, ...]:
        """The raw status values to send for the raw values wanted (``()``: filter locally only)."""
        return ()

    def follow_up(self, task: Task) -> Request | None:
        """A second request that completes a task (MiniMax's file URL), or ``None``."""
        return None

    def complete(self, task: Task, payload: Any) -> Task:
        """Merge the answer to :meth:`follow_up` into the task."""
        return task

    def fallback_video_urls(self, task: Task) -> tuple[str, ...]:
        """Other URLs of the task's video, to download from when its ``video_url`` fails.

        Tried in order, only after the primary URL's own retries are spent and only for failures
        another host could fix (see :mod:`vtasks._flows.download`). ``()``: none (most vendors).
        """
        return ()

    def business_error(self, payload: Any) -> tuple[str, str | None] | None:
        """An error sent with HTTP 200 as ``(code, message)``, or ``None`` when the answer is fine."""
        return None

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """``(code, message)`` from an HTTP error body (already decoded JSON)."""
        return None, None

    # -- the lifecycle: create, cancel, delete (facts.create_path / cancel_path / delete_path) --

    def create_request(self, spec: CreateSpec) -> Request:
        """The create request for ``spec`` (``idempotent=False``), built by the generated models.

        Raises:
            ConfigurationError: An input the vendor refuses (a size, a count, a value).
            UnsupportedOperation: A combination the vendor cannot do, or no create at all.
        """
        raise UnsupportedOperation(provider=self.name, operation="create_task")

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        """The new task from a create answer (what the vendor does not say, ``spec`` does)."""
        raise NotImplementedError

    def cancellable(self, task: Task) -> bool:
        """Whether a cancel is worth sending for ``task`` in its current state (unfinished)."""
        return not task.status.is_terminal

    def cancel_request(self, task_id: str) -> Request:
        """The request that cancels an unfinished task (``idempotent=False``)."""
        raise UnsupportedOperation(provider=self.name, operation="cancel_task")

    def delete_request(self, task_id: str) -> Request:
        """The request that deletes a finished task's record (``idempotent=False``)."""
        raise UnsupportedOperation(
            "it cannot delete a finished task's record", provider=self.name, operation="delete"
        )

    def cancel_refused(self, error: VTasksError) -> bool:
        """Whether an error answer to a cancel means "not cancellable now" (not a failure)."""
        return False
