"""How an error answer becomes a vtasks error class: vendor codes, HTTP statuses, retryability.

The mapping from answers to the classes of :mod:`vtasks._exceptions` (which holds the hierarchy
only) lives here. The vendor's codes are data in each provider's home module
(``vtasks/_providers/<provider>.py``, ``facts.code_rules``); nothing here knows a vendor.

Vendors signal errors in two ways: real HTTP statuses with a code in the body
(Volcengine Ark, Vidu), or HTTP 200 with a business code in the body (MiniMax
``base_resp.status_code``, AiToEarn ``code``). :func:`error_class_for` looks the code
up in the provider's table first, because it is more specific than the HTTP status
(an Ark 400 may be a rate limit in disguise; a MiniMax 200 is never a success when its
code is not 0), and falls back to the HTTP status (:func:`error_class_for_status`).

Codes are compared as strings, case-insensitively; ``1002`` and ``"1002"`` are one code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from vtasks import _providers
from vtasks._exceptions import (
    APIConnectionError,
    APIError,
    AuthenticationError,
    BodyInput,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
)
from vtasks._providers._facts import CodeRule
from vtasks._retry import is_retryable_status

__all__ = [
    "CodeRule",
    "error_class_for",
    "error_class_for_status",
    "error_code_rows",
    "is_retryable_error",
    "make_api_error",
]


# HTTP status -> error class. 5xx without an entry fall to ServerError, any other
# status to the APIError base (see error_class_for_status).
_STATUS_CLASSES: Mapping[int, type[APIError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    # 402 Payment Required: a billing problem, like MiniMax 1008 "insufficient balance".
    402: PermissionDeniedError,
    403: PermissionDeniedError,
    404: NotFoundError,
    # 410 Gone: the task existed and was deleted (e.g. Ark after 24 h); same for callers.
    410: NotFoundError,
    # 408 Request Timeout is the server giving up on a slow request: transient like a
    # 5xx, but not a quota signal, so ServerError rather than RateLimitError.
    408: ServerError,
    409: InvalidRequestError,
    422: InvalidRequestError,
    # 425 Too Early: retry later; transient.
    425: ServerError,
    429: RateLimitError,
    # 499: the server side closed the request (Vidu "Canceled"); transient.
    499: ServerError,
}


def error_class_for_status(status_code: int | None) -> type[APIError]:
    """Choose the :class:`APIError` subclass for an HTTP status.

    400 / 409 / 422 → :class:`InvalidRequestError`; 401 → :class:`AuthenticationError`;
    402 / 403 → :class:`PermissionDeniedError`; 404 / 410 → :class:`NotFoundError`;
    429 → :class:`RateLimitError`; 408 / 425 / 499 / 5xx → :class:`ServerError`;
    anything else (including ``None``) → :class:`APIError`.

    Args:
        status_code: The HTTP status.

    Returns:
        The error class.
    """
    if status_code is None:
        return APIError
    cls = _STATUS_CLASSES.get(status_code)
    if cls is not None:
        return cls
    if 500 <= status_code <= 599:
        return ServerError
    return APIError


def make_api_error(
    cls: type[APIError],
    provider: str | None,
    status_code: int | None,
    *,
    code: str | int | None = None,
    message: str | None = None,
    request_id: str | None = None,
    body: BodyInput = None,
    retry_after: float | None = None,
    task_ids: Iterable[str] = (),
) -> APIError:
    """Build an error of class ``cls``, passing only the arguments that class takes.

    ``retry_after`` reaches :class:`RateLimitError` only, ``task_ids``
    :class:`NotFoundError` only; they are dropped for other classes.

    Args:
        cls: The class to build.
        provider: The provider key.
        status_code: The HTTP status.
        code: The provider's error code.
        message: The provider's message.
        request_id: The provider's request id.
        body: The raw response body.
        retry_after: Seconds to wait, from ``Retry-After``.
        task_ids: Unknown task ids.

    Returns:
        The error (not raised).
    """
    common: dict[str, Any] = {
        "provider": provider,
        "status_code": status_code,
        "code": code,
        "request_id": request_id,
        "body": body,
    }
    if issubclass(cls, RateLimitError):
        return cls(message, retry_after=retry_after, **common)
    if issubclass(cls, NotFoundError):
        return cls(message, task_ids=task_ids, **common)
    return cls(message, **common)


class _Rules:
    """One provider's error-code table, precomputed for lookups.

    Exact codes folded to lower case, then the pattern rules in table order.
    """

    __slots__ = ("exact", "patterns", "rules")

    def __init__(self, provider: str) -> None:
        self.rules: tuple[CodeRule, ...] = _providers.facts(provider).code_rules
        self.exact: dict[str, type[APIError]] = {
            rule.code.lower(): rule.error for rule in self.rules if rule.match == "exact"
        }
        self.patterns: tuple[CodeRule, ...] = tuple(
            attrs.evolve(rule, code=rule.code.lower())
            for rule in self.rules
            if rule.match != "exact"
        )


# Built per provider on first use: the tables live in the provider modules.
_RULES: _providers.LazyMapping[_Rules] = _providers.LazyMapping(_Rules)


def _code_class(provider: str, code: str | int | None) -> type[APIError] | None:
    """Return the class the provider's table gives ``code``, or ``None``."""
    if code is None or isinstance(code, bool):
        return None
    folded = str(code).strip().lower()
    if not folded:
        return None
    rules = _RULES.find(provider)
    if rules is None:
        return None
    cls = rules.exact.get(folded)
    if cls is not None:
        return cls
    for rule in rules.patterns:
        if rule.match == "prefix" and folded.startswith(rule.code):
            return rule.error
        if rule.match == "suffix" and folded.endswith(rule.code):
            return rule.error
    return None


