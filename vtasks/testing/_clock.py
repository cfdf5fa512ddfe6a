"""The simulator's clock: manual by default, or real time scaled by a speed factor."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

__all__ = ["FakeClock"]


class FakeClock:
    """A controllable clock that drives every simulated task's lifecycle.

    The clock starts at the real wall-clock time (or ``start``) so that tasks created "now" fall
    inside the vendors' listing windows. With ``speed=0`` (the default) it only moves when
    :meth:`advance` or :meth:`set` is called, which makes tests deterministic. With ``speed > 0`` it
    also follows real time, ``speed`` simulated seconds per real second.

    Args:
        start: The initial simulated time (aware ``datetime`` or Unix seconds); real time if ``None``.
        speed: Simulated seconds per real second; ``0`` freezes the clock between manual moves.
    """

    def __init__(self, start: dt.datetime | float | None = None, *, speed: float = 0.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._lock = threading.Lock()
        base = _to_seconds(start) if start is not None else time.time()
        # (simulated base, monotonic reading at base, speed): replaced as a whole, so readers on
        # other threads never see half an update and need no lock.
        self._state = (base, time.monotonic(), float(speed))
        # Told after every manual move or change of speed (the callback dispatcher wakes on it).
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Return the simulated time as Unix seconds (float)."""
        base, mono, speed = self._state
        if speed == 0.0:
            return base
        return base + (time.monotonic() - mono) * speed

    def datetime(self) -> dt.datetime:
        """Return the simulated time as an aware UTC ``datetime``."""
        return dt.datetime.fromtimestamp(self.now(), tz=dt.UTC)

    def advance(self, seconds: float) -> None:
        """Move the simulated time forward by ``seconds`` (must be >= 0)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            base, mono, speed = self._rebased()
            self._state = (base + seconds, mono, speed)
        self._changed()

    def set(self, when: dt.datetime | float) -> None:
        """Jump to ``when`` (aware ``datetime`` or Unix seconds); may move backwards."""
        with self._lock:
            self._state = (_to_seconds(when), time.monotonic(), self._state[2])
        self._changed()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (``0`` means manual only)."""
        return self._state[2]

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            base, mono, _ = self._rebased()
            self._state = (base, mono, float(value))
        self._changed()

    def _listen(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after each :meth:`advance`, :meth:`set` and change of :attr:`speed`."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in tuple(self._listeners):
            listener()

    def _rebased(self) -> tuple[float, float, float]:
        # Fold the real time elapsed so far into the base, so later changes do not jump.
        base, mono, speed = self._state
        now = time.monotonic()
        return base + (now - mono) * speed, now, speed

    def __repr__(self) -> str:
        return f"FakeClock(now={self.datetime().isoformat()}, speed={self.speed})"


def _to_seconds(value: dt.datetime | float) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (e.g. tzinfo=UTC)")
        return value.timestamp()
    return float(value)
