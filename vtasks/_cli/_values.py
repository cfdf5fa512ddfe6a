"""Parsing command-line values: points in time (``--since``) and durations (``--timeout``)."""

from __future__ import annotations

import argparse
import json
import math
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ._output import terminal_text  # standard library only: --help stays light

__all__ = [
    "MAX_DURATION",
    "parse_duration",
    "parse_extra",
    "parse_port",
    "parse_positive_int",
    "parse_rate_limit",
    "parse_speed",
    "parse_task_id",
    "parse_when",
    "quoted",
]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([smhdw]?)", re.IGNORECASE)

MAX_DURATION = 30 * 86400.0
"""The longest ``--timeout`` / ``--interval``: 30 days. No request or wait needs more (vendors
delete tasks after a day or a week), and larger values overflow the clocks they are added to."""

_MAX_ID_LENGTH = 1024  # vendors' ids are under 100 characters; httpx refuses URLs over 65,536
_SHOWN = 40  # characters of a rejected value quoted in a message


def quoted(text: str) -> str:
    """``text`` quoted for a message, shortened when long (a pasted file, 5,000 digits)."""
    if len(text) <= _SHOWN:
        return repr(text)  # repr escapes control characters
    return f"{text[:_SHOWN]!r}... ({len(text):,} characters)"


def _duration_seconds(text: str) -> float | None:
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        return None
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


def parse_duration(text: str) -> float:
    """Seconds from ``90``, ``1.5``, ``30s``, ``10m``, ``2h`` (an ``argparse`` type).

    Raises:
        argparse.ArgumentTypeError: Not a positive duration.
    """
    seconds = _duration_seconds(text)
    if seconds is None or seconds <= 0:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not a positive duration (e.g. 90, 1.5, 30s, 10m, 2h)"
        )
    # A long enough run of digits is float infinity; the cap catches that too.
    if not seconds <= MAX_DURATION:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is more than 30 days (30d)")
    return seconds


def parse_when(text: str, *, now: datetime | None = None) -> datetime:
    """An aware UTC time from ISO-8601 or a relative age (an ``argparse`` type).

    Accepted: ``2025-01-31``, ``2025-01-31T08:00``, ``2025-01-31T08:00:00+08:00``, ``...Z``
    (a time without offset is UTC), ``now``, and ages such as ``90m``, ``24h``, ``7d``, ``2w``
    (optionally followed by ``ago``), meaning that long before now.

    Raises:
        argparse.ArgumentTypeError: Neither form.
    """
    now = now or datetime.now(UTC)
    cleaned = text.strip()
    if cleaned.lower() == "now":
        return now
    age = cleaned[:-3].strip() if cleaned.lower().endswith("ago") else cleaned
    match = _DURATION.fullmatch(age)
    if match is not None and match.group(2):
        seconds = _duration_seconds(age)
        assert seconds is not None
        try:
            # OverflowError: beyond timedelta's range, infinite, or before the year 1.
            return now - timedelta(seconds=seconds)
        except OverflowError:
            raise argparse.ArgumentTypeError(
                f"{quoted(text)} is too long ago (times go back to the year 1)"
            ) from None
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is neither an ISO-8601 time (2025-01-31, 2025-01-31T08:00:00Z) "
            "nor an age (30m, 24h, 7d)"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+05:00 is in the year 0 in UTC
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is outside the years 1 to 9999 in UTC"
        ) from None


def parse_positive_int(text: str) -> int:
    """A whole number >= 1 (an ``argparse`` type).

    Raises:
        argparse.ArgumentTypeError: Anything else.
    """
    try:
        value = int(text)
    except ValueError:  # not a number, or more than 4,300 digits
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a whole number >= 1")
    return value


def parse_port(text: str) -> int:
    """A TCP port, 0 to 65535; 0 means any free one (an ``argparse`` type).

    Raises:
        argparse.ArgumentTypeError: Anything else.
    """
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a port (0 to 65535)")
    return value


_MAX_SPEED = 1e6  # simulated seconds per real second: beyond this the clock soon leaves datetime


def parse_speed(text: str) -> float:
    """The simulator's clock speed: a finite number from 0 (frozen) to 1,000,000.

    Raises:
        argparse.ArgumentTypeError: Anything else (``nan``, ``inf``, a negative speed).
    """
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0 <= value <= _MAX_SPEED:  # False for nan too
        raise argparse.ArgumentTypeError(f"{quoted(text)} is not a speed from 0 to 1000000")
    return value


_MAX_RATE = 1_000_000.0  # requests per second: past it a limit limits nothing


def parse_rate_limit(text: str) -> str:
    """``PROVIDER=N``: a rate the simulator enforces, N requests per second (a positive number).

    Returned as given (stripped), for ``python -m vtasks.testing``, which reads it again.

    Raises:
        argparse.ArgumentTypeError: No ``=``, an unknown provider, or N not a positive finite
            number up to 1,000,000.
    """
    from vtasks._config import PROVIDERS

    provider, sep, number = text.strip().partition("=")
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not sep or provider not in PROVIDERS or not 0 < value <= _MAX_RATE:  # nan: False
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is not PROVIDER=N (a provider and requests per second > 0)"
        )
    return f"{provider}={number}"


def parse_task_id(text: str) -> str:
    """A task id as given, refused when it cannot be one (an ``argparse`` type).

    Empty or blank ids, ids with control or invisible characters (a pasted line break, an
    escape sequence) and ids over 1,024 characters are refused here, as usage errors, rather
    than sent to the vendor or quoted back raw in its error message.

    Raises:
        argparse.ArgumentTypeError: Not a possible task id.
    """
    if not text.strip():
        raise argparse.ArgumentTypeError(f"{quoted(text)} is empty; give the task's id")
    if len(text) > _MAX_ID_LENGTH:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} is too long for a task id (at most {_MAX_ID_LENGTH:,} characters)"
        )
    if terminal_text(text) != text:
        raise argparse.ArgumentTypeError(
            f"{quoted(text)} contains a control or invisible character; check the id"
        )
    return text


def parse_extra(text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` of ``--extra``: VALUE is JSON when it parses as JSON, else the text."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:
        return key.strip(), json.loads(value)
    except ValueError:
        return key.strip(), value
