"""AiToEarn open platform: ``/api/ai/video/generations`` list and get (errors as HTTP 200 codes)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

from vtasks.testing._http import Request, Response, json_response
from vtasks.testing._tasks import TaskRecord
from vtasks.testing._timefmt import iso_js

from ._base import Ctx, Vendor, phase_times, scramble

__all__ = ["AitoearnVendor"]

_HEX = "0123456789abcdef"
_OBJECT_ID = re.compile(r"[0-9a-fA-F]{24}")
_OK_MESSAGE = "请求成功"

MESSAGES: dict[int, str] = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    10002: "参数验证失败",
    12300: "无效的模型",
    12301: "AI 调用失败",
    12302: "无效的 AI 任务 ID",
    19000: "API Key 无效",
}

_ERRORS = {
    "failed": "Video generation failed",
    "cancelled": "Task cancelled",
    "expired": "Task expired",
}


class AitoearnVendor(Vendor):
    """Paged list (``page`` from 1) and single task by 24-hex ObjectId; ``X-Api-Key`` auth."""

    name: ClassVar[str] = "aitoearn"
    endpoints: ClassVar[frozenset[str]] = frozenset({"get", "list", "download", "create"})
    default_model: ClassVar[str] = "veo3.1-fast"
    table: ClassVar[Mapping[str, str]] = {
        "queued": "SUBMITTED",
        "running": "InProgress",
        "succeeded": "SUCCESS",
        "failed": "FAILURE",
        "cancelled": "FAILURE",
        "expired": "FAILURE",
    }
    known: ClassVar[Mapping[str, str]] = {
        "NOT_START": "queued",
        "SUBMITTED": "queued",
        "QUEUED": "queued",
        "InProgress": "running",
        "SUCCESS": "succeeded",
        "FAILURE": "failed",
    }
    sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "succeeded": ("SUBMITTED", "InProgress", "SUCCESS"),
        "failed": ("SUBMITTED", "InProgress", "FAILURE"),
        "cancelled": ("SUBMITTED", "cancelled"),
        "expired": ("SUBMITTED", "InProgress", "expired"),
    }

    def new_id(self, n: int, created: float, model: str, salt: int) -> str:
        """Return a MongoDB ObjectId: 8 hex digits of creation time, then 16 more."""
        return f"{int(created) & 0xFFFFFFFF:08x}{scramble(n, 16, _HEX, salt)}"

    def default_error(self, status: str) -> dict[str, Any] | None:
        """Return the ``error {message}`` a failed / cancelled / expired task carries."""
        message = _ERRORS.get(status)
        return {"message": message} if message else None

    def check_auth(self, headers: Mapping[str, str], key: str) -> bool:
        """Accept ``X-Api-Key: KEY``."""
        return headers.get("x-api-key", "").strip() == key

    def _envelope(self, code: int, ctx: Ctx, message: str | None, status: int) -> Response:
        body = {
            "code": code,
            "message": message or MESSAGES.get(code, "Error"),
            "data": {},
            "timestamp": int(ctx.now * 1000),
        }
        return json_response(status, body)

    def unauthorized(self, ctx: Ctx) -> Response:
        """Answer HTTP 200 with ``{code: 401, message: "Unauthorized"}``."""
        return self._envelope(401, ctx, None, 200)

    def error_response(self, status: int, ctx: Ctx, message: str | None = None) -> Response:
        """Answer HTTP ``status`` with the usual envelope, ``code`` equal to the status."""
        return self._envelope(status, ctx, message, status)

    def business_error(
        self, code: int | str, ctx: Ctx, message: str | None = None, status: int = 200
    ) -> Response:
        """Answer HTTP 200 with ``{code, message, data: {}, timestamp}``."""
        return self._envelope(int(code), ctx, message, status)

    def handle(self, request: Request, ctx: Ctx) -> Response:
        """Serve the create, the list and one task."""
        if request.endpoint == "create":
            return self._create(request, ctx)
        if request.endpoint == "get":
            task_id = request.task_id or ""
            if not _OBJECT_ID.fullmatch(task_id):
                return self._envelope(10002, ctx, None, 200)
            task = ctx.store.get(task_id)
            if task is None:
                return self._envelope(12302, ctx, None, 200)
            data = self.task_bytes(task, "task", ctx)
            return Response(
                200, b'{"code":0,"message":"%s","data":%s}' % (_OK_MESSAGE.encode(), data)
            )
        numbers = []
        for name, default, top in (("page", 1, 9007199254740991), ("pageSize", 10, 1000)):
            text = request.arg(name)
            try:
                value = int(text) if text not in (None, "") else default
            except ValueError:
                value = 0
            if not 1 <= value <= top:
                return self._envelope(10002, ctx, None, 200)
            numbers.append(value)
        page, size = numbers
        store = ctx.store
        total = len(store)

        def render() -> tuple[bytes, list[TaskRecord]]:
            pages = -(-total // size)
            offset = (page - 1) * size
            chunk = store.page(0, total, offset, size) if offset < total else []
            items = b",".join(self.task_bytes(t, "task", ctx) for t in chunk)
            head = b'{"code":0,"message":"%s","data":{"page":%d,"pageSize":%d,"totalPages":%d,' % (
                _OK_MESSAGE.encode(),
                page,
                size,
                pages,
            )
            return head + b'"total":%d,"list":[%s]}}' % (total, items), chunk

        # The same page again (the store unchanged) is served from the store's cache.
        return Response(200, self.list_body(ctx, (page, size, total), render))

    def _create(self, request: Request, ctx: Ctx) -> Response:
        """``POST /api/ai/video/generations`` -> ``{code: 0, data: {id, status}}``.

        A missing model or prompt is the envelope's 10002 (validation failed), as the server's
        DTO validation answers it (yikart/AiToEarn libs/aitoearn-ai-shared/src/dtos/video.dto.ts).
        The platform documents no callback: a ``callback_url`` in the body is ignored.
        """
        body = request.json
        if not isinstance(body, dict):
            return self._envelope(10002, ctx, None, 200)
        model, prompt = body.get("model"), body.get("prompt")
        for value in (model, prompt):
            if not isinstance(value, str) or not value.strip():
                return self._envelope(10002, ctx, None, 200)
        attrs: dict[str, Any] = {}
        for name, key in (
            ("duration", "duration"),
            ("ratio", "ratio"),
            ("resolution", "resolution"),
        ):
            if body.get(name) is not None:
                attrs[key] = body[name]
        assert ctx.create is not None  # set for every request
        task = ctx.create(model=model, prompt=prompt, attrs=attrs)
        data = {"id": task.id, "status": task.phases[task.phase_index(ctx.now)].raw}
        return json_response(200, {"code": 0, "message": _OK_MESSAGE, "data": data})

    def render(self, task: TaskRecord, view: str, index: int, ctx: Ctx) -> dict[str, Any]:
        """Render the task object (ISO-8601 times with milliseconds and ``Z``)."""
        phase = task.phases[index]
        _, _, finished = phase_times(task, index)
        attrs = task.attrs
        obj: dict[str, Any] = {
            "id": task.id,
            "model": task.model,
            "status": phase.raw,
            "input": {
                "prompt": task.prompt or "",
                "duration": attrs.get("duration") or 8,
                "aspectRatio": attrs.get("ratio") or "16:9",
                "resolution": attrs.get("resolution") or "720p",
            },
            "submittedAt": iso_js(task.created),
            # The server sets startedAt when the task is submitted, whatever happens after
            # (yikart/AiToEarn video.service.ts).
            "startedAt": iso_js(task.created),
        }
        if phase.status == "succeeded":
            obj["videoUrl"] = self.file_url(ctx, task, ".mp4")
            obj["coverUrl"] = self.file_url(ctx, task, ".jpg")
        if phase.status in ("failed", "cancelled", "expired"):
            error = self.error_for(task, phase.status) or {}
            obj["error"] = {"message": str(error.get("message", ""))}
        if finished is not None:
            obj["finishedAt"] = iso_js(finished)
        obj.update(attrs.get("extra") or {})
        return obj
