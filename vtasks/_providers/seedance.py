"""Volcengine Seedance tasks: the home of both ``ark`` (Volcengine's own endpoint) and ``volc``.

``volc`` is a reseller's pass-through copy of Ark: the same schema, status values and error codes
under another host and path prefix. So this one module holds the facts of both (:data:`ARK`,
:data:`VOLC`, sharing one status table and one error-code table) and one adapter class serves
both, over each provider's generated package. A change to the shared schema is made here once.

Timestamps are integer Unix seconds. Lists are page-numbered with a ``total``; ``filter.task_ids``
(repeated key) and ``filter.status`` (one value) filter on the server. Only the last 7 days can be
listed; result URLs are deleted after 24 h (14 days at some BytePlus resellers); a cancelled task
stays queryable for 24 h, then is a 404. Gateways in front of Ark answer ``pending`` / ``processing``
for queued / running; a task created with ``frames`` reports them instead of ``duration``.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, Any, ClassVar

from .._exceptions import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnsupportedOperation,
    VTasksError,
)
from .._models import TERMINAL_STATUSES, Task, TaskStatus, Usage, draft_task, seal
from .._status import exact_statuses, normalize_status
from .._time import from_unix_seconds
from ._base import (
    Adapter,
    Page,
    PageTotals,
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
    request_from_generated,
)
from ._facts import CallbackFacts, CodeRule, ProviderFacts, StatusRow

if TYPE_CHECKING:
    from .._inputs import CreateSpec, Image

__all__ = ["ARK", "VOLC", "ArkAdapter", "VolcAdapter", "duration_of"]

_C = TaskStatus.CANCELLED
_DEFENSIVE = "defensive: not documented for this provider"

_STATUS_ROWS = (
    StatusRow("queued", TaskStatus.QUEUED),
    StatusRow("running", TaskStatus.RUNNING),
    StatusRow("succeeded", TaskStatus.SUCCEEDED),
    StatusRow("failed", TaskStatus.FAILED, "the error field says why"),
    StatusRow("cancelled", _C, "queryable for 24 h, then deleted (404)"),
    StatusRow(
        "expired",
        TaskStatus.EXPIRED,
        "passed execution_expires_after (BytePlus docs; not in the SDK docstring)",
    ),
    # Real values from gateways in front of Ark, not Ark's own (docs/providers.md, "Seen in real
    # traffic"): Ark's filter.status does not take them (see _GATEWAY_VALUES).
    StatusRow(
        "pending",
        TaskStatus.QUEUED,
        "sent by gateways in front of Ark (ctyun: QuantumNous/new-api adaptor_ctyun_test.go)",
    ),
    StatusRow(
        "processing",
        TaskStatus.RUNNING,
        "sent by gateways in front of Ark (notoken.pro: LnYo-Cly/ai4j SeedanceVideoServiceTest)",
    ),
    StatusRow("canceled", _C, f"{_DEFENSIVE} (US spelling)", defensive=True),
)

# The gateways' spellings: a list filter sends Ark's own value (filter.status takes one), and the
# local filter, which runs on every listing, matches the gateways' spellings too.
_GATEWAY_VALUES = frozenset({"pending", "processing"})

# Body ``error.code``, with real HTTP statuses; the reseller passes Ark's errors through.
_CODE_RULES = (
    CodeRule("AuthenticationError", AuthenticationError, "401"),
    CodeRule("AccountOverdueError", PermissionDeniedError, "403; account overdue"),
    CodeRule("AccessDenied", PermissionDeniedError, "403"),
    CodeRule("InternalServiceError", ServerError, "500"),
    CodeRule("ServiceUnavailable", ServerError, "503"),
    CodeRule("RateLimitExceeded", RateLimitError, "429; RateLimitExceeded.*", "prefix"),
    CodeRule("MissingParameter", InvalidRequestError, "400", "prefix"),
    CodeRule("InvalidParameter", InvalidRequestError, "400; InvalidParameter.*", "prefix"),
    CodeRule("NotFound", NotFoundError, "404; *NotFound", "suffix"),
)

_TASKS = "/contents/generations/tasks"

# Ark's image limits (volcengine.com/docs/82379/1520757, "image requirements"): under 30 MB each;
# reference images 1-4 (seedance-1-0-lite-i2v, the one model that takes them). The pixel limits
# (300-6000 px a side, ratio 0.4-2.5) need the image decoded: left to Ark.
MAX_IMAGE_BYTES = 30 * 1024 * 1024
MAX_REFERENCE_IMAGES = 4
# Ark's seed range: -1 (random) to 2**32 - 1.
SEED_RANGE = (-1, 2**32 - 1)

# Ark POSTs the task object (the query's shape) on every status change, and again up to three
# times for succeeded / failed when not acknowledged within 5 s; it signs nothing. Whether the
# reseller (volc) forwards them is unconfirmed: its pages pass callback_url through unchanged.
_CALLBACK = CallbackFacts(
    verification="token",
    source="volcengine.com/docs/82379/1520757 (callback_url); docs.byteplus.com/ja/docs/ModelArk/1520757",
)


def _facts(name: str, title: str, base_url: str, prefix: str) -> ProviderFacts:
    """The facts of one of the two Seedance providers: all but the naming and paths are shared."""
    return ProviderFacts(
        name=name,
        title=title,
        default_base_url=base_url,
        get_path=f"{prefix}{_TASKS}/{{id}}",
        list_path=f"{prefix}{_TASKS}",
        create_path=f"{prefix}{_TASKS}",
        # One DELETE does both, chosen by the server from the status (a queued task is cancelled,
        # a finished one deleted): volcengine.com/docs/82379/1521720.
        cancel_path=f"{prefix}{_TASKS}/{{id}}",
        delete_path=f"{prefix}{_TASKS}/{{id}}",
        status_rows=_STATUS_ROWS,
        code_rules=_CODE_RULES,
        timestamps="integer Unix seconds (created_at, updated_at); no finish time",
        # page_size 1-500. The largest page by default: fewest round trips, and the most tasks
        # reachable within the vendor's 500-page limit (250,000 rather than 50,000 at 100 a page).
        max_page_size=500,
        default_page_size=500,
        max_page_number=500,
        # Ids per filtered request: as many as a page holds (about 20 KB of URL at 500 Ark ids);
        # a server that refuses the URL as too long gets the batch in halves (see get_tasks_flow).
        id_filter_max=500,
        callback=_CALLBACK,
    )


ARK = _facts("ark", "Volcengine Ark (Seedance)", "https://ark.cn-beijing.volces.com", "/api/v3")
"""What vtasks knows about Volcengine Ark's own endpoint."""

