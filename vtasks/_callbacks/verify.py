r"""Telling a callback genuine: Vidu's signature, its ``Date`` and nonce, and URL tokens.

**Vidu** (platform.vidu.com/docs/callback-signature) signs every callback::

    signature = base64(HMAC-SHA256(API token that created the task, signingString))
    signingString = METHOD + "\n" + path + "\n" + query + "\n" + "vidu" + "\n" + Date + "\n"
                    + HeaderKey + ":" + HeaderValue + "\n"   for each name in X-HMAC-SIGNED-HEADERS

with ``X-HMAC-ALGORITHM: hmac-sha256``, ``X-HMAC-ACCESS-KEY: vidu``, ``X-HMAC-SIGNED-HEADERS``
such as ``Date;x-request-nonce``, and ``X-HMAC-SIGNATURE``. The path is ``/`` when empty; the
query is the callback URL's as written, *not sorted*: the vendor's example signs
``?name=james&age=36`` as ``name=james&age=36``, and says a standard URL parser extracts it.
Header keys are written as the signed-header list spells them (``Date``), their values looked up
ignoring case. **The body is not signed.** The page sets no clock window and no nonce rule, so
vtasks adds both: ``Date`` within ``max_age`` of ``now`` either way, and the caller's
``seen_nonce`` asked only once the signature and ``Date`` have passed (so forged requests cannot
fill its store). Both ``Date`` and ``x-request-nonce`` must be among the signed headers, else a
replay could carry a fresh unsigned one.

**Ark, volc, MiniMax** sign nothing. The defence the vendors leave is an unguessable ``token``
query parameter in the callback URL you register; given ``secret``, it is compared in constant
time. Every comparison of a secret here is :func:`hmac.compare_digest`.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Sequence
from datetime import UTC
from email.utils import parsedate_to_datetime
from urllib.parse import parse_qsl

from .._exceptions import CallbackSignatureError
from .inbound import Inbound, split_target

__all__ = [
    "DEFAULT_MAX_AGE",
    "TOKEN_PARAMETER",
    "check_token",
    "verify_vidu",
    "vidu_signing_string",
]

DEFAULT_MAX_AGE = 300.0
"""How far (seconds) a signed ``Date`` may be from ``now``, either way, by default: 5 minutes.

The vendor sets no window; five minutes is the usual one (Standard Webhooks, openai-python's
``tolerance=300``): wide for clock skew and a retry, narrow for a replay.
"""

TOKEN_PARAMETER = "token"  # noqa: S105 - the name of a parameter, not a secret
"""The query parameter of the callback URL that carries your token (Ark, volc, MiniMax)."""

_ACCESS_KEY = "vidu"
_ALGORITHM = "hmac-sha256"
# Lone surrogates cannot come from a socket, but a caller's str may hold them: compare them too.
_BYTES = "surrogatepass"


def _refuse(inbound: Inbound, message: str) -> CallbackSignatureError:
    return CallbackSignatureError(message, provider=inbound.provider)


def check_token(inbound: Inbound, secret: str) -> None:
    """Pass when the URL's one ``token`` parameter equals ``secret`` (decoded, constant time).

    Raises:
        CallbackSignatureError: For no token, two tokens, or a wrong one.
    """
    tokens = [
        value
        for name, value in parse_qsl(inbound.query, keep_blank_values=True)
        if name == TOKEN_PARAMETER
    ]
    if not tokens:
        raise _refuse(inbound, f"the callback URL has no {TOKEN_PARAMETER} parameter")
    if len(tokens) > 1:
        raise _refuse(inbound, f"the callback URL has more than one {TOKEN_PARAMETER} parameter")
    if not hmac.compare_digest(tokens[0].encode("utf-8", _BYTES), secret.encode("utf-8", _BYTES)):
        raise _refuse(inbound, f"the {TOKEN_PARAMETER} in the callback URL is wrong")


def vidu_signing_string(method: str, url: str, date: str, signed: Sequence[tuple[str, str]]) -> str:
    """The text Vidu signs for a callback to ``url`` (see the module docstring).

    Args:
        method: The HTTP method (upper-cased here, as the vendor says).
        url: The callback URL, or the request target (``/path?query``).
        date: The ``Date`` header.
        signed: ``(key as listed in X-HMAC-SIGNED-HEADERS, value)``, in the list's order.
    """
    path, query = split_target(url)
    head = "\n".join((method.upper(), path or "/", query, _ACCESS_KEY, date))
    return head + "\n" + "".join(f"{key}:{value}\n" for key, value in signed)


def _one(inbound: Inbound, name: str) -> str:
    values = inbound.headers.get(name.lower(), ())
    if not values:
        raise _refuse(inbound, f"the {name} header is missing")
    if len(values) > 1:
        # Which one was signed? Refuse rather than guess.
        raise _refuse(inbound, f"the {name} header is sent more than once")
    return values[0]


def _sent_at(inbound: Inbound, date: str) -> float:
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError, IndexError, OverflowError):
        raise _refuse(inbound, "the Date header is not an HTTP date") from None
    if sent.tzinfo is None:  # "-0000", RFC 5322's "UTC, but the sender's zone is unknown"
        sent = sent.replace(tzinfo=UTC)
    return sent.timestamp()


def verify_vidu(inbound: Inbound, secret: str) -> str:
    """Verify a Vidu callback's signature, ``Date`` and nonce; return the nonce.

    Raises:
        CallbackSignatureError: Naming the first check that failed (never the expected signature).
    """
    if _one(inbound, "X-HMAC-ALGORITHM").lower() != _ALGORITHM:
        raise _refuse(inbound, f"the signature algorithm (X-HMAC-ALGORITHM) is not {_ALGORITHM}")
    if _one(inbound, "X-HMAC-ACCESS-KEY") != _ACCESS_KEY:
        raise _refuse(inbound, f"the access key (X-HMAC-ACCESS-KEY) is not {_ACCESS_KEY!r}")
    names = [name.strip() for name in _one(inbound, "X-HMAC-SIGNED-HEADERS").split(";")]
    names = [name for name in names if name]
    listed = {name.lower() for name in names}
    for required in ("Date", "x-request-nonce"):
        if required.lower() not in listed:
            raise _refuse(inbound, f"X-HMAC-SIGNED-HEADERS does not name {required}")
    date = _one(inbound, "Date")
    nonce = _one(inbound, "x-request-nonce")
    received = _one(inbound, "X-HMAC-SIGNATURE")
    text = vidu_signing_string(
        inbound.method, inbound.url, date, [(name, _one(inbound, name)) for name in names]
    )
    expected = hmac.new(
        secret.encode("utf-8", _BYTES), text.encode("utf-8", _BYTES), hashlib.sha256
    ).digest()
    try:
        given = base64.b64decode(received, validate=True)
    except (binascii.Error, ValueError):  # ValueError: a str with non-ASCII characters
        given = b""
    if not hmac.compare_digest(expected, given):
        raise _refuse(inbound, "the signature (X-HMAC-SIGNATURE) does not match")
    age = inbound.now - _sent_at(inbound, date)
    if age > inbound.max_age:
        raise _refuse(
            inbound, f"the request is {age:.0f} s old, more than max_age ({inbound.max_age:g} s)"
        )
    if -age > inbound.max_age:
        raise _refuse(
            inbound,
            f"the request's Date is {-age:.0f} s in the future, more than max_age"
            f" ({inbound.max_age:g} s)",
        )
    if inbound.seen_nonce is not None and inbound.seen_nonce(nonce):
        raise _refuse(inbound, "the nonce (x-request-nonce) was seen before: a replay")
    return nonce
