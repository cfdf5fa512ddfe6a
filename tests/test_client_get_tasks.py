"""``get_tasks``: input order, batching through the vendors' id filters, unknown ids."""

from __future__ import annotations

import random

import pytest
from harness import BATCH_LIMIT, BATCHING, Api

import vtasks
from vtasks import PROVIDERS

ID_QUERY = {"ark": "filter.task_ids", "volc": "filter.task_ids", "vidu": "task_ids"}
SIZE_QUERY = {"ark": "page_size", "volc": "page_size", "vidu": "pager.pagesz"}
UNKNOWN = {
    "ark": ["cgt-20250101000000-zzzzz", "cgt-20250101000000-yyyyy"],
    "volc": ["cgt-20250101000000-zzzzz", "cgt-20250101000000-yyyyy"],
    "veo": ["veo3.1-fast:1700000000-AAAAAAAAAA", "veo3:1700000000-BBBBBBBBBB"],
    "minimax": ["100000000000000", "100000000000001"],
    "vidu": ["800000000000000000", "800000000000000001"],
    "aitoearn": ["000000000000000000000000", "not-an-object-id"],
}


@pytest.mark.parametrize("provider", PROVIDERS)
def test_input_order_and_duplicates(api: Api, provider: str) -> None:
    added = [api.fake.add_task(provider, status=s) for s in ("succeeded", "running", "failed")] * 2
    ids = [t.id for t in added[:3]]
    random.Random(7).shuffle(ids)
    ids.append(ids[0])
    tasks = api.client(provider).get_tasks(ids)
    assert [t.id for t in tasks] == ids
    by_id = {t.id: t for t in added}
    for task in tasks:
        assert task.status.value == by_id[task.id].status
        assert task.provider == provider


@pytest.mark.parametrize("provider", BATCHING)
def test_batched_through_the_id_filter(api: Api, provider: str) -> None:
    limit = BATCH_LIMIT[provider]
    added = api.fake.add_tasks(provider, limit + 50, statuses=["succeeded", "running"])
    ids = [t.id for t in added]
    random.Random(3).shuffle(ids)
    tasks = api.client(provider).get_tasks(ids)
    assert [t.id for t in tasks] == ids
    assert api.requests(provider, "get") == []
    batches = api.requests(provider, "list")
    assert len(batches) == 2
    asked = [r.query_dict()[ID_QUERY[provider]] for r in batches]
    assert sorted(len(a) for a in asked) == [50, limit]
    assert sorted(i for a in asked for i in a) == sorted(ids)
    for record in batches:
        query = record.query_dict()
        assert int(query[SIZE_QUERY[provider]][0]) == len(query[ID_QUERY[provider]])


@pytest.mark.parametrize("provider", BATCHING)
def test_ids_outside_the_list_window_fetched_one_by_one(api: Api, provider: str) -> None:
    """Ark and Vidu list only the last 7 days: older tasks are fetched one by one."""
    old = api.fake.add_task(provider, created_at=api.fake.clock.now() - 10 * 86400)
    new = api.fake.add_task(provider)
    tasks = api.client(provider).get_tasks([old.id, new.id])
    assert [t.id for t in tasks] == [old.id, new.id]
    assert len(api.requests(provider, "list")) == 1
    assert [
        r.path.split("/")[-1 if provider != "vidu" else -2] for r in api.requests(provider, "get")
    ] == [old.id]


# AiToEarn reads its newest-first list instead: tests/test_client_poll_listing.py.
@pytest.mark.parametrize("provider", ["veo", "minimax"])
def test_one_request_per_id_elsewhere(api: Api, provider: str) -> None:
    added = [api.fake.add_task(provider, status="running") for _ in range(5)]
    tasks = api.client(provider).get_tasks([t.id for t in added])
    assert [t.id for t in tasks] == [t.id for t in added]
    assert len(api.requests(provider, "get")) == 5
    assert api.requests(provider, "list") == []


