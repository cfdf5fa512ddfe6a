"""Enforced request-rate limits: the simulator answers 429 above a provider's requests per second.

Each limited provider has a token bucket in real time (a vendor's limit is in seconds of the
world, not of the simulated clock): ``burst`` tokens at most, ``per_second`` added each second,
one taken by each API request with valid credentials. Result files (the CDN) and requests
without valid credentials (the vendor refuses them before counting) take none. A request that
finds the bucket empty is refused with the vendor's own 429 and a ``Retry-After`` of the whole
seconds until a token is back.

Written apart from the client's :class:`vtasks.RateLimit` on purpose (a continuous bucket, not
the client's reservation schedule), so that a mistake in one is not mirrored by the other.
"""

from __future__ import annotations

import math
import threading
import time

__all__ = ["ENFORCED", "RateLimits"]

#: The name an enforced refusal has in :attr:`RequestRecord.fault`.
ENFORCED = "enforced_rate_limit"


class _Bucket:
    def __init__(self, per_second: float, burst: float) -> None:
        self.per_second = per_second
        self.burst = burst
        self.tokens = burst
        self.at = time.monotonic()

    def take(self, now: float) -> float | None:
        """Take a token: ``None``, or the seconds until one is back (nothing taken)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.per_second)
        self.at = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return None
        return (1.0 - self.tokens) / self.per_second


class RateLimits:
    """The enforced limits of every provider (thread-safe)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def __bool__(self) -> bool:
        return bool(self._buckets)

    def set(self, provider: str, per_second: float | None, burst: float | None = None) -> None:
        """Limit ``provider`` to ``per_second`` (``None``: no limit), a full bucket to start.

        ``burst`` defaults to a second's worth of requests (at least one).

        Raises:
            ValueError: ``per_second`` or ``burst`` is not a positive finite number.
        """
        with self._lock:
            if per_second is None:
                self._buckets.pop(provider, None)
                return
            if not (isinstance(per_second, int | float) and 0 < per_second < math.inf):
                raise ValueError(f"per_second must be a positive number, not {per_second!r}")
            size = max(float(per_second), 1.0) if burst is None else burst
            if not (isinstance(size, int | float) and 1 <= size < math.inf):
                raise ValueError(f"burst must be a number >= 1, not {burst!r}")
            self._buckets[provider] = _Bucket(float(per_second), float(size))

    def admit(self, provider: str) -> int | None:
        """Count one request: ``None`` when within the limit, else the ``Retry-After`` seconds."""
        with self._lock:
            bucket = self._buckets.get(provider)
            if bucket is None:
                return None
            wait = bucket.take(time.monotonic())
        return None if wait is None else max(math.ceil(wait), 1)
