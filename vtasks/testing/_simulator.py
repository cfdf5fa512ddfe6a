"""The simulator's core: task stores, faults and request records behind one lock.

Transport-neutral: :meth:`Simulator.handle` takes a method, a request target and headers and
returns a :class:`~._http.Response`; ``_server`` does the sockets.
"""

from __future__ import annotations

import itertools
import random
import threading
from functools import partial
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from ._clock import FakeClock
from ._fault_answers import damage, replacement
from ._faults import Fault, FaultBook, Fired
from ._files import serve_file
from ._http import Request, Response, json_response, parse_json
from ._lifecycle import LifecycleSpec, build_phases
from ._rate_limits import ENFORCED, RateLimits
from ._records import RequestRecord, redact_headers
from ._routes import resolve
from ._store import ProviderStore
from ._tasks import Phase, TaskRecord
from ._vendors import PROVIDERS, VENDORS, Ctx

__all__ = ["Simulator", "check_callback_url"]

# The endpoints whose request changes the vendor's state: a fault replaces or delays only their
# answer, after the change is made.
_MUTATING = frozenset({"create", "cancel"})


def check_callback_url(provider: str, url: object) -> str | None:
    """``url`` if it is an http(s) URL and the vendor pushes callbacks, else a ValueError."""
    if url is None:
        return None
    if not VENDORS[provider].callback_statuses:
        raise ValueError(f"{provider} documents no callbacks: a task cannot have a callback_url")
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"callback_url must be an http(s) URL, not {url!r}")
    if not urlsplit(url).hostname:
        raise ValueError(f"callback_url must name a host, not {url!r}")
    return url


