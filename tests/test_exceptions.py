"""The error hierarchy: vtasks._exceptions."""

from __future__ import annotations

import errno
import pickle
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks import _exceptions as ex
from vtasks._error_codes import error_class_for, error_class_for_status, make_api_error
from vtasks._models import Task, TaskStatus


def examples() -> list[ex.VTasksError]:
    """One instance of every class, with every attribute set."""
    api = {
        "provider": "volc",
        "status_code": 400,
        "code": "InvalidParameter",
        "request_id": "req-1",
        "body": '{"error": {"code": "InvalidParameter"}}',
    }
    task = Task(provider="volc", id="cgt-1", status=TaskStatus.RUNNING)
    return [
        ex.VTasksError("plain"),
        ex.ConfigurationError("missing API key for 'volc'", hint="set VTASKS_VOLC_API_KEY"),
        ex.UnsupportedOperation("no list endpoint", provider="minimax", operation="list_tasks"),
        ex.APIConnectionError("connection refused", provider="veo"),
        ex.APITimeoutError("read timeout", provider="veo"),
        ex.APIError("odd", **api),  # type: ignore[arg-type]
        ex.AuthenticationError("bad key", **api),  # type: ignore[arg-type]
        ex.PermissionDeniedError("overdue", **api),  # type: ignore[arg-type]
        ex.NotFoundError("gone", task_ids=["a", "b"], **api),  # type: ignore[arg-type]
        ex.RateLimitError("slow down", retry_after=2.5, **api),  # type: ignore[arg-type]
        ex.InvalidRequestError("bad param", **api),  # type: ignore[arg-type]
        ex.ServerError("oops", **api),  # type: ignore[arg-type]
        ex.ResponseError("not JSON", provider="aitoearn", status_code=200, body=b"<html>"),
        ex.CallbackError("the body is not JSON", provider="ark", body=b"<html>"),
        ex.CallbackSignatureError("the token is wrong", provider="minimax", response_status=401),
        ex.WaitTimeout(task=task, timeout=600.0),
        ex.DownloadError(
            "connection reset",
            path=Path("out.mp4"),
            expected_bytes=100,
            received_bytes=10,
            task_id="t",
            provider="vidu",
        ),
        ex.DownloadExistsError(path="out.mp4", task_id="t", provider="vidu"),
    ]


def test_hierarchy() -> None:
    assert issubclass(ex.ConfigurationError, ValueError)
    assert issubclass(ex.UnsupportedOperation, NotImplementedError)
    assert issubclass(ex.APITimeoutError, ex.APIConnectionError)
    for cls in (
        ex.AuthenticationError,
        ex.NotFoundError,
        ex.RateLimitError,
        ex.InvalidRequestError,
        ex.ServerError,
    ):
        assert issubclass(cls, ex.APIError)
    assert issubclass(ex.PermissionDeniedError, ex.AuthenticationError)
    assert issubclass(ex.DownloadExistsError, ex.DownloadError)
    assert issubclass(ex.DownloadExistsError, FileExistsError)
    assert issubclass(ex.CallbackSignatureError, ex.CallbackError)
    for error in examples():
        assert isinstance(error, ex.VTasksError)


def test_docstring_draws_every_class() -> None:
    doc = ex.__doc__ or ""
    for name in ex.__all__:
        obj = getattr(ex, name)
        if isinstance(obj, type) and issubclass(obj, BaseException):
            assert name in doc, name


@pytest.mark.parametrize("error", examples(), ids=lambda e: type(e).__name__)
def test_str_is_one_clear_line(error: ex.VTasksError) -> None:
    text = str(error)
    assert text
    assert "\n" not in text
    assert len(text) < 800


@pytest.mark.parametrize("error", examples(), ids=lambda e: type(e).__name__)
def test_pickle_round_trip(error: ex.VTasksError) -> None:
    error.add_note("a note")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is type(error)
    assert str(again) == str(error)
    assert repr(again) == repr(error)
    assert again.__dict__ == error.__dict__
    assert again.__notes__ == ["a note"]


@pytest.mark.parametrize("error", examples(), ids=lambda e: type(e).__name__)
def test_repr(error: ex.VTasksError) -> None:
    text = repr(error)
    assert text.startswith(type(error).__name__ + "(")
    assert "body=" not in text


def test_api_error_str() -> None:
    error = ex.RateLimitError(
        "Too many\n  requests",
        provider="volc",
        status_code=429,
        code="RateLimitExceeded.EndpointRPMExceeded",
        request_id="r-9",
        retry_after=2.0,
    )
    assert str(error) == (
        "volc: rate limited (HTTP 429, code 'RateLimitExceeded.EndpointRPMExceeded'): "
        "Too many requests; retry after 2 s [request_id=r-9]"
    )
    assert error.message == "Too many\n  requests"  # kept verbatim


def test_api_error_code_is_text() -> None:
    error = ex.APIError(provider="minimax", status_code=200, code=1002)
    assert error.code == "1002"
    assert str(error) == "minimax: API error (HTTP 200, code '1002')"


def test_body_excerpt_when_no_message() -> None:
    error = ex.ServerError(provider="vidu", status_code=502, body="<html>" + "x" * 1000)
    assert "<html>xx" in str(error)
    assert len(str(error)) < 300
    assert error.body is not None
    assert len(error.body) == 1006


def test_body_bytes_decoded_with_replacement() -> None:
    error = ex.ResponseError(provider="veo", body=b"\xff\xfeok")
    assert error.body == "\ufffd\ufffdok"
    assert ex.ResponseError(provider="veo", body=bytearray(b"x")).body == "x"
    assert ex.ResponseError(provider="veo").body is None


