"""Create, cancel and delete requests of ark, volc and veo: pure unit tests of the adapters.

Each request is built from normalized inputs (``create_spec``) and compared field by field with
the body the vendor documents; every refusal must raise before a request exists; every built
body must validate against the curated request schema bundled with the generated package.
"""

from __future__ import annotations

import base64
from typing import Any

import jsonschema
import pytest

from vtasks import ConfigurationError, ResponseError, TaskStatus, UnsupportedOperation
from vtasks._exceptions import InvalidRequestError, NotFoundError, ServerError
from vtasks._inputs import create_spec
from vtasks._models import Task
from vtasks._providers.seedance import MAX_IMAGE_BYTES, ArkAdapter, VolcAdapter
from vtasks._providers.veo import VeoAdapter
from vtasks._spec import document, operation

PNG = "https://example.com/a.png"
PNG2 = "https://example.com/b.png"
SEEDANCE = [("ark", ArkAdapter, "/api/v3"), ("volc", VolcAdapter, "/volc/v1")]


def _request_schema(provider: str) -> dict[str, Any]:
    found = operation(provider, "create")
    assert found is not None
    schema: dict[str, Any] = found[2]["requestBody"]["content"]["application/json"]["schema"]
    return schema


def _validate(provider: str, body: object) -> None:
    doc = document(provider)
    resolver_schema = {**_request_schema(provider), "components": doc["components"]}
    jsonschema.Draft202012Validator(resolver_schema).validate(body)


def _data_url(size: int) -> str:
    return "data:image/png;base64," + base64.b64encode(b"\0" * size).decode()


# -- Seedance (ark, volc) ------------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "cls", "prefix"), SEEDANCE)
def test_seedance_full_mapping(provider: str, cls: type[ArkAdapter], prefix: str) -> None:
    spec = create_spec(
        model="doubao-seedance-1-0-pro-250528",
        prompt="a cat",
        first_frame=PNG,
        last_frame=PNG2,
        duration=5,
        resolution="1080p",
        aspect_ratio="16:9",
        seed=42,
        callback_url="https://hooks.example.com/t?token=x",
    )
    request = cls().create_request(spec)
    assert (request.endpoint, request.method, request.path) == (
        "create",
        "POST",
        f"{prefix}/contents/generations/tasks",
    )
    assert request.idempotent is False
    assert request.params == ()
    assert request.json == {
        "model": "doubao-seedance-1-0-pro-250528",
        "content": [
            {"type": "text", "text": "a cat"},
            {"type": "image_url", "image_url": {"url": PNG}, "role": "first_frame"},
            {"type": "image_url", "image_url": {"url": PNG2}, "role": "last_frame"},
        ],
        "ratio": "16:9",
        "duration": 5,
        "resolution": "1080p",
        "seed": 42,
        "callback_url": "https://hooks.example.com/t?token=x",
    }
    _validate(provider, request.json)


@pytest.mark.parametrize(("provider", "cls", "prefix"), SEEDANCE)
def test_seedance_references_and_data_urls(
    provider: str, cls: type[ArkAdapter], prefix: str
) -> None:
    data = _data_url(100)
    spec = create_spec(model="doubao-seedance-1-0-lite-i2v", reference_images=[PNG, data])
    request = cls().create_request(spec)
    assert request.json == {
        "model": "doubao-seedance-1-0-lite-i2v",
        "content": [
            {"type": "image_url", "image_url": {"url": PNG}, "role": "reference_image"},
            {"type": "image_url", "image_url": {"url": data}, "role": "reference_image"},
        ],
    }
    _validate(provider, request.json)


@pytest.mark.parametrize(("provider", "cls", "prefix"), SEEDANCE)
def test_seedance_extra_is_merged_and_wins(
    provider: str, cls: type[ArkAdapter], prefix: str
) -> None:
    spec = create_spec(
        model="m",
        prompt="p",
        duration=5,
        extra={"duration": -1, "watermark": False, "service_tier": "flex", "frames": 121},
    )
    body = cls().create_request(spec).json
    assert body == {
        "model": "m",
        "content": [{"type": "text", "text": "p"}],
        "duration": -1,
        "watermark": False,
        "service_tier": "flex",
        "frames": 121,
    }
    _validate(provider, body)


