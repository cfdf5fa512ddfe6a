"""The vtasks error hierarchy.

Every error vtasks raises is a :class:`VTasksError`::

    VTasksError
     ├── ConfigurationError             (also ValueError)     bad provider / key / argument
     ├── UnsupportedOperation           (also NotImplementedError)
     ├── APIConnectionError                                   no answer from the provider
     │    └── APITimeoutError
     ├── APIError                                             the provider answered "no"
     │    ├── AuthenticationError                             401, bad API key
     │    │    └── PermissionDeniedError                      403, overdue account, no balance
     │    ├── NotFoundError                                   404 / 410, unknown task ids
     │    ├── RateLimitError                                  429 (retry_after)
     │    ├── InvalidRequestError                             400 / 409 / 422
     │    └── ServerError                                     5xx, 408, 425, 499
     ├── ResponseError                                        unparseable / off-spec answer
 ├── CallbackError                                        a callback request vtasks refuses
 │    └── CallbackSignatureError                          not shown to come from the vendor
     ├── WaitTimeout                                          wait_for_task ran out of time
     ├── TaskMayExistError                                    a create's outcome is unknown
     └── DownloadError                                        broken or short transfer
          └── DownloadExistsError       (also FileExistsError)

Business errors that a provider sends with HTTP 200 (AiToEarn ``code != 0``, MiniMax
``base_resp.status_code != 0``) map to the same :class:`APIError` subclasses. This module
holds the hierarchy only: which class an answer (HTTP status, vendor code) becomes is decided in
:mod:`vtasks._error_codes`.

Conventions:

- ``str(error)`` is one line: provider, what went wrong, HTTP status, vendor code,
  vendor message, request id. Whitespace in vendor text is collapsed and long text
  is shortened, so the line stays readable on a terminal.
- Every error pickles and unpickles with its attributes (for multiprocessing and
  task queues): see :meth:`VTasksError.__reduce__`.
- Exceptions never see API keys: callers redact vendor text that might echo one
  (:func:`vtasks._redact.redact_text`) before building an error.
- ``body`` keeps the provider's raw response text: bytes are decoded as UTF-8 with
  replacement characters, and anything past :data:`MAX_BODY_CHARS` is cut off
  (``body_truncated`` then says so).
"""

from __future__ import annotations

import errno as _errno
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from vtasks._models import Task

__all__ = [
    "BODY_EXCERPT_CHARS",
    "MAX_BODY_CHARS",
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AuthenticationError",
    "CallbackError",
    "CallbackSignatureError",
    "ConfigurationError",
    "DownloadError",
    "DownloadExistsError",
    "TaskMayExistError",
    "InvalidRequestError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ResponseError",
    "ServerError",
    "UnsupportedOperation",
    "VTasksError",
    "WaitTimeout",
]

MAX_BODY_CHARS = 64 * 1024
"""The most characters of a response body an error keeps (64 Ki)."""

BODY_EXCERPT_CHARS = 200
"""How much of a body ``str(error)`` shows when the provider sent no message."""

# Longest vendor message shown by str(error); the full text stays in ``.message``.
_MESSAGE_MAX_CHARS = 500

# Most unknown task ids named by NotFoundError's message; all stay in ``.task_ids``.
_MAX_IDS_SHOWN = 10

BodyInput = str | bytes | bytearray | memoryview | None
"""What ``body`` arguments accept; stored as ``str | None``."""


def _one_line(text: str, limit: int) -> str:
    """Collapse whitespace runs to single spaces and shorten to ``limit`` characters."""
    flat = " ".join(text.split())
    if len(flat) > limit:
        return flat[: limit - 1] + "\u2026"
    return flat


def _body_text(body: BodyInput) -> tuple[str | None, bool]:
    """Return ``(text, truncated)`` for a body given as text or bytes."""
    if body is None:
        return None, False
    if isinstance(body, str):
        if len(body) > MAX_BODY_CHARS:
            return body[:MAX_BODY_CHARS], True
        return body, False
    data = bytes(body)
    # Cut before decoding so a huge body is never decoded whole; a multi-byte
    # character split at the cut becomes one replacement character.
    truncated = len(data) > MAX_BODY_CHARS
    return data[:MAX_BODY_CHARS].decode("utf-8", "replace"), truncated


