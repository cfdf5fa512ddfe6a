"""Checking ``list_tasks`` arguments, once for both clients."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ._exceptions import ConfigurationError, UnsupportedOperation
from ._flows.list import ListQuery
from ._models import TaskStatus
from ._providers._base import Adapter
from ._validate import check_ids

__all__ = ["make_list_query"]


def _statuses(status: Any) -> frozenset[TaskStatus] | None:
    if status is None:
        return None
    if isinstance(status, str | TaskStatus):
        values: list[Any] = [status]
    elif isinstance(status, Iterable):
        values = list(status)
    else:
        raise ConfigurationError(
            f"status must be a status or a collection of them, not {status!r}",
            hint=f"use one of {', '.join(s.value for s in TaskStatus)}",
        )
    out = set()
    for value in values:
        try:
            out.add(TaskStatus(str(value).lower()))
        except ValueError:
            raise ConfigurationError(
                f"unknown status {value!r}",
                hint=f"use one of {', '.join(s.value for s in TaskStatus)}",
            ) from None
    return frozenset(out)


def _aware(name: str, value: datetime | None) -> datetime | None:
    """Aware datetimes pass; a naive one is taken as UTC (the same rule as for vendor times)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ConfigurationError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _positive(name: str, value: int | None, *, allow_zero: bool = False) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if allow_zero else 1):
        raise ConfigurationError(
            f"{name} must be a {'non-negative' if allow_zero else 'positive'} int, not {value!r}"
        )
    return value


def make_list_query(
    adapter: Adapter,
    *,
    status: Any,
    created_after: datetime | None,
    created_before: datetime | None,
    task_ids: Iterable[str] | None,
    page_size: int | None,
    limit: int | None,
) -> ListQuery:
    """Validate ``list_tasks`` arguments for ``adapter``'s provider."""
    if not adapter.supports_list:
        raise UnsupportedOperation(
            f"{adapter.name} has no endpoint that lists tasks; use get_task or get_tasks with known ids",
        )
    size = _positive("page_size", page_size)
    if size is not None and size > adapter.max_page_size:
        raise ConfigurationError(
            f"page_size {size} is more than {adapter.name} serves",
            hint=f"use at most {adapter.max_page_size}",
        )
    return ListQuery(
        statuses=_statuses(status),
        created_after=_aware("created_after", created_after),
        created_before=_aware("created_before", created_before),
        task_ids=frozenset(check_ids(task_ids)) if task_ids is not None else None,
        page_size=size,
        limit=_positive("limit", limit, allow_zero=True),
    )
