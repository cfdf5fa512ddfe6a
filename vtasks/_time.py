"""Timestamp normalization (pure, fast, never raises).

Vendors send times as Unix seconds (Volcengine, MiniMax), Unix milliseconds (Veo
resellers, sometimes seconds), or ISO-8601 strings (Vidu, AiToEarn). Every function
here returns an aware :class:`~datetime.datetime` in UTC (``tzinfo=datetime.UTC``),
or ``None`` when the value does not hold a usable time.

Rules shared by all parsers:

- ``None``, ``""``, booleans, containers and other junk give ``None``; nothing raises.
- The epoch value ``0`` gives ``None``: vendors use ``0`` for "not set".
  Negative epoch values give ``None`` too (no task predates 1970).
- Values past the year 9999 (what :class:`~datetime.datetime` can hold) give ``None``.
- Naive ISO-8601 values (no offset) are taken as UTC.
- The Go zero time (``0001-01-01T00:00:00Z``, year 1) gives ``None``: Go back ends
  send it for "not set".
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Literal, SupportsFloat

__all__ = [
    "MILLIS_THRESHOLD",
    "from_unix_millis",
    "from_unix_seconds",
    "parse_iso8601",
    "parse_timestamp",
    "to_iso",
    "to_utc",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# 9999-12-31T23:59:59Z: the largest whole second a datetime can hold.
_MAX_SECONDS = 253_402_300_799
_MAX_MILLIS = _MAX_SECONDS * 1000 + 999
# 3000-01-01T00:00:00Z: below it every platform's gmtime converts (Windows' stops at 3000).
_FROMTIMESTAMP_LIMIT = 32_503_680_000

MILLIS_THRESHOLD = 1e11
"""Heuristic of :func:`from_unix_millis`: a value below this is taken as seconds.

``1e11`` milliseconds is 1973-03-03, and ``1e11`` seconds is the year 5138, so the
two readings cannot be confused for any task created in this century.
"""

# ISO strings longer than this are not timestamps; refusing them bounds parse cost.
_MAX_ISO_LENGTH = 64


def _number(value: object) -> int | float | None:
    """Return ``value`` as an int or a finite float, or ``None``.

    Accepts ints, floats, numeric strings (``"1718000000"``, ``" 1.5 "``) and other
    real-number types (``Decimal``, numpy scalars) via ``float()``. Booleans are not
    numbers here: ``True`` is never a timestamp.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (str, bytes)):
        text = value.strip()
        if not text or len(text) > 32:
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    if not isinstance(value, SupportsFloat):  # Decimal, numpy scalars, ... pass
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):  # e.g. Decimal("sNaN")
        return None
    return number if math.isfinite(number) else None


def _from_seconds(seconds: int | float) -> datetime | None:
    """Convert a finite number of seconds since the epoch, range-checked."""
    if seconds <= 0 or seconds > _MAX_SECONDS:
        return None
    if type(seconds) is int and seconds < _FROMTIMESTAMP_LIMIT:
        # What vendors send: a whole second this side of 3000, which datetime.fromtimestamp
        # converts exactly, in a third of the time epoch + timedelta takes.
        return datetime.fromtimestamp(seconds, UTC)
    # Epoch + timedelta for the rest: no platform time functions involved (some refuse years
    # past 3000); a float is rounded to the microsecond (half to even).
    return _EPOCH + timedelta(seconds=seconds)


def _from_millis(millis: int | float) -> datetime | None:
    """Convert a finite number of milliseconds since the epoch, range-checked."""
    if millis <= 0 or millis > _MAX_MILLIS:
        return None
    return _EPOCH + timedelta(milliseconds=millis)


def from_unix_seconds(value: object) -> datetime | None:
    """Convert Unix seconds (int, float or numeric string) to an aware UTC datetime.

    Args:
        value: Seconds since 1970-01-01T00:00:00Z; fractions are kept to the microsecond.

    Returns:
        The UTC datetime, or ``None`` for ``None``, ``0`` ("not set"), negative,
        non-finite, beyond-9999, boolean or non-numeric input.
    """
    if type(value) is int:  # what vendors send: no conversion to look for
        return _from_seconds(value)
    number = _number(value)
    if number is None:
        return None
    return _from_seconds(number)


