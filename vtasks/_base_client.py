"""What ``Client`` and ``AsyncClient`` share: configuration, auth, decoding, errors, retries, logging.

The two clients differ only in how they wait for I/O. Everything that decides something — which
headers a request carries, whether a redirect may carry the key, what an answer means, whether and
how long to wait before retrying, what gets logged — is here, written once.
"""

from __future__ import annotations

import json
import logging
import math
import re
import ssl
import threading
import time
from collections.abc import Generator, Iterable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, quote_plus, urlencode, urljoin, urlsplit

from . import _download as dl
from ._config import check_provider, resolve_api_key, resolve_base_url
from ._error_codes import error_class_for, is_retryable_error, make_api_error
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    DownloadError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    VTasksError,
)
from ._providers import get_adapter
from ._providers._base import Adapter, Request
from ._redact import is_sensitive_name, redact_text, redact_url
from ._retry import PollSchedule, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    from pathlib import Path

    import httpx

    from ._models import Task

__all__ = [
    "DEFAULT_TIMEOUT",
    "BaseClient",
    "Clock",
    "SystemClock",
    "advance",
    "check_id",
    "check_ids",
    "check_timeout",
    "release_response",
    "shared_ssl_context",
]

logger = logging.getLogger("vtasks")

DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
_REQUEST_ID_HEADERS = ("x-request-id", "x-tt-logid", "request-id", "trace-id", "x-trace-id")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_USER_AGENT = "vtasks/0.1.0"
# Sent with every request; on an HTTP client vtasks creates they are the client's defaults, so
# that a request carries only what differs (the key, a download's Accept).
_DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": _USER_AGENT}


