"""The drift sentinel: a warning when a live answer carries what the curated spec does not know.

Vendors change without notice: a status is added, a field appears, a number becomes a string.
vtasks reads answers leniently, so none of that breaks a program, and none of it would be
noticed either. The sentinel compares each good answer with its endpoint's response schema in
the curated spec (:mod:`vtasks._spec`) and logs one WARNING on the ``vtasks.drift`` logger per
provider, endpoint, field path and kind of drift, once per process:

- a field the schema does not declare (on an object that does not allow extra fields);
- a value outside a field's ``enum`` (a new status is one case of this);
- a value of a type the schema does not allow.

A warning names the field path (``items[].content.audio_url``) and the JSON type, never a
value: no value from the network, and so no secret, reaches the log. Field names are shown
JSON-quoted when they are not plain identifiers, and shortened. At most :data:`MAX_WARNINGS`
distinct warnings are logged per process, so a hostile server that invents a new field name in
every answer cannot flood the log or grow this module's memory.

Cost: an answer's objects are checked in full, except the items of arrays (a page's tasks). Of
those, every item's field names and top-level ``enum`` values are checked (a new status or field
shows on the first task that has it), and the first item and one item in :data:`STRIDE` in full,
starting at a rotating offset so that over :data:`STRIDE` pages every position is checked. That
keeps the sentinel within 5 % of a page's CPU (``nox -s bench``); checking every task in full
would cost most of a page's normalization again. Raising the ``vtasks.drift`` logger's level
above WARNING switches the sentinel off and its cost with it.

``vtasks check`` (:mod:`vtasks._check`) is the exhaustive counterpart: every field of every
answer, required fields too, with the JSON-schema validator the drift check uses.
"""

from __future__ import annotations

import functools
import json
import logging
import math
import re
import threading
from collections.abc import Callable
from itertools import repeat
from typing import Any

from . import _spec

__all__ = ["MAX_WARNINGS", "STRIDE", "Shape", "compile_shape", "forget", "observe"]

logger = logging.getLogger("vtasks.drift")

STRIDE = 64
"""One array item in this many is checked in full (besides the first)."""

MAX_WARNINGS = 200
"""Distinct drift warnings logged per process at most."""

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
    "object": (dict,),
    "array": (list,),
}
_TYPE_NAMES = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
    dict: "object",
    list: "array",
}
_ANY = frozenset(_TYPE_NAMES)
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_$@.-]{1,64}")


class Shape:
    """What the spec allows at one place in an answer, compiled from its JSON schema.

    Attributes:
        types: The Python types a value may have (all of them when the schema does not say).
        enum: The values allowed, or ``None`` for any.
        fields: The declared properties of an object, by name.
        known: ``fields``' names, for a fast subset test.
        open: Whether an object may carry fields besides ``fields`` (``additionalProperties``,
            or an object schema that declares no properties at all).
        extra: The shape of those extra fields, when the schema gives one.
        items: The shape of an array's items.
        item_enums: ``(name, values)`` of the enum-valued fields of an object, checked on every
            array item (a new status must show on the first task that has it).
        integral: Whether an integral float (``5.0``) is allowed as an integer, as JSON Schema
            allows it.
    """

    __slots__ = (
        "enum",
        "extra",
        "fields",
        "integral",
        "item_enums",
        "items",
        "known",
        "offset",
        "open",
        "types",
    )

    def __init__(self) -> None:
        self.types: frozenset[type] = _ANY
        self.enum: frozenset[Any] | None = None
        self.fields: dict[str, Shape] = {}
        self.known: frozenset[str] = frozenset()
        self.open = True
        self.extra: Shape | None = None
        self.items: Shape | None = None
        self.item_enums: tuple[tuple[str, frozenset[Any]], ...] = ()
        self.integral = False
        self.offset = 0  # the rotating start of the full checks in an array of this shape


