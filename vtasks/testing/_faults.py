"""Fault injection: which faults exist, their parameters, and which ones fire for a request."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FAULTS", "ENDPOINTS", "Fault", "FaultBook", "Fired"]

# kind -> (category, allowed parameters)
#   replace: the answer is replaced; post: the normal answer is damaged;
#   mutate: task JSON is altered; delay: the answer is late.
_KINDS: dict[str, tuple[str, frozenset[str]]] = {
    "rate_limit": ("replace", frozenset({"retry_after", "status", "message"})),
    "http_error": (
        "replace",
        frozenset({"status", "message", "body", "content_type", "retry_after"}),
    ),
    "html_error": ("replace", frozenset({"status", "body"})),
    "non_json": ("replace", frozenset({"status", "body", "content_type"})),
    "business_error": ("replace", frozenset({"code", "message", "status"})),
    "drop": ("replace", frozenset()),
    "redirect": ("replace", frozenset({"status", "target"})),
    "truncated_json": ("post", frozenset({"keep", "length"})),
    "short_body": ("post", frozenset({"keep", "length"})),
    "unknown_status": ("mutate", frozenset({"value"})),
    "missing_fields": ("mutate", frozenset({"fields"})),
    "null_fields": ("mutate", frozenset({"fields"})),
    "set_fields": ("mutate", frozenset({"fields"})),
    "latency": ("delay", frozenset({"seconds"})),
}

FAULTS: tuple[str, ...] = tuple(_KINDS)
"""Every fault kind :meth:`FakeProviders.inject` accepts."""

ENDPOINTS: tuple[str, ...] = ("get", "list", "files", "download", "create", "cancel")
"""Endpoint names a fault can be limited to.

A fault on ``"create"`` or ``"cancel"`` shapes the answer only: the task is made (or cancelled)
first, as at a real vendor whose answer is lost or late, so a client cannot tell from the fault
whether the create happened.
"""


@dataclass(eq=False)
class Fault:
    """One injected fault (returned by ``inject``; its counters update as it fires).

    Attributes:
        kind: One of :data:`FAULTS`.
        provider: The provider it applies to (``None``: every provider).
        endpoint: The endpoint it applies to (``None``: every endpoint).
        remaining: How many more times it may fire (``None``: unlimited).
        rate: Probability of firing on each matching request (``None``: always).
        params: The fault's parameters.
        hits: How many times it has fired so far.
    """

    kind: str
    provider: str | None
    endpoint: str | None
    remaining: int | None
    rate: float | None
    params: dict[str, Any] = field(default_factory=dict)
    hits: int = 0

    @property
    def category(self) -> str:
        """``"replace"``, ``"post"``, ``"mutate"`` or ``"delay"``."""
        return _KINDS[self.kind][0]

    @property
    def exhausted(self) -> bool:
        """Whether it will never fire again."""
        return self.remaining is not None and self.remaining <= 0


@dataclass(slots=True)
class Fired:
    """The faults that fire for one request.

    Attributes:
        answer: The fault that replaces or damages the answer (at most one).
        mutations: Task-JSON alterations, in injection order.
        delay: Total seconds to wait before answering.
        names: Names of every fault that fired (for the request record).
    """

    answer: Fault | None = None
    mutations: list[tuple[str, Any]] = field(default_factory=list)
    delay: float = 0.0
    names: list[str] = field(default_factory=list)


def validate(
    kind: str, endpoint: str | None, count: int | None, rate: float | None, params: dict[str, Any]
) -> None:
    """Raise ``ValueError`` for an unknown fault, endpoint or parameter, or a bad count / rate."""
    if kind not in _KINDS:
        raise ValueError(f"unknown fault {kind!r}; expected one of {', '.join(FAULTS)}")
    if endpoint is not None and endpoint not in ENDPOINTS:
        raise ValueError(f"unknown endpoint {endpoint!r}; expected one of {ENDPOINTS} or None")
    unknown = set(params) - _KINDS[kind][1]
    if unknown:
        raise ValueError(f"fault {kind!r} takes no parameter(s) {sorted(unknown)}")
    if count is not None and count < 1:
        raise ValueError("count must be >= 1 or None")
    if rate is not None and not 0.0 <= rate <= 1.0:
        raise ValueError("rate must be between 0 and 1")
    if kind == "business_error" and "code" not in params:
        raise ValueError("business_error needs code=...")
    if kind in ("missing_fields", "null_fields"):
        fields = params.get("fields")
        if not fields or isinstance(fields, str):
            raise ValueError(f"{kind} needs fields=[...] (a list of dotted paths)")
    if kind == "set_fields" and not isinstance(params.get("fields"), dict | None):
        raise ValueError("set_fields needs fields={dotted path: value, ...}")
    if kind == "set_fields" and not params.get("fields"):
        raise ValueError("set_fields needs fields={dotted path: value, ...}")
    if kind == "redirect" and params.get("target", "other") not in ("other", "same"):
        raise ValueError("redirect target must be 'other' or 'same'")


class FaultBook:
    """The injected faults, and a seeded random source for the probabilistic ones.

    Not thread-safe by itself: the simulator calls it under its lock.
    """

    def __init__(self, seed: int | None) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(seed)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def add(self, fault: Fault) -> Fault:
        """Register a fault (validated by the caller)."""
        self._faults.append(fault)
        return fault

    def clear(self, provider: str | None = None) -> None:
        """Forget every fault, or only those limited to ``provider``."""
        if provider is None:
            self._faults.clear()
        else:
            self._faults = [f for f in self._faults if f.provider != provider]

    def active(self) -> list[Fault]:
        """Return the faults that may still fire."""
        return [f for f in self._faults if not f.exhausted]

    def pick(self, provider: str, endpoint: str) -> Fired:
        """Decide which faults fire for one request, and count them as used."""
        fired = Fired()
        for fault in self._faults:
            if fault.exhausted:
                continue
            if fault.provider is not None and fault.provider != provider:
                continue
            if fault.endpoint is not None and fault.endpoint != endpoint:
                continue
            category = fault.category
            if category in ("replace", "post") and fired.answer is not None:
                continue
            if fault.rate is not None and self._rng.random() >= fault.rate:
                continue
            if fault.remaining is not None:
                fault.remaining -= 1
            fault.hits += 1
            fired.names.append(fault.kind)
            if category in ("replace", "post"):
                fired.answer = fault
            elif category == "delay":
                fired.delay += float(fault.params.get("seconds", 1.0))
            elif fault.kind == "unknown_status":
                fired.mutations.append(("status", fault.params.get("value", "reticulating")))
            elif fault.kind == "set_fields":
                fired.mutations.append(("set", tuple(fault.params["fields"].items())))
            else:
                kind = "missing" if fault.kind == "missing_fields" else "null"
                fired.mutations.append((kind, tuple(fault.params["fields"])))
        self._faults = [f for f in self._faults if not f.exhausted]
        return fired
