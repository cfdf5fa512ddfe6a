"""Volcengine Seedance tasks: ``ark`` (Volcengine's own endpoint) and ``volc`` (a reseller's copy).

Both speak the same API under different path prefixes, so one adapter class serves both, over each
provider's generated package. Timestamps are integer Unix seconds. Lists are page-numbered with a
``total``; ``filter.task_ids`` (repeated key) and ``filter.status`` (one value) filter on the server.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import Any, ClassVar

from .._models import Task
from .._status import normalize_status
from .._time import from_unix_seconds
from ._base import (
    Adapter,
    Page,
    Request,
    as_float,
    as_int,
    as_text,
    expect_id,
    expect_items,
    expect_object,
    request_from_generated,
)

__all__ = ["ArkAdapter", "VolcAdapter"]


class _SeedanceAdapter(Adapter):
    supports_list = True
    max_page_size = 500
    # The largest page by default: fewest round trips, and the most tasks reachable within the
    # vendor's 500-page limit (250,000 rather than 50,000 at 100 a page).
    default_page_size = 500
    max_page_number = 500
    # Ids per filtered request: as many as a page holds (about 20 KB of URL at 500 Ark ids);
    # a server that refuses the URL as too long gets the batch in halves (see get_tasks_flow).
    id_filter_max = 500
    package: ClassVar[str]

    def __init__(self) -> None:
        import importlib

        self._get: ModuleType = importlib.import_module(f"{self.package}.api.tasks.get_task")
        self._list: ModuleType = importlib.import_module(f"{self.package}.api.tasks.list_tasks")

    def get_request(self, task_id: str) -> Request:
        """GET ``.../contents/generations/tasks/{id}``."""
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
        """GET ``.../contents/generations/tasks?page_num=&page_size=&filter.*=``."""
        kwargs = self._list._get_kwargs(
            page_num=page,
            page_size=page_size,
            filter_status=raw_statuses[0] if len(raw_statuses) == 1 else None,
            filter_task_ids=list(task_ids) or None,
        )
        return request_from_generated("list", kwargs, task_ids)

    def server_status_filter(self, raw_values: Sequence[str]) -> tuple[str, ...]:
        """``filter.status`` takes one value: filter on the server only when one is wanted."""
        return tuple(raw_values) if len(raw_values) == 1 else ()

    def parse_task(self, payload: Any) -> Task:
        """Normalize one task object."""
        return self._task(expect_object(self.name, "task", payload))

    def parse_page(self, payload: Any) -> Page:
        """Normalize ``{total, items}``."""
        page = expect_object(self.name, "task list", payload)
        items = expect_items(self.name, "items", page.get("items"), payload)
        return Page(
            tasks=tuple(self._task(item) for item in items), total=as_int(page.get("total"))
        )

    def _task(self, raw: dict[str, Any]) -> Task:
        raw_status = as_text(raw.get("status"))
        status = normalize_status(self.name, raw_status)
        error = raw.get("error")
        if isinstance(error, dict):
            error_message, error_code = as_text(error.get("message")), as_text(error.get("code"))
        else:
            error_message, error_code = as_text(error), None
        content = raw.get("content")
        video_url = as_text(content.get("video_url")) if isinstance(content, dict) else None
        cover_url = as_text(content.get("last_frame_url")) if isinstance(content, dict) else None
        updated_at = from_unix_seconds(raw.get("updated_at"))
        return Task(
            provider=self.name,
            id=expect_id(self.name, raw.get("id"), raw),
            status=status,
            raw_status=raw_status,
            model=as_text(raw.get("model")),
            prompt=as_text(raw.get("revised_prompt")),
            video_url=video_url,
            video_urls=(video_url,) if video_url else (),
            cover_url=cover_url,
            created_at=from_unix_seconds(raw.get("created_at")),
            updated_at=updated_at,
            # Ark gives no finish time; a terminal task's last update is when it finished.
            finished_at=updated_at if status.is_terminal else None,
            error=error_message,
            error_code=error_code,
            duration=as_float(raw.get("duration")),
            fps=as_float(raw.get("framespersecond")),
            raw=raw,
        )

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """``{"error": {"code", "message", "param", "type"}}``."""
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            return as_text(error.get("code")), as_text(error.get("message"))
        return None, as_text(error)


class ArkAdapter(_SeedanceAdapter):
    """Volcengine Ark, ``/api/v3/contents/generations/tasks``."""

    name = "ark"
    package = "vtasks_gen_ark"


class VolcAdapter(_SeedanceAdapter):
    """The reseller's copy of Ark, ``/volc/v1/contents/generations/tasks``."""

    name = "volc"
    package = "vtasks_gen_volc"
