"""The simulator's clock: manual by default, or real time scaled by a speed factor."""

from __future__ import annotations

import datetime as dt
import threading
import time

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
        self._base = _to_seconds(start) if start is not None else time.time()
        self._mono = time.monotonic()
        self._speed = float(speed)

    def now(self) -> float:
        """Return the simulated time as Unix seconds (float)."""
        speed = self._speed
        if speed == 0.0:
            return self._base
        return self._base + (time.monotonic() - self._mono) * speed

    def datetime(self) -> dt.datetime:
        """Return the simulated time as an aware UTC ``datetime``."""
        return dt.datetime.fromtimestamp(self.now(), tz=dt.UTC)

    def advance(self, seconds: float) -> None:
        """Move the simulated time forward by ``seconds`` (must be >= 0)."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._rebase()
            self._base += seconds

    def set(self, when: dt.datetime | float) -> None:
        """Jump to ``when`` (aware ``datetime`` or Unix seconds); may move backwards."""
        with self._lock:
            self._base = _to_seconds(when)
            self._mono = time.monotonic()

    @property
    def speed(self) -> float:
        """Simulated seconds per real second (``0`` means manual only)."""
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be >= 0")
        with self._lock:
            self._rebase()
            self._speed = float(value)

    def _rebase(self) -> None:
        # Fold the real time elapsed so far into the base, so speed changes do not jump.
        mono = time.monotonic()
        self._base += (mono - self._mono) * self._speed
        self._mono = mono

    def __repr__(self) -> str:
        return f"FakeClock(now={self.datetime().isoformat()}, speed={self._speed})"


def _to_seconds(value: dt.datetime | float) -> float:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (e.g. tzinfo=UTC)")
        return value.timestamp()
    return float(value)
