"""MiniMax Hailuo: ``/v1/query/video_generation`` and ``/v1/files/retrieve`` (errors in base_resp)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any, ClassVar

from vtasks.testing._http import Request, Response, json_response
from vtasks.testing._media import VIDEO_MP4
from vtasks.testing._tasks import TaskRecord

from ._base import Ctx, Vendor, credential, phase_times, scramble

__all__ = ["MinimaxVendor"]

_DIGITS = "0123456789"

MESSAGES: dict[int, str] = {
    0: "success",
    1000: "unknown error",
    1001: "request timeout",
    1002: "rate limit exceeded(RPM)",
    1004: "login fail: Please carry the API secret key in the 'Authorization' field of the "
    "request header",
    1008: "insufficient balance",
    1013: "internal service error",
    1024: "internal error",
    1026: "input new_sensitive",
    1027: "output new_sensitive",
    1033: "system error",
    1039: "rate limit exceeded(TPM)",
    1041: "connection limit exceeded",
    2013: "invalid params",
    2049: "invalid api key",
}

_OK = {"status_code": 0, "status_msg": "success"}

DURATIONS = (6, 10)
"""The video lengths (seconds) MiniMax's create takes (platform.minimaxi.com video_generation)."""
_SIZES = {"512P": (910, 512), "768P": (1366, 768), "1080P": (1920, 1080)}


def _base_resp(code: int, message: str | None = None) -> dict[str, Any]:
    return {"status_code": code, "status_msg": message or MESSAGES.get(code, "error")}


