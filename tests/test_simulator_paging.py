"""The simulator's listing: paging, filters and limits exactly as each vendor documents them."""

import itertools
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Self

import httpx
import pytest

from vtasks.testing import FakeProviders

ARK_LIST = "/api/v3/contents/generations/tasks"


@pytest.fixture
def http(fake: FakeProviders) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=10.0) as client:
        yield client


def bearer(fake: FakeProviders, provider: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.api_keys[provider]}"}


def vidu(fake: FakeProviders) -> dict[str, str]:
    return {"Authorization": f"Token {fake.api_keys['vidu']}"}


def aitoearn(fake: FakeProviders) -> dict[str, str]:
    return {"X-Api-Key": fake.api_keys["aitoearn"]}


# ---- ark / volc ---------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/api/v3", "/volc/v1"])
def test_seedance_pages_newest_first(fake: FakeProviders, http: httpx.Client, prefix: str) -> None:
    provider = "ark" if prefix == "/api/v3" else "volc"
    tasks = fake.add_tasks(provider, 25)
    newest_first = [t.id for t in reversed(tasks)]
    seen: list[str] = []
    for page in (1, 2, 3):
        r = http.get(
            f"{prefix}/contents/generations/tasks",
            params={"page_num": page, "page_size": 10},
            headers=bearer(fake, provider),
        )
        body = r.json()
        assert body["total"] == 25
        seen += [item["id"] for item in body["items"]]
    assert seen == newest_first
    empty = http.get(
        f"{prefix}/contents/generations/tasks",
        params={"page_num": 4, "page_size": 10},
        headers=bearer(fake, provider),
    ).json()
    assert empty == {"total": 25, "items": []}


def test_ark_default_page_size_is_10(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("ark", 12)
    body = http.get(ARK_LIST, headers=bearer(fake, "ark")).json()
    assert (body["total"], len(body["items"])) == (12, 10)


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("page_size", "0"),
        ("page_size", "501"),
        ("page_size", "ten"),
        ("page_num", "0"),
        ("page_num", "501"),
    ],
)
def test_ark_limits(fake: FakeProviders, http: httpx.Client, param: str, value: str) -> None:
    r = http.get(ARK_LIST, params={param: value}, headers=bearer(fake, "ark"))
    assert r.status_code == 400
    error = r.json()["error"]
    assert (error["code"], error["param"], error["type"]) == (
        "InvalidParameter",
        param,
        "BadRequest",
    )