def test_seedance_body_comes_from_the_generated_model() -> None:
    # The generated content item's attribute is ``type_`` (``type`` is a builtin): only its
    # ``to_dict`` writes the wire name ``type``, and leaves unset fields out entirely.
    from vtasks_gen_ark.models import SeedanceContentItem

    item = SeedanceContentItem.from_dict({"type": "text", "text": "p"})
    assert item.type_ == "text"
    body = ArkAdapter().create_request(create_spec(model="m", prompt="p")).json
    assert body["content"] == [item.to_dict()]
    assert "type_" not in body["content"][0]
    assert "role" not in body["content"][0]


def test_seedance_local_file_becomes_data_url(tmp_path: Any) -> None:
    path = tmp_path / "frame.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nrest")
    body = ArkAdapter().create_request(create_spec(model="m", first_frame=path)).json
    url = body["content"][0]["image_url"]["url"]
    assert url.startswith("data:image/png;base64,")
    assert base64.b64decode(url.partition(",")[2]) == path.read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({"prompt": "p", "last_frame": PNG}, ConfigurationError, "last_frame only with"),
        (
            {"prompt": "p", "first_frame": PNG, "reference_images": [PNG2]},
            UnsupportedOperation,
            "separate modes",
        ),
        ({"prompt": "p", "reference_images": [PNG] * 5}, ConfigurationError, "at most 4"),
        ({"prompt": "p", "duration": 5.5}, ConfigurationError, "whole seconds"),
        ({"prompt": "p", "seed": -2}, ConfigurationError, "seed in"),
        ({"prompt": "p", "seed": 2**32}, ConfigurationError, "seed in"),
        ({}, ConfigurationError, "prompt or an image"),
        (
            {"first_frame": _data_url(MAX_IMAGE_BYTES + 3)},
            ConfigurationError,
            "under 30 MB",
        ),
    ],
)
@pytest.mark.parametrize("cls", [ArkAdapter, VolcAdapter])
def test_seedance_refusals(
    cls: type[ArkAdapter], kwargs: dict[str, Any], error: type[Exception], words: str
) -> None:
    spec = create_spec(model="m", **kwargs)
    with pytest.raises(error, match=words):
        cls().create_request(spec)


def test_seedance_seed_bounds_are_accepted() -> None:
    for seed in (-1, 2**32 - 1):
        body = ArkAdapter().create_request(create_spec(model="m", prompt="p", seed=seed)).json
        assert body["seed"] == seed
        _validate("ark", body)


def test_seedance_image_at_the_limit_is_accepted() -> None:
    # The limit is on the image, not on the base64 text: 3 bytes of base64 payload per 4 chars.
    url = _data_url(MAX_IMAGE_BYTES // 3 * 3)
    body = ArkAdapter().create_request(create_spec(model="m", first_frame=url)).json
    assert body["content"][0]["image_url"]["url"] == url


@pytest.mark.parametrize(("provider", "cls", "prefix"), SEEDANCE)
def test_seedance_parse_created(provider: str, cls: type[ArkAdapter], prefix: str) -> None:
    spec = create_spec(model="m", prompt="a cat")
    task = cls().parse_created({"id": "cgt-1"}, spec)
    assert task.provider == provider
    assert (task.id, task.status, task.model, task.prompt) == (
        "cgt-1",
        TaskStatus.QUEUED,
        "m",
        "a cat",
    )
    assert task.raw == {"id": "cgt-1"}
    for bad in ({}, {"id": ""}, {"id": None}, [], "cgt-1"):
        with pytest.raises(ResponseError):
            cls().parse_created(bad, spec)


@pytest.mark.parametrize(("provider", "cls", "prefix"), SEEDANCE)
def test_seedance_cancel_and_delete_are_one_delete(
    provider: str, cls: type[ArkAdapter], prefix: str
) -> None:
    adapter = cls()
    cancel, delete = adapter.cancel_request("cgt-1/x"), adapter.delete_request("cgt-1/x")
    for request, endpoint in ((cancel, "cancel"), (delete, "delete")):
        assert request.endpoint == endpoint
        assert request.method == "DELETE"
        assert request.path == f"{prefix}/contents/generations/tasks/cgt-1%2Fx"
        assert request.task_ids == ("cgt-1/x",)
        assert request.idempotent is False
        assert request.json is None
    # The spec curates the DELETE once, as cancel_task; the delete endpoint finds it too.
    assert operation(provider, "cancel") == operation(provider, "delete")
    found = operation(provider, "delete")
    assert found is not None
    assert found[0] == "DELETE"
    facts = adapter.facts
    assert facts.cancel_path == facts.delete_path == f"{prefix}/contents/generations/tasks/{{id}}"
    assert facts.create_path == f"{prefix}/contents/generations/tasks"
    assert adapter.supports_create
    assert adapter.supports_cancel
    assert adapter.supports_delete


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        (TaskStatus.QUEUED, True),
        (TaskStatus.RUNNING, False),
        (TaskStatus.UNKNOWN, False),
        (TaskStatus.SUCCEEDED, False),
    ],
)
def test_seedance_cancellable_only_when_queued(status: TaskStatus, expected: bool) -> None:
    task = Task(provider="ark", id="t", status=status)
    assert ArkAdapter().cancellable(task) is expected


