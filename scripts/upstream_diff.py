"""Compare a vendor's newly published API page with the copy stored in ``specs/upstream/``.

The output is a checklist for carrying the vendor's change into ``specs/<provider>.yaml``: only
semantic differences, grouped by operation and sorted, so reformatting, reordering, quoting and
moving a schema into ``components`` (``$ref``s are resolved) report nothing:

- paths and operations added or removed; servers and security schemes added, removed or changed;
- parameters added, removed or changed (type, required, enum values, limits, description);
- request and response bodies flattened to field paths such as ``200 items[].status``, each field
  added, removed or changed in the same terms;
- examples changed, named by where they sit and which fields differ.

Usage: ``python scripts/upstream_diff.py PROVIDER NEW_PAGE [--against FILE] [--json]
[--ignore-descriptions]`` (``nox -s upstream -- PROVIDER NEW_PAGE``). NEW_PAGE is a page like the
stored ones (markdown with the OpenAPI document in a fenced block) or a bare OpenAPI YAML or JSON
file. Exit status 0 when nothing semantic differs, 1 when something does, 2 on a usage error or a
page that cannot be compared. docs/vendor-changes.md explains the output.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bundle import PROVIDERS, SPECS_DIR

__all__ = [
    "UPSTREAM_DIR",
    "Difference",
    "PageError",
    "diff_documents",
    "load_page",
    "main",
    "render",
    "stored_page",
]

UPSTREAM_DIR = SPECS_DIR / "upstream"
REPO_ROOT = SPECS_DIR.parent

# Why a provider's comparison cannot start from its own stored page; said with the error.
_NO_PAGE_HINTS = {
    "ark": "Volcengine's own Ark reference is not stored; specs/ark.yaml is curated from it and the "
    "SDK. The reseller's copy of the same API (specs/upstream/volc-seedance-task-list.md) is volc's "
    "page: run with volc, or pass --against FILE",
    "vidu": "Vidu publishes prose, not OpenAPI, and specs/vidu.yaml is hand-authored from it: "
    "compare the pages by hand, or pass --against FILE",
}

_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_LIMITS = ("default", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
           "minLength", "maxLength", "minItems", "maxItems", "pattern")  # fmt: skip
_MAX_DEPTH = 64  # deeper than any real schema; stops YAML alias loops and runaway nesting
_ABBREVIATE = 60

# Sort order of kinds inside a group: the document-level group first, then each operation's.
_KIND_ORDER = {k: i for i, k in enumerate(
    ("server", "security", "path", "operation", "parameter", "request", "response", "example")
)}  # fmt: skip


class PageError(Exception):
    """A page or provider that cannot be compared: no stored page, no OpenAPI document in it."""


# ---- reading a page ---------------------------------------------------------------------------

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")


def _fenced_blocks(text: str) -> Iterator[tuple[int, str]]:
    """Yield (line number of the opening fence, content) for each fenced code block (CommonMark).

    A block ends at a fence of the same character that is at least as long as the opening one, so
    a ```` block may hold ``` lines (the veo page's example does).
    """
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        body: list[str] = []
        start, index = index + 1, index + 1
        while index < len(lines) and not closing.match(lines[index]):
            line = lines[index]
            body.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
            index += 1
        index += 1  # past the closing fence (an unclosed block runs to the end of the page)
        yield start, "\n".join(body) + "\n"


def _plain(node: Any, depth: int = 0) -> Any:
    """JSON-like data: string keys (YAML reads ``200:`` as an int), dates as ISO strings."""
    if depth > 4 * _MAX_DEPTH:
        raise PageError("the document nests too deeply (a YAML alias loop?)")
    if isinstance(node, dict):
        return {str(key): _plain(value, depth + 1) for key, value in node.items()}
    if isinstance(node, list):
        return [_plain(item, depth + 1) for item in node]
    if isinstance(node, datetime.date):
        return node.isoformat()
    return node


class _Loader(yaml.SafeLoader):
    """The safe loader without timestamps: an unquoted date stays the text the vendor wrote.

    OpenAPI documents are JSON data, where a date is a string; quoting it or not is formatting.
    """


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        pass
    return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass


def _is_openapi(doc: Any) -> bool:
    return isinstance(doc, dict) and ("openapi" in doc or "paths" in doc)


def _merge(docs: list[dict[str, Any]]) -> dict[str, Any]:
    """One document from several blocks of one page: the first wins where they overlap."""
    merged = docs[0]
    for doc in docs[1:]:
        paths = merged.setdefault("paths", {})
        more = doc.get("paths")
        for path, item in (
            more.items() if isinstance(more, dict) and isinstance(paths, dict) else ()
        ):
            if isinstance(item, dict) and isinstance(paths.get(path), dict):
                paths[path] = {**item, **paths[path]}
            else:
                paths.setdefault(path, item)
        components = merged.setdefault("components", {})
        more = doc.get("components")
        for kind, section in more.items() if isinstance(more, dict) else ():
            if isinstance(section, dict) and isinstance(components, dict):
                components[kind] = {**section, **(components.get(kind) or {})}
        for key, value in doc.items():
            merged.setdefault(key, value)
    return merged


def _yaml_problem(error: yaml.YAMLError, first_line: int) -> str:
    """The parser's complaint, on the page's line numbers (``first_line``: the text's first)."""
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or " ".join(str(error).split())
    if mark is None:
        return str(problem)
    return f"{problem} at line {first_line + mark.line}, column {mark.column + 1}"


def _read_documents(text: str, bare: bool) -> tuple[list[dict[str, Any]], str]:
    """The OpenAPI documents in a page's fenced blocks (or the whole text); why none, if none."""
    blocks = [] if bare else [(f"the block at line {n}", n + 1, b) for n, b in _fenced_blocks(text)]
    found: list[dict[str, Any]] = []
    rejected: list[str] = []
    for what, first_line, block in blocks or [("the file", 1, text)]:
        try:
            doc = _parse(block)
        except yaml.YAMLError as exc:
            rejected.append(f"{what} is not valid YAML: {_yaml_problem(exc, first_line)}")
            continue
        if _is_openapi(doc):
            found.append(_plain(doc))
        else:
            rejected.append(f"{what} is not an OpenAPI document")
    if not blocks and not bare:
        return found, "no fenced block, and the file itself is not an OpenAPI document"
    return found, "; ".join(rejected)


def load_page(path: Path) -> dict[str, Any]:
    """The OpenAPI document a page holds: its fenced blocks that parse as one, or the whole file.

    A ``.yaml``, ``.yml`` or ``.json`` file is read whole. Raises PageError, naming each block and
    why it was not taken, when there is none.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PageError(f"{_shown(path)}: cannot read it: {exc}") from exc
    found, why = _read_documents(text, bare=path.suffix.lower() in {".yaml", ".yml", ".json"})
    if not found:
        raise PageError(f"{_shown(path)}: no OpenAPI document: {why}")
    return _merge(found)


def _shown(path: Path) -> str:
    """A path as the user thinks of it: relative to the repository when it is inside it."""
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


# ---- which stored page ------------------------------------------------------------------------


def _path_key(path: str) -> str:
    """A path template with its parameter names blanked: ``/t/{id}`` and ``/t/{task_id}`` match."""
    return re.sub(r"\{[^}/]*\}", "{}", path)


def _path_keys(doc: Mapping[str, Any]) -> set[str]:
    paths = doc.get("paths")
    return {_path_key(str(p)) for p in paths} if isinstance(paths, dict) else set()


def stored_page(provider: str, new: Mapping[str, Any], upstream_dir: Path = UPSTREAM_DIR) -> Path:
    """The stored page ``specs/upstream/<provider>-*.md`` to compare ``new`` with.

    With several, the one sharing the most paths with ``new`` (the first by name on a tie). Raises
    PageError when the provider has no stored page or none holds an OpenAPI document.
    """
    candidates = sorted(upstream_dir.glob(f"{provider}-*.md"))
    hint = f". {_NO_PAGE_HINTS[provider]}" if provider in _NO_PAGE_HINTS else ""
    if not candidates:
        shown = _shown(upstream_dir)
        raise PageError(f"{provider}: no stored page in {shown}/ (no {provider}-*.md){hint}")
    readable: list[tuple[int, int, Path]] = []
    problems: list[str] = []
    for order, candidate in enumerate(candidates):
        try:
            doc = load_page(candidate)
        except PageError as exc:
            problems.append(str(exc))
            continue
        readable.append((len(_path_keys(doc) & _path_keys(new)), -order, candidate))
    if not readable:
        raise PageError("; ".join(problems) + hint)
    return max(readable)[2]


# ---- the semantic model -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Difference:
    """One line of the checklist.

    ``sign`` is ``+`` (added), ``-`` (removed) or ``~`` (changed); ``kind`` what changed (path,
    operation, parameter, request, response, example, server, security); ``operation`` the
    ``METHOD /path`` it belongs to ("" for the document); ``subject`` which one (``query
    page_size``, ``200 items[].status``); ``detail`` how, for added and changed ones.
    """

    sign: str
    kind: str
    operation: str
    subject: str
    detail: str = ""
    order: tuple[Any, ...] = dataclasses.field(default=(), compare=False, repr=False)

    @property
    def line(self) -> str:
        """The line as printed under its operation's heading."""
        text = f"{self.sign} {self.kind}"
        text += f" {self.subject}" if self.subject else ""
        return f"{text}: {self.detail}" if self.detail else text

    @property
    def full(self) -> str:
        """The line with its operation, readable on its own."""
        where = " ".join(p for p in (self.operation, self.subject) if p)
        text = f"{self.sign} {self.kind}" + (f" {where}" if where else "")
        return f"{text}: {self.detail}" if self.detail else text

    def as_json(self) -> dict[str, str]:
        """The machine form (``--json``)."""
        return {
            "sign": self.sign,
            "kind": self.kind,
            "operation": self.operation,
            "subject": self.subject,
            "detail": self.detail,
        }


@dataclasses.dataclass(frozen=True)
class _Field:
    """What is compared of one parameter or body field."""

    type: str
    required: bool
    enum: tuple[str, ...] | None  # JSON texts of the values, sorted
    limits: tuple[tuple[str, str], ...]
    description: str


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text if len(text) <= _ABBREVIATE else text[: _ABBREVIATE - 1] + "…"


class _Document:
    """An OpenAPI document with its local ``$ref``s resolvable."""

    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc

    def target(self, ref: str) -> Any:
        """The node a local ref points at, or None when it does not resolve."""
        node: Any = self.doc
        for escaped in ref[2:].split("/") if ref != "#" else ():
            part = escaped.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return None
        return node

    def deref(self, node: Any) -> Any:
        """Follow local refs (non-schema objects: parameters, responses, examples); siblings win."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            target = self.target(ref) if ref.startswith("#") else None
            if ref in seen or not isinstance(target, dict):
                return node
            seen.add(ref)
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node


@dataclasses.dataclass
class _View:
    """A schema with its ``$ref``s and ``allOf`` / ``anyOf`` / ``oneOf`` folded into one."""

    types: set[str] = dataclasses.field(default_factory=set)
    formats: set[str] = dataclasses.field(default_factory=set)
    enum: list[Any] | None = None
    description: str = ""
    limits: dict[str, Any] = dataclasses.field(default_factory=dict)
    properties: dict[str, list[Any]] = dataclasses.field(default_factory=dict)
    required: set[str] = dataclasses.field(default_factory=set)
    items: list[Any] = dataclasses.field(default_factory=list)
    additional: list[Any] = dataclasses.field(default_factory=list)
    refs: set[str] = dataclasses.field(default_factory=set)


def _fold(doc: _Document, schema: Any, stack: frozenset[str], view: _View, variant: bool) -> None:
    """Fold ``schema`` into ``view``; ``stack`` holds the refs being expanded (cycle guard)."""
    if not isinstance(schema, dict):
        return  # `true` / `false` schemas and sloppy values say nothing comparable
    ref = schema.get("$ref")
    if isinstance(ref, str):
        siblings = {k: v for k, v in schema.items() if k != "$ref"}
        target = doc.target(ref) if ref.startswith("#") else None
        if ref in view.refs:
            return  # folded into this view already (two branches naming one component)
        if ref in stack or not isinstance(target, dict):
            # A cycle or an unresolvable ref: name it instead of expanding it.
            recursive = " (recursive)" if ref in stack else ""
            view.types.add(f"$ref {ref.rsplit('/', 1)[-1]}{recursive}")
            _fold(doc, siblings, stack, view, variant)
            return
        view.refs.add(ref)
        _fold(doc, siblings, stack, view, variant)  # siblings first: their description wins
        _fold(doc, target, stack | {ref}, view, variant)
        return
    kind = schema.get("type")
    view.types.update([kind] if isinstance(kind, str) else map(str, _list(kind)))
    if schema.get("nullable") is True:  # OpenAPI 3.0's spelling of 3.1's `type: [x, "null"]`
        view.types.add("null")
    if isinstance(schema.get("format"), str):
        view.formats.add(schema["format"])
    values = [schema["const"]] if "const" in schema else schema.get("enum")
    if isinstance(values, list):
        view.enum = [*(view.enum or []), *values]
    if not view.description and isinstance(schema.get("description"), str):
        view.description = schema["description"]
    for key in _LIMITS:
        if key in schema:
            view.limits.setdefault(key, schema[key])
    properties = schema.get("properties")
    for name, sub in properties.items() if isinstance(properties, dict) else ():
        view.properties.setdefault(str(name), []).append(sub)
    if not variant and isinstance(schema.get("required"), list):
        view.required.update(str(name) for name in schema["required"])
    if isinstance(schema.get("items"), dict):
        view.items.append(schema["items"])
    if isinstance(schema.get("additionalProperties"), dict):
        view.additional.append(schema["additionalProperties"])
    for key, is_variant in (("allOf", variant), ("anyOf", True), ("oneOf", True)):
        branches = schema.get(key)
        for branch in branches if isinstance(branches, list) else ():
            _fold(doc, branch, stack, view, is_variant)


def _type_text(view: _View) -> str:
    types = set(view.types)
    if not types - {"null"}:
        if view.properties or view.additional:
            types.add("object")
        elif view.items:
            types.add("array")
    if not types:
        return "any"
    text = "|".join(sorted(types, key=lambda t: (t == "null", t)))
    return f"{text} ({', '.join(sorted(view.formats))})" if view.formats else text


def _field(view: _View, required: bool) -> _Field:
    enum = tuple(sorted({_show_full(v) for v in view.enum})) if view.enum is not None else None
    limits = tuple(sorted((k, _show_full(v)) for k, v in view.limits.items()))
    return _Field(_type_text(view), required, enum, limits, view.description)


def _show_full(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _child(subs: list[Any]) -> Any:
    return subs[0] if len(subs) == 1 else {"allOf": subs}


def _flatten(
    doc: _Document,
    schema: Any,
    path: str,
    required: bool,
    out: dict[str, _Field],
    examples: dict[str, Any],
    stack: frozenset[str] = frozenset(),
    depth: int = 0,
) -> None:
    """Record ``schema`` at ``path`` and every field below it (``a.b``, ``list[]``, ``map{}``)."""
    view = _View()
    _fold(doc, schema, stack, view, variant=False)
    out[path] = _field(view, required)
    if isinstance(schema, dict) and "example" in schema:
        examples[path] = schema["example"]
    elif view.refs:  # an example on the referenced component illustrates this field too
        target = doc.deref(schema)
        if isinstance(target, dict) and "example" in target:
            examples[path] = target["example"]
    if depth >= _MAX_DEPTH:
        return
    below, deeper = stack | view.refs, depth + 1
    for name, subs in sorted(view.properties.items()):
        child = f"{path}.{name}" if path else name
        required = name in view.required
        _flatten(doc, _child(subs), child, required, out, examples, below, deeper)
    if view.items:
        _flatten(doc, _child(view.items), f"{path}[]", False, out, examples, below, deeper)
    if view.additional:
        _flatten(doc, _child(view.additional), f"{path}{{}}", False, out, examples, below, deeper)


# ---- one operation as comparable facts --------------------------------------------------------


@dataclasses.dataclass
class _Operation:
    """The comparable facts of one operation."""

    display: str
    security: str
    deprecated: bool
    parameters: dict[str, _Field] = dataclasses.field(default_factory=dict)
    # body location ("request", "200", "200 text/plain") -> field path -> field
    bodies: dict[str, dict[str, _Field]] = dataclasses.field(default_factory=dict)
    # owner ("parameter query id", "200", ...) -> example name -> value
    examples: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)


def _security_text(requirements: Any) -> str:
    """Security requirements as text: alternatives joined by `|`, schemes of one by `+`."""
    if not isinstance(requirements, list):
        return ""
    options = {"+".join(sorted(map(str, r))) for r in requirements if isinstance(r, dict)}
    return " | ".join(sorted(o or "none" for o in options))


def _media_examples(doc: _Document, media: Mapping[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if "example" in media:
        found["example"] = media["example"]
    named = media.get("examples")
    for name, raw in named.items() if isinstance(named, dict) else ():
        example = doc.deref(raw)
        if isinstance(example, dict):
            found[str(name)] = example.get("value", example.get("externalValue"))
    return found


def _body(doc: _Document, op: _Operation, location: str, content: Any, required: bool) -> None:
    """Flatten each media type of a request or response into ``op.bodies``."""
    if not isinstance(content, dict) or not content:
        op.bodies[location] = {"": _Field("no body", required, None, (), "")}
        return
    for media, raw in sorted(content.items()):
        entry = raw if isinstance(raw, dict) else {}
        json_like = media == "application/json" or media.endswith("+json")
        where = location if json_like else f"{location} {media}"
        fields: dict[str, _Field] = {}
        schema_examples: dict[str, Any] = {}
        _flatten(doc, entry.get("schema"), "", required, fields, schema_examples)
        op.bodies[where] = fields
        examples = _media_examples(doc, entry)
        for path, value in schema_examples.items():
            examples[f"schema {path}" if path else "schema"] = value
        if examples:
            op.examples[where] = examples


def _parameter(doc: _Document, op: _Operation, raw: Any) -> None:
    param = doc.deref(raw)
    if not isinstance(param, dict) or "name" not in param:
        return
    place, name = str(param.get("in", "query")), str(param["name"])
    key = f"{place} {name.lower() if place == 'header' else name}"  # header names ignore case
    schema = param.get("schema")
    if schema is None and isinstance(param.get("content"), dict):  # `content` instead of `schema`
        media = next(iter(param["content"].values()), None)
        schema = media.get("schema") if isinstance(media, dict) else None
    view = _View()
    _fold(doc, schema, frozenset(), view, variant=False)
    if isinstance(param.get("description"), str) and param["description"]:
        view.description = param["description"]
    field = _field(view, param.get("required") is True or place == "path")
    if view.items:  # a parameter has no child fields: its items' type and values are its own
        items = _View()
        _fold(doc, _child(view.items), frozenset(), items, variant=False)
        field = dataclasses.replace(
            field,
            type=f"{field.type} of {_type_text(items)}",
            enum=field.enum or _field(items, False).enum,
        )
    op.parameters[key] = field
    examples = _media_examples(doc, param)
    if isinstance(schema, dict) and "example" in schema:
        examples["schema"] = schema["example"]
    if examples:
        op.examples[f"parameter {key}"] = examples


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _operations(spec: Mapping[str, Any]) -> dict[tuple[str, int], _Operation]:
    """Every operation of a document, keyed by (path with blank parameter names, method rank)."""
    doc = _Document(spec)
    found: dict[tuple[str, int], _Operation] = {}
    paths = spec.get("paths")
    for path, raw_item in sorted(paths.items()) if isinstance(paths, dict) else ():
        item = doc.deref(raw_item)
        if not isinstance(item, dict):
            continue
        shared = _list(item.get("parameters"))
        for rank, method in enumerate(_METHODS):
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            op = _Operation(
                display=f"{method.upper()} {path}",
                security=_security_text(raw.get("security", spec.get("security"))),
                deprecated=raw.get("deprecated") is True,
            )
            for param in [
                *shared,
                *_list(raw.get("parameters")),
            ]:  # the operation's own override the path's
                _parameter(doc, op, param)
            body = doc.deref(raw.get("requestBody"))
            if isinstance(body, dict):
                required = body.get("required") is True
                _body(doc, op, "request", body.get("content"), required)
            responses = raw.get("responses")
            for code, raw_response in responses.items() if isinstance(responses, dict) else ():
                response = doc.deref(raw_response)
                content = response.get("content") if isinstance(response, dict) else None
                _body(doc, op, str(code), content, False)
            found[(_path_key(str(path)), rank)] = op
    return found


# ---- comparing --------------------------------------------------------------------------------


def _field_changes(old: _Field, new: _Field, descriptions: bool) -> Iterator[tuple[int, str]]:
    """(rank, detail) for each way one field or parameter changed."""
    if old.type != new.type:
        yield 0, f"type {old.type} -> {new.type}"
    if old.required != new.required:
        yield 1, "optional -> required" if new.required else "required -> optional"
    old_enum, new_enum = set(old.enum or ()), set(new.enum or ())
    if added := sorted(new_enum - old_enum):
        yield 2, "enum + " + ", ".join(added)
    if removed := sorted(old_enum - new_enum):
        yield 3, "enum - " + ", ".join(removed)
    old_limits, new_limits = dict(old.limits), dict(new.limits)
    for key in sorted(old_limits.keys() | new_limits.keys()):
        if old_limits.get(key) != new_limits.get(key):
            yield 4, f"{key} {old_limits.get(key, 'none')} -> {new_limits.get(key, 'none')}"
    if descriptions and (detail := _description_change(old.description, new.description)):
        yield 5, detail


def _prose_lines(text: str) -> list[str]:
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def _description_change(old: str, new: str) -> str:
    """The description lines added and removed; "" when only whitespace or line order changed."""
    old_lines, new_lines = _prose_lines(old), _prose_lines(new)
    added = [line for line in new_lines if line not in old_lines]
    removed = [line for line in old_lines if line not in new_lines]
    parts = [f"+ {_show(line)}" for line in added] + [f"- {_show(line)}" for line in removed]
    return f"description {'; '.join(parts)}" if parts else ""


def _added_detail(field: _Field) -> str:
    parts = [field.type]
    if field.required:
        parts.append("required")
    if field.enum:
        parts.append("enum " + ", ".join(field.enum))
    return ", ".join(parts)


def _compare_fields(
    kind: str,
    operation: str,
    prefix: str,
    old: Mapping[str, _Field],
    new: Mapping[str, _Field],
    descriptions: bool,
) -> Iterator[Difference]:
    """Differences between two maps of fields; ``prefix`` goes before each field path."""
    for path in sorted(old.keys() | new.keys()):
        subject = f"{prefix} {path}".strip()
        if path not in old:
            yield Difference("+", kind, operation, subject, _added_detail(new[path]), (subject,))
        elif path not in new:
            yield Difference("-", kind, operation, subject, "", (subject,))
        else:
            for rank, detail in _field_changes(old[path], new[path], descriptions):
                yield Difference("~", kind, operation, subject, detail, (subject, rank))


def _value_changes(old: Any, new: Any, path: str = "") -> Iterator[tuple[str, str]]:
    """(sign, detail) for each leaf that differs between two example values."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(old.keys() | new.keys()):
            child = f"{path}.{key}" if path else str(key)
            if key not in old:
                yield "+", f"{child} = {_show(new[key])}"
            elif key not in new:
                yield "-", child
            else:
                yield from _value_changes(old[key], new[key], child)
    elif isinstance(old, list) and isinstance(new, list):
        for index in range(max(len(old), len(new))):
            child = f"{path}[{index}]"
            if index >= len(old):
                yield "+", f"{child} = {_show(new[index])}"
            elif index >= len(new):
                yield "-", child
            else:
                yield from _value_changes(old[index], new[index], child)
    elif _show_full(old) != _show_full(new):  # also tells "3" from 3 and 1 from true
        yield "~", f"{path} {_show(old)} -> {_show(new)}".strip()


def _compare_examples(operation: str, old: _Operation, new: _Operation) -> Iterator[Difference]:
    # Only examples whose parameter or body is in both: a new parameter's example is no news.
    owners = (old.examples.keys() | new.examples.keys()) & (
        {f"parameter {k}" for k in old.parameters.keys() & new.parameters.keys()}
        | (old.bodies.keys() & new.bodies.keys())
    )
    for owner in sorted(owners):
        before, after = old.examples.get(owner, {}), new.examples.get(owner, {})
        for name in sorted(before.keys() | after.keys()):
            subject = f"{owner} {name}"
            if name not in before:
                yield Difference("+", "example", operation, subject, "", (subject,))
            elif name not in after:
                yield Difference("-", "example", operation, subject, "", (subject,))
            else:
                changes = _value_changes(before[name], after[name])
                for rank, (sign, detail) in enumerate(changes):
                    yield Difference(sign, "example", operation, subject, detail, (subject, rank))


def _compare_operation(old: _Operation, new: _Operation, descriptions: bool) -> list[Difference]:
    name = new.display
    found: list[Difference] = []
    if old.security != new.security:
        detail = f"security {_show(old.security)} -> {_show(new.security)}"
        found.append(Difference("~", "operation", name, "", detail, ("security",)))
    if old.deprecated != new.deprecated:
        detail = "deprecated" if new.deprecated else "no longer deprecated"
        found.append(Difference("~", "operation", name, "", detail, ("deprecated",)))
    found += _compare_fields("parameter", name, "", old.parameters, new.parameters, descriptions)
    for where in sorted(old.bodies.keys() | new.bodies.keys()):
        kind = "request" if where.startswith("request") else "response"
        prefix = where.removeprefix("request").strip() if kind == "request" else where
        before, after = old.bodies.get(where, {}), new.bodies.get(where, {})
        found += _compare_fields(kind, name, prefix, before, after, descriptions)
    found += _compare_examples(name, old, new)
    return found


def _servers(spec: Mapping[str, Any]) -> set[str]:
    servers = spec.get("servers")
    entries = servers if isinstance(servers, list) else []
    return {str(s["url"]) for s in entries if isinstance(s, dict) and "url" in s}


def _schemes(spec: Mapping[str, Any]) -> dict[str, str]:
    """Security schemes as short texts: ``http bearer``, ``apiKey header X-Api-Key``."""
    components = spec.get("components") if isinstance(spec.get("components"), dict) else {}
    schemes = components.get("securitySchemes") if isinstance(components, dict) else None
    found = {}
    doc = _Document(spec)
    for name, raw in schemes.items() if isinstance(schemes, dict) else ():
        scheme = doc.deref(raw)
        if isinstance(scheme, dict):
            keys = ("type", "scheme", "in", "name", "openIdConnectUrl")
            found[str(name)] = " ".join(str(scheme[k]) for k in keys if k in scheme)
    return found


def _compare_document(old: Mapping[str, Any], new: Mapping[str, Any]) -> Iterator[Difference]:
    before, after = _servers(old), _servers(new)
    for url in sorted(after - before):
        yield Difference("+", "server", "", url, "", (url,))
    for url in sorted(before - after):
        yield Difference("-", "server", "", url, "", (url,))
    old_schemes, new_schemes = _schemes(old), _schemes(new)
    for name in sorted(old_schemes.keys() | new_schemes.keys()):
        if name not in old_schemes:
            yield Difference("+", "security", "", name, new_schemes[name], (name,))
        elif name not in new_schemes:
            yield Difference("-", "security", "", name, "", (name,))
        elif old_schemes[name] != new_schemes[name]:
            detail = f"{old_schemes[name]} -> {new_schemes[name]}"
            yield Difference("~", "security", "", name, detail, (name,))


def diff_documents(
    old: Mapping[str, Any], new: Mapping[str, Any], *, descriptions: bool = True
) -> list[Difference]:
    """The semantic differences from ``old`` to ``new``, in the order they are printed.

    ``descriptions=False`` leaves out changed descriptions (for a vendor that rewrote its prose).
    """
    found = list(_compare_document(old, new))
    before, after = _operations(old), _operations(new)
    groups: list[tuple[tuple[str, int], list[Difference]]] = []
    for key in sorted(before.keys() | after.keys()):
        if key not in after:
            name = before[key].display
            found.append(Difference("-", "path", "", name, "", (key, 0)))
        elif key not in before:
            found.append(Difference("+", "path", "", after[key].display, "", (key, 1)))
        else:
            groups.append((key, _compare_operation(before[key], after[key], descriptions)))
    found.sort(key=lambda d: (_KIND_ORDER[d.kind], d.order))
    for _, differences in groups:
        found += sorted(differences, key=lambda d: (_KIND_ORDER[d.kind], d.order))
    return found


# ---- output -----------------------------------------------------------------------------------


def _summary(differences: Iterable[Difference]) -> dict[str, int]:
    signs = [d.sign for d in differences]
    added, removed, changed = signs.count("+"), signs.count("-"), signs.count("~")
    return {"added": added, "removed": removed, "changed": changed, "total": len(signs)}


def render(differences: list[Difference], heading: str) -> str:
    """The checklist: ``heading``, document-level lines, one block per operation, a count line."""
    out = [heading]
    current: str | None = None
    for difference in differences:
        if not difference.operation:
            if current is None:
                out.append("")
                current = ""
            out.append(difference.line)
            continue
        if difference.operation != current:
            out += ["", difference.operation]
            current = difference.operation
        out.append(f"  {difference.line}")
    counts = _summary(differences)
    if counts["total"]:
        noun = "difference" if counts["total"] == 1 else "differences"
        out += [
            "",
            f"{counts['total']} semantic {noun} ({counts['added']} added, "
            f"{counts['removed']} removed, {counts['changed']} changed)",
        ]
    else:
        out += ["", "no semantic differences"]
    return "\n".join(out) + "\n"


_EPILOG = """\
Run as `nox -s upstream -- PROVIDER NEW_PAGE`. NEW_PAGE is a page like the stored ones (markdown
with the OpenAPI document in a fenced block) or a bare OpenAPI YAML or JSON file. Exit status 0
when nothing semantic differs, 1 when something does, 2 on a usage error or an unreadable page.
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description="Print the semantic differences between a vendor's new API page and the copy"
        " in specs/upstream/, as a checklist for the curated spec.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("provider", choices=PROVIDERS, help="whose stored page to compare with")
    parser.add_argument("new_page", type=Path, help="the newly published page (.md, .yaml, .json)")
    parser.add_argument("--against", type=Path, metavar="FILE", help="compare with FILE instead")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the checklist")
    parser.add_argument(
        "--ignore-descriptions", action="store_true", help="leave out changed descriptions"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Print the differences; return 0 (none), 1 (some) or 2 (usage error, unreadable page)."""
    args = _parser().parse_args(argv)
    try:
        new = load_page(args.new_page)
        against = args.against or stored_page(args.provider, new)
        old = load_page(against)
    except PageError as exc:
        print(f"upstream_diff: error: {exc}", file=sys.stderr)
        return 2
    differences = diff_documents(old, new, descriptions=not args.ignore_descriptions)
    if args.json:
        report = {
            "provider": args.provider,
            "stored": _shown(against),
            "new": _shown(args.new_page),
            "differences": [d.as_json() for d in differences],
            "summary": _summary(differences),
        }
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        heading = f"{args.provider}: {_shown(against)} -> {_shown(args.new_page)}"
        print(render(differences, heading), end="")
    return 1 if differences else 0


if __name__ == "__main__":
    raise SystemExit(main())
