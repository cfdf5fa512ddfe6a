"""The parsers' fast paths (``type(x) is str`` first) give exactly what the careful paths give.

The reference functions below are the careful versions as they were before the fast paths, kept
here so that any JSON value, however odd, is checked against them.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import example, given
from hypothesis import strategies as st

from vtasks._providers._base import as_float, as_int, as_text
from vtasks._time import (
    _MAX_ISO_LENGTH,
    _MAX_SECONDS,
    _isoparse_fallback,
    _number,
    from_unix_seconds,
    parse_iso8601,
    to_utc,
)


def reference_as_text(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def reference_as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(float(value))
        except (ValueError, OverflowError):
            return None
    return None


def reference_as_float(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | str):
        try:
            number = float(value)
        except (ValueError, OverflowError):
            return None
        return number if math.isfinite(number) else None
    return None


def reference_from_seconds(seconds: float) -> datetime | None:
    if seconds <= 0 or seconds > _MAX_SECONDS:
        return None
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=seconds)


def reference_from_unix_seconds(value: object) -> object:
    number = _number(value)
    return None if number is None else reference_from_seconds(number)


def reference_parse_iso8601(value: object) -> datetime | None:
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
        parsed: datetime | None = datetime.fromisoformat(text)
    except ValueError:
        parsed = _isoparse_fallback(text)
    return None if parsed is None else to_utc(parsed)


JSON_SCALARS = st.none() | st.booleans() | st.text(max_size=12) | st.floats() | st.integers()
EDGE_INTS = st.sampled_from([0, -1, 1, 2**53 + 1, 2**63, 2**1023, 2**1023 + 1, 2**1024, -(2**1024)])
VALUES = (
    JSON_SCALARS
    | EDGE_INTS
    | st.lists(st.integers(), max_size=2)
    | st.dictionaries(st.text(max_size=3), st.integers(), max_size=2)
)


def same(a: object, b: object) -> bool:
    # NaN never comes out of these (they refuse non-finite numbers), so == is enough.
    return type(a) is type(b) and a == b


@given(VALUES)
def test_as_text_as_int_as_float_match_the_careful_versions(value: object) -> None:
    assert same(as_text(value), reference_as_text(value))
    assert same(as_int(value), reference_as_int(value))
    assert same(as_float(value), reference_as_float(value))


@given(VALUES | st.integers(min_value=-(2**40), max_value=2**40))
def test_from_unix_seconds_matches_the_careful_version(value: object) -> None:
    assert from_unix_seconds(value) == reference_from_unix_seconds(value)


def same_time(a: datetime | None, b: datetime | None) -> bool:
    # The same instant is not enough: the same tzinfo object too (UTC), the same fields.
    if a is None or b is None:
        return a is b
    return a == b and a.tzinfo is b.tzinfo and a.timetuple() == b.timetuple()


@given(st.integers(min_value=-(2**40), max_value=2**40) | EDGE_INTS)
def test_from_unix_seconds_of_ints_is_exact(value: int) -> None:
    assert same_time(from_unix_seconds(value), reference_from_unix_seconds(value))


OFFSETS = st.sampled_from(["Z", "z", "+00:00", "-00:00", "+0000", "+08:00", "-05:30", "+08", ""])


@st.composite
def iso_texts(draw: st.DrawFn) -> str:
    """ISO-8601 text as vendors write it, and the variations parse_iso8601 promises to take."""
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1), max_value=datetime(9999, 12, 31)))
    text = moment.isoformat(sep=draw(st.sampled_from(["T", " ", "t"])))
    if draw(st.booleans()):  # fractions of other lengths, up to past what fits in 64 characters
        digits = draw(st.sampled_from([1, 3, 6, 7, 9, 40, 44, 45, 50]))
        text = (
            text.split(".")[0] + "." + draw(st.text("0123456789", min_size=digits, max_size=digits))
        )
    text += draw(OFFSETS)
    if draw(st.booleans()):
        text = (
            draw(st.sampled_from([" ", "\t", "\n", ""])) + text + draw(st.sampled_from([" ", ""]))
        )
    return text


@given(iso_texts())
@example("2024-06-10T06:13:20." + "0" * 44 + "Z")  # 65 characters: longer than a timestamp
@example("0001-01-01T00:00:00Z")  # the Go zero time
def test_parse_iso8601_of_iso_text_matches_the_careful_version(value: str) -> None:
    assert same_time(parse_iso8601(value), reference_parse_iso8601(value))


@given(
    st.text(max_size=70)
    | st.datetimes(timezones=st.sampled_from([None, UTC, timezone(timedelta(hours=8))]))
    | VALUES
)
def test_parse_iso8601_of_anything_matches_the_careful_version(value: object) -> None:
    assert same_time(parse_iso8601(value), reference_parse_iso8601(value))
