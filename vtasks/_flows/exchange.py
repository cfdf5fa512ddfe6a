"""One exchange, written once for both clients: build, send, follow redirects, read, decode, retry.

:class:`Exchange` holds what one client decided at construction (origin, key, timeouts, retry
policy) and makes the pure decisions; :func:`send_flow` is the exchange itself, as a flow whose
only I/O steps are :class:`Send`, :class:`Read`, :class:`Close` and :class:`Sleep`. The drivers
move bytes and nothing else, so a transport fix is made here, once.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import httpx

from .. import _answers
from .._download import CHUNK_SIZE
from .._error_codes import is_retryable_error
from .._exceptions import RateLimitError, VTasksError
from .._redact import redact_url
from .._redirects import is_same_origin, next_hop, origin_of, strip_credentials
from .._retry import parse_retry_after
from .._version import __version__
from .steps import Answer, Body, Close, Flow, Outcome, Read, Send, Sleep

if TYPE_CHECKING:
    from .._clock import Clock
    from .._providers._base import Adapter, Request
    from .._retry import RetryPolicy

__all__ = ["DEFAULT_HEADERS", "USER_AGENT", "Exchange", "read_all", "send_flow"]

logger = logging.getLogger("vtasks")

USER_AGENT = f"vtasks/{__version__}"
# Sent with every request; on an HTTP client vtasks creates they are the client's defaults, so
# that a request carries only what differs (the key, a download's Accept).
DEFAULT_HEADERS = {"Accept": "application/json", "User-Agent": USER_AGENT}


class Exchange:
    """The decisions of one client's HTTP exchanges (no I/O).

    Args:
        adapter: The provider's adapter (errors, not-found codes).
        base_url: The configured base URL; its origin is the only one the key goes to.
        auth_header: ``(name, value)`` carrying the key.
        scrubber: Removes the key from vendor text.
        http: The HTTP client, used only to *build* requests (its defaults, cookies).
        defaults_on_client: Whether ``http`` is vtasks' own, carrying :data:`DEFAULT_HEADERS`
            and the timeout already.
        timeout: The timeout to put on each request (a caller's client), or ``None``.
        retry_policy: When and how long to wait before retrying.
        clock: Where time is read (retry budgets).
    """

    def __init__(
        self,
        *,
        adapter: Adapter,
        base_url: str,
        auth_header: tuple[str, str],
        scrubber: _answers.Scrubber,
        http: httpx.Client | httpx.AsyncClient,
        defaults_on_client: bool,
        timeout: httpx.Timeout | None,
        retry_policy: RetryPolicy,
        clock: Clock,
    ) -> None:
        self.adapter = adapter
        self.provider = adapter.name
        self.base_url = base_url
        self.origin = origin_of(base_url)
        self.auth_header = auth_header
        self.scrubber = scrubber
        self.http = http
        self.defaults_on_client = defaults_on_client
        self.timeout = None if timeout is None else timeout.as_dict()
        self.retry_policy = retry_policy
        self.clock = clock

    # -- requests ---------------------------------------------------------------------------

    def same_origin(self, url: str) -> bool:
        """Whether ``url`` is on the configured origin (the only one the key may go to)."""
        return is_same_origin(url, self.base_url, self.origin)

    def url(self, request: Request) -> str:
        """The absolute URL of a request's first hop, its query already encoded.

        Encoding the query here, as httpx would (``urlencode`` of the pairs, a key repeated per
        array item), lets httpx parse the URL once instead of parsing it and then merging params.
        """
        if request.url:
            return request.url
        url = self.base_url + request.path
        return f"{url}?{urlencode(request.params)}" if request.params else url

    def headers(self, request: Request, url: str, same_origin: bool) -> dict[str, str]:
        """Headers for a request to ``url``: the key only ever goes to the configured origin."""
        if self.defaults_on_client:
            headers = {"Accept": "*/*"} if request.endpoint == "download" else {}
        else:  # a caller's own client: its defaults are its own (httpx's Accept is */*)
            headers = dict(DEFAULT_HEADERS)
            if request.endpoint == "download":
                headers["Accept"] = "*/*"
        if same_origin:
            name, value = self.auth_header
            headers[name] = value
        return headers

    def build(self, request: Request, url: str) -> Send:
        """The :class:`Send` step for one hop of ``request`` to ``url``."""
        same_origin = self.same_origin(url)
        built = self.http.build_request(
            request.method, url, headers=self.headers(request, url, same_origin)
        )
        if self.timeout is not None:
            # A caller's client keeps its own timeouts unless vtasks was given one.
            built.extensions["timeout"] = self.timeout
        if not same_origin:
            # A caller's own client may carry default headers with credentials: off-origin they go,
            # and so does its client-wide auth.
            strip_credentials(built)
        # Downloads are written in large chunks; an API answer is taken as it arrives.
        chunk_size = CHUNK_SIZE if request.endpoint == "download" else None
        return Send(built, client_auth=same_origin, chunk_size=chunk_size)

    # -- answers ----------------------------------------------------------------------------

    def decode(self, request: Request, response: httpx.Response, content: bytes) -> Any:
        """The JSON payload of a good answer, else raise the vtasks error it means."""
        return _answers.decode(self.adapter, self.scrubber, request, response, content)

    def transport_error(self, exc: Exception, request: Request) -> VTasksError:
        """The vtasks error for an httpx exception."""
        return _answers.transport_error(exc, request, self.provider, self.scrubber)

    def retry_delay(
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

    def log(
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


def read_all(body: Body) -> Flow[bytes]:
    """The whole (decoded) body of an answer."""
    chunks: list[bytes] = []
    while chunk := (yield Read(body)):
        chunks.append(chunk)
    return b"".join(chunks)


def hops_flow(exchange: Exchange, request: Request, attempt: int) -> Flow[Body]:
    """One attempt at ``request``, following redirects by hand; the final answer, body unread.

    Every hop is built by :meth:`Exchange.build` (the key only to the configured origin) and
    logged.
    """
    url = exchange.url(request)
    hops = 0
    while True:
        send = exchange.build(request, url)
        perf = time.perf_counter()
        try:
            body: Body = yield send
        except httpx.HTTPError as exc:
            exchange.log(request.method, send.request.url, type(exc).__name__, perf, attempt)
            raise
        response = body.response
        exchange.log(request.method, send.request.url, response.status_code, perf, attempt)
        try:
            target = next_hop(response, hops, exchange.provider)
        except VTasksError:
            yield Close(body)
            raise
        if target is None:
            return body
        yield Close(body)
        url, hops = target, hops + 1


def send_flow(exchange: Exchange, request: Request) -> Flow[Outcome]:
    """Send one request with retries; its payload, or the error it ended with."""
    started = exchange.clock.now()
    attempt = 0
    while True:
        retry_after = None
        try:
            body = yield from hops_flow(exchange, request, attempt)
            response = body.response
            retry_after = parse_retry_after(response.headers.get("retry-after"))
            content = yield from read_all(body)
            return Answer(exchange.decode(request, response, content))
        except VTasksError as exc:
            error = exc
        except httpx.HTTPError as exc:
            error = exchange.transport_error(exc, request)
        delay = exchange.retry_delay(error, attempt, started, retry_after)
        if delay is None:
            return error
        yield Sleep(delay)
        attempt += 1
