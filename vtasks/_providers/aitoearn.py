"""AiToEarn open platform: everything vtasks knows about the ``aitoearn`` provider, and its adapter.

Page-numbered list with ``totalPages`` (newest first), and a per-task endpoint whose id must be a
24-hex ObjectId. China has its own host, ``https://aitoearn.cn``.

Every answer is HTTP 200 inside ``{code, message, data}``; the request succeeded only when
``code == 0``. Auth is the ``X-Api-Key`` header. Times are ISO-8601 strings; statuses mix cases
(``InProgress``). The list has no server-side filters, so vtasks filters locally.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .._exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    NotFoundError,
    ResponseError,
    ServerError,
)
from .._inputs import CreateSpec
from .._models import Task, TaskStatus, draft_task, seal
from .._status import exact_statuses, normalize_status
from .._time import parse_iso8601
from ._base import (
    Adapter,
    Page,
    PageTotals,
    Request,
    as_float,
    as_int,
    as_text,
    create_request_from_generated,
    expect_id,
    expect_items,
    expect_object,
    given,
    json_excerpt,
    request_from_generated,
)
from ._facts import AuthScheme, CodeRule, ProviderFacts, StatusRow

__all__ = ["FACTS", "AitoearnAdapter"]

_Q, _R = TaskStatus.QUEUED, TaskStatus.RUNNING
_IN_ENUM = "in the server's enum; not seen emitted"

FACTS = ProviderFacts(
    name="aitoearn",
    title="AiToEarn",
    default_base_url="https://aitoearn.ai",
    auth=AuthScheme("X-Api-Key", ""),
    get_path="/api/ai/video/generations/{id}",
    list_path="/api/ai/video/generations",
    create_path="/api/ai/video/generations",
    status_rows=(
        StatusRow("SUBMITTED", _Q),
        StatusRow("NOT_START", _Q, _IN_ENUM),
        StatusRow("QUEUED", _Q, _IN_ENUM),
        StatusRow("InProgress", _R, "mixed case, as the server sends it"),
        StatusRow("IN_PROGRESS", _R, "enum spelling"),
        StatusRow("SUCCESS", TaskStatus.SUCCEEDED),
        StatusRow(
            "FAILURE", TaskStatus.FAILED, "upstream failed, cancelled or expired: not told apart"
        ),
        StatusRow("UNKNOWN", TaskStatus.UNKNOWN, "in the server's enum"),
    ),
    # Body ``code``, sent with HTTP 200 (0 = ok); the server's libs/common response-code.enum.ts.
    code_rules=(
        CodeRule("400", InvalidRequestError, "bad request"),
        CodeRule("401", AuthenticationError, "unauthorized"),
        CodeRule("500", ServerError, "internal error"),
        CodeRule(
            "10002", InvalidRequestError, "validation failed (e.g. task id is not a 24-hex id)"
        ),
        CodeRule("12300", InvalidRequestError, "invalid model"),
        CodeRule("12301", ServerError, "AI call failed"),
        CodeRule("12302", NotFoundError, "invalid task id"),
        CodeRule("19000", AuthenticationError, "API key invalid"),
    ),
    # A task id that is not a 24-hex ObjectId fails validation (10002): no such task.
    not_found_codes={"get": frozenset({"10002"})},
    timestamps="ISO-8601 strings (submittedAt, startedAt, finishedAt)",
    # pageSize 1-1000 (default 10): the largest page, fewest round trips over long histories.
    max_page_size=1000,
    default_page_size=1000,
    # No id filter, but 1,000 tasks a page, newest first, each item the same task object as the
    # single-task answer: polling many tasks reads the list's first pages instead of one GET each.
    poll_by_listing=True,
    # The server polls its upstreams every 30 s, so a status lags by up to 30 s: polling faster
    # buys nothing but requests.
    min_poll_interval=30.0,
)
"""What vtasks knows about AiToEarn."""


# The create body's prompt limit (yikart/AiToEarn libs/aitoearn-ai-shared/src/dtos/video.dto.ts).
_MAX_PROMPT = 4000


class AitoearnAdapter(Adapter):
    """``GET /api/ai/video/generations`` and ``GET /api/ai/video/generations/{taskId}``."""

    facts = FACTS

    def __init__(self) -> None:
        from vtasks_gen_aitoearn.api.video import create_task, get_task, list_tasks

        self._create = create_task
        self._get = get_task
        self._list = list_tasks
        self.exact_statuses = exact_statuses(self.name)

    def get_request(self, task_id: str) -> Request:
        """GET ``/api/ai/video/generations/{taskId}``."""
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
        """GET ``/api/ai/video/generations?page=&pageSize=`` (no server-side filters exist)."""
        return request_from_generated(
            "list", self._list._get_kwargs(**given(page=page, page_size=page_size))
        )

    def parse_task(self, payload: Any) -> Task:
        """Normalize the ``data`` of ``{code: 0, data: task}``."""
        data = expect_object(self.name, "answer", payload).get("data")
        if not isinstance(data, dict):
            raise ResponseError(
                "the answer has no task in data", provider=self.name, body=json_excerpt(payload)
            )
        return self._task(data)

    def parse_page(self, payload: Any) -> Page:
        """Normalize the ``data`` of ``{code: 0, data: {page, pageSize, totalPages, total, list}}``."""
        data = expect_object(self.name, "answer", payload).get("data")
        if not isinstance(data, dict):
            raise ResponseError(
                "the answer has no task list in data",
                provider=self.name,
                body=json_excerpt(payload),
            )
        items = expect_items(self.name, "data.list", data.get("list"), payload)
        return Page(
            tasks=self.deferred(items, self._task),
            total=as_int(data.get("total")),
            total_pages=as_int(data.get("totalPages")),
        )

    def page_totals(self, payload: Any) -> PageTotals | None:
        """``data.total``, ``data.totalPages`` and the length of ``data.list``, as they are."""
        data = payload.get("data") if type(payload) is dict else None
        if type(data) is not dict or type(items := data.get("list")) is not list:
            return None
        return PageTotals(
            len(items), total=as_int(data.get("total")), total_pages=as_int(data.get("totalPages"))
        )

    def status_of(self, raw: dict[str, Any]) -> TaskStatus:
        """``status``, as :meth:`_task` reads it."""
        return normalize_status(self.name, as_text(raw.get("status")))

    def _task(self, raw: dict[str, Any], into: Task | None = None) -> Task:
        raw_status = as_text(raw.get("status"))
        inputs: dict[str, Any] = raw["input"] if isinstance(raw.get("input"), dict) else {}
        error = raw.get("error")
        video_url = as_text(raw.get("videoUrl"))
        status = self.status_of(raw)
        # A draft, not Task(...): a listing's hot path (twenty keywords cost more than the rest).
        task = draft_task(self.name, expect_id(self.name, raw.get("id"), raw), status, raw, into)
        task.raw_status = raw_status
        task.model = as_text(raw.get("model"))
        task.prompt = as_text(inputs.get("prompt"))
        if video_url:
            task.video_url = video_url
            task.video_urls = (video_url,)
        task.cover_url = as_text(raw.get("coverUrl"))
        task.created_at = parse_iso8601(raw.get("submittedAt"))
        # startedAt is not read: the server sets it to the submission time (video.service.ts),
        # so it says nothing about when generation started, whatever the status.
        task.finished_at = parse_iso8601(raw.get("finishedAt"))
        task.error = as_text(error.get("message")) if isinstance(error, dict) else as_text(error)
        task.duration = as_float(inputs.get("duration"))
        return seal(task)

    def create_request(self, spec: CreateSpec) -> Request:
        """``POST /api/ai/video/generations`` (yikart/AiToEarn video.dto.ts).

        Raises:
            ConfigurationError: No prompt, a prompt over 4000 characters, a fractional duration,
                a callback URL (AiToEarn has no callbacks: poll instead).
        """
        from vtasks_gen_aitoearn.models import AitoearnCreateRequest

        if spec.callback_url is not None:
            raise ConfigurationError("aitoearn: AiToEarn sends no callbacks; poll the task instead")
        if spec.prompt is None:
            raise ConfigurationError("aitoearn: a prompt is required")
        if len(spec.prompt) > _MAX_PROMPT:
            raise ConfigurationError(
                f"aitoearn: the prompt is {len(spec.prompt):,} characters, over {_MAX_PROMPT:,}"
            )
        if spec.duration is not None and spec.duration != int(spec.duration):
            raise ConfigurationError(
                f"aitoearn: duration must be whole seconds, not {spec.duration}"
            )
        body = AitoearnCreateRequest(
            **given(
                model=spec.model,
                prompt=spec.prompt,
                image=spec.first_frame.url if spec.first_frame else None,
                image_tail=spec.last_frame.url if spec.last_frame else None,
                images=[image.url for image in spec.reference_images] or None,
                ratio=spec.aspect_ratio,
                resolution=spec.resolution,
                duration=int(spec.duration) if spec.duration is not None else None,
                seed=spec.seed,
            )
        )
        return create_request_from_generated(self._create._get_kwargs(body=body), spec)

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        """The ``data`` of ``{code: 0, data: {id, status}}``."""
        data = expect_object(self.name, "answer", payload).get("data")
        task_id = as_text(data.get("id")) if isinstance(data, dict) else None
        if not isinstance(data, dict) or task_id is None:
            raise ResponseError(
                "the create answer has no task id in data",
                provider=self.name,
                body=json_excerpt(payload),
            )
        raw_status = as_text(data.get("status"))
        return Task(
            provider=self.name,
            id=task_id,
            status=normalize_status(self.name, raw_status) if raw_status else TaskStatus.QUEUED,
            raw_status=raw_status,
            model=spec.model,
            prompt=spec.prompt,
            raw=data,
        )

    def business_error(self, payload: Any) -> tuple[str, str | None] | None:
        """``code != 0`` (every AiToEarn answer is HTTP 200)."""
        if not isinstance(payload, dict):
            return None
        code = payload.get("code")
        if code in (0, "0"):
            return None
        # No code at all is an answer that says nothing, not an error code named "None".
        return ("" if code is None else str(code)), as_text(payload.get("message"))

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """The same envelope on the rare HTTP error (a gateway in front)."""
        found = self.business_error(payload)
        return found if found else (None, None)
