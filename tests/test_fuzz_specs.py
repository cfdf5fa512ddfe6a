"""Fuzzing from the curated specs: every 200-answer the specs allow, and many they do not.

Bodies are generated with hypothesis-jsonschema from each curated spec's 200-response schemas
(``specs/<provider>.yaml``, bundled and ``$ref``-inlined, adapted to the JSON Schema draft that
hypothesis-jsonschema reads), then served verbatim by the simulator (an ``http_error`` fault with
HTTP 200) to ``Client`` *and* ``AsyncClient`` for every get and list operation (MiniMax: the query
and the file retrieval).

Properties:

- *valid*: a schema-valid body gives a :class:`~vtasks.Task` (a page: each task once) with aware
  UTC timestamps or ``None`` and a :class:`~vtasks.TaskStatus`. Exceptions, all by design and
  predicted by :func:`expected_get` / :func:`expected_list`: a business error (AiToEarn
  ``code != 0``, MiniMax ``base_resp.status_code != 0``) is an :class:`~vtasks.APIError`; a task
  without a usable id (the specs allow ``""``, and MiniMax / AiToEarn bodies without one) is a
  :class:`~vtasks.ResponseError`.
- *mutated*: a valid body with fields removed, nulled or retyped, unknown enum values, extra
  fields, duplicated items, deep junk, huge numbers or damaged bytes gives a Task or a
  :class:`~vtasks.VTasksError` subclass, never a bare ``KeyError`` / ``TypeError`` /
  ``ValueError`` / ``AttributeError`` / ``JSONDecodeError`` / ``RecursionError``.
- both clients agree on every body (same tasks, or the same error class).

Runs in ``nox -s fuzz`` (one of the default sessions; a plain ``pytest`` leaves this module out).
Size: ``VTASKS_FUZZ_BODIES`` (default 300) bodies per provider, spread over its operations; a
generated valid body is served once as is and its MUTANTS mutations are served too (generating a
body costs far more than serving it); ``VTASKS_FUZZ_BODIES=3000 nox -s fuzz`` is the bigger run.
``CI`` (or ``VTASKS_FUZZ_DERANDOMIZE=1``, the session's default) derandomizes the run for
repeatability; ``VTASKS_FUZZ_SEED`` fixes the seed instead.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import math
import os
import pickle
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from harness import Api, Facade
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema
from jsonschema import Draft7Validator
from openapi_schema_validator import OAS31Validator

import vtasks
from vtasks import Task, TaskStatus, VTasksError
from vtasks.testing import FakeProviders

ROOT = Path(__file__).resolve().parent.parent

# ---- settings -----------------------------------------------------------------------------------

BODIES_PER_PROVIDER = int(os.environ.get("VTASKS_FUZZ_BODIES", "300"))
MUTANTS = 4  # mutated bodies served per generated valid body
DERANDOMIZE = bool(os.environ.get("CI")) or os.environ.get("VTASKS_FUZZ_DERANDOMIZE") == "1"
SEED = os.environ.get("VTASKS_FUZZ_SEED")

# (provider, operation): the operations each provider's fuzzing is spread over.
OPERATIONS: tuple[tuple[str, str], ...] = (
    ("ark", "get"),
    ("ark", "list"),
    ("volc", "get"),
    ("volc", "list"),
    ("veo", "get"),
    ("minimax", "get"),
    ("minimax", "files"),
    ("vidu", "get"),
    ("vidu", "list"),
    ("aitoearn", "get"),
    ("aitoearn", "list"),
    # The lifecycle: each vendor's create answer (Vidu's four modes answer one schema: fuzzed
    # through text2video, and test_vidus_create_modes_share_one_answer_schema holds them to it),
    # and the cancel answer of the vendors that cancel.
    ("ark", "create"),
    ("ark", "cancel"),
    ("volc", "create"),
    ("volc", "cancel"),
    ("veo", "create"),
    ("minimax", "create"),
    ("vidu", "create"),
    ("vidu", "cancel"),
    ("aitoearn", "create"),
)
KINDS = ("valid", "mutated")
_OPS_PER_PROVIDER = Counter(provider for provider, _ in OPERATIONS)


def examples_for(provider: str) -> int:
    """Hypothesis examples per (operation, kind) test, so a provider gets BODIES_PER_PROVIDER.

    A *valid* example serves one body, a *mutated* one MUTANTS bodies (each to both clients).
    """
    bodies_per_example_pair = 1 + MUTANTS
    return max(
        1, math.ceil(BODIES_PER_PROVIDER / (_OPS_PER_PROVIDER[provider] * bodies_per_example_pair))
    )


def fuzz_settings(provider: str) -> settings:
    extra: dict[str, Any] = {"database": None} if DERANDOMIZE else {}
    return settings(
        max_examples=examples_for(provider),
        deadline=None,
        derandomize=DERANDOMIZE and SEED is None,
        **extra,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
        print_blob=True,
    )


# ---- spec schemas -> plain JSON Schema ------------------------------------------------------------


def _load_bundler() -> Callable[[Path], dict[str, Any]]:
    spec = importlib.util.spec_from_file_location("_vtasks_bundle", ROOT / "scripts" / "_bundle.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.bundle  # type: ignore[no-any-return]


bundle = _load_bundler()


def inline_refs(node: Any, doc: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    """``node`` with every local ``$ref`` replaced by (a copy of) its target, recursively.

    Sibling keywords next to a ``$ref`` (allowed in OpenAPI 3.1) are merged over the target.
    A reference cycle raises ``ValueError``: a recursive schema cannot be inlined.
    """
    if isinstance(node, list):
        return [inline_refs(item, doc, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        if not ref.startswith("#/"):
            raise ValueError(f"external $ref {ref!r}: bundle the document first")
        if ref in seen:
            raise ValueError(f"recursive $ref {ref!r} cannot be inlined")
        target: Any = doc
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        merged = {**copy.deepcopy(target), **{k: v for k, v in node.items() if k != "$ref"}}
        return inline_refs(merged, doc, (*seen, ref))
    return {key: inline_refs(value, doc, seen) for key, value in node.items()}


# Keywords that only annotate (or are OpenAPI's own): dropped, they constrain nothing.
_ANNOTATIONS = frozenset(
    {
        "description",
        "title",
        "example",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "xml",
        "externalDocs",
        "discriminator",
        "$comment",
        "$schema",
        "$id",
        "$anchor",
        "$dynamicAnchor",
        "$defs",
        "definitions",
        "contentSchema",
    }
)
# 2020-12 keywords hypothesis-jsonschema (drafts 4-7) cannot generate for: dropped, which only
# widens what is generated; the curated specs use none of them today.
_UNSUPPORTED = frozenset(
    {"unevaluatedProperties", "unevaluatedItems", "minContains", "maxContains"}
)
# Number formats become the bounds they mean; string formats hypothesis-jsonschema knows are kept.
_INT_BOUNDS = {"int32": (-(2**31), 2**31 - 1), "int64": (-(2**63), 2**63 - 1)}
_STRING_FORMATS = frozenset(
    {"date-time", "date", "time", "email", "ipv4", "ipv6", "uri", "uuid", "hostname", "regex"}
)


def to_draft7(schema: Any) -> Any:
    """An OpenAPI 3.1 (JSON Schema 2020-12) schema, refs inlined, as draft-07 for hypothesis-jsonschema.

    - annotations, ``x-*`` extensions and ``$defs`` (already inlined) are dropped;
    - OpenAPI 3.0 ``nullable: true`` becomes a ``"null"`` type;
    - ``prefixItems`` becomes the tuple form of ``items`` (+ ``additionalItems``);
    - ``dependentRequired`` / ``dependentSchemas`` become ``dependencies``;
    - ``format: int32 / int64`` become ``minimum`` / ``maximum``; other non-string formats
      (``double``, ``float``, ...) and unknown string formats are dropped;
    - ``unevaluated*`` and ``min/maxContains`` are dropped (generation gets looser, never stricter).
    """
    if isinstance(schema, list):
        return [to_draft7(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _ANNOTATIONS or key in _UNSUPPORTED or key.startswith("x-"):
            continue
        if key in ("properties", "patternProperties", "dependentSchemas"):
            out[key] = {name: to_draft7(sub) for name, sub in value.items()}
        elif key in {"const", "enum", "required"}:
            out[key] = copy.deepcopy(value)
        else:
            out[key] = to_draft7(value)
    if out.pop("nullable", False):
        types = out.get("type")
        if isinstance(types, str):
            out["type"] = [types, "null"]
        elif isinstance(types, list) and "null" not in types:
            out["type"] = [*types, "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    if "prefixItems" in out:
        rest = out.pop("items", None)
        out["items"] = out.pop("prefixItems")
        if rest is not None:
            out["additionalItems"] = rest
    dependencies: dict[str, Any] = {}
    dependencies.update(out.pop("dependentRequired", {}))
    dependencies.update(out.pop("dependentSchemas", {}))
    if dependencies:
        out["dependencies"] = dependencies
    fmt = out.get("format")
    if fmt is not None:
        if fmt in _INT_BOUNDS:
            low, high = _INT_BOUNDS[fmt]
            out["minimum"] = max(out.get("minimum", low), low)
            out["maximum"] = min(out.get("maximum", high), high)
            del out["format"]
        elif fmt not in _STRING_FORMATS:
            del out["format"]
    return out


@dataclass(frozen=True)
class Operation:
    """One curated operation: its 200-answer schema, inlined (OAS 3.1) and as draft-07."""

    provider: str
    operation_id: str
    oas_schema: dict[str, Any]
    schema: dict[str, Any]


def spec_operations(provider: str) -> dict[str, Operation]:
    """operationId -> the operation's 200 ``application/json`` schema, from the curated spec."""
    doc = bundle(ROOT / "specs" / f"{provider}.yaml")
    out = {}
    for item in doc["paths"].values():
        for op in (item.get(method) for method in ("get", "post", "delete")):
            if op is None:
                continue
            raw = op["responses"]["200"]["content"]["application/json"]["schema"]
            inlined = inline_refs(raw, doc)
            out[op["operationId"]] = Operation(
                provider, op["operationId"], inlined, to_draft7(inlined)
            )
    return out


