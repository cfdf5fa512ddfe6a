"""The simulator's endpoints: envelopes, auth errors and not-found answers, per vendor."""

from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from vtasks.testing import COVER_JPEG, VIDEO_MP4, FakeProviders

SCHEMES = {
    "ark": ("Authorization", "Bearer {}"),
    "volc": ("Authorization", "Bearer {}"),
    "veo": ("Authorization", "Bearer {}"),
    "minimax": ("Authorization", "Bearer {}"),
    "vidu": ("Authorization", "Token {}"),
    "aitoearn": ("X-Api-Key", "{}"),
}
SEEDANCE = {"ark": "/api/v3", "volc": "/volc/v1"}


def auth(fake: FakeProviders, provider: str, key: str | None = None) -> dict[str, str]:
    name, template = SCHEMES[provider]
    return {name: template.format(key if key is not None else fake.api_keys[provider])}


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=5.0) as client:
        yield client


# ---- ark / volc ---------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_get_succeeded_task(
    fake: FakeProviders, http: httpx.Client, provider: str
) -> None:
    task = fake.add_task(provider, status="succeeded", duration=10, resolution="1080p")
    r = http.get(
        f"{SEEDANCE[provider]}/contents/generations/tasks/{task.id}", headers=auth(fake, provider)
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    body = r.json()
    assert body["id"] == task.id
    assert body["status"] == "succeeded"
    assert body["error"] is None
    assert body["content"]["video_url"] == task.video_url
    assert body["content"]["last_frame_url"] == task.cover_url
    assert isinstance(body["created_at"], int)
    assert body["created_at"] == int(task.created_at.timestamp())
    assert isinstance(body["updated_at"], int)
    assert body["duration"] == 10
    assert body["resolution"] == "1080p"
    assert {"seed", "ratio", "framespersecond", "usage"} <= body.keys()
    assert body["usage"]["completion_tokens"] > 0
    assert task.id.startswith("cgt-")


@pytest.mark.parametrize(
    ("status", "raw"),
    [
        ("queued", "queued"),
        ("running", "running"),
        ("failed", "failed"),
        ("cancelled", "cancelled"),
        ("expired", "expired"),
    ],
)
def test_ark_statuses_and_failure_error(
    fake: FakeProviders, http: httpx.Client, status: str, raw: str
) -> None:
    task = fake.add_task("ark", status=status)
    body = http.get(
        f"/api/v3/contents/generations/tasks/{task.id}", headers=auth(fake, "ark")
    ).json()
    assert body["status"] == raw
    assert "content" not in body
    if status == "failed":
        assert body["error"]["code"] == "OutputVideoSensitiveContentDetected"
        assert body["error"]["message"]
    else:
        assert body["error"] is None


def test_ark_custom_error_and_no_last_frame(fake: FakeProviders, http: httpx.Client) -> None:
    failed = fake.add_task("ark", status="failed", error={"code": "X", "message": "boom"})
    ok = fake.add_task("ark", return_last_frame=False)
    h = auth(fake, "ark")
    assert http.get(f"/api/v3/contents/generations/tasks/{failed.id}", headers=h).json()[
        "error"
    ] == {"code": "X", "message": "boom"}
    content = http.get(f"/api/v3/contents/generations/tasks/{ok.id}", headers=h).json()["content"]
    assert "last_frame_url" not in content


@pytest.mark.parametrize("provider", ["ark", "volc"])
def test_seedance_not_found(fake: FakeProviders, http: httpx.Client, provider: str) -> None:
    r = http.get(
        f"{SEEDANCE[provider]}/contents/generations/tasks/cgt-nope", headers=auth(fake, provider)
    )
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "ResourceNotFound"
    assert error["type"] == "NotFound"
    assert error["param"] == "id"
    assert r.headers["x-request-id"] in error["message"]


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Token sk-fake-ark-0001"}],
    ids=["missing", "wrong-key", "wrong-scheme"],
)
def test_ark_unauthorized(fake: FakeProviders, http: httpx.Client, headers: dict[str, str]) -> None:
    r = http.get("/api/v3/contents/generations/tasks", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] | {"message": ""} == {
        "code": "AuthenticationError",
        "message": "",
        "param": "",
        "type": "Unauthorized",
    }


