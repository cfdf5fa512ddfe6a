"""Receiving vendor callbacks: verify a push, get its :class:`~vtasks.Task`, and the answer to send.

Framework-neutral: hand :func:`parse` what your web framework has (method, URL, headers, body),
send back the ``status``, ``headers`` and ``body`` of the :class:`CallbackResult`, then act on
``result.task``. Nothing here does I/O, and ``import vtasks`` does not import this module::

    from vtasks import callbacks

    try:
        result = callbacks.parse(
            "vidu", method=request.method, url=request_url, headers=request.headers,
            body=body_bytes, secret=VIDU_API_KEY, seen_nonce=nonces,  # nonces = NonceCache()
        )
    except callbacks.CallbackError as exc:      # CallbackSignatureError: a forgery or a replay
        return respond(exc.response_status, b"")
    respond(result.status, result.body, result.headers)
    if result.task is not None:                 # None: MiniMax's handshake, already answered
        task = client.get_task(result.task.id)  # the safe pattern: trust the vendor's API, not the push

Per vendor (sources in each provider's facts, ``docs/callbacks.md`` for the whole story):

- ``vidu``: every push is signed with HMAC-SHA256 keyed by the API token that created the task
  (``secret`` is required). vtasks checks the signature, the ``Date`` (within ``max_age``
  seconds of ``now``, either way) and, with ``seen_nonce``, that the nonce is new. **The body is
  not signed**: anyone who captured a signed request could replay it with another body within
  ``max_age``, so re-fetch the task by id before acting on what it says.
- ``ark``, ``volc``: the task object, unsigned. Register the callback URL with an unguessable
  token, ``https://you.example/hooks/ark?token=<secrets.token_urlsafe(32)>``, and pass the token
  as ``secret``: it is compared in constant time. Without ``secret`` nothing is verified
  (``result.authenticated`` is false).
- ``minimax``: first a handshake, ``{"challenge": ...}``, which must be answered with the same
  value within 3 s (``result.kind == "challenge"``, ``result.body`` is that answer), then
  pushes of the query's shape with lower-case statuses (``processing``, ``success``, ``failed``).
  Unsigned, so the URL token applies as for Ark. A push names the video's ``file_id``, not its
  URL: ``client.get_task(result.task.id)`` fetches both the task and the URL.
- ``veo``, ``aitoearn``: the vendors document no callbacks; :func:`parse` raises
  :class:`~vtasks.UnsupportedOperation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Literal, Protocol, TypeAlias

import attrs

from ._callbacks.body import MAX_BODY_BYTES, challenge_answer, read_object, read_task
from ._callbacks.inbound import read_arguments
from ._callbacks.nonces import NonceCache
from ._callbacks.verify import DEFAULT_MAX_AGE, TOKEN_PARAMETER, check_token, verify_vidu
from ._exceptions import CallbackError, CallbackSignatureError, UnsupportedOperation
from ._models import Task
from ._providers import facts

__all__ = [
    "DEFAULT_MAX_AGE",
    "MAX_BODY_BYTES",
    "HeadersLike",
    "TOKEN_PARAMETER",
    "CallbackError",
    "CallbackResult",
    "CallbackSignatureError",
    "NonceCache",
    "parse",
]

_JSON = (("Content-Type", "application/json"),)


class _HasItems(Protocol):
    """What ``dict``, Starlette's ``Headers`` and ``email.message.Message`` have in common."""

    def items(self) -> Iterable[tuple[str, str]]:
        """``(name, value)`` pairs."""
        ...


HeadersLike: TypeAlias = _HasItems | Iterable[tuple[str | bytes, str | bytes]]
"""Request headers as frameworks hand them over: a mapping, a ``Message``, ``(name, value)`` pairs."""