def _resolve(doc: dict[str, Any], ref: str) -> dict[str, Any]:
    node: Any = doc
    for part in ref.lstrip("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    if not isinstance(node, dict):
        raise ValueError(f"{ref} is not a schema")
    return node


def compile_shape(doc: dict[str, Any], schema: dict[str, Any]) -> Shape:
    """Compile a JSON schema (local ``$ref``s resolved in ``doc``) into a :class:`Shape`."""
    return _Compiler(doc).shape(schema)


class _Compiler:
    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.refs: dict[str, Shape] = {}

    def shape(self, schema: dict[str, Any]) -> Shape:
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref not in self.refs:
                self.refs[ref] = shape = Shape()  # registered first: recursive schemas end
                self._fill(shape, _resolve(self.doc, ref))
            return self.refs[ref]
        shape = Shape()
        self._fill(shape, schema)
        return shape

    def _fill(self, shape: Shape, schema: dict[str, Any]) -> None:
        types: set[type] = set()
        typed = False
        enum: set[Any] | None = None
        fields: dict[str, Shape] = {}
        declared_object = False  # declares its fields (here or in every object branch)
        open_branch = False  # an object branch that allows any field
        for branch in (
            *schema.get("oneOf", ()),
            *schema.get("anyOf", ()),
            *schema.get("allOf", ()),
        ):
            sub = self.shape(branch)
            typed = True
            types |= sub.types
            if sub.enum is not None:
                enum = (enum or set()) | sub.enum
            if dict in sub.types:
                if sub.open:
                    open_branch = True
                else:
                    declared_object = True
                fields.update(sub.fields)
            shape.items = shape.items or sub.items
            shape.extra = shape.extra or sub.extra
            shape.integral = shape.integral or sub.integral
        kind = schema.get("type")
        if kind is not None:
            typed = True
            types = set()  # an explicit type narrows what the branches allowed
            for name in [kind] if isinstance(kind, str) else kind:
                types.update(_JSON_TYPES.get(name, ()))
                shape.integral = shape.integral or name == "integer"
        if schema.get("nullable") is True:  # OpenAPI 3.0's spelling, should a spec use it
            types.add(type(None))
        if "enum" in schema:
            enum = {v for v in schema["enum"] if not isinstance(v, dict | list)}
        if "const" in schema and not isinstance(schema["const"], dict | list):
            enum = {schema["const"]}
        if "properties" in schema:
            declared_object = True
            fields.update({k: self.shape(v) for k, v in schema["properties"].items()})
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            shape.extra = self.shape(extra)
        if "items" in schema and isinstance(schema["items"], dict):
            shape.items = self.shape(schema["items"])
        shape.types = frozenset(types) if typed else _ANY
        if enum is not None:
            # A nullable enum allows null whether or not the enum lists it.
            shape.enum = frozenset(enum | ({None} if type(None) in shape.types else set()))
        shape.fields = fields
        shape.known = frozenset(fields)
        # Closed when it declares its fields and does not allow others; a bare object is open.
        shape.open = (extra is not None and extra is not False) or open_branch
        shape.open = shape.open or not declared_object
        shape.item_enums = tuple(
            (name, sub.enum) for name, sub in fields.items() if sub.enum is not None
        )


def _unhashable(value: object) -> bool:
    try:
        hash(value)
    except TypeError:
        return True
    return False


@functools.lru_cache(maxsize=1024)  # bounded: a hostile server's invented names cannot grow it
def _name(field: object) -> str:
    text = str(field)
    if _PLAIN_NAME.fullmatch(text):
        return text
    return json.dumps(text[:64] + ("\u2026" if len(text) > 64 else ""))


def _join(path: str, field: object) -> str:
    return f"{path}.{_name(field)}" if path else _name(field)


class _Warnings:
    """The warn-once memory of the whole process, bounded by :data:`MAX_WARNINGS`."""

    def __init__(self) -> None:
        self.seen: set[tuple[str, str, str, str]] = set()
        self.lock = threading.Lock()
        self.full = False

    def report(self, provider: str, endpoint: str, path: str, kind: str, detail: str) -> None:
        key = (provider, endpoint, path, kind)
        with self.lock:
            if key in self.seen or self.full:
                return
            if len(self.seen) >= MAX_WARNINGS:
                self.full = True
                logger.warning(
                    "%d distinct drift warnings logged; no more this process", MAX_WARNINGS
                )
                return
            self.seen.add(key)
        logger.warning(
            "%s %s answer: %s %s (drift from the curated spec; `vtasks check %s` shows all)",
            provider,
            endpoint,
            path or "the answer",
            detail,
            provider,
        )


_WARNINGS = _Warnings()


class _Walker:
    """Checks answers of one provider's endpoint against its compiled shape."""

    def __init__(self, provider: str, endpoint: str, shape: Shape) -> None:
        self.provider = provider
        self.endpoint = endpoint
        self.shape = shape

    def report(self, path: str, kind: str, detail: str) -> None:
        _WARNINGS.report(self.provider, self.endpoint, path, kind, detail)

    def check(self, shape: Shape, value: Any, path: str) -> None:
        kind = type(value)
        if kind not in shape.types and not (
            shape.integral and kind is float and math.isfinite(value) and value.is_integer()
        ):
            name = _TYPE_NAMES.get(kind, kind.__name__)
            self.report(path, "type", f"is {name}, which the spec does not allow")
            return
        if shape.enum is not None:
            try:
                allowed = value in shape.enum
            except TypeError:  # pragma: no cover - the type check above turned it away
                allowed = False
            if not allowed:
                self.report(path, "value", "has a value the spec's enum does not list")
        if kind is dict:
            self.check_object(shape, value, path)
        elif kind is list and shape.items is not None:
            self.check_items(shape.items, value, path)

    def check_object(self, shape: Shape, value: dict[str, Any], path: str) -> None:
        fields = shape.fields
        for name, sub in value.items():
            child = fields.get(name)
            if child is None:
                child = shape.extra
                if child is None:
                    if not shape.open:
                        self.report(_join(path, name), "field", "is a field the spec does not know")
                    continue
            kind = type(sub)
            if kind in child.types and child.enum is None and kind is not dict and kind is not list:
                continue  # the common case, without a call
            self.check(child, sub, _join(path, name))

    def check_items(self, shape: Shape, items: list[Any], path: str) -> None:
        path = f"{path}[]"
        count = len(items)
        if not count:
            return
        offset = shape.offset
        shape.offset = (offset + 1) % STRIDE  # racy under threads, and harmless: any offset will do
        check = self.check
        check(shape, items[0], path)
        for index in range(1 + (offset - 1) % STRIDE, count, STRIDE):
            check(shape, items[index], path)
        if dict not in shape.types or set(map(type, items)) != {dict}:
            for item in items:
                if type(item) is not dict:
                    check(shape, item, path)  # reports the type
            return
        # Every item's field names and enum values, in C: a set of all names and one of all
        # values of each enum field (a per-item loop would cost twice the rest of the sentinel).
        if not shape.open:
            for name in sorted(set().union(*items) - shape.known):
                self.report(_join(path, name), "field", "is a field the spec does not know")
        for name, allowed in shape.item_enums:
            fields = list(map(dict.get, items, repeat(name)))
            try:
                values = set(fields)
            except TypeError:  # a list or an object where a value belongs
                odd = next(field for field in fields if _unhashable(field))
                check(shape.fields[name], odd, f"{path}.{name}")
                values = {field for field in fields if not _unhashable(field)}
            for value in values - allowed:
                if value is not None:  # a missing field: not drift (null, where not allowed,
                    check(shape.fields[name], value, f"{path}.{name}")  # shows in full checks)

    def __call__(self, payload: Any) -> None:
        if not logger.isEnabledFor(logging.WARNING):
            return
        try:
            self.check(self.shape, payload, "")
        except RecursionError:
            pass  # nested beyond any spec: the adapter reports what it cannot read
        except Exception as exc:  # a sentinel's own bug must never cost the caller an answer
            self.report("", "crash", f"could not be checked ({type(exc).__name__})")


def _nothing(payload: Any) -> None:
    """The observer of an endpoint the spec does not describe."""


_OBSERVERS: dict[tuple[str, str], Callable[[Any], None]] = {}
_OBSERVERS_LOCK = threading.Lock()


def observe(provider: str, endpoint: str, payload: Any) -> None:
    """Check one good answer of ``provider``'s ``endpoint`` and warn about its drift."""
    key = (provider, endpoint)
    observer = _OBSERVERS.get(key)
    if observer is None:
        observer = _observer(provider, endpoint)
    observer(payload)


def _observer(provider: str, endpoint: str) -> Callable[[Any], None]:
    with _OBSERVERS_LOCK:
        observer = _OBSERVERS.get((provider, endpoint))
        if observer is None:
            try:
                schema = _spec.response_schema(provider, endpoint)
                observer = (
                    _nothing
                    if schema is None
                    else _Walker(
                        provider, endpoint, compile_shape(_spec.document(provider), schema)
                    )
                )
            except (OSError, ValueError, KeyError, ModuleNotFoundError) as exc:
                # No spec to hold answers to (a broken install): the answers still count.
                logger.warning(
                    "%s: no curated spec to check answers against (%s)",
                    provider,
                    type(exc).__name__,
                )
                observer = _nothing
            _OBSERVERS[provider, endpoint] = observer
    return observer


def forget() -> None:
    """Forget the warnings given (for tests: each test sees its first warning again)."""
    with _WARNINGS.lock:
        _WARNINGS.seen.clear()
        _WARNINGS.full = False