def test_auth_scheme_is_case_insensitive(fake: FakeProviders, http: httpx.Client) -> None:
    key = fake.api_keys["ark"]
    r = http.get("/api/v3/contents/generations/tasks", headers={"Authorization": f"bearer {key}"})
    assert r.status_code == 200


def test_keys_are_per_provider(fake: FakeProviders, http: httpx.Client) -> None:
    r = http.get("/volc/v1/contents/generations/tasks", headers=auth(fake, "ark"))
    assert r.status_code == 401


def test_custom_api_keys() -> None:
    with FakeProviders(api_keys={"vidu": "my-key"}) as fake:
        assert fake.api_keys["vidu"] == "my-key"
        assert fake.api_keys["ark"] == "sk-fake-ark-0001"
        r = httpx.get(f"{fake.base_url}/ent/v2/tasks", headers={"Authorization": "Token my-key"})
        assert r.status_code == 200
    with pytest.raises(ValueError, match="unknown provider"):
        FakeProviders(api_keys={"nope": "x"})


# ---- veo ----------------------------------------------------------------------------------------


def test_veo_query(fake: FakeProviders, http: httpx.Client) -> None:
    done = fake.add_task("veo", status="succeeded", prompt="a cow with wings")
    pending = fake.add_task("veo", status="queued")
    h = auth(fake, "veo")
    body = http.get("/v1/video/query", params={"id": done.id}, headers=h).json()
    assert set(body) == {"id", "status", "video_url", "enhanced_prompt", "status_update_time"}
    assert body["id"] == done.id
    assert done.id.startswith("veo3.1-fast:")
    assert body["status"] == "completed"
    assert body["video_url"] == done.video_url
    assert body["enhanced_prompt"] == "a cow with wings"
    # Milliseconds, not seconds.
    assert body["status_update_time"] == int(done.updated_at.timestamp() * 1000)
    body = http.get("/v1/video/query", params={"id": pending.id}, headers=h).json()
    assert body["status"] == "pending"
    assert body["video_url"] is None


