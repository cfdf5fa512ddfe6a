"""The transport-neutral request and response shapes the simulator's handlers work with."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["JSON_TYPE", "Request", "Response", "dumps", "json_response", "parse_json"]

JSON_TYPE = "application/json; charset=utf-8"


def dumps(obj: Any) -> bytes:
    """Serialize ``obj`` compactly as UTF-8 JSON (non-ASCII kept, as the vendors send it)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode()


def parse_json(body: bytes) -> Any:
    """Return ``body`` parsed as JSON, or ``None`` when it is empty or not valid UTF-8 JSON."""
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:  # json.JSONDecodeError and UnicodeDecodeError are both ValueErrors
        return None


@dataclass(frozen=True, slots=True)
class Request:
    """A parsed request routed to one provider endpoint.

    Attributes:
        method: The HTTP method.
        endpoint: ``"get"``, ``"list"``, ``"files"``, ``"download"``, ``"create"`` or ``"cancel"``.
        task_id: The id taken from the path (percent-decoded), if the route has one.
        query: The query parameters in order, repeats kept.
        headers: Request headers keyed by lower-case name (credentials NOT redacted).
        rest: Route-specific remainder (the file name for downloads, the task kind for Vidu's
            creates).
        body: The request body as received (empty when none was sent).
        json: The body parsed as JSON, or ``None`` when it is empty or not JSON.
    """

    method: str
    endpoint: str
    task_id: str | None
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    rest: str = ""
    body: bytes = b""
    json: Any = None

    def arg(self, key: str) -> str | None:
        """Return the first value of query parameter ``key``, or ``None``."""
        for k, v in self.query:
            if k == key:
                return v
        return None

    def args(self, key: str) -> list[str]:
        """Return every value of the repeated query parameter ``key``, in order."""
        return [v for k, v in self.query if k == key]


@dataclass(slots=True)
class Response:
    """What to send back.

    Attributes:
        status: The HTTP status code.
        body: The complete body.
        content_type: The ``Content-Type`` header value.
        headers: Extra headers.
        send_bytes: When set, send only this many body bytes (``Content-Length`` still announces the
            full body) and then close the connection.
        drop: Close the connection without sending anything.
        close: Close the connection after answering.
    """

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: list[tuple[str, str]] = field(default_factory=list)
    send_bytes: int | None = None
    drop: bool = False
    close: bool = False


def json_response(status: int, obj: Any, headers: list[tuple[str, str]] | None = None) -> Response:
    """Build a JSON response from a Python object."""
    return Response(status, dumps(obj), headers=list(headers or ()))
