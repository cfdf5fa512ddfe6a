"""Fidelity: the official Ark SDK reads the simulator, and every answer matches the curated specs.

The specs are checked strictly here: an object schema that does not say otherwise takes no fields
beyond those it declares, so every field the simulator sends (in its default shapes and in each
real-traffic shape, :data:`vtasks.testing.QUIRKS`) must be known to the curated spec.
"""

import pathlib
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from openapi_schema_validator import OAS31Validator

from vtasks.testing import QUIRKS, STATUSES, FakeProviders

SPECS = pathlib.Path(__file__).resolve().parent.parent / "specs"


# ---- the official Ark SDK -----------------------------------------------------------------------


@pytest.mark.parametrize(("provider", "prefix"), [("ark", "/api/v3"), ("volc", "/volc/v1")])
def test_official_ark_sdk_reads_the_simulator(
    fake: FakeProviders, provider: str, prefix: str
) -> None:
    ark_sdk = pytest.importorskip("volcenginesdkarkruntime")
    done = fake.add_task(provider, status="succeeded")
    failed = fake.add_task(provider, status="failed")
    fake.add_tasks(provider, 12, statuses=["running", "succeeded", "queued"])
    client = ark_sdk.Ark(base_url=f"{fake.base_url}{prefix}", api_key=fake.api_keys[provider])
    try:
        task = client.content_generation.tasks.get(task_id=done.id)
        assert (task.id, task.status, task.model) == (done.id, "succeeded", done.model)
        assert task.content.video_url == done.video_url
        assert task.created_at == int(done.created_at.timestamp())
        task = client.content_generation.tasks.get(task_id=failed.id)
        assert task.status == "failed"
        assert task.error.code == "OutputVideoSensitiveContentDetected"

        page = client.content_generation.tasks.list(page_num=1, page_size=5)
        assert page.total == 14
        assert len(page.items) == 5
        assert page.items[0].id == fake.task_ids(provider)[0]
        page = client.content_generation.tasks.list(page_num=1, page_size=100, status="succeeded")
        assert page.total == 5
        assert {t.status for t in page.items} == {"succeeded"}
        page = client.content_generation.tasks.list(task_ids=[done.id, failed.id])
        assert [t.id for t in page.items] == [failed.id, done.id]

        with pytest.raises(ark_sdk._exceptions.ArkNotFoundError):
            client.content_generation.tasks.get(task_id="cgt-missing")
    finally:
        client.close()
    requests = fake.requests
    assert {r.headers["authorization"] for r in requests} == {"Bearer <redacted>"}
    assert all(r.auth_ok for r in requests)
    assert requests[4].query_dict()["filter.task_ids"] == [done.id, failed.id]


def test_official_ark_sdk_sees_a_wrong_key(fake: FakeProviders) -> None:
    ark_sdk = pytest.importorskip("volcenginesdkarkruntime")
    client = ark_sdk.Ark(base_url=f"{fake.base_url}/api/v3", api_key="sk-wrong", max_retries=0)
    try:
        with pytest.raises(ark_sdk._exceptions.ArkAuthenticationError):
            client.content_generation.tasks.list()
    finally:
        client.close()


# ---- the curated OpenAPI specs ------------------------------------------------------------------


def _load(path: pathlib.Path, cache: dict[pathlib.Path, Any]) -> Any:
    if path not in cache:
        cache[path] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return cache[path]


def _inline(node: Any, here: pathlib.Path, cache: dict[pathlib.Path, Any]) -> Any:
    """Replace every $ref (local or into another file) by its target, recursively."""
    if isinstance(node, list):
        return [_inline(item, here, cache) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        file_part, _, pointer = node["$ref"].partition("#")
        target_file = (here.parent / file_part).resolve() if file_part else here
        target: Any = _load(target_file, cache)
        for part in pointer.strip("/").split("/"):
            target = target[part]
        return _inline(target, target_file, cache)
    return {key: _inline(value, here, cache) for key, value in node.items()}


def _strict(node: Any) -> Any:
    """``node`` with ``additionalProperties: false`` wherever an object schema leaves it open.

    OpenAPI objects take any extra field by default, so a field the spec has never heard of would
    pass; closed, the answer must use declared fields only (``detail`` and other deliberately open
    objects say ``additionalProperties: true`` and stay open).
    """
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _strict(value) for key, value in node.items()}
    if "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    return out


