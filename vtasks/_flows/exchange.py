"""One exchange, written once for both clients: build, send, follow redirects, read, decode, retry.

:class:`Exchange` holds what one client decided at construction (origin, key, timeouts, retry
policy) and makes the pure decisions; :func:`send_flow` is the exchange itself, as a flow whose
only I/O steps are :class:`Send`, :class:`Read`, :class:`Close` and :class:`Sleep`. The drivers
move bytes and nothing else, so a transport fix is made here, once.
"""

from __future__ import annotations

import logging
import math
import re
import time
import zlib
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import httpx

from .. import _answers, _sentinel
from .._decoding import ACCEPT_ENCODING, BodyDecoder, TooLarge, Truncated, UnsupportedEncoding
from .._download import CHUNK_SIZE
from .._error_codes import is_retryable_error
from .._exceptions import (
    APIConnectionError,
    APITimeoutError,
    RateLimitError,
    ResponseError,
    VTasksError,
)
from .._redact import redact_url
from .._redirects import is_http_url, is_same_origin, next_hop, origin_of, strip_credentials
from .._retry import parse_retry_after
from .._version import __version__
from .steps import Answer, Body, Close, Flow, Outcome, Read, Send, Sleep

if TYPE_CHECKING:
    from .._clock import Clock
    from .._providers._base import Adapter, Request
    from .._rate_limit import RateLimit
    from .._retry import RetryPolicy

__all__ = [
    "DEFAULT_HEADERS",
    "USER_AGENT",
    "Exchange",
    "invalid_location",
    "late",
    "read_all",
    "send_flow",
]

logger = logging.getLogger("vtasks")

USER_AGENT = f"vtasks/{__version__}"
# Sent with every request; on an HTTP client vtasks creates they are the client's defaults, so
# that a request carries only what differs (the key, a download's Accept).
# Accept-Encoding is vtasks' own because it decodes bodies itself, bounded (vtasks._decoding).
DEFAULT_HEADERS = {
    "Accept": "application/json",
    "Accept-Encoding": ACCEPT_ENCODING,
    "User-Agent": USER_AGENT,
}


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
        limit: The longest one attempt may take in all (connect, headers, body, redirects), or
            ``None``: the largest part of the timeout in force.
        max_response_bytes: The cap on an API answer, decoded (``None``: none).
        rate_limit: The request budget every API request to the origin waits for (``None``:
            none); it learns from the answers (see :func:`send_flow`).
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
        limit: float | None = None,
        max_response_bytes: int | None = None,
        rate_limit: RateLimit | None = None,
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
        self.limit = limit
        self.max_response_bytes = max_response_bytes
        self.rate_limit = rate_limit
        # The timeout parts in force, to cap at an exchange's time left (a caller's client's own).
        self.parts = timeout.as_dict() if timeout is not None else http.timeout.as_dict()
        # The largest part, or ``None`` when one is unlimited (then every request caps it).
        values = [value for value in self.parts.values() if value is not None]
        self.longest = max(values, default=0.0) if len(values) == len(self.parts) else None

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
        return f"{url}?{encode_query(request.params)}" if request.params else url

    def headers(self, request: Request, url: str, same_origin: bool) -> dict[str, str]:
        """Headers for a request to ``url``: the key only ever goes to the configured origin."""
        download = request.endpoint == "download"
        if self.defaults_on_client:
            headers = _DOWNLOAD_HEADERS.copy() if download else {}
        else:  # a caller's own client: its defaults are its own (httpx's Accept is */*)
            headers = (
                {**DEFAULT_HEADERS, **_DOWNLOAD_HEADERS} if download else dict(DEFAULT_HEADERS)
            )
        if same_origin:
            name, value = self.auth_header
            headers[name] = value
        return headers

    def build(self, request: Request, url: str, deadline: float | None = None) -> Send:
        """The :class:`Send` step for one hop of ``request`` to ``url``, over by ``deadline``."""
        same_origin = self.same_origin(url)
        built = self.http.build_request(
            request.method, url, headers=self.headers(request, url, same_origin), json=request.json
        )
        if deadline is not None:
            # No single socket operation may outlast the exchange (a part within 50 ms of the
            # time left is kept as configured: the deadline is enforced by the driver anyway).
            left = max(deadline - time.monotonic(), 0.001)
            if self.longest is not None and self.longest <= left + 0.05:
                built.extensions["timeout"] = self.parts  # all as configured (the usual case)
            else:
                built.extensions["timeout"] = {
                    name: value if value is not None and value <= left + 0.05 else left
                    for name, value in self.parts.items()
                }
        elif self.timeout is not None:
            # A caller's client keeps its own timeouts unless vtasks was given one.
            built.extensions["timeout"] = self.timeout
        if not same_origin:
            # A caller's own client may carry default headers with credentials: off-origin they go,
            # and so does its client-wide auth.
            strip_credentials(built)
        # Downloads are written in large chunks; an API answer is taken as it arrives.
        chunk_size = CHUNK_SIZE if request.endpoint == "download" else None
        return Send(built, client_auth=same_origin, chunk_size=chunk_size, deadline=deadline)

    def deadline(self, until: float | None) -> float | None:
        """The ``time.monotonic()`` an attempt starting now must end by.

        ``until`` is the call's own end (a wait's deadline, ``total_timeout``), in clock time.
        """
        deadline = None if self.limit is None else time.monotonic() + self.limit
        if until is not None:
            end = time.monotonic() + (until - self.clock.now())
            deadline = end if deadline is None else min(deadline, end)
        return deadline

    # -- answers ----------------------------------------------------------------------------

    def decode(self, request: Request, response: httpx.Response, content: bytes) -> Any:
        """The JSON payload of a good answer, else raise the vtasks error it means.

        The key is scrubbed from the raw body first, so that no field of a ``Task`` (an error
        message quoting the key, a URL carrying it) and no error's body can hold it.
        """
        content = self.scrubber.clean(content)
        payload = _answers.decode(self.adapter, self.scrubber, request, response, content)
        # A good answer: warn (once) where it drifts from the curated spec.
        _sentinel.observe(self.provider, request.endpoint, payload)
        return payload

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
                self.scrubber.text(redact_url(str(url))),
                status,
                (time.perf_counter() - started) * 1000,
                attempt + 1,
            )


