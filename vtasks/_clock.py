"""Where the clients read time and sleep: the real clock, or one a test injects."""

from __future__ import annotations

import time
from typing import Any, Protocol

__all__ = ["Clock", "SystemClock"]


class Clock(Protocol):
    """Where the clients read time and sleep; inject one so tests of waiting take no time.

    ``sleep`` may be a coroutine function for ``AsyncClient`` (a plain function works for both).
    """

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def sleep(self, seconds: float) -> Any:
        """Wait ``seconds`` (or return an awaitable that does)."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """``time.sleep(seconds)``."""
        time.sleep(seconds)
