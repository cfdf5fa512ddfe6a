"""``FakeProviders``: the public face of the loopback simulator."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from types import EllipsisType, TracebackType
from typing import Any, Self

from ._callbacks import CallbackDelivery, Dispatcher
from ._clock import FakeClock
from ._faults import Fault, validate
from ._lifecycle import LifecycleSpec, build_phases
from ._media import COVER_JPEG, VIDEO_MP4
from ._records import RequestRecord
from ._server import LoopbackServer
from ._simulator import Simulator, check_callback_url
from ._tasks import STATUSES, FakeTask, Phase, TaskRecord, utc
from ._vendors import PROVIDERS, VENDORS, Ctx

__all__ = ["DEFAULT_API_KEYS", "FakeProviders"]

DEFAULT_API_KEYS: dict[str, str] = {p: f"sk-fake-{p}-0001" for p in PROVIDERS}
"""The demo key each simulated provider accepts unless ``api_keys`` overrides it."""

_COVERLESS = frozenset({"veo", "minimax"})


def _check_provider(provider: str) -> None:
    if provider not in VENDORS:
        raise ValueError(f"unknown provider {provider!r}; expected one of {', '.join(PROVIDERS)}")


def _seconds(value: datetime | float) -> float:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware datetime (e.g. tzinfo=UTC)")
        return value.timestamp()
    return float(value)


def _quirks(provider: str, names: Iterable[str], *, task: bool) -> frozenset[str]:
    """The quirk names, checked against what ``provider``'s simulated API can produce."""
    vendor = VENDORS[provider]
    chosen = frozenset((names,) if isinstance(names, str) else names)
    for name in sorted(chosen):
        if name not in vendor.quirks:
            known = ", ".join(vendor.quirks) or "none"
            raise ValueError(f"{provider} has no quirk {name!r}; it has: {known}")
        if task and name in vendor.listing_quirks:
            raise ValueError(
                f"the {provider} quirk {name!r} shapes listings: give it for the whole simulator "
                "(FakeProviders(quirks=...))"
            )
    return chosen


def _callback_url(provider: str, url: object) -> str | None:
    """``url`` if it is an http(s) URL and the vendor pushes callbacks, else a ValueError."""
    return check_callback_url(provider, url)


def _error_dict(error: str | dict[str, Any] | None) -> dict[str, Any] | None:
    if error is None:
        return None
    if isinstance(error, str):
        return {"code": None, "message": error}
    return dict(error)