def test_veo_failed_task_with_error(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("veo", status="failed", error="quota exhausted upstream")
    body = http.get("/v1/video/query", params={"id": task.id}, headers=auth(fake, "veo")).json()
    assert body["status"] == "failed"
    assert body["error"] == {"message": "quota exhausted upstream"}


def test_veo_errors(fake: FakeProviders, http: httpx.Client) -> None:
    h = auth(fake, "veo")
    r = http.get("/v1/video/query", params={"id": "veo3:nope"}, headers=h)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "task_not_found"
    r = http.get("/v1/video/query", headers=h)
    assert r.status_code == 400
    r = http.get("/v1/video/query", params={"id": "x"}, headers={"Authorization": "Bearer bad"})
    assert r.status_code == 401
    assert "error" in r.json()


# ---- minimax ------------------------------------------------------------------------------------


def test_minimax_query_and_file(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("minimax", status="succeeded")
    h = auth(fake, "minimax")
    body = http.get("/v1/query/video_generation", params={"task_id": task.id}, headers=h).json()
    assert body["task_id"] == task.id
    assert body["status"] == "Success"
    assert isinstance(body["file_id"], str)
    assert body["file_id"] == task.file_id
    assert (body["video_width"], body["video_height"]) == (1920, 1080)
    assert body["base_resp"] == {"status_code": 0, "status_msg": "success"}
    r = http.get("/v1/files/retrieve", params={"file_id": body["file_id"]}, headers=h)
    assert r.status_code == 200
    file = r.json()["file"]
    assert file["file_id"] == int(body["file_id"])
    assert file["purpose"] == "video_generation"
    assert file["bytes"] == len(VIDEO_MP4)
    assert isinstance(file["created_at"], int)
    assert file["download_url"] == task.video_url
    assert r.json()["base_resp"]["status_code"] == 0
    assert http.get(file["download_url"]).content == VIDEO_MP4


@pytest.mark.parametrize(
    ("status", "raw"),
    [
        ("queued", "Queueing"),
        ("running", "Processing"),
        ("failed", "Fail"),
        ("cancelled", "Fail"),
        ("expired", "Fail"),
    ],
)
def test_minimax_unfinished_has_no_file(
    fake: FakeProviders, http: httpx.Client, status: str, raw: str
) -> None:
    task = fake.add_task("minimax", status=status)
    h = auth(fake, "minimax")
    body = http.get("/v1/query/video_generation", params={"task_id": task.id}, headers=h).json()
    assert body["status"] == raw
    assert "file_id" not in body
    r = http.get("/v1/files/retrieve", params={"file_id": task.file_id}, headers=h)
    assert r.status_code == 200
    assert r.json()["base_resp"]["status_code"] == 2013


def test_minimax_failure_code_in_base_resp(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("minimax", status="failed", error={"code": 1027, "message": "sensitive"})
    body = http.get(
        "/v1/query/video_generation", params={"task_id": task.id}, headers=auth(fake, "minimax")
    ).json()
    assert body["base_resp"] == {"status_code": 1027, "status_msg": "sensitive"}


def test_minimax_errors_are_http_200(fake: FakeProviders, http: httpx.Client) -> None:
    r = http.get(
        "/v1/query/video_generation", params={"task_id": "1"}, headers=auth(fake, "minimax")
    )
    assert r.status_code == 200
    assert r.json()["base_resp"]["status_code"] == 2013
    for headers in ({}, {"Authorization": "Bearer bad"}):
        r = http.get("/v1/query/video_generation", params={"task_id": "1"}, headers=headers)
        assert r.status_code == 200
        base = r.json()["base_resp"]
        assert base["status_code"] == 1004
        assert base["status_msg"].startswith("login fail")
    r = http.get("/v1/files/retrieve", params={"file_id": "1"}, headers={})
    assert r.json()["base_resp"]["status_code"] == 1004


# ---- vidu ---------------------------------------------------------------------------------------


def test_vidu_creations(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("vidu", status="succeeded")
    r = http.get(f"/ent/v2/tasks/{task.id}/creations", headers=auth(fake, "vidu"))
    assert r.status_code == 200
    body = r.json()
    assert body["id"] == task.id
    assert body["state"] == "success"
    assert body["err_code"] == ""
    assert {"credits", "payload", "bgm", "off_peak"} <= body.keys()
    (creation,) = body["creations"]
    assert creation["url"] == task.video_url
    assert creation["cover_url"] == task.cover_url
    assert creation["watermarked_url"].endswith("-wm.mp4")
    assert http.get(creation["watermarked_url"]).content == VIDEO_MP4
    assert http.get(creation["cover_url"]).content == COVER_JPEG


@pytest.mark.parametrize(
    ("status", "state", "err_code"),
    [
        ("queued", "queueing", ""),
        ("running", "processing", ""),
        ("failed", "failed", "CreationPolicyViolation"),
        ("cancelled", "failed", "UserCancelled"),
    ],
)
def test_vidu_states(
    fake: FakeProviders, http: httpx.Client, status: str, state: str, err_code: str
) -> None:
    task = fake.add_task("vidu", status=status)
    body = http.get(f"/ent/v2/tasks/{task.id}/creations", headers=auth(fake, "vidu")).json()
    assert (body["state"], body["err_code"], body["creations"]) == (state, err_code, [])


def test_vidu_errors(fake: FakeProviders, http: httpx.Client) -> None:
    r = http.get("/ent/v2/tasks/123/creations", headers=auth(fake, "vidu"))
    assert r.status_code == 404
    assert r.json()["reason"] == "TaskNotFound"
    assert r.json()["code"] == 404
    key = fake.api_keys["vidu"]
    for headers in ({}, {"Authorization": f"Bearer {key}"}, {"Authorization": "Token nope"}):
        r = http.get("/ent/v2/tasks", headers=headers)
        assert r.status_code == 401
        assert r.json()["reason"] == "Unauthorized"


# ---- aitoearn -----------------------------------------------------------------------------------


def test_aitoearn_get(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("aitoearn", status="succeeded", prompt="paper boat")
    r = http.get(f"/api/ai/video/generations/{task.id}", headers=auth(fake, "aitoearn"))
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == 0
    assert body["message"] == "请求成功"
    data = body["data"]
    assert len(data["id"]) == 24
    int(data["id"], 16)
    assert data["status"] == "SUCCESS"
    assert data["input"]["prompt"] == "paper boat"
    assert data["videoUrl"] == task.video_url
    assert data["coverUrl"] == task.cover_url
    for key in ("submittedAt", "startedAt", "finishedAt"):
        assert data[key].endswith("Z")
        assert len(data[key]) == len("2026-07-02T12:00:00.000Z")


@pytest.mark.parametrize(
    ("status", "raw", "message"),
    [
        ("queued", "SUBMITTED", None),
        ("running", "InProgress", None),
        ("failed", "FAILURE", "Video generation failed"),
        ("cancelled", "FAILURE", "Task cancelled"),
        ("expired", "FAILURE", "Task expired"),
    ],
)
def test_aitoearn_statuses(
    fake: FakeProviders, http: httpx.Client, status: str, raw: str, message: str | None
) -> None:
    task = fake.add_task("aitoearn", status=status)
    data = http.get(f"/api/ai/video/generations/{task.id}", headers=auth(fake, "aitoearn")).json()[
        "data"
    ]
    assert data["status"] == raw
    assert data.get("error") == ({"message": message} if message else None)
    assert "videoUrl" not in data
    assert ("finishedAt" in data) == (message is not None)


def test_aitoearn_errors_are_http_200(fake: FakeProviders, http: httpx.Client) -> None:
    h = auth(fake, "aitoearn")
    r = http.get("/api/ai/video/generations/not-an-object-id", headers=h)
    assert (r.status_code, r.json()["code"]) == (200, 10002)
    r = http.get("/api/ai/video/generations/" + "a" * 24, headers=h)
    assert (r.status_code, r.json()["code"]) == (200, 12302)
    assert r.json()["data"] == {}
    assert isinstance(r.json()["timestamp"], int)
    key = fake.api_keys["aitoearn"]
    for headers in ({}, {"X-Api-Key": "nope"}, {"Authorization": f"Bearer {key}"}):
        r = http.get("/api/ai/video/generations", headers=headers)
        assert r.status_code == 200
        assert r.json() | {"timestamp": 0} == {
            "code": 401,
            "message": "Unauthorized",
            "data": {},
            "timestamp": 0,
        }


# ---- cross-cutting ------------------------------------------------------------------------------


def test_raw_status_is_sent_verbatim(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("vidu", raw_status="paused")
    assert task.status == "unknown"
    assert task.raw_status == "paused"
    body = http.get(f"/ent/v2/tasks/{task.id}/creations", headers=auth(fake, "vidu")).json()
    assert body["state"] == "paused"


def test_explicit_task_id_model_and_extra(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task(
        "ark", task_id="cgt-mine", model="seedance-lite", extra={"revised_prompt": "r"}
    )
    body = http.get("/api/v3/contents/generations/tasks/cgt-mine", headers=auth(fake, "ark")).json()
    assert (task.id, body["model"], body["revised_prompt"]) == ("cgt-mine", "seedance-lite", "r")
    with pytest.raises(ValueError, match="already has"):
        fake.add_task("ark", task_id="cgt-mine")


def test_unknown_route_and_method(fake: FakeProviders, http: httpx.Client) -> None:
    assert http.get("/nope").status_code == 404
    assert http.get("/_files/nope/x.mp4").status_code == 404
    task = fake.add_task("ark")
    r = http.put(f"/api/v3/contents/generations/tasks/{task.id}", headers=auth(fake, "ark"))
    assert r.status_code == 405
    assert r.headers["allow"] == "GET, DELETE"


def test_ids_are_unique_and_look_real(fake: FakeProviders) -> None:
    for provider in fake.providers:
        ids = [t.id for t in fake.add_tasks(provider, 500)]
        assert len(set(ids)) == 500
    assert all(i.isdigit() for i in fake.task_ids("minimax"))
    assert all(i.isdigit() for i in fake.task_ids("vidu"))


def test_add_task_validation(fake: FakeProviders) -> None:
    with pytest.raises(ValueError, match="unknown provider"):
        fake.add_task("runway")
    with pytest.raises(ValueError, match="unknown status"):
        fake.add_task("ark", status="done")
    naive = datetime(2025, 1, 1)
    with pytest.raises(ValueError, match="naive"):
        fake.add_task("ark", created_at=naive)


def test_get_remove_and_clear_tasks(fake: FakeProviders, http: httpx.Client) -> None:
    task = fake.add_task("ark")
    assert fake.get_task("ark", task.id).id == task.id
    fake.remove_task("ark", task.id)
    r = http.get(f"/api/v3/contents/generations/tasks/{task.id}", headers=auth(fake, "ark"))
    assert r.status_code == 404
    with pytest.raises(KeyError):
        fake.remove_task("ark", task.id)
    with pytest.raises(KeyError):
        fake.get_task("ark", task.id)
    fake.add_tasks("veo", 3)
    fake.clear_tasks("veo")
    assert fake.task_count("veo") == 0


# ---- real-traffic shapes ("quirks") ---------------------------------------------------------------


def test_quirks_are_named_per_vendor_and_checked(fake: FakeProviders) -> None:
    """Shapes seen in real traffic are opt-in, per task or per simulator, and names are checked."""
    from vtasks.testing import QUIRKS

    assert set(QUIRKS) == set(fake.providers)
    assert all(
        isinstance(text, str) and text for names in QUIRKS.values() for text in names.values()
    )
    with pytest.raises(ValueError, match="no quirk 'nonsense'"):
        fake.add_task("ark", quirks=["nonsense"])
    with pytest.raises(ValueError, match="no quirk"):
        FakeProviders(quirks={"veo": ["nonsense"]})
    with pytest.raises(ValueError, match="unknown provider"):
        FakeProviders(quirks={"runway": []})
    with pytest.raises(ValueError, match="whole simulator"):
        fake.add_task("ark", quirks=["page_echo"])  # a listing's shape, not a task's


def test_ark_page_echo_quirk() -> None:
    with FakeProviders(quirks={"ark": ["page_echo"]}) as fake:
        fake.add_tasks("ark", 3)
        r = httpx.get(
            f"{fake.base_url}/api/v3/contents/generations/tasks",
            params={"page_num": 2, "page_size": 2},
            headers=auth(fake, "ark"),
        )
        body = r.json()
        assert (body["page_num"], body["page_size"], body["total"]) == (2, 2, 3)
        assert len(body["items"]) == 1


def test_ark_newer_fields_quirk_serves_the_audio_track(
    fake: FakeProviders, http: httpx.Client
) -> None:
    task = fake.add_task("ark", status="succeeded", quirks=["newer_fields"])
    body = http.get(
        f"/api/v3/contents/generations/tasks/{task.id}", headers=auth(fake, "ark")
    ).json()
    audio = httpx.get(body["content"]["audio_url"])
    assert audio.status_code == 200
    assert audio.headers["content-type"] == "audio/mpeg"
    assert audio.content[:2] == b"\xff\xfb"
    queued = fake.add_task("ark", status="queued", quirks=["newer_fields"])
    body = http.get(
        f"/api/v3/contents/generations/tasks/{queued.id}", headers=auth(fake, "ark")
    ).json()
    assert body["generate_audio"] is True
    assert "content" not in body
