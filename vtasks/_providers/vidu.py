"""Vidu enterprise API: everything vtasks knows about the ``vidu`` provider, and its adapter.

Token-paged task list with server-side filters, and a per-task creations call. Auth is
``Authorization: Token KEY`` (not Bearer). A cancelled task reads ``state: failed`` with
``err_code: UserCancelled`` (the status override makes it ``cancelled``). Times are RFC 3339
strings. The list filters on ids, states and a creation window on the server.

Quirks: pages count from 0; an empty ``next_page_token`` ends a listing; the vendor's own page
prints the paging parameters as ``paper.*``, a typo (every other Vidu API uses ``pager.*``);
creation URLs are valid for 24 h (one version of the query page says one hour). China has its own
host, ``https://api.vidu.cn``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from .._exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ServerError,
    UnsupportedOperation,
    VTasksError,
)
from .._inputs import CreateSpec
from .._models import Task, TaskStatus, Usage, draft_task, seal
from .._status import normalize_status
from .._time import parse_iso8601
from ._base import (
    Adapter,
    Page,
    Request,
    as_float,
    as_int,
    as_text,
    check_image_sizes,
    create_request_from_generated,
    expect_id,
    expect_items,
    expect_object,
    given,
    json_excerpt,
    request_from_generated,
)
from ._facts import (
    AuthScheme,
    CallbackFacts,
    CodeRule,
    ProviderFacts,
    StatusOverride,
    StatusRow,
)

__all__ = ["FACTS", "ViduAdapter"]

_Q, _R, _S, _F = TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED, TaskStatus.FAILED

FACTS = ProviderFacts(
    name="vidu",
    title="Vidu",
    default_base_url="https://api.vidu.com",
    auth=AuthScheme("Authorization", "Token "),
    get_path="/ent/v2/tasks/{id}/creations",
    list_path="/ent/v2/tasks",
    create_path="/ent/v2/{text2video|img2video|start-end2video|reference2video}",
    cancel_path="/ent/v2/tasks/{id}/cancel",
    status_rows=(
        StatusRow("created", _Q),
        StatusRow("queueing", _Q),
        StatusRow("processing", _R),
        StatusRow("success", _S),
        StatusRow("failed", _F, "cancelled when err_code is UserCancelled"),
    ),
    # Vidu has no cancelled state: a cancelled task is ``failed`` with this error code.
    status_overrides=(StatusOverride(_F, "UserCancelled", TaskStatus.CANCELLED),),
    # Error names in ``reason`` / ``err_code``, with real HTTP statuses (the note gives each).
    # Vidu's error-code page: platform.vidu.com/docs/error-code (and platform.vidu.cn).
    code_rules=(
        CodeRule("BadRequest", InvalidRequestError, "400"),
        CodeRule("FieldInvalid", InvalidRequestError, "400"),
        CodeRule("FieldLacking", InvalidRequestError, "400; a field is missing or empty"),
        CodeRule("FieldUnwanted", InvalidRequestError, "400; a field that must not be sent"),
        CodeRule("FieldItemCountOutOfRange", InvalidRequestError, "400; too many or too few items"),
        CodeRule("PageSizeOutOfRange", InvalidRequestError, "400"),
        CodeRule(
            "ImageDownloadFailure", InvalidRequestError, "400; the input image URL did not download"
        ),
        # "operation in process, please retry later": transient, so retried after a back-off
        # like a throttle, though Vidu sends it as a 400.
        CodeRule("OperationInProcess", RateLimitError, "400; please retry later"),
        CodeRule(
            "TaskPromptPolicyViolation", InvalidRequestError, "400; the prompt: content policy"
        ),
        CodeRule("ImageFormatInvalid", InvalidRequestError, "400"),
        CodeRule(
            "AuditSubmitIllegal", InvalidRequestError, "400; the input failed the safety review"
        ),
        CodeRule(
            "ImageCheck",
            InvalidRequestError,
            "400; ImageCheck*: body or face detection failed on the input image",
            "prefix",
        ),
        CodeRule(
            "ImageObjectsUndetected", InvalidRequestError, "400; body or face in the image occluded"
        ),
        # 400 at Vidu, but a billing problem like MiniMax 1008 / Ark AccountOverdueError:
        # the same class across providers lets callers handle "top up your account" once.
        CodeRule("CreditInsufficient", PermissionDeniedError, "400; out of credits"),
        CodeRule("CreationPolicyViolation", InvalidRequestError, "400; content policy"),
        CodeRule("ModelUnavailable", InvalidRequestError, "400"),
        CodeRule(
            "UserCancelled", InvalidRequestError, "400; as a task err_code it means cancelled"
        ),
        CodeRule("Unauthorized", AuthenticationError, "401"),
        CodeRule("Forbidden", PermissionDeniedError, "403"),
        CodeRule("TaskNotFound", NotFoundError, "404"),
        CodeRule("CreationNotFound", NotFoundError, "404"),
        CodeRule("NotFound", NotFoundError, "404; any other resource"),
        CodeRule("Conflict", InvalidRequestError, "409"),
        CodeRule("QuotaExceeded", RateLimitError, "429"),
        CodeRule("TooManyRequests", RateLimitError, "429"),
        CodeRule("SystemThrottling", RateLimitError, "429"),
        CodeRule("Canceled", ServerError, "499; request cancelled on the server side"),
        CodeRule("InternalServiceFailure", ServerError, "500"),
    ),
    timestamps="RFC 3339 strings (created_at)",
    # pager.pagesz: default 10, at most 100; vtasks asks for the most (fewest round trips).
    max_page_size=100,
    default_page_size=100,
    first_page=0,
    numbered_pages=False,
    id_filter_max=100,
    server_time_filter=True,
    # The creations answer's shape on every change, signed with the API token (the body is not
    # covered); success / failed are retried three times.
    callback=CallbackFacts(
        verification="vidu-hmac", source="platform.vidu.com/docs/callback-signature"
    ),
)
"""What vtasks knows about Vidu."""


# Vidu's create pages (platform.vidu.com/docs/text-to-video, /docs/image-to-video; ZeoXel/SUNSTUDIO
# docs/vidu.md@93e3c2ae): images as URLs or base64, each under 50 MB; 1-7 references.
_MAX_PROMPT = 2000
_MAX_IMAGE_BYTES = 50 * 1024 * 1024
_MAX_REFERENCES = 7

# The create mode chosen by the inputs -> the curated operationId (one endpoint each).
CREATE_OPERATIONS = {
    "text2video": "create_text2video",
    "img2video": "create_img2video",
    "start-end2video": "create_start_end2video",
    "reference2video": "create_reference2video",
}


def create_mode(spec: CreateSpec) -> str:
    """The Vidu endpoint for ``spec``'s inputs: frames, references or text alone.

    Raises:
        ConfigurationError: A last frame without a first; no prompt where one is required.
        UnsupportedOperation: References together with frames.
    """
    if spec.last_frame is not None and spec.first_frame is None:
        raise ConfigurationError("vidu: a last frame needs a first frame")
    if spec.reference_images and spec.first_frame is not None:
        raise UnsupportedOperation(
            "Vidu cannot combine reference images with frames", provider="vidu", operation="create"
        )
    if spec.reference_images:
        mode = "reference2video"
    elif spec.last_frame is not None:
        mode = "start-end2video"
    elif spec.first_frame is not None:
        mode = "img2video"
    else:
        mode = "text2video"
    if mode in ("text2video", "reference2video") and spec.prompt is None:
        raise ConfigurationError(f"vidu: {mode} needs a prompt")
    return mode


class ViduAdapter(Adapter):
    """``GET /ent/v2/tasks`` and ``GET /ent/v2/tasks/{id}/creations``."""

    facts = FACTS

    def __init__(self) -> None:
        from vtasks_gen_vidu.api.tasks import (
            cancel_task,
            create_img2video,
            create_reference2video,
            create_start_end2video,
            create_text2video,
            get_task,
            list_tasks,
        )

        self._get = get_task
        self._list = list_tasks
        self._cancel = cancel_task
        self._create = {
            "text2video": create_text2video,
            "img2video": create_img2video,
            "start-end2video": create_start_end2video,
            "reference2video": create_reference2video,
        }

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
            tasks=self.deferred(items, self._task),
            next_token=as_text(page.get("next_page_token")),
        )

    #: ``state``; no spelling is a status alone (a failed task with a cancel code is cancelled).
    status_key = "state"

    def status_of(self, raw: dict[str, Any]) -> TaskStatus:
        """``state`` with ``err_code``, as :meth:`_task` reads them."""
        return normalize_status(
            self.name, as_text(raw.get("state")), error_code=as_text(raw.get("err_code"))
        )

    def _task(self, raw: dict[str, Any], into: Task | None = None) -> Task:
        raw_status = as_text(raw.get("state"))
        error_code = as_text(raw.get("err_code"))
        status = self.status_of(raw)
        creations = [c for c in raw.get("creations") or () if isinstance(c, dict)]
        urls = tuple(u for u in (as_text(c.get("url")) for c in creations) if u)
        first: dict[str, Any] = creations[0] if creations else {}
        video = _mapping(first.get("video"))
        size = _mapping(video.get("resolution"))
        # A draft, not Task(...): a listing's hot path (twenty keywords cost more than the rest).
        task = draft_task(self.name, expect_id(self.name, raw.get("id"), raw), status, raw, into)
        task.raw_status = raw_status
        task.model = as_text(raw.get("model"))
        task.prompt = as_text(raw.get("prompt"))
        task.video_url = urls[0] if urls else None
        task.video_urls = urls
        task.cover_url = as_text(first.get("cover_url"))
        task.created_at = parse_iso8601(raw.get("created_at"))
        task.error = error_code
        task.error_code = error_code
        task.width = as_int(size.get("width"))
        task.height = as_int(size.get("height"))
        task.duration = as_float(video.get("duration")) or as_float(raw.get("duration"))
        task.fps = as_float(video.get("fps"))
        task.usage = _credits(raw.get("credits"))
        return seal(task)

    def create_request(self, spec: CreateSpec) -> Request:
        """``POST /ent/v2/<mode>``, the mode chosen by the inputs (:func:`create_mode`).

        Raises:
            ConfigurationError: See :func:`create_mode`; more than 7 references, an image over
                50 MB, a prompt over 2000 characters, a fractional duration, a negative seed.
            UnsupportedOperation: References together with frames.
        """
        from vtasks_gen_vidu.models import ViduCreateRequest

        mode = create_mode(spec)
        if len(spec.reference_images) > _MAX_REFERENCES:
            raise ConfigurationError(
                f"vidu: {len(spec.reference_images)} reference images, over {_MAX_REFERENCES}"
            )
        check_image_sizes(self.name, spec, _MAX_IMAGE_BYTES)
        if spec.prompt is not None and len(spec.prompt) > _MAX_PROMPT:
            raise ConfigurationError(
                f"vidu: the prompt is {len(spec.prompt):,} characters, over {_MAX_PROMPT:,}"
            )
        if spec.duration is not None and spec.duration != int(spec.duration):
            raise ConfigurationError(f"vidu: duration must be whole seconds, not {spec.duration}")
        if spec.seed is not None and spec.seed < 0:
            raise ConfigurationError(f"vidu: seed must be 0 or more, not {spec.seed}")
        body = ViduCreateRequest(
            **given(
                model=spec.model,
                prompt=spec.prompt,
                images=[image.url for image in spec.images] or None,
                duration=int(spec.duration) if spec.duration is not None else None,
                seed=spec.seed,
                aspect_ratio=spec.aspect_ratio,
                resolution=spec.resolution,
                callback_url=spec.callback_url,
            )
        )
        return create_request_from_generated(self._create[mode]._get_kwargs(body=body), spec)

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        """The task object (``task_id``, ``state: created``, ``credits``), normalized like a read."""
        answer = expect_object(self.name, "create answer", payload)
        task_id = as_text(answer.get("task_id")) or as_text(answer.get("id"))
        if task_id is None:
            raise ResponseError(
                "the create answer has no task_id", provider=self.name, body=json_excerpt(payload)
            )
        task = self._task({**answer, "id": task_id})
        return attrs.evolve(
            task, model=task.model or spec.model, prompt=task.prompt or spec.prompt, raw=answer
        )

    def cancel_request(self, task_id: str) -> Request:
        """``POST /ent/v2/tasks/{id}/cancel`` with ``{"id": id}`` (the id travels twice)."""
        from vtasks_gen_vidu.models import ViduCancelRequest

        kwargs = self._cancel._get_kwargs(task_id, body=ViduCancelRequest(id=task_id))
        return request_from_generated("cancel", kwargs, (task_id,), idempotent=False)

    def cancel_refused(self, error: VTasksError) -> bool:
        """The 400 ``BadRequest`` "task state is ..., can not cancel": too late, not a failure."""
        message = (getattr(error, "message", None) or str(error)).lower()
        return isinstance(error, InvalidRequestError) and "can not cancel" in message

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """``{"code", "reason", "message", "metadata"}`` (unconfirmed); the reason names the error."""
        if not isinstance(payload, dict):
            return None, None
        code = as_text(payload.get("reason")) or as_text(payload.get("err_code"))
        return code or as_text(payload.get("code")), as_text(payload.get("message"))


def _credits(value: object) -> Usage | None:
    """Vidu's ``credits`` (charged at creation, reported on every read) as :class:`Usage`."""
    credits = as_float(value)
    return Usage(credits=credits) if credits is not None and credits >= 0 else None


def _mapping(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
