"""One test body, both clients: a facade that makes ``Client`` and ``AsyncClient`` look alike.

The ``api`` fixture (see ``conftest.py``) is parametrized over ``"sync"`` and ``"async"``.
``api.client(provider, **kwargs)`` returns a :class:`Facade` with plain synchronous methods:

- for ``Client`` they call straight through;
- for ``AsyncClient`` they run the coroutine on one :class:`asyncio.Runner` per test (so the
  client's connection pool stays on one event loop) and collect async iterators into lists.

``iter_tasks`` / ``iter_wait_for_tasks`` return *lazy* iterators (for laziness tests): for the async
client each ``next()`` runs one ``__anext__`` on the runner.

Every client gets a :class:`BridgeClock` unless the test passes ``clock=``: ``now()`` reads the
simulator's clock and ``sleep(s)`` advances it, so task lifecycles move while the client "sleeps" and
waiting tests take milliseconds. ``api.clock.sleeps`` records every sleep (Retry-After, polling).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import vtasks
from vtasks import Task
from vtasks.testing import FakeProviders, RequestRecord

_T = TypeVar("_T")

#: Retries that cost nothing: tests count attempts, not seconds.
FAST_RETRIES = vtasks.RetryPolicy(
    max_retries=2, backoff_initial=0.001, backoff_max=0.002, retry_after_max=0.01
)

MODES = ("sync", "async")

#: How each provider sends its key, as the simulator records it (credential redacted).
AUTH_HEADERS = {
    "ark": ("authorization", "Bearer <redacted>"),
    "volc": ("authorization", "Bearer <redacted>"),
    "veo": ("authorization", "Bearer <redacted>"),
    "minimax": ("authorization", "Bearer <redacted>"),
    "vidu": ("authorization", "Token <redacted>"),
    "aitoearn": ("x-api-key", "<redacted>"),
}

LISTING = ("ark", "volc", "vidu", "aitoearn")
NOT_LISTING = ("veo", "minimax")
BATCHING = ("ark", "volc", "vidu")
#: Ids per id-filtered list request: as many as the vendor's largest page.
BATCH_LIMIT = {"ark": 500, "volc": 500, "vidu": 100}


class BridgeClock:
    """The client's clock, tied to the simulator's: sleeping moves the simulated time on."""

    def __init__(self, fake: FakeProviders) -> None:
        self.fake = fake
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.fake.clock.now()

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.fake.clock.advance(seconds)


class AsyncBridgeClock(BridgeClock):
    """The same, with a coroutine ``sleep`` (``AsyncClient`` awaits it)."""

    async def sleep(self, seconds: float) -> None:  # type: ignore[override]
        BridgeClock.sleep(self, seconds)
        await asyncio.sleep(0)


class _LazyIterator(Iterator[Task]):
    """A synchronous view of an async iterator: one ``__anext__`` per ``next()``."""

    def __init__(self, source: AsyncIterator[Task], run: Callable[[Awaitable[Any]], Any]) -> None:
        self._source = source
        self._run = run

    def __next__(self) -> Task:
        async def step() -> Task:
            return await self._source.__anext__()

        try:
            return self._run(step())  # type: ignore[no-any-return]
        except StopAsyncIteration:
            raise StopIteration from None

    def close(self) -> None:
        aclose = getattr(self._source, "aclose", None)
        if aclose is not None:
            self._run(aclose())


class Facade:
    """The same synchronous surface over either client (``raw`` is the client itself)."""

    def __init__(self, raw: Any, run: Callable[[Awaitable[Any]], Any] | None) -> None:
        self.raw = raw
        self._run = run

    @property
    def is_async(self) -> bool:
        return self._run is not None

    def _call(self, value: Any) -> Any:
        return self._run(value) if self._run is not None else value

    def _collect(self, source: Any) -> list[Task]:
        if self._run is None:
            return list(source)

        async def collect() -> list[Task]:
            return [task async for task in source]

        return self._run(collect())  # type: ignore[no-any-return]

    def _lazy(self, source: Any) -> Iterator[Task]:
        if self._run is None:
            return source  # type: ignore[no-any-return]
        return _LazyIterator(source, self._run)

    def get_task(self, task_id: str) -> Task:
        return self._call(self.raw.get_task(task_id))  # type: ignore[no-any-return]

    def get_tasks(self, task_ids: Iterable[str]) -> list[Task]:
        return self._call(self.raw.get_tasks(task_ids))  # type: ignore[no-any-return]

    def check_contract(self, task_ids: Iterable[str] = ()) -> Any:
        return self._call(self.raw.check_contract(task_ids))

    def list_tasks(self, **kwargs: Any) -> list[Task]:
        return self._collect(self.raw.list_tasks(**kwargs))

    def iter_tasks(self, **kwargs: Any) -> Iterator[Task]:
        return self._lazy(self.raw.list_tasks(**kwargs))

    def wait_for_task(self, task_id: str, **kwargs: Any) -> Task:
        return self._call(self.raw.wait_for_task(task_id, **kwargs))  # type: ignore[no-any-return]

    def wait_for_tasks(self, task_ids: Iterable[str], **kwargs: Any) -> list[Task]:
        return self._collect(self.raw.wait_for_tasks(task_ids, **kwargs))

    def iter_wait_for_tasks(self, task_ids: Iterable[str], **kwargs: Any) -> Iterator[Task]:
        return self._lazy(self.raw.wait_for_tasks(task_ids, **kwargs))

    def download(self, task_or_id: Task | str, path: Path | str, **kwargs: Any) -> Path:
        return self._call(self.raw.download(task_or_id, path, **kwargs))  # type: ignore[no-any-return]

    def create_task(self, **inputs: Any) -> Task:
        return self._call(self.raw.create_task(**inputs))  # type: ignore[no-any-return]

    def create_and_wait(self, **kwargs: Any) -> Task:
        return self._call(self.raw.create_and_wait(**kwargs))  # type: ignore[no-any-return]

    def cancel_task(self, task_id: str, **kwargs: Any) -> Any:
        return self._call(self.raw.cancel_task(task_id, **kwargs))

    def close(self) -> None:
        self._call(self.raw.close())


class Api:
    """Builds clients of one kind (``mode``) against one simulator."""

    def __init__(self, mode: str, fake: FakeProviders) -> None:
        self.mode = mode
        self.fake = fake
        self.clock: BridgeClock = AsyncBridgeClock(fake) if mode == "async" else BridgeClock(fake)
        self._runner = asyncio.Runner() if mode == "async" else None
        self._clients: list[Facade] = []

    @property
    def is_async(self) -> bool:
        return self.mode == "async"

    @property
    def client_class(self) -> type[Any]:
        return vtasks.AsyncClient if self.is_async else vtasks.Client

    def run(self, awaitable: Awaitable[_T]) -> _T:
        """Run a coroutine on this test's event loop (async mode only)."""
        assert self._runner is not None, "run() is for the async mode"

        async def wrapped() -> _T:
            return await awaitable

        return self._runner.run(wrapped())

    def client(self, provider: str, **kwargs: Any) -> Facade:
        """A client of this mode for ``provider`` on the simulator, with fast retries."""
        kwargs.setdefault("api_key", self.fake.api_keys[provider])
        kwargs.setdefault("base_url", self.fake.base_url)
        kwargs.setdefault("clock", self.clock)
        if "max_retries" not in kwargs:
            kwargs.setdefault("retry_policy", FAST_RETRIES)
        raw = self.client_class(provider, **kwargs)
        facade = Facade(raw, self.run if self.is_async else None)
        self._clients.append(facade)
        return facade

    def requests(
        self, provider: str | None = None, endpoint: str | None = None
    ) -> list[RequestRecord]:
        """The simulator's request records, optionally only one provider's / endpoint's."""
        return [
            r
            for r in self.fake.requests
            if (provider is None or r.provider == provider)
            and (endpoint is None or r.endpoint == endpoint)
        ]

    def close(self) -> None:
        try:
            for facade in self._clients:
                facade.close()
        finally:
            if self._runner is not None:
                self._runner.close()  # also closes async generators left unfinished
