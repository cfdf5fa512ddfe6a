"""An in-memory replay check for Vidu's nonces, for a receiver that runs as one process.

A nonce must be remembered for as long as a request carrying it could still pass the ``Date``
check: a ``Date`` is accepted while ``now`` is within ``max_age`` of it either way, a span of
``2 * max_age``, so that is how long each nonce is kept. Several processes (workers, replicas)
need a shared store instead (e.g. Redis ``SET nonce 1 NX EX <2 * max_age>``).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from .._exceptions import ConfigurationError
from .._validate import check_count, check_duration
from .verify import DEFAULT_MAX_AGE

__all__ = ["NonceCache"]


class NonceCache:
    """A thread-safe, expiring, bounded set of nonces; pass it as ``seen_nonce``.

    ``cache(nonce)`` is a check-and-set: ``True`` if the nonce was seen within ``2 * max_age``
    seconds (a replay), else it is remembered and ``False`` is returned.

    Args:
        max_age: The ``max_age`` given to :func:`vtasks.callbacks.parse`.
        max_size: The most nonces kept; past it the oldest are forgotten first.
        clock: Seconds on a monotonic scale (tests inject their own).
    """

    def __init__(
        self,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        max_size: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._keep = 2 * check_duration("max_age", max_age)
        self._max_size = check_count("max_size", max_size, minimum=1, maximum=10**9)
        if not callable(clock):
            raise ConfigurationError(f"clock must be callable, not {clock!r}")
        self._clock = clock
        self._seen: OrderedDict[str, float] = (
            OrderedDict()
        )  # nonce -> when first seen, oldest first
        self._lock = threading.Lock()

    def __call__(self, nonce: str) -> bool:
        """Whether ``nonce`` was seen before; remember it if not."""
        with self._lock:
            now = self._clock()
            seen = self._seen
            while seen:
                oldest, at = next(iter(seen.items()))
                if now - at <= self._keep:
                    break
                del seen[oldest]
            if nonce in seen:
                return True
            if len(seen) >= self._max_size:
                seen.popitem(last=False)
            seen[nonce] = now
            return False

    def __len__(self) -> int:
        """How many nonces are remembered (expired ones go at the next check)."""
        with self._lock:
            return len(self._seen)
