"""``AsyncClient``: the asyncio driver of the shared flows (:mod:`vtasks._flows`).

Identical decisions to :class:`vtasks.Client` (they live in the flows and in ``BaseClient``); only
the waiting differs: requests of one step run concurrently, bounded by ``max_concurrency``.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import AsyncIterator, Callable, Iterable
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
    SystemClock,
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

__all__ = ["AsyncClient"]

_T = TypeVar("_T")


class AsyncClient(BaseClient):
    """An asyncio client for one provider; the same methods as :class:`vtasks.Client`, awaited.

    ``list_tasks`` and ``wait_for_tasks`` return async iterators. Arguments are those of
    :class:`vtasks.Client`; ``http_client`` is an ``httpx.AsyncClient``, and the clock's ``sleep``
    may be a plain function or a coroutine function.
    """

    def __init__(
        self,
        provider: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        http_client: httpx.AsyncClient | None = None,
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
        self._http = http_client or httpx.AsyncClient(**self._http_client_options())
        self._limit: asyncio.Semaphore | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def close(self) -> None:
        """Alias of :meth:`aclose`, matching ``Client.close``."""
        await self.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # -- public operations ------------------------------------------------------------------

    async def get_task(self, task_id: str) -> Task:
        """Fetch one task (see :meth:`vtasks.Client.get_task`)."""
        return await self._run(get_task_flow(self._adapter, check_id(task_id)))

    async def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        """Fetch many tasks, batched by id filter or concurrently (see :meth:`vtasks.Client.get_tasks`)."""
        ids = check_ids(task_ids)
        return await self._run(get_tasks_flow(self._adapter, ids)) if ids else []

    def list_tasks(
        self,
        *,
        status: Any = None,
        created_after: datetime | None = None,
        created_before: datetime | None = None,
        task_ids: Iterable[str] | None = None,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> AsyncIterator[Task]:
        """Iterate over the provider's tasks; later pages are fetched concurrently once known.

        See :meth:`vtasks.Client.list_tasks`.
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

    async def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Task], None] | None = None,
    ) -> Task:
        """Poll until the task is terminal (see :meth:`vtasks.Client.wait_for_task`)."""
        flow = wait_for_task_flow(
            self._adapter,
            check_id(task_id),
            timeout=check_timeout(timeout),
            schedule=self.schedule(poll_interval),
            now=self.clock.now,
        )
        return await self._run(flow, on_emit=on_poll)

    def wait_for_tasks(
        self,
        task_ids: Iterable[str],
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
    ) -> AsyncIterator[Task]:
        """Yield each task as it finishes (see :meth:`vtasks.Client.wait_for_tasks`)."""
        ids = check_ids(task_ids)
        flow = wait_for_tasks_flow(
            self._adapter,
            ids,
            timeout=check_timeout(timeout),
            schedule=self.schedule(poll_interval),
            now=self.clock.now,
        )
        return self._iterate(flow)

    async def download(
        self,
        task_or_id: Task | str,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: dl.ProgressCallback | None = None,
    ) -> Path:
        """Download a task's video to ``path`` (see :meth:`vtasks.Client.download`)."""
        task = task_or_id if isinstance(task_or_id, Task) else await self.get_task(task_or_id)
        request = self._download_request(task)
        target = dl.prepare_target(path, overwrite=overwrite, task=task)
        started = self.clock.now()
        attempt = 0
        while True:
            try:
                return await self._download_once(
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
            await self._sleep(
                self._download_retry(error, attempt, started, task=task, target=target)
            )
            attempt += 1

    # -- driving flows ----------------------------------------------------------------------

    async def _sleep(self, seconds: float) -> None:
        if isinstance(self.clock, SystemClock):
            # The default clock's time.sleep would block the event loop: sleep the asyncio way.
            await asyncio.sleep(seconds)
            return
        result = self.clock.sleep(seconds)
        if inspect.isawaitable(result):
            await result

    async def _run(self, flow: Flow[_T], on_emit: Callable[[Task], None] | None = None) -> _T:
        """Drive a flow to its result; what it emits goes to ``on_emit`` (outside the flow)."""
        value: Any = None
        started: dict[Start, asyncio.Future[list[Any]]] = {}
        try:
            while True:
                step = advance(flow, value, self.provider)
                if isinstance(step, Emit):
                    value = None
                    if on_emit is not None:
                        for task in step.tasks:
                            on_emit(task)
                else:
                    value = await self._perform(step, started)
        except StopIteration as stop:
            result: _T = stop.value
            return result
        finally:
            _drop(started)
            flow.close()

    async def _iterate(self, flow: Flow[None]) -> AsyncIterator[Task]:
        """Drive a flow lazily, yielding the tasks it emits."""
        value: Any = None
        started: dict[Start, asyncio.Future[list[Any]]] = {}
        try:
            while True:
                step = advance(flow, value, self.provider)
                value = None
                if isinstance(step, Emit):
                    for task in step.tasks:
                        yield task
                else:
                    value = await self._perform(step, started)
        except StopIteration:
            return
        finally:
            _drop(started)
            flow.close()

    async def _perform(
        self,
        step: Fetch | Start | Collect | Sleep,
        started: dict[Start, asyncio.Future[list[Any]]],
    ) -> Any:
        """Carry out a step other than :class:`Emit`; return what the flow receives."""
        if isinstance(step, Fetch):
            return await self._fetch(step.requests)
        if isinstance(step, Start):
            started[step] = asyncio.ensure_future(self._fetch(step.requests))
            return None
        if isinstance(step, Collect):
            return await started.pop(step.started)
        await self._sleep(step.seconds)
        return None

    async def _fetch(self, requests: tuple[Request, ...]) -> list[Any]:
        if len(requests) == 1:
            return [await self._send(requests[0])]
        if self._limit is None:
            self._limit = asyncio.Semaphore(self.max_concurrency)
        limit = self._limit

        async def bounded(request: Request) -> Any:
            async with limit:
                return await self._send(request)

        return list(await asyncio.gather(*(bounded(r) for r in requests)))

    async def _send(self, request: Request) -> Any:
        """Send one request with retries; return its payload, or the error it ended with."""
        started = self.clock.now()
        attempt = 0
        while True:
            retry_after = None
            try:
                response = await self._exchange(request, attempt)
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
            await self._sleep(delay)
            attempt += 1

    async def _exchange(
        self, request: Request, attempt: int, *, stream: bool = False
    ) -> httpx.Response:
        """One attempt: send ``request``, following redirects by hand; the final answer."""
        url: str = self._url(request)
        hops = 0
        while True:
            built = self._build(self._http, request, url)
            perf = time.perf_counter()
            try:
                response = await self._http.send(
                    built, stream=stream, auth=self._send_auth(built.url), follow_redirects=False
                )
            except httpx.HTTPError as exc:
                self._log(request.method, built.url, type(exc).__name__, perf, attempt)
                raise
            self._log(request.method, built.url, response.status_code, perf, attempt)
            try:
                target = self._next_hop(response, hops)
            except BaseException:
                await response.aclose()
                raise
            if target is None:
                return response
            await response.aclose()
            url, hops = target, hops + 1

    async def _download_once(
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
                response = await self._exchange(request, attempt, stream=True)
                try:
                    if response.status_code != 200 or dl.is_error_page(response):
                        await response.aread()
                        raise self._download_answer_error(request, response)
                    expected = dl.expected_length(response)
                    received = 0
                    async for chunk in response.aiter_bytes(dl.CHUNK_SIZE):
                        file.write(chunk)
                        received += len(chunk)
                        if on_progress is not None:
                            on_progress(received, expected)
                finally:
                    await response.aclose()
            dl.check_complete(received, expected, target=target, task=task)
            return dl.finish(temporary, target, overwrite=overwrite, task=task)
        except BaseException:
            dl.discard(temporary)
            raise


def _drop(started: dict[Start, asyncio.Future[list[Any]]]) -> None:
    """Cancel the requests of pages a listing started but no longer needs (it ended early)."""
    for future in started.values():
        if not future.done():
            future.cancel()
        elif not future.cancelled():
            future.exception()  # marks a failure as seen: nobody wants that page any more
    started.clear()