def test_seedance_cancel_refused() -> None:
    adapter = ArkAdapter()
    refused = InvalidRequestError(
        "not cancellable", provider="ark", status_code=400, code="InvalidParameter"
    )
    conflict = InvalidRequestError("conflict", provider="ark", status_code=409)
    assert adapter.cancel_refused(refused)
    assert adapter.cancel_refused(conflict)
    assert not adapter.cancel_refused(NotFoundError("gone", provider="ark", status_code=404))
    assert not adapter.cancel_refused(ServerError("down", provider="ark", status_code=500))
    assert not adapter.cancel_refused(ConfigurationError("no"))


# -- Veo -----------------------------------------------------------------------------------------


def test_veo_frames_mapping() -> None:
    spec = create_spec(
        model="veo3-fast-frames",
        prompt="a cat",
        first_frame=PNG,
        last_frame=PNG2,
        aspect_ratio="9:16",
    )
    request = VeoAdapter().create_request(spec)
    assert (request.endpoint, request.method, request.path) == (
        "create",
        "POST",
        "/v1/video/create",
    )
    assert request.idempotent is False
    assert request.json == {
        "model": "veo3-fast-frames",
        "prompt": "a cat",
        "images": [PNG, PNG2],
        "aspect_ratio": "9:16",
    }
    _validate("veo", request.json)


def test_veo_references_and_text_only() -> None:
    adapter = VeoAdapter()
    refs = adapter.create_request(
        create_spec(model="veo2-fast-components", prompt="p", reference_images=[PNG, PNG2, PNG])
    ).json
    assert refs == {"model": "veo2-fast-components", "prompt": "p", "images": [PNG, PNG2, PNG]}
    _validate("veo", refs)
    text = adapter.create_request(create_spec(model="veo3", prompt="p")).json
    assert text == {"model": "veo3", "prompt": "p"}
    _validate("veo", text)


def test_veo_extra_is_merged_and_wins() -> None:
    spec = create_spec(
        model="veo3",
        prompt="p",
        aspect_ratio="16:9",
        extra={
            "enhance_prompt": True,
            "enable_upsample": True,
            "aspect_ratio": "9:16",
            "size": "x",
        },
    )
    body = VeoAdapter().create_request(spec).json
    assert body == {
        "model": "veo3",
        "prompt": "p",
        "aspect_ratio": "9:16",
        "enhance_prompt": True,
        "enable_upsample": True,
        "size": "x",
    }
    _validate("veo", body)


def test_veo_body_comes_from_the_generated_model() -> None:
    # aspect_ratio is a generated enum: the model serializes it to its plain value.
    from vtasks_gen_veo.models import VeoCreateRequestAspectRatio

    body = (
        VeoAdapter().create_request(create_spec(model="veo3", prompt="p", aspect_ratio="16:9")).json
    )
    assert type(body["aspect_ratio"]) is str
    assert body["aspect_ratio"] == VeoCreateRequestAspectRatio.VALUE_0.value