class Clock(Protocol):
    """Where the clients read time and sleep; inject one so tests of waiting take no time.

    ``sleep`` may be a coroutine function for ``AsyncClient`` (a plain function works for both).
    """

    def now(self) -> float:
        """Seconds on a monotonic scale."""
        ...

    def sleep(self, seconds: float) -> Any:
        """Wait ``seconds`` (or return an awaitable that does)."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``time.sleep``."""

    def now(self) -> float:
        """``time.monotonic()``."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """``time.sleep(seconds)``."""
        time.sleep(seconds)


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


class BaseClient:
    """Configuration and decisions shared by :class:`vtasks.Client` and :class:`vtasks.AsyncClient`."""

    def __init__(
        self,
        provider: str,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: float | None,
        max_retries: int,
        retry_policy: RetryPolicy | None,
        poll_schedule: PollSchedule | None,
        max_concurrency: int,
        clock: Clock | None,
    ) -> None:
        self.provider = check_provider(provider)
        self.base_url = resolve_base_url(self.provider, base_url)
        if timeout is not None and not timeout > 0:
            raise ConfigurationError(
                f"timeout must be a positive number of seconds or None, not {timeout!r}"
            )
        if max_concurrency < 1:
            raise ConfigurationError(f"max_concurrency must be at least 1, not {max_concurrency!r}")
        self.timeout = timeout
        self.retry_policy = retry_policy or RetryPolicy(max_retries=max_retries)
        self.poll_schedule = poll_schedule or PollSchedule()
        self.max_concurrency = max_concurrency
        self.clock: Clock = clock or SystemClock()
        self._adapter: Adapter = get_adapter(self.provider)
        # The key is kept only in this header value and in the scrubbing forms below; it is
        # never logged or shown (see __repr__).
        key = resolve_api_key(self.provider, api_key)
        self._auth_header = (self._adapter.auth.header, self._adapter.auth.value(key))
        # For scrubbing vendor text that echoes the key (error messages, bodies).
        self._secrets = (key,)
        self._secret_forms = (key, quote(key, safe=""), quote_plus(key, safe=""))
        self._origin = _origin(self.base_url)
        # Whether the HTTP client is vtasks' own, carrying _DEFAULT_HEADERS and the timeout.
        self._defaults_on_client = False

    def schedule(self, poll_interval: float | None) -> PollSchedule:
        """The poll schedule for a wait: the client's growing one, or a fixed interval."""
        if poll_interval is None:
            return self.poll_schedule
        if (
            isinstance(poll_interval, bool)
            or not isinstance(poll_interval, int | float)
            or not (0 < poll_interval < math.inf)
        ):
            # 0 would poll the vendor in a tight loop.
            raise ConfigurationError(
                f"poll_interval must be a positive number of seconds or None, not {poll_interval!r}"
            )
        return PollSchedule(fixed=float(poll_interval))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(provider={self.provider!r}, base_url={self.base_url!r})"

    # -- requests ---------------------------------------------------------------------------

    def _same_origin(self, url: str) -> bool:
        """Whether ``url`` is on the configured origin (the only one the key may go to)."""
        base = self.base_url
        # The common case, a vendor path under the base URL, without parsing; anything else
        # (a redirect, a download host, an explicit default port) is compared parsed.
        if url.startswith(base) and url[len(base) : len(base) + 1] in ("/", "?", ""):
            return True
        return _origin(url) == self._origin

    def _http_client_options(self) -> dict[str, Any]:
        """Keyword arguments for the ``httpx`` client vtasks creates when the caller gives none.

        Asking for them marks this client as using that HTTP client: requests then carry only
        what differs from its defaults (see :meth:`_headers`).
        """
        # Redirects are followed by hand (see _next_hop); one TLS context for every client.
        self._defaults_on_client = True
        return {
            "timeout": self.timeout,
            "follow_redirects": False,
            "verify": shared_ssl_context(),
            "headers": _DEFAULT_HEADERS,
        }

    def _url(self, request: Request) -> str:
        """The absolute URL of a request's first hop, its query already encoded.

        Encoding the query here, as httpx would (``urlencode`` of the pairs, a key repeated per
        array item), lets httpx parse the URL once instead of parsing it and then merging params.
        """
        if request.url:
            return request.url
        url = self.base_url + request.path
        return f"{url}?{urlencode(request.params)}" if request.params else url

    def _headers(self, request: Request, url: str) -> dict[str, str]:
        """Headers for a request to ``url``: the key only ever goes to the configured origin."""
        if self._defaults_on_client:
            headers = {"Accept": "*/*"} if request.endpoint == "download" else {}
        else:  # a caller's own client: its defaults are its own (httpx's Accept is */*)
            headers = dict(_DEFAULT_HEADERS)
            if request.endpoint == "download":
                headers["Accept"] = "*/*"
        if self._same_origin(url):
            name, value = self._auth_header
            headers[name] = value
        return headers

    def _build(
        self, client: httpx.Client | httpx.AsyncClient, request: Request, url: str
    ) -> httpx.Request:
        """The HTTP request for one hop of ``request`` to ``url``."""
        import httpx

        built = client.build_request(request.method, url, headers=self._headers(request, url))
        if self.timeout is not None and not self._defaults_on_client:
            # A caller's client keeps its own timeouts unless vtasks was given one.
            built.extensions["timeout"] = httpx.Timeout(self.timeout).as_dict()
        # A caller's own client may carry default headers with credentials; off-origin they must go.
        if not self._same_origin(url):
            for name in [name for name in built.headers if is_sensitive_name(name)]:
                del built.headers[name]
        return built

    def _send_auth(self, url: httpx.URL) -> Any:
        """The ``auth`` argument of ``send``: a caller's client-wide auth never goes off-origin."""
        import httpx

        return httpx.USE_CLIENT_DEFAULT if self._same_origin(str(url)) else None

    def _next_hop(self, response: httpx.Response, hops: int) -> str | None:
        """The absolute URL to follow for a redirect answer, or ``None`` for any other answer.

        Redirects are followed by hand, so that every hop is built by :meth:`_build` (auth only
        to the configured origin, whatever header scheme the vendor uses) and logged.
        """
        if response.status_code not in (301, 302, 303, 307, 308):
            return None
        location = response.headers.get("location")
        if not location:
            return None
        if hops >= MAX_REDIRECTS:
            # A redirect loop does not heal: off-spec, not retried.
            raise ResponseError(
                f"more than {MAX_REDIRECTS} redirects (last to {redact_url(str(location))})",
                provider=self.provider,
                status_code=response.status_code,
            )
        return urljoin(str(response.request.url), str(location))

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        return parse_retry_after(response.headers.get("retry-after"))

    def _scrub(self, text: str | None) -> str | None:
        """Vendor text with any echo of the API key replaced (messages, bodies)."""
        return None if text is None else redact_text(text, self._secrets)

    def _scrub_body(self, content: bytes) -> bytes | str:
        """A raw body to keep on an error: as received, unless it echoes the key."""
        if not any(form.encode() in content for form in self._secret_forms):
            return content
        return redact_text(content.decode("utf-8", "replace"), self._secrets)

    # -- answers ----------------------------------------------------------------------------

    def _decode(self, request: Request, response: httpx.Response) -> Any:
        """The JSON payload of a good answer, else raise the vtasks error it means."""
        status = response.status_code
        content = response.content
        try:
            payload: Any = json.loads(content) if content else None
            is_json = content != b""
        # JSONDecodeError and UnicodeDecodeError are ValueErrors; a body nested deeper than the
        # interpreter's recursion limit (``[[[[...``) raises RecursionError: unreadable all the same.
        except (ValueError, RecursionError):
            payload, is_json = None, False
        if status >= 400 or status < 200 or 300 <= status < 400:
            code, message = self._adapter.error_fields(payload) if is_json else (None, None)
            if message is None and not is_json:
                message = _describe_non_json(response)
            raise self._api_error(request, response, code, message)
        if not is_json:
            raise ResponseError(
                f"expected JSON, got {self._scrub(_describe_non_json(response))}",
                provider=self.provider,
                status_code=status,
                body=self._scrub_body(content),
            )
        business = self._adapter.business_error(payload)
        if business is not None:
            raise self._api_error(request, response, *business)
        return payload

    def _api_error(
        self, request: Request, response: httpx.Response, code: str | None, message: str | None
    ) -> APIError:
        """The error an answer means: the vendor's code first, else the HTTP status."""
        cls = error_class_for(self.provider, code, response.status_code)
        if (
            request.task_ids
            and code is not None
            and code in self._adapter.not_found_codes.get(request.endpoint, ())
        ):
            # A vendor that answers "invalid parameter" about the one id it was asked for: the
            # id is not one of its tasks (MiniMax 2013, AiToEarn 10002).
            cls = NotFoundError
        return make_api_error(
            cls,
            self.provider,
            response.status_code,
            code=self._scrub(code),
            message=self._scrub(message),
            request_id=_request_id(response),
            body=self._scrub_body(response.content),
            retry_after=self._retry_after(response),
            task_ids=request.task_ids,
        )

    def _transport_error(self, exc: Exception, request: Request) -> VTasksError:
        """The vtasks error for an httpx exception (no answer, or an unreadable one)."""
        import httpx

        error: APIConnectionError
        if isinstance(exc, httpx.TimeoutException):
            error = APITimeoutError(
                f"{request.endpoint} request timed out ({type(exc).__name__})",
                provider=self.provider,
            )
        else:
            error = APIConnectionError(
                f"{request.endpoint} request failed: {type(exc).__name__}: {self._scrub(str(exc))}",
                provider=self.provider,
            )
        error.__cause__ = exc
        return error

    # -- retries ----------------------------------------------------------------------------

    def _retry_delay(
        self, error: VTasksError, attempt: int, started: float, retry_after: float | None = None
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or ``None`` to give up.

        ``retry_after`` is the answer's ``Retry-After`` (honoured on any retryable answer, a 503
        included, not only on a 429), capped by the retry policy.
        """
        if not is_retryable_error(error):
            return None
        if isinstance(error, RateLimitError) and error.retry_after is not None:
            retry_after = error.retry_after
        delay = self.retry_policy.delay(attempt, retry_after=retry_after)
        if not self.retry_policy.should_retry(
            attempt, elapsed=self.clock.now() - started, delay=delay
        ):
            return None
        return delay

    def _log(
        self, method: str, url: object, status: int | str, started: float, attempt: int
    ) -> None:
        """One DEBUG line per HTTP exchange (each redirect hop is one): never a header."""
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s -> %s in %.1f ms (attempt %d)",
                self.provider,
                method,
                redact_url(str(url)),
                status,
                (time.perf_counter() - started) * 1000,
                attempt + 1,
            )

    # -- downloads --------------------------------------------------------------------------

    @staticmethod
    def _download_request(task: Task) -> Request:
        """The request for a task's video (its URL is absolute, often on another origin)."""
        return Request(
            endpoint="download",
            method="GET",
            path="",
            task_ids=(task.id,),
            url=dl.video_url_of(task),
        )

    def _download_answer_error(self, request: Request, response: httpx.Response) -> VTasksError:
        """The error a download answer other than a video means (its body already read)."""
        if response.status_code == 200:
            # A page sent as a success (a captive portal, a CDN's or a reseller's error page):
            # saving it as the video would hide the failure.
            return ResponseError(
                f"expected the video, got {self._scrub(_describe_non_json(response))}",
                provider=self.provider,
                status_code=200,
                body=self._scrub_body(response.content),
            )
        try:
            self._decode(request, response)
        except VTasksError as exc:
            return exc
        return ResponseError(
            f"expected the video, got HTTP {response.status_code}",
            provider=self.provider,
            status_code=response.status_code,
        )

    def _download_retry(
        self, error: VTasksError, attempt: int, started: float, *, task: Task, target: Path
    ) -> float:
        """Seconds to wait before retrying a download, else raise the DownloadError it ends in.

        Transient failures (connection lost mid-transfer, 5xx, 429) are retried like any request;
        the final error is a :class:`DownloadError` whatever the cause (chained).
        """
        if isinstance(error, DownloadError):
            raise error
        delay = self._retry_delay(error, attempt, started)
        if delay is None:
            raise DownloadError(
                str(error).removeprefix(f"{self.provider}: "),
                path=target,
                task_id=task.id,
                provider=task.provider,
            ) from error
        return delay