@pytest.mark.parametrize("make", [lambda n: "y" * n, lambda n: b"y" * n])
def test_body_truncated(make: object) -> None:
    body = make(ex.MAX_BODY_CHARS + 10)  # type: ignore[operator]
    error = ex.ResponseError("huge", provider="veo", body=body)
    assert error.body is not None
    assert len(error.body) == ex.MAX_BODY_CHARS
    assert error.body_truncated
    again = pickle.loads(pickle.dumps(error))
    assert again.body_truncated
    assert again.body == error.body
    small = ex.ResponseError(body="short")
    assert not small.body_truncated


def test_not_found_names_ids() -> None:
    one = ex.NotFoundError(provider="volc", status_code=404, task_ids=["cgt-x"])
    assert str(one).endswith("unknown task id: cgt-x")
    many = ex.NotFoundError(provider="volc", task_ids=[f"t{i}" for i in range(25)])
    assert many.task_ids == tuple(f"t{i}" for i in range(25))
    assert "(+15 more)" in str(many)
    assert ex.NotFoundError().task_ids == ()


def test_configuration_error_says_what_to_do() -> None:
    error = ex.ConfigurationError(
        "missing API key for 'volc'", hint="pass api_key= or set VTASKS_VOLC_API_KEY"
    )
    assert str(error) == "missing API key for 'volc'; pass api_key= or set VTASKS_VOLC_API_KEY"
    with pytest.raises(ValueError, match="VTASKS_VOLC_API_KEY"):
        raise error


def test_unsupported_operation() -> None:
    error = ex.UnsupportedOperation(provider="minimax", operation="list_tasks")
    assert str(error) == "minimax does not support list_tasks"
    assert isinstance(error, NotImplementedError)


def test_callback_errors_say_what_to_answer() -> None:
    error = ex.CallbackError("the body is empty", provider="ark", body=b"")
    assert error.response_status == 400
    assert str(error) == "ark: callback refused: the body is empty; empty body"
    signature = ex.CallbackSignatureError("the signature does not match", provider="vidu")
    assert signature.response_status == 401
    assert str(signature) == "vidu: callback not verified: the signature does not match"
    assert ex.CallbackError("too big", response_status=413).response_status == 413


def test_wait_timeout() -> None:
    task = Task(provider="volc", id="cgt-1", status=TaskStatus.RUNNING)
    error = ex.WaitTimeout(task=task, timeout=600.0)
    assert error.task is task
    assert error.task_id == "cgt-1"
    assert error.provider == "volc"
    assert str(error) == "volc: task cgt-1 did not finish within 600 s (last status: running)"
    assert pickle.loads(pickle.dumps(error)).task == task


def test_download_errors() -> None:
    error = ex.DownloadError(
        "connection reset", path="v.mp4", expected_bytes=100, received_bytes=10, task_id="t"
    )
    assert str(error) == (
        "download of task t to 'v.mp4' failed: received 10 of 100 bytes: connection reset"
    )
    exists = ex.DownloadExistsError(path=Path("/tmp/v.mp4"))
    assert exists.errno == errno.EEXIST
    assert exists.filename == "/tmp/v.mp4"
    assert "overwrite=True" in str(exists)
    again = pickle.loads(pickle.dumps(exists))
    assert again.errno == errno.EEXIST
    assert again.filename == "/tmp/v.mp4"
    with pytest.raises(FileExistsError):
        raise exists


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, ex.InvalidRequestError),
        (409, ex.InvalidRequestError),
        (422, ex.InvalidRequestError),
        (401, ex.AuthenticationError),
        (402, ex.PermissionDeniedError),
        (403, ex.PermissionDeniedError),
        (404, ex.NotFoundError),
        (410, ex.NotFoundError),
        (408, ex.ServerError),
        (425, ex.ServerError),
        (429, ex.RateLimitError),
        (499, ex.ServerError),
        (500, ex.ServerError),
        (501, ex.ServerError),
        (503, ex.ServerError),
        (522, ex.ServerError),
        (599, ex.ServerError),
        (200, ex.APIError),
        (302, ex.APIError),
        (418, ex.APIError),
        (600, ex.APIError),
        (None, ex.APIError),
    ],
)
def test_api_error_for_status(status: int | None, cls: type[ex.APIError]) -> None:
    assert error_class_for_status(status) is cls
    # As BaseClient._api_error builds it: "X" is no Vidu code, so the HTTP status decides.
    error = make_api_error(
        error_class_for("vidu", "X", status),
        "vidu",
        status,
        code="X",
        message="m",
        request_id="r",
        body="b",
        retry_after=3.0,
    )
    assert type(error) is cls
    assert (error.provider, error.status_code, error.code, error.message) == (
        "vidu",
        status,
        "X",
        "m",
    )
    assert (error.request_id, error.body) == ("r", "b")
    if isinstance(error, ex.RateLimitError):
        assert error.retry_after == 3.0


@given(
    st.one_of(st.none(), st.text(max_size=300)),
    st.one_of(st.none(), st.text(max_size=50), st.binary(max_size=50)),
    st.one_of(st.none(), st.integers(100, 599)),
)
def test_any_api_error_is_one_line_and_pickles(
    message: str | None, body: str | bytes | None, status: int | None
) -> None:
    error = make_api_error(
        error_class_for("veo", None, status), "veo", status, message=message, body=body
    )
    text = str(error)
    assert "\n" not in text
    assert "\r" not in text
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == text
