"""Timestamp normalization: vtasks._time."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks._time import (
    MILLIS_THRESHOLD,
    from_unix_millis,
    from_unix_seconds,
    parse_iso8601,
    parse_timestamp,
    to_iso,
    to_utc,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MAX_SECONDS = 253_402_300_799  # 9999-12-31T23:59:59Z

# Anything a JSON payload (or a confused caller) might hand over.
junk = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text()
    | st.binary(max_size=40)
    | st.decimals(allow_nan=True),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)

# Aware datetimes in range for every parser (year 2 on: year 1 is the Go zero time).
offsets = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
aware = st.datetimes(
    min_value=datetime(1971, 1, 1), max_value=datetime(9998, 12, 31), timezones=offsets
)


def is_utc(value: datetime | None) -> bool:
    return value is not None and value.tzinfo is UTC


class TestFromUnixSeconds:
    def test_int(self) -> None:
        assert from_unix_seconds(1_718_000_000) == datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)
        assert is_utc(from_unix_seconds(1_718_000_000))

    def test_float_keeps_microseconds(self) -> None:
        assert from_unix_seconds(1.5) == EPOCH + timedelta(seconds=1.5)
        assert from_unix_seconds(1_718_000_000.25) == datetime(
            2024, 6, 10, 6, 13, 20, 250_000, tzinfo=UTC
        )

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("1718000000", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            (" 1718000000 ", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("1718000000.5", datetime(2024, 6, 10, 6, 13, 20, 500_000, tzinfo=UTC)),
            (b"1718000000", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
        ],
    )
    def test_numeric_strings(self, text: str | bytes, expected: datetime) -> None:
        assert from_unix_seconds(text) == expected

    def test_other_real_types(self) -> None:
        assert from_unix_seconds(Decimal("1718000000")) == datetime(
            2024, 6, 10, 6, 13, 20, tzinfo=UTC
        )

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            "   ",
            0,
            0.0,
            "0",
            -1,
            -1718000000,
            True,
            False,
            math.nan,
            math.inf,
            -math.inf,
            "nan",
            "inf",
            MAX_SECONDS + 1,
            10**30,
            "2024-06-10T06:13:20Z",
            "soon",
            [1718000000],
            {"s": 1},
            object(),
        ],
    )
    def test_not_a_time(self, value: object) -> None:
        assert from_unix_seconds(value) is None

    def test_upper_bound(self) -> None:
        assert from_unix_seconds(MAX_SECONDS) == datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)

    @given(st.integers(min_value=1, max_value=MAX_SECONDS))
    def test_round_trip_int(self, seconds: int) -> None:
        result = from_unix_seconds(seconds)
        assert is_utc(result)
        assert result is not None
        assert (result - EPOCH) == timedelta(seconds=seconds)
        assert from_unix_seconds(str(seconds)) == result

    @given(st.floats(min_value=1e-3, max_value=4e9))
    def test_round_trip_float(self, seconds: float) -> None:
        result = from_unix_seconds(seconds)
        assert result is not None
        # Rounded to the microsecond, plus float error at this magnitude.
        assert abs(result.timestamp() - seconds) <= 2e-6


class TestFromUnixMillis:
    def test_millis(self) -> None:
        assert from_unix_millis(1_718_000_000_123) == datetime(
            2024, 6, 10, 6, 13, 20, 123_000, tzinfo=UTC
        )
        assert from_unix_millis("1718000000123") == datetime(
            2024, 6, 10, 6, 13, 20, 123_000, tzinfo=UTC
        )

    def test_seconds_tolerated(self) -> None:
        # One reseller warns the field may carry seconds depending on the upstream.
        assert from_unix_millis(1_718_000_000) == datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)

    def test_threshold(self) -> None:
        below = from_unix_millis(MILLIS_THRESHOLD - 1)
        at = from_unix_millis(int(MILLIS_THRESHOLD))
        assert below is not None
        assert below.year > 5000  # read as seconds
        assert at == EPOCH + timedelta(milliseconds=MILLIS_THRESHOLD)  # read as millis

    @pytest.mark.parametrize(
        "value", [None, 0, -5, True, "x", math.nan, (MAX_SECONDS + 1) * 1000, 10**25]
    )
    def test_not_a_time(self, value: object) -> None:
        assert from_unix_millis(value) is None

    @given(st.integers(min_value=int(MILLIS_THRESHOLD), max_value=MAX_SECONDS * 1000))
    def test_round_trip(self, millis: int) -> None:
        result = from_unix_millis(millis)
        assert is_utc(result)
        assert result == EPOCH + timedelta(milliseconds=millis)
        assert from_unix_millis(str(millis)) == result

    @given(aware)
    def test_round_trip_datetime(self, value: datetime) -> None:
        utc = value.astimezone(UTC).replace(microsecond=value.microsecond // 1000 * 1000)
        millis = (utc - EPOCH) // timedelta(milliseconds=1)
        if millis >= MILLIS_THRESHOLD:
            assert from_unix_millis(millis) == utc


class TestParseIso8601:
    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-06-10T06:13:20Z", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10T06:13:20z", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10t06:13:20Z", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10T14:13:20+08:00", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10T14:13:20+0800", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10T14:13:20+08", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10T01:13:20-05:00", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            ("2024-06-10 06:13:20", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),  # naive
            ("2024-06-10T06:13:20.1Z", datetime(2024, 6, 10, 6, 13, 20, 100_000, tzinfo=UTC)),
            ("2024-06-10T06:13:20.123Z", datetime(2024, 6, 10, 6, 13, 20, 123_000, tzinfo=UTC)),
            (
                "2024-06-10T06:13:20.123456789Z",  # Go RFC3339Nano: nine digits
                datetime(2024, 6, 10, 6, 13, 20, 123_456, tzinfo=UTC),
            ),
            ("2024-06-10", datetime(2024, 6, 10, tzinfo=UTC)),
            ("2024-06-10T24:00:00Z", datetime(2024, 6, 11, tzinfo=UTC)),  # dateutil fallback
            ("  2024-06-10T06:13:20Z\n", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
            (b"2024-06-10T06:13:20Z", datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)),
        ],
    )
    def test_formats(self, text: str, expected: datetime) -> None:
        result = parse_iso8601(text)
        assert result == expected
        assert is_utc(result)

    @pytest.mark.parametrize(
        "value",
        [
            None,
            "",
            " ",
            "yesterday",
            "2024-13-01",
            "2024-06-10T25:00:00Z",
            "1718000000",
            "0001-01-01T00:00:00Z",  # Go zero time: "not set"
            "9999-12-31T23:00:00-05:00",  # beyond 9999 once in UTC
            "2024-06-10T06:13:20Z" + "0" * 100,  # absurdly long
            1718000000,
            date(2024, 6, 10),
            ["2024-06-10"],
        ],
    )
    def test_not_a_time(self, value: object) -> None:
        assert parse_iso8601(value) is None

    def test_datetime_input(self) -> None:
        naive = datetime(2024, 6, 10, 6, 13, 20)  # naive on purpose
        assert parse_iso8601(naive) == naive.replace(tzinfo=UTC)
        shifted = datetime(2024, 6, 10, 14, 13, 20, tzinfo=timezone(timedelta(hours=8)))
        assert is_utc(parse_iso8601(shifted))

    @given(aware)
    def test_round_trip_isoformat(self, value: datetime) -> None:
        result = parse_iso8601(value.isoformat())
        assert result == value
        assert is_utc(result)

    @given(aware, st.sampled_from(["T", " "]))
    def test_round_trip_zulu(self, value: datetime, sep: str) -> None:
        utc = value.astimezone(UTC)
        text = utc.replace(tzinfo=None).isoformat(sep=sep) + "Z"
        assert parse_iso8601(text) == utc

    @given(st.datetimes(min_value=datetime(2, 1, 2), max_value=datetime(9999, 12, 30)))
    def test_naive_is_utc(self, value: datetime) -> None:
        assert parse_iso8601(value.isoformat()) == value.replace(tzinfo=UTC)


class TestToIso:
    def test_z_suffix(self) -> None:
        assert to_iso(datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)) == "2024-06-10T06:13:20Z"
        assert (
            to_iso(datetime(2024, 6, 10, 6, 13, 20, 250_000, tzinfo=UTC))
            == "2024-06-10T06:13:20.250000Z"
        )

    def test_converts_offsets_and_naive(self) -> None:
        shifted = datetime(2024, 6, 10, 14, 13, 20, tzinfo=timezone(timedelta(hours=8)))
        assert to_iso(shifted) == "2024-06-10T06:13:20Z"
        assert to_iso(datetime(2024, 6, 10, 6, 13, 20)) == "2024-06-10T06:13:20Z"

    @given(aware)
    def test_round_trip(self, value: datetime) -> None:
        text = to_iso(value)
        assert text.endswith("Z")
        assert parse_iso8601(text) == value


class TestParseTimestamp:
    def test_dispatch(self) -> None:
        expected = datetime(2024, 6, 10, 6, 13, 20, tzinfo=UTC)
        assert parse_timestamp(1_718_000_000) == expected
        assert parse_timestamp(1_718_000_000_000) == expected
        assert parse_timestamp("1718000000") == expected
        assert parse_timestamp("2024-06-10T06:13:20Z") == expected
        assert parse_timestamp(expected) == expected
        assert parse_timestamp(1_718_000_000, unit="s") == expected
        assert parse_timestamp(1_718_000_000_000, unit="ms") == expected
        assert parse_timestamp(1_718_000_000, unit="ms") == EPOCH + timedelta(
            milliseconds=1_718_000_000
        )
        assert parse_timestamp(None) is None
        assert parse_timestamp(0, unit="ms") is None


def test_to_utc() -> None:
    assert to_utc(datetime(1, 1, 1, tzinfo=UTC)) is None
    value = datetime(2024, 1, 1, tzinfo=UTC)
    assert to_utc(value) is value


@given(junk)
def test_never_raises(value: object) -> None:
    for parse in (from_unix_seconds, from_unix_millis, parse_iso8601, parse_timestamp):
        result = parse(value)
        assert result is None or is_utc(result)


@given(st.text(max_size=40))
def test_text_never_raises(text: str) -> None:
    for parse in (from_unix_seconds, from_unix_millis, parse_iso8601, parse_timestamp):
        result = parse(text)
        assert result is None or is_utc(result)


@given(
    st.from_regex(
        r"\A\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,12})?)?)?"
        r"(Z|[+-]\d{2}(:?\d{2})?)?\Z"
    )
)
def test_iso_shaped_text_never_raises(text: str) -> None:
    result = parse_iso8601(text)
    assert result is None or is_utc(result)
