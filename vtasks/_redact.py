"""Keep secrets out of logs, reprs, exception messages and CLI output.

Three tools, from most to least structured:

- :func:`redact_headers` for request / response headers (by header name),
- :func:`redact_url` for URLs (credential-like query parameters and userinfo),
- :func:`redact_text` for free text that may echo a known secret (vendor error
  messages, response bodies).

Everything here is for display: a redacted URL is not meant to be fetched.
Over-redacting is preferred to leaking, so name matching is generous.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus, unquote_plus

__all__ = ["REDACTED", "is_sensitive_name", "redact_headers", "redact_text", "redact_url"]

REDACTED = "<redacted>"
"""What replaces a secret."""

# Header names that always carry credentials.
_SENSITIVE_NAMES = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "x-api-key",
        "api-key",
        "apikey",
        "cookie",
        "set-cookie",
        "x-auth-token",
        "x-goog-api-key",
        "access_token",
        "api_key",
    }
)

# Headers whose value starts with a scheme word worth keeping ("Bearer", "Token").
_SCHEME_HEADERS = frozenset({"authorization", "proxy-authorization"})

# A name is sensitive when one of its words (split on - _ . and spaces) is one of these:
# catches X-Amz-Security-Token, X-Tos-Signature, client_secret, ... but not
# x-ratelimit-remaining-tokens or keyword.
_SENSITIVE_WORDS = frozenset(
    {
        "apikey",
        "auth",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "key",
        "passwd",
        "password",
        "pwd",
        "secret",
        "session",
        "sig",
        "sign",
        "signature",
        "token",
        "accesstoken",
    }
)

_WORD_SPLIT = re.compile(r"[-_.\s]+")
_USERINFO = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*://)([^/?#@]*)@")


def is_sensitive_name(name: str) -> bool:
    """Return whether a header or query-parameter name looks like it holds a secret.

    Args:
        name: The name, any case.

    Returns:
        ``True`` for names such as ``Authorization``, ``X-Api-Key``, ``token``,
        ``access_token``, ``X-Amz-Signature``, ``client_secret``.
    """
    lowered = name.strip().lower()
    if lowered in _SENSITIVE_NAMES:
        return True
    return any(word in _SENSITIVE_WORDS for word in _WORD_SPLIT.split(lowered))


def _text(value: str | bytes) -> str:
    """Header names and values may come as bytes (``httpx.Headers.raw``)."""
    return value.decode("latin-1") if isinstance(value, bytes) else value


def redact_headers(
    headers: Mapping[str, str] | Mapping[bytes, bytes] | Iterable[tuple[str | bytes, str | bytes]],
) -> dict[str, str]:
    """Return a copy of ``headers`` that is safe to log.

    ``Authorization`` and ``Proxy-Authorization`` keep their scheme word
    (``"Bearer <redacted>"``, ``"Token <redacted>"``); ``X-Api-Key``, ``Cookie``,
    ``Set-Cookie`` and every other credential-like header (see
    :func:`is_sensitive_name`) become ``"<redacted>"``. Names keep their spelling;
    repeated names are joined with ``", "``.

    Args:
        headers: A mapping (``dict``, ``httpx.Headers``) or ``(name, value)`` pairs,
            as ``str`` or ``bytes``.

    Returns:
        A new dict.
    """
    pairs: Iterable[tuple[str | bytes, str | bytes]]
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for raw_name, raw_value in pairs:
        name, value = _text(raw_name), _text(raw_value)
        lowered = name.lower()
        if lowered in _SCHEME_HEADERS:
            scheme, sep, _credential = value.strip().partition(" ")
            value = f"{scheme} {REDACTED}" if sep else REDACTED
        elif is_sensitive_name(lowered):
            value = REDACTED
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def redact_text(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each secret in ``text`` by ``"<redacted>"``.

    The URL-encoded forms of each secret (``%2B`` and ``+`` styles) are replaced
    too, since keys echo back in URLs. All secrets are replaced in one pass, longest
    first, so a secret that is part of another, or of ``"<redacted>"`` itself,
    cannot leave pieces behind.

    Args:
        text: The text to clean.
        secrets: The secrets; ``None`` and empty strings are skipped.

    Returns:
        The cleaned text.
    """
    forms: set[str] = set()
    for secret in secrets:
        if secret:
            forms.add(secret)
            # A lone surrogate (os.environ's stand-in for undecodable bytes) has no URL form.
            with contextlib.suppress(UnicodeEncodeError):
                forms.update((quote(secret, safe=""), quote_plus(secret, safe="")))
    if not forms or not text:
        return text
    pattern = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    return re.sub(pattern, REDACTED, text)


def _redact_params(query: str) -> str:
    """Redact the values of credential-like ``name=value`` pairs, keeping the rest verbatim."""
    pieces = query.split("&")
    for index, piece in enumerate(pieces):
        name, sep, _value = piece.partition("=")
        if sep and is_sensitive_name(unquote_plus(name)):
            pieces[index] = f"{name}={REDACTED}"
    return "&".join(pieces)


def redact_url(url: str) -> str:
    """Return ``url`` with credentials hidden, for logs and messages.

    The values of credential-like query parameters (``key``, ``token``,
    ``api_key``, ``apikey``, ``access_token``, ``signature``, ``X-Amz-Signature``,
    ... see :func:`is_sensitive_name`) become ``<redacted>``, and so does a password
    (or a lone token) in the userinfo part. Everything else is kept byte for byte,
    including ``id=`` parameters. A fragment of ``name=value`` pairs (OAuth style)
    is treated like a query.

    Args:
        url: The URL.

    Returns:
        The redacted URL (for display; not meant to be fetched).
    """
    if not url:
        return url
    base, hash_sep, fragment = url.partition("#")
    path, query_sep, query = base.partition("?")
    match = _USERINFO.match(path)
    if match:
        user, colon, _password = match.group(2).partition(":")
        userinfo = f"{user}:{REDACTED}" if colon else REDACTED
        path = f"{match.group(1)}{userinfo}@{path[match.end() :]}"
    if query_sep:
        query = _redact_params(query)
    if hash_sep and "=" in fragment:
        fragment = _redact_params(fragment)
    return f"{path}{query_sep}{query}{hash_sep}{fragment}"