_URI_TOO_LONG = (
    b"<html>\r\n<head><title>414 Request-URI Too Large</title></head>\r\n<body>\r\n"
    b"<center><h1>414 Request-URI Too Large</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class Simulator:
    """Everything the fake servers share; every mutable part is guarded by :attr:`lock`."""

    def __init__(
        self,
        *,
        clock: FakeClock,
        api_keys: dict[str, str],
        seed: int | None,
        list_window: float | None,
        record: bool,
    ) -> None:
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.clock = clock
        self.api_keys = api_keys
        self.list_window = list_window
        self.record = record
        # Longest request target the front end accepts (None: http.server's own 64 KiB).
        self.max_url_length: int | None = None
        self.stores: dict[str, ProviderStore] = {p: ProviderStore() for p in PROVIDERS}
        # Provider -> the real-traffic shapes every answer of it shows (set before start only).
        self.quirks: dict[str, frozenset[str]] = {}
        self.faults = FaultBook(seed)
        # Provider -> requests per second enforced with a 429 (none unless asked for).
        self.rate_limits = RateLimits()
        self.records: list[RequestRecord] = []
        self.other_records: list[RequestRecord] = []
        self.base_url = ""
        self.other_url = ""
        rng = random.Random(seed)
        self.rng = rng
        self.salts = {p: rng.randrange(1 << 40) for p in PROVIDERS}
        self.counters = dict.fromkeys(PROVIDERS, 0)
        self.seq = itertools.count()
        self._request_ids = itertools.count(1)
        self._request_prefix = f"{rng.randrange(1 << 32):08x}"
        # The lifecycle of a task made by a create request, and how long each of its steps lasts.
        self.create_lifecycle: LifecycleSpec = "succeeded"
        self.create_step_seconds = 5.0

    # ---- tasks ---------------------------------------------------------------------------------

    def new_record(
        self,
        provider: str,
        task_id: str | None,
        created: float,
        phases: tuple[Phase, ...],
        model: str | None,
        prompt: str | None,
        error: dict[str, Any] | None,
        attrs: dict[str, Any],
    ) -> TaskRecord:
        """Return a new (not yet stored) task with a fresh realistic id unless one is given.

        Called under :attr:`lock`.

        Raises:
            ValueError: If ``task_id`` is already taken.
        """
        vendor = VENDORS[provider]
        store = self.stores[provider]
        model = model or vendor.default_model
        salt = self.salts[provider]
        n = self.counters[provider]
        self.counters[provider] = n + 1
        extra = vendor.extra_attrs(n, created, salt, self.rng)
        if task_id is None:
            task_id = vendor.new_id(n, created, model, salt)
            while task_id in store:
                n = self.counters[provider]
                self.counters[provider] = n + 1
                task_id = vendor.new_id(n, created, model, salt)
        elif task_id in store:
            raise ValueError(f"{provider} already has a task {task_id!r}")
        return TaskRecord(
            provider=provider,
            task_id=task_id,
            seq=next(self.seq),
            created=created,
            phases=phases,
            model=model,
            prompt=prompt,
            error=error,
            attrs={**extra, **attrs},
        )

    def create_task(
        self,
        provider: str,
        now: float,
        *,
        model: str | None,
        prompt: str | None,
        attrs: dict[str, Any],
        callback_url: str | None = None,
    ) -> TaskRecord:
        """Make and store the task a create request asks for, on :attr:`create_lifecycle`.

        Called under :attr:`lock` (by a vendor's create handler, through ``Ctx.create``).

        Raises:
            ValueError: If ``callback_url`` is not one the vendor could call back.
        """
        hook = check_callback_url(provider, callback_url)
        phases = build_phases(
            provider,
            now,
            status="queued",
            raw_status=None,
            spec=self.create_lifecycle,
            step_seconds=self.create_step_seconds,
            detailed=False,
        )
        record = self.new_record(provider, None, now, phases, model, prompt, None, attrs)
        record.callback_url = hook
        self.stores[provider].add(record)
        return record

    def forget_rendered(self) -> None:
        """Drop cached task JSON (result URLs embed the server's address)."""
        with self.lock:
            for store in self.stores.values():
                store.pages.clear()
                for task in store.all_tasks():
                    task.cache.clear()

    # ---- requests ------------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        target: str,
        header_items: list[tuple[str, str]],
        *,
        other_origin: bool,
        body: bytes = b"",
    ) -> Response:
        """Answer one request (``target`` is the request line's path + query).

        A fault on a create or cancel (see :data:`~._faults.ENDPOINTS`) fires after the request
        has done its work: the task is made (or cancelled) and the request recorded, then the
        answer is delayed, dropped, replaced or damaged. A refusal (a 429, or an HTTP 4xx
        ``http_error``) is the exception: the vendor said no, so nothing was made. That is what a lost answer from a real
        vendor looks like, and why a client cannot safely resend a create whose answer it lost.
        """
        path, _, query_string = target.partition("?")
        query = tuple(parse_qsl(query_string, keep_blank_values=True)) if query_string else ()
        headers: dict[str, str] = {}
        for name, value in header_items:
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        route = resolve(path, method)
        vendor = VENDORS.get(route.provider) if route is not None else None
        request_id = f"{self._request_prefix}{next(self._request_ids):012d}"
        provider = route.provider if route is not None and vendor is not None else None
        endpoint = route.endpoint if route is not None and vendor is not None else "unknown"
        auth_ok = vendor is not None and vendor.check_auth(headers, self.api_keys[vendor.name])
        # A gateway in front of the vendor (nginx) refuses a long URL before the vendor sees it,
        # so no fault meant for the vendor is used up by it.
        too_long = self.max_url_length is not None and len(target) > self.max_url_length
        fired = Fired()
        # Above an enforced limit the vendor refuses at its door (its 429): no fault is used up.
        retry_after = None
        if (
            self.rate_limits
            and not other_origin
            and provider is not None
            and endpoint != "download"
            and auth_ok
            and not too_long
        ):
            retry_after = self.rate_limits.admit(provider)
        if retry_after is not None:
            limit = Fault("rate_limit", provider, None, None, None, {"retry_after": retry_after})
            fired = Fired(answer=limit, names=[ENFORCED])
        elif not other_origin and provider is not None and self.faults and not too_long:
            with self.lock:
                fired = self.faults.pick(provider, endpoint)
        mutating = endpoint in _MUTATING
        if fired.delay and not mutating:
            # An Event, not time.sleep, so that stopping the servers cuts the wait short.
            self.stopping.wait(fired.delay)
        now = self.clock.now()
        parsed = parse_json(body)

        if too_long:
            response = Response(414, _URI_TOO_LONG, content_type="text/html")
        elif route is None or vendor is None:
            response = json_response(
                404, {"error": {"code": "NotFound", "message": f"no route for {path}"}}
            )
        elif method not in route.allow:
            response = json_response(
                405, {"error": {"code": "MethodNotAllowed", "message": f"{method} not allowed"}}
            )
            response.headers.append(("Allow", ", ".join(route.allow)))
        else:
            ctx = Ctx(
                now,
                self.base_url,
                self.stores[vendor.name],
                tuple(fired.mutations),
                self.list_window,
                request_id,
                self.quirks.get(vendor.name, frozenset()),
                self.other_url,
                partial(self.create_task, vendor.name, now),
            )
            answer = fired.answer
            replaced = answer is not None and answer.category == "replace"
            if answer is None or not replaced or (mutating and not _refusal(answer)):
                response = self._normal(
                    vendor.name,
                    route.endpoint,
                    route.task_id,
                    route.rest,
                    method,
                    query,
                    headers,
                    ctx,
                    auth_ok or other_origin,
                    body,
                    parsed,
                )
            if fired.delay and mutating:
                self.stopping.wait(fired.delay)
            if answer is not None and replaced:
                response = replacement(answer, vendor, ctx, target, self.other_url, self.base_url)
            elif answer is not None:
                response = damage(answer, response)
        response.headers.append(("X-Request-Id", request_id))
        if self.record:
            record = RequestRecord(
                provider=provider,
                endpoint=endpoint,
                method=method,
                path=path,
                query=query,
                headers=redact_headers(header_items),
                auth_ok=auth_ok,
                status=0 if response.drop else response.status,
                fault=",".join(fired.names) or None,
                time=now,
                body=body,
                json=parsed,
            )
            with self.lock:
                (self.other_records if other_origin else self.records).append(record)
        return response

    def _normal(
        self,
        provider: str,
        endpoint: str,
        task_id: str | None,
        rest: str,
        method: str,
        query: tuple[tuple[str, str], ...],
        headers: dict[str, str],
        ctx: Ctx,
        authorized: bool,
        body: bytes,
        parsed: Any,
    ) -> Response:
        vendor = VENDORS[provider]
        if endpoint == "download":
            with self.lock:
                return serve_file(self.stores.get(provider), rest, ctx.now, headers)
        if not authorized:
            return vendor.unauthorized(ctx)
        request = Request(method, endpoint, task_id, query, headers, rest, body, parsed)
        with self.lock:
            return vendor.handle(request, ctx)

    # ---- faults --------------------------------------------------------------------------------

    def add_fault(self, fault: Fault) -> Fault:
        """Register a validated fault."""
        with self.lock:
            return self.faults.add(fault)

    def snapshot_records(self, other: bool) -> list[RequestRecord]:
        """Return a copy of the request records of the main or the other-origin server."""
        with self.lock:
            return list(self.other_records if other else self.records)

    def clear_records(self) -> None:
        """Forget every request record."""
        with self.lock:
            self.records.clear()
            self.other_records.clear()

    def describe(self) -> dict[str, Any]:
        """Return counts of tasks per provider and of active faults (for ``repr``)."""
        with self.lock:
            return {
                "tasks": {p: len(s) for p, s in self.stores.items()},
                "faults": len(self.faults.active()),
            }


def _refusal(fault: Fault) -> bool:
    """Whether a replacing fault is the vendor saying no (nothing done): a 429 or another 4xx."""
    if fault.kind == "rate_limit":
        return True
    status = fault.params.get("status", 500)
    return fault.kind == "http_error" and isinstance(status, int) and 400 <= status < 500