VOLC = _facts("volc", "Volcengine Seedance (reseller)", "https://api.chainhub.tech", "/volc/v1")
"""What vtasks knows about the reseller's copy of Ark."""


class _SeedanceAdapter(Adapter):
    """The adapter of both Seedance providers; a subclass names its facts and generated package."""

    package: ClassVar[str]

    def __init__(self) -> None:
        import importlib

        self._get: ModuleType = importlib.import_module(f"{self.package}.api.tasks.get_task")
        self._list: ModuleType = importlib.import_module(f"{self.package}.api.tasks.list_tasks")
        self._create: ModuleType = importlib.import_module(f"{self.package}.api.tasks.create_task")
        self._cancel: ModuleType = importlib.import_module(f"{self.package}.api.tasks.cancel_task")
        self._models: ModuleType = importlib.import_module(f"{self.package}.models")
        self.exact_statuses = exact_statuses(self.name)

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
        """``filter.status`` takes one of Ark's own values: on the server only when one is wanted.

        A gateway's spelling (``pending`` for ``queued``) is left to the local filter.
        """
        own = [value for value in raw_values if value not in _GATEWAY_VALUES]
        return tuple(own) if len(own) == 1 else ()

    def parse_task(self, payload: Any) -> Task:
        """Normalize one task object."""
        return self._task(expect_object(self.name, "task", payload))

    def parse_page(self, payload: Any) -> Page:
        """Normalize ``{total, items}``."""
        page = expect_object(self.name, "task list", payload)
        items = expect_items(self.name, "items", page.get("items"), payload)
        return Page(tasks=self.deferred(items, self._task), total=as_int(page.get("total")))

    def page_totals(self, payload: Any) -> PageTotals | None:
        """``total`` and the length of ``items``, without normalizing them."""
        if type(payload) is not dict or type(items := payload.get("items")) is not list:
            return None
        return PageTotals(len(items), total=as_int(payload.get("total")))

    def status_of(self, raw: dict[str, Any]) -> TaskStatus:
        """``status``, as :meth:`_task` reads it."""
        return self._status_pair(raw)[1]

    def _status_pair(self, raw: dict[str, Any]) -> tuple[str | None, TaskStatus]:
        """The vendor's ``status`` (a non-empty string, or ``None``) and the status it means."""
        raw_status = raw.get("status")
        if type(raw_status) is not str:  # the str case inline: as_text gives it back (or None)
            raw_status = as_text(raw_status)
        elif not raw_status:
            raw_status = None
        # normalize_status's own first lookup, inline; the rest (folded spellings, junk) there.
        status = self.exact_statuses.get(raw_status) if raw_status is not None else None
        if status is None:
            status = normalize_status(self.name, raw_status)
        return raw_status, status

    def _task(self, raw: dict[str, Any], into: Task | None = None) -> Task:
        # The hot path of every listing: one ``get`` a field, and the helpers' own fast paths
        # (``as_text`` of a str, ``from_unix_seconds`` of an int) for what Ark sends.
        get = raw.get
        name = self.name
        raw_status, status = self._status_pair(raw)
        error = get("error")
        if error is None:
            error_message = error_code = None
        elif isinstance(error, dict):
            error_message, error_code = as_text(error.get("message")), as_text(error.get("code"))
        else:
            error_message, error_code = as_text(error), None
        content = get("content")
        if type(content) is dict:
            video_url = content.get("video_url")
            if type(video_url) is not str or not video_url:
                video_url = as_text(video_url)
            cover_url = content.get("last_frame_url")
            if type(cover_url) is not str or not cover_url:
                cover_url = as_text(cover_url)
        elif isinstance(content, dict):
            video_url = as_text(content.get("video_url"))
            cover_url = as_text(content.get("last_frame_url"))
        else:
            video_url = cover_url = None
        task_id = get("id")
        if type(task_id) is not str or not task_id:
            task_id = expect_id(name, task_id, raw)
        model = get("model")
        if type(model) is not str or not model:
            model = as_text(model)
        # A draft, not Task(...): twenty keywords cost more than the rest of this function.
        task = draft_task(name, task_id, status, raw, into)
        task.raw_status = raw_status
        task.model = model
        task.prompt = as_text(get("revised_prompt"))
        if video_url:
            task.video_url = video_url
            task.video_urls = (video_url,)
        task.cover_url = cover_url
        created, updated = get("created_at"), get("updated_at")
        created_at = from_unix_seconds(created)
        task.created_at = created_at
        if type(created) is int and type(updated) is int and updated == created:
            updated_at = created_at  # a queued or running task: one conversion, not two
        else:
            updated_at = from_unix_seconds(updated)
        task.updated_at = updated_at
        if status in TERMINAL_STATUSES:
            # Ark gives no finish time; a terminal task's last update is when it finished.
            task.finished_at = updated_at
        task.error = error_message
        task.error_code = error_code
        duration = get("duration")
        # Whole numbers as Ark sends them inline (as_float gives float() of an int this size).
        if type(duration) is int and -_EXACT < duration < _EXACT:
            task.duration = float(duration)
        else:
            task.duration = duration_of(raw)
        fps = get("framespersecond")
        task.fps = float(fps) if type(fps) is int and -_EXACT < fps < _EXACT else as_float(fps)
        usage = get("usage")
        if type(usage) is dict:
            # usage_of's common case inline: whole tokens already met (a few per listing).
            tokens = usage.get("total_tokens")
            found = _USAGES.get(tokens) if type(tokens) is int else None
            task.usage = found if found is not None else usage_of(usage)
        elif usage is not None:
            task.usage = usage_of(usage)
        return seal(task)

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """``{"error": {"code", "message", "param", "type"}}``."""
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            return as_text(error.get("code")), as_text(error.get("message"))
        return None, as_text(error)

    # -- create / cancel / delete --

    def create_request(self, spec: CreateSpec) -> Request:
        """POST ``.../contents/generations/tasks``: ``content[]`` of text and role-tagged images.

        Raises:
            ConfigurationError: A last frame without a first, too many or too large images, a
                duration that is not whole seconds, a seed out of range, nothing to generate from.
            UnsupportedOperation: Reference images together with frames (Ark's two image modes
                exclude each other).
        """
        content = self._content(spec)
        duration = None
        if spec.duration is not None:
            if not spec.duration.is_integer():
                raise ConfigurationError(
                    f"{self.name} takes whole seconds as duration, not {spec.duration:g}",
                    hint='for a frame count, pass extra={"frames": 121}',
                )
            duration = int(spec.duration)
        if spec.seed is not None and not SEED_RANGE[0] <= spec.seed <= SEED_RANGE[1]:
            raise ConfigurationError(
                f"{self.name} takes a seed in [{SEED_RANGE[0]}, {SEED_RANGE[1]}], not {spec.seed}"
            )
        # The generated request model builds the body: its to_dict() is what the spec says.
        body = self._models.SeedanceCreateRequest(
            model=spec.model,
            content=content,
            **given(
                ratio=spec.aspect_ratio,
                duration=duration,
                resolution=spec.resolution,
                seed=spec.seed,
                callback_url=spec.callback_url,
            ),
        )
        return create_request_from_generated(self._create._get_kwargs(body=body), spec)

    def _content(self, spec: CreateSpec) -> list[Any]:
        """The ``content[]`` items (generated models): the prompt, then the images by role."""
        if spec.last_frame is not None and spec.first_frame is None:
            raise ConfigurationError(f"{self.name} takes a last_frame only with a first_frame")
        frames = spec.first_frame is not None
        if frames and spec.reference_images:
            raise UnsupportedOperation(
                "reference images and first/last frames are separate modes; give one or the other",
                provider=self.name,
                operation="create_task",
            )
        if len(spec.reference_images) > MAX_REFERENCE_IMAGES:
            raise ConfigurationError(
                f"{self.name} takes at most {MAX_REFERENCE_IMAGES} reference images, "
                f"not {len(spec.reference_images)}"
            )
        models = self._models
        items: list[Any] = []
        if spec.prompt is not None:
            items.append(models.SeedanceContentItem(type_="text", text=spec.prompt))
        roles: list[tuple[str, Image]] = [
            (role, image)
            for role, image in (("first_frame", spec.first_frame), ("last_frame", spec.last_frame))
            if image is not None
        ]
        roles.extend(("reference_image", image) for image in spec.reference_images)
        check_image_sizes(self.name, spec, MAX_IMAGE_BYTES)
        for role, image in roles:
            items.append(
                models.SeedanceContentItem(
                    type_="image_url", image_url=models.SeedanceMediaUrl(url=image.url), role=role
                )
            )
        if not items:
            raise ConfigurationError(f"{self.name} needs a prompt or an image to generate from")
        return items

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        """``{"id": ...}`` only: the new task is queued, with the model and prompt asked for."""
        created = expect_object(self.name, "create answer", payload)
        return Task(
            provider=self.name,
            id=expect_id(self.name, created.get("id"), created),
            status=TaskStatus.QUEUED,
            raw_status=None,
            model=spec.model,
            prompt=spec.prompt,
            raw=created,
        )

    def cancellable(self, task: Task) -> bool:
        """Only a queued task: Ark refuses to cancel a running one."""
        return task.status is TaskStatus.QUEUED

    def cancel_request(self, task_id: str) -> Request:
        """DELETE ``.../tasks/{id}`` (cancels a queued task)."""
        kwargs = self._cancel._get_kwargs(task_id)
        return request_from_generated("cancel", kwargs, (task_id,), idempotent=False)

    def delete_request(self, task_id: str) -> Request:
        """The same DELETE (deletes a finished task's record): Ark decides by the status."""
        kwargs = self._cancel._get_kwargs(task_id)
        return request_from_generated("delete", kwargs, (task_id,), idempotent=False)

    def cancel_refused(self, error: VTasksError) -> bool:
        """A 400 or 409 answer to the DELETE: the task moved on (running, already cancelled).

        Ark answers a state it cannot cancel with a 400 ``InvalidParameter``-family error
        (volcengine.com/docs/82379/1521720; the exact code is unconfirmed, so the status decides).
        """
        return (
            isinstance(error, APIError)
            and not isinstance(error, NotFoundError)
            and error.status_code in (400, 409)
        )


