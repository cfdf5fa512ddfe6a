"""Provider error codes -> error classes: vtasks._error_codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks._error_codes import (
    error_class_for,
    error_code_rows,
    is_retryable_error,
    make_api_error,
)
from vtasks._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ServerError,
)

Auth, Perm, NotF, Rate, Inv, Srv = (
    AuthenticationError,
    PermissionDeniedError,
    NotFoundError,
    RateLimitError,
    InvalidRequestError,
    ServerError,
)

# (provider, code, class), every code the vendors document (docs/providers.md), written out here rather than read
# from the tables in vtasks/_providers/, so that a changed table row fails a test.
CODES = [
    # MiniMax base_resp.status_code, HTTP 200
    ("minimax", 1000, Srv),
    ("minimax", 1001, Srv),
    ("minimax", 1002, Rate),
    ("minimax", 1004, Auth),
    ("minimax", 1008, Perm),
    ("minimax", 1013, Srv),
    ("minimax", 1024, Srv),
    ("minimax", 1026, Inv),
    ("minimax", 1027, Inv),
    ("minimax", 1033, Srv),
    ("minimax", 1039, Rate),
    ("minimax", 1041, Rate),
    ("minimax", 2013, Inv),
    ("minimax", 2049, Auth),
    # AiToEarn code, HTTP 200
    ("aitoearn", 400, Inv),
    ("aitoearn", 401, Auth),
    ("aitoearn", 500, Srv),
    ("aitoearn", 10002, Inv),
    ("aitoearn", 12300, Inv),
    ("aitoearn", 12301, Srv),
    ("aitoearn", 12302, NotF),
    ("aitoearn", 19000, Auth),
    # Vidu reason / err_code names
    ("vidu", "BadRequest", Inv),
    ("vidu", "FieldInvalid", Inv),
    ("vidu", "PageSizeOutOfRange", Inv),
    ("vidu", "CreditInsufficient", Perm),
    ("vidu", "CreationPolicyViolation", Inv),
    ("vidu", "ModelUnavailable", Inv),
    ("vidu", "UserCancelled", Inv),
    ("vidu", "Unauthorized", Auth),
    ("vidu", "Forbidden", Perm),
    ("vidu", "TaskNotFound", NotF),
    ("vidu", "CreationNotFound", NotF),
    ("vidu", "Conflict", Inv),
    ("vidu", "QuotaExceeded", Rate),
    ("vidu", "TooManyRequests", Rate),
    ("vidu", "SystemThrottling", Rate),
    ("vidu", "Canceled", Srv),
    ("vidu", "InternalServiceFailure", Srv),
    # ...and the rest of Vidu's error-code page (platform.vidu.com/docs/error-code, platform.vidu.cn)
    ("vidu", "FieldLacking", Inv),
    ("vidu", "FieldUnwanted", Inv),
    ("vidu", "FieldItemCountOutOfRange", Inv),
    ("vidu", "ImageDownloadFailure", Inv),
    ("vidu", "OperationInProcess", Rate),  # "operation in process, please retry later"
    ("vidu", "TaskPromptPolicyViolation", Inv),
    ("vidu", "ImageFormatInvalid", Inv),
    ("vidu", "AuditSubmitIllegal", Inv),
    ("vidu", "ImageCheckBodyJointsFailed", Inv),  # ImageCheck*
    ("vidu", "ImageCheckFaceFailed", Inv),
    ("vidu", "ImageObjectsUndetected", Inv),
    ("vidu", "NotFound", NotF),
    # Ark error.code (and the volc reseller passing them through)
    ("ark", "MissingParameter", Inv),
    ("ark", "InvalidParameter", Inv),
    ("ark", "InvalidParameter.Duration", Inv),
    ("ark", "AuthenticationError", Auth),
    ("ark", "AccountOverdueError", Perm),
    ("ark", "AccessDenied", Perm),
    ("ark", "ResourceNotFound", NotF),
    ("ark", "InvalidEndpointOrModel.NotFound", NotF),
    ("ark", "RateLimitExceeded", Rate),
    ("ark", "RateLimitExceeded.EndpointRPMExceeded", Rate),
    ("ark", "InternalServiceError", Srv),
    ("ark", "ServiceUnavailable", Srv),
    ("volc", "RateLimitExceeded.EndpointTPMExceeded", Rate),
    ("volc", "ModelNotFound", NotF),
]


@pytest.mark.parametrize(("provider", "code", "cls"), CODES)
def test_code_tables(provider: str, code: str | int, cls: type[APIError]) -> None:
    # The code wins over the HTTP status: business errors arrive with HTTP 200.
    assert error_class_for(provider, code, 200) is cls
    assert error_class_for(provider, str(code), 200) is cls
    if isinstance(code, str):
        assert error_class_for(provider, code.lower(), 200) is cls


@pytest.mark.parametrize(
    ("provider", "code", "status", "cls"),
    [
        ("minimax", 9999, 200, APIError),  # unknown business code: the base class
        ("minimax", None, 200, APIError),
        ("minimax", "", 200, APIError),
        ("veo", "anything", 404, NotF),  # veo has no code table
        ("veo", None, 429, Rate),
        ("vidu", "SomethingNew", 503, Srv),
        ("ark", "Weird", 401, Auth),
        ("ark", None, None, APIError),
        ("runway", "TaskNotFound", 400, Inv),  # unknown provider: the status decides
        ("minimax", True, 401, Auth),  # a boolean is not a code
    ],
)
def test_status_fallback(
    provider: str, code: object, status: int | None, cls: type[APIError]
) -> None:
    assert error_class_for(provider, code, status) is cls  # type: ignore[arg-type]


def test_ark_rules_do_not_overmatch() -> None:
    assert error_class_for("ark", "NotFoundButAlive", 400) is Inv  # suffix only
    assert error_class_for("ark", "MyRateLimitExceeded", 400) is Inv  # prefix only


def _error_for(
    provider: str, code: str | int | None, status: int | None, **fields: object
) -> APIError:
    """The error an answer means, built as ``BaseClient._api_error`` builds it."""
    cls = error_class_for(provider, code, status)
    return make_api_error(cls, provider, status, code=code, **fields)  # type: ignore[arg-type]


def test_error_for_code() -> None:
    error = _error_for(
        "minimax",
        1002,
        200,
        message="rate limit exceeded(RPM)",
        request_id="trace-1",
        body='{"base_resp": {"status_code": 1002}}',
        retry_after=1.5,
    )
    assert type(error) is RateLimitError
    assert error.retry_after == 1.5
    assert error.code == "1002"
    assert error.status_code == 200
    assert str(error) == (
        "minimax: rate limited (HTTP 200, code '1002'): rate limit exceeded(RPM); "
        "retry after 1.5 s [request_id=trace-1]"
    )
    missing = _error_for("vidu", "TaskNotFound", 404, task_ids=["a", "b"])
    assert isinstance(missing, NotFoundError)
    assert missing.task_ids == ("a", "b")
    auth = _error_for("aitoearn", 19000, 200, retry_after=5.0, task_ids=["x"])
    assert type(auth) is AuthenticationError


@pytest.mark.parametrize(
    ("error", "retryable"),
    [
        (RateLimitError(status_code=429), True),
        (RateLimitError(status_code=200, code="1002"), True),
        (ServerError(status_code=500), True),
        (ServerError(status_code=502), True),
        (ServerError(status_code=503), True),
        (ServerError(status_code=408), True),
        (ServerError(status_code=499), True),
        (ServerError(status_code=200, code="1001"), True),  # MiniMax timeout
        (ServerError(), True),
        (ServerError(status_code=501), False),  # Not Implemented does not heal
        (ServerError(status_code=505), False),
        (APIConnectionError("refused"), True),
        (APITimeoutError("read timeout"), True),
        (AuthenticationError(status_code=401), False),
        (PermissionDeniedError(status_code=403), False),
        (NotFoundError(status_code=404), False),
        (InvalidRequestError(status_code=400), False),
        (APIError(status_code=418), False),
        (ResponseError("junk"), False),
        (ConfigurationError("bad"), False),
        (ValueError("x"), False),
    ],
)
def test_is_retryable_error(error: BaseException, retryable: bool) -> None:
    assert is_retryable_error(error) is retryable


@pytest.mark.parametrize(("provider", "code", "cls"), CODES)
def test_retryability_follows_class(provider: str, code: str | int, cls: type[APIError]) -> None:
    error = _error_for(provider, code, 200)
    assert is_retryable_error(error) is issubclass(cls, (RateLimitError, ServerError))


def test_error_code_rows() -> None:
    rows = error_code_rows("ark")
    assert ("RateLimitExceeded*", "RateLimitError", "429; RateLimitExceeded.*") in rows
    assert any(code == "*NotFound" for code, _, _ in rows)
    minimax = {code: name for code, name, _ in error_code_rows("minimax")}
    assert minimax["1008"] == "PermissionDeniedError"
    assert error_code_rows("veo") == []
    assert error_code_rows("runway") == []


@given(
    st.sampled_from(["ark", "volc", "veo", "minimax", "vidu", "aitoearn", "x"]),
    st.none() | st.text(max_size=40) | st.integers(),
    st.none() | st.integers(100, 599),
)
def test_never_raises(provider: str, code: str | int | None, status: int | None) -> None:
    cls = error_class_for(provider, code, status)
    assert issubclass(cls, APIError)
    assert isinstance(_error_for(provider, code, status), cls)
