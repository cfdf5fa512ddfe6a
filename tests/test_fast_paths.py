"""The parsers' fast paths (``type(x) is str`` first) give exactly what the careful paths give.

The reference functions below are the careful versions as they were before the fast paths, kept
here so that any JSON value, however odd, is checked against them.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from vtasks._providers._base import as_float, as_int, as_text
from vtasks._time import _from_seconds, _number, from_unix_seconds


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


def reference_from_unix_seconds(value: object) -> object:
    number = _number(value)
    return None if number is None else _from_seconds(number)


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
