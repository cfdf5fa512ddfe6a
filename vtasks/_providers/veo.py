"""Google Veo through a reseller's "unified video format": everything vtasks knows about ``veo``.

One query endpoint (``GET /v1/video/query?id=``), no listing. The id carries a model prefix
(``veo3.1-fast:1760545785-euexscdeL8``). The reseller extensions in the status table are
unconfirmed: no primary source documents them, so they are accepted defensively.

``status_update_time`` is Unix milliseconds in every example, though one reseller warns it may be
seconds depending on the upstream: :func:`vtasks._time.from_unix_millis` tells them apart by size.
The answer's ``id`` may differ from the id asked for (it can lose the model prefix), so the task
keeps the id the caller used, which is the one that works for the next query.

``video_upsampling_completed`` counts as succeeded only when it comes with a video URL: some
resellers pass through it on the way to ``completed`` and publish the URL only then. The table
row and the rule that qualifies it are both here (:data:`FACTS`, :data:`STEP_VALUES`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import attrs

from .._exceptions import ConfigurationError, UnsupportedOperation
from .._models import Task, TaskStatus
from .._status import fold, normalize_status
from .._time import from_unix_millis
from ._base import (
    Adapter,
    Request,
    as_percent,
    as_text,
    create_request_from_generated,
    expect_id,
    expect_object,
    given,
    request_from_generated,
)
from ._facts import ProviderFacts, StatusRow

if TYPE_CHECKING:
    from .._inputs import CreateSpec

__all__ = ["FACTS", "STEP_VALUES", "VeoAdapter"]

_Q, _R, _S, _F = TaskStatus.QUEUED, TaskStatus.RUNNING, TaskStatus.SUCCEEDED, TaskStatus.FAILED
_UNCONFIRMED = "reseller extension, unconfirmed"
_DEFENSIVE = "defensive: not documented for this provider"

FACTS = ProviderFacts(
    name="veo",
    title="Google Veo (reseller unified format)",
    default_base_url="https://api.chainhub.tech",
    get_path="/v1/video/query?id={id}",
    # docs.fast-token.com/cn/other-model/video/veo/standard/2.VeoCreateVideo.html (unconfirmed for
    # chainhub); no cancel in this format.
    create_path="/v1/video/create",
    status_rows=(
        StatusRow("pending", _Q),
        StatusRow("processing", _R),
        StatusRow("completed", _S),
        StatusRow("failed", _F),
        StatusRow("image_downloading", _R, _UNCONFIRMED),
        StatusRow("video_generating", _R, _UNCONFIRMED),
        # Upsampling may follow: treating this as final would hand out a video URL that
        # is still null, or the low-resolution one.
        StatusRow(
            "video_generation_completed", _R, f"{_UNCONFIRMED}; not final: upsampling may follow"
        ),
        StatusRow("video_generation_failed", _F, _UNCONFIRMED),
        StatusRow("video_upsampling", _R, _UNCONFIRMED),
        # Succeeded only with a video URL: see STEP_VALUES.
        StatusRow("video_upsampling_completed", _S, _UNCONFIRMED),
        StatusRow("video_upsampling_failed", _F, _UNCONFIRMED),
        StatusRow("error", _F, _UNCONFIRMED),
        StatusRow("success", _S, "yunwu's table (shellus/mj-studio docs/api/video-unified-api.md)"),
        # Listed by one reseller: the reseller itself does not know; an explicit row, so that it is
        # not reported as a status vtasks has never heard of.
        StatusRow(
            "unknown", TaskStatus.UNKNOWN, "one reseller's table: the reseller does not know"
        ),
        StatusRow("queued", _Q, _DEFENSIVE, defensive=True),
        StatusRow("running", _R, _DEFENSIVE, defensive=True),
        StatusRow("cancelled", TaskStatus.CANCELLED, _DEFENSIVE, defensive=True),
    ),
    # No documented error codes: the HTTP status decides.
    timestamps="status_update_time in Unix milliseconds (possibly seconds, told apart by size)",
)
"""What vtasks knows about the Veo reseller format."""

#: Success-like reseller states (folded) that are steps on the way, not the end (unconfirmed):
#: without a video URL such a task is still running.
STEP_VALUES = frozenset({fold("video_upsampling_completed")})

#: The aspect ratios the format takes (veo3 family only).
ASPECT_RATIOS = ("16:9", "9:16")
#: Reference images a ``-components`` model takes.
MAX_REFERENCE_IMAGES = 3


class VeoAdapter(Adapter):
    """``GET /v1/video/query?id=``."""

    facts = FACTS

    def __init__(self) -> None:
        from vtasks_gen_veo import models
        from vtasks_gen_veo.api.tasks import create_task, get_task

        self._get = get_task
        self._create = create_task
        self._models = models

    def get_request(self, task_id: str) -> Request:
        """The query request (the id travels in the query string)."""
        return request_from_generated("get", self._get._get_kwargs(id=task_id), (task_id,))

    def parse_task(self, payload: Any) -> Task:
        """Normalize ``{id, status, video_url, enhanced_prompt, status_update_time}``."""
        payload = expect_object(self.name, "task", payload)
        raw_status = as_text(payload.get("status"))
        status = normalize_status(self.name, raw_status)
        error = payload.get("error")
        if isinstance(error, dict):
            error_message, error_code = as_text(error.get("message")), as_text(error.get("code"))
        else:
            error_message, error_code = as_text(error), None
        video_url = as_text(payload.get("video_url"))
        if (
            status is TaskStatus.SUCCEEDED
            and video_url is None
            and fold(raw_status or "") in STEP_VALUES
        ):
            # A reseller's intermediate "...completed" step without a video: the final
            # "completed" (with the URL) is still to come, so the task is not finished yet.
            status = TaskStatus.RUNNING
        updated_at = from_unix_millis(payload.get("status_update_time"))
        return Task(
            provider=self.name,
            id=expect_id(self.name, payload.get("id"), payload),
            status=status,
            raw_status=raw_status,
            prompt=as_text(payload.get("enhanced_prompt")),
            video_url=video_url,
            video_urls=(video_url,) if video_url else (),
            updated_at=updated_at,
            finished_at=updated_at if status.is_terminal else None,
            error=error_message,
            error_code=error_code,
            # Some resellers add a percentage: an integer, or the string "0".
            progress=as_percent(payload.get("progress")),
            raw=payload,
        )

    def create_request(self, spec: CreateSpec) -> Request:
        """POST ``/v1/video/create``: ``model``, ``prompt``, ``images[]`` (URLs), ``aspect_ratio``.

        Frames go as ``images: [first, last]`` (``-frames`` models), references as ``images``
        (``-components`` models, at most 3). Fields outside the format (``enhance_prompt``,
        ``enable_upsample``, a reseller's own) go through ``extra``.

        Raises:
            ConfigurationError: No prompt, an image that is not an http(s) URL, too many
                references, a last frame without a first, an aspect ratio the format lacks, or a
                seed, duration, resolution or callback URL (not in the format).
            UnsupportedOperation: Frames and references together.
        """
        if spec.prompt is None:
            raise ConfigurationError(f"{self.name} needs a prompt")
        for name, value in (
            ("seed", spec.seed),
            ("duration", spec.duration),
            ("resolution", spec.resolution),
        ):
            if value is not None:
                raise ConfigurationError(
                    f"{self.name}'s unified format has no {name}",
                    hint=f"if your reseller takes one, pass extra={{{name!r}: ...}}",
                )
        if spec.callback_url is not None:
            # Dropping it would leave the caller waiting for pushes that never come.
            raise ConfigurationError(
                f"{self.name}'s unified format has no callbacks",
                hint="poll with wait_for_task instead",
            )
        if spec.aspect_ratio is not None and spec.aspect_ratio not in ASPECT_RATIOS:
            raise ConfigurationError(
                f"{self.name} takes aspect_ratio {' or '.join(ASPECT_RATIOS)}, "
                f"not {spec.aspect_ratio!r}"
            )
        if spec.last_frame is not None and spec.first_frame is None:
            raise ConfigurationError(f"{self.name} takes a last_frame only with a first_frame")
        if spec.first_frame is not None and spec.reference_images:
            raise UnsupportedOperation(
                "frames (-frames models) and reference images (-components models) "
                "cannot be combined",
                provider=self.name,
                operation="create_task",
            )
        if len(spec.reference_images) > MAX_REFERENCE_IMAGES:
            raise ConfigurationError(
                f"{self.name} takes at most {MAX_REFERENCE_IMAGES} reference images, "
                f"not {len(spec.reference_images)}"
            )
        for image in spec.images:
            if image.is_data or not image.url.startswith(("http://", "https://")):
                shown = str(image.path) if image.path is not None else "a data: URL"
                raise ConfigurationError(
                    f"{self.name}'s unified format takes image URLs only, not {shown}",
                    hint="upload the image somewhere reachable and pass its https:// URL",
                )
        images = [image.url for image in spec.images]
        models = self._models
        # The generated request model builds the body (the enum serializes to its value).
        body = models.VeoCreateRequest(
            model=spec.model,
            prompt=spec.prompt,
            **given(
                images=images or None,
                aspect_ratio=None
                if spec.aspect_ratio is None
                else models.VeoCreateRequestAspectRatio(spec.aspect_ratio),
            ),
        )
        return create_request_from_generated(self._create._get_kwargs(body=body), spec)

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        """``{id, status, status_update_time, enhanced_prompt}``: normalized like a query."""
        created = expect_object(self.name, "create answer", payload)
        task = self.parse_task(created)
        return attrs.evolve(
            task,
            model=spec.model,
            prompt=task.prompt or spec.prompt,
            # An answer without a status is a task just made.
            status=TaskStatus.QUEUED if task.raw_status is None else task.status,
        )

    def error_fields(self, payload: Any) -> tuple[str | None, str | None]:
        """OpenAI-style ``{"error": {"message", "type", "code"}}`` (unconfirmed), or a bare message."""
        error = payload.get("error") if isinstance(payload, dict) else None
        if isinstance(error, dict):
            return as_text(error.get("code")), as_text(error.get("message"))
        if isinstance(payload, dict):
            return as_text(payload.get("code")), as_text(error) or as_text(payload.get("message"))
        return None, None
