"""A listing's read-ahead window, seen from the server: pages in flight at once, for both clients.

The window is as many pages as their answers fit in 5 MiB, at most ``max_concurrency`` (32 when
not given); a batch (``get_tasks``) stays within ``max_concurrency`` (8 when not given). A raw
server on 127.0.0.1 counts the requests it holds at once.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hostile import Conn, RawRequest, head, hostile_server

import vtasks

KEY = "sk-window-test-key"


class Counter:
    """Requests the server holds at once: now, and the most seen.

    A request after the first is held until ``target`` are held together and 0.3 s more have
    gone by (or 5 s in all, when the client never gets there): so ``most`` is what the client
    sends at once at its widest, whatever the machine's speed, and one request more would show.
    """

    def __init__(self, target: int) -> None:
        self.target = target
        self.ready = threading.Condition()
        self.now = 0
        self.most = 0
        self.count = 0
        self.reached: float | None = None

    def __enter__(self) -> None:
        with self.ready:
            self.count += 1
            self.now += 1
            self.most = max(self.most, self.now)
            if self.now >= self.target and self.reached is None:
                self.reached = time.monotonic()
            if self.count == 1:
                return  # a listing's first page goes alone: it gives the total
            give_up = time.monotonic() + 5
            while time.monotonic() < give_up and not self._released():
                self.ready.wait(0.02)

    def _released(self) -> bool:
        return self.reached is not None and time.monotonic() >= self.reached + 0.3

    def __exit__(self, *exc: object) -> None:
        with self.ready:
            self.now -= 1


def ark_pages(counter: Counter, total: int, size: int, pad: int = 0) -> Any:
    """A script answering Ark list pages of ``size`` of ``total`` tasks, each ``pad`` bytes more."""

    def script(request: RawRequest, conn: Conn) -> bool:
        with counter:
            query = parse_qs(urlsplit(request.target).query)
            number = int(query["page_num"][0])
            start = (number - 1) * size
            items = [
                {"id": f"cgt-{i}", "status": "running", "model": "m", "prompt": "x" * pad}
                for i in range(start, min(start + size, total))
            ]
            body = json.dumps({"total": total, "items": items}).encode()
        conn.send(head(200, {"Content-Length": str(len(body))}) + body)
        return True

    return script


def listed(mode: str, url: str, **options: Any) -> list[str]:
    """Every id a listing of page size 10 hands out, by a ``mode`` client."""
    if mode == "sync":
        with vtasks.Client("ark", api_key=KEY, base_url=url, **options) as client:
            return [t.id for t in client.list_tasks(page_size=10)]

    async def run() -> list[str]:
        async with vtasks.AsyncClient("ark", api_key=KEY, base_url=url, **options) as client:
            return [t.id async for t in client.list_tasks(page_size=10)]

    return asyncio.run(run())


MODES = ["sync", "async"]


@pytest.mark.parametrize("mode", MODES)
def test_the_window_goes_32_pages_wide_by_default(mode: str) -> None:
    counter = Counter(32)
    with hostile_server(ark_pages(counter, total=400, size=10)) as server:
        ids = listed(mode, server.url)
    assert ids == [f"cgt-{i}" for i in range(400)]
    assert len(server.requests) == 40
    assert counter.most == 32


@pytest.mark.parametrize("mode", MODES)
def test_the_window_stays_within_max_concurrency(mode: str) -> None:
    counter = Counter(5)
    with hostile_server(ark_pages(counter, total=200, size=10)) as server:
        ids = listed(mode, server.url, max_concurrency=5)
    assert ids == [f"cgt-{i}" for i in range(200)]
    assert counter.most == 5


@pytest.mark.parametrize("mode", MODES)
def test_the_window_holds_as_many_pages_as_fit_in_its_bytes(mode: str) -> None:
    """Pages of about 1.1 MiB: four fit in the 5 MiB budget, however wide the window may go."""
    counter = Counter(4)
    with hostile_server(ark_pages(counter, total=120, size=10, pad=115_000)) as server:
        ids = listed(mode, server.url)
    assert ids == [f"cgt-{i}" for i in range(120)]
    assert counter.most == 4


def veo_not_found(counter: Counter) -> Any:
    """A script holding every request (see :class:`Counter`), then answering "no such task"."""

    def script(request: RawRequest, conn: Conn) -> bool:
        with counter:
            pass
        body = b'{"code":404,"message":"task not found"}'
        conn.send(head(404, {"Content-Length": str(len(body))}) + body)
        return True

    return script


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("options", "most"), [({}, 8), ({"max_concurrency": 3}, 3)])
def test_a_batch_stays_within_max_concurrency(
    mode: str, options: dict[str, Any], most: int
) -> None:
    """The sync client's pool is as wide as a listing's window; a batch still sends 8 at once."""
    counter = Counter(most)
    ids = [f"veo-{i}" for i in range(40)]
    with hostile_server(veo_not_found(counter)) as server:
        if mode == "sync":
            with (
                vtasks.Client("veo", api_key=KEY, base_url=server.url, **options) as client,
                pytest.raises(vtasks.NotFoundError),
            ):
                client.get_tasks(ids)
        else:

            async def run() -> None:
                async with vtasks.AsyncClient(
                    "veo", api_key=KEY, base_url=server.url, **options
                ) as client:
                    await client.get_tasks(ids)

            with pytest.raises(vtasks.NotFoundError):
                asyncio.run(run())
    assert len(server.requests) == 40
    assert counter.most == most