SPEC_OPS = {provider: spec_operations(provider) for provider in vtasks.PROVIDERS}
_OP_ID = {
    "get": "get_task",
    "list": "list_tasks",
    "files": "retrieve_file",
    "create": "create_task",
    "cancel": "cancel_task",
}
# Vidu's other create modes: the same answer schema as the one fuzzed.
VIDU_CREATE_MODES = ("create_img2video", "create_start_end2video", "create_reference2video")


def _op_id(provider: str, op: str) -> str:
    return "create_text2video" if (provider, op) == ("vidu", "create") else _OP_ID[op]


def _pin_success(provider: str, schema: dict[str, Any]) -> dict[str, Any]:
    """The schema of a *successful* answer: business code 0 (and AiToEarn ``data`` the payload)."""
    schema = copy.deepcopy(schema)
    props = schema["properties"]
    if provider == "aitoearn":
        props["code"] = {"const": 0}
        props["data"] = props["data"]["anyOf"][0]  # the task / page, not the error's {}
        schema["required"] = sorted({*schema.get("required", ()), "data"})
    elif provider == "minimax":
        props["base_resp"]["properties"]["status_code"] = {"const": 0}
    return schema


def valid_bodies(provider: str, operation_id: str) -> st.SearchStrategy[Any]:
    """Schema-valid answers; for the two business-envelope vendors, success-pinned half the time."""
    schema = SPEC_OPS[provider][operation_id].schema
    if provider in ("aitoearn", "minimax"):
        return st.one_of(from_schema(_pin_success(provider, schema)), from_schema(schema))
    return from_schema(schema)