def _rebuild(cls: type[VTasksError], kwargs: Mapping[str, Any]) -> VTasksError:
    """Unpickle helper: call the constructor with the saved keyword arguments."""
    return cls(**kwargs)


class VTasksError(Exception):
    """Base class of every error vtasks raises.

    Attributes:
        message: The human message (for API errors: the provider's own message).
    """

    # Constructor keyword arguments, each stored as an attribute of the same name:
    # pickling and repr() are driven by this list.
    _init_fields: ClassVar[tuple[str, ...]] = ("message",)

    def __init__(self, message: str | None = None) -> None:
        self.message = message
        super().__init__(*(() if message is None else (message,)))

    def _describe(self) -> str:
        """Return the one-line description used by ``str()``."""
        return _one_line(self.message, _MESSAGE_MAX_CHARS) if self.message else ""

    def __str__(self) -> str:
        """Return a one-line description of the error."""
        return self._describe()

    def __repr__(self) -> str:
        """Show the class and the attributes that are set (never the body)."""
        shown = []
        for name in self._init_fields:
            if name in ("body", "task"):
                continue
            value = getattr(self, name, None)
            if value is not None and value != ():
                shown.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickle by constructor keywords, plus ``__dict__`` (notes, extra attributes).

        The default exception pickling calls ``cls(*self.args)``, which loses the
        keyword-only attributes (or fails outright).
        """
        kwargs = {name: getattr(self, name) for name in self._init_fields}
        return (_rebuild, (type(self), kwargs), dict(self.__dict__))


class ConfigurationError(VTasksError, ValueError):
    """A usage mistake: unknown provider, missing API key, bad argument.

    Attributes:
        message: What is wrong.
        hint: What to do about it, when known (appended to ``str()``).
    """

    _init_fields: ClassVar[tuple[str, ...]] = ("message", "hint")

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message)

    def _describe(self) -> str:
        text = self.message or "invalid configuration"
        if self.hint:
            text = f"{text}; {self.hint}"
        return _one_line(text, _MESSAGE_MAX_CHARS)


class UnsupportedOperation(VTasksError, NotImplementedError):  # noqa: N818  (public name, fixed)
    """The provider has no endpoint for the requested operation (e.g. listing on MiniMax).

    Attributes:
        message: Why, when known.
        provider: The provider key.
        operation: The operation asked for, e.g. ``"list_tasks"``.
    """

    _init_fields: ClassVar[tuple[str, ...]] = ("message", "provider", "operation")

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        operation: str | None = None,
    ) -> None:
        self.provider = provider
        self.operation = operation
        super().__init__(message)

    def _describe(self) -> str:
        who = self.provider or "this provider"
        what = self.operation or "this operation"
        text = f"{who} does not support {what}"
        if self.message:
            text = f"{text}: {self.message}"
        return _one_line(text, _MESSAGE_MAX_CHARS)


class APIConnectionError(VTasksError):
    """The request got no answer: DNS, connect, TLS or read failure.

    Attributes:
        message: The underlying error, as text.
        provider: The provider key.
    """

    _init_fields: ClassVar[tuple[str, ...]] = ("message", "provider")
    _label: ClassVar[str] = "connection error"

    def __init__(self, message: str | None = None, *, provider: str | None = None) -> None:
        self.provider = provider
        super().__init__(message)

    def _describe(self) -> str:
        text = self._label
        if self.message:
            text = f"{text}: {self.message}"
        if self.provider:
            text = f"{self.provider}: {text}"
        return _one_line(text, _MESSAGE_MAX_CHARS)


class APITimeoutError(APIConnectionError):
    """The request timed out before the provider answered."""

    _label = "request timed out"


class APIError(VTasksError):
    """The provider answered with an error (an HTTP error, or a business error in a 200).

    Attributes:
        message: The provider's error message, when it sent one.
        provider: The provider key.
        status_code: The HTTP status (``200`` for business errors sent with HTTP 200).
        code: The provider's error code, always as a string (``"1002"``,
            ``"RateLimitExceeded.EndpointRPMExceeded"``), or ``None``.
        request_id: The provider's request id, for support tickets.
        body: The raw response body as text, at most :data:`MAX_BODY_CHARS` long.
        body_truncated: Whether ``body`` was cut.
    """

    _init_fields: ClassVar[tuple[str, ...]] = (
        "message",
        "provider",
        "status_code",
        "code",
        "request_id",
        "body",
    )
    _label: ClassVar[str] = "API error"

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        status_code: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
        body: BodyInput = None,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.code = None if code is None else str(code)
        self.request_id = request_id
        self.body, self.body_truncated = _body_text(body)
        super().__init__(message)

    def _details(self) -> str:
        """Return extra text a subclass appends to the message (``""`` for none)."""
        return ""

    def _describe(self) -> str:
        meta = []
        if self.status_code is not None:
            meta.append(f"HTTP {self.status_code}")
        if self.code is not None:
            meta.append(f"code {self.code!r}")
        text = self._label
        if meta:
            text = f"{text} ({', '.join(meta)})"
        if self.provider:
            text = f"{self.provider}: {text}"
        if self.message:
            text = f"{text}: {_one_line(self.message, _MESSAGE_MAX_CHARS)}"
        elif self.body:
            text = f"{text}: body {_one_line(self.body, BODY_EXCERPT_CHARS)!r}"
        details = self._details()
        if details:
            text = f"{text}; {details}"
        if self.request_id:
            text = f"{text} [request_id={self.request_id}]"
        return text


class AuthenticationError(APIError):
    """The API key is missing, malformed or not accepted (HTTP 401 and equivalents)."""

    _label = "authentication failed"


class PermissionDeniedError(AuthenticationError):
    """The key is valid but not allowed: HTTP 403, overdue account, insufficient balance.

    A subclass of :class:`AuthenticationError`, so ``except AuthenticationError``
    catches both.
    """

    _label = "permission denied"


class NotFoundError(APIError):
    """The task (or another resource) does not exist, or no longer does.

    Attributes:
        task_ids: The task ids the provider did not know (``get_tasks`` names every
            unknown id here), or ``()``.
    """

    _init_fields: ClassVar[tuple[str, ...]] = (*APIError._init_fields, "task_ids")
    _label = "not found"

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        status_code: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
        body: BodyInput = None,
        task_ids: Iterable[str] = (),
    ) -> None:
        self.task_ids: tuple[str, ...] = tuple(task_ids)
        super().__init__(
            message,
            provider=provider,
            status_code=status_code,
            code=code,
            request_id=request_id,
            body=body,
        )

    def _details(self) -> str:
        if not self.task_ids:
            return ""
        shown = ", ".join(self.task_ids[:_MAX_IDS_SHOWN])
        more = len(self.task_ids) - _MAX_IDS_SHOWN
        label = "unknown task id" if len(self.task_ids) == 1 else "unknown task ids"
        return f"{label}: {shown}" + (f" (+{more} more)" if more > 0 else "")


class RateLimitError(APIError):
    """Too many requests, or a quota is used up (HTTP 429 and equivalents). Retryable.

    Attributes:
        retry_after: Seconds the provider asked to wait (``Retry-After``), or ``None``.
    """

    _init_fields: ClassVar[tuple[str, ...]] = (*APIError._init_fields, "retry_after")
    _label = "rate limited"

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        status_code: int | None = None,
        code: str | int | None = None,
        request_id: str | None = None,
        body: BodyInput = None,
        retry_after: float | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message,
            provider=provider,
            status_code=status_code,
            code=code,
            request_id=request_id,
            body=body,
        )

    def _details(self) -> str:
        return "" if self.retry_after is None else f"retry after {self.retry_after:g} s"


class InvalidRequestError(APIError):
    """The provider rejected the request's parameters (HTTP 400 / 409 / 422 and equivalents)."""

    _label = "invalid request"


