"""The curated specs at run time: the contract answers are held to.

Every generated package carries the bundled spec it was generated from, as ``openapi.json``
(written by ``scripts/regenerate.py``, so ``nox -s drift`` keeps it identical to ``specs/``).
Two things read it: the drift sentinel (:mod:`vtasks._sentinel`), which warns when a live answer
carries what the spec does not know, and ``vtasks check`` (:mod:`vtasks._check`), which validates
answers against it in full. Both load it lazily, on first use: ``import vtasks`` never does.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

__all__ = [
    "ENDPOINT_OPERATIONS",
    "SPEC_FILE",
    "document",
    "operation",
    "response_pointer",
    "response_schema",
]

SPEC_FILE = "openapi.json"

# vtasks' request endpoints (``Request.endpoint``) and the curated operationIds they call; the
# specs name their operations alike for every provider (a CURATION in each spec).
ENDPOINT_OPERATIONS = {
    "get": "get_task",
    "list": "list_tasks",
    "files": "retrieve_file",
    "create": "create_task",
    "cancel": "cancel_task",
    "delete": "delete_task",
}

# An endpoint whose operation may be curated under another id: Ark's one DELETE both cancels a
# queued task and deletes a finished one's record, and is curated once, as ``cancel_task``.
# Vidu creates with one operation per mode; all four answer the same created-task schema, so
# the first stands for them where only the endpoint is known (the drift sentinel).
_FALLBACK_OPERATIONS = {"delete": "cancel_task", "create": "create_text2video"}


@functools.cache
def document(provider: str) -> dict[str, Any]:
    """The bundled curated spec of ``provider`` (parsed once per process)."""
    text = resources.files(f"vtasks_gen_{provider}").joinpath(SPEC_FILE).read_text("utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def operation(
    provider: str, endpoint: str, operation_id: str | None = None
) -> tuple[str, str, dict[str, Any]] | None:
    """``(METHOD, path template, operation object)`` of an endpoint, or ``None`` if the spec has none.

    ``operation_id`` names the operation outright, for an endpoint that maps to several (Vidu's
    one create per mode: ``create_text2video``, ``create_img2video``, ...).
    """
    operation_id = operation_id or ENDPOINT_OPERATIONS.get(endpoint)
    if operation_id is None:
        return None
    found = _find(provider, operation_id)
    fallback = _FALLBACK_OPERATIONS.get(endpoint)
    if found is None and fallback is not None:
        found = _find(provider, fallback)
    return found


def _find(provider: str, operation_id: str) -> tuple[str, str, dict[str, Any]] | None:
    for path, item in document(provider).get("paths", {}).items():
        for method, op in item.items():
            if isinstance(op, dict) and op.get("operationId") == operation_id:
                return method.upper(), path, op
    return None


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def response_pointer(provider: str, endpoint: str) -> str | None:
    """The JSON pointer (``#/paths/...``) of an endpoint's successful answer's schema, or ``None``.

    The answer is the operation's HTTP 200 JSON response.
    """
    found = operation(provider, endpoint)
    if found is None:
        return None
    method, path, op = found
    response = op.get("responses", {}).get("200")
    if not isinstance(response, dict):
        return None
    for media, content in response.get("content", {}).items():
        if "json" in media and isinstance(content, dict) and "schema" in content:
            return (
                f"#/paths/{_escape(path)}/{method.lower()}/responses/200/content/"
                f"{_escape(media)}/schema"
            )
    return None


def response_schema(provider: str, endpoint: str) -> dict[str, Any] | None:
    """The JSON schema of an endpoint's successful answer (HTTP 200, JSON), or ``None``.

    The schema may hold local ``$ref``s; resolve them against :func:`document`.
    """
    pointer = response_pointer(provider, endpoint)
    if pointer is None:
        return None
    node: Any = document(provider)
    for part in pointer[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    schema: dict[str, Any] = node
    return schema
