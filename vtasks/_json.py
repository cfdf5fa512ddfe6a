"""Decoding JSON answers: orjson when the ``speed`` extra is installed, else the standard library.

Both give the same result for every body. orjson refuses some bodies that :func:`json.loads`
reads (``NaN``, ``1e400``, nesting past 1,024 levels, UTF-16, a UTF-8 BOM, lone surrogates), so a
body orjson refuses is read again by :mod:`json`, which then decides: the extra changes speed,
never what a body means. One difference orjson does not refuse but gets wrong: an integer past
64 bits, which it reads as a float (orjson 3.13: ``123456789012345678901`` becomes
``1.2345678901234568e+20``). A body with a number literal that long (20 digits, or 19 after a
minus sign, right after ``:``, ``,``, ``[`` or whitespace, where JSON puts a value) is therefore
read by :mod:`json` alone; finding one costs a ``bytes.translate`` (a fraction of what orjson saves
on a page). A digit run inside a string is no alarm unless a separator comes right before it
(``"at 12345678901234567890"``), and a false alarm only costs orjson's speed on that body. (Digits
alone were not enough: AiToEarn's ids, 24 hex digits, hold a run of 20 decimal ones on a page in
four.)

One difference remains, by design: nesting deeper than the interpreter's recursion limit allows
:mod:`json` (about 900 levels, fewer deep in a call stack) and at most orjson's 1,024 levels is
read by orjson, where :mod:`json` would refuse it as unreadable.

Call it as ``_json.loads(...)`` (the module attribute): :func:`use` rebinds it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

__all__ = ["backend", "loads", "use"]

try:  # the ``vtasks[speed]`` extra
    import orjson as _orjson
except ImportError:  # pragma: no cover - depends on the install
    _orjson = None  # type: ignore[assignment]


def _stdlib(content: bytes) -> Any:
    return json.loads(content)


# Digits to "0", the minus sign kept, what may come before a JSON value (":", ",", "[", whitespace)
# to ":", all else to "x": a long integer literal becomes ":" and a run of "0" (an id's digits, in
# a string, follow a quote or a letter).
_SEPARATORS = frozenset(b":,[ \t\n\r")
_DIGITS = bytes(
    0x30 if 0x30 <= i <= 0x39 else 0x2D if i == 0x2D else 0x3A if i in _SEPARATORS else 0x78
    for i in range(256)
)
# Past 2**64 - 1 (20 digits) or below -2**63 (19 digits after "-"): orjson would make it a float.
_LONG, _LONG_NEGATIVE = b":" + b"0" * 20, b":-" + b"0" * 19


# Bodies are scanned a slice at a time: translating a whole large body allocates a copy past
# malloc's mmap threshold, whose fresh pages cost more than the scan (twice the time on a 400 KB
# page). Consecutive slices overlap by the longest run looked for, so no run falls between two.
_SLICE = 65536
_OVERLAP = len(_LONG)


def _long_integer(content: bytes) -> bool:
    """Whether ``content`` has a digit run orjson would read as a float (see the module doc)."""
    # A body that is a bare number has nothing before it: the first slice gets a separator.
    if len(content) <= _SLICE:  # a single task's answer: one translate, no slicing
        digits = b":" + content.translate(_DIGITS)
        return _LONG in digits or _LONG_NEGATIVE in digits
    for start in range(0, len(content), _SLICE):
        digits = content[start : start + _SLICE + _OVERLAP].translate(_DIGITS)
        if start == 0:
            digits = b":" + digits
        if _LONG in digits or _LONG_NEGATIVE in digits:
            return True
    return False


def _fast(content: bytes) -> Any:
    if _long_integer(content):
        return json.loads(content)
    try:
        return _orjson.loads(content)
    except _orjson.JSONDecodeError:
        return json.loads(content)


loads: Callable[[bytes], Any] = _stdlib if _orjson is None else _fast
"""Decode one JSON body (bytes); raises ``ValueError`` or ``RecursionError`` as :func:`json.loads`."""


def backend() -> str:
    """``"orjson"`` or ``"json"``: which decoder :func:`loads` uses."""
    return "json" if loads is _stdlib else "orjson"


def use(name: str) -> None:
    """Switch the decoder (``"orjson"``, ``"json"``): for benchmarks and tests comparing them.

    Raises:
        ImportError: ``"orjson"`` without the ``speed`` extra installed.
        ValueError: Another name.
    """
    global loads  # noqa: PLW0603 - one process-wide switch, read on every decode
    if name == "json":
        loads = _stdlib
    elif name == "orjson":
        if _orjson is None:
            raise ImportError("orjson is not installed: pip install 'vtasks[speed]'")
        loads = _fast
    else:
        raise ValueError(f"unknown JSON decoder {name!r}")
