"""MiniMax Hailuo: everything vtasks knows about the ``minimax`` provider, and its adapter.

A query endpoint, then a file endpoint for the download URL. No listing (v1). Keys are
region-bound: China has its own host, ``https://api.minimaxi.com``.

Every answer is HTTP 200; errors travel in ``base_resp.status_code``. The query gives no time at all,
so the task's timestamps are ``None``, except ``created_at`` from the file (when the video was
written). A succeeded task's ``file_id`` is resolved to ``download_url`` with ``files/retrieve``;
``file_id`` is a string in the query and an int64 in the file answer, and the URL is valid for
about an hour.

The files answer is kept in the task's raw under ``"file"``; its ``file_id`` is not trusted over the
query's (MiniMax's own example has ``"${file_id}"``), nor is its ``bytes`` (live captures show 0).
``download_url`` may come without a scheme (MiniMax's own example): ``host/path`` and ``//host/path``
are read as https (:func:`usable_url`). ``backup_download_url``, when present, is a second place to
download the same video from (:meth:`MinimaxAdapter.fallback_video_urls`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import attrs

from .._exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidRequestError,
    PermissionDeniedError,
    RateLimitError,
    ResponseError,
    ServerError,
    UnsupportedOperation,
)
from .._inputs import CreateSpec
from .._models import Task, TaskStatus
from .._status import fold, normalize_status
from .._time import from_unix_seconds
from ._base import (
    Adapter,
    Request,
    as_int,
    as_text,
    check_image_sizes,
    create_request_from_generated,
    expect_id,
    expect_object,
    given,
    json_excerpt,
    request_from_generated,
)
from ._facts import CallbackFacts, CodeRule, ProviderFacts, StatusRow

__all__ = ["FACTS", "MinimaxAdapter", "usable_url"]

_Q, _R = TaskStatus.QUEUED, TaskStatus.RUNNING

FACTS = ProviderFacts(
    name="minimax",
    title="MiniMax Hailuo",
    default_base_url="https://api.minimax.io",
    get_path="/v1/query/video_generation?task_id={id}",
    create_path="/v1/video_generation",
    extra=("/v1/files/retrieve?file_id={file_id}",),
    status_rows=(
        StatusRow("Preparing", _Q),
        StatusRow("Queueing", _Q),
        StatusRow("Processing", _R),
        StatusRow(
            "Success", TaskStatus.SUCCEEDED, "the video URL needs a second call (files/retrieve)"
        ),
        StatusRow("Fail", TaskStatus.FAILED),
        # Callbacks spell their statuses processing / success / failed (the query: Processing /
        # Success / Fail); the lookup ignores case, so only "failed" needs a row of its own.
        StatusRow(
            "Failed",
            TaskStatus.FAILED,
            "a reseller's spelling (YeSongYun/dmxapi.doc); callbacks write failed",
        ),
    ),
    # base_resp.status_code, sent with HTTP 200 (0 = ok).
    code_rules=(
        CodeRule("1000", ServerError, "unknown error"),
        CodeRule("1001", ServerError, "timeout"),
        CodeRule("1002", RateLimitError, "rate limit (RPM)"),
        CodeRule("1004", AuthenticationError, "authentication failed / token does not match group"),
        CodeRule("1008", PermissionDeniedError, "insufficient balance"),
        CodeRule("1013", ServerError, "internal error"),
        CodeRule("1024", ServerError, "internal error"),
        CodeRule("1026", InvalidRequestError, "input content is sensitive"),
        CodeRule("1027", InvalidRequestError, "output content is sensitive"),
        CodeRule("1033", ServerError, "system error"),
        CodeRule("1039", RateLimitError, "token limit (TPM)"),
        CodeRule("1041", RateLimitError, "connection limit"),
        CodeRule("2013", InvalidRequestError, "invalid parameters"),
        CodeRule("2049", AuthenticationError, "invalid API key"),
    ),
    # An unknown task_id (or file_id) is answered with 2013 "invalid params" (unconfirmed).
    not_found_codes={"get": frozenset({"2013"}), "files": frozenset({"2013"})},
    timestamps="none in the query; the file's created_at is Unix seconds",
    # A challenge to echo within 3 s, then the query's shape on every change; nothing signed.
    callback=CallbackFacts(
        verification="token",
        challenge=True,
        source="platform.minimax.io/docs/api-reference/video-generation-t2v (callback_url)",
    ),
)
"""What vtasks knows about MiniMax."""

# A DNS name or a dotted IPv4 address: labels of letters and digits with inner hyphens. (A
# bracketed IPv6 address is let through apart.) "${download_url}" and "cdn example" are not hosts.
_HOST = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
)


def usable_url(value: object) -> str | None:
    """A files answer's download URL as an absolute http(s) URL, or ``None`` when it is none.

    MiniMax's own example has a ``download_url`` without a scheme: ``//host/path`` and
    ``host/path`` are read as https (the scheme of every MiniMax download URL seen). Anything
    that is not an http(s) URL with a host (``"${download_url}"``, ``ftp://...``, a bad port) is
    unusable: ``None``, so that no caller is handed it as a video URL.
    """
    if not isinstance(value, str):
        return None
    text = value.strip()
    if text.startswith("//"):
        text = "https:" + text
    elif "://" not in text:
        if text.startswith("/"):
            return None  # a path with no host: nowhere to download from
        text = "https://" + text
    try:
        parts = urlsplit(text)
        parts.port  # noqa: B018  (raises ValueError for a port that is not a number)
    except ValueError:
        return None
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not (
        _HOST.fullmatch(host) or (parts.netloc.startswith("[") and ":" in host)
    ):
        return None
    return text


# The spellings of a failed task (folded), whose base_resp carries the task's reason.
_FAILED = frozenset(fold(row.raw) for row in FACTS.status_rows if row.status is TaskStatus.FAILED)


# MiniMax's create pages (platform.minimax.io/docs/api-reference/video-generation-i2v, -s2v).
_MAX_PROMPT = 2000
_MAX_IMAGE_BYTES = 20 * 1024 * 1024
_DURATIONS = (6, 10)


class MinimaxAdapter(Adapter):
    """``GET /v1/query/video_generation`` and ``GET /v1/files/retrieve``."""

    facts = FACTS

    def __init__(self) -> None:
        from vtasks_gen_minimax.api.files import retrieve_file
        from vtasks_gen_minimax.api.video import create_task, get_task

        self._get = get_task
        self._create = create_task
        self._retrieve = retrieve_file

    def get_request(self, task_id: str) -> Request:
        """The query request."""
        return request_from_generated("get", self._get._get_kwargs(task_id=task_id), (task_id,))

    def parse_task(self, payload: Any) -> Task:
        """Normalize ``{task_id, status, file_id, video_width, video_height, base_resp}``."""
        payload = expect_object(self.name, "task", payload)
        raw_status = as_text(payload.get("status"))
        status = normalize_status(self.name, raw_status)
        error_code, error_message = self._base_resp(payload) or (None, None)
        if status.value == "failed" and error_message is None:
            error_message = "video generation failed (MiniMax gives no reason)"
        return Task(
            provider=self.name,
            id=expect_id(self.name, payload.get("task_id"), payload),
            status=status,
            raw_status=raw_status,
            width=as_int(payload.get("video_width")),
            height=as_int(payload.get("video_height")),
            error=error_message,
            error_code=error_code,
            raw=payload,
        )

    def create_request(self, spec: CreateSpec) -> Request:
        """``POST /v1/video_generation``: frames, or one subject reference (S2V), never both.

        Raises:
            ConfigurationError: A duration other than 6 or 10, an aspect ratio or a seed (MiniMax
                has neither: send them in ``extra`` if a model learns them), a prompt over 2000
                characters, an image over 20 MB, a last frame without a first.
            UnsupportedOperation: More than one reference image, or references with frames.
        """
        from vtasks_gen_minimax.models import MinimaxCreateRequest, MinimaxSubjectReference
        from vtasks_gen_minimax.models.minimax_create_request_duration import (
            MinimaxCreateRequestDuration,
        )

        if spec.aspect_ratio is not None:
            raise ConfigurationError(
                "minimax: there is no aspect ratio field (the frame or the model sets it); "
                "send a vendor field in extra if you need one"
            )
        if spec.seed is not None:
            raise ConfigurationError("minimax: MiniMax takes no seed")
        duration: MinimaxCreateRequestDuration | None = None
        if spec.duration is not None:
            if spec.duration not in _DURATIONS:
                raise ConfigurationError(
                    f"minimax: duration must be 6 or 10 seconds, not {spec.duration:g}"
                )
            duration = MinimaxCreateRequestDuration(int(spec.duration))
        if spec.prompt is not None and len(spec.prompt) > _MAX_PROMPT:
            raise ConfigurationError(
                f"minimax: the prompt is {len(spec.prompt):,} characters, over {_MAX_PROMPT:,}"
            )
        if spec.last_frame is not None and spec.first_frame is None:
            raise ConfigurationError("minimax: a last frame needs a first frame")
        if len(spec.reference_images) > 1:
            raise UnsupportedOperation(
                "MiniMax takes one subject reference image", provider=self.name, operation="create"
            )
        if spec.reference_images and spec.first_frame is not None:
            raise UnsupportedOperation(
                "MiniMax cannot combine a subject reference (S2V) with frames",
                provider=self.name,
                operation="create",
            )
        check_image_sizes(self.name, spec, _MAX_IMAGE_BYTES)
        subjects = [
            MinimaxSubjectReference(type_="character", image=[image.url])
            for image in spec.reference_images
        ]
        body = MinimaxCreateRequest(
            **given(
                model=spec.model,
                prompt=spec.prompt,
                duration=duration,
                resolution=spec.resolution,
                first_frame_image=spec.first_frame.url if spec.first_frame else None,
                last_frame_image=spec.last_frame.url if spec.last_frame else None,
                subject_reference=subjects or None,
                callback_url=spec.callback_url,
            )
        )
        return create_request_from_generated(self._create._get_kwargs(body=body), spec)

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        """``{task_id, base_resp}``: a queued task (a non-zero ``base_resp`` is an error before this)."""
        answer = expect_object(self.name, "create answer", payload)
        task_id = as_text(answer.get("task_id"))
        if task_id is None:
            raise ResponseError(
                "the create answer has no task_id", provider=self.name, body=json_excerpt(payload)
            )
        return Task(
            provider=self.name,
            id=task_id,
            status=TaskStatus.QUEUED,
            model=spec.model,
            prompt=spec.prompt,
            raw=answer,
        )

    def follow_up(self, task: Task) -> Request | None:
        """A succeeded task's file must be retrieved to learn its download URL."""
        file_id = as_text(task.raw.get("file_id"))
        if task.status.value != "succeeded" or file_id is None:
            return None
        return request_from_generated(
            "files", self._retrieve._get_kwargs(file_id=file_id), (task.id,)
        )

    def complete(self, task: Task, payload: Any) -> Task:
        """Take ``file.download_url`` (valid for about an hour) and ``file.created_at``.

        The file object joins the task's raw under ``"file"`` (a new dict: the query answer plus
        ``{"file": {...}}``), where :meth:`fallback_video_urls` finds ``backup_download_url``. Its
        ``file_id`` and ``bytes`` are not read. When ``download_url`` is unusable and the backup
        is not, the backup is the video URL.
        """
        file = expect_object(self.name, "file answer", payload).get("file")
        if not isinstance(file, dict):
            return task
        url = usable_url(file.get("download_url")) or usable_url(file.get("backup_download_url"))
        created = from_unix_seconds(file.get("created_at"))
        return attrs.evolve(
            task,
            video_url=url,
            video_urls=(url,) if url else (),
            finished_at=created,
            raw={**task.raw, "file": file},
        )

    def fallback_video_urls(self, task: Task) -> tuple[str, ...]:
        """``file.backup_download_url``: the same video on another host, when it differs."""
        file = task.raw.get("file")
        backup = usable_url(file.get("backup_download_url")) if isinstance(file, dict) else None
        return (backup,) if backup is not None and backup != task.video_url else ()

    def business_error(self, payload: Any) -> tuple[str, str | None] | None:
        """``base_resp.status_code != 0`` on an answer that is not a failed task.

        A task that failed (``status: Fail``, or a reseller's ``Failed``) may carry its reason in
        ``base_resp`` (e.g. 1027, sensitive output; 3001, not in MiniMax's table): that is the task's
        error, kept on the Task, not an error of the request. A missing ``base_resp``, or one
        without ``status_msg``, is read as success / no message.
        """
        status = payload.get("status") if isinstance(payload, dict) else None
        if isinstance(status, str) and fold(status) in _FAILED:
            return None
        return self._base_resp(payload)

    @staticmethod
    def _base_resp(payload: Any) -> tuple[str, str | None] | None:
        base = payload.get("base_resp") if isinstance(payload, dict) else None
        if not isinstance(base, dict):
            return None
        code = base.get("status_code")
        if code in (0, None, "0"):
            return None
        return str(code), as_text(base.get("status_msg"))

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """An HTTP error (gateway) may still carry ``base_resp``."""
        found = self.business_error(payload)
        return found if found else (None, None)
