"""Checking the arguments callers pass, before any I/O: a bad one is a ``ConfigurationError``.

Each check names the argument and what it must be, and never lets a bare ``TypeError`` or
``OverflowError`` through, whatever the caller passed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeGuard

from ._exceptions import ConfigurationError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "check_callback",
    "check_count",
    "check_id",
    "check_ids",
    "check_poll_interval",
    "check_request_timeout",
    "check_size",
    "check_wait_timeout",
]


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_wait_timeout(timeout: object) -> float:
    """A wait's time limit in seconds: a number >= 0; ``None`` or ``math.inf`` for no limit."""
    if timeout is None:
        return math.inf
    if not _is_number(timeout) or math.isnan(timeout) or timeout < 0:
        raise ConfigurationError(
            f"timeout must be a number of seconds >= 0 (or None for no limit), not {timeout!r}"
        )
    return float(timeout)


def check_request_timeout(timeout: object) -> httpx.Timeout | None:
    """A request timeout: positive seconds, an ``httpx.Timeout``, or ``None`` (the HTTP client's own).

    Returns:
        The ``httpx.Timeout`` to apply, or ``None`` to leave the HTTP client's timeouts alone.
    """
    if timeout is None:
        return None
    import httpx

    if isinstance(timeout, httpx.Timeout):
        return timeout
    if not _is_number(timeout) or not 0 < timeout < math.inf:
        raise ConfigurationError(
            "timeout must be a positive number of seconds, an httpx.Timeout or None,"
            f" not {timeout!r}"
        )
    return httpx.Timeout(float(timeout))


def check_poll_interval(poll_interval: object) -> float | None:
    """A fixed poll interval (positive, finite seconds) or ``None`` for growing intervals."""
    if poll_interval is None:
        return None
    if not _is_number(poll_interval) or not 0 < poll_interval < math.inf:
        # 0 would poll the vendor in a tight loop.
        raise ConfigurationError(
            f"poll_interval must be a positive number of seconds or None, not {poll_interval!r}"
        )
    return float(poll_interval)


def check_count(name: str, value: object, *, minimum: int) -> int:
    """An ``int`` of at least ``minimum`` (``max_retries``, ``max_concurrency``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigurationError(f"{name} must be an int of at least {minimum}, not {value!r}")
    return value


def check_size(name: str, value: object) -> int | None:
    """``None`` (no cap) or a positive ``int`` of bytes (``max_response_bytes``)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{name} must be a positive int of bytes or None, not {value!r}")
    return value


def check_callback(name: str, value: object) -> Any:
    """``None`` or a callable (a callback the caller passes, such as ``on_poll``)."""
    if value is not None and not callable(value):
        raise ConfigurationError(f"{name} must be callable or None, not {value!r}")
    return value


def check_id(task_id: object) -> str:
    """A task id as given, stripped; anything else is a :class:`ConfigurationError`."""
    if not isinstance(task_id, str) or not task_id.strip():
        raise ConfigurationError(f"a task id must be a non-empty string, not {task_id!r}")
    return task_id.strip()


def check_ids(task_ids: object) -> list[str]:
    """Task ids from an iterable, each checked; a lone string is refused (not split into chars)."""
    if isinstance(task_ids, str | bytes) or not isinstance(task_ids, Iterable):
        raise ConfigurationError(
            f"task ids must be given as a list (or other iterable) of strings, not {task_ids!r}"
        )
    return [check_id(task_id) for task_id in task_ids]
