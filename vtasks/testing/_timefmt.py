"""Timestamp formats the vendors use, produced and parsed exactly (standard library only)."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formatdate

__all__ = ["http_date", "iso_js", "iso_go", "parse_rfc3339"]


def iso_js(ts: float) -> str:
    """Format like JavaScript's ``Date.toISOString()``: ``2026-07-02T12:00:00.000Z``."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def iso_go(ts: float) -> str:
    """Format like Go's ``time.RFC3339Nano`` in UTC: fraction trailing zeros trimmed, ``Z`` suffix."""
    dt = datetime.fromtimestamp(ts, tz=UTC)
    text = dt.strftime("%Y-%m-%dT%H:%M:%S")
    if dt.microsecond:
        text += "." + f"{dt.microsecond:06d}".rstrip("0")
    return text + "Z"


def http_date(ts: float) -> str:
    """Format as an HTTP date (IMF-fixdate), e.g. for ``Retry-After``."""
    return formatdate(ts, usegmt=True)


def parse_rfc3339(text: str) -> float:
    """Parse an RFC 3339 timestamp with an offset or ``Z`` into Unix seconds.

    Raises:
        ValueError: If ``text`` is not RFC 3339 or has no UTC offset.
    """
    dt = datetime.fromisoformat(text.strip().replace("z", "Z"))
    if dt.tzinfo is None:
        raise ValueError("RFC 3339 needs an offset or Z")
    return dt.timestamp()