_SSL_CONTEXT: ssl.SSLContext | None = None
_SSL_LOCK = threading.Lock()


def shared_ssl_context() -> ssl.SSLContext:
    """One TLS context for every HTTP client vtasks creates.

    Building one (loading the CA bundle) takes tens of milliseconds, which httpx would otherwise
    spend on every ``Client`` / ``AsyncClient``; a context is safe to share between threads.
    """
    global _SSL_CONTEXT  # noqa: PLW0603  (built once, lock-protected)
    with _SSL_LOCK:
        if _SSL_CONTEXT is None:
            import httpx

            _SSL_CONTEXT = httpx.create_ssl_context()
        return _SSL_CONTEXT


def release_response(response: httpx.Response) -> None:
    """Let a read answer be freed as soon as it is dropped, not at the next full collection.

    httpx binds a response and its stream to each other (``BoundSyncStream`` keeps the response
    to set ``elapsed``): a reference cycle that only the cyclic garbage collector frees, so a
    long listing would hold the bytes of many spent pages at once. The body is read and the
    stream closed by now; nothing reads the stream again.
    """
    import httpx

    response.stream = httpx.ByteStream(b"")


def _request_id(response: httpx.Response) -> str | None:
    for name in _REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if value:
            return str(value)
    return None


def _describe_non_json(response: httpx.Response) -> str:
    """A short description of a non-JSON body: an HTML page's title, or its content type and size."""
    content = response.content
    content_type = response.headers.get("content-type", "no content type")
    match = _TITLE.search(content[:4096])
    if match:
        title = match.group(1).decode("utf-8", "replace").strip()
        return f"an HTML page {title!r} (HTTP {response.status_code})"
    if not content:
        return f"an empty body (HTTP {response.status_code})"
    return f"{len(content)} bytes of {content_type} (HTTP {response.status_code})"


