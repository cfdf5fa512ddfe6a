"""``Client``: the synchronous driver of the shared flows (:mod:`vtasks._flows`)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import httpx

from . import _download as dl
from ._base_client import (
    DEFAULT_TIMEOUT,
    BaseClient,
    Clock,
    advance,
    check_id,
    check_ids,
    check_timeout,
    release_response,
)
from ._exceptions import DownloadError, VTasksError
from ._flows import (
    Collect,
    Emit,
    Fetch,
    Flow,
    Sleep,
    Start,
    get_task_flow,
    get_tasks_flow,
    list_flow,
    wait_for_task_flow,
    wait_for_tasks_flow,
)
from ._models import Task
from ._providers._base import Request
from ._query import make_list_query
from ._retry import PollSchedule, RetryPolicy

__all__ = ["Client"]

_T = TypeVar("_T")


class Client(BaseClient):
    """A synchronous client for one provider.

    Args:
        provider: One of :data:`vtasks.PROVIDERS`.
        api_key: The API key; default: the environment variable ``VTASKS_<PROVIDER>_API_KEY``.
        base_url: Scheme and host the vendor's paths go after; default: ``VTASKS_<PROVIDER>_BASE_URL``
            or the provider's public endpoint.
        timeout: Seconds for each HTTP request (connect, read, write, pool); ``None`` leaves the
            HTTP client's own timeouts in place.
        max_retries: Retries of a request that failed transiently (connection error, timeout,
            408/429/5xx, vendor rate-limit codes).
        http_client: Your own ``httpx.Client`` (proxies, limits, transports); it is used as is,
            with auth added per request, and is not closed by :meth:`close`.
        retry_policy: Full control of retries (overrides ``max_retries``).
        poll_schedule: The intervals of :meth:`wait_for_task` when no ``poll_interval`` is given.
        max_concurrency: Requests in flight at once when a call needs several (list windows,
            batches).
        clock: Where time is read and slept (tests inject a fake one).

    Raises:
        ConfigurationError: Unknown provider, missing API key, bad argument.
    """

    def __init__(
        self,
        provider: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        http_client: httpx.Client | None = None,
        retry_policy: RetryPolicy | None = None,
        poll_schedule: PollSchedule | None = None,
        max_concurrency: int = 8,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(
            provider,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            max_retries=max_retries,
            retry_policy=retry_policy,
            poll_schedule=poll_schedule,
            max_concurrency=max_concurrency,
            clock=clock,
        )
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(**self._http_client_options())
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()  # a Client may be shared between threads

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- public operations ------------------------------------------------------------------

    def get_task(self, task_id: str) -> Task:
        """Fetch one task.

        Raises:
            NotFoundError: The provider does not know the task.
            APIError: Any other error answer; ``APIConnectionError`` when none came.
        """
        return self._run(get_task_flow(self._adapter, check_id(task_id)))

    def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        """Fetch many tasks, in input order, batched through the vendor's id filter where it has one.

        Raises:
            NotFoundError: Some ids are unknown (``task_ids`` names them all).
        """
        ids = check_ids(task_ids)
        return self._run(get_tasks_flow(self._adapter, ids)) if ids else []

    def list_tasks(
        self,
        *,
        status: Any = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        task_ids: Iterable[str] | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> Iterator[Task]:
        """Iterate over the provider's tasks, newest first, following every page lazily.

        Filters go to the server where the vendor supports them and are applied locally in any
        case. ``status`` is one :class:`TaskStatus` (or its value) or a collection of them.

        Raises:
            UnsupportedOperation: The provider has no list endpoint (``veo``, ``minimax``).
        """
        query = make_list_query(
            self._adapter,
            status=status,
            created_after=created_after,
            created_before=created_before,
            task_ids=task_ids,
            page_size=page_size,
            limit=limit,
        )
        return self._iterate(list_flow(self._adapter, query, concurrency=self.max_concurrency))

    def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Task], None] | None = None,
    ) -> Task:
        """Poll until the task is terminal and return it.

        Args:
            task_id: The task.
            timeout: Seconds to wait in all (``None``: no limit).
            poll_interval: Seconds between polls (positive); ``None``: growing intervals (about 1 s
                to 15 s).
            on_poll: Called with every state seen (progress displays).

        Raises:
            WaitTimeout: The deadline passed; ``.task`` holds the last state seen.
        """
        flow = wait_for_task_flow(
            self._adapter,
            check_id(task_id),
            timeout=check_timeout(timeout),
            schedule=self.schedule(poll_interval),
            now=self.clock.now,
        )
        return self._run(flow, on_emit=on_poll)

    def wait_for_tasks(
        self,
        task_ids: Iterable[str],
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
    ) -> Iterator[Task]:
        """Yield each task once, as it becomes terminal, polling in batches where the vendor allows.

        Raises:
            WaitTimeout: The deadline passed before every task finished.
        """
        ids = check_ids(task_ids)
        flow = wait_for_tasks_flow(
            self._adapter,
            ids,
            timeout=check_timeout(timeout),
            schedule=self.schedule(poll_interval),
            now=self.clock.now,
        )
        return self._iterate(flow)

    def download(
        self,
        task_or_id: Task | str,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: dl.ProgressCallback | None = None,
    ) -> Path:
        """Download a task's video to ``path`` (the file to write) and return it.

        The file appears only when complete; a broken transfer leaves nothing behind (no
        temporary file either). Transient failures are retried like any request. Redirects are
        followed without the API key unless they stay on the provider's origin.

        Raises:
            DownloadExistsError: ``path`` exists and ``overwrite`` is false.
            DownloadError: The task has no video yet, the transfer broke off, or the server
                refused it (the underlying error is chained as ``__cause__``).
        """
        task = task_or_id if isinstance(task_or_id, Task) else self.get_task(task_or_id)
        request = self._download_request(task)
        target = dl.prepare_target(path, overwrite=overwrite, task=task)
        started = self.clock.now()
        attempt = 0
        while True:
            try:
                return self._download_once(
                    request,
                    target,
                    attempt,
                    overwrite=overwrite,
                    task=task,
                    on_progress=on_progress,
                )
            except DownloadError:
                raise
            except VTasksError as exc:
                error = exc
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, request)
            self.clock.sleep(
                self._download_retry(error, attempt, started, task=task, target=target)
            )
            attempt += 1

    # -- driving flows ----------------------------------------------------------------------

    def _run(self, flow: Flow[_T], on_emit: Callable[[Task], None] | None = None) -> _T:
        """Drive a flow to its result; what it emits goes to ``on_emit`` (outside the flow)."""
        value: Any = None
        started: dict[Start, list[Future[Any]]] = {}
        try:
            while True:
                step = advance(flow, value, self.provider)
                if isinstance(step, Emit):
                    value = None
                    if on_emit is not None:
                        for task in step.tasks:
                            on_emit(task)
                else:
                    value = self._perform(step, started)
        except StopIteration as stop:
            result: _T = stop.value
            return result
        finally:
            _drop(started)
            flow.close()

    def _iterate(self, flow: Flow[None]) -> Iterator[Task]:
        """Drive a flow lazily, yielding the tasks it emits."""
        value: Any = None
        started: dict[Start, list[Future[Any]]] = {}
        try:
            while True:
                step = advance(flow, value, self.provider)
                value = None
                if isinstance(step, Emit):
                    yield from step.tasks
                else:
                    value = self._perform(step, started)
        except StopIteration:
            return
        finally:
            _drop(started)
            flow.close()

    def _perform(
        self, step: Fetch | Start | Collect | Sleep, started: dict[Start, list[Future[Any]]]
    ) -> Any:
        """Carry out a step other than :class:`Emit`; return what the flow receives."""
        if isinstance(step, Fetch):
            return self._fetch(step.requests)
        if isinstance(step, Start):
            pool = self._worker_pool()
            started[step] = [pool.submit(self._send, request) for request in step.requests]
            return None
        if isinstance(step, Collect):
            return [future.result() for future in started.pop(step.started)]
        self.clock.sleep(step.seconds)
        return None

    def _worker_pool(self) -> ThreadPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_concurrency, thread_name_prefix="vtasks")
            return self._pool

    def _fetch(self, requests: tuple[Request, ...]) -> list[Any]:
        if len(requests) == 1 or self.max_concurrency == 1:
            return [self._send(request) for request in requests]
        return list(self._worker_pool().map(self._send, requests))

    def _send(self, request: Request) -> Any:
        """Send one request with retries; return its payload, or the error it ended with."""
        started = self.clock.now()
        attempt = 0
        while True:
            retry_after = None
            try:
                response = self._exchange(request, attempt)
                try:
                    retry_after = self._retry_after(response)
                    return self._decode(request, response)
                finally:
                    release_response(response)
            except VTasksError as exc:
                error = exc
            except httpx.HTTPError as exc:
                error = self._transport_error(exc, request)
            delay = self._retry_delay(error, attempt, started, retry_after)
            if delay is None:
                return error
            self.clock.sleep(delay)
            attempt += 1

    def _exchange(self, request: Request, attempt: int, *, stream: bool = False) -> httpx.Response:
        """One attempt: send ``request``, following redirects by hand; the final answer."""
        url: str = self._url(request)
        hops = 0
        while True:
            built = self._build(self._http, request, url)
            perf = time.perf_counter()
            try:
                response = self._http.send(
                    built, stream=stream, auth=self._send_auth(built.url), follow_redirects=False
                )
            except httpx.HTTPError as exc:
                self._log(request.method, built.url, type(exc).__name__, perf, attempt)
                raise
            self._log(request.method, built.url, response.status_code, perf, attempt)
            try:
                target = self._next_hop(response, hops)
            except BaseException:
                response.close()
                raise
            if target is None:
                return response
            response.close()
            url, hops = target, hops + 1

    def _download_once(
        self,
        request: Request,
        target: Path,
        attempt: int,
        *,
        overwrite: bool,
        task: Task,
        on_progress: dl.ProgressCallback | None,
    ) -> Path:
        fd, temporary = dl.open_temporary(target)
        try:
            with os.fdopen(fd, "wb") as file:
                response = self._exchange(request, attempt, stream=True)
                try:
                    if response.status_code != 200 or dl.is_error_page(response):
                        response.read()
                        raise self._download_answer_error(request, response)
                    expected = dl.expected_length(response)
                    received = 0
                    for chunk in response.iter_bytes(dl.CHUNK_SIZE):
                        file.write(chunk)
                        received += len(chunk)
                        if on_progress is not None:
                            on_progress(received, expected)
                finally:
                    response.close()
            dl.check_complete(received, expected, target=target, task=task)
            return dl.finish(temporary, target, overwrite=overwrite, task=task)
        except BaseException:
            dl.discard(temporary)
            raise


def _drop(started: dict[Start, list[Future[Any]]]) -> None:
    """Cancel the requests of pages a listing started but no longer needs (it ended early)."""
    for futures in started.values():
        for future in futures:
            future.cancel()  # one already running finishes in the background; its answer is dropped
    started.clear()