class Specs:
    """The response schemas of every provider's curated spec, refs inlined (and closed)."""

    def __init__(self) -> None:
        self._cache: dict[pathlib.Path, Any] = {}

    def schema(self, provider: str, path: str, status: int) -> dict[str, Any]:
        spec_path = (SPECS / f"{provider}.yaml").resolve()
        spec = _load(spec_path, self._cache)
        responses = spec["paths"][path]["get"]["responses"]
        response = responses.get(str(status)) or responses.get("default")
        assert response is not None, f"{provider} {path}: no response for HTTP {status}"
        response = _inline(response, spec_path, self._cache)
        schema: dict[str, Any] = _strict(response["content"]["application/json"]["schema"])
        return schema


@pytest.fixture(scope="module")
def specs() -> Specs:
    if not (SPECS / "ark.yaml").exists():
        pytest.skip("curated specs not present")
    return Specs()


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5.0) as client:
        yield client


def _auth(fake: FakeProviders, provider: str) -> dict[str, str]:
    key = fake.api_keys[provider]
    if provider == "vidu":
        return {"Authorization": f"Token {key}"}
    if provider == "aitoearn":
        return {"X-Api-Key": key}
    return {"Authorization": f"Bearer {key}"}


def _requests(fake: FakeProviders) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(provider, spec path, URL path, query) for every endpoint, in every task state."""
    out: list[tuple[str, str, str, dict[str, Any]]] = []
    for provider in ("ark", "volc"):
        prefix = "/api/v3" if provider == "ark" else "/volc/v1"
        base = f"{prefix}/contents/generations/tasks"
        ids = [fake.add_task(provider, status=s).id for s in STATUSES]
        # a numeric error code, as gateways send it (LnYo-Cly/ai4j SeedanceVideoServiceTest)
        ids.append(fake.add_task(provider, status="failed", error={"code": 400}).id)
        out += [(provider, base + "/{id}", f"{base}/{i}", {}) for i in [*ids, "cgt-none"]]
        out += [
            (provider, base, base, {"page_size": 100}),
            (provider, base, base, {"page_size": 0}),
            (provider, base, base, {"filter.status": "failed"}),
        ]
    ids = [fake.add_task("veo", status=s).id for s in STATUSES]
    ids.append(fake.add_task("veo", status="failed", error={"code": 7, "message": "m"}).id)
    out += [("veo", "/v1/video/query", "/v1/video/query", {"id": i}) for i in [*ids, "x"]]
    out.append(("veo", "/v1/video/query", "/v1/video/query", {}))
    for status in STATUSES:
        task = fake.add_task("minimax", status=status)
        path = "/v1/query/video_generation"
        out.append(("minimax", path, path, {"task_id": task.id}))
        out.append(
            ("minimax", "/v1/files/retrieve", "/v1/files/retrieve", {"file_id": task.file_id})
        )
    # a reseller's spelling (YeSongYun/dmxapi.doc), with the task's reason in base_resp
    failed = fake.add_task("minimax", raw_status="Failed", error={"code": 3001})
    path = "/v1/query/video_generation"
    out.append(("minimax", path, path, {"task_id": failed.id}))
    out.append(("minimax", "/v1/query/video_generation", "/v1/query/video_generation", {}))
    for status in STATUSES:
        task = fake.add_task("vidu", status=status, template="hug" if status == "queued" else None)
        out.append(
            ("vidu", "/ent/v2/tasks/{id}/creations", f"/ent/v2/tasks/{task.id}/creations", {})
        )
    out += [
        ("vidu", "/ent/v2/tasks/{id}/creations", "/ent/v2/tasks/404/creations", {}),
        ("vidu", "/ent/v2/tasks", "/ent/v2/tasks", {"pager.pagesz": 3}),
        ("vidu", "/ent/v2/tasks", "/ent/v2/tasks", {"pager.pagesz": 100}),
        ("vidu", "/ent/v2/tasks", "/ent/v2/tasks", {"pager.pagesz": 101}),
    ]
    for status in STATUSES:
        task = fake.add_task("aitoearn", status=status, prompt="p")
        path = "/api/ai/video/generations"
        out.append(("aitoearn", path + "/{taskId}", f"{path}/{task.id}", {}))
    out += [
        ("aitoearn", "/api/ai/video/generations/{taskId}", "/api/ai/video/generations/bad", {}),
        (
            "aitoearn",
            "/api/ai/video/generations/{taskId}",
            "/api/ai/video/generations/" + "0" * 24,
            {},
        ),
        ("aitoearn", "/api/ai/video/generations", "/api/ai/video/generations", {"pageSize": 100}),
        ("aitoearn", "/api/ai/video/generations", "/api/ai/video/generations", {"pageSize": 0}),
    ]
    return out


def test_every_answer_matches_the_curated_spec(
    fake: FakeProviders, http: httpx.Client, specs: Specs
) -> None:
    checked = 0
    for provider, spec_path, url, query in _requests(fake):
        for headers in (_auth(fake, provider), {}):
            r = http.get(url, params=query, headers=headers)
            schema = specs.schema(provider, spec_path, r.status_code)
            errors = [e.message for e in OAS31Validator(schema).iter_errors(r.json())]
            assert not errors, f"{provider} {url} {query} -> {r.status_code}: {errors}\n{r.text}"
            checked += 1
    assert checked > 100


@pytest.mark.parametrize(
    ("provider", "quirk"),
    [(provider, name) for provider, names in QUIRKS.items() for name in names],
)
def test_real_traffic_shapes_are_known_to_the_spec(specs: Specs, provider: str, quirk: str) -> None:
    """Each shape seen in real traffic (docs/providers.md, "Seen in real traffic") is in the spec."""
    with (
        FakeProviders(quirks={provider: [quirk]}) as fake,
        httpx.Client(base_url=fake.base_url, timeout=5.0) as http,
    ):
        checked = 0
        for owner, spec_path, url, query in _requests(fake):
            if owner != provider:
                continue
            r = http.get(url, params=query, headers=_auth(fake, provider))
            schema = specs.schema(provider, spec_path, r.status_code)
            errors = [e.message for e in OAS31Validator(schema).iter_errors(r.json())]
            assert not errors, f"{quirk}: {url} {query} -> {r.status_code}: {errors}\n{r.text}"
            checked += 1
    assert checked


@pytest.mark.parametrize(
    ("provider", "spec_path", "url", "fault", "params"),
    [
        (
            "ark",
            "/api/v3/contents/generations/tasks",
            "/api/v3/contents/generations/tasks",
            "rate_limit",
            {},
        ),
        (
            "ark",
            "/api/v3/contents/generations/tasks",
            "/api/v3/contents/generations/tasks",
            "http_error",
            {"status": 503},
        ),
        ("veo", "/v1/video/query", "/v1/video/query?id=x", "rate_limit", {}),
        ("vidu", "/ent/v2/tasks", "/ent/v2/tasks", "http_error", {"status": 499}),
        (
            "vidu",
            "/ent/v2/tasks",
            "/ent/v2/tasks",
            "business_error",
            {"code": "QuotaExceeded", "status": 429},
        ),
        (
            "minimax",
            "/v1/query/video_generation",
            "/v1/query/video_generation?task_id=1",
            "business_error",
            {"code": 1002},
        ),
        (
            "aitoearn",
            "/api/ai/video/generations",
            "/api/ai/video/generations",
            "business_error",
            {"code": 12301},
        ),
    ],
)
def test_vendor_shaped_fault_bodies_match_the_spec(
    fake: FakeProviders,
    http: httpx.Client,
    specs: Specs,
    provider: str,
    spec_path: str,
    url: str,
    fault: str,
    params: dict[str, Any],
) -> None:
    fake.inject(provider, fault, **params)
    r = http.get(url, headers=_auth(fake, provider))
    # MiniMax and AiToEarn document only HTTP 200; their business errors travel in it.
    status = 200 if provider in ("minimax", "aitoearn") else r.status_code
    schema = specs.schema(provider, spec_path, status)
    errors = [e.message for e in OAS31Validator(schema).iter_errors(r.json())]
    assert not errors, f"{r.status_code}: {errors}\n{r.text}"