def error_class_for(
    provider: str, code: str | int | None, status_code: int | None
) -> type[APIError]:
    """Choose the error class for a provider's error code, falling back to the HTTP status.

    Args:
        provider: The provider key.
        code: The provider's error code (MiniMax ``base_resp.status_code``, AiToEarn
            ``code``, Vidu ``reason`` / ``err_code``, Ark ``error.code``), or ``None``.
        status_code: The HTTP status of the response.

    Returns:
        The class from the provider's table when the code is in it, otherwise the one
        :func:`error_class_for_status` gives the HTTP status
        (:class:`APIError` itself for a business error with an unknown code).
    """
    cls = _code_class(provider, code)
    return cls if cls is not None else error_class_for_status(status_code)


def is_retryable_error(exc: BaseException) -> bool:
    """Return whether retrying the request that raised ``exc`` may succeed.

    Retryable: :class:`RateLimitError`; :class:`ServerError`, except for HTTP
    statuses that do not heal (501, 505, ...: see
    :func:`vtasks._retry.is_retryable_status`); and :class:`APIConnectionError`
    (including timeouts), because every vtasks request is an idempotent GET.
    Everything else is not.

    Args:
        exc: The error.

    Returns:
        Whether to retry.
    """
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, ServerError):
        status = exc.status_code
        # Only a 5xx that does not heal vetoes; a business error in an HTTP 200
        # (MiniMax 1001 timeout) or a 408 / 499 stays retryable.
        return not (status is not None and 500 <= status <= 599 and not is_retryable_status(status))
    return isinstance(exc, APIConnectionError)


def error_code_rows(provider: str) -> list[tuple[str, str, str]]:
    """Return a provider's error-code table as ``(code, error class name, note)`` rows.

    For documentation. Pattern rules show as ``Prefix*`` / ``*Suffix``.

    Args:
        provider: The provider key.

    Returns:
        The rows in table order (empty for providers without codes, or unknown ones).
    """
    rows = []
    for rule in _RULES[provider].rules if provider in _RULES else ():
        shown = {"exact": rule.code, "prefix": f"{rule.code}*", "suffix": f"*{rule.code}"}
        rows.append((shown[rule.match], rule.error.__name__, rule.note))
    return rows
