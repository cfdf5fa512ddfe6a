"""The live contract check behind ``vtasks check``: real answers against the curated spec.

It asks a provider read-only questions (one list page where the provider can list, and the
tasks asked about; MiniMax's file answers too) and validates every answer, in full, against its
endpoint's response schema in the curated spec (:mod:`vtasks._spec`): required fields, types,
enum values, and fields the spec does not declare. The validator is ``jsonschema``'s Draft
2020-12 one, which ``nox -s drift`` uses on the specs' own examples; it is an optional extra
(``pip install 'vtasks[check]'``), so the core's dependencies stay attrs, httpx and dateutil.

The questions are asked through the client, as every other call is (its key, base URL, retries,
deadlines, size cap, scrubbing), by a sans-IO flow (:func:`contract_flow`). Unknown fields are
found by marking every object schema that declares its properties with
``unevaluatedProperties: false`` in a copy of the spec: JSON Schema allows extra fields unless
told otherwise, and the curated specs say what the vendors send, not what they might.
"""

from __future__ import annotations

import contextlib
import copy
import functools
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import attrs

from . import _spec
from ._exceptions import ConfigurationError, VTasksError
from ._flows.steps import Answer, Flow, fetch_all
from ._providers._base import Adapter, Request

__all__ = [
    "CHECK_PAGE_SIZE",
    "Answered",
    "ContractReport",
    "Difference",
    "contract_flow",
    "validator_for",
]

CHECK_PAGE_SIZE = 50
"""Tasks asked for in the list page (fewer where the provider's pages are smaller)."""

# jsonschema's validator keyword -> what kind of drift it is.
_KINDS = {
    "type": "retyped",
    "enum": "new value",
    "const": "new value",
    "required": "missing required field",
    "unevaluatedProperties": "unknown field",
    "additionalProperties": "unknown field",
}


@attrs.frozen
class Difference:
    """One way an answer differs from the curated spec.

    Attributes:
        path: Where in the answer (``items[3].status``; ``""`` for the answer itself).
        kind: ``unknown field``, ``new value``, ``retyped``, ``missing required field`` or
            ``other`` (a bound, a format, a shape).
        message: The validator's words, shortened (the key is already scrubbed from answers).
    """

    path: str
    kind: str
    message: str

    def to_dict(self) -> dict[str, str]:
        """A JSON-ready dict."""
        return {"path": self.path, "kind": self.kind, "message": self.message}


@attrs.frozen
class Answered:
    """One question asked and what its answer showed.

    Attributes:
        endpoint: ``"list"``, ``"get"`` or ``"files"``.
        subject: What was asked about: ``"page 1"``, or a task id.
        differences: Where the answer drifted (empty: it matched).
        error: Why there was no answer to check (a vtasks error's message), else ``None``.
    """

    endpoint: str
    subject: str
    differences: tuple[Difference, ...] = ()
    error: str | None = None

    @property
    def matched(self) -> bool:
        """Whether the answer was checked and matched the spec."""
        return self.error is None and not self.differences

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "endpoint": self.endpoint,
            "subject": self.subject,
            "matched": self.matched,
            "error": self.error,
            "differences": [d.to_dict() for d in self.differences],
        }


@attrs.frozen
class ContractReport:
    """What ``vtasks check`` found for one provider.

    Attributes:
        provider: The provider key.
        base_url: Where the questions went.
        answers: Each question, in the order asked.
    """

    provider: str
    base_url: str
    answers: tuple[Answered, ...]

    @property
    def drifted(self) -> bool:
        """Whether any answer differed from the spec."""
        return any(answer.differences for answer in self.answers)

    @property
    def failed(self) -> bool:
        """Whether any question could not be answered (so the check is incomplete)."""
        return any(answer.error is not None for answer in self.answers)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (``vtasks check --json``)."""
        return {
            "provider": self.provider,
            "base_url": self.base_url,
            "drifted": self.drifted,
            "complete": not self.failed,
            "answers": [answer.to_dict() for answer in self.answers],
        }


# ---- validation ---------------------------------------------------------------------------


def _strict(node: Any) -> Any:
    """A copy of a spec in which every object schema that lists its properties allows no others."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if (
        isinstance(out.get("properties"), dict)
        and "additionalProperties" not in out
        and "unevaluatedProperties" not in out
    ):
        out["unevaluatedProperties"] = False
    return out


@functools.cache
def _strict_document(provider: str) -> dict[str, Any]:
    doc = copy.deepcopy(_spec.document(provider))
    doc["components"] = _strict(doc.get("components", {}))
    doc["paths"] = _strict(doc.get("paths", {}))
    return doc


