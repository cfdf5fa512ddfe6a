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
import time
from collections.abc import Generator
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urljoin, urlsplit

from ._config import check_provider, resolve_api_key, resolve_base_url
from ._error_codes import error_class_for, is_retryable_error
from ._exceptions import (
    APIConnectionError,
    APIError,
    APITimeoutError,
    ConfigurationError,
    NotFoundError,
    RateLimitError,
    ResponseError,
    VTasksError,
    make_api_error,
)
from ._providers import Adapter, Request, get_adapter
from ._redact import redact_url
from ._retry import PollSchedule, RetryPolicy, parse_retry_after

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_TIMEOUT",
    "BaseClient",
    "Clock",
    "SystemClock",
    "advance",
    "check_id",
    "check_timeout",
]

logger = logging.getLogger("vtasks")

DEFAULT_TIMEOUT = 30.0
MAX_REDIRECTS = 5
_REQUEST_ID_HEADERS = ("x-request-id", "x-tt-logid", "request-id", "trace-id", "x-trace-id")
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
_USER_AGENT = "vtasks/0.1.0"


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
        # The key lives only inside this header value; it is never logged or shown (see __repr__).
        key = resolve_api_key(self.provider, api_key)
        self._auth_header = (self._adapter.auth.header, self._adapter.auth.value(key))
        self._origin = _origin(self.base_url)

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

    def _url(self, request: Request) -> str:
        return self.base_url + request.path

    def _headers(self, url: str) -> dict[str, str]:
        """Headers for a request to ``url``: the key only ever goes to the configured origin."""
        headers = {"Accept": "application/json", "User-Agent": _USER_AGENT}
        if _origin(url) == self._origin:
            name, value = self._auth_header
            headers[name] = value
        return headers

    def _build(
        self, client: httpx.Client | httpx.AsyncClient, method: str, url: str, params: Any
    ) -> httpx.Request:
        import httpx

        extensions = {}
        if self.timeout is not None:
            extensions["timeout"] = httpx.Timeout(self.timeout).as_dict()
        request = client.build_request(method, url, params=params, headers=self._headers(url))
        request.extensions.update(extensions)
        # A caller's own client may carry default headers with credentials; off-origin they must go.
        if _origin(url) != self._origin:
            for name in ("authorization", "x-api-key", "proxy-authorization", "cookie"):
                request.headers.pop(name, None)
        return request

    def _redirect(self, response: httpx.Response, hops: int) -> str | None:
        """The absolute URL to follow for a redirect answer, or ``None`` for any other answer."""
        if response.status_code not in (301, 302, 303, 307, 308):
            return None
        location = response.headers.get("location")
        if not location:
            return None
        if hops >= MAX_REDIRECTS:
            raise APIConnectionError(f"more than {MAX_REDIRECTS} redirects", provider=self.provider)
        return urljoin(str(response.request.url), str(location))

    # -- answers ----------------------------------------------------------------------------

    def _decode(self, request: Request, response: httpx.Response) -> Any:
        """The JSON payload of a good answer, else raise the vtasks error it means."""
        status = response.status_code
        content = response.content
        try:
            payload: Any = json.loads(content) if content else None
            is_json = content != b""
        except ValueError:  # JSONDecodeError and UnicodeDecodeError both
            payload, is_json = None, False
        if status >= 400 or status < 200 or 300 <= status < 400:
            code, message = self._adapter.error_fields(payload) if is_json else (None, None)
            if message is None and not is_json:
                message = _describe_non_json(response)
            raise self._api_error(request, response, code, message)
        if not is_json:
            raise ResponseError(
                f"expected JSON, got {_describe_non_json(response)}",
                provider=self.provider,
                status_code=status,
                body=content,
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
            code=code,
            message=message,
            request_id=_request_id(response),
            body=response.content,
            retry_after=parse_retry_after(response.headers.get("retry-after")),
            task_ids=request.task_ids,
        )

    def _transport_error(self, exc: Exception, request: Request) -> VTasksError:
        """The vtasks error for an httpx exception (no answer, or an unreadable one)."""
        import httpx

        if isinstance(exc, httpx.TimeoutException):
            return APITimeoutError(
                f"{request.endpoint} request timed out ({type(exc).__name__})",
                provider=self.provider,
            )
        return APIConnectionError(
            f"{request.endpoint} request failed: {type(exc).__name__}: {exc}",
            provider=self.provider,
        )

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
        self, request: Request, url: str, status: int | str, started: float, attempt: int
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s %s -> %s in %.1f ms (attempt %d)",
                self.provider,
                request.method,
                redact_url(url),
                status,
                (time.perf_counter() - started) * 1000,
                attempt + 1,
            )


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