class ServerError(APIError):
    """The provider failed or is unavailable (HTTP 5xx, 408, 425, 499 and equivalents).

    Usually transient and retryable.
    """

    _label = "server error"


class ResponseError(VTasksError):
    """The provider answered with something unparseable or off-spec.

    Raised instead of the ``ValueError`` / ``KeyError`` / ``TypeError`` /
    ``JSONDecodeError`` a parser would raise on such a body.

    Attributes:
        message: What was wrong with the response.
        provider: The provider key.
        status_code: The HTTP status of the response.
        body: The raw response body as text, at most :data:`MAX_BODY_CHARS` long.
        body_truncated: Whether ``body`` was cut.
    """

    _init_fields: ClassVar[tuple[str, ...]] = ("message", "provider", "status_code", "body")

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        status_code: int | None = None,
        body: BodyInput = None,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.body, self.body_truncated = _body_text(body)
        super().__init__(message)

    def _describe(self) -> str:
        text = "unexpected response"
        if self.status_code is not None:
            text = f"{text} (HTTP {self.status_code})"
        if self.provider:
            text = f"{self.provider}: {text}"
        if self.message:
            text = f"{text}: {_one_line(self.message, _MESSAGE_MAX_CHARS)}"
        if self.body is not None:
            excerpt = _one_line(self.body, BODY_EXCERPT_CHARS)
            text = f"{text}; body {excerpt!r}" if excerpt else f"{text}; empty body"
        return text


