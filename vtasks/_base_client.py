"""What ``Client`` and ``AsyncClient`` share: configuration, and the flow behind each operation.

Each public method of both clients is one line: check the arguments and build the flow here,
then drive it (:meth:`Client._run` or :meth:`AsyncClient._run`). The clients differ only in how
they wait for I/O.
"""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._answers import Scrubber, check_key_length
from ._clock import Clock, SystemClock
from ._config import check_provider, resolve_api_key, resolve_base_url
from ._exceptions import ConfigurationError, UnsupportedOperation
from ._providers import get_adapter
from ._providers._base import Adapter
from ._rate_limit import RateLimit, check_per_second
from ._retry import PollSchedule, RetryPolicy
from ._validate import (
    MAX_CONCURRENCY,
    MAX_RETRIES,
    check_callback,
    check_count,
    check_id,
    check_ids,
    check_path,
    check_poll_interval,
    check_request_timeout,
    check_size,
    check_wait_timeout,
)

if TYPE_CHECKING:
    import os
    from pathlib import Path

    import httpx

    from ._check import ContractReport
    from ._flows.exchange import Exchange
    from ._flows.steps import Flow
    from ._lifecycle import CancelResult
    from ._models import Task, TaskStatus

__all__ = [
    "DEFAULT_TIMEOUT",
    "NOT_GIVEN",
    "BaseClient",
    "default_poll_schedule",
    "shared_ssl_context",
]

DEFAULT_TIMEOUT = 30.0
#: The default cap on an API answer, decoded (``max_response_bytes``): a 500-task page is ~1 MB.
DEFAULT_MAX_RESPONSE_BYTES = 64 * 1024 * 1024


class _NotGiven:
    """The default of an argument not given, where that differs from any value one could give.

    ``timeout``: 30 s, except that a caller's client keeps its own timeouts.
    ``max_concurrency``: 8 for a batch, 32 for a listing's window.
    """

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN: Any = _NotGiven()

#: Requests in flight at once for a batch (``get_tasks``, polling) unless ``max_concurrency`` says.
DEFAULT_CONCURRENCY = 8
#: Pages in flight at once for a listing unless ``max_concurrency`` says (the byte budget holds).
DEFAULT_LIST_CONCURRENCY = 32

HttpT = TypeVar("HttpT", "httpx.Client", "httpx.AsyncClient")
TasksT = TypeVar("TasksT")  # what list_tasks / wait_for_tasks return: a (sync or async) generator


