"""Checking the arguments callers pass, before any I/O: a bad one is a ``ConfigurationError``.

Each check names the argument and what it must be, and never lets a bare ``TypeError`` or
``OverflowError`` through, whatever the caller passed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypeGuard

from ._exceptions import ConfigurationError

if TYPE_CHECKING:
    import httpx

__all__ = [
    "MAX_CONCURRENCY",
    "MAX_ID_LENGTH",
    "MAX_RETRIES",
    "MAX_SECONDS",
    "check_callback",
    "check_count",
    "check_duration",
    "check_id",
    "check_ids",
    "check_path",
    "check_poll_interval",
    "check_request_timeout",
    "check_size",
    "check_wait_timeout",
]


#: The longest duration any setting may be, in seconds: a week. Longer is a mistake, not a plan:
#: ``1e10`` overflows the socket layer (``OverflowError`` at the first request), and a poll or a
#: back-off longer than a week is no schedule. A wait without a limit is ``timeout=None``.
MAX_SECONDS = 7 * 24 * 3600.0
#: The most requests in flight at once (``max_concurrency``): beyond it the vendors' rate limits,
#: not the client, decide, and each one is a thread of ``Client``'s pool.
MAX_CONCURRENCY = 1000
#: The most retries of one request (``max_retries``): with back-off capped at seconds, more is a
#: loop, not a retry.
MAX_RETRIES = 100
#: The longest task id, in characters. Vendors' ids are tens of characters; a much longer one is
#: not an id, and ~65,000 characters make a URL httpx refuses (``httpx.InvalidURL``).
MAX_ID_LENGTH = 1024


def _is_number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_duration(name: str, value: object, *, zero: bool = False) -> float:
    """Seconds: a number in ``(0, MAX_SECONDS]`` (``[0, MAX_SECONDS]`` with ``zero``).

    Never a bool, a string, ``nan`` or ``inf``; the comparisons below are false for ``nan``, and
    come before any ``float()``, which would overflow on a huge ``int``.
    """
    if not _is_number(value) or not (0 <= value <= MAX_SECONDS) or (value == 0 and not zero):
        least = ">= 0" if zero else "> 0"
        raise ConfigurationError(
            f"{name} must be a number of seconds {least} and at most {MAX_SECONDS:.0f}"
            f" (a week), not {value!r}"
        )
    return float(value)


def check_wait_timeout(timeout: object) -> float:
    """A wait's time limit in seconds: a number in ``[0, MAX_SECONDS]``; ``None`` or ``inf``: none.

    ``math.inf`` is accepted as the number that means "no limit", the same as ``None``.
    """
    if timeout is None or (_is_number(timeout) and timeout == math.inf):
        return math.inf
    if not _is_number(timeout) or not (0 <= timeout <= MAX_SECONDS):
        raise ConfigurationError(
            f"timeout must be a number of seconds >= 0 and at most {MAX_SECONDS:.0f} (a week),"
            f" or None for no limit, not {timeout!r}"
        )
    return float(timeout)


def check_request_timeout(timeout: object) -> httpx.Timeout | None:
    """A request timeout: positive seconds, an ``httpx.Timeout``, or ``None`` (the HTTP client's own).

    An ``httpx.Timeout``'s parts are checked like a number; a part that is ``None`` leaves that
    phase unbounded, as its author asked.

    Returns:
        The ``httpx.Timeout`` to apply, or ``None`` to leave the HTTP client's timeouts alone.
    """
    if timeout is None:
        return None
    import httpx

    if isinstance(timeout, httpx.Timeout):
        for part, value in timeout.as_dict().items():
            if value is not None:
                check_duration(f"timeout's {part} part", value)
        return timeout
    if not _is_number(timeout):
        raise ConfigurationError(
            "timeout must be a positive number of seconds, an httpx.Timeout or None,"
            f" not {timeout!r}"
        )
    return httpx.Timeout(check_duration("timeout", timeout))


def check_poll_interval(poll_interval: object) -> float | None:
    """A fixed poll interval (positive seconds, at most :data:`MAX_SECONDS`) or ``None``."""
    if poll_interval is None:
        return None
    # 0 would poll the vendor in a tight loop.
    return check_duration("poll_interval", poll_interval)


def check_count(name: str, value: object, *, minimum: int, maximum: int) -> int:
    """An ``int`` in ``[minimum, maximum]`` (``max_retries``, ``max_concurrency``); never a bool."""
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        raise ConfigurationError(
            f"{name} must be an int from {minimum} to {maximum}, not {value!r}"
        )
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
    """A task id as given, stripped, of at most :data:`MAX_ID_LENGTH` characters."""
    if not isinstance(task_id, str) or not task_id.strip():
        raise ConfigurationError(f"a task id must be a non-empty string, not {task_id!r}")
    task_id = task_id.strip()
    if len(task_id) > MAX_ID_LENGTH:
        raise ConfigurationError(
            f"a task id must be at most {MAX_ID_LENGTH} characters, not {len(task_id)}"
            f" ({task_id[:40]!r}...)"
        )
    return task_id


def check_ids(task_ids: object) -> list[str]:
    """Task ids from an iterable, each checked; a lone string is refused (not split into chars)."""
    if isinstance(task_ids, str | bytes) or not isinstance(task_ids, Iterable):
        raise ConfigurationError(
            f"task ids must be given as a list (or other iterable) of strings, not {task_ids!r}"
        )
    return [check_id(task_id) for task_id in task_ids]


def check_path(path: object) -> str:
    """A file path: a ``str`` or an ``os.PathLike`` of ``str``, without a NUL character.

    NUL ends a C string: no file system has it in a name, and ``os`` refuses it with a bare
    ``ValueError``; so it is a bad argument, refused before any I/O.
    """
    try:
        text = os.fspath(path)  # type: ignore[call-overload]
    except TypeError:  # not path-like, or its __fspath__ returned neither str nor bytes
        text = None
    if not isinstance(text, str):
        raise ConfigurationError(f"path must be a str or an os.PathLike of str, not {path!r}")
    if "\x00" in text:
        raise ConfigurationError(f"path must not contain a NUL character, not {text!r}")
    return text