_DOWNLOAD_HEADERS = {"Accept": "*/*", "Accept-Encoding": "identity"}
# What ``quote_plus`` leaves as it is: text made only of these needs no encoding at all.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")


def encode_query(params: tuple[tuple[str, str], ...]) -> str:
    """``urlencode(params)``, byte for byte, without its per-item checks (a get's one id)."""
    return "&".join(
        f"{k if _UNRESERVED.fullmatch(k) else quote_plus(k)}="
        f"{v if _UNRESERVED.fullmatch(v) else quote_plus(v)}"
        for k, v in params
    )


def decoder(exchange: Exchange, body: Body, limit: int | None) -> BodyDecoder:
    """The decoder of an answer's ``Content-Encoding``, capped at ``limit`` decoded bytes."""
    try:
        return BodyDecoder(body.response.headers.get("content-encoding"), limit)
    except UnsupportedEncoding as exc:
        raise ResponseError(
            f"the answer is in a Content-Encoding vtasks did not ask for: "
            f"{exchange.scrubber.text(str(exc))!r}",
            provider=exchange.provider,
            status_code=body.response.status_code,
        ) from None


def decoding_error(
    exchange: Exchange, body: Body, exc: Exception, limit: int | None
) -> VTasksError:
    """The vtasks error for a body that could not be decoded within its cap."""
    status = body.response.status_code
    if isinstance(exc, TooLarge):
        return ResponseError(
            f"the answer is larger than the {limit:,}-byte cap (max_response_bytes)",
            provider=exchange.provider,
            status_code=status,
        )
    what = "ended before its compressed stream did" if isinstance(exc, Truncated) else "is corrupt"
    error = APIConnectionError(
        f"the {body.response.headers.get('content-encoding')} answer {what}",
        provider=exchange.provider,
    )
    error.__cause__ = exc
    return error