# What a bug-free parser can still hit on off-spec data; turned into ResponseError with the cause.
_DATA_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def check_timeout(timeout: object) -> float:
    """A wait's time limit in seconds: a number >= 0; ``None`` or ``math.inf`` for no limit."""
    if timeout is None:
        return math.inf
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or math.isnan(timeout)
        or timeout < 0
    ):
        raise ConfigurationError(
            f"timeout must be a number of seconds >= 0 (or None for no limit), not {timeout!r}"
        )
    return float(timeout)


def check_id(task_id: object) -> str:
    """A task id as given, stripped; anything else is a :class:`ConfigurationError`."""
    if not isinstance(task_id, str) or not task_id.strip():
        raise ConfigurationError(f"a task id must be a non-empty string, not {task_id!r}")
    return task_id.strip()


def check_ids(task_ids: object) -> list[str]:
    """Task ids from an iterable, each checked; a lone string is refused (not split into chars)."""
    if isinstance(task_ids, str | bytes) or not isinstance(task_ids, Iterable):
        raise ConfigurationError(
            f"task ids must be given as a list (or other iterable) of strings, not {task_ids!r}"
        )
    return [check_id(task_id) for task_id in task_ids]


def advance(flow: Generator[Any, Any, Any], value: Any, provider: str) -> Any:
    """Resume a flow; turn a crash on off-spec data into a :class:`ResponseError`.

    Never a bare ``KeyError`` or ``TypeError`` from deep inside a parser: the user gets a vtasks
    error naming the provider, with the original exception chained.
    """
    try:
        return flow.send(value)
    except (StopIteration, VTasksError):
        raise
    except _DATA_ERRORS as exc:
        raise ResponseError(
            f"could not read the provider's answer ({type(exc).__name__}: {exc})", provider=provider
        ) from exc
