"""Callback deliveries: each task's changes POSTed to its ``callback_url``, as the vendors do.

A task's lifecycle is a list of phases on the simulated clock (``_tasks``); a phase is pushed once
the clock has reached its start, in order, each with the body the vendor sends for it (its query's
shape, ``Vendor.callback_body``) and the vendor's signature if it has one
(``Vendor.callback_headers``). MiniMax's challenge comes first and must be echoed, else nothing
more is sent. A push whose status the vendor retries (``Vendor.callback_retried``) and that is not
acknowledged (a 2xx within the vendor's window) is sent again up to three times,
:data:`RETRY_SECONDS` of simulated time apart: the vendors document how many times, not when.

Which tasks: every stored task with a ``callback_url`` (``ProviderStore.callbacks``), however it
was made. When: a background thread delivers what is due whenever such a task is stored and
whenever the clock is moved, and polls while the clock runs on its own (``speed > 0``).
:meth:`Dispatcher.flush` (``FakeProviders.deliver_callbacks``) delivers what is due in the calling
thread, after any delivery in flight: once it returns, every push due by the clock's time has been
made, so tests are deterministic. Standard library only.
"""

from __future__ import annotations

import heapq
import itertools
import json
import random
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ._http import dumps
from ._push import post
from ._tasks import Phase, TaskRecord
from ._vendors import VENDORS, Ctx, Vendor

if TYPE_CHECKING:
    from ._simulator import Simulator

__all__ = ["RETRY_SECONDS", "CallbackDelivery", "Dispatcher"]

RETRY_SECONDS = 5.0
"""Simulated seconds between an unacknowledged push and its next attempt."""

# How often the thread looks for due pushes while the clock runs on its own (real seconds).
_POLL_SECONDS = 0.05


@dataclass(frozen=True, slots=True)
class CallbackDelivery:
    """One POST the simulator made to a task's ``callback_url``.

    Attributes:
        provider: The provider key.
        task_id: The task.
        url: Where it was sent (the task's ``callback_url``).
        kind: ``"challenge"`` (MiniMax's handshake) or ``"status"`` (a push of the task).
        raw_status: The status the push carried, as the vendor spells it in callbacks
            (``None`` for a challenge).
        attempt: 1 for the first delivery of this push, 2 to 4 for its retries.
        time: The simulated time it was sent (Unix seconds).
        headers: The headers sent (no API key: Vidu's signature is made with it, never carries it).
        body: The body sent.
        status: The receiver's HTTP status, ``0`` when it gave none.
        response: The start of the receiver's answer (at most 64 KiB).
        error: Why there was no answer (refused, timed out, ...), else ``None``.
        acknowledged: Whether the vendor would count it received: a 2xx in time, and for a
            challenge the same value echoed.
    """

    provider: str
    task_id: str
    url: str
    kind: str
    raw_status: str | None
    attempt: int
    time: float
    headers: Mapping[str, str]
    body: bytes
    status: int
    response: bytes
    error: str | None
    acknowledged: bool


@dataclass(slots=True)
class _Watch:
    """What the dispatcher knows of one task's deliveries."""

    record: TaskRecord
    challenge: str = ""  # "", then "pending", then "passed" or "failed"
    seen: list[Phase] = field(default_factory=list)  # phases looked at (by value)
    last: str | None = None  # the status last pushed: an unchanged status is no change


@dataclass(order=True, frozen=True, slots=True)
class _Job:
    """One POST to make at ``due`` (simulated time); ``seq`` keeps equal times in order."""

    due: float
    seq: int
    key: tuple[str, str] = field(compare=False)
    pushed: str | None = field(compare=False)  # None: the challenge
    index: int = field(compare=False, default=0)
    phase: Phase | None = field(compare=False, default=None)
    attempt: int = field(compare=False, default=1)
    challenge: str = field(compare=False, default="")