class MinimaxVendor(Vendor):
    """Query a video task and retrieve its file; every answer is HTTP 200 with ``base_resp``."""

    name: ClassVar[str] = "minimax"
    endpoints: ClassVar[frozenset[str]] = frozenset({"get", "files", "download", "create"})
    default_model: ClassVar[str] = "MiniMax-Hailuo-02"
    table: ClassVar[Mapping[str, str]] = {
        "queued": "Queueing",
        "running": "Processing",
        "succeeded": "Success",
        "failed": "Fail",
        "cancelled": "Fail",
        "expired": "Fail",
    }
    known: ClassVar[Mapping[str, str]] = {
        "Preparing": "queued",
        "Queueing": "queued",
        "Processing": "running",
        "Success": "succeeded",
        "Fail": "failed",
        "Failed": "failed",  # a reseller's spelling (YeSongYun/dmxapi.doc)
    }
    sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "succeeded": ("Preparing", "Queueing", "Processing", "Success"),
        "failed": ("Preparing", "Queueing", "Processing", "Fail"),
        "cancelled": ("Preparing", "Queueing", "cancelled"),
        "expired": ("Preparing", "Queueing", "expired"),
    }
    # A challenge to echo within 3 s, then the query's shape with the statuses the callback
    # pages list, in lower case (platform.minimax.io/docs/api-reference/video-generation-t2v).
    # Retries are not documented: terminal pushes are retried as Ark and Vidu do, so that a
    # receiver is tested against duplicates.
    callback_statuses: ClassVar[Mapping[str, str]] = {
        "Processing": "processing",
        "Success": "success",
        "Fail": "failed",
    }
    callback_retried: ClassVar[frozenset[str]] = frozenset({"success", "failed"})
    callback_challenge_seconds: ClassVar[float | None] = 3.0

    quirks: ClassVar[Mapping[str, str]] = {
        "no_base_resp": "answers (query and file) carry no base_resp at all",
        "bare_base_resp": "base_resp carries status_code only, no status_msg",
        "backup_download_url": "the file carries backup_download_url: the same video on the "
        "second server (other_origin_url)",
        "zero_bytes": "the file says bytes: 0 (live captures)",
        "file_id_placeholder": "the file's file_id is \"${file_id}\" (MiniMax's own example)",
        "download_url_without_scheme": "download_url is host/path, without a scheme "
        "(MiniMax's own example)",
        "download_url_protocol_relative": "download_url is //host/path",
        "download_url_placeholder": 'download_url is "${download_url}": no URL at all',
    }

    def new_id(self, n: int, created: float, model: str, salt: int) -> str:
        """Return a numeric id like ``376843862716480``."""
        return "3" + scramble(n, 14, _DIGITS, salt)

    def extra_attrs(self, n: int, created: float, salt: int, rng: random.Random) -> dict[str, Any]:
        """Give every task a numeric result file id (string form, as the query sends it)."""
        return {"file_id": "4" + scramble(n, 14, _DIGITS, salt ^ 0x5A5A5A)}

    def check_auth(self, headers: Mapping[str, str], key: str) -> bool:
        """Accept ``Authorization: Bearer KEY``."""
        return credential(headers, "Bearer") == key

    def unauthorized(self, ctx: Ctx) -> Response:
        """Answer HTTP 200 with ``base_resp.status_code`` 1004."""
        return json_response(200, {"base_resp": _base_resp(1004)})

    def error_response(self, status: int, ctx: Ctx, message: str | None = None) -> Response:
        """Answer HTTP ``status`` with a ``base_resp`` error (1002 for 429, 1013 for 5xx)."""
        code = 1002 if status == 429 else 1013 if status >= 500 else 1000
        return json_response(status, {"base_resp": _base_resp(code, message)})

    def business_error(
        self, code: int | str, ctx: Ctx, message: str | None = None, status: int = 200
    ) -> Response:
        """Answer with ``base_resp {status_code: code}`` (e.g. 1002 rate limit)."""
        number = int(code)
        return json_response(status, {"base_resp": _base_resp(number, message)})

    def handle(self, request: Request, ctx: Ctx) -> Response:
        """Serve the create, the task query and the file retrieval."""
        if request.endpoint == "create":
            return self._create(request, ctx)
        if request.endpoint == "files":
            return self._file(request, ctx)
        task = ctx.store.get(request.arg("task_id") or "")
        if task is None:
            # Unconfirmed: what MiniMax sends for an unknown task id (2013 is its "invalid params").
            return json_response(
                200, {"task_id": request.arg("task_id") or "", "base_resp": _base_resp(2013)}
            )
        return Response(200, self.task_bytes(task, "task", ctx))

    def _create(self, request: Request, ctx: Ctx) -> Response:
        """``POST /v1/video_generation`` -> ``{task_id, base_resp}``; bad input is HTTP 200, 2013."""
        body = request.json
        if not isinstance(body, dict):
            return self._invalid("invalid params, request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model.strip():
            return self._invalid("invalid params, model is required")
        duration = body.get("duration")
        if duration is not None and (isinstance(duration, bool) or duration not in DURATIONS):
            return self._invalid(f"invalid params, duration {duration!r} is not one of 6, 10")
        attrs: dict[str, Any] = {}
        if duration is not None:
            attrs["duration"] = int(duration)
        if isinstance(body.get("resolution"), str):
            attrs["resolution"] = body["resolution"]
        prompt = body.get("prompt")
        assert ctx.create is not None  # set for every request
        try:
            task = ctx.create(
                model=model,
                prompt=prompt if isinstance(prompt, str) else None,
                attrs=attrs,
                callback_url=body.get("callback_url"),
            )
        except ValueError as exc:
            return self._invalid(f"invalid params, {exc}")
        return json_response(200, {"task_id": task.id, "base_resp": _OK})

    def _invalid(self, message: str) -> Response:
        return json_response(200, {"task_id": "", "base_resp": _base_resp(2013, message)})

    def _file(self, request: Request, ctx: Ctx) -> Response:
        file_id = request.arg("file_id") or ""
        task_id = ctx.store.files.get(file_id.strip())
        task = ctx.store.get(task_id) if task_id is not None else None
        if task is None or task.phases[task.phase_index(ctx.now)].status != "succeeded":
            return json_response(200, {"base_resp": _base_resp(2013)})
        return Response(200, self.task_bytes(task, "file", ctx))

    def render(self, task: TaskRecord, view: str, index: int, ctx: Ctx) -> dict[str, Any]:
        """Render the query answer (view ``task``) or the file object (view ``file``)."""
        phase = task.phases[index]
        file_id: str = task.attrs["file_id"]
        if view == "file":
            return self._with_base_resp(
                {"file": self._file_object(task, index, ctx)}, _OK, task, ctx
            )
        obj: dict[str, Any] = {"task_id": task.id, "status": phase.raw}
        if phase.status == "succeeded":
            width, height = _SIZES.get(task.attrs.get("resolution") or "1080P", (1920, 1080))
            obj["file_id"] = file_id
            obj["video_width"] = task.attrs.get("width") or width
            obj["video_height"] = task.attrs.get("height") or height
        base = _OK
        error = task.error
        if phase.status == "failed" and error is not None and str(error.get("code")).isdigit():
            base = _base_resp(int(error["code"]), error.get("message"))
        self._with_base_resp(obj, base, task, ctx)
        obj.update(task.attrs.get("extra") or {})
        return obj

    def _file_object(self, task: TaskRecord, index: int, ctx: Ctx) -> dict[str, Any]:
        """The files answer's ``file``, in the shape the task's quirks ask for."""
        _, _, finished = phase_times(task, index)
        url = self.file_url(ctx, task, ".mp4")
        if self.quirk(task, ctx, "download_url_without_scheme"):
            url = url.split("://", 1)[1]
        elif self.quirk(task, ctx, "download_url_protocol_relative"):
            url = "//" + url.split("://", 1)[1]
        elif self.quirk(task, ctx, "download_url_placeholder"):
            url = "${download_url}"
        file: dict[str, Any] = {
            "file_id": "${file_id}"
            if self.quirk(task, ctx, "file_id_placeholder")
            else int(task.attrs["file_id"]),
            "bytes": 0 if self.quirk(task, ctx, "zero_bytes") else len(VIDEO_MP4),
            "created_at": int(finished if finished is not None else task.created),
            "filename": "output.mp4",
            "purpose": "video_generation",
            "download_url": url,
        }
        if self.quirk(task, ctx, "backup_download_url"):
            backup = self.file_url(ctx, task, ".mp4").replace(ctx.base_url, ctx.other_url, 1)
            file["backup_download_url"] = backup
        return file

    def _with_base_resp(
        self, obj: dict[str, Any], base: dict[str, Any], task: TaskRecord, ctx: Ctx
    ) -> dict[str, Any]:
        """``obj`` with its ``base_resp``, in the shape the task's quirks ask for."""
        if self.quirk(task, ctx, "no_base_resp"):
            return obj
        if self.quirk(task, ctx, "bare_base_resp"):
            base = {"status_code": base["status_code"]}
        obj["base_resp"] = base
        return obj
