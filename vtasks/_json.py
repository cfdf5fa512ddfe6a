"""Decoding JSON answers: orjson when the ``speed`` extra is installed, else the standard library.

Both give the same result for every body. orjson refuses some bodies that :func:`json.loads`
reads (``NaN``, integers past 64 bits, nesting past 1,024 levels, UTF-16, lone surrogates), so a
body orjson refuses is read again by :mod:`json`, which then decides: the extra changes speed,
never what a body means.

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


def _fast(content: bytes) -> Any:
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