# ---- mutations ----------------------------------------------------------------------------------

# Placeholders for text json.dumps cannot write (too deep, too many digits): spliced in afterwards.
_SPLICE = re.compile(r'"\\u0000splice(\d+)\\u0000"')

_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
JUNK: st.SearchStrategy[Any] = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
# Values that break naive parsers: epoch edges, huge and non-finite numbers, odd time strings,
# lone surrogates, other vendors' status spellings.
SPECIAL = st.sampled_from(
    [
        0,
        -1,
        2**63,
        10**30,
        -(10**30),
        1e308,
        -1e308,
        1e-320,
        float("nan"),
        float("inf"),
        -0.0,
        "",
        " ",
        "\x00",
        "\ud800",
        "null",
        "NaN",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
        "+275760-09-13T00:00:00Z",
        "2024-02-30T25:61:61Z",
        "1e400",
        "-1",
        True,
        False,
        [],
        {},
        [None],
        "Success",
        "SUCCESS",
        "cancelled",
        "UserCancelled",
    ]
)
# Keys that mean something to some adapter: extra fields with these names collide with real ones.
MEANINGFUL_KEYS = (
    "id",
    "task_id",
    "status",
    "state",
    "err_code",
    "error",
    "content",
    "creations",
    "video",
    "resolution",
    "data",
    "list",
    "items",
    "tasks",
    "next_page_token",
    "total",
    "totalPages",
    "base_resp",
    "status_code",
    "file",
    "file_id",
    "download_url",
    "created_at",
    "updated_at",
    "status_update_time",
    "submittedAt",
    "input",
    "code",
)
MUTATIONS = ("remove", "null", "retype", "enum", "extra", "dup", "deep", "bigint", "root")
BYTE_DAMAGE = ("none", "truncate", "bad-utf8", "bom", "trailing-junk", "utf16")