class Dispatcher:
    """Schedules and makes one simulator's callback deliveries (its state under ``sim.lock``).

    Args:
        sim: The simulator whose stores, clock and API keys it reads.
        seed: Seeds challenges and nonces (same seed, same deliveries).
        timeout: Real seconds a receiver has to answer, for every vendor; ``None``: each
            vendor's own window (Ark's 5 s, MiniMax's 3 s for the challenge).
    """

    def __init__(self, sim: Simulator, *, seed: int | None, timeout: float | None) -> None:
        self._sim = sim
        self._rng = random.Random(seed)
        self._timeout = timeout
        self._watches: dict[tuple[str, str], _Watch] = {}
        self._jobs: list[_Job] = []
        self._seq = itertools.count()
        self.deliveries: list[CallbackDelivery] = []
        self._flush_lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self.running = False

    # ---- the thread ------------------------------------------------------------------------

    def start(self) -> None:
        """Deliver from now on (the servers are up, so result URLs can be made)."""
        self._stop.clear()
        self.running = True
        self.wake()

    def stop(self) -> None:
        """Stop delivering and join the thread (after the POST in flight, if any)."""
        self.running = False
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=(self._timeout or 5.0) + 1.0)

    def wake(self) -> None:
        """Have the thread deliver what is due, starting it on the first task that needs one.

        Cheap and callable from any thread, the simulator's lock held or not.
        """
        if not self.running or not any(s.callbacks for s in self._sim.stores.values()):
            return
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, daemon=True, name="vtasks-fake-callbacks"
            )
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(_POLL_SECONDS if self._sim.clock.speed > 0 else None)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                self.flush()
            except BaseException as exc:  # a bug: kept for deliver_callbacks() to raise
                self._failure = exc
                return

    # ---- delivering ------------------------------------------------------------------------

    def flush(self) -> None:
        """Make every delivery due by the clock's time, in order; return when none is left.

        Raises:
            BaseException: What ended the background thread, if something did (a bug).
        """
        if self._failure is not None:
            raise self._failure
        with self._flush_lock:
            while True:
                with self._sim.lock:
                    now = self._sim.clock.now()
                    self._scan(now)
                    due = []
                    while self._jobs and self._jobs[0].due <= now:
                        due.append(heapq.heappop(self._jobs))
                if not due:
                    return
                for job in due:
                    if self._stop.is_set():
                        return
                    self._deliver(job)

    def _scan(self, now: float) -> None:
        """Schedule what the clock has reached for every task with a callback_url (lock held)."""
        watches: dict[tuple[str, str], _Watch] = {}
        for provider, store in self._sim.stores.items():
            vendor = VENDORS[provider]
            if not vendor.callback_statuses:
                continue
            for task_id, record in store.callbacks.items():
                key = (provider, task_id)
                watch = self._watches.get(key)
                if watch is None or watch.record is not record:
                    watch = _Watch(record)  # new, or the id was reused by another task
                watches[key] = watch
                self._schedule(vendor, key, watch, now)
        # Tasks removed since stop being watched; their pending jobs find no watch and lapse.
        self._watches = watches

    def _push(self, job: _Job) -> None:
        heapq.heappush(self._jobs, job)

    def _schedule(self, vendor: Vendor, key: tuple[str, str], watch: _Watch, now: float) -> None:
        record = watch.record
        if vendor.callback_challenge_seconds is not None and watch.challenge != "passed":
            if not watch.challenge:
                watch.challenge = "pending"
                value = f"{self._rng.getrandbits(64):016x}"
                self._push(_Job(record.created, next(self._seq), key, None, challenge=value))
            return
        for index, phase in enumerate(record.phases):
            if phase.start > now:
                break
            if phase in watch.seen:
                continue
            watch.seen.append(phase)
            pushed = vendor.callback_statuses.get(phase.raw)
            if pushed is None or pushed == watch.last:
                continue
            watch.last = pushed
            self._push(_Job(phase.start, next(self._seq), key, pushed, index, phase))

    def _deliver(self, job: _Job) -> None:
        provider, task_id = job.key
        vendor = VENDORS[provider]
        sim = self._sim
        with sim.lock:
            watch = self._watches.get(job.key)
            if watch is None or sim.stores[provider].callbacks.get(task_id) is not watch.record:
                return  # the task was removed (or its id given to another)
            record = watch.record
            url = record.callback_url or ""
            now = sim.clock.now()
            nonce = str(uuid.UUID(int=self._rng.getrandbits(128), version=4))
            if job.pushed is None:
                body = dumps({"challenge": job.challenge})
                timeout = vendor.callback_challenge_seconds or vendor.callback_ack_seconds
            else:
                if record.phases[job.index : job.index + 1] != (job.phase,):
                    return  # set_status replaced the phase before it was pushed
                ctx = Ctx(now, sim.base_url, sim.stores[provider])
                body = vendor.callback_body(record, job.index, ctx, job.pushed)
                timeout = vendor.callback_ack_seconds
            headers = [("Content-Type", "application/json")]
            headers += vendor.callback_headers(
                url=url, key=sim.api_keys[provider], now=now, nonce=nonce
            )
        outcome = post(url, headers, body, self._timeout or timeout)
        acknowledged = 200 <= outcome.status < 300
        if job.pushed is None:
            acknowledged = acknowledged and _echoes(outcome.body, job.challenge)
        with sim.lock:
            self.deliveries.append(
                CallbackDelivery(
                    provider=provider,
                    task_id=task_id,
                    url=url,
                    kind="challenge" if job.pushed is None else "status",
                    raw_status=job.pushed,
                    attempt=job.attempt,
                    time=now,
                    headers=dict(headers),
                    body=body,
                    status=outcome.status,
                    response=outcome.body,
                    error=outcome.error,
                    acknowledged=acknowledged,
                )
            )
            if job.pushed is None:
                watch.challenge = "passed" if acknowledged else "failed"
            elif (
                not acknowledged
                and job.pushed in vendor.callback_retried
                and job.attempt <= vendor.callback_retries
            ):
                self._push(
                    _Job(
                        now + RETRY_SECONDS,
                        next(self._seq),
                        job.key,
                        job.pushed,
                        job.index,
                        job.phase,
                        job.attempt + 1,
                    )
                )

    def snapshot(self) -> list[CallbackDelivery]:
        """Every delivery so far, oldest first (a copy)."""
        with self._sim.lock:
            return list(self.deliveries)


def _echoes(answer: bytes, challenge: str) -> bool:
    """Whether a receiver's answer carries the challenge back (``{"challenge": <same value>}``)."""
    try:
        payload = json.loads(answer)
    except (ValueError, RecursionError):
        return False
    return isinstance(payload, dict) and payload.get("challenge") == challenge
