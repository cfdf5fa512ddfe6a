"""What a callback's body means: a JSON object, MiniMax's challenge echo, or the pushed task.

The body is capped (:data:`MAX_BODY_BYTES`) the way the client caps answers: the vendors push
one task's state, a few KiB, so a larger body is not theirs. What an error keeps of it is
scrubbed of the secret and cut to ``MAX_BODY_CHARS`` by the error itself.
"""

from __future__ import annotations

import json
from typing import Any

from .._answers import Scrubber
from .._exceptions import CallbackError, ResponseError
from .._models import Task
from .._providers import get_adapter
from .inbound import Inbound

__all__ = ["MAX_BODY_BYTES", "challenge_answer", "read_object", "read_task"]

MAX_BODY_BYTES = 1 << 20
"""The largest callback body accepted, in bytes (1 MiB); read at most one byte more than this."""


def _refuse(inbound: Inbound, message: str, status: int = 400) -> CallbackError:
    """The error for this body, keeping the body without the secret."""
    kept: bytes | str = inbound.body
    if inbound.secret is not None:
        kept = Scrubber(inbound.secret).body(inbound.body)
    return CallbackError(message, provider=inbound.provider, body=kept, response_status=status)


def read_object(inbound: Inbound) -> dict[str, Any]:
    """The body's JSON object.

    Raises:
        CallbackError: For a body over the cap (413), empty, not JSON, or not an object (400).
    """
    size = len(inbound.body)
    if size > MAX_BODY_BYTES:
        raise _refuse(
            inbound,
            f"the body is {size} bytes, more than the {MAX_BODY_BYTES >> 20} MiB a callback may be",
            413,
        )
    if not size:
        raise _refuse(inbound, "the body is empty")
    try:
        payload = json.loads(inbound.body)
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; "[[[[..." past the recursion limit
    # raises RecursionError: not JSON that can be read, all the same.
    except (ValueError, RecursionError):
        raise _refuse(inbound, "the body is not JSON") from None
    if not isinstance(payload, dict):
        raise _refuse(inbound, f"the body is a JSON {type(payload).__name__}, not an object")
    return payload


def challenge_answer(payload: dict[str, Any]) -> bytes | None:
    """The echo of a MiniMax handshake, or ``None`` for a body that is not one.

    A body whose ``challenge`` is set and not ``null`` is the handshake (the vendor's own sample
    receiver tests exactly that); the answer carries the same value back. ASCII-escaped JSON, so
    that any value that came in as JSON goes back out, lone surrogates included.
    """
    value = payload.get("challenge")
    if value is None:
        return None
    return json.dumps({"challenge": value}, separators=(",", ":")).encode()


def read_task(inbound: Inbound, payload: dict[str, Any]) -> Task:
    """The pushed task, read by the adapter that reads the provider's query answers.

    Every vendor here pushes its query's shape, so each vendor's reading stays in its home.

    Raises:
        CallbackError: For a push the adapter cannot make a task of (no id): nothing to act on.
    """
    try:
        return get_adapter(inbound.provider).parse_task(payload)
    except ResponseError as exc:
        raise _refuse(inbound, exc.message or "not a task") from exc
