"""A callback request as :func:`vtasks.callbacks.parse` was given it, checked and normalized.

Receivers hand over what their framework has: ``http.server``'s ``email.message.Message``,
Starlette's ``Headers``, a dict, ASGI's ``(bytes, bytes)`` pairs. All of them become one
case-insensitive view here, and every wrong type or value is a :class:`ConfigurationError` (also a
``ValueError``) before any check of the request itself.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import attrs

from .._answers import MIN_KEY_LENGTH
from .._exceptions import ConfigurationError
from .._providers import check_provider, facts
from .._validate import check_callback, check_duration

__all__ = ["Inbound", "read_arguments", "split_target"]

# An HTTP method is a token (RFC 9110 section 9.1).
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


@attrs.frozen(slots=True, kw_only=True)
class Inbound:
    """One callback request, its arguments checked.

    Attributes:
        provider: The provider key.
        method: The HTTP method, upper-case.
        url: The URL (or request target) as given.
        path: Its path, still percent-encoded (``/`` when empty).
        query: Its query string as written (``""`` when none).
        headers: Lower-case header name -> every value sent under it, in order.
        body: The body.
        secret: The API key (Vidu) or URL token (the others), or ``None``.
        now: The time to judge freshness by, Unix seconds.
        max_age: The most seconds a signed ``Date`` may differ from ``now``, either way.
        seen_nonce: The caller's replay check, or ``None``.
    """

    provider: str
    method: str
    url: str
    path: str
    query: str
    headers: Mapping[str, tuple[str, ...]]
    body: bytes
    secret: str | None
    now: float
    max_age: float
    seen_nonce: Callable[[str], bool] | None


def split_target(url: str) -> tuple[str, str]:
    """``(path, query)`` of an absolute URL or of a request target (``/path?query``).

    A target is split by hand, not parsed as a URL: ``//x/y`` is a path there, where a URL parser
    would read ``x`` as a host. The path stays percent-encoded and the query as written, since
    Vidu signs them as they appear in the callback URL.

    Raises:
        ValueError: When ``url`` is neither (the caller turns it into a ConfigurationError).
    """
    if url.startswith("/"):
        path, _, query = url.partition("#")[0].partition("?")
        return path, query
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise ValueError("not an http(s) URL or a path")
    return parts.path or "/", parts.query


def _text(value: object, what: str) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")  # what ASGI servers hand over; HTTP header bytes are Latin-1
    if isinstance(value, str):
        return value
    raise ConfigurationError(f"{what} must be a str (or bytes), not {value!r}")


def _headers(headers: object) -> dict[str, tuple[str, ...]]:
    if headers is None or isinstance(headers, str | bytes):
        raise ConfigurationError(
            f"headers must be a mapping or (name, value) pairs, not {headers!r}"
        )
    items: Any = headers.items() if hasattr(headers, "items") else headers
    if not isinstance(items, Iterable):
        raise ConfigurationError(
            f"headers must be a mapping or (name, value) pairs, not {headers!r}"
        )
    out: dict[str, list[str]] = {}
    for pair in items:
        try:
            name, value = pair
        except (TypeError, ValueError):
            raise ConfigurationError(
                f"a header must be a (name, value) pair, not {pair!r}"
            ) from None
        key = _text(name, "a header name").strip().lower()
        # Servers drop the whitespace around a field value (RFC 9110 section 5.5); so does this.
        out.setdefault(key, []).append(_text(value, f"header {key!r}").strip(" \t"))
    return {name: tuple(values) for name, values in out.items()}


def _now(now: object) -> float:
    if now is None:
        return time.time()
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise ConfigurationError(
                "now must be an aware datetime (e.g. tzinfo=UTC), not a naive one"
            )
        return now.timestamp()
    if isinstance(now, int | float) and not isinstance(now, bool) and math.isfinite(now):
        return float(now)
    raise ConfigurationError(f"now must be an aware datetime, Unix seconds or None, not {now!r}")


def _secret(provider: str, secret: object) -> str | None:
    callback = facts(provider).callback
    if secret is None:
        if callback is not None and callback.verification == "vidu-hmac":
            raise ConfigurationError(
                f"{provider} signs its callbacks with the API key the task was created with",
                hint="pass that API key as secret=",
            )
        return None
    if not isinstance(secret, str):
        raise ConfigurationError(f"secret must be a str or None, not {type(secret).__name__}")
    if len(secret) < MIN_KEY_LENGTH:
        raise ConfigurationError(
            f"secret is {len(secret)} characters long; vtasks needs at least {MIN_KEY_LENGTH}",
            hint="a token that short is guessable, and would match text it is scrubbed from",
        )
    return secret


def read_arguments(
    provider: object,
    *,
    method: object,
    url: object,
    headers: object,
    body: object,
    secret: object,
    now: object,
    max_age: object,
    seen_nonce: object,
) -> Inbound:
    """Check every argument of :func:`vtasks.callbacks.parse`; the result is an :class:`Inbound`.

    Raises:
        ConfigurationError: For the first argument of a wrong type or value.
    """
    name = check_provider(provider)
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise ConfigurationError(f"method must be an HTTP method such as 'POST', not {method!r}")
    if not isinstance(url, str):
        raise ConfigurationError(f"url must be a str, not {url!r}")
    try:
        path, query = split_target(url)
    except ValueError:
        raise ConfigurationError(
            f"url must be the URL the vendor called (http or https) or its path, not {url!r}"
        ) from None
    header_map = _headers(headers)
    if not isinstance(body, bytes | bytearray | memoryview):
        raise ConfigurationError(f"body must be bytes, not {type(body).__name__}")
    return Inbound(
        provider=name,
        method=method.upper(),
        url=url,
        path=path,
        query=query,
        headers=header_map,
        body=bytes(body),
        secret=_secret(name, secret),
        now=_now(now),
        max_age=check_duration("max_age", max_age),
        seen_nonce=check_callback("seen_nonce", seen_nonce),
    )
