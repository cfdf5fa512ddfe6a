"""The exchange's query encoding is ``urlencode``'s, byte for byte (it only skips its checks)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks._flows.exchange import encode_query


@given(st.lists(st.tuples(st.text(), st.text()), max_size=5))
def test_encode_query_is_urlencode(params: list[tuple[str, str]]) -> None:
    assert encode_query(tuple(params)) == urlencode(tuple(params))


def test_encode_query_examples() -> None:
    assert encode_query((("id", "veo3.1-fast:17605-eu"),)) == "id=veo3.1-fast%3A17605-eu"
    assert (
        encode_query((("a b", "x&y=z"), ("ids", "1"), ("ids", "2"))) == "a+b=x%26y%3Dz&ids=1&ids=2"
    )


def test_encode_query_refuses_what_urlencode_refuses() -> None:
    for encode in (encode_query, urlencode):
        with pytest.raises(UnicodeEncodeError):
            encode((("k", "\udc80"),))
