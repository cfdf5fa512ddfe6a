"""Retry, back-off and polling decisions (pure: no sleeping, no I/O, no clock reads).

The sync and async clients share these: each driver measures time and sleeps in its
own way, and asks this module *whether* and *how long*.

Terminology: ``attempt`` counts the retries already made, so ``0`` is "the first
request failed, may we retry?". With ``max_retries=3`` a request is sent at most
four times.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from datetime import UTC, datetime

import attrs

from vtasks._exceptions import ConfigurationError
from vtasks._validate import MAX_RETRIES, check_count, check_duration

__all__ = [
    "RETRYABLE_STATUSES",
    "PollSchedule",
    "RetryPolicy",
    "is_retryable_status",
    "parse_retry_after",
]

RETRYABLE_STATUSES: frozenset[int] = frozenset(
    {408, 425, 429, 499, 500, 502, 503, 504, *range(520, 600)}
)
"""HTTP statuses worth retrying: timeouts, rate limits, transient server failures.

408 Request Timeout, 425 Too Early, 429 Too Many Requests, 499 (closed by the server
side, e.g. Vidu ``Canceled``), 500, 502, 503, 504, and 520-599 (Cloudflare-style
origin errors). Not 501 Not Implemented or 505 and friends: those do not heal.
"""

# 2 ** attempt overflows a float past ~1023; the back-off cap is reached long before.
_MAX_EXPONENT = 64


def is_retryable_status(code: int) -> bool:
    """Return whether a response with this HTTP status is worth retrying.

    Args:
        code: The HTTP status.

    Returns:
        ``True`` for the statuses in :data:`RETRYABLE_STATUSES`.
    """
    return code in RETRYABLE_STATUSES


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Parse a ``Retry-After`` header into seconds to wait.

    Accepts delta-seconds (``"120"``, and fractional ``"1.5"``, which some servers
    send) and HTTP dates (``"Wed, 21 Oct 2015 07:28:00 GMT"``). A negative delay or a
    date in the past gives ``0.0``.

    Args:
        value: The header value, or ``None`` when the header is absent.
        now: The current time for HTTP dates (default: the system clock); a naive
            value is taken as UTC.

    Returns:
        Seconds to wait (``>= 0``), or ``None`` when absent or unparseable.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        # float() also accepts "nan" and "inf": not delays.
        return max(seconds, 0.0) if math.isfinite(seconds) else None
    # Imported here: HTTP dates are rare, and email.utils pulls in socket & co.
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if now is None:
        now = datetime.now(UTC)
    elif now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    return max((when - now).total_seconds(), 0.0)


def _check_optional_duration(name: str, value: object) -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is ``None`` or seconds in ``[0, a week]``."""
    if value is not None:
        check_duration(name, value, zero=True)


def _check_number(name: str, value: object) -> float:
    """A finite number (never a bool or a string), as a float."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigurationError(f"{name} must be a finite number, not {value!r}")
    return float(value)


@attrs.frozen(kw_only=True)
class RetryPolicy:
    """When to retry a failed request, and how long to wait first.

    Back-off is "full jitter" exponential: the n-th retry waits a uniformly random
    time in ``[0, min(backoff_max, backoff_initial * 2**n)]``, which spreads out
    clients that failed together. A ``Retry-After`` from the server replaces the
    random delay, capped at ``retry_after_max``.

    Attributes:
        max_retries: Retries after the first attempt (``0`` disables retrying).
        backoff_initial: The back-off cap of the first retry, in seconds.
        backoff_max: The largest back-off cap, in seconds.
        retry_after_max: The longest ``Retry-After`` honoured, in seconds; longer
            requests are shortened to this.
        total_timeout: An overall bound in seconds on the time spent on one call,
            retries and waits included (``None``: no bound beyond ``max_retries``).

    Raises:
        ConfigurationError: On a setting that is not a number, negative, ``nan``, ``inf`` or
            longer than a week (``max_retries``: not an int from 0 to 100).
    """

    max_retries: int = 3
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_max: float = 60.0
    total_timeout: float | None = None

    def __attrs_post_init__(self) -> None:
        # Built once per client, so checking here costs nothing on the hot path.
        check_count("max_retries", self.max_retries, minimum=0, maximum=MAX_RETRIES)
        check_duration("backoff_initial", self.backoff_initial, zero=True)
        check_duration("backoff_max", self.backoff_max, zero=True)
        check_duration("retry_after_max", self.retry_after_max, zero=True)
        _check_optional_duration("total_timeout", self.total_timeout)

    def delay(
        self,
        attempt: int,
        *,
        retry_after: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Return how long to wait before retry number ``attempt + 1``.

        Args:
            attempt: Retries already made (``0`` before the first retry).
            retry_after: Seconds the server asked to wait (see
                :func:`parse_retry_after`), or ``None``.
            rng: The random source for jitter (inject a seeded one for
                reproducible tests); default: the ``random`` module.

        Returns:
            Seconds to wait: ``retry_after`` clamped to ``[0, retry_after_max]`` when
            given, otherwise a random value in ``[0, cap]`` with
            ``cap = min(backoff_max, backoff_initial * 2**attempt)``.
        """
        if retry_after is not None and not math.isnan(retry_after):
            return min(max(retry_after, 0.0), self.retry_after_max)
        cap = self.backoff_cap(attempt)
        value = (rng or random).uniform(0.0, cap)
        # uniform() may round to just past its bound; keep the documented range exact.
        return min(max(value, 0.0), cap)

    def backoff_cap(self, attempt: int) -> float:
        """Return the largest back-off delay for retry number ``attempt + 1``.

        Args:
            attempt: Retries already made.

        Returns:
            ``min(backoff_max, backoff_initial * 2**attempt)``.
        """
        exponent = min(max(attempt, 0), _MAX_EXPONENT)
        return min(self.backoff_max, self.backoff_initial * 2.0**exponent)

    def should_retry(self, attempt: int, *, elapsed: float, delay: float) -> bool:
        """Return whether to retry after ``attempt`` retries.

        Args:
            attempt: Retries already made.
            elapsed: Seconds since the call started (first request included).
            delay: The wait about to be made before retrying (from :meth:`delay`).

        Returns:
            ``True`` when retries remain and waiting ``delay`` keeps the call within
            ``total_timeout`` (when set).
        """
        if attempt >= self.max_retries:
            return False
        return self.total_timeout is None or elapsed + delay <= self.total_timeout


