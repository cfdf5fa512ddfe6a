"""Vidu enterprise API: ``GET /ent/v2/tasks`` (list) and ``GET /ent/v2/tasks/{id}/creations``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import random
from collections.abc import Callable, Iterable, Mapping
from typing import Any, ClassVar
from urllib.parse import urlsplit

from vtasks.testing._http import Request, Response, dumps, json_response
from vtasks.testing._tasks import Phase, TaskRecord
from vtasks.testing._timefmt import http_date, iso_go, parse_rfc3339

from ._base import Ctx, Vendor, credential, scramble

__all__ = ["ViduVendor", "decode_token", "encode_token"]

_DIGITS = "0123456789"

# HTTP status -> reason (the Kratos-style body {code, reason, message, metadata} is unconfirmed).
_REASONS: dict[int, str] = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "TaskNotFound",
    409: "Conflict",
    429: "TooManyRequests",
    499: "Canceled",
    500: "InternalServiceFailure",
    502: "BadGateway",
    503: "ServiceUnavailable",
}

_SIZES = {"360p": (640, 360), "540p": (960, 540), "720p": (1280, 720), "1080p": (1920, 1080)}

IMAGE_COUNTS: dict[str, tuple[int, int]] = {
    "text2video": (0, 0),
    "img2video": (1, 1),
    "start-end2video": (2, 2),
    "reference2video": (1, 7),
}
"""Create kind -> (fewest, most) images it takes (platform.vidu.com/docs, one page per kind)."""

CANCELLABLE = frozenset({"created", "queueing"})
"""The raw states a cancel is accepted in (platform.vidu.com/docs/cancel-generation)."""

# Body field -> (task attribute, type) kept from a create and echoed in its answers.
_CREATE_FIELDS: tuple[tuple[str, str, Any], ...] = (
    ("duration", "duration", int),
    ("seed", "seed", int),
    ("aspect_ratio", "ratio", str),
    ("resolution", "resolution", str),
    ("movement_amplitude", "movement_amplitude", str),
    ("payload", "payload", str),
    ("off_peak", "off_peak", bool),
    ("bgm", "bgm", bool),
)

ERR_CODES = {"cancelled": "UserCancelled", "expired": "TaskExpired"}
"""``err_code`` for tasks the simulator marks cancelled / expired (``TaskExpired`` is invented)."""


def encode_token(key: tuple[float, int]) -> str:
    """Encode a keyset position (creation time, insertion order) as an opaque page token."""
    raw = f"{key[0]!r}|{key[1]}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> tuple[float, int]:
    """Decode :func:`encode_token`'s output.

    Raises:
        ValueError: If ``token`` was not made by :func:`encode_token`.
    """
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        created, seq = raw.split("|")
        return float(created), int(seq)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValueError("invalid page token") from exc


class ViduVendor(Vendor):
    """Vidu's task list (page number or page token) and per-task creations."""

    name: ClassVar[str] = "vidu"
    endpoints: ClassVar[frozenset[str]] = frozenset({"get", "list", "download", "create", "cancel"})
    status_key: ClassVar[str] = "state"
    default_model: ClassVar[str] = "viduq1"
    table: ClassVar[Mapping[str, str]] = {
        "queued": "queueing",
        "running": "processing",
        "succeeded": "success",
        "failed": "failed",
        "cancelled": "failed",
        "expired": "failed",
    }
    known: ClassVar[Mapping[str, str]] = {
        "created": "queued",
        "queueing": "queued",
        "processing": "running",
        "success": "succeeded",
        "failed": "failed",
    }
    sequences: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "succeeded": ("created", "queueing", "processing", "success"),
        "failed": ("created", "queueing", "processing", "failed"),
        "cancelled": ("created", "queueing", "cancelled"),
        "expired": ("created", "queueing", "expired"),
    }
    # The creations answer's shape, signed (callback_headers); success / failed retried three
    # times (platform.vidu.com/docs/text-to-video, callback_url).
    callback_statuses: ClassVar[Mapping[str, str]] = {
        raw: raw for raw in ("processing", "success", "failed")
    }
    callback_retried: ClassVar[frozenset[str]] = frozenset({"success", "failed"})
    callback_view: ClassVar[str] = "creations"

    def new_id(self, n: int, created: float, model: str, salt: int) -> str:
        """Return a numeric id like ``850452339872035812``."""
        return "8" + scramble(n, 17, _DIGITS, salt)

    def extra_attrs(self, n: int, created: float, salt: int, rng: random.Random) -> dict[str, Any]:
        """Give every task a creation id and a credit cost."""
        return {"creation_id": "9" + scramble(n, 17, _DIGITS, salt ^ 0x3C3C3C), "credits": 20}

    def default_error(self, status: str) -> dict[str, Any] | None:
        """Return the ``err_code`` of a failed task when none was given."""
        if status == "failed":
            return {"code": "CreationPolicyViolation", "message": "creation policy violation"}
        return None

    def callback_headers(
        self, *, url: str, key: str, now: float, nonce: str
    ) -> list[tuple[str, str]]:
        """Sign a push as platform.vidu.com/docs/callback-signature describes.

        ``base64(HMAC-SHA256(key, signingString))`` over the method, the callback URL's path
        (``/`` when empty) and query as written, ``vidu``, the ``Date`` and each signed header as
        ``Key:value``, every line ending in a newline. Written from the page, apart from the
        parser in ``vtasks.callbacks``, so that the tests check one against the other.
        """
        parts = urlsplit(url)
        date = http_date(now)
        signed = (("Date", date), ("x-request-nonce", nonce))
        text = "\n".join(("POST", parts.path or "/", parts.query, "vidu", date)) + "\n"
        text += "".join(f"{name}:{value}\n" for name, value in signed)
        digest = hmac.new(key.encode(), text.encode(), hashlib.sha256).digest()
        return [
            *signed,
            ("X-HMAC-SIGNED-HEADERS", ";".join(name for name, _ in signed)),
            ("X-HMAC-SIGNATURE", base64.b64encode(digest).decode()),
            ("X-HMAC-ALGORITHM", "hmac-sha256"),
            ("X-HMAC-ACCESS-KEY", "vidu"),
        ]

    # ---- HTTP ----------------------------------------------------------------------------------

    def check_auth(self, headers: Mapping[str, str], key: str) -> bool:
        """Accept ``Authorization: Token KEY`` (not Bearer)."""
        return credential(headers, "Token") == key

    def _error(
        self, status: int, message: str, reason: str | None = None, trace_id: str = ""
    ) -> Response:
        body = {
            "code": status,
            "reason": reason or _REASONS.get(status, "InternalServiceFailure"),
            "message": message,
            "metadata": {"trace_id": trace_id} if trace_id else {},
        }
        return json_response(status, body)

    def unauthorized(self, ctx: Ctx) -> Response:
        """Answer 401 ``Unauthorized``."""
        return self._error(401, "invalid or missing api key")

    def error_response(self, status: int, ctx: Ctx, message: str | None = None) -> Response:
        """Answer with ``{code, reason, message, metadata}``."""
        return self._error(status, message or f"the service returned HTTP {status}")

    def business_error(
        self, code: int | str, ctx: Ctx, message: str | None = None, status: int = 200
    ) -> Response:
        """Answer with the error body; a string ``code`` is the reason, a number the body code."""
        if isinstance(code, int):
            body = {
                "code": code,
                "reason": _REASONS.get(code, "InternalServiceFailure"),
                "message": message or f"error {code}",
                "metadata": {},
            }
            return json_response(status, body)
        return self._error(status, message or code, reason=code)

    def handle(self, request: Request, ctx: Ctx) -> Response:
        """Serve the creates, the cancel, the list and the creations of one task."""
        if request.endpoint == "create":
            return self._create(request, ctx)
        if request.endpoint == "cancel":
            return self._cancel(request, ctx)
        if request.endpoint == "get":
            task = ctx.store.get(request.task_id or "")
            if task is None:
                return self._error(404, f"task {request.task_id} not found")
            return Response(200, self.task_bytes(task, "creations", ctx))
        return self._list(request, ctx)

    def _create(self, request: Request, ctx: Ctx) -> Response:
        """``POST /ent/v2/<kind>`` -> the created task (state ``created``, its parameters, credits)."""
        kind = request.rest
        body = request.json
        if not isinstance(body, dict):
            return self._bad(ctx, "request body must be a JSON object")
        model = body.get("model")
        if not isinstance(model, str) or not model.strip():
            return self._bad(ctx, "model is required")
        prompt = body.get("prompt")
        if prompt is not None and not isinstance(prompt, str):
            return self._bad(ctx, "prompt must be a string")
        images = body.get("images")
        if images is None:
            images = []
        if not isinstance(images, list) or not all(isinstance(i, str) for i in images):
            return self._bad(ctx, "images must be an array of strings")
        low, high = IMAGE_COUNTS[kind]
        if not low <= len(images) <= high:
            wanted = f"exactly {low}" if low == high else f"{low} to {high}"
            return self._bad(ctx, f"{kind} takes {wanted} images, not {len(images)}")
        if kind == "text2video" and not (prompt or "").strip():
            return self._bad(ctx, "prompt is required")
        attrs: dict[str, Any] = {"type": kind, "images": list(images)}
        for name, key, cast in _CREATE_FIELDS:
            value = body.get(name)
            if value is None:
                continue
            try:
                attrs[key] = cast(value)
            except (TypeError, ValueError):
                return self._bad(ctx, f"{name} is invalid: {value!r}")
        assert ctx.create is not None  # set for every request
        try:
            task = ctx.create(
                model=model, prompt=prompt, attrs=attrs, callback_url=body.get("callback_url")
            )
        except ValueError as exc:
            return self._bad(ctx, str(exc))
        if "seed" not in task.attrs:
            # Vidu picks a random seed when none is given and reports it.
            task.attrs["seed"] = int(task.id[-9:])
        phase = task.phases[task.phase_index(ctx.now)]
        return json_response(
            200,
            {
                "task_id": task.id,
                "state": phase.raw,
                "model": task.model,
                "prompt": task.prompt or "",
                "images": attrs["images"],
                "duration": task.attrs.get("duration") or 5,
                "seed": task.attrs["seed"],
                "aspect_ratio": task.attrs.get("ratio") or "16:9",
                "resolution": task.attrs.get("resolution") or "1080p",
                "movement_amplitude": task.attrs.get("movement_amplitude") or "auto",
                "payload": task.attrs.get("payload", ""),
                "off_peak": bool(task.attrs.get("off_peak", False)),
                "credits": task.attrs.get("credits", 20),
                "created_at": iso_go(task.created),
            },
        )

    def _cancel(self, request: Request, ctx: Ctx) -> Response:
        """``POST /ent/v2/tasks/{id}/cancel`` -> ``{}`` while created or queueing, else 400."""
        task_id = request.task_id or ""
        task = ctx.store.get(task_id)
        if task is None:
            return self._error(404, f"task {task_id} not found", trace_id=ctx.request_id)
        index = task.phase_index(ctx.now)
        raw = task.phases[index].raw
        if raw not in CANCELLABLE:
            # The message is Vidu's own (platform.vidu.com/docs/cancel-generation).
            return self._bad(ctx, f"task state is {raw}, can not cancel")
        kept = task.phases[: index + 1]
        # A cancelled task reads state failed, err_code UserCancelled (ERR_CODES).
        task.set_phases((*kept, Phase(max(ctx.now, kept[-1].start), "failed", "cancelled")))
        return json_response(200, {})

    def _bad(self, ctx: Ctx, message: str) -> Response:
        return self._error(400, message, "BadRequest", trace_id=ctx.request_id)

    def _list(self, request: Request, ctx: Ctx) -> Response:
        size_text = request.arg("pager.pagesz")
        page_text = request.arg("pager.page")
        try:
            size = int(size_text) if size_text not in (None, "") else 10
        except ValueError:
            return self._error(400, "pager.pagesz must be an integer", "FieldInvalid")
        if not 1 <= size <= 100:
            return self._error(400, f"page size {size} out of range [1, 100]", "PageSizeOutOfRange")
        try:
            page = int(page_text) if page_text not in (None, "") else 0
        except ValueError:
            page = -1
        if page < 0:
            return self._error(400, "pager.page must be an integer >= 0", "FieldInvalid")
        bounds: list[float | None] = []
        for name in ("created_at.from", "created_at.to"):
            text = request.arg(name)
            if not text:
                bounds.append(None)
                continue
            try:
                bounds.append(parse_rfc3339(text))
            except ValueError:
                return self._error(400, f"{name} must be an RFC 3339 time", "FieldInvalid")
        since, until = bounds
        if since is None and ctx.list_window is not None:
            since = ctx.now - ctx.list_window
        store = ctx.store
        lo, hi = store.lower(since), store.upper(until)
        offset = page * size
        token = request.arg("pager.page_token")
        if token:
            try:
                hi = min(hi, store.position(decode_token(token)))
            except ValueError:
                return self._error(400, "invalid pager.page_token", "FieldInvalid")
            offset = 0
        keep = self._filter(request, ctx)
        ids = request.args("task_ids")
        candidates: Iterable[TaskRecord]
        if ids:
            chosen = {t.key: t for i in ids if (t := store.get(i)) is not None}
            candidates = [
                t
                for k, t in sorted(chosen.items(), reverse=True)
                if store.position(k) in range(lo, hi)
            ]
        elif keep is None:
            candidates = store.page(lo, hi, offset, size + 1)
            offset = 0
        else:
            candidates = store.newest(lo, hi)
        chunk: list[TaskRecord] = []
        skipped = 0
        for task in candidates:
            if keep is not None and not keep(task):
                continue
            if skipped < offset:
                skipped += 1
                continue
            chunk.append(task)
            if len(chunk) > size:
                break
        more = len(chunk) > size
        chunk = chunk[:size]
        next_token = encode_token(chunk[-1].key) if more and chunk else ""
        items = b",".join(self.task_bytes(t, "list", ctx) for t in chunk)
        return Response(200, b'{"next_page_token":%s,"tasks":[%s]}' % (dumps(next_token), items))

    def _filter(self, request: Request, ctx: Ctx) -> Callable[[TaskRecord], bool] | None:
        templates = set(request.args("templates"))
        versions = set(request.args("model_versions"))
        resolutions = set(request.args("resolutions"))
        states = set(request.args("states"))
        if not (templates or versions or resolutions or states):
            return None
        now = ctx.now

        def keep(task: TaskRecord) -> bool:
            if templates and task.attrs.get("template") not in templates:
                return False
            if (
                versions
                and task.model not in versions
                and task.model.removeprefix("vidu") not in versions
            ):
                return False
            if resolutions and (task.attrs.get("resolution") or "1080p") not in resolutions:
                return False
            return not states or task.phases[task.phase_index(now)].raw in states

        return keep

    # ---- rendering -----------------------------------------------------------------------------

    def render(self, task: TaskRecord, view: str, index: int, ctx: Ctx) -> dict[str, Any]:
        """Render a list entry (view ``list``) or the creations answer (view ``creations``)."""
        phase = task.phases[index]
        attrs = task.attrs
        err_code = ERR_CODES.get(phase.status, "")
        if phase.status == "failed":
            err_code = str((self.error_for(task, "failed") or {}).get("code", ""))
        creations: list[dict[str, Any]] = []
        resolution = attrs.get("resolution") or "1080p"
        if phase.status == "succeeded":
            creation: dict[str, Any] = {
                "id": attrs["creation_id"],
                "url": self.file_url(ctx, task, ".mp4"),
                "cover_url": self.file_url(ctx, task, ".jpg"),
                "watermarked_url": self.file_url(ctx, task, "-wm.mp4"),
            }
            if view == "list":
                width, height = _SIZES.get(resolution, (1920, 1080))
                creation["moderation_url"] = []
                creation["video"] = {
                    "duration": float(attrs.get("duration") or 5),
                    "fps": attrs.get("fps") or 24,
                    "resolution": {
                        "width": attrs.get("width") or width,
                        "height": attrs.get("height") or height,
                    },
                }
            creations.append(creation)
        credits = attrs.get("credits", 20) if phase.status == "succeeded" else 0
        if view == "creations":
            obj: dict[str, Any] = {
                "id": task.id,
                "state": phase.raw,
                "err_code": err_code,
                "credits": credits,
                "payload": attrs.get("payload", ""),
                "bgm": bool(attrs.get("bgm", False)),
                "off_peak": bool(attrs.get("off_peak", False)),
                "creations": creations,
            }
        else:
            template = attrs.get("template")
            kind = attrs.get("type", "text2video")
            obj = {"id": task.id, "type": "template" if template else kind}
            if template:
                obj["template"] = template
            obj.update(
                {
                    "model": task.model,
                    "prompt": task.prompt or "",
                    "images": list(attrs.get("images", ())),
                    "duration": attrs.get("duration") or 5,
                    "resolution": resolution,
                    "aspect_ratio": attrs.get("ratio") or "16:9",
                    "state": phase.raw,
                    "creations": creations,
                    "created_at": iso_go(task.created),
                    "credits": credits,
                    "err_code": err_code,
                }
            )
        obj.update(attrs.get("extra") or {})
        return obj
