"""A request budget: at most so many API requests per second, shared by whoever holds it.

:class:`RateLimit` is a token bucket in its exact form (the "generic cell rate algorithm"): it
keeps one number, the time at which the bucket would next be full again, so a reservation is a
few arithmetic operations under a lock, and a request asked for now may be told to go later
(the caller sleeps the delay, then sends). It decides; it never sleeps itself. That is what lets
one object serve threads, ``Client`` and ``AsyncClient`` at once: the flow asks it for the
delay, and each driver sleeps its own way.

Adaptive (AIMD): a vendor's rate-limit answer halves the rate in force, at most once a second
(requests already in flight answer together) and not below a sixteenth of the configured rate;
a good answer a second or more after the last change gives back a tenth of the configured rate,
up to the configured rate (additive increase: half the rate to all of it in five good seconds).
A rate-limit answer cuts again even just after a give-back: only cuts are spaced a second apart.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from ._exceptions import ConfigurationError

__all__ = ["MAX_BURST", "MAX_PER_SECOND", "RateLimit", "check_per_second"]

#: The largest ``per_second`` accepted: beyond it a budget limits nothing a vendor would notice.
MAX_PER_SECOND = 1_000_000.0
#: The largest ``burst`` accepted.
MAX_BURST = 1_000_000
#: How much one rate-limit answer cuts the rate in force (a factor), and the floor, as a share
#: of the configured rate: four answers in a row bring it to the floor.
_CUT = 0.5
_FLOOR = 1 / 16
#: How much each good second gives back, as a share of the configured rate: from half the rate
#: to all of it in five seconds.
_STEP = 0.1
#: The shortest time between two changes of the rate, in seconds. The answers to requests sent
#: before a cut come back after it; they must not cut again for the same excess.
_WINDOW = 1.0


def check_per_second(name: str, value: object) -> float:
    """A positive, finite number of requests per second, or a :class:`ConfigurationError`."""
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not 0 < value <= MAX_PER_SECOND  # false for nan
    ):
        raise ConfigurationError(
            f"{name} must be a number of requests per second > 0 and at most"
            f" {MAX_PER_SECOND:,.0f}, not {value!r:.40}"
        )
    return float(value)


class RateLimit:
    """At most ``per_second`` API requests a second, for every client (and thread) given it.

    Give one to several clients (``Client(..., rate_limit=budget)``, sync and async alike) to
    share one vendor's limit among them; ``Client(..., max_requests_per_second=n)`` makes one
    for that client alone. Each API request (not a download of a result file) first takes a
    place in the budget and waits for its turn; a call whose deadline comes before its turn
    ends with :class:`~vtasks.APITimeoutError` at once, without taking the place.

    The rate adapts to the vendor: an HTTP 429 or a vendor's rate-limit code (MiniMax 1002,
    Vidu ``TooManyRequests``, ...) halves the rate in force (at most once a second, down to a
    sixteenth of ``per_second``), and a good answer a second or more after the last change gives
    back a tenth of ``per_second``, up to ``per_second`` again.

    Thread-safe; reservations are atomic, so the clients sharing one never exceed it together.

    Args:
        per_second: The most requests per second (a positive number; ``0.5`` is one every two
            seconds).
        burst: How many requests may go at once after a quiet spell (default 1: evenly spaced,
            ``1 / per_second`` apart). More lets short bursts through, as far as the vendor
            allows them.
        clock: Monotonic seconds (default ``time.monotonic``); a client made with
            ``max_requests_per_second`` uses its own clock's ``now``, so a test's fake clock
            paces it too.

    Raises:
        ConfigurationError: ``per_second`` is not a positive finite number (or is a bool),
            ``burst`` is not a positive int, or ``clock`` is not callable.
    """

    def __init__(
        self,
        per_second: float,
        *,
        burst: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._max = check_per_second("per_second", per_second)
        if not isinstance(burst, int) or isinstance(burst, bool) or not 1 <= burst <= MAX_BURST:
            raise ConfigurationError(
                f"burst must be a whole number of requests from 1 to {MAX_BURST:,},"
                f" not {burst!r:.40}"
            )
        if not callable(clock):
            raise ConfigurationError(f"clock must be callable, not {clock!r:.40}")
        self._burst = burst
        self._clock = clock
        self._lock = threading.Lock()
        self._rate = self._max
        # When the bucket is full again: every reservation moves it on by one interval.
        self._full_at = -math.inf
        self._cut_at = -math.inf  # the last cut
        self._changed_at = -math.inf  # the last cut or give-back

    def __repr__(self) -> str:
        return f"RateLimit(per_second={self._max:g}, burst={self._burst}, in force={self.rate:g})"

    @property
    def per_second(self) -> float:
        """The configured rate, requests per second."""
        return self._max

    @property
    def burst(self) -> int:
        """How many requests may go at once after a quiet spell."""
        return self._burst

    @property
    def rate(self) -> float:
        """The rate in force now (lower than :attr:`per_second` after rate-limit answers)."""
        with self._lock:
            return self._rate

    def reserve(self, now: float | None = None, *, within: float = math.inf) -> float | None:
        """Take the next place for one request; the seconds to wait before sending it.

        Args:
            now: The clock's time (default: read it).
            within: The longest wait the caller can afford; when its turn comes later than
                that, no place is taken and ``None`` is returned.

        Returns:
            Seconds to wait (``0.0``: send now), or ``None`` (the turn comes too late).
        """
        with self._lock:
            if now is None:
                now = self._clock()
            interval = 1.0 / self._rate
            full_at = max(self._full_at, now)
            # The bucket holds ``burst`` places: a request may go once the bucket would be full
            # again within ``burst - 1`` intervals.
            delay = max(full_at - now - (self._burst - 1) * interval, 0.0)
            if delay > within:
                return None
            self._full_at = full_at + interval
            return delay

    def on_rate_limited(self, now: float | None = None) -> None:
        """A vendor answered a request with a rate-limit refusal: halve the rate in force."""
        with self._lock:
            if now is None:
                now = self._clock()
            if now - self._cut_at < _WINDOW:
                return  # the same excess, answered for several requests in flight
            self._rate = max(self._rate * _CUT, self._max * _FLOOR)
            self._cut_at = self._changed_at = now

    def on_success(self, now: float | None = None) -> None:
        """A vendor answered a request well: give back some rate, a second after the last change."""
        if self._rate >= self._max:
            return  # the usual case, read without the lock: at worst one give-back is late
        with self._lock:
            if now is None:
                now = self._clock()
            if now - self._changed_at < _WINDOW:
                return
            self._rate = min(self._rate + self._max * _STEP, self._max)
            self._changed_at = now
