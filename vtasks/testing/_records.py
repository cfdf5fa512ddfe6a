"""What the simulator remembers about each request it received (credentials redacted)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["REDACTED", "RequestRecord", "redact_headers"]

REDACTED = "<redacted>"
"""The text that replaces a credential in recorded headers."""

_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "x-api-key", "cookie"})


def redact_headers(headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Return headers keyed by lower-case name, with credentials replaced by ``<redacted>``.

    The authentication scheme word is kept (``"Bearer <redacted>"``, ``"Token <redacted>"``) so a
    test can still check which scheme a client used. Repeated headers are joined with ``", "``.
    """
    out: dict[str, str] = {}
    for name, raw in headers:
        key = name.lower()
        value = raw
        if key in _SECRET_HEADERS:
            scheme, sep, _ = raw.strip().partition(" ")
            value = f"{scheme} {REDACTED}" if sep and key.endswith("authorization") else REDACTED
        out[key] = f"{out[key]}, {value}" if key in out else value
    return out


@dataclass(frozen=True, slots=True)
class RequestRecord:
    """One HTTP request received by the simulator.

    Attributes:
        provider: The provider the path belongs to (``None`` when no route matched).
        endpoint: ``"get"``, ``"list"``, ``"files"`` (MiniMax files/retrieve), ``"download"``
            (result files), ``"create"``, ``"cancel"`` (Ark's DELETE too) or ``"unknown"``.
        method: The HTTP method.
        path: The URL path, still percent-encoded, without the query string.
        query: The query parameters in order, repeats kept, as ``(key, value)`` pairs.
        headers: Request headers keyed by lower-case name, credentials redacted.
        auth_ok: Whether the request carried this provider's valid credentials in the right form.
        status: The HTTP status sent back (``0`` when the connection was dropped).
        fault: The name of the injected fault that shaped the answer, if any.
        time: The simulated clock's time when the request arrived (Unix seconds).
        body: The request body as received (``b""`` when none was sent).
        json: The body parsed as JSON (e.g. a create's parameters), or ``None`` when the body is
            empty or not JSON.
    """

    provider: str | None
    endpoint: str
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    auth_ok: bool
    status: int
    fault: str | None
    time: float
    body: bytes = b""
    json: Any = None

    def query_dict(self) -> dict[str, list[str]]:
        """Return the query parameters as ``{key: [values...]}`` (repeats kept, in order)."""
        out: dict[str, list[str]] = {}
        for key, value in self.query:
            out.setdefault(key, []).append(value)
        return out