@pytest.mark.parametrize(
    ("kwargs", "error", "words"),
    [
        ({}, ConfigurationError, "needs a prompt"),
        ({"prompt": "p", "first_frame": _data_url(10)}, ConfigurationError, "URLs only"),
        ({"prompt": "p", "reference_images": [_data_url(10)]}, ConfigurationError, "URLs only"),
        ({"prompt": "p", "last_frame": PNG}, ConfigurationError, "last_frame only with"),
        (
            {"prompt": "p", "first_frame": PNG, "reference_images": [PNG2]},
            UnsupportedOperation,
            "cannot be combined",
        ),
        ({"prompt": "p", "reference_images": [PNG] * 4}, ConfigurationError, "at most 3"),
        ({"prompt": "p", "seed": 1}, ConfigurationError, "no seed"),
        ({"prompt": "p", "duration": 8}, ConfigurationError, "no duration"),
        ({"prompt": "p", "resolution": "1080p"}, ConfigurationError, "no resolution"),
        ({"prompt": "p", "aspect_ratio": "4:3"}, ConfigurationError, "16:9 or 9:16"),
    ],
)
def test_veo_refusals(kwargs: dict[str, Any], error: type[Exception], words: str) -> None:
    spec = create_spec(model="veo3", **kwargs)
    with pytest.raises(error, match=words):
        VeoAdapter().create_request(spec)


def test_veo_local_file_is_refused(tmp_path: Any) -> None:
    path = tmp_path / "frame.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ConfigurationError, match=r"frame\.png"):
        VeoAdapter().create_request(create_spec(model="veo3-frames", prompt="p", first_frame=path))


def test_veo_extra_hint_for_unmapped_fields() -> None:
    with pytest.raises(ConfigurationError) as caught:
        VeoAdapter().create_request(create_spec(model="veo3", prompt="p", seed=1))
    assert caught.value.hint is not None
    assert "extra" in caught.value.hint


def test_veo_parse_created() -> None:
    spec = create_spec(model="veo3.1-fast", prompt="a cat")
    payload = {
        "id": "veo3.1-fast:1760545785-euexscdeL8",
        "status": "pending",
        "status_update_time": 1760545785000,
        "enhanced_prompt": "A cat, cinematic.",
    }
    task = VeoAdapter().parse_created(payload, spec)
    assert task.id == "veo3.1-fast:1760545785-euexscdeL8"
    assert (task.status, task.raw_status) == (TaskStatus.QUEUED, "pending")
    assert (task.model, task.prompt) == ("veo3.1-fast", "A cat, cinematic.")
    assert task.updated_at is not None
    assert task.updated_at.year == 2025
    bare = VeoAdapter().parse_created({"id": "x"}, spec)
    assert (bare.status, bare.prompt) == (TaskStatus.QUEUED, "a cat")
    running = VeoAdapter().parse_created({"id": "x", "status": "processing"}, spec)
    assert running.status is TaskStatus.RUNNING
    for bad in ({}, {"status": "pending"}, {"id": ""}, []):
        with pytest.raises(ResponseError):
            VeoAdapter().parse_created(bad, spec)


def test_veo_has_no_cancel() -> None:
    adapter = VeoAdapter()
    assert adapter.supports_create
    assert not adapter.supports_cancel
    with pytest.raises(UnsupportedOperation):
        adapter.cancel_request("x")
    assert operation("veo", "cancel") is None


@pytest.mark.parametrize(
    ("provider", "body"),
    [
        ("ark", {"model": "m"}),
        ("volc", {"model": "m", "content": [{"text": "no type"}]}),
        ("ark", {"model": "m", "content": [], "seed": 2**32}),
        ("veo", {"model": "veo3"}),
        ("veo", {"model": "veo3", "prompt": "p", "aspect_ratio": "4:3"}),
    ],
)
def test_the_schema_check_can_fail(provider: str, body: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        _validate(provider, body)


def test_veo_refuses_a_callback_url_rather_than_dropping_it() -> None:
    """The unified format has no callback: a caller relying on one must hear so before paying."""
    from vtasks import ConfigurationError
    from vtasks._inputs import create_spec
    from vtasks._providers import get_adapter

    spec = create_spec(model="veo3-fast", prompt="a fox", callback_url="https://e.x/cb")
    with pytest.raises(ConfigurationError, match="callback"):
        get_adapter("veo").create_request(spec)
