"""Provider error codes -> vtasks error classes (data), and retryability.

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
from typing import Literal, NamedTuple

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
    error_class_for_status,
    make_api_error,
)
from vtasks._retry import is_retryable_status

__all__ = [
    "CodeRule",
    "api_error_for_code",
    "error_class_for",
    "error_code_rows",
    "is_retryable_error",
]


class CodeRule(NamedTuple):
    """One row of a provider's error-code table.

    Attributes:
        code: The code, or the start / end of a family of codes.
        error: The error class to raise.
        note: What the vendor says the code means.
        match: ``"exact"``, ``"prefix"`` (e.g. ``RateLimitExceeded.*``) or ``"suffix"``
            (e.g. ``*NotFound``).
    """

    code: str
    error: type[APIError]
    note: str = ""
    match: Literal["exact", "prefix", "suffix"] = "exact"


# MiniMax: base_resp.status_code, sent with HTTP 200 (0 = ok).
_MINIMAX: tuple[CodeRule, ...] = (
    CodeRule("1000", ServerError, "unknown error"),
    CodeRule("1001", ServerError, "timeout"),
    CodeRule("1002", RateLimitError, "rate limit (RPM)"),
    CodeRule("1004", AuthenticationError, "authentication failed / token does not match group"),
    CodeRule("1008", PermissionDeniedError, "insufficient balance"),
    CodeRule("1013", ServerError, "internal error"),
    CodeRule("1024", ServerError, "internal error"),
    CodeRule("1026", InvalidRequestError, "input content is sensitive"),
    CodeRule("1027", InvalidRequestError, "output content is sensitive"),
    CodeRule("1033", ServerError, "system error"),
    CodeRule("1039", RateLimitError, "token limit (TPM)"),
    CodeRule("1041", RateLimitError, "connection limit"),
    CodeRule("2013", InvalidRequestError, "invalid parameters"),
    CodeRule("2049", AuthenticationError, "invalid API key"),
)

# AiToEarn: body ``code``, sent with HTTP 200 (0 = ok); libs/common response-code.enum.ts.
_AITOEARN: tuple[CodeRule, ...] = (
    CodeRule("400", InvalidRequestError, "bad request"),
    CodeRule("401", AuthenticationError, "unauthorized"),
    CodeRule("500", ServerError, "internal error"),
    CodeRule("10002", InvalidRequestError, "validation failed (e.g. task id is not a 24-hex id)"),
    CodeRule("12300", InvalidRequestError, "invalid model"),
    CodeRule("12301", ServerError, "AI call failed"),
    CodeRule("12302", NotFoundError, "invalid task id"),
    CodeRule("19000", AuthenticationError, "API key invalid"),
)

# Vidu: error names in ``reason`` / ``err_code``, with real HTTP statuses.
_VIDU: tuple[CodeRule, ...] = (
    CodeRule("BadRequest", InvalidRequestError, "400"),
    CodeRule("FieldInvalid", InvalidRequestError, "400"),
    CodeRule("PageSizeOutOfRange", InvalidRequestError, "400"),
    # 400 at Vidu, but a billing problem like MiniMax 1008 / Ark AccountOverdueError:
    # the same class across providers lets callers handle "top up your account" once.
    CodeRule("CreditInsufficient", PermissionDeniedError, "400; out of credits"),
    CodeRule("CreationPolicyViolation", InvalidRequestError, "400; content policy"),
    CodeRule("ModelUnavailable", InvalidRequestError, "400"),
    CodeRule("UserCancelled", InvalidRequestError, "400; as a task err_code it means cancelled"),
    CodeRule("Unauthorized", AuthenticationError, "401"),
    CodeRule("Forbidden", PermissionDeniedError, "403"),
    CodeRule("TaskNotFound", NotFoundError, "404"),
    CodeRule("CreationNotFound", NotFoundError, "404"),
    CodeRule("Conflict", InvalidRequestError, "409"),
    CodeRule("QuotaExceeded", RateLimitError, "429"),
    CodeRule("TooManyRequests", RateLimitError, "429"),
    CodeRule("SystemThrottling", RateLimitError, "429"),
    CodeRule("Canceled", ServerError, "499; request cancelled on the server side"),
    CodeRule("InternalServiceFailure", ServerError, "500"),
)

# Volcengine Ark: body ``error.code``, with real HTTP statuses.
_ARK: tuple[CodeRule, ...] = (
    CodeRule("AuthenticationError", AuthenticationError, "401"),
    CodeRule("AccountOverdueError", PermissionDeniedError, "403; account overdue"),
    CodeRule("AccessDenied", PermissionDeniedError, "403"),
    CodeRule("InternalServiceError", ServerError, "500"),
    CodeRule("ServiceUnavailable", ServerError, "503"),
    CodeRule("RateLimitExceeded", RateLimitError, "429; RateLimitExceeded.*", "prefix"),
    CodeRule("MissingParameter", InvalidRequestError, "400", "prefix"),
    CodeRule("InvalidParameter", InvalidRequestError, "400; InvalidParameter.*", "prefix"),
    CodeRule("NotFound", NotFoundError, "404; *NotFound", "suffix"),
)

_TABLES: Mapping[str, tuple[CodeRule, ...]] = {
    "ark": _ARK,
    "volc": _ARK,  # the reseller passes Ark's errors through
    "veo": (),  # no documented codes: the HTTP status decides
    "minimax": _MINIMAX,
    "vidu": _VIDU,
    "aitoearn": _AITOEARN,
}

# Precomputed per provider: exact codes folded to lower case, then the pattern rules
# in table order.
_EXACT: Mapping[str, Mapping[str, type[APIError]]] = {
    provider: {rule.code.lower(): rule.error for rule in rules if rule.match == "exact"}
    for provider, rules in _TABLES.items()
}
_PATTERNS: Mapping[str, tuple[CodeRule, ...]] = {
    provider: tuple(
        rule._replace(code=rule.code.lower()) for rule in rules if rule.match != "exact"
    )
    for provider, rules in _TABLES.items()
}


def _code_class(provider: str, code: str | int | None) -> type[APIError] | None:
    """Return the class the provider's table gives ``code``, or ``None``."""
    if code is None or isinstance(code, bool):
        return None
    folded = str(code).strip().lower()
    if not folded:
        return None
    cls = _EXACT.get(provider, {}).get(folded)
    if cls is not None:
        return cls
    for rule in _PATTERNS.get(provider, ()):
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
        :func:`vtasks._exceptions.error_class_for_status` gives the HTTP status
        (:class:`APIError` itself for a business error with an unknown code).
    """
    cls = _code_class(provider, code)
    return cls if cls is not None else error_class_for_status(status_code)


def api_error_for_code(
    provider: str,
    code: str | int | None,
    status_code: int | None,
    *,
    message: str | None = None,
    request_id: str | None = None,
    body: BodyInput = None,
    retry_after: float | None = None,
    task_ids: Iterable[str] = (),
) -> APIError:
    """Build the error for a provider's error code and HTTP status.

    Args:
        provider: The provider key.
        code: The provider's error code, or ``None``.
        status_code: The HTTP status (``200`` for business errors).
        message: The provider's message.
        request_id: The provider's request id.
        body: The raw response body.
        retry_after: Seconds to wait (kept only on :class:`RateLimitError`).
        task_ids: Unknown task ids (kept only on :class:`NotFoundError`).

    Returns:
        The error (not raised); its class comes from :func:`error_class_for`.
    """
    return make_api_error(
        error_class_for(provider, code, status_code),
        provider,
        status_code,
        code=code,
        message=message,
        request_id=request_id,
        body=body,
        retry_after=retry_after,
        task_ids=task_ids,
    )


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
    for rule in _TABLES.get(provider, ()):
        shown = {"exact": rule.code, "prefix": f"{rule.code}*", "suffix": f"*{rule.code}"}
        rows.append((shown[rule.match], rule.error.__name__, rule.note))
    return rows
