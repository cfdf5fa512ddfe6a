"""The shape of what vtasks knows about one provider: the value objects each provider module fills in.

Every provider module (``vtasks/_providers/<provider>.py``) holds one :class:`ProviderFacts` per
provider key it serves, built from the classes here, and the adapter class that reads them.
The machinery that applies the facts lives elsewhere and holds no vendor data:
:mod:`vtasks._config` (provider info, environment), :mod:`vtasks._status` (status lookups) and
:mod:`vtasks._error_codes` (error classes, retryability).

Import-light on purpose (attrs and the already-loaded model and exception modules only): the CLI's
help reads these facts, and must not pay for httpx, the generated packages or logging.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

import attrs

from .._exceptions import APIError
from .._models import TaskStatus

__all__ = [
    "AuthScheme",
    "CallbackFacts",
    "CodeRule",
    "ProviderFacts",
    "StatusOverride",
    "StatusRow",
]


@attrs.frozen(slots=True)
class AuthScheme:
    """How a provider expects its API key: ``<header>: <prefix><key>``."""

    header: str
    prefix: str

    def value(self, api_key: str) -> str:
        """The header value carrying ``api_key``."""
        return f"{self.prefix}{api_key}"

    def describe(self) -> str:
        """The scheme for documentation, with ``KEY`` for the key (``Authorization: Bearer KEY``)."""
        return f"{self.header}: {self.value('KEY')}"


BEARER = AuthScheme("Authorization", "Bearer ")
"""``Authorization: Bearer KEY``, the scheme most vendors use."""


@attrs.frozen(slots=True)
class StatusRow:
    """One row of a provider's status table.

    Attributes:
        raw: The value as the vendor spells it.
        status: The normalized status.
        note: A short remark for the documentation (``""`` for none).
        defensive: ``True`` when the vendor does not document the value and it is
            accepted only in case it shows up.
    """

    raw: str
    status: TaskStatus
    note: str = ""
    defensive: bool = False


@attrs.frozen(slots=True)
class StatusOverride:
    """A status that a task's error code changes (Vidu: ``failed`` + ``UserCancelled`` is cancelled).

    Attributes:
        status: The status the table gives the vendor's value.
        error_code: The task's error code, compared folded like status values.
        becomes: The status the task gets instead.
    """

    status: TaskStatus
    error_code: str
    becomes: TaskStatus


@attrs.frozen(slots=True)
class CodeRule:
    """One row of a provider's error-code table.

    Attributes:
        code: The code, or the start / end of a family of codes.
        error: The error class to raise.
        note: What the vendor says the code means.
        match: ``"exact"``, ``"prefix"`` (e.g. ``RateLimitExceeded.*``) or ``"suffix"``
            (e.g. ``*NotFound``).
    """

    code: str
    error: type[APIError]
    note: str = ""
    match: Literal["exact", "prefix", "suffix"] = "exact"


@attrs.frozen(slots=True, kw_only=True)
class CallbackFacts:
    """What a vendor documents about pushes to a task's ``callback_url`` (:mod:`vtasks.callbacks`).

    Attributes:
        verification: How a push is told genuine: ``"token"`` (the vendor signs nothing; vtasks
            checks a ``token`` query parameter of the URL you registered, when you give it the
            token) or ``"vidu-hmac"`` (headers signed with HMAC-SHA256 keyed by the API key).
        challenge: Whether the vendor first POSTs ``{"challenge": ...}`` and wants it echoed.
        source: Where the vendor documents it.
    """

    verification: Literal["token", "vidu-hmac"]
    challenge: bool = False
    source: str


def _frozen_codes(value: Mapping[str, frozenset[str]]) -> Mapping[str, frozenset[str]]:
    """A read-only copy, so that shared facts cannot be changed by one caller for all."""
    return MappingProxyType(dict(value))


@attrs.frozen(slots=True, kw_only=True)
class ProviderFacts:
    """Everything vtasks knows about one provider key, as data.

    Attributes:
        name: The provider key (``"vidu"``).
        title: A human name.
        default_base_url: Scheme and host the documented paths are appended to.
        auth: How the API key is sent.
        get_path: The path of the single-task endpoint (documentation; the generated client
            builds the real request).
        list_path: The path of the list endpoint, or ``None`` when the vendor has none. The one
            source of "can this provider list tasks".
        extra: Other endpoints used.
        status_rows: The status table, in documentation order.
        status_overrides: Error codes that change a task's status.
        code_rules: The error-code table, in documentation order (``()``: the HTTP status decides).
        not_found_codes: Endpoint -> error codes that, on a request about given task ids, mean
            "no such task" (vendors that answer a generic "invalid parameter" for an unknown id).
        timestamps: How the vendor writes times (documentation).
        max_page_size: The largest page the vendor serves (0: no listing).
        default_page_size: The page size vtasks asks for by default.
        max_page_number: The highest page number the vendor serves, or ``None`` for no limit.
        first_page: The number of the first page (1 for most vendors, 0 for Vidu).
        numbered_pages: Whether list pages are addressed by number (else by an opaque token).
        id_filter_max: How many ids one list request may filter on (0: no id filter).
        server_time_filter: Whether the server filters on creation time (else vtasks does).
        poll_by_listing: Whether polling many tasks reads the (numbered, newest-first) list
            rather than one request per task: for a vendor without an id filter whose pages
            are large (AiToEarn: 1,000 tasks a page), one page answers for many tasks.
        create_path: The path tasks are created at, or ``None`` when vtasks cannot create them.
        cancel_path: The path that cancels an unfinished task, or ``None``.
        delete_path: The path that deletes a finished task's record, or ``None``. (Ark's one
            ``DELETE`` does both, by the task's status: it is both paths.)
        min_poll_interval: Seconds within which the vendor's statuses do not change (it polls its
            own upstreams that often): a wait on the client's default schedule polls no faster.
            ``0``: no such floor.
        callback: What the vendor pushes to a ``callback_url``, or ``None`` when it documents no
            callbacks.
    """

    name: str
    title: str
    default_base_url: str
    auth: AuthScheme = BEARER
    get_path: str
    list_path: str | None = None
    extra: tuple[str, ...] = ()
    status_rows: tuple[StatusRow, ...]
    status_overrides: tuple[StatusOverride, ...] = ()
    code_rules: tuple[CodeRule, ...] = ()
    not_found_codes: Mapping[str, frozenset[str]] = attrs.field(
        factory=dict, converter=_frozen_codes
    )
    timestamps: str
    max_page_size: int = 0
    default_page_size: int = 0
    max_page_number: int | None = None
    first_page: int = 1
    numbered_pages: bool = True
    id_filter_max: int = 0
    server_time_filter: bool = False
    poll_by_listing: bool = False
    create_path: str | None = None
    cancel_path: str | None = None
    delete_path: str | None = None
    min_poll_interval: float = 0.0
    callback: CallbackFacts | None = None

    @property
    def supports_list(self) -> bool:
        """Whether ``list_tasks`` works for this provider (it has a list endpoint)."""
        return self.list_path is not None

    @property
    def supports_create(self) -> bool:
        """Whether ``create_task`` works for this provider."""
        return self.create_path is not None

    @property
    def supports_cancel(self) -> bool:
        """Whether ``cancel_task`` can cancel an unfinished task of this provider."""
        return self.cancel_path is not None

    @property
    def supports_delete(self) -> bool:
        """Whether ``cancel_task(..., delete=True)`` can delete a finished task's record."""
        return self.delete_path is not None
