"""The simulator in a separate process, driven over a pipe.

Client CPU time must be measured without the server's CPU mixed in: the benchmark process runs only
clients, while this child process runs ``FakeProviders``. The parent calls simulator methods by name.
"""

from __future__ import annotations

import multiprocessing as mp
from multiprocessing.connection import Connection
from typing import Any


def _serve(conn: Connection, kwargs: dict[str, Any]) -> None:
    from vtasks.testing import FakeProviders

    with FakeProviders(**kwargs) as fake:
        conn.send((fake.base_url, dict(fake.api_keys)))
        while True:
            name, args, kw = conn.recv()
            if name == "stop":
                conn.send(None)
                return
            try:
                if name == "request_count":
                    result: Any = len(fake.requests)
                elif name == "refused_count":  # refused for going over an enforced rate limit
                    result = sum(1 for r in fake.requests if r.fault == "enforced_rate_limit")
                elif name == "clock_now":
                    result = fake.clock.now()
                else:
                    value = getattr(fake, name)(*args, **kw)
                    # Snapshots of tasks are plain data, but keep the pipe light: ids only.
                    result = [t.id for t in value] if name in ("add_tasks",) else None
                    if name == "add_task":
                        result = value.id
                    elif name in ("task_ids", "list_pages"):
                        result = value
                conn.send(("ok", result))
            except Exception as exc:  # sent back and raised in the parent
                conn.send(("error", repr(exc)))


class RemoteSimulator:
    """A ``FakeProviders`` in a child process; methods are called by name."""

    def __init__(self, **kwargs: Any) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve, args=(child, kwargs), daemon=True)
        self._process.start()
        self.base_url, self.api_keys = self._conn.recv()

    def call(self, name: str, *args: Any, **kwargs: Any) -> Any:
        self._conn.send((name, args, kwargs))
        status, result = self._conn.recv()
        if status == "error":
            raise RuntimeError(f"simulator {name} failed: {result}")
        return result

    def stop(self) -> None:
        self._conn.send(("stop", (), {}))
        self._conn.recv()
        self._process.join(timeout=10)

    def __enter__(self) -> RemoteSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