class BaseClient(Generic[HttpT, TasksT]):
    """Configuration, and the flow behind each operation, of both clients.

    Generic over the HTTP client class (``httpx.Client`` or ``httpx.AsyncClient``) and over what
    a lazy listing is (a generator or an async generator), so that what reads the same for both
    clients is written once, here. The arguments are documented on :class:`vtasks.Client`.
    """

    _http_class: type[HttpT]
    #: The class of the HTTP client vtasks makes for itself (a subclass of ``_http_class``).
    _owned_http_class: type[HttpT]

    def __init__(
        self,
        provider: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | httpx.Timeout | None = NOT_GIVEN,
        max_retries: int = 3,
        http_client: HttpT | None = None,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
        max_concurrency: int = NOT_GIVEN,
        clock: Clock | None = None,
        max_response_bytes: int | None = NOT_GIVEN,
        max_requests_per_second: float | None = None,
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.provider = check_provider(provider)
        if api_key is not None and not isinstance(api_key, str):
            raise ConfigurationError(f"api_key must be a string, not {type(api_key).__name__}")
        if base_url is not None and not isinstance(base_url, str):
            raise ConfigurationError(f"base_url must be a string, not {type(base_url).__name__}")
        self.base_url = resolve_base_url(self.provider, base_url)
        _check_httpx_accepts(self.base_url)
        self._timeout_given = timeout is not NOT_GIVEN
        #: The timeout as given (``DEFAULT_TIMEOUT`` when none was).
        self.timeout: float | httpx.Timeout | None = (
            timeout if self._timeout_given else DEFAULT_TIMEOUT
        )
        self._request_timeout = check_request_timeout(self.timeout)
        self.max_response_bytes: int | None = (
            DEFAULT_MAX_RESPONSE_BYTES
            if max_response_bytes is NOT_GIVEN
            else check_size("max_response_bytes", max_response_bytes)
        )
        given = max_concurrency is not NOT_GIVEN
        self.max_concurrency: int = (
            check_count("max_concurrency", max_concurrency, minimum=1, maximum=MAX_CONCURRENCY)
            if given
            else DEFAULT_CONCURRENCY
        )
        # A listing's read-ahead window is bounded by bytes (list.WINDOW_BYTES) as well, so by
        # default it may go wider than a batch: the pages of 10,000 tasks all at once.
        self._list_concurrency = self.max_concurrency if given else DEFAULT_LIST_CONCURRENCY
        if retry_policy is not None and not isinstance(retry_policy, RetryPolicy):
            raise ConfigurationError(f"retry_policy must be a RetryPolicy, not {retry_policy!r}")
        if poll_schedule is not None and not isinstance(poll_schedule, PollSchedule):
            raise ConfigurationError(f"poll_schedule must be a PollSchedule, not {poll_schedule!r}")
        self.retry_policy = retry_policy or RetryPolicy(
            max_retries=check_count("max_retries", max_retries, minimum=0, maximum=MAX_RETRIES)
        )
        self._adapter: Adapter = get_adapter(self.provider)
        self.poll_schedule = poll_schedule or default_poll_schedule(self._adapter)
        self.clock: Clock = clock or SystemClock()
        #: The request budget every API request waits for (``None``: none).
        self.rate_limit: RateLimit | None = _budget(max_requests_per_second, rate_limit, self.clock)
        # The key is kept only in this header value and in the scrubber; it is never logged or
        # shown (see __repr__).
        key = check_key_length(resolve_api_key(self.provider, api_key))
        self._auth_header = (self._adapter.auth.header, self._adapter.auth.value(key))
        self._scrubber = Scrubber(key)
        if http_client is not None and not isinstance(http_client, self._http_class):
            raise ConfigurationError(
                f"http_client must be an {self._http_class.__module__}.{self._http_class.__name__},"
                f" not {type(http_client).__name__}"
            )
        self._owns_http = http_client is None
        self._http: HttpT = http_client or self._owned_http_class(**self._http_client_options())
        self._exchange = self._exchange_for(self._http, own=self._owns_http)
        self._closed = False

    @property
    def is_closed(self) -> bool:
        """Whether the client was closed (a closed client refuses every operation)."""
        return self._closed

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, base_url={self.base_url!r})"

    def _http_client_options(self) -> dict[str, Any]:
        """Keyword arguments for the ``httpx`` client vtasks creates when the caller gives none."""
        from ._flows.exchange import DEFAULT_HEADERS

        # Redirects are followed by hand (see vtasks._redirects); one TLS context for every client.
        return {
            "timeout": self._request_timeout,
            "follow_redirects": False,
            "verify": shared_ssl_context(),
            "headers": DEFAULT_HEADERS,
        }

    def _exchange_for(self, http: httpx.Client | httpx.AsyncClient, *, own: bool) -> Exchange:
        """The :class:`~vtasks._flows.exchange.Exchange` of this client over ``http``."""
        from ._flows.exchange import Exchange

        timeout = self._request_timeout
        if not own and not self._timeout_given and _has_timeouts(http):
            timeout = None  # a caller's client keeps its own timeouts unless vtasks is given one
        in_force = timeout if timeout is not None else http.timeout
        return Exchange(
            adapter=self._adapter,
            base_url=self.base_url,
            auth_header=self._auth_header,
            scrubber=self._scrubber,
            http=http,
            defaults_on_client=own,
            timeout=None if own else timeout,
            retry_policy=self.retry_policy,
            clock=self.clock,
            limit=exchange_limit(in_force),
            max_response_bytes=self.max_response_bytes,
            rate_limit=self.rate_limit,
        )

    def _schedule(self, poll_interval: object) -> PollSchedule:
        """The poll schedule for a wait: the client's growing one, or a fixed interval."""
        fixed = check_poll_interval(poll_interval)
        return self.poll_schedule if fixed is None else PollSchedule(fixed=fixed)

    # -- the lazy operations, the same for both clients ----------------------------------------

    def list_tasks(
        self,
        *,
        status: TaskStatus | str | Iterable[TaskStatus | str] | None = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        task_ids: Iterable[str] | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> TasksT:
        """Iterate over the provider's tasks, newest first, following every page lazily.

        A generator for :class:`vtasks.Client`, an async generator for
        :class:`vtasks.AsyncClient`. Filters go to the server where the vendor supports them and
        are applied locally in any case. ``status`` is one :class:`TaskStatus` (or its value) or a
        collection of them. Close the generator (or leave the loop) to stop early: pages in flight
        are dropped.

        Raises:
            UnsupportedOperation: The provider has no list endpoint (``veo``, ``minimax``).
        """
        flow = self._list_flow(status, created_after, created_before, task_ids, page_size, limit)
        return self._iterate(flow)

    def wait_for_tasks(
        self,
        task_ids: Iterable[str],
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
    ) -> TasksT:
        """Yield each task once, as it becomes terminal, polling in batches where the vendor allows.

        A generator for :class:`vtasks.Client`, an async generator for :class:`vtasks.AsyncClient`.

        Raises:
            WaitTimeout: The deadline passed before every task finished.
        """
        return self._iterate(self._wait_many_flow(task_ids, timeout, poll_interval))

    def _iterate(self, flow: Flow[None]) -> TasksT:
        """Drive a flow lazily, yielding the tasks it emits (each client's own)."""
        raise NotImplementedError

    # -- the flow behind each operation -------------------------------------------------------

    def _get_task_flow(self, task_id: str) -> Flow[Task]:
        from ._flows.get import get_task_flow

        return get_task_flow(self._adapter, check_id(task_id))

    def _get_tasks_flow(self, task_ids: Iterable[str]) -> Flow[list[Task]]:
        from ._flows.get import get_tasks_flow
        from ._flows.steps import nothing

        ids = check_ids(task_ids)
        return get_tasks_flow(self._adapter, ids) if ids else nothing([])

    def _create_flow(self, inputs: dict[str, Any]) -> Flow[Task]:
        from ._flows.lifecycle import create_flow
        from ._inputs import create_spec

        if not self._adapter.supports_create:
            raise UnsupportedOperation(provider=self.provider, operation="create_task")
        spec = create_spec(**inputs)  # every check, local files read: all before any request
        # The wall clock, not ``self.clock`` (monotonic): ``sent_at`` is compared with the
        # vendor's ``created_at`` when reconciling, so it must be a real UTC time.
        return create_flow(self._adapter, spec, time.time())

    def _cancel_flow(self, task_id: str, delete: object) -> Flow[CancelResult]:
        from ._flows.lifecycle import cancel_flow

        if not isinstance(delete, bool):
            raise ConfigurationError(f"delete must be True or False, not {delete!r:.40}")
        if not self._adapter.supports_cancel and not (delete and self._adapter.supports_delete):
            raise UnsupportedOperation(provider=self.provider, operation="cancel_task")
        return cancel_flow(self._adapter, check_id(task_id), delete=delete)

    def _contract_flow(self, task_ids: Iterable[str]) -> Flow[ContractReport]:
        from ._check import contract_flow, validator_for

        ids = check_ids(task_ids)
        if not ids and not self._adapter.supports_list:
            raise ConfigurationError(
                f"{self.provider} cannot list its tasks: give the ids of tasks to check"
            )
        validator_for(self.provider, "get")  # jsonschema missing: an error before any request
        return contract_flow(self._adapter, ids, self.base_url)

    def _list_flow(
        self,
        status: TaskStatus | str | Iterable[TaskStatus | str] | None,
        created_after: datetime | None,
        created_before: datetime | None,
        task_ids: Iterable[str] | None,
        page_size: int | None,
        limit: int | None,
    ) -> Flow[None]:
        from ._flows.list import list_flow
        from ._query import make_list_query

        query = make_list_query(
            self._adapter,
            status=status,
            created_after=created_after,
            created_before=created_before,
            task_ids=task_ids,
            page_size=page_size,
            limit=limit,
        )
        return list_flow(self._adapter, query, concurrency=self._list_concurrency)

    def _wait_flow(
        self, task_id: str, timeout: float | None, poll_interval: float | None
    ) -> Flow[Task]:
        from ._flows.wait import wait_for_task_flow

        return wait_for_task_flow(
            self._adapter,
            check_id(task_id),
            timeout=check_wait_timeout(timeout),
            schedule=self._schedule(poll_interval),
            now=self.clock.now,
        )

    def _wait_many_flow(
        self, task_ids: Iterable[str], timeout: float | None, poll_interval: float | None
    ) -> Flow[None]:
        from ._flows.wait import wait_for_tasks_flow

        return wait_for_tasks_flow(
            self._adapter,
            check_ids(task_ids),
            timeout=check_wait_timeout(timeout),
            schedule=self._schedule(poll_interval),
            now=self.clock.now,
        )

    def _download_flow(
        self,
        task_or_id: Task | str,
        path: str | os.PathLike[str],
        overwrite: bool,
        on_progress: object,
    ) -> Flow[Path]:
        from ._flows.download import download_flow
        from ._models import Task

        if not isinstance(task_or_id, Task):
            task_or_id = check_id(task_or_id)
        target = check_path(path)
        check_callback("on_progress", on_progress)
        return download_flow(
            self._exchange,
            task_or_id,
            target,
            overwrite=bool(overwrite),
            progress=on_progress is not None,
        )


def default_poll_schedule(adapter: Adapter) -> PollSchedule:
    """The poll schedule of a client given no ``poll_schedule``.

    Growing intervals, unless the vendor's statuses change only every so often
    (``facts.min_poll_interval``: AiToEarn's 30 s): then that period, fixed. A caller's
    ``poll_interval`` or ``poll_schedule`` is used as given.
    """
    every = adapter.facts.min_poll_interval
    if every > 0:
        return PollSchedule(initial=every, factor=1.0, maximum=every, jitter=0.0)
    return PollSchedule()


def _budget(per_second: object, rate_limit: object, clock: Clock) -> RateLimit | None:
    """The client's request budget: a shared one, one of its own, or none.

    A budget of its own reads the client's clock, so that a test's fake clock paces it too.
    """
    if rate_limit is not None:
        if per_second is not None:
            raise ConfigurationError(
                "give max_requests_per_second or rate_limit, not both",
                hint="a shared RateLimit already says how many requests per second",
            )
        if not isinstance(rate_limit, RateLimit):
            raise ConfigurationError(
                f"rate_limit must be a vtasks.RateLimit, not {type(rate_limit).__name__}"
            )
        return rate_limit
    if per_second is None:
        return None
    now = getattr(clock, "now", None)  # a clock without one: RateLimit says so
    return RateLimit(check_per_second("max_requests_per_second", per_second), clock=now)  # type: ignore[arg-type]


def exchange_limit(timeout: httpx.Timeout) -> float | None:
    """The longest one attempt may take in all: the largest part of its timeout (``None``: none)."""
    parts = [
        v for v in (timeout.connect, timeout.read, timeout.write, timeout.pool) if v is not None
    ]
    return max(parts) if parts else None


def _check_httpx_accepts(base_url: str) -> None:
    """Refuse a base URL httpx would refuse at the first request (an IDNA-invalid host: ``☃.com``)."""
    import httpx

    try:
        httpx.URL(base_url + "/")
    except (httpx.InvalidURL, ValueError) as exc:
        raise ConfigurationError(
            f"base_url is not a URL httpx accepts ({exc}): {base_url!r}"
        ) from exc


def _has_timeouts(http: httpx.Client | httpx.AsyncClient) -> bool:
    timeout = http.timeout
    return any(v is not None for v in (timeout.connect, timeout.read, timeout.write, timeout.pool))


_SSL_CONTEXT: ssl.SSLContext | None = None
_SSL_LOCK = threading.Lock()


def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every HTTP client vtasks creates.

    Building one (loading the CA bundle) takes tens of milliseconds, which httpx would otherwise
    spend on every ``Client`` / ``AsyncClient``; a context is safe to share between threads.
    """
    global _SSL_CONTEXT  # noqa: PLW0603  (built once, lock-protected)
    with _SSL_LOCK:
        if _SSL_CONTEXT is None:
            import httpx

            _SSL_CONTEXT = httpx.create_ssl_context()
        return _SSL_CONTEXT
