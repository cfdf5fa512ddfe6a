"""The ``speed`` extra changes speed, never meaning: hostile bodies read the same with orjson and json.

Each body is served over a real loopback socket (tests/hostile.py) to a real client, once with
each decoder (:func:`vtasks._json.use`), and must end the same way: the same payload, or the
same kind of error. Bodies orjson refuses (NaN, huge numbers, deep nesting, UTF-16, lone
surrogates) are exactly the ones its fallback to :mod:`json` exists for.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

import pytest
from hostile import answer, hostile_server

import vtasks
from vtasks import _json

KEY = "sk-json-backends-1234"
HEAD = b'{"id": "cgt-1", "model": "seedance", "status": "succeeded", "created_at": 1700000000, '
# Past orjson's 1,024 levels and the interpreter's recursion limit: both refuse. Between json's
# limit (about 900 levels, stack-dependent) and 1,024, orjson reads what json refuses (vtasks._json).
DEEP = 3000

BODIES: dict[str, bytes] = {
    "plain": HEAD + b'"x": 1}',
    "nan": HEAD + b'"x": NaN, "y": Infinity, "z": -Infinity}',
    "huge float": HEAD + b'"x": 1e400, "y": -1e400}',
    "integer past 64 bits": HEAD + b'"x": 123456789012345678901234567890}',
    "integer just past 64 bits": HEAD + b'"x": 18446744073709551616}',
    "integer just below -2**63": HEAD + b'"x": -9223372036854775809}',
    "64-bit integers": HEAD + b'"x": 18446744073709551615, "y": -9223372036854775808}',
    "long digit run in a string": HEAD + b'"x": "123456789012345678901234567890"}',
    "nested 500 levels": HEAD + b'"x": ' + b"[" * 500 + b"]" * 500 + b"}",
    "nested too deep": HEAD + b'"x": ' + b"[" * DEEP + b"]" * DEEP + b"}",
    "utf-8 BOM": b"\xef\xbb\xbf" + HEAD + b'"x": "\xc3\xa9"}',
    "utf-16-le": (HEAD.decode() + '"x": "\u00e9"}').encode("utf-16-le"),
    "utf-16 with BOM": (HEAD.decode() + '"x": "\u00e9"}').encode("utf-16"),
    "lone surrogate": HEAD + b'"x": "\\ud800", "y": "\\udfff tail"}',
    "duplicate keys": HEAD + b'"x": 1, "x": 2, "status": "failed"}',
    "invalid utf-8": HEAD + b'"x": "\xff\xfe\xc3"}',
    "trailing garbage": HEAD + b'"x": 1} trailing',
    "empty object keys": HEAD + b'"": {"": []}}',
    # Larger bodies are scanned 64 KiB at a time: a long integer across two slices is still found.
    # (30 digits, 15 on each side of the boundary: neither slice alone holds a run of 20).
    "integer past 64 bits across a slice": HEAD
    + b'"pad": "'
    + b"x" * (65536 - 15 - len(HEAD) - len(b'"pad": "') - len(b'", "x": '))
    + b'", "x": 123456789012345678901234567890}',
    "integer past 64 bits late in a large body": HEAD
    + b'"pad": "'
    + b"x" * 300_000
    + b'", "x": -123456789012345678901234567890}',
}


@pytest.fixture(params=["json", "orjson"])
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Each decoder in turn, switched back to the process default afterwards."""
    before = _json.backend()
    _json.use(request.param)
    try:
        yield request.param
    finally:
        _json.use(before)


def outcome(body: bytes) -> tuple[str, Any]:
    """What ``get_task`` ends with for ``body``: the raw payload, or the error's class."""
    with (
        hostile_server(answer(200, body, {"Content-Type": "application/json"})) as server,
        vtasks.Client("ark", api_key=KEY, base_url=server.url, max_retries=0) as client,
    ):
        try:
            return "task", client.get_task("cgt-1").raw
        except vtasks.VTasksError as exc:
            return "error", type(exc).__name__


def same(a: Any, b: Any) -> bool:
    """Equality that holds for NaN too (NaN != NaN) and keeps types apart (1 vs 1.0).

    Iterative: a deeply nested payload must not hit the recursion limit in the comparison.
    """
    pending = [(a, b)]
    while pending:
        x, y = pending.pop()
        if type(x) is not type(y):
            return False
        if isinstance(x, dict):
            if x.keys() != y.keys():
                return False
            pending.extend((x[k], y[k]) for k in x)
        elif isinstance(x, list):
            if len(x) != len(y):
                return False
            pending.extend(zip(x, y, strict=True))
        elif isinstance(x, float) and math.isnan(x):
            if not math.isnan(y):
                return False
        elif x != y:
            return False
    return True


def test_use_switches_and_refuses_unknown_names() -> None:
    before = _json.backend()
    try:
        _json.use("json")
        assert _json.backend() == "json"
        _json.use("orjson")
        assert _json.backend() == "orjson"
        with pytest.raises(ValueError, match="unknown JSON decoder"):
            _json.use("simplejson")
    finally:
        _json.use(before)


@pytest.mark.parametrize("name", list(BODIES))
def test_hostile_body_reads_as_the_standard_library_reads_it(backend: str, name: str) -> None:
    body = BODIES[name]
    try:
        expected: tuple[str, Any] = ("task", json.loads(body))
    except (ValueError, RecursionError):
        expected = ("error", "ResponseError")
    got = outcome(body)
    assert got[0] == expected[0], (backend, got)
    assert same(got[1], expected[1]), (backend, got)


@pytest.mark.parametrize(
    ("body", "long"),
    [
        (b'{"x": 123456789012345678901}', True),
        (b'{"x":123456789012345678901}', True),
        (b'{"x":\n\t123456789012345678901}', True),
        (b'{"x": [1, 123456789012345678901]}', True),
        (b'{"x": [123456789012345678901]}', True),
        (b'{"x": -9223372036854775809}', True),
        (b"[-9223372036854775809]", True),
        (b"123456789012345678901", True),  # a bare number: nothing before it
        (b'{"x": 18446744073709551615}', True),  # 20 digits: read by json too (the same int)
        (b'{"x": 1844674407370955161}', False),  # 19 digits: within 64 bits
        (b'{"x": -922337203685477580}', False),
        # Digit runs inside strings: an AiToEarn id (24 hex digits), a URL, a quoted number.
        (b'{"id": "6b114954195465954120351c"}', False),
        (b'{"url": "https://x/12345678901234567890123.mp4"}', False),
        (b'{"x": "12345678901234567890123"}', False),
    ],
)
def test_long_integer_literals_are_told_from_digit_runs_in_strings(body: bytes, long: bool) -> None:
    assert _json._long_integer(body) is long
    padded = body + b" " * 70_000  # the sliced path
    assert _json._long_integer(padded) is long