class FakeProviders:
    """A loopback HTTP simulator of every provider's task API.

    ``base_url`` works as every provider's base URL: the vendors' documented paths are appended
    to it (``/api/v3/contents/generations/tasks``, ``/volc/v1/...``, ``/v1/video/query``,
    ``/v1/query/video_generation``, ``/v1/files/retrieve``, ``/ent/v2/tasks``,
    ``/api/ai/video/generations``). Result files are served from ``/_files/<provider>/``.

    Example:
        >>> with FakeProviders() as fake:
        ...     task = fake.add_task("ark", status="succeeded")
        ...     # GET {fake.base_url}/api/v3/contents/generations/tasks/{task.id}
        ...     # with "Authorization: Bearer " + fake.api_keys["ark"]

    Args:
        api_keys: Keys per provider, merged over :data:`DEFAULT_API_KEYS`.
        speed: Simulated seconds per real second; ``0`` (default) moves the clock only on
            ``fake.clock.advance()``.
        start_time: The clock's initial time (default: now).
        seed: Seeds task ids and probabilistic faults (same seed, same run).
        host: The address to listen on.
        port: The port for the main server (``0``: ephemeral).
        list_window_days: How far back Ark / volc list and Vidu's default window reach
            (the vendors' 7 days); ``None`` disables the limit.
        record_requests: Whether to keep a :class:`RequestRecord` per request.
        max_url_length: The longest request target (path and query) accepted; a longer one gets
            the 414 HTML page a gateway such as nginx sends. ``None``: no limit of its own.
        quirks: Provider -> names of real-traffic shapes (:data:`~vtasks.testing.QUIRKS`) that
            every task and listing of that provider shows; by default none, the documented shapes.
        callback_timeout: Real seconds a callback receiver has to answer, for every vendor;
            ``None`` (default): each vendor's own (5 s; 3 s for MiniMax's challenge).
        rate_limits: Provider -> requests per second the simulator enforces, answering the
            vendor's own 429 above it (see :meth:`limit_rate`); by default none.
    """

    def __init__(
        self,
        *,
        api_keys: dict[str, str] | None = None,
        speed: float = 0.0,
        start_time: datetime | float | None = None,
        seed: int | None = 0,
        host: str = "127.0.0.1",
        port: int = 0,
        list_window_days: float | None = 7.0,
        record_requests: bool = True,
        max_url_length: int | None = None,
        quirks: Mapping[str, Iterable[str]] | None = None,
        callback_timeout: float | None = None,
        rate_limits: Mapping[str, float] | None = None,
    ) -> None:
        keys = dict(DEFAULT_API_KEYS)
        for provider, key in (api_keys or {}).items():
            _check_provider(provider)
            keys[provider] = key
        self.clock = FakeClock(start_time, speed=speed)
        """The clock that drives every task's lifecycle."""
        self._host = host
        self._port = port
        window = list_window_days * 86400.0 if list_window_days is not None else None
        self._sim = Simulator(
            clock=self.clock, api_keys=keys, seed=seed, list_window=window, record=record_requests
        )
        self._sim.max_url_length = max_url_length
        for provider, names in (quirks or {}).items():
            _check_provider(provider)
            self._sim.quirks[provider] = _quirks(provider, names, task=False)
        for provider, per_second in (rate_limits or {}).items():
            self.limit_rate(provider, per_second)
        self._callbacks = Dispatcher(self._sim, seed=seed, timeout=callback_timeout)
        for store in self._sim.stores.values():
            store.on_callback = self._callbacks.wake
        self.clock._listen(self._callbacks.wake)
        self._main: LoopbackServer | None = None
        self._other: LoopbackServer | None = None

    # ---- life ------------------------------------------------------------------------------

    def start(self) -> Self:
        """Start both servers (main and redirect target) on background threads."""
        if self._main is not None:
            return self
        self._sim.stopping.clear()
        main = LoopbackServer(self._sim, self._host, self._port)
        other = LoopbackServer(self._sim, self._host, 0, other_origin=True)
        self._sim.base_url = main.url
        self._sim.other_url = other.url
        self._sim.forget_rendered()
        main.start()
        other.start()
        self._main, self._other = main, other
        self._callbacks.start()
        return self

    def stop(self) -> None:
        """Stop both servers and callback deliveries, close connections and join their threads."""
        self._callbacks.stop()
        self._sim.stopping.set()
        for server in (self._main, self._other):
            if server is not None:
                server.stop()
        self._main = self._other = None

    @property
    def max_url_length(self) -> int | None:
        """The longest request target accepted (longer: a gateway's 414 page); ``None``: no limit."""
        return self._sim.max_url_length

    @max_url_length.setter
    def max_url_length(self, value: int | None) -> None:
        self._sim.max_url_length = value

    @property
    def create_lifecycle(self) -> LifecycleSpec:
        """The lifecycle of tasks made by create requests (default ``"succeeded"``).

        An outcome name (the vendor's real status sequence to it) or explicit steps, as
        :meth:`add_task`'s ``lifecycle``; each step lasts :attr:`create_step_seconds`.
        """
        return self._sim.create_lifecycle

    @create_lifecycle.setter
    def create_lifecycle(self, value: LifecycleSpec) -> None:
        for provider in PROVIDERS:  # fail now, not on the next create
            build_phases(
                provider,
                0.0,
                status="queued",
                raw_status=None,
                spec=value,
                step_seconds=1.0,
                detailed=False,
            )
        self._sim.create_lifecycle = value

    @property
    def create_step_seconds(self) -> float:
        """How long (simulated seconds) each step of a created task's lifecycle lasts (5.0)."""
        return self._sim.create_step_seconds

    @create_step_seconds.setter
    def create_step_seconds(self, value: float) -> None:
        if value < 0:
            raise ValueError("create_step_seconds cannot be negative")
        self._sim.create_step_seconds = float(value)

    @property
    def running(self) -> bool:
        """Whether the servers are running."""
        return self._main is not None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._sim.base_url if self.running else "stopped"
        return f"FakeProviders({where}, {self._sim.describe()})"

    # ---- addresses and keys ----------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: every provider's base URL.

        Raises:
            RuntimeError: If the simulator is not running.
        """
        if not self.running:
            raise RuntimeError("FakeProviders is not running: call start() or use 'with'")
        return self._sim.base_url

    @property
    def other_origin_url(self) -> str:
        """The origin that ``redirect`` faults send clients to (a second server)."""
        if not self.running:
            raise RuntimeError("FakeProviders is not running: call start() or use 'with'")
        return self._sim.other_url

    @property
    def api_keys(self) -> dict[str, str]:
        """Provider -> the key the simulator accepts (a copy)."""
        return dict(self._sim.api_keys)

    @property
    def providers(self) -> tuple[str, ...]:
        """The simulated provider keys."""
        return PROVIDERS

    def env(self) -> dict[str, str]:
        """Return ``VTASKS_<PROVIDER>_API_KEY`` / ``_BASE_URL`` for every provider."""
        out: dict[str, str] = {}
        for provider in PROVIDERS:
            out[f"VTASKS_{provider.upper()}_API_KEY"] = self._sim.api_keys[provider]
            out[f"VTASKS_{provider.upper()}_BASE_URL"] = self.base_url
        return out

    video_bytes: bytes = VIDEO_MP4
    """The bytes served for every result video."""
    cover_bytes: bytes = COVER_JPEG
    """The bytes served for every result cover / last frame."""

    # ---- tasks -----------------------------------------------------------------------------

    def add_task(
        self,
        provider: str,
        *,
        status: str = "succeeded",
        raw_status: str | None = None,
        task_id: str | None = None,
        model: str | None = None,
        prompt: str | None = None,
        created_at: datetime | float | None = None,
        lifecycle: LifecycleSpec | None = None,
        step_seconds: float = 5.0,
        detailed: bool = False,
        error: str | dict[str, Any] | None = None,
        duration: int | None = None,
        resolution: str | None = None,
        ratio: str | None = None,
        fps: int | None = None,
        width: int | None = None,
        height: int | None = None,
        seed: int | None = None,
        credits: int | None = None,
        template: str | None = None,
        return_last_frame: bool = True,
        extra: dict[str, Any] | None = None,
        quirks: Iterable[str] = (),
        callback_url: str | None = None,
    ) -> FakeTask:
        """Add one task and return a snapshot of it.

        Args:
            provider: The provider key.
            status: The normalized status (``queued``, ``running``, ``succeeded``, ``failed``,
                ``cancelled``, ``expired``), mapped to the vendor's raw value by the simulator's
                own table (e.g. MiniMax ``succeeded`` -> ``Success``, Vidu ``cancelled`` ->
                ``state: failed, err_code: UserCancelled``). Ignored when ``raw_status`` or
                ``lifecycle`` is given.
            raw_status: A verbatim vendor value (may be one the vendor never sends).
            task_id: The id (default: a realistic generated one).
            model: The model name (default: a typical one for the provider).
            prompt: The prompt (where the vendor reports it).
            created_at: Creation time, aware ``datetime`` or Unix seconds (default: clock now).
            lifecycle: An outcome name (the vendor's real status sequence to that outcome,
                each step ``step_seconds`` long) or explicit steps: status names or
                ``(status, seconds)`` pairs.
            step_seconds: How long each step of a named lifecycle lasts.
            detailed: Use the vendor's finer-grained states in a named lifecycle (Veo).
            error: The failure: a message or ``{"code", "message"}`` (default: typical).
            duration: Video seconds.
            resolution: E.g. ``"720p"`` (MiniMax: ``"1080P"``).
            ratio: Aspect ratio, e.g. ``"16:9"``.
            fps: Frames per second.
            width: Video width in pixels (MiniMax, Vidu).
            height: Video height in pixels (MiniMax, Vidu).
            seed: Ark's reported seed.
            credits: Vidu's credit cost.
            template: Vidu's template name.
            return_last_frame: Ark: whether ``content.last_frame_url`` is present.
            extra: Extra top-level fields merged into the task's JSON.
            quirks: Names of real-traffic shapes this task shows (:data:`~vtasks.testing.QUIRKS`,
                e.g. ``["frames"]`` for an Ark task that reports frames instead of a duration).
            callback_url: Where the simulator POSTs the task's changes as the vendor would
                (Ark / volc, MiniMax after its challenge, Vidu signed with the API key); see
                :meth:`deliver_callbacks`. Veo and AiToEarn have no callbacks (``ValueError``).

        Returns:
            A snapshot of the new task at the current clock time.
        """
        _check_provider(provider)
        chosen = _quirks(provider, quirks, task=True)
        hook = _callback_url(provider, callback_url)
        attrs: dict[str, Any] = {
            k: v
            for k, v in (
                ("duration", duration),
                ("resolution", resolution),
                ("ratio", ratio),
                ("fps", fps),
                ("width", width),
                ("height", height),
                ("seed", seed),
                ("credits", credits),
                ("template", template),
                ("extra", extra),
            )
            if v is not None
        }
        if not return_last_frame:
            attrs["return_last_frame"] = False
        if chosen:
            attrs["quirks"] = chosen
        created = _seconds(created_at) if created_at is not None else self.clock.now()
        phases = build_phases(
            provider,
            created,
            status=status,
            raw_status=raw_status,
            spec=lifecycle,
            step_seconds=step_seconds,
            detailed=detailed,
        )
        sim = self._sim
        with sim.lock:
            record = self._new_record(
                provider, task_id, created, phases, model, prompt, _error_dict(error), attrs
            )
            record.callback_url = hook
            sim.stores[provider].add(record)
            return self._snapshot(record)

    def add_tasks(
        self,
        provider: str,
        count: int,
        *,
        status: str = "succeeded",
        statuses: Sequence[str] | None = None,
        lifecycle: LifecycleSpec | None = None,
        step_seconds: float = 5.0,
        model: str | None = None,
        models: Sequence[str] | None = None,
        prompt: str | None = None,
        newest_at: datetime | float | None = None,
        spacing: float = 1.0,
        snapshots: bool = True,
    ) -> list[FakeTask]:
        """Add ``count`` tasks at once (fast enough for 100,000).

        Task ``i`` (0-based) is created at ``newest_at - (count - 1 - i) * spacing``, so the last one
        is the newest. ``statuses`` / ``models`` cycle over the tasks when given. ``prompt`` may use
        ``{i}``.

        Args:
            provider: The provider key.
            count: How many tasks.
            status: Every task's normalized status (unless ``statuses``/``lifecycle``).
            statuses: Normalized statuses to cycle through.
            lifecycle: A lifecycle for every task (see :meth:`add_task`).
            step_seconds: Step length of a named lifecycle.
            model: Every task's model.
            models: Models to cycle through.
            prompt: A prompt template (``str.format`` with ``i``).
            newest_at: Creation time of the newest task (default: clock now).
            spacing: Seconds between consecutive tasks' creation times.
            snapshots: Return snapshots (``False``: return an empty list, faster).

        Returns:
            Snapshots in creation order (oldest first), or ``[]`` with ``snapshots=False``.
        """
        _check_provider(provider)
        if count < 0:
            raise ValueError("count must be >= 0")
        newest = _seconds(newest_at) if newest_at is not None else self.clock.now()
        status_cycle = itertools.cycle(statuses or (status,))
        model_cycle = itertools.cycle(models or (model,))
        vendor = VENDORS[provider]
        resolved: dict[str, tuple[str, str]] = {}
        records: list[TaskRecord] = []
        sim = self._sim
        with sim.lock:
            for i in range(count):
                created = newest - (count - 1 - i) * spacing
                name = next(status_cycle)
                phases: tuple[Phase, ...]
                if lifecycle is None:
                    pair = resolved.get(name)
                    if pair is None:
                        if name not in STATUSES:
                            raise ValueError(f"unknown status {name!r}; expected one of {STATUSES}")
                        pair = resolved[name] = vendor.resolve(name)
                    phases = (Phase(created, *pair),)
                else:
                    phases = build_phases(
                        provider,
                        created,
                        status=name,
                        raw_status=None,
                        spec=lifecycle,
                        step_seconds=step_seconds,
                        detailed=False,
                    )
                text = prompt.format(i=i) if prompt is not None else None
                records.append(
                    self._new_record(
                        provider, None, created, phases, next(model_cycle), text, None, {}
                    )
                )
            sim.stores[provider].add_many(records)
            if not snapshots:
                return []
            return [self._snapshot(r) for r in records]

    def get_task(self, provider: str, task_id: str) -> FakeTask:
        """Return a snapshot of a task at the current clock time.

        Raises:
            KeyError: If the provider has no such task.
        """
        _check_provider(provider)
        with self._sim.lock:
            record = self._sim.stores[provider].get(task_id)
            if record is None:
                raise KeyError(f"{provider} has no task {task_id!r}")
            return self._snapshot(record)

    def set_status(
        self,
        provider: str,
        task_id: str,
        status: str | None = None,
        *,
        raw_status: str | None = None,
        error: str | dict[str, Any] | None = None,
    ) -> FakeTask:
        """Switch a task to a new status from now on (dropping any future lifecycle steps)."""
        _check_provider(provider)
        if status is None and raw_status is None:
            raise ValueError("give status or raw_status")
        with self._sim.lock:
            record = self._sim.stores[provider].get(task_id)
            if record is None:
                raise KeyError(f"{provider} has no task {task_id!r}")
            now = max(self.clock.now(), record.created)
            (phase,) = build_phases(
                provider,
                now,
                status=status or "queued",
                raw_status=raw_status,
                spec=None,
                step_seconds=0.0,
                detailed=False,
            )
            kept = tuple(p for p in record.phases if p.start < now)
            record.set_phases((*kept, phase))
            if error is not None:
                record.error = _error_dict(error)
            return self._snapshot(record)

    def remove_task(self, provider: str, task_id: str) -> None:
        """Delete a task (the vendor then answers "not found").

        Raises:
            KeyError: If the provider has no such task.
        """
        _check_provider(provider)
        with self._sim.lock:
            if not self._sim.stores[provider].remove(task_id):
                raise KeyError(f"{provider} has no task {task_id!r}")

    def clear_tasks(self, provider: str | None = None) -> None:
        """Delete every task (of one provider, or of all)."""
        with self._sim.lock:
            for name, store in self._sim.stores.items():
                if provider is None or provider == name:
                    store.clear()

    def task_count(self, provider: str) -> int:
        """Return how many tasks a provider holds."""
        _check_provider(provider)
        with self._sim.lock:
            return len(self._sim.stores[provider])

    def task_ids(self, provider: str) -> list[str]:
        """Return a provider's task ids, newest first (the vendors' listing order)."""
        _check_provider(provider)
        with self._sim.lock:
            return [t.id for t in reversed(self._sim.stores[provider].all_tasks())]

    def list_pages(self, provider: str) -> dict[str, int]:
        """How a provider's list answers were made: ``{"made": rendered, "served": from cache}``.

        A page asked for again while nothing on it can have changed (no task added, removed or
        moved to another status) is served as rendered before, so that a benchmark measures the
        client, not the simulator's JSON rendering. Filtered Ark listings and Vidu's are always
        rendered (and not counted).
        """
        _check_provider(provider)
        with self._sim.lock:
            pages = self._sim.stores[provider].pages
            return {"made": pages.made, "served": pages.served}

    # ---- callbacks -------------------------------------------------------------------------

    def deliver_callbacks(self) -> None:
        """Make every callback delivery due by the clock's time, and return when all are made.

        Deliveries also happen on their own, on a background thread, whenever the clock moves
        (or, with ``speed > 0``, as it runs); this is the barrier that makes a test
        deterministic: after it, every push the clock has reached has been POSTed (and answered,
        or timed out), in order. Pushes are made at the simulated time a phase starts, an
        unacknowledged terminal one again 5 simulated seconds later, up to three times.

        Raises:
            RuntimeError: If the simulator is not running.
        """
        if not self.running:
            raise RuntimeError("FakeProviders is not running: call start() or use 'with'")
        self._callbacks.flush()

    @property
    def callback_deliveries(self) -> list[CallbackDelivery]:
        """Every callback POST made so far, oldest first (a copy)."""
        return self._callbacks.snapshot()

    # ---- faults ----------------------------------------------------------------------------

    def inject(
        self,
        provider: str | None,
        fault: str,
        *,
        endpoint: str | None = None,
        count: int | EllipsisType | None = ...,
        rate: float | None = None,
        **params: Any,
    ) -> Fault:
        """Make the simulator misbehave for matching requests.

        Faults fire in injection order; at most one fault that replaces or damages the answer
        fires per request, while ``latency`` and the task-JSON faults stack with it.

        Args:
            provider: The provider key, or ``None`` for every provider.
            fault: One of :data:`~vtasks.testing.FAULTS`:

                - ``rate_limit``: 429 with the vendor's error body; ``retry_after`` = seconds,
                  a ``datetime`` (HTTP date), a ``timedelta`` (HTTP date that far ahead), text,
                  or ``None`` (no header); default 1.
                - ``http_error``: ``status`` (default 500; e.g. 502, 503, 520, 499) with the
                  vendor's error body, or ``body`` / ``content_type`` verbatim.
                - ``html_error``: a Cloudflare-style HTML page, ``status`` default 502.
                - ``non_json``: ``status`` default 200 with a non-JSON ``body``.
                - ``truncated_json``: the normal JSON cut to ``keep`` (fraction, default 0.5) or
                  ``length`` bytes, with a matching ``Content-Length``.
                - ``short_body``: the full ``Content-Length`` but only ``keep``/``length`` bytes
                  sent, then the connection closes.
                - ``latency``: wait ``seconds`` (default 1) before answering.
                - ``drop``: close the connection without answering.
                - ``business_error``: the vendor's own error envelope with ``code`` (required),
                  ``message``, HTTP ``status`` default 200 (MiniMax ``base_resp``, AiToEarn
                  ``code``; Ark, Veo and Vidu bodies with that code).
                - ``unknown_status``: task JSON status replaced by ``value``.
                - ``missing_fields`` / ``null_fields``: ``fields`` = dotted paths removed or set to
                  ``null`` in the task JSON (e.g. ``["content.video_url"]``).
                - ``set_fields``: ``fields`` = ``{dotted path: value}`` set in the task JSON, new or
                  replaced: a field the spec does not know, or a retyped one, as a vendor's
                  unannounced change would send it (drift; see ``vtasks check``).
                - ``redirect``: ``status`` default 302 to the same path on the other origin
                  (``target="other"``, see :attr:`other_origin_requests`) or on this one
                  (``target="same"``).
            endpoint: ``"get"``, ``"list"``, ``"files"``, ``"download"``, ``"create"``,
                ``"cancel"`` (Ark's DELETE too) or ``None`` (all). A fault on a create or cancel
                shapes only the answer: the task is made (or cancelled) first, as when a real
                vendor's answer is lost.
            count: Fire at most this many times (``None``: unlimited). Default: 1, or unlimited
                when ``rate`` is given.
            rate: Fire with this probability (seeded RNG), else always.
            **params: The fault's parameters (see above).

        Returns:
            The fault; its ``hits`` and ``remaining`` update as it fires.
        """
        if provider is not None:
            _check_provider(provider)
            if endpoint is not None and endpoint not in VENDORS[provider].endpoints:
                raise ValueError(f"{provider} has no {endpoint!r} endpoint")
        if count is ...:
            count = 1 if rate is None else None
        validate(fault, endpoint, count, rate, params)
        return self._sim.add_fault(Fault(fault, provider, endpoint, count, rate, dict(params)))

    def limit_rate(
        self, provider: str, per_second: float | None, *, burst: float | None = None
    ) -> None:
        """Enforce a request rate on ``provider``, as a vendor's rate limit does.

        A token bucket in real time (not the simulated clock): it holds ``burst`` requests
        (default: a second's worth, at least one) and refills at ``per_second``. Each API
        request with valid credentials takes one; result files (the CDN) take none. A request
        that finds it empty gets the vendor's own 429 answer with ``Retry-After`` (whole
        seconds until the next token) and does nothing (a create makes no task); its record
        has ``status == 429`` and ``fault == "enforced_rate_limit"``. Setting a limit starts
        a full bucket; ``per_second=None`` lifts it.

        Raises:
            ValueError: Unknown provider, or a rate or burst that is not a positive number.
        """
        _check_provider(provider)
        self._sim.rate_limits.set(provider, per_second, burst)

    def clear_faults(self, provider: str | None = None) -> None:
        """Remove every injected fault (or those limited to ``provider``)."""
        with self._sim.lock:
            self._sim.faults.clear(provider)

    @property
    def faults(self) -> list[Fault]:
        """The faults that may still fire."""
        with self._sim.lock:
            return self._sim.faults.active()

    # ---- request records -------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request the main server received, oldest first (a copy)."""
        return self._sim.snapshot_records(other=False)

    @property
    def other_origin_requests(self) -> list[RequestRecord]:
        """Every request the other origin (redirect target) received: check for leaked keys."""
        return self._sim.snapshot_records(other=True)

    def clear_requests(self) -> None:
        """Forget the request records of both servers."""
        self._sim.clear_records()

    # ---- internals -------------------------------------------------------------------------

    def _new_record(
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
        # Called under the simulator's lock; shared with the create requests' handler.
        return self._sim.new_record(provider, task_id, created, phases, model, prompt, error, attrs)

    def _snapshot(self, record: TaskRecord) -> FakeTask:
        # Called under the simulator's lock.
        vendor = VENDORS[record.provider]
        now = self.clock.now()
        index = record.phase_index(now)
        phase = record.phases[index]
        ctx = Ctx(
            now,
            self._sim.base_url,
            self._sim.stores[record.provider],
            quirks=self._sim.quirks.get(record.provider, frozenset()),
            other_url=self._sim.other_url,
        )
        done = phase.status == "succeeded"
        failed = phase.status in ("failed", "cancelled", "expired")
        return FakeTask(
            provider=record.provider,
            id=record.id,
            status=phase.status,
            raw_status=phase.raw,
            model=record.model,
            prompt=record.prompt,
            created_at=utc(record.created),
            updated_at=utc(phase.start),
            video_url=vendor.file_url(ctx, record, ".mp4") if done else None,
            cover_url=(
                vendor.file_url(ctx, record, ".jpg")
                if done and record.provider not in _COVERLESS
                else None
            ),
            file_id=record.attrs.get("file_id"),
            error=vendor.error_for(record, phase.status) if failed else None,
            final_status=record.phases[-1].status,
            callback_url=record.callback_url,
        )