@attrs.frozen(slots=True, kw_only=True)
class CallbackResult:
    """What a callback request was, and the answer to send the vendor.

    Every result carries an answer (``status``, ``headers``, ``body``): send it as it is, soon
    (MiniMax wants its handshake answered within 3 s, Ark an acknowledgement within 5 s), and do
    slow work after answering.

    Attributes:
        provider: The provider key.
        kind: ``"task"`` (a status push; ``task`` is set) or ``"challenge"`` (MiniMax's
            handshake; ``task`` is ``None``, ``body`` echoes the challenge).
        task: The pushed task, normalized like the provider's query answer, or ``None``.
        authenticated: Whether the request proved it came from someone holding ``secret``
            (Vidu's signature, or the URL token of the others). For Vidu that covers the headers
            and URL, not the body: re-fetch the task by id before trusting what it says.
        nonce: Vidu's ``x-request-nonce`` once verified (to check for replays yourself when
            ``seen_nonce`` cannot be a plain function), else ``None``.
        status: The HTTP status to answer with.
        headers: The headers to answer with, as ``(name, value)`` pairs.
        body: The body to answer with.
    """

    provider: str
    kind: Literal["task", "challenge"]
    task: Task | None
    authenticated: bool
    nonce: str | None = None
    status: int = 200
    headers: tuple[tuple[str, str], ...] = _JSON
    body: bytes = b"{}"


def parse(
    provider: str,
    *,
    method: str,
    url: str,
    headers: HeadersLike,
    body: bytes,
    secret: str | None = None,
    now: datetime | float | None = None,
    max_age: float = DEFAULT_MAX_AGE,
    seen_nonce: Callable[[str], bool] | None = None,
) -> CallbackResult:
    """Verify one callback request and read it.

    Args:
        provider: The provider key the callback URL was registered with.
        method: The request's HTTP method (a push is a ``POST``).
        url: The URL the vendor called, as registered, or the request target
            (``/hooks/vidu?x=1``): Vidu signs its path and query as written, and the URL token
            is read from the query. Pass the raw, still percent-encoded path.
        headers: The request headers: any mapping (a ``dict``, Starlette's ``Headers``,
            ``http.server``'s ``self.headers``) or ``(name, value)`` pairs, ``str`` or ``bytes``;
            names are looked up ignoring case.
        body: The request body, at most :data:`MAX_BODY_BYTES` (read no more than one byte past
            it off the socket).
        secret: For ``vidu``, the API key the task was created with (required). For the
            unsigned vendors, the token in the callback URL's ``token`` query parameter; when
            given, a request without it is refused.
        now: The time to judge Vidu's ``Date`` against (aware ``datetime`` or Unix seconds);
            the system clock when ``None``.
        max_age: The most seconds Vidu's ``Date`` may be from ``now``, either way.
        seen_nonce: Called with Vidu's nonce once the signature and ``Date`` have passed;
            return ``True`` if it was seen before (the request is then refused as a replay), and
            remember it otherwise: a check-and-set, e.g. ``SET NX`` with an expiry of
            ``2 * max_age``.

    Returns:
        The request's meaning and the answer to send.

    Raises:
        ConfigurationError: For a wrong argument (checked before anything else), including a
            missing ``secret`` for Vidu.
        UnsupportedOperation: For ``veo`` and ``aitoearn``, which document no callbacks.
        CallbackSignatureError: When the request cannot be shown to come from the vendor
            (answer ``error.response_status``, 401).
        CallbackError: For a request that is not a callback: not a POST (405), a body over the
            cap (413), not a JSON object or without a task id (400).
    """
    inbound = read_arguments(
        provider,
        method=method,
        url=url,
        headers=headers,
        body=body,
        secret=secret,
        now=now,
        max_age=max_age,
        seen_nonce=seen_nonce,
    )
    callback = facts(inbound.provider).callback
    if callback is None:
        raise UnsupportedOperation(
            "the vendor documents no callback_url; poll with wait_for_task",
            provider=inbound.provider,
            operation="callbacks",
        )
    if inbound.method != "POST":
        raise CallbackError(
            f"callbacks are POST requests, not {inbound.method}",
            provider=inbound.provider,
            response_status=405,
        )
    nonce: str | None = None
    if callback.verification == "vidu-hmac":
        assert inbound.secret is not None  # read_arguments requires it
        nonce = verify_vidu(inbound, inbound.secret)
    elif inbound.secret is not None:
        check_token(inbound, inbound.secret)
    authenticated = inbound.secret is not None
    payload = read_object(inbound)
    if callback.challenge:
        echo = challenge_answer(payload)
        if echo is not None:
            return CallbackResult(
                provider=inbound.provider,
                kind="challenge",
                task=None,
                authenticated=authenticated,
                body=echo,
            )
    return CallbackResult(
        provider=inbound.provider,
        kind="task",
        task=read_task(inbound, payload),
        authenticated=authenticated,
        nonce=nonce,
    )
