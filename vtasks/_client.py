"""``Client``: the synchronous driver of the shared flows (:mod:`vtasks._flows`).

It decides nothing: every step a flow yields is carried out here by moving bytes (send, read a
chunk, close, sleep), running sub-flows on a thread pool, or calling the caller's callbacks.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Callable, Generator, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from . import _http
from ._base_client import BaseClient
from ._driving import ClosedClient, OnPoll, OnProgress, Stepper
from ._flows import steps
from ._flows.exchange import invalid_location, late, send_flow
from ._flows.steps import Emit, Flow, Outcome, Progress
from ._models import Task
from ._providers._base import Request
from ._validate import check_callback
from ._watchdog import arm

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ._check import ContractReport
    from ._lifecycle import CancelResult

__all__ = ["Client"]

# Guards the thread pools' creation and shutdown: a Client may be shared between threads.
_POOL_LOCK = threading.Lock()

_T = TypeVar("_T")


class Client(BaseClient[httpx.Client, Generator[Task, None, None]]):
    """A synchronous client for one provider.

    Args:
        provider: One of :data:`vtasks.PROVIDERS`.
        api_key: The API key; default: the environment variable ``VTASKS_<PROVIDER>_API_KEY``.
        base_url: Scheme and host the vendor's paths go after; default: ``VTASKS_<PROVIDER>_BASE_URL``
            or the provider's public endpoint.
        timeout: Each HTTP request's timeout: seconds (connect, read, write, pool), an
            ``httpx.Timeout``, or ``None`` for none. Default: 30 s, except that your own
            ``http_client`` keeps the timeouts it has. Each attempt ends within the largest part
            as a whole (connect, headers, body, redirects), however slowly bytes arrive.
        max_retries: Retries of a request that failed transiently (connection error, timeout,
            408/429/5xx, vendor rate-limit codes).
        http_client: Your own ``httpx.Client`` (proxies, limits, transports); it is used as is,
            with auth added per request, and is not closed by :meth:`close`.
        retry_policy: Full control of retries (overrides ``max_retries``).
        poll_schedule: The intervals of :meth:`wait_for_task` when no ``poll_interval`` is given
            (default: growing from about 1 s to 15 s; for a vendor whose statuses change only every
            so often, that period: AiToEarn's 30 s).
        max_concurrency: Requests in flight at once when a call needs several: a batch (default
            8), and the pages a listing asks for ahead (default 32, and only as many as their
            answers fit in 5 MiB). Given, it caps both.
        clock: Where time is read and slept (tests inject a fake one).
        max_response_bytes: The cap on an API answer, decoded (default 64 MiB; ``None``: none);
            past it, a ``ResponseError``.
        max_requests_per_second: A request budget of this client's own: at most this many API
            requests a second (downloads of result files are not counted), spread evenly,
            slowed down by the vendor's rate-limit answers (see :class:`vtasks.RateLimit`).
        rate_limit: A :class:`vtasks.RateLimit` to share with other clients (sync or async) and
            threads; instead of ``max_requests_per_second``, not with it.

    Raises:
        ConfigurationError: Unknown provider, missing API key, bad argument.
    """

    _http_class = httpx.Client
    _owned_http_class = _http.Client
    _pool: ThreadPoolExecutor | None = None

    # -- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection pool (unless it is the caller's own ``http_client``)."""
        self._closed = True
        with _POOL_LOCK:
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
        return self._run(self._get_task_flow(task_id))

    def check_contract(self, task_ids: Iterable[str] = ()) -> ContractReport:
        """Check live answers against the curated spec (``vtasks check``; read-only).

        Asks for one list page (where the provider can list) and each task in ``task_ids`` (by
        default the newest listed one), and validates every answer in full: required fields,
        types, enum values and fields the spec does not know. Needs ``vtasks[check]``.

        Raises:
            ConfigurationError: ``jsonschema`` is missing, or there is nothing to ask (a provider
                that cannot list, and no ids).
        """
        return self._run(self._contract_flow(task_ids))

    def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        """Fetch many tasks, in input order, batched through the vendor's id filter where it has one.

        Raises:
            NotFoundError: Some ids are unknown (``task_ids`` names them all).
        """
        return self._run(self._get_tasks_flow(task_ids))

    def wait_for_task(
        self,
        task_id: str,
        *,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Task], object] | None = None,
    ) -> Task:
        """Poll until the task is terminal and return it.

        Args:
            task_id: The task.
            timeout: Seconds to wait in all (``None``: no limit).
            poll_interval: Seconds between polls (positive); ``None``: the client's
                ``poll_schedule`` (growing intervals, about 1 s to 15 s; AiToEarn: 30 s).
            on_poll: Called with every state seen (progress displays).

        Raises:
            WaitTimeout: The deadline passed; ``.task`` holds the last state seen.
        """
        flow = self._wait_flow(task_id, timeout, poll_interval)
        return self._run(flow, on_emit=check_callback("on_poll", on_poll))

    def create_task(
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
        """Create a task; it costs money, so the request is never sent twice.

        Images are URLs (``https://...``, ``data:image/...;base64,...``) or local files, sent
        as the vendor accepts them. ``extra`` carries vendor fields verbatim (they win over the
        mapped ones). docs/lifecycle.md has each vendor's mapping and what it refuses.

        Raises:
            ConfigurationError: An input vtasks or the vendor refuses, before any request.
            UnsupportedOperation: The vendor cannot create tasks, or cannot do this combination.
            TaskMayExistError: The request may have reached the vendor and its answer did not
                say what became of it (a timeout, a dropped connection, a 5xx): it was not
                re-sent; the error says what to look for.
            APIError: The vendor refused (nothing was created).
        """
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
        return self._run(self._create_flow(inputs))

    def create_and_wait(
        self,
        *,
        on_created: Callable[[Task], object] | None = None,
        timeout: float | None = 600.0,
        poll_interval: float | None = None,
        on_poll: Callable[[Task], object] | None = None,
        **inputs: Any,
    ) -> Task:
        """Create a task (see :meth:`create_task`), then wait for it (see :meth:`wait_for_task`).

        ``on_created`` gets the new task before the wait starts: store its id there, and a
        crash or a timeout while waiting never loses a paid task.
        """
        created = check_callback("on_created", on_created)
        task = self.create_task(**inputs)
        if created is not None:
            created(task)
        return self.wait_for_task(
            task.id, timeout=timeout, poll_interval=poll_interval, on_poll=on_poll
        )

    def cancel_task(self, task_id: str, *, delete: bool = False) -> CancelResult:
        """Cancel an unfinished task, and say what happened.

        It reads the task first. A finished task is left alone (``not_cancellable``) unless
        ``delete=True``, which deletes its record where the vendor can (Ark): never by accident.

        Raises:
            UnsupportedOperation: The vendor has no cancel (veo, minimax, aitoearn).
        """
        return self._run(self._cancel_flow(task_id, delete))

    def download(
        self,
        task_or_id: Task | str,
        path: str | os.PathLike[str],
        *,
        overwrite: bool = False,
        on_progress: Callable[[int, int | None], object] | None = None,
    ) -> Path:
        """Download a task's video to ``path`` (the file to write) and return it.

        The file appears only when complete; a broken transfer leaves nothing behind (no
        temporary file either). Transient failures are retried like any request. Redirects are
        followed without the API key unless they stay on the provider's origin.
        ``on_progress(received, total)`` is called as bytes arrive (``total``: ``None`` when
        unknown).

        Raises:
            DownloadExistsError: ``path`` exists and ``overwrite`` is false.
            DownloadError: The task has no video yet, the transfer broke off, or the server
                refused it (the underlying error is chained as ``__cause__``).
        """
        flow = self._download_flow(task_or_id, path, overwrite, on_progress)
        return self._run(flow, on_progress=on_progress)

    # -- driving flows ----------------------------------------------------------------------

    def _run(self, flow: Flow[_T], on_emit: OnPoll = None, on_progress: OnProgress = None) -> _T:
        """Drive a flow to its result; what it emits goes to the callbacks (outside the flow)."""
        stepper = Stepper(flow, self.provider, closed=self._closed)
        for step in self._drive(stepper):
            if isinstance(step, Emit):
                if on_emit is not None:
                    for task in step.tasks:
                        on_emit(task)
            elif on_progress is not None:
                on_progress(step.received, step.total)
        return stepper.result

    def _iterate(self, flow: Flow[None]) -> Generator[Task, None, None]:
        """Drive a flow lazily, yielding the tasks it emits."""
        drive = self._drive(Stepper(flow, self.provider, closed=self._closed))
        try:
            for step in drive:
                if isinstance(step, Emit):
                    yield from step.tasks
        finally:
            drive.close()  # at once, not when collected: pages in flight are dropped now

    def _drive(self, stepper: Stepper[Any]) -> Generator[Emit | Progress, None, None]:
        """Carry out a flow's steps; hand back those for the caller.

        An ``httpx.HTTPError`` a step ends in is thrown into the flow, which decides what it means.
        Answers the flow leaves open (it failed, or the caller stopped early) are closed here.
        """
        started: dict[steps.Start, list[Future[Outcome]]] = {}
        try:
            while (step := stepper.next()) is not None:
                try:
                    if type(step) is steps.Read:
                        stepper.value = _read(step.body)
                    elif type(step) is steps.Send:
                        stepper.value = self._send(step, stepper.opened)
                    elif type(step) is Emit or type(step) is Progress:
                        yield step
                    elif type(step) is steps.Close:
                        _close(step.body)
                    elif type(step) is steps.Fetch:
                        stepper.value = self._fetch(step.requests, step.deadline)
                    elif type(step) is steps.Start:
                        pool = self._worker_pool()
                        started[step] = [
                            pool.submit(self._outcome, r, step.deadline) for r in step.requests
                        ]
                    elif type(step) is steps.Collect:
                        stepper.value = [future.result() for future in started.pop(step.started)]
                    elif type(step) is steps.Sleep:
                        self.clock.sleep(step.seconds)
                except httpx.HTTPError as exc:
                    stepper.error = exc
        finally:
            for body in stepper.opened:
                _close(body)
                if self._closed:
                    _drop_connection(body)
            for futures in started.values():
                for future in futures:
                    future.cancel()  # one already running finishes in the background, unread
            stepper.flow.close()

    def _send(self, step: steps.Send, opened: list[steps.Body]) -> steps.Body:
        if self._closed:
            raise ClosedClient(self.provider)
        auth = httpx.USE_CLIENT_DEFAULT if step.client_auth else None
        guard = None
        if step.deadline is not None:
            # A blocking read cannot be cancelled: at the deadline its socket is shut down.
            guard = arm(step.deadline)
            guard.hook(step.request.extensions)
        try:
            response = self._http.send(step.request, stream=True, auth=auth, follow_redirects=False)
        except httpx.InvalidURL as exc:  # a redirect's Location (the request's URL was checked)
            if guard is not None:
                guard.disarm()
            raise invalid_location(exc, step.request) from exc
        except httpx.HTTPError as exc:
            if guard is not None:
                guard.disarm()
                if guard.fired or time.monotonic() >= guard.deadline:
                    raise late(step.request) from exc
            raise
        body = steps.Body(response, response.iter_raw(step.chunk_size), step.deadline, guard)
        opened.append(body)
        if guard is not None:
            guard.watch(response.extensions.get("network_stream"))
        return body

    def _outcome(self, request: Request, deadline: float | None = None) -> Outcome:
        """Send one request with retries (a thread of a :class:`Fetch` runs this)."""
        return self._run(send_flow(self._exchange, request, deadline))

    def _fetch(self, requests: tuple[Request, ...], deadline: float | None) -> list[Outcome]:
        width = self.max_concurrency
        if len(requests) == 1 or width == 1:
            return [self._outcome(request, deadline) for request in requests]
        pool = self._worker_pool()
        if len(requests) <= width:
            return list(pool.map(self._outcome, requests, [deadline] * len(requests)))
        return _bounded(pool, self._outcome, requests, deadline, width)

    def _worker_pool(self) -> ThreadPoolExecutor:
        with _POOL_LOCK:
            if self._closed:
                raise ClosedClient(self.provider)
            if self._pool is None:
                # As wide as a listing's window may go; a batch stays within max_concurrency
                # (_bounded). Threads start only as requests need them.
                workers = max(self.max_concurrency, self._list_concurrency)
                self._pool = ThreadPoolExecutor(workers, thread_name_prefix="vtasks")
            return self._pool


def _bounded(
    pool: ThreadPoolExecutor,
    outcome: Callable[[Request, float | None], Outcome],
    requests: tuple[Request, ...],
    deadline: float | None,
    width: int,
) -> list[Outcome]:
    """The outcomes of ``requests``, in order, with at most ``width`` of them running at once."""
    results: list[Any] = [None] * len(requests)
    running: dict[Future[Outcome], int] = {}
    following = 0
    try:
        while following < len(requests) or running:
            while following < len(requests) and len(running) < width:
                running[pool.submit(outcome, requests[following], deadline)] = following
                following += 1
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                results[running.pop(future)] = future.result()
    finally:
        for future in running:
            future.cancel()  # the call failed (or was interrupted): the rest are not wanted
    return results


def _read(body: steps.Body) -> bytes:
    """The next raw chunk of ``body``, or ``httpx.ReadTimeout`` once its deadline has passed."""
    guard = body.guard
    try:
        chunk: bytes = next(body.chunks, b"")
    except httpx.HTTPError as exc:
        if guard is not None and (guard.fired or time.monotonic() >= guard.deadline):
            raise late(body.response.request) from exc  # the watchdog cut it off
        raise
    if guard is not None:
        if not chunk:
            guard.disarm()
        elif time.monotonic() >= guard.deadline:
            raise late(body.response.request)
    return chunk


def _close(body: steps.Body) -> None:
    if body.guard is not None:
        body.guard.disarm()
    body.response.close()


def _drop_connection(body: steps.Body) -> None:
    """Close the socket of a request that was still running when its client was closed.

    ``close()`` does not wait for requests in flight (Ctrl-C must not hang on them), and the
    closed pool forgets a connection that was still connecting: handed back, it would stay open
    until the garbage collector found it (a ResourceWarning). So the request closes it itself.
    """
    stream = body.response.extensions.get("network_stream")
    if stream is not None:
        with contextlib.suppress(Exception):
            stream.close()