def from_unix_millis(value: object) -> datetime | None:
    """Convert Unix milliseconds to an aware UTC datetime, tolerating seconds.

    Some resellers pass the upstream's seconds through in a field documented as
    milliseconds, so a value below :data:`MILLIS_THRESHOLD` (``1e11``) is read as
    seconds instead.

    Args:
        value: Milliseconds (or seconds, see above) since the epoch; int, float or a
            numeric string.

    Returns:
        The UTC datetime, or ``None`` under the same rules as :func:`from_unix_seconds`.
    """
    number = _number(value)
    if number is None:
        return None
    if number < MILLIS_THRESHOLD:
        return _from_seconds(number)
    return _from_millis(number)


def to_utc(value: datetime) -> datetime | None:
    """Return ``value`` as an aware UTC datetime (naive values are taken as UTC).

    Args:
        value: Any datetime.

    Returns:
        The same instant with ``tzinfo=UTC``, or ``None`` when converting would leave
        the range a datetime can hold (e.g. ``9999-12-31T23:00-05:00``) or when
        ``value`` is the Go zero time (year 1).
    """
    if value.year <= 1:
        return None
    tz = value.tzinfo
    if tz is UTC:
        return value
    if tz is None or tz.utcoffset(value) is None:
        return value.replace(tzinfo=UTC)
    try:
        return value.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def parse_iso8601(value: object) -> datetime | None:
    """Parse an ISO-8601 / RFC 3339 string to an aware UTC datetime.

    Accepts ``Z`` and numeric offsets (``+08:00``, ``+0800``, ``+08``), fractions of
    any length (kept to the microsecond), a space instead of ``T``, lower-case ``t`` /
    ``z``, ``24:00``, and date-only values (midnight UTC). Naive values are taken as
    UTC. A :class:`~datetime.datetime` is accepted too and converted to UTC.

    :meth:`datetime.fromisoformat` handles almost everything on Python 3.11+;
    ``dateutil.parser.isoparse`` is imported only for what it refuses.

    Args:
        value: The string (or bytes, or datetime) to parse.

    Returns:
        The UTC datetime, or ``None`` for ``None``, empty, unparseable, out-of-range
        or non-string input.
    """
    if type(value) is str and len(value) <= _MAX_ISO_LENGTH:
        # What vendors send: RFC 3339 in UTC ("...Z"), which fromisoformat reads as is, giving
        # the UTC singleton. Anything else (offsets, whitespace, the Go zero time, a value
        # fromisoformat refuses) takes the careful path below, which gives the same for this.
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is UTC and parsed.year > 1:
                return parsed
    if isinstance(value, datetime):
        return to_utc(value)
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or len(text) > _MAX_ISO_LENGTH:
        return None
    try:
        careful: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        careful = _isoparse_fallback(text)
    return None if careful is None else to_utc(careful)


def _isoparse_fallback(text: str) -> datetime | None:
    """Parse with dateutil's strict ISO parser; ``None`` on any failure."""
    # Imported lazily: most inputs never get here, and importing dateutil costs time.
    from dateutil.parser import isoparse

    try:
        return isoparse(text)
    except Exception:  # dateutil raises ValueError, OverflowError, IndexError, ...
        return None


def parse_timestamp(value: object, *, unit: Literal["auto", "s", "ms"] = "auto") -> datetime | None:
    """Parse a time sent as a number, a numeric string or an ISO-8601 string.

    For fields whose type a vendor does not keep stable.

    Args:
        value: The value to parse.
        unit: How to read numbers: ``"s"`` (seconds), ``"ms"`` (milliseconds), or
            ``"auto"`` (the :func:`from_unix_millis` heuristic: below ``1e11`` is
            seconds, otherwise milliseconds).

    Returns:
        The UTC datetime, or ``None`` when nothing usable is found.
    """
    if isinstance(value, datetime):
        return to_utc(value)
    number = _number(value)
    if number is not None:
        if unit == "s":
            return _from_seconds(number)
        if unit == "ms":
            return _from_millis(number)
        return from_unix_millis(number)
    return parse_iso8601(value)


def to_iso(value: datetime) -> str:
    """Format a datetime as ISO-8601 in UTC with a ``Z`` suffix.

    Microseconds are shown only when non-zero (``2024-06-10T06:13:20Z``,
    ``2024-06-10T06:13:20.250000Z``). Naive values are taken as UTC.

    Args:
        value: The datetime to format.

    Returns:
        The formatted string.
    """
    tz = value.tzinfo
    if tz is not UTC:
        if tz is None or tz.utcoffset(value) is None:
            value = value.replace(tzinfo=None)
        else:
            value = value.astimezone(UTC).replace(tzinfo=None)
    else:
        value = value.replace(tzinfo=None)
    return value.isoformat() + "Z"
