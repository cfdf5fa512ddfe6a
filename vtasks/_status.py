"""Status tables, one per provider (data), and the lookup that applies them.

Each table row is ``(vendor value, TaskStatus, note)`` plus whether the value is
documented by the vendor or only accepted defensively. Lookups ignore case,
surrounding whitespace and the separators ``_``, ``-`` and space, so ``InProgress``,
``IN_PROGRESS`` and ``in-progress`` are one value.

An unknown value (or a missing / non-string one) becomes :attr:`TaskStatus.UNKNOWN`
and is logged once per ``(provider, value)`` on the ``"vtasks"`` logger; the caller
keeps the vendor's value in :attr:`Task.raw_status`. Nothing here raises, because a
status a vendor adds tomorrow must not break anyone's program.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from vtasks._exceptions import ConfigurationError
from vtasks._models import TaskStatus

__all__ = [
    "STATUS_TABLES",
    "StatusRow",
    "normalize_status",
    "raw_statuses_for",
    "status_table_rows",
]

logger = logging.getLogger("vtasks")

_Q = TaskStatus.QUEUED
_R = TaskStatus.RUNNING
_S = TaskStatus.SUCCEEDED
_F = TaskStatus.FAILED
_C = TaskStatus.CANCELLED
_E = TaskStatus.EXPIRED
_U = TaskStatus.UNKNOWN

_DEFENSIVE = "defensive: not documented for this provider"


class StatusRow(NamedTuple):
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


# Volcengine Ark (and the reseller's pass-through copy): PROVIDERS.md "volc".
_ARK_ROWS: tuple[StatusRow, ...] = (
    StatusRow("queued", _Q),
    StatusRow("running", _R),
    StatusRow("succeeded", _S),
    StatusRow("failed", _F, "the error field says why"),
    StatusRow("cancelled", _C, "queryable for 24 h, then deleted (404)"),
    StatusRow(
        "expired", _E, "passed execution_expires_after (BytePlus docs; not in the SDK docstring)"
    ),
    # new-api's Doubao mapping accepts these; cheap insurance against a reseller variant.
    StatusRow("pending", _Q, _DEFENSIVE, defensive=True),
    StatusRow("processing", _R, _DEFENSIVE, defensive=True),
    StatusRow("canceled", _C, f"{_DEFENSIVE} (US spelling)", defensive=True),
)

_UNCONFIRMED = "reseller extension, unconfirmed"

_VEO_ROWS: tuple[StatusRow, ...] = (
    StatusRow("pending", _Q),
    StatusRow("processing", _R),
    StatusRow("completed", _S),
    StatusRow("failed", _F),
    StatusRow("image_downloading", _R, _UNCONFIRMED),
    StatusRow("video_generating", _R, _UNCONFIRMED),
    # Upsampling may follow: treating this as final would hand out a video URL that
    # is still null, or the low-resolution one.
    StatusRow(
        "video_generation_completed", _R, f"{_UNCONFIRMED}; not final: upsampling may follow"
    ),
    StatusRow("video_generation_failed", _F, _UNCONFIRMED),
    StatusRow("video_upsampling", _R, _UNCONFIRMED),
    StatusRow("video_upsampling_completed", _S, _UNCONFIRMED),
    StatusRow("video_upsampling_failed", _F, _UNCONFIRMED),
    StatusRow("error", _F, _UNCONFIRMED),
    StatusRow("queued", _Q, _DEFENSIVE, defensive=True),
    StatusRow("running", _R, _DEFENSIVE, defensive=True),
    StatusRow("cancelled", _C, _DEFENSIVE, defensive=True),
)

_MINIMAX_ROWS: tuple[StatusRow, ...] = (
    StatusRow("Preparing", _Q),
    StatusRow("Queueing", _Q),
    StatusRow("Processing", _R),
    StatusRow("Success", _S, "the video URL needs a second call (files/retrieve)"),
    StatusRow("Fail", _F),
)

_VIDU_ROWS: tuple[StatusRow, ...] = (
    StatusRow("created", _Q),
    StatusRow("queueing", _Q),
    StatusRow("processing", _R),
    StatusRow("success", _S),
    StatusRow("failed", _F, "cancelled when err_code is UserCancelled"),
)

_AITOEARN_ROWS: tuple[StatusRow, ...] = (
    StatusRow("SUBMITTED", _Q),
    StatusRow("NOT_START", _Q, "in the server's enum; not seen emitted"),
    StatusRow("QUEUED", _Q, "in the server's enum; not seen emitted"),
    StatusRow("InProgress", _R, "mixed case, as the server sends it"),
    StatusRow("IN_PROGRESS", _R, "enum spelling"),
    StatusRow("SUCCESS", _S),
    StatusRow("FAILURE", _F, "upstream failed, cancelled or expired: not told apart"),
    StatusRow("UNKNOWN", _U, "in the server's enum"),
)

_ROWS: Mapping[str, tuple[StatusRow, ...]] = {
    "ark": _ARK_ROWS,
    "volc": _ARK_ROWS,
    "veo": _VEO_ROWS,
    "minimax": _MINIMAX_ROWS,
    "vidu": _VIDU_ROWS,
    "aitoearn": _AITOEARN_ROWS,
}

# (provider, normalized base status, folded error code) -> final status.
# Vidu reports a cancelled task as ``state: failed`` with ``err_code: UserCancelled``.
_ERROR_CODE_RULES: Mapping[str, Mapping[tuple[TaskStatus, str], TaskStatus]] = {
    "vidu": {(_F, "usercancelled"): _C},
}


def _fold(value: str) -> str:
    """Fold a vendor value for lookup: lower case, no whitespace, ``_`` or ``-``."""
    return "".join(value.split()).lower().replace("_", "").replace("-", "")


def _build_lookup(rows: tuple[StatusRow, ...]) -> dict[str, TaskStatus]:
    """Precompute the folded lookup dict, refusing two spellings with different meanings."""
    lookup: dict[str, TaskStatus] = {}
    for row in rows:
        key = _fold(row.raw)
        if lookup.get(key, row.status) is not row.status:
            # A table bug: fail at import, where tests see it, not at run time.
            raise AssertionError(f"status table collision on {row.raw!r}")
        lookup[key] = row.status
    return lookup


# Exact vendor spellings first (one dict lookup on the hot path), folded as a fallback.
_EXACT: Mapping[str, Mapping[str, TaskStatus]] = {
    provider: {row.raw: row.status for row in rows} for provider, rows in _ROWS.items()
}
_FOLDED: Mapping[str, Mapping[str, TaskStatus]] = {
    provider: _build_lookup(rows) for provider, rows in _ROWS.items()
}

STATUS_TABLES: Mapping[str, Mapping[str, TaskStatus]] = MappingProxyType(
    {provider: MappingProxyType(dict(table)) for provider, table in _EXACT.items()}
)
"""Provider -> (vendor spelling -> normalized status), read-only, for documentation.

