"""What an HTTP answer means: its JSON payload, or the vtasks error it stands for.

Pure functions of the answer (status, headers, body) and the provider's adapter; the exchange
flow (:mod:`vtasks._flows.exchange`) calls them once the body is read. Every piece of vendor text
that reaches an error goes through the caller's ``scrub`` first, so no echo of the key survives.
"""

from __future__ import annotations

import contextlib
import re
from typing import TYPE_CHECKING, Any

from . import _json
from ._error_codes import error_class_for, make_api_error
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    NotFoundError,
    ResponseError,
    VTasksError,
)
from ._retry import parse_retry_after

if TYPE_CHECKING:
    import httpx

    from ._providers._base import Adapter, Request

__all__ = [
    "MIN_KEY_LENGTH",
    "Scrubber",
    "check_key_length",
    "api_error",
    "decode",
    "describe_non_json",
    "request_id",
    "transport_error",
]

_REQUEST_ID_HEADERS = ("x-request-id", "x-tt-logid", "request-id", "trace-id", "x-trace-id")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)


_REDACTED = b"<redacted>"
#: The shortest key vtasks takes: a shorter one would be "found" in ordinary vendor text.
MIN_KEY_LENGTH = 8


def check_key_length(key: str) -> str:
    """Refuse a key too short to be told apart from the text it must be scrubbed from."""
    if len(key) < MIN_KEY_LENGTH:
        from ._exceptions import ConfigurationError

        raise ConfigurationError(
            f"the API key is {len(key)} characters long; vtasks needs at least {MIN_KEY_LENGTH}",
            hint="a key that short would match ordinary vendor text, which vtasks scrubs it from",
        )
    return key


class Scrubber:
    """Removes every echo of one client's API key from vendor text before it is kept anywhere."""

    def __init__(self, key: str) -> None:
        from urllib.parse import quote, quote_plus

        from ._logs import register

        self._secrets = (key,)
        register(self)
        # The key as it may come back: verbatim, percent-encoded in a URL or form, or with its
        # slashes JSON-escaped ("\/", as PHP writes them). "Bearer KEY" contains the key itself.
        forms = {key, quote(key, safe=""), quote_plus(key, safe=""), key.replace("/", "\\/")}
        with contextlib.suppress(UnicodeEncodeError):
            self._forms = tuple(
                form.encode() for form in sorted(forms, key=len, reverse=True) if form
            )
            return
        self._forms = ()  # a key with lone surrogates cannot be sent, so cannot come back

    def clean(self, content: bytes) -> bytes:
        """A raw body with every form of the key replaced by ``<redacted>`` (before decoding).

        Replacing bytes inside JSON strings keeps the JSON valid: ``<redacted>`` needs no escape.
        """
        for form in self._forms:
            if form in content:
                content = content.replace(form, _REDACTED)
        return content

    def text(self, text: str | None) -> str | None:
        """Vendor text with any echo of the API key replaced (messages, codes)."""
        from ._redact import redact_text

        return None if text is None else redact_text(text, self._secrets)

    def body(self, content: bytes) -> bytes | str:
        """A raw body to keep on an error: as received, unless it echoes the key."""
        if not any(form in content for form in self._forms):
            return content
        from ._redact import redact_text

        return redact_text(content.decode("utf-8", "replace"), self._secrets)


def decode(
    adapter: Adapter,
    scrubber: Scrubber,
    request: Request,
    response: httpx.Response,
    content: bytes,
) -> Any:
    """The JSON payload of a good answer, else raise the vtasks error it means."""
    status = response.status_code
    try:
        # ``_json.loads`` read at each call: ``_json.use`` rebinds it (orjson, else the standard library).
        payload: Any = _json.loads(content) if content else None
        is_json = content != b""
    # JSONDecodeError and UnicodeDecodeError are ValueErrors; a body nested deeper than the
    # interpreter's recursion limit (``[[[[...``) raises RecursionError: unreadable all the same.
    except (ValueError, RecursionError):
        payload, is_json = None, False
    if status >= 300 or status < 200:
        code, message = adapter.error_fields(payload) if is_json else (None, None)
        if message is None and not is_json:
            message = describe_non_json(response, content)
        raise api_error(adapter, scrubber, request, response, content, code, message)
    if not is_json:
        raise ResponseError(
            f"expected JSON, got {scrubber.text(describe_non_json(response, content))}",
            provider=adapter.name,
            status_code=status,
            body=scrubber.body(content),
        )
    business = adapter.business_error(payload)
    if business is not None:
        raise api_error(adapter, scrubber, request, response, content, *business)
    return payload


def api_error(
    adapter: Adapter,
    scrubber: Scrubber,
    request: Request,
    response: httpx.Response,
    content: bytes,
    code: str | None,
    message: str | None,
) -> APIError:
    """The error an answer means: the vendor's code first, else the HTTP status."""
    cls = error_class_for(adapter.name, code, response.status_code)
    if (
        request.task_ids
        and code is not None
        and code in adapter.not_found_codes.get(request.endpoint, ())
    ):
        # A vendor that answers "invalid parameter" about the one id it was asked for: the
        # id is not one of its tasks (MiniMax 2013, AiToEarn 10002).
        cls = NotFoundError
    return make_api_error(
        cls,
        adapter.name,
        response.status_code,
        code=scrubber.text(code),
        message=scrubber.text(message),
        request_id=scrubber.text(request_id(response)),
        body=scrubber.body(content),
        retry_after=parse_retry_after(response.headers.get("retry-after")),
        task_ids=request.task_ids,
    )


def transport_error(
    exc: Exception, request: Request, provider: str, scrubber: Scrubber
) -> VTasksError:
    """The vtasks error for an httpx exception (no answer, or an unreadable one)."""
    import httpx

    error: APIConnectionError
    if isinstance(exc, httpx.TimeoutException):
        error = APITimeoutError(
            f"{request.endpoint} request timed out ({type(exc).__name__})", provider=provider
        )
    else:
        error = APIConnectionError(
            f"{request.endpoint} request failed: {type(exc).__name__}: {scrubber.text(str(exc))}",
            provider=provider,
        )
    error.__cause__ = exc
    return error


def request_id(response: httpx.Response) -> str | None:
    """The vendor's or gateway's request id, from the first header that carries one."""
    for name in _REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return str(value)
    return None


def describe_non_json(response: httpx.Response, content: bytes) -> str:
    """A short description of a non-JSON body: an HTML page's title, or its content type and size."""
    content_type = response.headers.get("content-type", "no content type")
    match = _TITLE.search(content[:4096])
    if match:
        title = match.group(1).decode("utf-8", "replace").strip()
        return f"an HTML page {title!r} (HTTP {response.status_code})"
    if not content:
        return f"an empty body (HTTP {response.status_code})"
    return f"{len(content)} bytes of {content_type} (HTTP {response.status_code})"
