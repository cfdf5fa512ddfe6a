"""The reseller's "unified video format" query for Google Veo (``GET /v1/video/query``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from vtasks.testing._http import Request, Response, json_response
from vtasks.testing._tasks import TaskRecord

from ._base import Ctx, Vendor, credential, phase_times, scramble

__all__ = ["VeoVendor"]

_ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# HTTP status -> error.code. The reseller's error body is undocumented: this shape is a guess.
_CODES: dict[int, str] = {
    400: "invalid_request",
    401: "unauthorized",
    403: "forbidden",
    404: "task_not_found",
    429: "rate_limit_exceeded",
    500: "internal_error",
    502: "bad_gateway",
    503: "service_unavailable",
}


# Normalized status -> the progress a reseller reports (a string while queued, as some send it).
_PROGRESS: dict[str, int | str] = {"queued": "0", "running": 50, "succeeded": 100}


class VeoVendor(Vendor):
    """``GET /v1/video/query?id=ID`` with Bearer auth; no list endpoint."""

    name: ClassVar[str] = "veo"
    endpoints: ClassVar[frozenset[str]] = frozenset({"get", "download", "create"})
    default_model: ClassVar[str] = "veo3.1-fast"
    table: ClassVar[Mapping[str, str]] = {
        "queued": "pending",
        "running": "processing",
        "succeeded": "completed",
        "failed": "failed",
        "cancelled": "failed",
        "expired": "failed",
    }
    known: ClassVar[Mapping[str, str]] = {
        "pending": "queued",
        "processing": "running",
        "completed": "succeeded",
        "failed": "failed",
        "error": "failed",
        "image_downloading": "running",
        "video_generating": "running",
        "video_generation_completed": "running",
        "video_generation_failed": "failed",
        "video_upsampling": "running",
        "video_upsampling_completed": "running",
        "video_upsampling_failed": "failed",
        # yunwu's table (shellus/mj-studio docs/api/video-unified-api.md) and one reseller's.
        "success": "succeeded",
        "unknown": "unknown",
    }
    sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "succeeded": ("pending", "processing", "completed"),
        "failed": ("pending", "processing", "failed"),
        "cancelled": ("pending", "cancelled"),
        "expired": ("pending", "processing", "expired"),
    }
    detailed_sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "succeeded": (
            "pending",
            "image_downloading",
            "video_generating",
            "video_generation_completed",
            "video_upsampling",
            "video_upsampling_completed",
            "completed",
        ),
        "failed": ("pending", "image_downloading", "video_generating", "video_generation_failed"),
        "cancelled": ("pending", "cancelled"),
        "expired": ("pending", "video_generating", "expired"),
    }

    quirks: ClassVar[Mapping[str, str]] = {
        "progress": 'the task reports progress: the string "0" while queued, 50 while running, '
        "100 once succeeded, 0 when it failed (docs.octopusx.ai unified-query pages)",
        "detail": "the task carries detail, the upstream's payload, with an old "
        "video_generation_error / error_message even once completed",
    }

    def new_id(self, n: int, created: float, model: str, salt: int) -> str:
        """Return an id like ``veo3.1-fast:1760545785-euexscdeL8``."""
        return f"{model}:{int(created)}-{scramble(n, 10, _ALNUM, salt)}"

    def check_auth(self, headers: Mapping[str, str], key: str) -> bool:
        """Accept ``Authorization: Bearer KEY``."""
        return credential(headers, "Bearer") == key

    def _error(self, status: int, message: str, code: str | None = None) -> Response:
        body = {"error": {"code": code or _CODES.get(status, "upstream_error"), "message": message}}
        return json_response(status, body)

    def unauthorized(self, ctx: Ctx) -> Response:
        """Answer 401 with ``{"error": {"code": "unauthorized", ...}}`` (shape guessed)."""
        return self._error(401, "Invalid or missing API key.")

    def error_response(self, status: int, ctx: Ctx, message: str | None = None) -> Response:
        """Answer with ``{"error": {code, message}}``."""
        return self._error(status, message or f"The service returned HTTP {status}.")

    def business_error(
        self, code: int | str, ctx: Ctx, message: str | None = None, status: int = 200
    ) -> Response:
        """Answer with ``{"error": {code, message}}`` under HTTP ``status``."""
        return self._error(status, message or f"Error {code}.", str(code))

    def handle(self, request: Request, ctx: Ctx) -> Response:
        """Serve the single-task query and the create."""
        if request.endpoint == "create":
            return self._create(request, ctx)
        task_id = request.arg("id")
        if not task_id:
            return self._error(400, "The query parameter `id` is required.")
        task = ctx.store.get(task_id)
        if task is None:
            return self._error(404, f"Task {task_id} not found.")
        return Response(200, self.task_bytes(task, "task", ctx))

    def _create(self, request: Request, ctx: Ctx) -> Response:
        """``POST /v1/video/create`` -> ``{id, status, status_update_time, enhanced_prompt}``.

        The format documents no callback: a ``callback_url`` in the body is ignored.
        """
        body = request.json
        if not isinstance(body, dict):
            return self._error(400, "The request body must be a JSON object.")
        for name in ("model", "prompt"):
            value = body.get(name)
            if not isinstance(value, str) or not value.strip():
                return self._error(400, f"The field `{name}` is required.")
        attrs: dict[str, Any] = {}
        if isinstance(body.get("images"), list):
            attrs["images"] = list(body["images"])
        if isinstance(body.get("aspect_ratio"), str):
            attrs["ratio"] = body["aspect_ratio"]
        assert ctx.create is not None  # set for every request
        task = ctx.create(model=body["model"], prompt=body["prompt"], attrs=attrs)
        phase = task.phases[task.phase_index(ctx.now)]
        created = {
            "id": task.id,
            "status": phase.raw,
            "status_update_time": int(phase.start * 1000),
            "enhanced_prompt": task.prompt,
        }
        return json_response(200, created)

    def render(self, task: TaskRecord, view: str, index: int, ctx: Ctx) -> dict[str, Any]:
        """Render ``{id, status, video_url, enhanced_prompt, status_update_time}``."""
        phase = task.phases[index]
        updated, _, _ = phase_times(task, index)
        done = phase.status == "succeeded"
        obj: dict[str, Any] = {
            "id": task.id,
            "status": phase.raw,
            "video_url": self.file_url(ctx, task, ".mp4") if done else None,
            "enhanced_prompt": task.prompt or "",
            "status_update_time": int(updated * 1000),
        }
        if self.quirk(task, ctx, "progress"):
            obj["progress"] = _PROGRESS.get(phase.status, 0)
        if self.quirk(task, ctx, "detail"):
            obj["detail"] = {
                "status": phase.raw,
                "video_generation_error": "upstream busy, retrying",
                "error_message": "upstream busy, retrying",
                "progress_percent": _PROGRESS.get(phase.status, 0),
            }
        if phase.status == "failed" and task.error is not None:
            obj["error"] = {k: v for k, v in task.error.items() if v is not None}
        obj.update(task.attrs.get("extra") or {})
        return obj
