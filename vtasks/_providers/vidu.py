"""Vidu enterprise API: token-paged task list with server-side filters, and a per-task creations call.

Auth is ``Authorization: Token KEY``. A cancelled task reads ``state: failed`` with
``err_code: UserCancelled`` (the status table's error-code rule makes it ``cancelled``). Times are
RFC 3339 strings. The list filters on ids, states and a creation window on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._models import Task
from .._status import normalize_status
from .._time import parse_iso8601
from ._base import (
    Adapter,
    AuthScheme,
    Page,
    Request,
    as_float,
    as_int,
    as_text,
    expect_id,
    expect_items,
    expect_object,
    given,
    request_from_generated,
)

__all__ = ["ViduAdapter"]


class ViduAdapter(Adapter):
    """``GET /ent/v2/tasks`` and ``GET /ent/v2/tasks/{id}/creations``."""

    name = "vidu"
    auth = AuthScheme("Authorization", "Token ")
    supports_list = True
    max_page_size = 100
    default_page_size = 100
    id_filter_max = 100
    numbered_pages = False
    server_time_filter = True

    def __init__(self) -> None:
        from vtasks_gen_vidu.api.tasks import get_task, list_tasks

        self._get = get_task
        self._list = list_tasks

    def first_page(self) -> int:
        """Vidu counts pages from 0."""
        return 0

    def get_request(self, task_id: str) -> Request:
        """GET ``/ent/v2/tasks/{id}/creations``."""
        return request_from_generated("get", self._get._get_kwargs(task_id), (task_id,))

    def list_request(
        self,
        *,
        page: int | None,
        token: str | None,
        page_size: int,
        raw_statuses: Sequence[str] = (),
        task_ids: Sequence[str] = (),
        created_after: str | None = None,
        created_before: str | None = None,
    ) -> Request:
        """GET ``/ent/v2/tasks`` with ``pager.*``, ``states``, ``task_ids`` and ``created_at.*``."""
        kwargs = self._list._get_kwargs(
            **given(
                created_at_from=created_after,
                created_at_to=created_before,
                task_ids=list(task_ids) or None,
                states=list(raw_statuses) or None,
                pager_page=page if token is None else None,
                pager_pagesz=page_size,
                pager_page_token=token,
            )
        )
        return request_from_generated("list", kwargs, task_ids)

    def server_status_filter(self, raw_values: Sequence[str]) -> tuple[str, ...]:
        """``states`` takes any number of values."""
        return tuple(raw_values)

    def parse_task(self, payload: Any) -> Task:
        """Normalize ``{id, state, err_code, credits, creations: [...]}``."""
        return self._task(expect_object(self.name, "task", payload))

    def parse_page(self, payload: Any) -> Page:
        """Normalize ``{next_page_token, tasks}``."""
        page = expect_object(self.name, "task list", payload)
        items = expect_items(self.name, "tasks", page.get("tasks"), payload)
        return Page(
            tasks=tuple(self._task(item) for item in items),
            next_token=as_text(page.get("next_page_token")),
        )

    def _task(self, raw: dict[str, Any]) -> Task:
        raw_status = as_text(raw.get("state"))
        error_code = as_text(raw.get("err_code"))
        status = normalize_status(self.name, raw_status, error_code=error_code)
        creations = [c for c in raw.get("creations") or () if isinstance(c, dict)]
        urls = tuple(u for u in (as_text(c.get("url")) for c in creations) if u)
        first: dict[str, Any] = creations[0] if creations else {}
        video = _mapping(first.get("video"))
        size = _mapping(video.get("resolution"))
        return Task(
            provider=self.name,
            id=expect_id(self.name, raw.get("id"), raw),
            status=status,
            raw_status=raw_status,
            model=as_text(raw.get("model")),
            prompt=as_text(raw.get("prompt")),
            video_url=urls[0] if urls else None,
            video_urls=urls,
            cover_url=as_text(first.get("cover_url")),
            created_at=parse_iso8601(raw.get("created_at")),
            error=error_code,
            error_code=error_code,
            width=as_int(size.get("width")),
            height=as_int(size.get("height")),
            duration=as_float(video.get("duration")) or as_float(raw.get("duration")),
            fps=as_float(video.get("fps")),
            raw=raw,
        )

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """``{"code", "reason", "message", "metadata"}`` (unconfirmed); the reason names the error."""
        if not isinstance(payload, dict):
            return None, None
        code = as_text(payload.get("reason")) or as_text(payload.get("err_code"))
        return code or as_text(payload.get("code")), as_text(payload.get("message"))


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