Defensive aliases are included; see :func:`status_table_rows` for notes.
"""

# Warn-once memory, bounded so that a stream of junk values cannot grow it forever.
_WARNED_MAX = 1000
_WARNED: set[tuple[str, str]] = set()
_WARNED_LOCK = threading.Lock()
_WARNED_FULL = False


def _warn_unknown(provider: str, raw: object) -> None:
    """Log one warning per ``(provider, value)``; stop remembering at the cap."""
    global _WARNED_FULL  # noqa: PLW0603  (module-level warn-once state, lock-protected)
    # Strings are remembered by value (shortened); other types once per type, so a
    # huge dict is never repr()-ed on every call.
    if isinstance(raw, str):
        shown = repr(raw if len(raw) <= 200 else raw[:199] + "\u2026")
    elif raw is None:
        shown = "None (missing)"
    else:
        shown = f"of type {type(raw).__name__}"
    key = (provider, shown)
    with _WARNED_LOCK:
        if key in _WARNED or _WARNED_FULL:
            return
        if len(_WARNED) >= _WARNED_MAX:
            _WARNED_FULL = True
            logger.warning(
                "%d distinct unknown status values seen; not logging any more",
                _WARNED_MAX,
            )
            return
        _WARNED.add(key)
    if provider in _FOLDED:
        logger.warning(
            "unknown %s status %s; reported as 'unknown' (raw_status keeps it)",
            provider,
            shown,
        )
    else:
        logger.warning(
            "no status table for provider %r (status %s); reported as 'unknown'",
            provider,
            shown,
        )


def _forget_warnings() -> None:
    """Reset the warn-once memory (for tests)."""
    global _WARNED_FULL  # noqa: PLW0603
    with _WARNED_LOCK:
        _WARNED.clear()
        _WARNED_FULL = False


def normalize_status(provider: str, raw: object, *, error_code: str | None = None) -> TaskStatus:
    """Map a provider's status value to a :class:`TaskStatus`.

    Never raises. Unknown, missing (``None``) or non-string values give
    :attr:`TaskStatus.UNKNOWN` and one warning per ``(provider, value)`` on the
    ``"vtasks"`` logger. The vendor's documented ``UNKNOWN`` (AiToEarn) maps to
    :attr:`TaskStatus.UNKNOWN` silently.

    Args:
        provider: The provider key (``"volc"``, ``"vidu"``, ...).
        raw: The status value from the payload, as received.
        error_code: The task's error code, for providers whose status depends on it
            (Vidu: ``failed`` with ``UserCancelled`` is :attr:`TaskStatus.CANCELLED`).

    Returns:
        The normalized status.
    """
    exact = _EXACT.get(provider)
    if exact is None:
        _warn_unknown(provider, raw)
        return _U
    status: TaskStatus | None = None
    if isinstance(raw, str):
        # str subclasses (a TaskStatus) hash like their value, so this works for them too.
        status = exact.get(raw)
        if status is None:
            status = _FOLDED[provider].get(_fold(raw))
    if status is None:
        _warn_unknown(provider, raw)
        return _U
    if error_code:
        rules = _ERROR_CODE_RULES.get(provider)
        if rules is not None and isinstance(error_code, str):
            return rules.get((status, _fold(error_code)), status)
    return status


def status_table_rows(provider: str) -> list[tuple[str, TaskStatus, str]]:
    """Return a provider's table as ``(vendor value, normalized status, note)`` rows.

    For the README generator. Defensive aliases are included, their note says so.

    Args:
        provider: The provider key.

    Returns:
        The rows, in table order.

    Raises:
        ConfigurationError: For an unknown provider.
    """
    rows = _ROWS.get(provider)
    if rows is None:
        raise ConfigurationError(
            f"unknown provider {provider!r}", hint=f"choose one of {', '.join(sorted(_ROWS))}"
        )
    return [(row.raw, row.status, row.note) for row in rows]


def raw_statuses_for(
    provider: str, status: TaskStatus, *, include_defensive: bool = False
) -> tuple[str, ...]:
    """Return the vendor values that map to ``status``, e.g. to build a list filter.

    Note that some normalized statuses have no single vendor value: Vidu's
    :attr:`TaskStatus.CANCELLED` is ``failed`` plus an error code, so filtering
    needs ``failed`` and a check of each task.

    Args:
        provider: The provider key.
        status: The normalized status.
        include_defensive: Also return undocumented aliases.

    Returns:
        The vendor spellings in table order (empty when none, or for an unknown provider).
    """
    return tuple(
        row.raw
        for row in _ROWS.get(provider, ())
        if row.status == status and (include_defensive or not row.defensive)
    )
