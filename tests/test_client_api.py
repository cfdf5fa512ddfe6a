"""The API details callers of a mature HTTP library expect, on both clients against the simulator.

``timeout`` as a number, an ``httpx.Timeout`` or ``None``; a caller's client keeping its own
timeouts; ``is_closed`` and a closed client refusing work; async callbacks; wrong argument types
as ``ConfigurationError``; the lazy operations as closable generators.
"""

from __future__ import annotations

import inspect
import math
from typing import Any

import httpx
import pytest
from harness import Api
from test_client_config import close_own, own_client

import vtasks
from vtasks import TaskStatus


def test_timeout_takes_an_httpx_timeout(api: Api) -> None:
    timeout = httpx.Timeout(5.0, connect=2.0)
    client = api.client("ark", timeout=timeout)
    assert client.raw._http.timeout == timeout
    added = api.fake.add_task("ark", status="running")
    assert client.get_task(added.id).status is TaskStatus.RUNNING


def test_a_callers_client_keeps_its_own_timeouts_unless_vtasks_is_given_one(api: Api) -> None:
    seen: list[httpx.Request] = []
    own = own_client(api, seen, timeout=7.0)
    try:
        added = api.fake.add_task("veo", status="running")
        api.client("veo", http_client=own).get_task(added.id)
        assert seen[-1].extensions["timeout"] == httpx.Timeout(7.0).as_dict()
        api.client("veo", http_client=own, timeout=3.0).get_task(added.id)
        assert seen[-1].extensions["timeout"] == httpx.Timeout(3.0).as_dict()
    finally:
        close_own(api, own)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"timeout": math.inf},
        {"timeout": math.nan},
        {"timeout": "30"},
        {"timeout": True},
        {"api_key": 123},
        {"base_url": 8080},
        {"max_concurrency": None},
        {"max_concurrency": 2.5},
        {"max_retries": "3"},
        {"retry_policy": 3},
        {"poll_schedule": "fast"},
        {"http_client": object()},
    ],
    ids=lambda kwargs: "-".join(f"{k}={type(v).__name__}" for k, v in kwargs.items()),
)
def test_a_wrong_argument_type_is_a_configuration_error(api: Api, kwargs: dict[str, Any]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        api.client("ark", **kwargs)


def test_the_wrong_kind_of_http_client_is_refused(api: Api) -> None:
    other = httpx.Client() if api.is_async else httpx.AsyncClient()
    try:
        with pytest.raises(vtasks.ConfigurationError, match="http_client must be an httpx"):
            api.client("ark", http_client=other)
    finally:
        if isinstance(other, httpx.AsyncClient):
            import asyncio

            asyncio.run(other.aclose())
        else:
            other.close()


@pytest.mark.parametrize(
    ("method", "args"),
    [
        ("get_task", (123,)),
        ("get_tasks", ("one-id",)),
        (
            "wait_for_task",
            ("x",),
        ),
    ],
)
def test_wrong_call_arguments_are_configuration_errors_before_any_request(
    api: Api, method: str, args: tuple[Any, ...]
) -> None:
    client = api.client("ark")
    kwargs: dict[str, Any] = {"poll_interval": 0} if method == "wait_for_task" else {}
    with pytest.raises(vtasks.ConfigurationError):
        getattr(client, method)(*args, **kwargs)
    with pytest.raises(vtasks.ConfigurationError):
        client.wait_for_task("x", on_poll="print")
    assert api.requests("ark") == []


def test_is_closed_and_a_closed_client_refuses_work(api: Api) -> None:
    added = api.fake.add_task("ark", status="running")
    client = api.client("ark")
    raw: Any = client.raw
    assert not raw.is_closed
    client.get_task(added.id)
    client.close()
    assert raw.is_closed
    before = len(api.requests("ark"))
    with pytest.raises(vtasks.ConfigurationError, match="closed"):
        client.get_task(added.id)
    with pytest.raises(vtasks.ConfigurationError, match="closed"):
        client.list_tasks()
    assert len(api.requests("ark")) == before


def test_the_lazy_operations_are_closable_generators(api: Api) -> None:
    api.fake.add_tasks("ark", 30)
    client = api.client("ark")
    listing: Any = client.raw.list_tasks(page_size=10)
    waiting = client.raw.wait_for_tasks(["a"])
    if api.is_async:
        assert inspect.isasyncgen(listing)
        assert inspect.isasyncgen(waiting)
        api.run(listing.aclose())
        api.run(waiting.aclose())
    else:
        assert inspect.isgenerator(listing)
        assert inspect.isgenerator(waiting)
        first: vtasks.Task = next(listing)
        assert first.provider == "ark"
        listing.close()
        waiting.close()


def test_async_callbacks_are_awaited() -> None:
    import asyncio

    from vtasks.testing import FakeProviders

    async def main(fake: FakeProviders) -> tuple[list[str], list[int]]:
        seen: list[str] = []
        progress: list[int] = []

        async def on_poll(task: vtasks.Task) -> None:
            await asyncio.sleep(0)
            seen.append(task.status.value)

        async def on_progress(received: int, total: int | None) -> None:
            await asyncio.sleep(0)
            progress.append(received)

        added = fake.add_task("ark", status="succeeded")
        async with vtasks.AsyncClient(
            "ark", api_key=fake.api_keys["ark"], base_url=fake.base_url
        ) as client:
            task = await client.wait_for_task(added.id, on_poll=on_poll, poll_interval=0.01)
            import tempfile
            from pathlib import Path

            with tempfile.TemporaryDirectory() as folder:
                await client.download(task, Path(folder) / "v.mp4", on_progress=on_progress)
        return seen, progress

    with FakeProviders() as fake:
        seen, progress = asyncio.run(main(fake))
    assert seen == ["succeeded"]
    assert progress
    assert progress == sorted(progress)