def test_minimax_file_urls_for_each_succeeded(api: Api) -> None:
    added = [api.fake.add_task("minimax", status=s) for s in ("succeeded", "running", "succeeded")]
    tasks = api.client("minimax").get_tasks([t.id for t in added])
    assert [t.video_url for t in tasks] == [added[0].video_url, None, added[2].video_url]
    assert len(api.requests("minimax", "files")) == 2


@pytest.mark.parametrize("provider", PROVIDERS)
def test_unknown_ids_named_together(api: Api, provider: str) -> None:
    known = api.fake.add_task(provider)
    unknown = UNKNOWN[provider]
    with pytest.raises(vtasks.NotFoundError) as info:
        api.client(provider).get_tasks([unknown[0], known.id, unknown[1]])
    assert sorted(info.value.task_ids) == sorted(unknown)
    assert info.value.provider == provider
    for task_id in unknown:
        assert task_id in str(info.value)


@pytest.mark.parametrize("provider", PROVIDERS)
def test_get_task_unknown_id(api: Api, provider: str) -> None:
    with pytest.raises(vtasks.NotFoundError) as info:
        api.client(provider).get_task(UNKNOWN[provider][0])
    assert info.value.task_ids == (UNKNOWN[provider][0],)
    assert info.value.body  # the vendor's answer is kept
    assert len(api.requests(provider)) == 1  # not retried


def test_empty_input(api: Api) -> None:
    assert api.client("ark").get_tasks([]) == []
    assert api.requests() == []


@pytest.mark.parametrize("bad", ["", "   ", None, 42])
def test_bad_ids(api: Api, bad: object) -> None:
    client = api.client("ark")
    with pytest.raises(vtasks.ConfigurationError):
        client.get_tasks(["cgt-1", bad])  # type: ignore[list-item]
    with pytest.raises(vtasks.ConfigurationError):
        client.get_task(bad)  # type: ignore[arg-type]
    assert api.requests() == []


def test_a_lone_string_is_not_a_list_of_ids(api: Api) -> None:
    added = api.fake.add_task("ark")
    client = api.client("ark")
    with pytest.raises(vtasks.ConfigurationError):
        client.get_tasks(added.id)
    with pytest.raises(vtasks.ConfigurationError):
        client.wait_for_tasks(added.id)
    assert api.requests() == []


def test_ids_are_stripped(api: Api) -> None:
    added = api.fake.add_task("vidu")
    client = api.client("vidu")
    assert [t.id for t in client.get_tasks([f" {added.id}\n"])] == [added.id]
    assert [t.id for t in client.list_tasks(task_ids=[f" {added.id} "])] == [added.id]
    assert client.get_task(f"\t{added.id} ").id == added.id


@pytest.mark.parametrize("provider", BATCHING)
def test_batches_halved_when_the_url_is_too_long(api: Api, provider: str) -> None:
    """A gateway that refuses long URLs (414) gets the same ids in smaller batches."""
    limit = BATCH_LIMIT[provider]
    api.fake.add_tasks(provider, limit, snapshots=False)
    ids = api.fake.task_ids(provider)
    api.fake.max_url_length = 2000  # a few dozen ids
    tasks = api.client(provider).get_tasks(ids)
    assert [t.id for t in tasks] == ids
    records = api.requests(provider, "list")
    refused = [r for r in records if r.status == 414]
    served = [r for r in records if r.status == 200]
    assert refused
    assert len(refused) + len(served) == len(records)
    asked = [i for r in served for i in r.query_dict()[ID_QUERY[provider]]]
    assert sorted(asked) == sorted(ids)  # every id asked for once, in batches the server took
    assert max(len(r.query_dict()[ID_QUERY[provider]]) for r in served) < limit


@pytest.mark.parametrize("provider", BATCHING)
def test_a_lone_id_refused_as_too_long_is_an_error(api: Api, provider: str) -> None:
    ids = [t.id for t in api.fake.add_tasks(provider, 2)]
    api.fake.max_url_length = 10
    with pytest.raises(vtasks.APIError) as caught:
        api.client(provider).get_tasks(ids)
    assert caught.value.status_code == 414
    assert "414 Request-URI Too Large" in (caught.value.body or "")
