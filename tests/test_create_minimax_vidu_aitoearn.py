"""Create and cancel requests of minimax, vidu and aitoearn: pure functions of the inputs."""

from __future__ import annotations

import base64
from typing import Any

import jsonschema
import pytest

from vtasks import _spec
from vtasks._exceptions import (
    ConfigurationError,
    InvalidRequestError,
    ResponseError,
    UnsupportedOperation,
)
from vtasks._inputs import create_spec
from vtasks._models import TaskStatus
from vtasks._providers.aitoearn import AitoearnAdapter
from vtasks._providers.minimax import MinimaxAdapter
from vtasks._providers.vidu import CREATE_OPERATIONS, ViduAdapter, create_mode

A, B, C = "https://x.test/a.png", "https://x.test/b.png", "https://x.test/c.png"


def _body_valid(provider: str, operation_id: str, body: Any) -> None:
    found = _spec.operation(provider, "create", operation_id)
    assert found is not None
    method, path, _op = found
    pointer = f"#/paths/{path.replace('/', '~1')}/{method.lower()}/requestBody/content/application~1json/schema"
    jsonschema.Draft202012Validator({**_spec.document(provider), "$ref": pointer}).validate(body)


def test_minimax_create_maps_fields_and_extra_wins() -> None:
    spec = create_spec(
        model="MiniMax-Hailuo-02",
        prompt="boat",
        first_frame=A,
        last_frame=B,
        duration=6,
        resolution="768P",
        callback_url="https://cb.test/x",
        extra={"duration": 10, "aigc_watermark": True},
    )
    request = MinimaxAdapter().create_request(spec)
    assert (request.method, request.path, request.endpoint) == (
        "POST",
        "/v1/video_generation",
        "create",
    )
    assert request.idempotent is False
    assert request.json == {
        "model": "MiniMax-Hailuo-02",
        "prompt": "boat",
        "duration": 10,
        "resolution": "768P",
        "first_frame_image": A,
        "last_frame_image": B,
        "callback_url": "https://cb.test/x",
        "aigc_watermark": True,
    }
    _body_valid("minimax", "create_task", request.json)


def test_minimax_subject_reference() -> None:
    request = MinimaxAdapter().create_request(
        create_spec(model="S2V-01", prompt="p", reference_images=[A])
    )
    assert request.json == {
        "model": "S2V-01",
        "prompt": "p",
        "subject_reference": [{"type": "character", "image": [A]}],
    }
    _body_valid("minimax", "create_task", request.json)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"duration": 5}, ConfigurationError),
        ({"aspect_ratio": "16:9"}, ConfigurationError),
        ({"seed": 1}, ConfigurationError),
        ({"last_frame": B}, ConfigurationError),
        ({"prompt": "x" * 2001}, ConfigurationError),
        ({"reference_images": [A, B]}, UnsupportedOperation),
        ({"reference_images": [A], "first_frame": B}, UnsupportedOperation),
        ({"first_frame": "data:image/png;base64," + "A" * (28 * 1024 * 1024)}, ConfigurationError),
    ],
)
def test_minimax_refusals(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        MinimaxAdapter().create_request(create_spec(model="m", **{"prompt": "p", **kwargs}))


def test_minimax_parse_created() -> None:
    spec = create_spec(model="m", prompt="p")
    task = MinimaxAdapter().parse_created(
        {"task_id": "1069", "base_resp": {"status_code": 0}}, spec
    )
    assert (task.id, task.status, task.model) == ("1069", TaskStatus.QUEUED, "m")
    with pytest.raises(ResponseError):
        MinimaxAdapter().parse_created({"base_resp": {"status_code": 0}}, spec)


@pytest.mark.parametrize(
    ("kwargs", "mode", "images"),
    [
        ({}, "text2video", None),
        ({"first_frame": A}, "img2video", [A]),
        ({"first_frame": A, "last_frame": B}, "start-end2video", [A, B]),
        ({"reference_images": [A, B, C]}, "reference2video", [A, B, C]),
    ],
)
def test_vidu_endpoint_per_inputs(
    kwargs: dict[str, Any], mode: str, images: list[str] | None
) -> None:
    spec = create_spec(
        model="viduq2-pro",
        prompt="boat",
        duration=5,
        seed=3,
        aspect_ratio="16:9",
        resolution="720p",
        callback_url="https://cb.test/v",
        extra={"off_peak": True, "seed": 0},
        **kwargs,
    )
    assert create_mode(spec) == mode
    request = ViduAdapter().create_request(spec)
    assert (request.method, request.path, request.idempotent) == ("POST", f"/ent/v2/{mode}", False)
    expected: dict[str, Any] = {"model": "viduq2-pro", "prompt": "boat"}
    if images:
        expected["images"] = images
    expected.update(
        duration=5,
        seed=0,
        aspect_ratio="16:9",
        resolution="720p",
        callback_url="https://cb.test/v",
        off_peak=True,
    )
    assert request.json == expected
    _body_valid("vidu", CREATE_OPERATIONS[mode], request.json)
    found = _spec.operation("vidu", "create", CREATE_OPERATIONS[mode])
    assert found is not None
    assert found[1] == f"/ent/v2/{mode}"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"last_frame": B}, ConfigurationError),
        ({"reference_images": [A], "first_frame": B}, UnsupportedOperation),
        ({"reference_images": [A] * 8}, ConfigurationError),
        ({"prompt": None}, ConfigurationError),
        ({"prompt": None, "reference_images": [A]}, ConfigurationError),
        ({"duration": 4.5}, ConfigurationError),
        ({"seed": -1}, ConfigurationError),
        ({"prompt": "x" * 2001}, ConfigurationError),
    ],
)
def test_vidu_refusals(kwargs: dict[str, Any], error: type[Exception]) -> None:
    with pytest.raises(error):
        ViduAdapter().create_request(create_spec(model="m", **{"prompt": "p", **kwargs}))