def test_ark_limit_edges_are_accepted(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("ark", 3)
    for params in ({"page_size": 1}, {"page_size": 500}, {"page_num": 500}):
        assert http.get(ARK_LIST, params=params, headers=bearer(fake, "ark")).status_code == 200


def test_ark_filters(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("ark", 30, statuses=["succeeded", "failed", "running"], models=["m1", "m2"])
    h = bearer(fake, "ark")
    body = http.get(
        ARK_LIST, params={"filter.status": "failed", "page_size": 100}, headers=h
    ).json()
    assert body["total"] == 10
    assert {i["status"] for i in body["items"]} == {"failed"}
    body = http.get(ARK_LIST, params={"filter.model": "m1", "page_size": 3}, headers=h).json()
    assert body["total"] == 15
    assert len(body["items"]) == 3
    assert {i["model"] for i in body["items"]} == {"m1"}
    both = {"filter.model": "m2", "filter.status": "running", "page_size": 100}
    body = http.get(ARK_LIST, params=both, headers=h).json()
    assert body["total"] == 5
    r = http.get(ARK_LIST, params={"filter.status": "done"}, headers=h)
    assert r.status_code == 400
    assert r.json()["error"]["param"] == "filter.status"


def test_ark_filter_task_ids_repeats_the_key(fake: FakeProviders, http: httpx.Client) -> None:
    tasks = fake.add_tasks("ark", 10)
    wanted = [tasks[2].id, tasks[7].id, "cgt-unknown"]
    params = [("filter.task_ids", i) for i in wanted]
    body = http.get(ARK_LIST, params=params, headers=bearer(fake, "ark")).json()
    assert body["total"] == 2
    assert [i["id"] for i in body["items"]] == [tasks[7].id, tasks[2].id]  # newest first
    assert fake.requests[-1].query_dict()["filter.task_ids"] == wanted


def test_ark_lists_only_the_last_7_days(fake: FakeProviders, http: httpx.Client) -> None:
    now = fake.clock.datetime()
    fake.add_task("ark", created_at=now - timedelta(days=8))
    recent = fake.add_task("ark", created_at=now - timedelta(days=6))
    body = http.get(ARK_LIST, headers=bearer(fake, "ark")).json()
    assert [i["id"] for i in body["items"]] == [recent.id]
    fake.clock.advance(2 * 86400)
    assert http.get(ARK_LIST, headers=bearer(fake, "ark")).json()["total"] == 0


def test_list_window_can_be_disabled() -> None:
    with FakeProviders(list_window_days=None) as fake:
        fake.add_task("ark", created_at=datetime(2020, 1, 1, tzinfo=UTC))
        r = httpx.get(f"{fake.base_url}{ARK_LIST}", headers=bearer(fake, "ark"))
        assert r.json()["total"] == 1


# ---- vidu ---------------------------------------------------------------------------------------


def test_vidu_page_numbers(fake: FakeProviders, http: httpx.Client) -> None:
    tasks = fake.add_tasks("vidu", 25)
    newest_first = [t.id for t in reversed(tasks)]
    body = http.get("/ent/v2/tasks", headers=vidu(fake)).json()
    assert [t["id"] for t in body["tasks"]] == newest_first[:10]  # default pagesz 10
    assert body["next_page_token"]
    body = http.get(
        "/ent/v2/tasks", params={"pager.page": 2, "pager.pagesz": 10}, headers=vidu(fake)
    ).json()
    assert [t["id"] for t in body["tasks"]] == newest_first[20:]
    assert body["next_page_token"] == ""


def test_vidu_page_tokens_are_stable(fake: FakeProviders, http: httpx.Client) -> None:
    tasks = fake.add_tasks("vidu", 23)
    expected = [t.id for t in reversed(tasks)]
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        params = {"pager.pagesz": 5} | ({"pager.page_token": token} if token else {})
        body = http.get("/ent/v2/tasks", params=params, headers=vidu(fake)).json()
        seen += [t["id"] for t in body["tasks"]]
        pages += 1
        if pages == 2:
            # New tasks arrive mid-listing: they are newer, so the token walk is unaffected.
            fake.add_tasks("vidu", 4)
        token = body["next_page_token"]
        if not token:
            break
    assert seen == expected
    assert pages == 5


def test_vidu_exact_multiple_ends_with_empty_token(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("vidu", 10)
    body = http.get("/ent/v2/tasks", params={"pager.pagesz": 10}, headers=vidu(fake)).json()
    assert len(body["tasks"]) == 10
    assert body["next_page_token"] == ""


@pytest.mark.parametrize("size", ["0", "101", "-1"])
def test_vidu_page_size_limit(fake: FakeProviders, http: httpx.Client, size: str) -> None:
    r = http.get("/ent/v2/tasks", params={"pager.pagesz": size}, headers=vidu(fake))
    assert r.status_code == 400
    assert r.json() | {"message": ""} == {
        "code": 400,
        "reason": "PageSizeOutOfRange",
        "message": "",
        "metadata": {},
    }


def test_vidu_page_size_edges(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("vidu", 120)
    body = http.get("/ent/v2/tasks", params={"pager.pagesz": 100}, headers=vidu(fake)).json()
    assert len(body["tasks"]) == 100
    body = http.get("/ent/v2/tasks", params={"pager.pagesz": 1}, headers=vidu(fake)).json()
    assert len(body["tasks"]) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"pager.page": "-1"},
        {"pager.page": "x"},
        {"pager.page_token": "!!garbage"},
        {"created_at.from": "yesterday"},
        {"created_at.to": "2025-01-01"},
    ],
)
def test_vidu_bad_parameters(
    fake: FakeProviders, http: httpx.Client, params: dict[str, str]
) -> None:
    r = http.get("/ent/v2/tasks", params=params, headers=vidu(fake))
    assert r.status_code == 400
    assert r.json()["reason"] == "FieldInvalid"


def test_vidu_filters(fake: FakeProviders, http: httpx.Client) -> None:
    a = fake.add_task("vidu", status="succeeded", model="viduq1", resolution="720p")
    b = fake.add_task("vidu", status="failed", model="vidu2.0", resolution="1080p")
    c = fake.add_task("vidu", status="running", model="viduq2-pro", template="hug")
    fake.add_task("vidu", status="cancelled", model="viduq1")

    def ids(params: list[tuple[str, str]]) -> list[str]:
        body = http.get("/ent/v2/tasks", params=params, headers=vidu(fake)).json()
        return [t["id"] for t in body["tasks"]]

    assert ids([("states", "success"), ("states", "processing")]) == [c.id, a.id]
    assert ids([("model_versions", "2.0")]) == [b.id]
    assert ids([("model_versions", "q2-pro")]) == [c.id]
    assert ids([("resolutions", "720p")]) == [a.id]
    assert ids([("templates", "hug")]) == [c.id]
    assert ids([("task_ids", a.id), ("task_ids", c.id)]) == [c.id, a.id]
    assert ids([("task_ids", a.id), ("states", "failed")]) == []


def test_vidu_filtered_paging(fake: FakeProviders, http: httpx.Client) -> None:
    tasks = fake.add_tasks("vidu", 40, statuses=["succeeded", "failed"])
    expected = [t.id for t in reversed(tasks) if t.status == "failed"]
    seen: list[str] = []
    token = ""
    while True:
        params = [("states", "failed"), ("pager.pagesz", "6")]
        if token:
            params.append(("pager.page_token", token))
        body = http.get("/ent/v2/tasks", params=params, headers=vidu(fake)).json()
        seen += [t["id"] for t in body["tasks"]]
        token = body["next_page_token"]
        if not token:
            break
    assert seen == expected
    body = http.get(
        "/ent/v2/tasks",
        params=[("states", "failed"), ("pager.pagesz", "6"), ("pager.page", "3")],
        headers=vidu(fake),
    ).json()
    assert [t["id"] for t in body["tasks"]] == expected[18:20]


def test_vidu_created_at_window(fake: FakeProviders, http: httpx.Client) -> None:
    now = fake.clock.datetime().replace(microsecond=0)
    old = fake.add_task("vidu", created_at=now - timedelta(days=10))
    mid = fake.add_task("vidu", created_at=now - timedelta(days=3))
    new = fake.add_task("vidu", created_at=now - timedelta(hours=1))

    def ids(params: dict[str, str]) -> list[str]:
        body = http.get("/ent/v2/tasks", params=params, headers=vidu(fake)).json()
        return [t["id"] for t in body["tasks"]]

    assert ids({}) == [new.id, mid.id]  # default window: the last 7 days
    iso = (now - timedelta(days=30)).isoformat().replace("+00:00", "Z")
    assert ids({"created_at.from": iso}) == [new.id, mid.id, old.id]
    to = (now - timedelta(days=2)).isoformat()
    assert ids({"created_at.from": iso, "created_at.to": to}) == [mid.id, old.id]
    exact = (now - timedelta(days=3)).isoformat()
    assert ids({"created_at.from": exact, "created_at.to": exact}) == [mid.id]  # inclusive


def test_vidu_list_task_shape(fake: FakeProviders, http: httpx.Client) -> None:
    created = datetime(2026, 1, 2, 3, 4, 5, 120000, tzinfo=UTC)
    fake.clock.set(created + timedelta(minutes=1))
    task = fake.add_task("vidu", prompt="fox", created_at=created, duration=8)
    (item,) = http.get("/ent/v2/tasks", headers=vidu(fake)).json()["tasks"]
    assert item["id"] == task.id
    assert item["state"] == "success"
    assert item["created_at"] == "2026-01-02T03:04:05.12Z"  # RFC 3339, Go-style fraction
    assert item["prompt"] == "fox"
    assert item["duration"] == 8
    assert item["err_code"] == ""
    (creation,) = item["creations"]
    assert creation["url"] == task.video_url
    assert creation["video"]["resolution"] == {"width": 1920, "height": 1080}
    assert {"fps", "duration"} <= creation["video"].keys()


# ---- aitoearn -----------------------------------------------------------------------------------


def test_aitoearn_paging(fake: FakeProviders, http: httpx.Client) -> None:
    tasks = fake.add_tasks("aitoearn", 23)
    expected = [t.id for t in reversed(tasks)]
    seen: list[str] = []
    for page in (1, 2, 3):
        body = http.get(
            "/api/ai/video/generations",
            params={"page": page, "pageSize": 10},
            headers=aitoearn(fake),
        ).json()
        assert body["code"] == 0
        data = body["data"]
        assert (data["page"], data["pageSize"], data["totalPages"], data["total"]) == (
            page,
            10,
            3,
            23,
        )
        seen += [t["id"] for t in data["list"]]
    assert seen == expected
    data = http.get("/api/ai/video/generations", params={"page": 9}, headers=aitoearn(fake)).json()[
        "data"
    ]
    assert (data["list"], data["pageSize"]) == ([], 10)  # default page size 10


@pytest.mark.parametrize(
    "params", [{"page": "0"}, {"pageSize": "0"}, {"pageSize": "1001"}, {"page": "one"}]
)
def test_aitoearn_limits(fake: FakeProviders, http: httpx.Client, params: dict[str, str]) -> None:
    r = http.get("/api/ai/video/generations", params=params, headers=aitoearn(fake))
    assert r.status_code == 200
    body = r.json()
    assert (body["code"], body["message"], body["data"]) == (10002, "参数验证失败", {})
    assert isinstance(body["timestamp"], int)


def test_aitoearn_page_size_edge(fake: FakeProviders, http: httpx.Client) -> None:
    fake.add_tasks("aitoearn", 3)
    body = http.get(
        "/api/ai/video/generations", params={"pageSize": 1000}, headers=aitoearn(fake)
    ).json()
    assert body["data"]["totalPages"] == 1


# ---- scale --------------------------------------------------------------------------------------


class PythonCalls:
    """Count Python function calls, in this thread and in threads started meanwhile (the server's).

    A deterministic measure of work: a page of a big store costs what a page of a small one does
    only if nothing walks the whole store in Python. (Wall-clock bounds here failed under load.)
    """

    def __init__(self) -> None:
        self._counter = itertools.count()
        self.calls = 0

    def _profile(self, frame: object, event: str, arg: object) -> None:
        if event == "call":
            next(self._counter)  # itertools.count is safe to advance from several threads

    def __enter__(self) -> Self:
        threading.setprofile(self._profile)
        sys.setprofile(self._profile)
        return self

    def __exit__(self, *exc: object) -> None:
        sys.setprofile(None)
        threading.setprofile(None)
        self.calls = next(self._counter)


def _add_calls(provider: str, count: int) -> int:
    with FakeProviders() as fake, PythonCalls() as counted:
        fake.add_tasks(provider, count, snapshots=False)
    assert fake.task_count(provider) == count
    return counted.calls


def _paging_calls(count: int) -> int:
    """Python calls to serve nine unfiltered pages of stores of ``count`` tasks (ark, aitoearn, vidu)."""
    with FakeProviders() as fake:
        for provider in ("ark", "vidu", "aitoearn"):
            fake.add_tasks(provider, count, snapshots=False)
        assert fake.task_count("ark") == count
        h = bearer(fake, "ark")
        with httpx.Client(base_url=fake.base_url) as warm_up:  # lazy imports, first renders
            warm_up.get(ARK_LIST, params={"page_num": 2, "page_size": 100}, headers=h)
        with PythonCalls() as counted, httpx.Client(base_url=fake.base_url) as http:
            for page in (1, count // 400, count // 200):
                body = http.get(
                    ARK_LIST, params={"page_num": page, "page_size": 100}, headers=h
                ).json()
                assert body["total"] == count
                assert len(body["items"]) == 100
            body = http.get(
                "/api/ai/video/generations",
                params={"page": count // 300, "pageSize": 100},
                headers=aitoearn(fake),
            ).json()
            assert len(body["data"]["list"]) == 100
            token = ""
            for _ in range(5):
                params = {"pager.pagesz": 100} | ({"pager.page_token": token} if token else {})
                token = http.get("/ent/v2/tasks", params=params, headers=vidu(fake)).json()[
                    "next_page_token"
                ]
            assert token
    return counted.calls


def test_adding_tasks_costs_the_same_per_task_at_any_size() -> None:
    # add_tasks does constant Python work per task (one sort, no per-task insertion scans), so
    # 100,000 tasks add about as fast as 100 times 1,000; counted, not timed.
    small, big = _add_calls("ark", 500), _add_calls("ark", 5_000)
    assert big <= 10 * small * 1.05, (small, big)


def test_paging_costs_the_same_on_a_store_ten_times_bigger() -> None:
    # Nine unfiltered page requests: O(log N + page), so 10,000 tasks cost what 1,000 do (a walk
    # over the store would add at least 9,000 calls to about 9,000).
    small, big = _paging_calls(1_000), _paging_calls(10_000)
    assert big <= small * 1.25, (small, big)  # a store-walking request costs about 6x
