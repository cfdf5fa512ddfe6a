"""Parsing command-line values: points in time (``--since``) and durations (``--timeout``)."""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime, timedelta

__all__ = ["parse_duration", "parse_positive_int", "parse_when"]

_UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([smhdw]?)", re.IGNORECASE)


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
            f"{text!r} is not a positive duration (e.g. 90, 1.5, 30s, 10m, 2h)"
        )
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
        return now - timedelta(seconds=seconds)
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither an ISO-8601 time (2025-01-31, 2025-01-31T08:00:00Z) "
            "nor an age (30m, 24h, 7d)"
        ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_positive_int(text: str) -> int:
    """A whole number >= 1 (an ``argparse`` type).

    Raises:
        argparse.ArgumentTypeError: Anything else.
    """
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number >= 1")
    return value
