"""Volcengine Ark content-generation tasks (Seedance), upstream (``ark``) and reseller (``volc``)."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from vtasks.testing._http import Request, Response, json_response
from vtasks.testing._tasks import Phase, TaskRecord

from ._base import Ctx, Vendor, credential, filtered_page, phase_times, scramble

__all__ = ["QUEUE_LIMIT", "ArkVendor", "VolcVendor"]

_LOWER = "0123456789abcdefghijklmnopqrstuvwxyz"

# HTTP status -> (error.code, error.type), as Ark sends them.
_ERRORS: dict[int, tuple[str, str]] = {
    400: ("InvalidParameter", "BadRequest"),
    401: ("AuthenticationError", "Unauthorized"),
    403: ("AccessDenied", "Forbidden"),
    404: ("ResourceNotFound", "NotFound"),
    429: ("RateLimitExceeded.EndpointRPMExceeded", "TooManyRequests"),
    500: ("InternalServiceError", "InternalServerError"),
    502: ("BadGateway", "BadGateway"),
    503: ("ServiceUnavailable", "ServiceUnavailable"),
}

_SIZES = {"480p": (864, 480), "720p": (1280, 720), "1080p": (1920, 1080)}

QUEUE_LIMIT = 120
"""Queued tasks an account may have; a create beyond it is refused (docs.byteplus.com/ja/docs/
ModelArk/1520757). The refusal's shape is not documented: the simulator answers 429
``QueuedTaskLimitExceeded`` (its own choice)."""

# Body field -> (text command, type): the create's parameters, as fields or as the older
# "--rs 720p --rt 16:9 --dur 5 --seed 11" commands after the prompt (volcengine.com/docs/82379/
# 1520757); a field wins over a command.
_PARAMETERS: tuple[tuple[str, str, Callable[[Any], Any]], ...] = (
    ("resolution", "rs", str),
    ("ratio", "rt", str),
    ("duration", "dur", int),
    ("seed", "seed", int),
    ("fps", "fps", int),
)
_COMMANDS = {"resolution": "rs", "ratio": "rt", "duration": "dur", "framespersecond": "fps"}


def _split_commands(text: str) -> tuple[str, dict[str, str]]:
    """Split ``"a cat --rs 720p --dur 5"`` into the prompt and ``{"rs": "720p", "dur": "5"}``."""
    words = text.split(" ")
    prompt: list[str] = []
    commands: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("--") and len(word) > 2 and i + 1 < len(words):
            name = word[2:]
            commands[_COMMANDS.get(name, name)] = words[i + 1]
            i += 2
            continue
        prompt.append(word)
        i += 1
    return " ".join(prompt).strip(), commands


def _ark_error(error: dict[str, Any] | None) -> dict[str, Any] | None:
    if error is None:
        return None
    code = error.get("code")
    # A number stays a number: gateways send e.g. {"code": 400} (LnYo-Cly/ai4j SeedanceVideoServiceTest).
    if not isinstance(code, int) or isinstance(code, bool):
        code = str(code or "")
    return {"code": code, "message": str(error.get("message") or "")}


class ArkVendor(Vendor):
    """Ark's ``/api/v3/contents/generations/tasks`` list and get."""

    name: ClassVar[str] = "ark"
    endpoints: ClassVar[frozenset[str]] = frozenset({"get", "list", "download", "create", "cancel"})
    default_model: ClassVar[str] = "doubao-seedance-1-0-pro-250528"
    table: ClassVar[Mapping[str, str]] = {
        "queued": "queued",
        "running": "running",
        "succeeded": "succeeded",
        "failed": "failed",
        "cancelled": "cancelled",
        "expired": "expired",
    }
    # Ark's own values, and what gateways in front of it send instead (ctyun ``pending``,
    # notoken.pro ``processing``): a lifecycle may use either.
    known: ClassVar[Mapping[str, str]] = {v: k for k, v in table.items()} | {
        "pending": "queued",
        "processing": "running",
    }
    sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "succeeded": ("queued", "running", "succeeded"),
        "failed": ("queued", "running", "failed"),
        "cancelled": ("queued", "cancelled"),
        "expired": ("queued", "expired"),
    }
    quirks: ClassVar[Mapping[str, str]] = {
        "frames": "the task reports frames (duration x framespersecond) and no duration, as when "
        "frames were asked for at creation (Volcengine's query reference)",
        "newer_fields": "the fields newer models' tasks carry: generate_audio, draft, "
        "draft_task_id, priority, safety_identifier and, once succeeded, content.audio_url",
        "page_echo": "list answers echo page_num and page_size beside total and items "
        "(BerriAI/litellm's Volcengine video fixtures)",
    }
    listing_quirks: ClassVar[frozenset[str]] = frozenset({"page_echo"})
    # Every change but a cancellation (the caller's own act) is pushed, the task object as the
    # query returns it, unsigned; succeeded / failed again three times when not acknowledged
    # within 5 s (volcengine.com/docs/82379/1520757, callback_url).
    callback_statuses: ClassVar[Mapping[str, str]] = {
        raw: raw for raw in ("queued", "running", "succeeded", "failed", "expired")
    }
    callback_retried: ClassVar[frozenset[str]] = frozenset({"succeeded", "failed"})

    # ---- identity ------------------------------------------------------------------------------

    def new_id(self, n: int, created: float, model: str, salt: int) -> str:
        """Return an id like ``cgt-20250612143512-4k2xq``."""
        stamp = datetime.fromtimestamp(created, tz=UTC).strftime("%Y%m%d%H%M%S")
        return f"cgt-{stamp}-{scramble(n, 5, _LOWER, salt)}"

    def extra_attrs(self, n: int, created: float, salt: int, rng: random.Random) -> dict[str, Any]:
        """Return the seed Ark reports for a task."""
        return {"seed": rng.randrange(2**31)}

    def default_error(self, status: str) -> dict[str, Any] | None:
        """Return Ark's usual content-safety failure for a failed task."""
        if status == "failed":
            return {
                "code": "OutputVideoSensitiveContentDetected",
                "message": "The request failed because the output video may contain "
                "sensitive information.",
            }
        return None

    # ---- HTTP ----------------------------------------------------------------------------------

    def check_auth(self, headers: Mapping[str, str], key: str) -> bool:
        """Accept ``Authorization: Bearer KEY``."""
        return credential(headers, "Bearer") == key

    def _error(
        self, status: int, ctx: Ctx, message: str, *, code: str | None = None, param: str = ""
    ) -> Response:
        default_code, kind = _ERRORS.get(status, ("InternalServiceError", "InternalServerError"))
        text = f"{message} Request id: {ctx.request_id}" if ctx.request_id else message
        body = {
            "error": {"code": code or default_code, "message": text, "param": param, "type": kind}
        }
        return json_response(status, body)

    def unauthorized(self, ctx: Ctx) -> Response:
        """Answer 401 ``AuthenticationError``."""
        return self._error(401, ctx, "The API key in the request is missing or invalid.")

    def error_response(self, status: int, ctx: Ctx, message: str | None = None) -> Response:
        """Answer with Ark's ``{"error": {code, message, param, type}}`` body."""
        return self._error(status, ctx, message or f"The service returned HTTP {status}.")

    def business_error(
        self, code: int | str, ctx: Ctx, message: str | None = None, status: int = 200
    ) -> Response:
        """Answer with Ark's error body carrying ``code`` (Ark itself uses real HTTP codes)."""
        return self._error(status, ctx, message or f"Error {code}.", code=str(code))

    def handle(self, request: Request, ctx: Ctx) -> Response:
        """Serve ``get`` (one task), ``list``, ``create`` and ``cancel`` (the DELETE)."""
        if request.endpoint == "create":
            return self._create(request, ctx)
        if request.endpoint == "cancel":
            return self._cancel(request, ctx)
        if request.endpoint == "get":
            task = ctx.store.get(request.task_id or "")
            if task is None:
                return self._error(
                    404, ctx, f"The specified task {request.task_id} is not found.", param="id"
                )
            return Response(200, self.task_bytes(task, "task", ctx))
        return self._list(request, ctx)

    def _create(self, request: Request, ctx: Ctx) -> Response:
        """``POST .../tasks`` -> ``{"id"}``: a new task on the simulator's create lifecycle."""
        body = request.json
        if not isinstance(body, dict):
            return self._error(400, ctx, "The request body must be a JSON object.")
        model = body.get("model")
        if not isinstance(model, str) or not model.strip():
            return self._bad(ctx, "model", "it is required")
        content = body.get("content")
        if not isinstance(content, list) or not content:
            return self._bad(ctx, "content", "it must be a non-empty array")
        texts = [
            str(item.get("text") or "")
            for item in content
            if isinstance(item, dict) and item.get("type") == "text"
        ]
        prompt, commands = _split_commands(" ".join(t for t in texts if t))
        attrs: dict[str, Any] = {}
        for name, command, kind in _PARAMETERS:
            value = body.get(name, commands.get(command))
            if value is None:
                continue
            try:
                attrs[name] = kind(value)
            except (TypeError, ValueError):
                return self._bad(ctx, name, f"{value!r} is not a valid value")
        if body.get("return_last_frame") is False:
            attrs["return_last_frame"] = False
        queued = sum(
            1 for t in ctx.store.all_tasks() if t.phases[t.phase_index(ctx.now)].status == "queued"
        )
        if queued >= QUEUE_LIMIT:
            # Ark documents the limit (120 queued tasks per account) but not the error: this
            # code is the simulator's own.
            return self._error(
                429,
                ctx,
                f"The account already has {QUEUE_LIMIT} queued tasks.",
                code="QueuedTaskLimitExceeded",
            )
        assert ctx.create is not None  # set for every request
        try:
            task = ctx.create(
                model=model,
                prompt=prompt or None,
                attrs=attrs,
                callback_url=body.get("callback_url"),
            )
        except ValueError as exc:
            return self._bad(ctx, "callback_url", str(exc))
        return json_response(200, {"id": task.id})

    def _cancel(self, request: Request, ctx: Ctx) -> Response:
        """``DELETE .../tasks/{id}``: cancel a queued task, delete a finished one, else 400."""
        task_id = request.task_id or ""
        task = ctx.store.get(task_id)
        if task is None:
            return self._error(404, ctx, f"The specified task {task_id} is not found.", param="id")
        index = task.phase_index(ctx.now)
        status = task.phases[index].status
        if status == "queued":
            kept = task.phases[: index + 1]
            task.set_phases((*kept, Phase(max(ctx.now, kept[-1].start), "cancelled", "cancelled")))
        elif status in ("succeeded", "failed", "expired"):
            ctx.store.remove(task_id)
        else:
            # Running and cancelled tasks cannot be deleted (volcengine.com/docs/82379/1521720);
            # the error code Ark sends for it is unconfirmed.
            return self._error(
                400,
                ctx,
                f"The task {task_id} is {task.phases[index].raw} and can be neither cancelled "
                "nor deleted.",
                param="id",
            )
        return json_response(200, {})

    def _bad(self, ctx: Ctx, param: str, why: str) -> Response:
        return self._error(
            400,
            ctx,
            f"The parameter `{param}` specified in the request is not valid: {why}.",
            param=param,
        )

    def _list(self, request: Request, ctx: Ctx) -> Response:
        numbers: dict[str, int] = {}
        for name in ("page_num", "page_size"):
            raw = request.arg(name)
            if raw is None:
                numbers[name] = 1 if name == "page_num" else 10
                continue
            try:
                value = int(raw)
            except ValueError:
                value = 0
            if not 1 <= value <= 500:
                return self._error(
                    400,
                    ctx,
                    f"The parameter `{name}` specified in the request is not valid: "
                    "it must be an integer between 1 and 500.",
                    param=name,
                )
            numbers[name] = value
        status = request.arg("filter.status")
        if status is not None and status not in self.table.values():  # Ark's own values only
            return self._error(
                400,
                ctx,
                "The parameter `filter.status` specified in the request is not valid.",
                param="filter.status",
            )
        model = request.arg("filter.model")
        ids = request.args("filter.task_ids")
        limit = numbers["page_size"]
        offset = (numbers["page_num"] - 1) * limit
        since = ctx.now - ctx.list_window if ctx.list_window is not None else None
        store = ctx.store
        now = ctx.now

        def keep(task: TaskRecord) -> bool:
            if status is not None and task.phases[task.phase_index(now)].raw != status:
                return False
            return model is None or task.model == model

        lo, hi = store.lower(since), store.upper(None)
        if ids:
            chosen = {t.key: t for i in ids if (t := store.get(i)) is not None}
            matches = [
                t
                for _, t in sorted(chosen.items(), reverse=True)
                if (since is None or t.created >= since) and keep(t)
            ]
            total, page = len(matches), matches[offset : offset + limit]
        elif status is not None or model is not None:
            total, page, _ = filtered_page(store, lo, hi, offset, limit, keep)
        else:  # unfiltered: the same page again is served from the store's cache

            def render() -> tuple[bytes, list[TaskRecord]]:
                total, page, _ = filtered_page(store, lo, hi, offset, limit, None)
                return self._page(ctx, numbers["page_num"], limit, total, page), page

            key = (numbers["page_num"], limit, lo, hi)
            return Response(200, self.list_body(ctx, key, render))
        return Response(200, self._page(ctx, numbers["page_num"], limit, total, page))

    def _page(self, ctx: Ctx, number: int, limit: int, total: int, page: list[TaskRecord]) -> bytes:
        """The body of a list answer: ``{total, items}`` (and the page echoed, as a quirk)."""
        items = b",".join(self.task_bytes(t, "task", ctx) for t in page)
        echo = b""
        if self.quirk(None, ctx, "page_echo"):
            echo = b',"page_num":%d,"page_size":%d' % (number, limit)
        return b'{"total":%d,"items":[%s]%s}' % (total, items, echo)

    # ---- rendering -----------------------------------------------------------------------------

    def render(self, task: TaskRecord, view: str, index: int, ctx: Ctx) -> dict[str, Any]:
        """Render Ark's task object."""
        phase = task.phases[index]
        updated, _, _ = phase_times(task, index)
        attrs = task.attrs
        resolution = attrs.get("resolution") or "720p"
        width, height = _SIZES.get(resolution, (1280, 720))
        fps = attrs.get("fps") or 24
        duration = attrs.get("duration") or 5
        succeeded = phase.status == "succeeded"
        tokens = width * height * fps * duration // 1024 if succeeded else 0
        obj: dict[str, Any] = {
            "id": task.id,
            "model": task.model,
            "status": phase.raw,
            "error": _ark_error(self.error_for(task, phase.status))
            if phase.status == "failed"
            else None,
        }
        if succeeded:
            content = {"video_url": self.file_url(ctx, task, ".mp4")}
            if attrs.get("return_last_frame", True):
                content["last_frame_url"] = self.file_url(ctx, task, ".jpg")
            if self.quirk(task, ctx, "newer_fields"):
                content["audio_url"] = self.file_url(ctx, task, ".mp3")
            obj["content"] = content
        obj["usage"] = {"completion_tokens": tokens, "total_tokens": tokens}
        obj["created_at"] = int(task.created)
        obj["updated_at"] = int(updated)
        obj["seed"] = attrs.get("seed", 0)
        obj["resolution"] = resolution
        obj["ratio"] = attrs.get("ratio") or "16:9"
        if self.quirk(task, ctx, "frames"):
            obj["frames"] = duration * fps  # only one of duration and frames is returned
        else:
            obj["duration"] = duration
        obj["framespersecond"] = fps
        obj["service_tier"] = "default"
        obj["execution_expires_after"] = 172800
        if self.quirk(task, ctx, "newer_fields"):
            obj["generate_audio"] = True
            obj["draft"] = False
            # The draft this final video was made from (a draft's own task has draft: true).
            obj["draft_task_id"] = task.id[:-5] + task.id[-5:][::-1]
            obj["priority"] = 0
            obj["safety_identifier"] = "user-0001"
        obj.update(attrs.get("extra") or {})
        return obj


class VolcVendor(ArkVendor):
    """The reseller's copy of Ark under ``/volc/v1/contents/generations/tasks``."""

    name: ClassVar[str] = "volc"