def read_all(exchange: Exchange, body: Body) -> Flow[bytes]:
    """The whole decoded body of an answer, at most ``exchange.max_response_bytes`` of it."""
    limit = exchange.max_response_bytes
    decode = decoder(exchange, body, limit)
    content: bytes | bytearray = b""
    try:
        while chunk := (yield Read(body)):
            for piece in decode.feed(chunk):
                if not content:
                    content = piece  # one piece (most answers): no copy at all
                else:
                    if type(content) is bytes:
                        content = bytearray(content)  # grows in place: no list, no join
                    content += piece
        decode.finish()
    except (TooLarge, Truncated, zlib.error) as exc:
        yield Close(body)
        raise decoding_error(exchange, body, exc, limit) from exc
    return content  # type: ignore[return-value]  # bytes or bytearray: json.loads takes both


class NoTimeLeft(Exception):  # noqa: N818 - a signal inside the flows, never seen by a caller
    """The request budget's turn for a request comes after the call's end (see :func:`pace`)."""


def pace(
    exchange: Exchange, request: Request, url: str, until: float | None, deadline: float | None
) -> Flow[None]:
    """Wait for the request budget's turn before one API request to the configured origin.

    Result files (``download``) and other origins (a CDN, a redirect elsewhere) are not the
    vendor's API and take no place. A turn that comes after ``until`` (clock time) or
    ``deadline`` (``time.monotonic()``) is not taken: :class:`NoTimeLeft`, at once.
    """
    budget = exchange.rate_limit
    if budget is None or request.endpoint == "download" or not exchange.same_origin(url):
        return
    within = math.inf if until is None else until - exchange.clock.now()
    if deadline is not None:
        within = min(within, deadline - time.monotonic())
    delay = budget.reserve(within=within) if within >= 0 else None
    if delay is None:
        raise NoTimeLeft
    if delay > 0:
        yield Sleep(delay)


def hops_flow(
    exchange: Exchange, request: Request, attempt: int, until: float | None = None
) -> Flow[Body]:
    """One attempt at ``request``, following redirects by hand; the final answer, body unread.

    Every hop is built by :meth:`Exchange.build` (the key only to the configured origin) and
    logged. The whole attempt, hops included, ends by :meth:`Exchange.deadline`. With a request
    budget, each hop to the origin first waits for its turn (:func:`pace`): the first before
    the attempt's time starts, a redirect's within it.
    """
    url = exchange.url(request)
    if request.url and not is_http_url(url):
        raise ResponseError(
            f"the {request.endpoint} URL {exchange.scrubber.text(redact_url(url))!r} is no http(s) URL",
            provider=exchange.provider,
        )
    if exchange.rate_limit is not None:
        yield from pace(exchange, request, url, until, None)
    deadline = exchange.deadline(until)
    hops = 0
    while True:
        if hops and exchange.rate_limit is not None:
            yield from pace(exchange, request, url, until, deadline)
        send = exchange.build(request, url, deadline)
        perf = time.perf_counter()
        try:
            body: Body = yield send
        except httpx.HTTPError as exc:
            exchange.log(request.method, send.request.url, type(exc).__name__, perf, attempt)
            if isinstance(exc, httpx.RemoteProtocolError) and "location header" in str(exc):
                # httpx reads a redirect's Location even when not following it: a server's
                # malformed URL does not heal, so it is a ResponseError, not retried.
                raise ResponseError(
                    f"redirected to a Location that is no http(s) URL "
                    f"({exchange.scrubber.text(str(exc))})",
                    provider=exchange.provider,
                ) from exc
            raise
        response = body.response
        exchange.log(request.method, send.request.url, response.status_code, perf, attempt)
        try:
            target = next_hop(response, hops, exchange.provider, exchange.scrubber.text)
        except VTasksError:
            yield Close(body)
            raise
        if target is None:
            return body
        yield Close(body)
        if not request.idempotent:
            # Following it would send the request again, elsewhere: a create is sent once.
            raise ResponseError(
                f"the {request.endpoint} request was answered with a redirect "
                f"(HTTP {response.status_code}), which vtasks does not follow for it",
                provider=exchange.provider,
                status_code=response.status_code,
            )
        url, hops = target, hops + 1