@attrs.frozen(kw_only=True)
class PollSchedule:
    """The intervals ``wait_for_task`` sleeps between polls.

    By default the intervals grow: about ``initial`` seconds, then times ``factor`` per
    poll up to ``maximum``, each randomized by ±``jitter`` (a fraction) so that many
    waiters do not poll in lockstep, and never above ``maximum``. With ``fixed`` set,
    every interval is exactly ``fixed`` seconds (the caller asked for a number).

    Attributes:
        initial: The first interval before jitter, in seconds.
        factor: Growth per poll.
        maximum: The largest interval, in seconds (jitter included).
        jitter: Relative randomization, e.g. ``0.2`` for ±20 %.
        fixed: A fixed interval in seconds, or ``None`` for growing intervals.
        rng: The random source for jitter (inject a seeded one for reproducible
            tests); default: the ``random`` module.

    Raises:
        ConfigurationError: On a setting that is not a number, negative, ``nan``, ``inf`` or
            longer than a week, ``factor < 1`` or ``jitter`` outside ``[0, 1)``.
    """

    initial: float = 1.0
    factor: float = 1.5
    maximum: float = 15.0
    jitter: float = 0.2
    fixed: float | None = None
    rng: random.Random | None = attrs.field(default=None, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        check_duration("initial", self.initial, zero=True)
        check_duration("maximum", self.maximum, zero=True)
        _check_optional_duration("poll_interval", self.fixed)
        if _check_number("factor", self.factor) < 1.0:
            raise ConfigurationError(f"factor must be a finite number >= 1, not {self.factor!r}")
        if not 0.0 <= _check_number("jitter", self.jitter) < 1.0:
            raise ConfigurationError(f"jitter must be in [0, 1), not {self.jitter!r}")

    def base_interval(self, poll: int) -> float:
        """Return the interval after poll number ``poll`` before jitter.

        Args:
            poll: Polls already made, minus one (``0`` after the first poll).

        Returns:
            ``min(maximum, initial * factor**poll)``, or ``fixed`` when set.
        """
        if self.fixed is not None:
            return self.fixed
        try:
            grown = self.initial * self.factor ** max(poll, 0)
        except OverflowError:
            return self.maximum
        return min(self.maximum, grown)

    def interval(self, poll: int) -> float:
        """Return how long to sleep after poll number ``poll`` (``0`` after the first).

        Args:
            poll: Polls already made, minus one.

        Returns:
            Seconds to sleep, in ``[0, maximum]`` (or exactly ``fixed``).
        """
        base = self.base_interval(poll)
        if self.fixed is not None or self.jitter == 0.0:
            return base
        spread = (self.rng or random).uniform(1.0 - self.jitter, 1.0 + self.jitter)
        return min(base * spread, self.maximum)

    def __iter__(self) -> Iterator[float]:
        """Yield the sleep intervals one poll after another, without end."""
        poll = 0
        while True:
            yield self.interval(poll)
            poll += 1
