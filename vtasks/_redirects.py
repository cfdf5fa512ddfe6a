"""Redirects, followed by hand: where the key may go, and where the next hop leads.

vtasks never lets httpx follow redirects, so that every hop is built by the same code: the API key
(whatever header the vendor uses) goes only to the configured origin, and a caller's own client
loses its credential headers off-origin too.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urljoin, urlsplit

import httpx

from ._exceptions import ResponseError
from ._redact import is_sensitive_name, redact_url

__all__ = [
    "MAX_REDIRECTS",
    "REDIRECT_STATUSES",
    "Origin",
    "is_http_url",
    "next_hop",
    "strip_credentials",
]

MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

Origin = tuple[str, str, int | None]


def origin_of(url: str) -> Origin:
    """``(scheme, host, port)`` of a URL, the port filled in for http and https."""
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def is_same_origin(url: str, base_url: str, origin: Origin) -> bool:
    """Whether ``url`` is on the configured origin (the only one the key may go to)."""
    # The common case, a vendor path under the base URL, without parsing; anything else
    # (a redirect, a download host, an explicit default port) is compared parsed.
    if url.startswith(base_url) and url[len(base_url) : len(base_url) + 1] in ("/", "?", ""):
        return True
    return origin_of(url) == origin


def strip_credentials(built: httpx.Request) -> None:
    """Remove credential headers (a caller's client defaults) from a request leaving the origin."""
    for name in [name for name in built.headers if is_sensitive_name(name)]:
        del built.headers[name]


def next_hop(
    response: httpx.Response, hops: int, provider: str, scrub: Callable[[str], str | None]
) -> str | None:
    """The absolute URL to follow for a redirect answer, or ``None`` for any other answer.

    Raises:
        ResponseError: More than :data:`MAX_REDIRECTS` hops (a loop does not heal: not retried),
            or a ``Location`` that is no http(s) URL. ``scrub`` cleans the server's text.
    """
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("location")
    if not location:
        return None
    if hops >= MAX_REDIRECTS:
        raise ResponseError(
            f"more than {MAX_REDIRECTS} redirects (last to {scrub(redact_url(str(location)))})",
            provider=provider,
            status_code=response.status_code,
        )
    try:
        target = urljoin(str(response.request.url), str(location))
    except ValueError:
        target = ""
    if not is_http_url(target):
        raise ResponseError(
            f"redirected to {scrub(redact_url(str(location)))!r}, which is no http(s) URL",
            provider=provider,
            status_code=response.status_code,
        )
    return target


def is_http_url(url: str) -> bool:
    """Whether ``url`` (chosen by a server: a redirect, a video URL) is an http(s) URL httpx takes."""
    try:
        parsed = httpx.URL(url)
        origin_of(url)  # urlsplit's own checks (a bad port, an unclosed "[")
    except (httpx.InvalidURL, ValueError, TypeError):
        return False
    return parsed.scheme in ("http", "https") and bool(parsed.host)