class CallbackError(VTasksError):
    """A callback request that :func:`vtasks.callbacks.parse` cannot accept.

    Not a POST, a body that is not a JSON object (or is larger than
    :data:`vtasks.callbacks.MAX_BODY_BYTES`), a push without a task id. The request came to you,
    so nothing here is the vendor's answer: ``response_status`` is what to answer it with.

    Attributes:
        message: What was wrong with the request.
        provider: The provider key.
        body: The request body as text (secret scrubbed), at most :data:`MAX_BODY_CHARS` long.
        body_truncated: Whether ``body`` was cut.
        response_status: The HTTP status to answer the request with (400, 401, 405, 413).
    """

    _init_fields: ClassVar[tuple[str, ...]] = ("message", "provider", "body", "response_status")
    _label: ClassVar[str] = "callback refused"
    _default_status: ClassVar[int] = 400

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        body: BodyInput = None,
        response_status: int | None = None,
    ) -> None:
        self.provider = provider
        self.body, self.body_truncated = _body_text(body)
        self.response_status = self._default_status if response_status is None else response_status
        super().__init__(message)

    def _describe(self) -> str:
        text = self._label
        if self.provider:
            text = f"{self.provider}: {text}"
        if self.message:
            text = f"{text}: {_one_line(self.message, _MESSAGE_MAX_CHARS)}"
        if self.body is not None:
            excerpt = _one_line(self.body, BODY_EXCERPT_CHARS)
            text = f"{text}; body {excerpt!r}" if excerpt else f"{text}; empty body"
        return text


class CallbackSignatureError(CallbackError):
    """The callback could not be shown to come from the vendor; answer it with 401.

    A missing or wrong Vidu signature, a ``Date`` outside ``max_age``, a nonce seen before, or a
    missing or wrong ``token`` in the callback URL. The message says which, never the secret or
    the signature expected.
    """

    _label = "callback not verified"
    _default_status = 401


