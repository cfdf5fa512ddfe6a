"""Status lookups: the machinery that applies each provider's status table.

The tables themselves are vendor data and live in each provider's home module
(``vtasks/_providers/<provider>.py``, as ``facts.status_rows`` and ``facts.status_overrides``);
nothing here knows a vendor. Each row is ``(vendor value, TaskStatus, note)`` plus whether the
value is documented by the vendor or only accepted defensively. Lookups ignore case, surrounding
whitespace and the separators ``_``, ``-`` and space, so ``InProgress``, ``IN_PROGRESS`` and
``in-progress`` are one value.

An unknown value (or a missing / non-string one) becomes :attr:`TaskStatus.UNKNOWN`; the
caller keeps the vendor's value in :attr:`Task.raw_status`. Nothing here raises, because a
status a vendor adds tomorrow must not break anyone's program, and nothing here logs: the drift
sentinel (:mod:`vtasks._sentinel`) warns about a value the curated spec does not list, as one
case of the answers' drift.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from vtasks import _providers
from vtasks._exceptions import ConfigurationError
from vtasks._models import TaskStatus
from vtasks._providers._facts import StatusRow

__all__ = [
    "exact_statuses",
    "STATUS_TABLES",
    "StatusRow",
    "fold",
    "normalize_status",
    "raw_statuses_for",
    "status_table_rows",
]

_U = TaskStatus.UNKNOWN


def fold(value: str) -> str:
    """Fold a vendor value for lookup: lower case, no whitespace, ``_`` or ``-``.

    ``InProgress``, ``IN_PROGRESS`` and ``in-progress`` all fold to ``inprogress``; adapters use
    it to compare a status with one of their table's values the way the lookup does.
    """
    return "".join(value.split()).lower().replace("_", "").replace("-", "")


def _build_lookup(rows: tuple[StatusRow, ...]) -> dict[str, TaskStatus]:
    """Precompute the folded lookup dict, refusing two spellings with different meanings."""
    lookup: dict[str, TaskStatus] = {}
    for row in rows:
        key = fold(row.raw)
        if lookup.get(key, row.status) is not row.status:
            # A table bug: fail on the table's first use, which the tests make for every
            # provider (test_tables_cover_providers), rather than answer one spelling wrongly.
            raise AssertionError(f"status table collision on {row.raw!r}")
        lookup[key] = row.status
    return lookup


class _Lookup:
    """One provider's status table, precomputed for lookups.

    Exact spellings first (one dict lookup on the hot path), folded spellings as the fallback,
    then the error-code overrides.
    """

    __slots__ = ("exact", "folded", "overrides", "rows")

    def __init__(self, provider: str) -> None:
        found = _providers.facts(provider)
        self.rows: tuple[StatusRow, ...] = found.status_rows
        self.exact: dict[str, TaskStatus] = {row.raw: row.status for row in self.rows}
        self.folded = _build_lookup(self.rows)
        self.overrides: dict[tuple[TaskStatus, str], TaskStatus] = {
            (rule.status, fold(rule.error_code)): rule.becomes for rule in found.status_overrides
        }


# Built per provider on first use: the tables live in the provider modules, which import this one.
_LOOKUPS: _providers.LazyMapping[_Lookup] = _providers.LazyMapping(_Lookup)

STATUS_TABLES: Mapping[str, Mapping[str, TaskStatus]] = _providers.LazyMapping(
    lambda provider: MappingProxyType(dict(_LOOKUPS[provider].exact))
)
"""Provider -> (vendor spelling -> normalized status), read-only, for documentation.

Defensive aliases are included; see :func:`status_table_rows` for notes.
"""


def normalize_status(provider: str, raw: object, *, error_code: str | None = None) -> TaskStatus:
    """Map a provider's status value to a :class:`TaskStatus`.

    Never raises, never logs. Unknown, missing (``None``) or non-string values give
    :attr:`TaskStatus.UNKNOWN`. A value the curated spec does not list is reported by the
    drift sentinel (:mod:`vtasks._sentinel`), once per provider, endpoint and field, without
    the value; the task's ``raw_status`` keeps it.

    Args:
        provider: The provider key (``"volc"``, ``"vidu"``, ...).
        raw: The status value from the payload, as received.
        error_code: The task's error code, for providers whose status depends on it
            (Vidu: ``failed`` with ``UserCancelled`` is :attr:`TaskStatus.CANCELLED`).

    Returns:
        The normalized status.
    """
    lookup = _LOOKUPS.find(provider)
    if lookup is None:
        return _U
    status: TaskStatus | None = None
    if isinstance(raw, str):
        # str subclasses (a TaskStatus) hash like their value, so this works for them too.
        status = lookup.exact.get(raw)
        if status is None:
            status = lookup.folded.get(fold(raw))
    if status is None:
        return _U
    if error_code and lookup.overrides and isinstance(error_code, str):
        return lookup.overrides.get((status, fold(error_code)), status)
    return status


def exact_statuses(provider: str) -> Mapping[str, TaskStatus]:
    """A provider's exact spellings -> status: the first lookup :func:`normalize_status` makes.

    For an adapter's hot path: a ``str`` found here is what :func:`normalize_status` gives it
    (without an error code); anything else still goes to :func:`normalize_status`. Read-only by
    contract (the table itself, not a copy, so a lookup costs one dict ``get``).

    Raises:
        KeyError: For an unknown provider.
    """
    return _LOOKUPS[provider].exact


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
    if provider not in _LOOKUPS:
        raise ConfigurationError(
            f"unknown provider {provider!r}", hint=f"choose one of {', '.join(sorted(_LOOKUPS))}"
        )
    return [(row.raw, row.status, row.note) for row in _LOOKUPS[provider].rows]


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
    rows = _LOOKUPS[provider].rows if provider in _LOOKUPS else ()
    return tuple(
        row.raw for row in rows if row.status == status and (include_defensive or not row.defensive)
    )
