"""The synchronous client's whole-exchange deadline: a watchdog that shuts the socket down.

httpx's timeouts bound each socket operation, so a server sending a byte every half second keeps
a blocking read alive forever. ``AsyncClient`` simply cancels at the deadline; a thread blocked
in ``recv`` cannot be cancelled, but shutting its socket down wakes it at once. One daemon
thread, shared by every ``Client`` of the process, does that for each exchange whose deadline
passes.

The socket is found as early as httpcore makes it known: its trace hook names the HTTP/1.1
connection before the request is written (so trickled *headers* are cut too), and the answer
carries its ``network_stream`` afterwards. Where neither is available (another transport, an
HTTP/2 connection shared by other requests), the exchange still ends at its deadline between
reads, each read being bounded by the socket timeouts capped at the time left.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import socket
import sys
import threading
import time
from types import FrameType
from typing import Any

__all__ = ["Guard", "arm"]


class Guard:
    """One exchange's deadline; :attr:`fired` once the watchdog cut it off."""

    __slots__ = ("deadline", "extensions", "fired", "key", "stream")

    def __init__(self, deadline: float, key: int) -> None:
        self.deadline = deadline
        self.key = key
        self.stream: Any = None
        self.fired = False
        self.extensions: dict[str, Any] | None = None

    def hook(self, extensions: dict[str, Any]) -> None:
        """Put :meth:`trace` on a request's ``extensions`` (httpcore reads the same dict)."""
        self.extensions = extensions
        extensions["trace"] = self.trace

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """Httpcore's trace hook: learn the connection's stream before the request is written."""
        if event == "http11.send_request_headers.started" and self.stream is None:
            # Once the headers go out the stream is known (or never will be, from here): the
            # hook comes off, so that httpcore's other eight events per exchange cost nothing.
            if self.extensions is not None:
                self.extensions.pop("trace", None)
            # The caller of Trace.__enter__ is HTTP11Connection.handle_request (httpcore 1.x).
            frame: FrameType | None = sys._getframe(1)
            for _ in range(4):
                frame = frame.f_back if frame is not None else None
                if frame is None:
                    return
                owner = frame.f_locals.get("self")
                if type(owner).__name__ == "HTTP11Connection":
                    self.watch(getattr(owner, "_network_stream", None))
                    return

    def watch(self, stream: Any) -> None:
        """The network stream to shut down at the deadline."""
        if stream is not None and self.stream is None:
            self.stream = stream
            if self.fired or time.monotonic() >= self.deadline:
                _shut(stream)

    def disarm(self) -> None:
        """The exchange is over: forget it."""
        _WATCHDOG.disarm(self)


def arm(deadline: float) -> Guard:
    """A guard that will shut the exchange's socket down at ``deadline`` (``time.monotonic``)."""
    return _WATCHDOG.arm(deadline)


def _shut(stream: Any) -> None:
    sock = None
    try:
        sock = stream.get_extra_info("socket")
    except Exception:
        return
    if isinstance(sock, socket.socket):
        # The plain socket's shutdown, even for TLS: it wakes a thread blocked in SSL_read.
        with contextlib.suppress(OSError):  # already closed
            socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _Watchdog:
    def __init__(self) -> None:
        self.lock = threading.Condition(threading.Lock())
        self.live: dict[int, Guard] = {}
        self.keys = itertools.count()
        self.wake_at = float("inf")
        self.thread: threading.Thread | None = None

    def arm(self, deadline: float) -> Guard:
        guard = Guard(deadline, next(self.keys))
        with self.lock:
            self.live[guard.key] = guard
            if self.thread is None:
                self.thread = threading.Thread(
                    target=self.run, name="vtasks-deadlines", daemon=True
                )
                self.thread.start()
            if deadline < self.wake_at:
                self.lock.notify()
        return guard

    def disarm(self, guard: Guard) -> None:
        with self.lock:
            self.live.pop(guard.key, None)

    def run(self) -> None:
        with self.lock:
            while True:
                now = time.monotonic()
                due = [g for g in self.live.values() if g.deadline <= now]
                for guard in due:
                    del self.live[guard.key]
                    guard.fired = True
                    if guard.stream is not None:
                        _shut(guard.stream)
                # Waking only for the earliest live deadline: finished exchanges were removed, so
                # a steady stream of requests does not wake this thread once per request.
                self.wake_at = min((g.deadline for g in self.live.values()), default=float("inf"))
                self.lock.wait(None if self.wake_at == float("inf") else self.wake_at - now)

    def after_fork(self) -> None:
        self.__init__()  # type: ignore[misc]  # the thread did not survive the fork


_WATCHDOG = _Watchdog()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_WATCHDOG.after_fork)