class WaitTimeout(VTasksError):  # noqa: N818  (public name, fixed)
    """``wait_for_task`` ran out of time before the task finished.

    Attributes:
        task: The last state of the task seen, or ``None`` if none was fetched.
        timeout: The time limit, in seconds.
        task_id: The task id (from ``task`` unless given).
        provider: The provider key (from ``task`` unless given).
    """

    _init_fields: ClassVar[tuple[str, ...]] = ("message", "task", "timeout", "task_id", "provider")

    def __init__(
        self,
        message: str | None = None,
        *,
        task: Task | None = None,
        timeout: float | None = None,
        task_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.task = task
        self.timeout = timeout
        self.task_id = task_id if task_id is not None or task is None else task.id
        self.provider = provider if provider is not None or task is None else task.provider
        super().__init__(message)

    def _describe(self) -> str:
        text = f"task {self.task_id}" if self.task_id else "task"
        text += " did not finish"
        if self.timeout is not None:
            text += f" within {self.timeout:g} s"
        if self.task is not None:
            text += f" (last status: {self.task.status.value})"
        if self.provider:
            text = f"{self.provider}: {text}"
        if self.message:
            text = f"{text}: {self.message}"
        return _one_line(text, _MESSAGE_MAX_CHARS)


class DownloadError(VTasksError):
    """Downloading a result failed: broken connection, short transfer, bad status.

    Attributes:
        message: What went wrong.
        path: The file that was being written.
        expected_bytes: The announced size (``Content-Length``), when known.
        received_bytes: How many bytes arrived, when known.
        task_id: The task whose video was being downloaded.
        provider: The provider key.
    """

    _init_fields: ClassVar[tuple[str, ...]] = (
        "message",
        "path",
        "expected_bytes",
        "received_bytes",
        "task_id",
        "provider",
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        expected_bytes: int | None = None,
        received_bytes: int | None = None,
        task_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        self.path = path
        self.expected_bytes = expected_bytes
        self.received_bytes = received_bytes
        self.task_id = task_id
        self.provider = provider
        super().__init__(message)

    def _describe(self) -> str:
        text = "download"
        if self.task_id:
            text += f" of task {self.task_id}"
        if self.path is not None:
            text += f" to {os.fspath(self.path)!r}"
        text += " failed"
        if self.received_bytes is not None:
            text += f": received {self.received_bytes}"
            if self.expected_bytes is not None:
                text += f" of {self.expected_bytes}"
            text += " bytes"
        if self.message:
            text += f": {self.message}"
        if self.provider:
            text = f"{self.provider}: {text}"
        return _one_line(text, _MESSAGE_MAX_CHARS)


class DownloadExistsError(DownloadError, FileExistsError):
    """The target file exists and ``overwrite`` was not set.

    Also a :class:`FileExistsError`, with ``errno`` set to ``EEXIST`` and
    ``filename`` to the path, like the one ``open(path, "xb")`` raises.
    """

    def __init__(
        self,
        message: str | None = None,
        *,
        path: str | os.PathLike[str] | None = None,
        expected_bytes: int | None = None,
        received_bytes: int | None = None,
        task_id: str | None = None,
        provider: str | None = None,
    ) -> None:
        super().__init__(
            message,
            path=path,
            expected_bytes=expected_bytes,
            received_bytes=received_bytes,
            task_id=task_id,
            provider=provider,
        )
        # Fill the OSError fields (errno, strerror, filename) that FileExistsError
        # handlers read.
        filename = None if path is None else os.fspath(path)
        OSError.__init__(self, _errno.EEXIST, "File exists", filename)

    def _describe(self) -> str:
        where = "" if self.path is None else f" {os.fspath(self.path)!r}"
        text = f"refusing to overwrite existing file{where}; pass overwrite=True to replace it"
        if self.provider:
            text = f"{self.provider}: {text}"
        return text


class TaskMayExistError(VTasksError):
    """A create request may have reached the vendor, and its answer did not say what became of it.

    Raised after a timeout, a dropped connection, a 5xx or an unreadable answer to a create:
    the vendor may have made (and will charge for) a task. vtasks never re-sends such a
    create. Find the task by listing recent tasks (docs: "Reconciling an uncertain create")
    before creating it again; the attributes say what to look for.

    Attributes:
        message: What went wrong (the cause is chained as ``__cause__``).
        provider: The provider key.
        model: The model asked for.
        sent_at: When the request was sent (aware UTC).
        prompt: The prompt sent (``None`` for none).
        prompt_digest: SHA-256 of the prompt (hex), to match without keeping the text.
        status_code: The HTTP status of the answer, when one came.
        body: The answer's raw text, when one came (truncated like every body).
        body_truncated: Whether ``body`` was cut.
    """

    _init_fields: ClassVar[tuple[str, ...]] = (
        "message",
        "provider",
        "model",
        "sent_at",
        "prompt",
        "prompt_digest",
        "status_code",
        "body",
    )

    def __init__(
        self,
        message: str | None = None,
        *,
        provider: str | None = None,
        model: str | None = None,
        sent_at: datetime | None = None,
        prompt: str | None = None,
        prompt_digest: str | None = None,
        status_code: int | None = None,
        body: BodyInput = None,
    ) -> None:
        self.provider = provider
        self.model = model
        self.sent_at = sent_at
        self.prompt = prompt
        if prompt_digest is None and prompt is not None:
            import hashlib

            prompt_digest = hashlib.sha256(prompt.encode("utf-8")).hexdigest()
        self.prompt_digest = prompt_digest
        self.status_code = status_code
        self.body, self.body_truncated = _body_text(body)
        super().__init__(message)

    def _describe(self) -> str:
        text = "the create request"
        if self.model:
            text += f" for model {self.model}"
        if self.sent_at is not None:
            text += f" sent at {self.sent_at.isoformat(timespec='seconds')}"
        text += " may have created a task"
        if self.status_code is not None:
            text += f" (HTTP {self.status_code})"
        if self.message:
            text += f": {_one_line(self.message, _MESSAGE_MAX_CHARS)}"
        text += "; it was not re-sent: list recent tasks to find it before creating again"
        if self.provider:
            text = f"{self.provider}: {text}"
        return text