def usage_of(usage: object) -> Usage | None:
    """Ark's ``usage``: ``total_tokens`` (``completion_tokens`` when only that is sent).

    Video models count no input tokens, so the two are the same figure when both are sent.
    Anything but a non-negative whole number is no usage at all, never a guess.
    """
    if not isinstance(usage, dict):
        return None
    tokens = as_int(usage.get("total_tokens"))
    if tokens is None:
        tokens = as_int(usage.get("completion_tokens"))
    if tokens is None or tokens < 0:
        return None
    # Tasks of one model and settings bill the same tokens: a listing shares a few immutable
    # Usage objects instead of building one a task.
    found = _USAGES.get(tokens)
    if found is None:
        found = Usage(tokens=tokens)
        if len(_USAGES) < _USAGES_KEPT:
            _USAGES[tokens] = found
    return found


# Integers this side of 2**53 convert to a float exactly, as as_float converts them.
_EXACT = 2**53

_USAGES: dict[int, Usage] = {}
_USAGES_KEPT = 4096


def duration_of(raw: dict[str, Any]) -> float | None:
    """A task's video length in seconds: ``duration``, else ``frames / framespersecond``.

    A task created with ``frames`` reports ``frames`` and no ``duration`` (only one of the two
    is returned). Without a positive frame count and frame rate there is no duration to give.
    """
    duration = as_float(raw.get("duration"))
    if duration is not None:
        return duration
    frames, fps = as_float(raw.get("frames")), as_float(raw.get("framespersecond"))
    if frames is None or fps is None or frames <= 0 or fps <= 0:
        return None
    return frames / fps


class ArkAdapter(_SeedanceAdapter):
    """Volcengine Ark, ``/api/v3/contents/generations/tasks``."""

    facts = ARK
    package = "vtasks_gen_ark"


class VolcAdapter(_SeedanceAdapter):
    """The reseller's copy of Ark, ``/volc/v1/contents/generations/tasks``."""

    facts = VOLC
    package = "vtasks_gen_volc"