def _paths(node: Any, here: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield here
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*here, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*here, index))


def _parent(root: Any, path: tuple[Any, ...]) -> Any:
    node = root
    for part in path[:-1]:
        node = node[part]
    return node


@dataclass
class Body:
    """A generated answer: its JSON value plus splices (deep / huge text) and byte damage."""

    value: Any
    splices: list[bytes]
    damage: str = "none"
    notes: tuple[str, ...] = ()
    deep: int = 0  # the deepest nesting spliced in

    def encode(self) -> bytes:
        text = json.dumps(self.value, allow_nan=True)
        data = _SPLICE.sub(lambda m: self.splices[int(m.group(1))].decode(), text).encode()
        if self.damage == "truncate":
            return data[: max(0, len(data) // 2)]
        if self.damage == "bad-utf8":
            return data[:1] + b"\xff\xfe" + data[1:]
        if self.damage == "bom":
            return b"\xef\xbb\xbf" + data
        if self.damage == "trailing-junk":
            return data + b" }{ "
        if self.damage == "utf16":
            return data.decode().encode("utf-16")
        return data


def _deep(depth: int, kind: str) -> bytes:
    if kind == "list":
        return b"[" * depth + b"]" * depth
    return b'{"a":' * depth + b"0" + b"}" * depth


@st.composite
def mutated_bodies(draw: st.DrawFn, valid: st.SearchStrategy[Any]) -> list[Body]:
    """MUTANTS different mutations of one valid body.

    Generating a body from a schema costs far more than mutating it or serving it, so each valid
    body is mutated several times.
    """
    value = draw(valid)
    return [mutate(draw, value) for _ in range(MUTANTS)]


def mutate(draw: st.DrawFn, value: Any) -> Body:
    """``value`` with 1-3 mutations, sometimes damaged at the byte level too."""
    root = {"root": copy.deepcopy(value)}  # a holder, so the root itself can be replaced
    splices: list[bytes] = []
    notes = []
    deepest = 0
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(root) if p]
        path = draw(st.sampled_from(paths))
        parent, key = _parent(root, path), path[-1]
        node = parent[key]
        kind = draw(st.sampled_from(MUTATIONS))
        notes.append(f"{kind}@{'.'.join(map(str, path[1:])) or '<root>'}")
        if kind == "remove" and key != "root":
            del parent[key]
        elif kind == "null":
            parent[key] = None
        elif kind == "retype":
            replacement = copy.deepcopy(draw(JUNK | SPECIAL))
            if type(replacement) is type(node):
                replacement = [replacement]
            parent[key] = replacement
        elif kind == "enum":
            statuses = [p for p in paths if p[-1] in ("status", "state", "err_code", "code")]
            target = draw(st.sampled_from(statuses)) if statuses else path
            _parent(root, target)[target[-1]] = copy.deepcopy(draw(st.text(max_size=12) | SPECIAL))
        elif kind == "extra":
            holder = node if isinstance(node, dict) else parent
            if isinstance(holder, dict):
                name = draw(st.sampled_from(MEANINGFUL_KEYS) | st.text(max_size=8))
                holder[name] = copy.deepcopy(draw(JUNK | SPECIAL))
        elif kind == "dup":
            lists = [p for p in _paths(root) if isinstance(_get(root, p), list) and _get(root, p)]
            if lists:
                items = _get(root, draw(st.sampled_from(lists)))
                items.insert(
                    draw(st.integers(0, len(items))), copy.deepcopy(draw(st.sampled_from(items)))
                )
        elif kind in ("deep", "bigint"):
            if kind == "deep":
                levels = draw(st.integers(50, 3000))
                deepest = max(deepest, levels)
                text = _deep(levels, draw(st.sampled_from(["list", "dict"])))
            else:
                # Past 1.8e308 (no float holds it); past 4,300 digits Python refuses to read it.
                text = b"9" * draw(st.integers(310, 6000))
            parent[key] = f"\x00splice{len(splices)}\x00"
            splices.append(text)
        elif kind == "root":
            choice: Any = draw(st.sampled_from(["wrap", "ok", 0, None, True, "empty"]))
            root["root"] = {"wrap": [root["root"]], "empty": []}.get(choice, choice)
    damage = draw(st.sampled_from(BYTE_DAMAGE)) if draw(st.integers(0, 9)) == 0 else "none"
    return Body(root["root"], splices, damage, tuple(notes), deepest)


def _get(root: Any, path: tuple[Any, ...]) -> Any:
    node = root
    for part in path:
        node = node[part]
    return node


# ---- what the clients should make of a body -------------------------------------------------------

TASK = "task"


def _usable_id(value: Any) -> bool:
    """Whether an adapter can take this as a task id (a non-empty string or an integer)."""
    if isinstance(value, bool):
        return False
    return (isinstance(value, str) and value != "") or isinstance(value, int)


def _business_code(provider: str, body: Any) -> bool:
    """Whether a (schema-valid) body carries a business error the adapter must raise."""
    if not isinstance(body, dict):
        return False
    if provider == "aitoearn":
        return body.get("code") not in (0, "0")
    if provider == "minimax":
        base = body.get("base_resp")
        # A failed task (MiniMax ``Fail``, a reseller's ``Failed``) keeps base_resp as its reason.
        failed = str(body.get("status", "")).strip().lower() in ("fail", "failed")
        if failed or not isinstance(base, dict):
            return False
        return base.get("status_code") not in (0, None, "0")
    return False


def expected_get(provider: str, body: Any, files_body: Any = None) -> str | type[VTasksError]:
    """What ``get_task`` must give for a schema-valid ``body``: a Task, or an error class."""
    if _business_code(provider, body):
        return vtasks.APIError
    task = body.get("data") if provider == "aitoearn" else body
    id_key = "task_id" if provider == "minimax" else "id"
    if not isinstance(task, dict) or not _usable_id(task.get(id_key)):
        return vtasks.ResponseError
    follows_up = provider == "minimax" and task.get("status") == "Success" and task.get("file_id")
    if follows_up and _business_code(provider, files_body):
        return vtasks.APIError
    return TASK


def expected_created(provider: str, body: Any) -> type[Any] | tuple[type[Any], ...]:
    """What ``create_task`` must give for a schema-valid create answer ``body``.

    A refusal with a business code is that ``APIError`` (MiniMax, AiToEarn); a success without a
    usable id leaves the task uncertain: ``TaskMayExistError``; otherwise the new Task.
    """
    if _business_code(provider, body):
        return (vtasks.APIError, vtasks.TaskMayExistError)  # the latter for a server-side code
    task = body.get("data") if provider == "aitoearn" else body
    id_key = "task_id" if provider in ("minimax", "vidu") else "id"
    if not isinstance(task, dict) or not _usable_id(task.get(id_key)):
        return vtasks.TaskMayExistError
    return Task


def expected_list(provider: str, body: Any) -> list[str] | type[VTasksError]:
    """The ids ``list_tasks`` must give for a schema-valid page ``body`` (each once), or an error."""
    if _business_code(provider, body):
        return vtasks.APIError
    if provider == "aitoearn":
        data = body.get("data")
        items = data.get("list") if isinstance(data, dict) else None
    else:
        items = body.get("tasks" if provider == "vidu" else "items")
    if not isinstance(items, list):
        return vtasks.ResponseError
    if not all(_usable_id(item.get("id")) for item in items):
        return vtasks.ResponseError
    return list(dict.fromkeys(str(item["id"]) for item in items))


def check_task(task: Any, provider: str) -> None:
    """The invariants every Task vtasks hands out must hold, whatever the provider sent."""
    assert isinstance(task, Task), f"expected a Task, got {task!r}"
    assert task.provider == provider
    assert isinstance(task.id, str)
    assert task.id
    assert isinstance(task.status, TaskStatus)
    assert task.raw_status is None or isinstance(task.raw_status, str)
    for name in ("created_at", "updated_at", "started_at", "finished_at"):
        value = getattr(task, name)
        assert value is None or (isinstance(value, datetime) and value.tzinfo is UTC), (name, value)
    for name in ("width", "height"):
        value = getattr(task, name)
        assert value is None or (isinstance(value, int) and not isinstance(value, bool))
    for name in ("duration", "fps"):
        value = getattr(task, name)
        assert value is None or (isinstance(value, float) and math.isfinite(value)), (name, value)
    for name in ("video_url", "cover_url", "model", "prompt", "error", "error_code"):
        value = getattr(task, name)
        assert value is None or isinstance(value, str), (name, value)
    assert all(isinstance(url, str) for url in task.video_urls)
    assert isinstance(task.is_terminal, bool)
    json.dumps(task.to_dict())  # JSON-ready
    assert repr(task).startswith("Task(")
    hash(task)


def check_error(error: BaseException) -> VTasksError:
    """A vtasks error, printable and picklable; anything else fails the test with its traceback."""
    if not isinstance(error, VTasksError):
        raise AssertionError(f"a bare {type(error).__name__} escaped the client") from error
    assert str(error)
    assert repr(error)
    copy_ = pickle.loads(pickle.dumps(error))
    assert type(copy_) is type(error)
    return error


# ---- the simulator and the two clients ------------------------------------------------------------

FIXED_TASK_IDS = {
    "ark": "cgt-20250612172542-fuzz1",
    "volc": "cgt-20250612172542-fuzz2",
    "veo": "veo3.1-fast:1760545785-fuzz",
    "minimax": "176843862716480",
    "vidu": "850447385478819840",
    "aitoearn": "6864f1c2a1b2c3d4e5f60718",
}
MINIMAX_SUCCESS = {
    "task_id": FIXED_TASK_IDS["minimax"],
    "status": "Success",
    "file_id": "176844028768320",
    "video_width": 1920,
    "video_height": 1080,
    "base_resp": {"status_code": 0, "status_msg": "success"},
}
MINIMAX_FILE = {
    "file": {
        "file_id": 176844028768320,
        "bytes": 5896337,
        "created_at": 1700469398,
        "filename": "output.mp4",
        "purpose": "video_generation",
        "download_url": "https://cdn.example.com/output.mp4",
    },
    "base_resp": {"status_code": 0, "status_msg": "success"},
}

EMPTY_PAGES = {
    "ark": b'{"total": 0, "items": []}',
    "volc": b'{"total": 0, "items": []}',
    "vidu": b'{"tasks": [], "next_page_token": ""}',
    "aitoearn": b'{"code": 0, "data": {"list": []}}',
}

COUNTS: Counter[str] = Counter()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeProviders]:
    """One simulator for the whole module (examples only ever see injected answers)."""
    with FakeProviders(record_requests=False) as simulator:
        yield simulator


