"""One callback POST, as a vendor sends it: standard library only, no proxy, no redirects.

What comes back is data for a :class:`~._callbacks.CallbackDelivery`, never an exception: a
receiver that is down, slow or rude is what the tests of receivers are about.
"""

from __future__ import annotations

import http.client
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["MAX_RESPONSE", "Outcome", "post"]

MAX_RESPONSE = 64 * 1024
"""The most bytes of a receiver's answer kept (a vendor reads an acknowledgement, not a page)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one POST got: the HTTP status (``0`` for none), the answer's start, or what went wrong."""

    status: int
    body: bytes
    error: str | None


def post(url: str, headers: list[tuple[str, str]], body: bytes, timeout: float) -> Outcome:
    """POST ``body`` to ``url`` and read the answer, within ``timeout`` seconds per step.

    A redirect is an answer like any other (the vendors follow none, as far as they document).
    """
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    connection = kind(parts.hostname or "", parts.port, timeout=timeout)
    try:
        connection.putrequest("POST", target, skip_accept_encoding=True)
        for name, value in headers:
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return Outcome(response.status, response.read(MAX_RESPONSE), None)
    except TimeoutError:
        return Outcome(0, b"", f"timed out after {timeout:g} s")
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(0, b"", f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()