@functools.cache
def validator_for(provider: str, endpoint: str) -> Callable[[Any], list[Difference]] | None:
    """The validation of ``endpoint``'s answers for ``provider``, or ``None`` (no schema).

    Raises:
        ConfigurationError: ``jsonschema`` is not installed (the ``check`` extra).
    """
    try:
        from jsonschema import Draft202012Validator
    except ImportError:
        raise ConfigurationError(
            "the contract check needs jsonschema: pip install 'vtasks[check]'"
        ) from None
    pointer = _spec.response_pointer(provider, endpoint)
    if pointer is None:
        return None
    # The whole document is the root schema, so `#/components/...` references resolve; its own
    # OpenAPI keys are unknown keywords to JSON Schema and ignored (as in scripts/check_drift.py).
    validator = Draft202012Validator({**_strict_document(provider), "$ref": pointer})

    def validate(payload: Any) -> list[Difference]:
        found = {
            (d.path, d.kind, d.message): d
            for error in validator.iter_errors(payload)
            for d in _differences(error)
        }
        return sorted(found.values(), key=lambda d: (d.path, d.kind, d.message))

    return validate


def _differences(error: Any) -> Iterator[Difference]:
    """The differences one validation error stands for (``oneOf``: the closest branch's)."""
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[int, list[Any]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        # The branch the answer came closest to: the one whose errors sit deepest (a task object
        # against `oneOf: [Task, null]` is judged as a Task, not as "not null").
        best = max(branches.values(), key=lambda errs: max(len(e.absolute_path) for e in errs))
        for sub in best:
            yield from _differences(sub)
        return
    path = _path(error.absolute_path)
    if error.validator in ("unevaluatedProperties", "additionalProperties"):
        for name in _unexpected(error):
            yield Difference(_join(path, name), "unknown field", "not in the spec")
        return
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        yield Difference(_join(path, missing), "missing required field", "required by the spec")
        return
    yield Difference(path, _KINDS.get(error.validator, "other"), _short(error.message))


def _unexpected(error: Any) -> list[str]:
    """The field names an ``unevaluatedProperties`` / ``additionalProperties`` error is about."""
    if isinstance(error.instance, dict) and isinstance(error.schema, dict):
        declared = error.schema.get("properties", {})
        return sorted(str(name) for name in error.instance if name not in declared)
    return [""]  # pragma: no cover - these validators only fail on objects


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path and name else path or name


def _short(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


# ---- the questions ------------------------------------------------------------------------


def _ask(request: Request) -> Flow[Any]:
    """One request's payload, or the vtasks error it ended with (returned, not raised)."""
    (outcome,) = yield from fetch_all((request,))
    return outcome.payload if isinstance(outcome, Answer) else outcome


def _judge(provider: str, endpoint: str, subject: str, outcome: Any) -> tuple[Answered, Any | None]:
    """An :class:`Answered` for one outcome, and the payload when there was one."""
    if isinstance(outcome, VTasksError):
        return Answered(endpoint, subject, error=f"{type(outcome).__name__}: {outcome}"), None
    validate = validator_for(provider, endpoint)
    differences = tuple(validate(outcome)) if validate is not None else ()
    return Answered(endpoint, subject, differences), outcome


def contract_flow(adapter: Adapter, task_ids: Sequence[str], base_url: str) -> Flow[ContractReport]:
    """Ask the list page (where there is one) and each task; judge every answer.

    Without ``task_ids``, the newest task on the list page is asked about too, so that the get
    endpoint is checked as well.
    """
    provider = adapter.name
    answers: list[Answered] = []
    ids = list(task_ids)
    if adapter.supports_list:
        request = adapter.list_request(
            page=adapter.first_page() if adapter.numbered_pages else None,
            token=None,
            page_size=min(CHECK_PAGE_SIZE, adapter.max_page_size),
        )
        answered, payload = _judge(provider, "list", "page 1", (yield from _ask(request)))
        answers.append(answered)
        if not ids and payload is not None:
            with contextlib.suppress(VTasksError):  # unreadable: its differences say why
                ids = [task.id for task in adapter.parse_page(payload).tasks[:1]]
    for task_id in ids:
        answered, payload = _judge(
            provider, "get", task_id, (yield from _ask(adapter.get_request(task_id)))
        )
        answers.append(answered)
        if payload is None:
            continue
        try:
            follow_up = adapter.follow_up(adapter.parse_task(payload))
        except VTasksError:
            continue
        if follow_up is not None:
            answered, _ = _judge(provider, "files", task_id, (yield from _ask(follow_up)))
            answers.append(answered)
    return ContractReport(provider, base_url, tuple(answers))