@pytest.fixture(scope="module")
def clients(fake: FakeProviders) -> Iterator[dict[str, dict[str, Facade]]]:
    """mode -> provider -> a client with no retries (every example is one answer)."""
    apis = {mode: Api(mode, fake) for mode in ("sync", "async")}
    try:
        yield {
            mode: {p: api.client(p, max_retries=0) for p in vtasks.PROVIDERS}
            for mode, api in apis.items()
        }
    finally:
        for api in apis.values():
            api.close()
        if COUNTS:
            print("\nfuzz examples per provider:", dict(sorted(COUNTS.items())))


def _serve(fake: FakeProviders, provider: str, endpoint: str, body: bytes) -> None:
    fake.inject(
        provider, "http_error", endpoint=endpoint, status=200, body=body,
        content_type="application/json", count=1,
    )  # fmt: skip


def _outcome(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as error:
        return error


def run_both(
    fake: FakeProviders,
    clients: dict[str, dict[str, Facade]],
    provider: str,
    op: str,
    body: bytes,
    files_body: bytes | None = None,
) -> list[Any]:
    """Serve ``body`` (and ``files_body``) to both clients in turn; their outcomes."""
    outcomes = []
    for mode in ("sync", "async"):
        client = clients[mode][provider]
        fake.clear_faults()
        if op == "files":
            _serve(fake, provider, "get", json.dumps(MINIMAX_SUCCESS).encode())
            _serve(fake, provider, "files", body)
        elif op in ("create", "cancel"):
            _serve(fake, provider, op, body)
        else:
            _serve(fake, provider, "get" if op == "get" else "list", body)
            if op == "list":
                # Whatever page the body points to next (a token, a page number) is empty.
                _serve(fake, provider, "list", EMPTY_PAGES[provider])
            if files_body is not None:
                _serve(fake, provider, "files", files_body)
        if op == "list":
            outcomes.append(_outcome(partial(client.list_tasks)))
        elif op == "create":
            outcomes.append(_outcome(partial(client.create_task, **CREATE_INPUTS[provider])))
        elif op == "cancel":
            # A queued task of the simulator's: its answers are real, the cancel's is fuzzed.
            queued = fake.add_task(provider, status="queued").id
            outcomes.append(_outcome(partial(client.cancel_task, queued)))
        else:
            outcomes.append(_outcome(partial(client.get_task, FIXED_TASK_IDS[provider])))
    fake.clear_faults()
    return outcomes


# Past this nesting depth, whether json.loads reads a body depends on how deep the call stack
# already is (the interpreter's recursion limit counts both): the async client, called from
# further down an event loop, may refuse (ResponseError) what the sync client reads. Both are
# allowed outcomes; the two clients are only required to agree below it.
STACK_DEPENDENT_DEPTH = 800


def check_agreement(sync: Any, async_: Any, body: Body) -> None:
    """Both clients made the same of the same body."""
    if body.deep >= STACK_DEPENDENT_DEPTH:
        return
    if isinstance(sync, BaseException) or isinstance(async_, BaseException):
        assert type(sync) is type(async_), (sync, async_)
    elif isinstance(sync, vtasks.CancelResult):  # each client cancelled a task of its own
        assert (sync.outcome, sync.task.status) == (async_.outcome, async_.task.status)
    else:
        assert sync == async_


CREATE_INPUTS: dict[str, dict[str, Any]] = {
    p: {"model": "fuzz-model", "prompt": "a fox in the snow"} for p in vtasks.PROVIDERS
}


def check_outcome(provider: str, op: str, outcome: Any) -> None:
    """Task(s) with every invariant, a cancel's result, or a vtasks error."""
    if isinstance(outcome, BaseException):
        check_error(outcome)
    elif op == "cancel":
        assert isinstance(outcome, vtasks.CancelResult), outcome
        check_task(outcome.task, provider)
    elif op == "create":
        check_task(outcome, provider)
    elif op == "list":
        assert isinstance(outcome, list)
        for task in outcome:
            check_task(task, provider)
        ids = [task.id for task in outcome]
        assert len(ids) == len(set(ids)), "a task came twice"
    else:
        check_task(outcome, provider)
        assert outcome.id == FIXED_TASK_IDS[provider]


# ---- the fuzz tests -------------------------------------------------------------------------------


def check_expected(provider: str, op: str, value: Any, files: Any, outcome: Any) -> None:
    """For a schema-valid body: the Task(s) it must give, or the error class it must raise."""
    if op == "list":
        expected = expected_list(provider, value)
        if isinstance(expected, list):
            assert not isinstance(outcome, BaseException), outcome
            assert [t.id for t in outcome] == expected
        else:
            assert isinstance(outcome, expected), (outcome, expected)
        return
    if op == "create":
        want_create = expected_created(provider, value)
        assert isinstance(outcome, want_create), (outcome, want_create)
        return
    if op == "cancel":
        # Whatever the vendor's answer to an accepted cancel, the outcome is read back from the task.
        assert isinstance(outcome, vtasks.CancelResult), outcome
        return
    want: str | type[VTasksError]
    if op == "files":
        want = vtasks.APIError if _business_code("minimax", value) else TASK
    else:
        want = expected_get(provider, value, files)
    if want == TASK:
        assert isinstance(outcome, Task), outcome
    else:
        assert isinstance(want, type)
        assert isinstance(outcome, want), (outcome, want)
    if op == "files" and isinstance(outcome, Task):
        check_file_url(value.get("file"), outcome.video_url)


# An http(s) URL as plain as they come: a scheme, a DNS name or IPv4 address, an optional port.
_PLAIN_URL = re.compile(
    r"https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#].*)?"
)


def check_file_url(file: Any, video_url: str | None) -> None:
    """The video URL a files answer gives: its download URL, else its backup, as https if bare.

    A plain http(s) ``download_url`` is taken as is. Otherwise the video URL, when there is one,
    is one of the file's two URLs, at most with ``https:`` / ``https://`` put in front (MiniMax's
    own example has a URL without a scheme), and it is an http(s) URL with a host.
    """
    urls = (
        [
            u.strip()
            for u in (file.get("download_url"), file.get("backup_download_url"))
            if isinstance(u, str)
        ]
        if isinstance(file, dict)
        else []
    )
    if urls and isinstance(file.get("download_url"), str) and _PLAIN_URL.fullmatch(urls[0]):
        assert video_url == urls[0]
        return
    if video_url is None:
        return
    assert any(video_url in (u, "https:" + u, "https://" + u) for u in urls), (video_url, urls)
    parsed = urlsplit(video_url)
    assert parsed.scheme in ("http", "https"), video_url
    assert parsed.hostname, video_url


def _fuzz_test(provider: str, op: str, kind: str) -> Callable[..., None]:
    operation = SPEC_OPS[provider][_op_id(provider, op)]
    valid = valid_bodies(provider, operation.operation_id)
    files_valid = from_schema(_pin_success("minimax", SPEC_OPS["minimax"]["retrieve_file"].schema))
    oas = OAS31Validator(operation.oas_schema)
    strategy: st.SearchStrategy[list[Body]] = (
        mutated_bodies(valid) if kind == "mutated" else valid.map(lambda v: [Body(v, [])])
    )

    @fuzz_settings(provider)
    @given(
        bodies=strategy, files=files_valid if (provider, op) == ("minimax", "get") else st.none()
    )
    def run(
        fake: FakeProviders, clients: dict[str, dict[str, Facade]], bodies: list[Body], files: Any
    ) -> None:
        files_bytes = json.dumps(files).encode() if files is not None else None
        for body in bodies:
            COUNTS[provider] += 1
            sync, async_ = run_both(fake, clients, provider, op, body.encode(), files_bytes)
            check_outcome(provider, op, sync)
            check_outcome(provider, op, async_)
            check_agreement(sync, async_, body)
            if kind == "valid":
                # The generator's own check: what it made is valid against the curated spec.
                errors = list(oas.iter_errors(body.value))
                assert not errors, f"generated an invalid body: {errors[0].message}"
                check_expected(provider, op, body.value, files, sync)

    if SEED is not None:
        run = seed(int(SEED))(run)
    return run


_TESTS = {(p, op, kind): _fuzz_test(p, op, kind) for p, op in OPERATIONS for kind in KINDS}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(("provider", "op"), OPERATIONS, ids=[f"{p}-{o}" for p, o in OPERATIONS])
def test_fuzz_answers(
    fake: FakeProviders,
    clients: dict[str, dict[str, Facade]],
    provider: str,
    op: str,
    kind: str,
) -> None:
    _TESTS[provider, op, kind](fake, clients)


# ---- the schema adaptation itself -----------------------------------------------------------------


def test_every_curated_operation_is_fuzzed() -> None:
    for provider, op in OPERATIONS:
        Draft7Validator.check_schema(SPEC_OPS[provider][_op_id(provider, op)].schema)
    covered = {(p, _op_id(p, o)) for p, o in OPERATIONS} | {("vidu", m) for m in VIDU_CREATE_MODES}
    assert covered == {(p, op) for p, ops in SPEC_OPS.items() for op in ops}


def test_vidus_create_modes_share_one_answer_schema() -> None:
    fuzzed = SPEC_OPS["vidu"]["create_text2video"].oas_schema
    for mode in VIDU_CREATE_MODES:
        assert SPEC_OPS["vidu"][mode].oas_schema == fuzzed


def test_to_draft7_adapts_2020_12_keywords() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": "x",
        "x-note": 1,
        "type": "object",
        "properties": {
            "pair": {"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
            "n": {"type": "integer", "format": "int32", "minimum": 5},
            "f": {"type": "number", "format": "double"},
            "maybe": {"type": "string", "nullable": True, "enum": ["a"]},
            "when": {"type": "string", "format": "date-time", "examples": ["2024-01-01T00:00:00Z"]},
            "description": {"type": "string"},  # a property named like an annotation stays
        },
        "dependentRequired": {"a": ["b"]},
        "unevaluatedProperties": False,
    }
    assert to_draft7(schema) == {
        "type": "object",
        "properties": {
            "pair": {"items": [{"type": "integer"}, {"type": "string"}], "additionalItems": False},
            "n": {"type": "integer", "minimum": 5, "maximum": 2**31 - 1},
            "f": {"type": "number"},
            "maybe": {"type": ["string", "null"], "enum": ["a", None]},
            "when": {"type": "string", "format": "date-time"},
            "description": {"type": "string"},
        },
        "dependencies": {"a": ["b"]},
    }


def test_inline_refs_merges_siblings_and_refuses_cycles() -> None:
    doc = {
        "components": {
            "schemas": {"A": {"type": "string"}, "L": {"$ref": "#/components/schemas/L"}}
        }
    }
    assert inline_refs({"$ref": "#/components/schemas/A", "maxLength": 3}, doc) == {
        "type": "string",
        "maxLength": 3,
    }
    with pytest.raises(ValueError, match="recursive"):
        inline_refs({"$ref": "#/components/schemas/L"}, doc)


def test_mutations_reach_every_kind() -> None:
    """The mutation strategy really produces each kind of damage (so the fuzz can fail)."""
    seen: set[str] = set()
    damages: set[str] = set()
    page = {"total": 2, "items": [{"id": "a", "status": "queued", "content": {"video_url": "u"}}]}

    @settings(max_examples=150, deadline=None, derandomize=True, database=None)
    @given(bodies=mutated_bodies(st.just(page)))
    def run(bodies: list[Body]) -> None:
        for body in bodies:
            seen.update(note.split("@")[0] for note in body.notes)
            damages.add(body.damage)
            body.encode()

    run()
    assert seen == set(MUTATIONS)
    assert damages == set(BYTE_DAMAGE)