def invalid_location(exc: httpx.InvalidURL, request: httpx.Request) -> httpx.RemoteProtocolError:
    """What a driver throws into the flow when httpx could not parse a redirect's Location.

    httpx raises ``InvalidURL`` (no ``HTTPError``) for some Locations and ``RemoteProtocolError``
    for others; the flow meets one kind.
    """
    error = httpx.RemoteProtocolError(f"Invalid URL in location header: {exc}", request=request)
    error.__cause__ = exc
    return error


def late(request: httpx.Request) -> httpx.ReadTimeout:
    """What a driver throws into the flow when an exchange outlives its deadline."""
    return httpx.ReadTimeout("the exchange outlived its deadline", request=request)


def call_end(exchange: Exchange, started: float, deadline: float | None) -> float | None:
    """When a call must end, in clock time: its deadline, or ``total_timeout``, the earlier."""
    total = exchange.retry_policy.total_timeout
    end = None if total is None else started + total
    if deadline is not None:
        end = deadline if end is None else min(end, deadline)
    return end


def out_of_time(exchange: Exchange, request: Request) -> APITimeoutError:
    """The error for a call whose time ran out before another attempt could start."""
    return APITimeoutError(
        f"{request.endpoint} request: no time left for another attempt", provider=exchange.provider
    )


def no_turn_in_time(exchange: Exchange, request: Request) -> APITimeoutError:
    """The error for a call whose turn in the request budget comes after its end."""
    budget = exchange.rate_limit
    rate = "" if budget is None else f" ({budget.rate:g} requests per second in force)"
    error = APITimeoutError(
        f"{request.endpoint} request: its turn in the request budget{rate} comes after the"
        " call's deadline",
        provider=exchange.provider,
    )
    # The cause says (to never_sent, and in a traceback) that the request never left.
    error.__cause__ = NoTimeLeft("not sent: its turn in the request budget came too late")
    return error


def never_sent(error: BaseException) -> bool:
    """Whether a failed request provably never left: no connection could be made.

    The only failure after which a request that must not be sent twice (a create) may be sent
    again, and after which it surely made nothing. ``error`` is the httpx exception or the vtasks
    error it became (``__cause__``). A request whose turn in the request budget came too late
    (:func:`no_turn_in_time`) never left either.
    """
    cause = error if isinstance(error, httpx.HTTPError) else error.__cause__
    return isinstance(cause, httpx.ConnectError | httpx.ConnectTimeout | NoTimeLeft)


def send_flow(exchange: Exchange, request: Request, deadline: float | None = None) -> Flow[Outcome]:
    """Send one request with retries; its payload, or the error it ended with.

    ``deadline`` (clock time) ends the call, its sleeps and its attempt in flight included, as
    ``RetryPolicy.total_timeout`` does.

    With a request budget (``exchange.rate_limit``), every attempt waits for its turn; one
    whose turn comes after the call's end is not made (:func:`no_turn_in_time`). The budget
    hears of each answer: a rate-limit refusal (429, a vendor's rate-limit code) slows it down,
    a good answer lets it recover.
    """
    started = exchange.clock.now()
    until = call_end(exchange, started, deadline)
    budget = exchange.rate_limit
    attempt = 0
    while True:
        response: httpx.Response | None = None
        unsent = False
        try:
            body = yield from hops_flow(exchange, request, attempt, until)
            response = body.response
            content = yield from read_all(exchange, body)
            answer = Answer(exchange.decode(request, response, content), len(content))
            if budget is not None:
                budget.on_success()
            return answer
        except VTasksError as exc:
            error = exc
            if budget is not None and isinstance(exc, RateLimitError):
                budget.on_rate_limited()
        except httpx.HTTPError as exc:
            error = exchange.transport_error(exc, request)
            unsent = never_sent(error)
        except NoTimeLeft:
            return no_turn_in_time(exchange, request)
        if not (request.idempotent or unsent):
            return error
        # Read only on the way to a retry: a good answer never needed its Retry-After.
        retry_after = (
            None if response is None else parse_retry_after(response.headers.get("retry-after"))
        )
        delay = exchange.retry_delay(error, attempt, started, retry_after)
        if delay is None:
            return error
        if until is not None and exchange.clock.now() + delay >= until:
            return error  # no sleeping past the end only to give up then
        yield Sleep(delay)
        attempt += 1
