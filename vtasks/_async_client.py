"""``AsyncClient``: the asyncio driver of the shared flows (:mod:`vtasks._flows`).

The same flows as :class:`vtasks.Client`, so the same decisions; only the waiting differs: the
requests of one step run as concurrent tasks, bounded by ``max_concurrency``, and callbacks may
be coroutine functions.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import time
import weakref
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _http
from ._base_client import BaseClient
from ._clock import SystemClock
from ._driving import ClosedClient, OnPoll, OnProgress, Stepper
from ._exceptions import ConfigurationError
from ._flows import steps
from ._flows.exchange import invalid_location, late, send_flow
from ._flows.steps import Emit, Flow, Outcome, Progress
from ._models import Task
from ._providers._base import Request
from ._validate import check_callback

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._check import ContractReport
    from ._lifecycle import CancelResult

__all__ = ["AsyncClient"]

_T = TypeVar("_T")


class AsyncClient(BaseClient[httpx.AsyncClient, AsyncGenerator[Task, None]]):
    """An asyncio client for one provider; the same methods as :class:`vtasks.Client`, awaited.

    ``list_tasks`` and ``wait_for_tasks`` return async generators. Arguments are those of
    :class:`vtasks.Client`; ``http_client`` is an ``httpx.AsyncClient``, the clock's ``sleep``
    may be a plain function or a coroutine function, and so may ``on_poll`` and ``on_progress``.

    A client may serve one event loop after another (``asyncio.run`` called again): the HTTP
    client vtasks made is replaced in each new loop, and the old loop's connections are closed
    as that loop ends. A caller's own ``http_client`` cannot follow like this; using it in a
    second loop is a :class:`~vtasks.ConfigurationError`.
    """

    _http_class = httpx.AsyncClient
    _owned_http_class = _http.AsyncClient
    _limit: asyncio.Semaphore | None = None
    # The event loop the HTTP client's connections and the limit belong to (weak: a loop that
    # ended may go), and the async generator that closes those connections when that loop ends.
    _loop: weakref.ref[asyncio.AbstractEventLoop] | None = None
    _loop_end: AsyncGenerator[None, None] | None = None
    _moved = False
    # Pages a listing asked for ahead, still running: closing the client cancels them, so that
    # none goes on to connect and send after aclose() (weak: a finished one may go).
    _ahead: weakref.WeakSet[asyncio.Future[list[Outcome]]] | None = None

    # -- lifecycle --------------------------------------------------------------------------

    async def aclose(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        self._closed = True
        for future in list(self._ahead or ()):
            if not future.done() and not future.get_loop().is_closed():
                future.cancel()
        if self._owns_http and (self._loop is None or self._loop() is asyncio.get_running_loop()):
            # In another loop than the one it last served, vtasks' HTTP client was closed as
            # that loop ended (see _follow_the_loop); closing it here would touch a dead loop.
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
        return await self._run(self._get_task_flow(task_id))

    async def check_contract(self, task_ids: Iterable[str] = ()) -> ContractReport:
        """Check live answers against the curated spec (see :meth:`vtasks.Client.check_contract`)."""
        return await self._run(self._contract_flow(task_ids))

    async def create_task(
        self,
        *,
        model: str,
        prompt: str | None = None,
        first_frame: str | os.PathLike[str] | None = None,
        last_frame: str | os.PathLike[str] | None = None,
        reference_images: Iterable[str | os.PathLike[str]] | None = None,
        duration: float | None = None,
        resolution: str | None = None,
        aspect_ratio: str | None = None,
        seed: int | None = None,
        callback_url: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> Task:
        """Create a task, never sending the request twice (see :meth:`vtasks.Client.create_task`)."""
        inputs = {
            "model": model,
            "prompt": prompt,
            "first_frame": first_frame,
            "last_frame": last_frame,
            "reference_images": reference_images,
            "duration": duration,
            "resolution": resolution,
            "aspect_ratio": aspect_ratio,
            "seed": seed,
            "callback_url": callback_url,
            "extra": extra,
        }
        return await self._run(self._create_flow(inputs))

    async def create_and_wait(
        self,
        *,
        on_created: Callable[[Task], Awaitable[object] | object] | None = None,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Task], Awaitable[object] | object] | None = None,
        **inputs: Any,
    ) -> Task:
        """Create a task, hand it to ``on_created``, then wait (see :meth:`vtasks.Client.create_and_wait`)."""
        created = check_callback("on_created", on_created)
        task = await self.create_task(**inputs)
        if created is not None:
            result = created(task)
            if inspect.isawaitable(result):
                await result
        return await self.wait_for_task(
            task.id, timeout=timeout, poll_interval=poll_interval, on_poll=on_poll
        )

    async def cancel_task(self, task_id: str, *, delete: bool = False) -> CancelResult:
        """Cancel an unfinished task, and say what happened (see :meth:`vtasks.Client.cancel_task`)."""
        return await self._run(self._cancel_flow(task_id, delete))

    async def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        """Fetch many tasks, batched by id filter or concurrently (see :meth:`vtasks.Client.get_tasks`)."""
        return await self._run(self._get_tasks_flow(task_ids))

    async def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Task], Awaitable[object] | object] | None = None,
    ) -> Task:
        """Poll until the task is terminal (see :meth:`vtasks.Client.wait_for_task`).

        ``on_poll`` may be a coroutine function; it is awaited.
        """
        flow = self._wait_flow(task_id, timeout, poll_interval)
        return await self._run(flow, on_emit=check_callback("on_poll", on_poll))

    async def download(
        self,
        task_or_id: Task | str,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: Callable[[int, int | None], Awaitable[object] | object] | None = None,
    ) -> Path:
        """Download a task's video to ``path`` (see :meth:`vtasks.Client.download`).

        ``on_progress`` may be a coroutine function; it is awaited.
        """
        flow = self._download_flow(task_or_id, path, overwrite, on_progress)
        return await self._run(flow, on_progress=on_progress)

    # -- driving flows ----------------------------------------------------------------------

    async def _run(
        self, flow: Flow[_T], on_emit: OnPoll = None, on_progress: OnProgress = None
    ) -> _T:
        """Drive a flow to its result; what it emits goes to the callbacks (outside the flow)."""
        stepper = Stepper(flow, self.provider, closed=self._closed)
        drive = self._drive(stepper)
        try:
            async for step in drive:
                if isinstance(step, Emit):
                    if on_emit is not None:
                        for task in step.tasks:
                            await _call(on_emit, task)
                elif on_progress is not None:
                    await _call(on_progress, step.received, step.total)
        finally:
            await drive.aclose()
        return stepper.result

    async def _iterate(self, flow: Flow[None]) -> AsyncGenerator[Task, None]:
        """Drive a flow lazily, yielding the tasks it emits."""
        drive = self._drive(Stepper(flow, self.provider, closed=self._closed))
        try:
            async for step in drive:
                if isinstance(step, Emit):
                    for task in step.tasks:
                        yield task
        finally:
            await drive.aclose()  # at once: pages in flight are dropped now

    async def _drive(self, stepper: Stepper[Any]) -> AsyncGenerator[Emit | Progress, None]:
        """Carry out a flow's steps; hand back those for the caller.

        An ``httpx.HTTPError`` a step ends in is thrown into the flow, which decides what it means.
        Answers the flow leaves open (it failed, or the caller stopped early) are closed here.
        """
        started: dict[steps.Start, asyncio.Future[list[Outcome]]] = {}
        try:
            while (step := stepper.next()) is not None:
                try:
                    if type(step) is steps.Read:
                        stepper.value = await _read(step.body)
                    elif type(step) is steps.Send:
                        stepper.value = await self._send(step, stepper.opened)
                    elif type(step) is Emit or type(step) is Progress:
                        yield step
                    elif type(step) is steps.Close:
                        await step.body.response.aclose()
                    elif type(step) is steps.Fetch:
                        stepper.value = await self._fetch(step.requests, step.deadline)
                    elif type(step) is steps.Start:
                        ahead = asyncio.ensure_future(self._fetch(step.requests, step.deadline))
                        started[step] = ahead
                        if self._ahead is None:
                            self._ahead = weakref.WeakSet()
                        self._ahead.add(ahead)
                    elif type(step) is steps.Collect:
                        stepper.value = await self._collect(started.pop(step.started))
                    elif type(step) is steps.Sleep:
                        await self._sleep(step.seconds)
                except httpx.HTTPError as exc:
                    stepper.error = exc
        finally:
            for body in stepper.opened:
                await body.response.aclose()
            for future in started.values():
                if not future.done():
                    future.cancel()
                elif not future.cancelled():
                    future.exception()  # marks a failure as seen: nobody wants that page any more
            stepper.flow.close()

    async def _collect(self, future: asyncio.Future[list[Outcome]]) -> list[Outcome]:
        """The outcomes of pages asked for ahead; a :class:`ClosedClient` if closing cancelled them."""
        try:
            return await future
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if self._closed and future.cancelled() and not (task and task.cancelling()):
                raise ClosedClient(self.provider) from None
            raise

    async def _send(self, step: steps.Send, opened: list[steps.Body]) -> steps.Body:
        if self._closed:
            raise ClosedClient(self.provider)
        await self._follow_the_loop()
        auth = httpx.USE_CLIENT_DEFAULT if step.client_auth else None
        send = self._http.send(step.request, stream=True, auth=auth, follow_redirects=False)
        try:
            if step.deadline is None:
                response = await send
            else:
                try:
                    async with asyncio.timeout(step.deadline - time.monotonic()):
                        response = await send
                except TimeoutError as exc:
                    raise late(step.request) from exc
        except httpx.InvalidURL as exc:  # a redirect's Location (the request's URL was checked)
            raise invalid_location(exc, step.request) from exc
        except RuntimeError as exc:
            if self._owns_http or not self._moved:
                raise
            raise _OtherLoop() from exc
        body = steps.Body(response, response.aiter_raw(step.chunk_size), step.deadline)
        opened.append(body)
        return body

    async def _outcome(self, request: Request, deadline: float | None = None) -> Outcome:
        """Send one request with retries (each request of a :class:`Fetch` runs this)."""
        return await self._run(send_flow(self._exchange, request, deadline))

    async def _fetch(self, requests: tuple[Request, ...], deadline: float | None) -> list[Outcome]:
        if len(requests) == 1:
            return [await self._outcome(requests[0], deadline)]
        await self._follow_the_loop()
        if self._limit is None:
            self._limit = asyncio.Semaphore(self.max_concurrency)
        limit = self._limit

        async def bounded(request: Request) -> Outcome:
            async with limit:
                return await self._outcome(request, deadline)

        return list(await asyncio.gather(*(bounded(r) for r in requests)))

    async def _sleep(self, seconds: float) -> None:
        if isinstance(self.clock, SystemClock):
            # The default clock's time.sleep would block the event loop: sleep the asyncio way.
            await asyncio.sleep(seconds)
            return
        result = self.clock.sleep(seconds)
        if inspect.isawaitable(result):
            await result

    async def _follow_the_loop(self) -> None:
        """Make the HTTP client and the concurrency limit the running event loop's own.

        httpx's connection pool and an ``asyncio.Semaphore`` belong to the loop they were first
        used in; in another one they fail with a bare ``RuntimeError`` ("Event loop is closed",
        "bound to a different event loop"). So in a new loop the limit is made again, and so is
        the HTTP client, when vtasks made it. The old client's connections were closed by then:
        an async generator started in each loop closes them when ``asyncio.run`` (or a
        ``Runner``) shuts that loop's async generators down, while the loop still runs.
        """
        loop = asyncio.get_running_loop()
        if self._loop is not None and self._loop() is loop:
            return  # the common case: nothing to do
        first = self._loop is None
        # Set before the first await, so that other tasks of this loop see it done.
        self._loop = weakref.ref(loop)
        self._limit = None
        if first and not self._owns_http:
            return
        if not first:
            self._moved = True
            if not self._owns_http:
                return  # the caller's; _send turns its RuntimeError into a clear error
            self._http = self._owned_http_class(**self._http_client_options())
            self._exchange = self._exchange_for(self._http, own=True)
        self._loop_end = _close_at_loop_end(self._http)
        await anext(self._loop_end)


async def _close_at_loop_end(http: httpx.AsyncClient) -> AsyncGenerator[None, None]:
    """Suspend until the event loop shuts its async generators down, then close ``http``."""
    try:
        yield
    finally:
        await http.aclose()


def _OtherLoop() -> ConfigurationError:  # noqa: N802 - reads as the error it makes
    """The error for a caller's ``http_client`` used in a second event loop."""
    return ConfigurationError(
        "this AsyncClient's http_client was used in another event loop, and an"
        " httpx.AsyncClient cannot move between event loops",
        hint="make the httpx.AsyncClient (and the vtasks.AsyncClient) inside the loop that"
        " uses it, or let vtasks make its own HTTP client, which follows the loop",
    )


async def _read(body: steps.Body) -> bytes:
    """The next raw chunk of ``body``, or ``httpx.ReadTimeout`` once its deadline has passed."""
    if body.deadline is None:
        return await anext(body.chunks, b"")
    try:
        async with asyncio.timeout(body.deadline - time.monotonic()):
            return await anext(body.chunks, b"")
    except TimeoutError as exc:
        raise late(body.response.request) from exc


async def _call(callback: Callable[..., object], *args: Any) -> None:
    """Call a caller's callback; await it when it is a coroutine function."""
    result = callback(*args)
    if inspect.isawaitable(result):
        await result