def test_vidu_img2video_without_prompt_is_fine() -> None:
    request = ViduAdapter().create_request(create_spec(model="m", first_frame=A))
    assert request.json == {"model": "m", "images": [A]}


def test_vidu_parse_created_and_cancel() -> None:
    adapter = ViduAdapter()
    spec = create_spec(model="viduq2-pro", prompt="boat")
    task = adapter.parse_created({"task_id": "85", "state": "created", "credits": 20}, spec)
    assert (task.id, task.status, task.model) == ("85", TaskStatus.QUEUED, "viduq2-pro")
    assert task.usage is not None
    assert task.usage.credits == 20
    with pytest.raises(ResponseError):
        adapter.parse_created({"state": "created"}, spec)
    request = adapter.cancel_request("85")
    assert (request.method, request.path, request.json, request.idempotent) == (
        "POST",
        "/ent/v2/tasks/85/cancel",
        {"id": "85"},
        False,
    )
    assert adapter.cancel_refused(
        InvalidRequestError("task state is scheduled, can not cancel", provider="vidu")
    )
    assert not adapter.cancel_refused(InvalidRequestError("bad field", provider="vidu"))
    assert _spec.response_schema("vidu", "cancel") is not None


def test_aitoearn_create_maps_fields() -> None:
    spec = create_spec(
        model="veo3.1-fast",
        prompt="boat",
        first_frame=A,
        last_frame=B,
        reference_images=[C],
        aspect_ratio="16:9",
        duration=8,
        resolution="720p",
        seed=7,
        extra={"mode": "flf2video", "ratio": "9:16"},
    )
    request = AitoearnAdapter().create_request(spec)
    assert (request.method, request.path, request.idempotent) == (
        "POST",
        "/api/ai/video/generations",
        False,
    )
    assert request.json == {
        "model": "veo3.1-fast",
        "prompt": "boat",
        "image": A,
        "image_tail": B,
        "images": [C],
        "resolution": "720p",
        "ratio": "9:16",
        "duration": 8,
        "seed": 7,
        "mode": "flf2video",
    }
    _body_valid("aitoearn", "create_task", request.json)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"callback_url": "https://cb.test/"},
        {"prompt": None},
        {"prompt": "x" * 4001},
        {"duration": 2.5},
    ],
)
def test_aitoearn_refusals(kwargs: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        AitoearnAdapter().create_request(create_spec(model="m", **{"prompt": "p", **kwargs}))


def test_aitoearn_parse_created() -> None:
    spec = create_spec(model="m", prompt="p")
    task = AitoearnAdapter().parse_created(
        {"code": 0, "data": {"id": "6864f1c2a1b2c3d4e5f60718", "status": "SUBMITTED"}}, spec
    )
    assert (task.id, task.status) == ("6864f1c2a1b2c3d4e5f60718", TaskStatus.QUEUED)
    with pytest.raises(ResponseError):
        AitoearnAdapter().parse_created({"code": 0, "data": {}}, spec)


def test_data_url_image_passes_through() -> None:
    url = "data:image/png;base64," + base64.b64encode(b"png").decode()
    assert ViduAdapter().create_request(create_spec(model="m", first_frame=url)).json["images"] == [
        url
    ]
