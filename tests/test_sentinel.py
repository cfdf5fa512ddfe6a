"""The drift sentinel: one warning per provider, endpoint, field path and kind, never a value.

Over real HTTP against the simulator (drift injected with its ``set_fields`` / ``missing_fields``
/ ``unknown_status`` faults), both clients; plus unit tests of the pure shape walker.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from harness import LISTING, Api
from hypothesis import given
from hypothesis import strategies as st

import vtasks
from vtasks import TaskStatus, _sentinel, _spec
from vtasks.testing import PROVIDERS, FakeProviders

DRIFT = "vtasks.drift"


@pytest.fixture(autouse=True)
def _fresh_memory() -> Iterator[None]:
    _sentinel.forget()
    yield
    _sentinel.forget()


def drift(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == DRIFT]


# ---- what the simulator sends is what the specs describe ------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_simulators_answers_are_not_drift(
    api: Api, provider: str, caplog: pytest.LogCaptureFixture
) -> None:
    statuses = ("queued", "running", "succeeded", "failed", "cancelled")
    added = [api.fake.add_task(provider, status=s) for s in statuses]
    client = api.client(provider)
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        for task in added:
            client.get_task(task.id)  # minimax: the files answer too, for the succeeded one
        if provider in LISTING:
            assert len(client.list_tasks()) == len(added)
    assert drift(caplog) == []


# ---- injected drift -------------------------------------------------------------------------


def test_an_unknown_field_warns_once_with_its_path_and_no_value(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    task = api.fake.add_task("ark", status="succeeded")
    api.fake.inject(
        "ark", "set_fields", count=None, fields={"content.audio_track": "s3cr3t-value-xyz"}
    )
    client = api.client("ark")
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        for _ in range(3):
            assert client.get_task(task.id).status is TaskStatus.SUCCEEDED
    (message,) = drift(caplog)
    assert message.startswith("ark get answer: content.audio_track is a field the spec does not")
    assert "s3cr3t" not in message
    assert "vtasks check ark" in message


def test_a_new_status_is_one_case_of_drift(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    first = api.fake.add_task("vidu", raw_status="reticulating_splines")
    second = api.fake.add_task("vidu", raw_status="another_new_word")
    client = api.client("vidu")
    with caplog.at_level(logging.WARNING, logger="vtasks"):
        tasks = [client.get_task(first.id), client.get_task(second.id)]
    assert [t.status for t in tasks] == [TaskStatus.UNKNOWN, TaskStatus.UNKNOWN]
    assert [t.raw_status for t in tasks] == ["reticulating_splines", "another_new_word"]
    # One warning for the field, whatever the values: the log never carries one.
    (message,) = [r.getMessage() for r in caplog.records if r.name.startswith("vtasks")]
    assert message.startswith("vidu get answer: state has a value the spec's enum does not list")
    assert "reticulating" not in message


def test_a_retyped_field_names_both_types_but_no_value(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    task = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "set_fields", fields={"created_at": "2026-12-02T07:00:00Z"})
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        got = api.client("ark").get_task(task.id)
    assert got.created_at is None  # not guessed at: the warning says why it is missing
    (message,) = drift(caplog)
    assert message.startswith("ark get answer: created_at is string, which the spec does not allow")
    assert "2026" not in message


def test_page_drift_is_found_on_any_item(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    api.fake.add_tasks("ark", 80, statuses=("succeeded",))
    odd = api.fake.add_task("ark", raw_status="throttled")  # newest: the first item of the page
    api.fake.add_tasks("ark", 1, statuses=("running",))
    api.fake.inject("ark", "set_fields", count=None, fields={"brand_new": 1})
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        listed = api.client("ark").list_tasks()
    assert odd.id in {t.id for t in listed}
    assert sorted(drift(caplog)) == [
        "ark list answer: items[].brand_new is a field the spec does not know (drift from the "
        "curated spec; `vtasks check ark` shows all)",
        "ark list answer: items[].status has a value the spec's enum does not list (drift from "
        "the curated spec; `vtasks check ark` shows all)",
    ]


def test_a_field_named_like_the_key_is_scrubbed(
    fake: FakeProviders, api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    key = fake.api_keys["ark"]
    task = fake.add_task("ark", status="running")
    fake.inject("ark", "set_fields", fields={key: 1})
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        api.client("ark").get_task(task.id)
    (message,) = drift(caplog)
    assert key not in message
    assert "is a field the spec does not know" in message


def test_raising_the_level_switches_it_off(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    task = api.fake.add_task("ark", status="running")
    api.fake.inject("ark", "set_fields", count=None, fields={"brand_new": 1})
    logging.getLogger(DRIFT).setLevel(logging.ERROR)
    try:
        with caplog.at_level(logging.WARNING, logger="vtasks"):
            api.client("ark").get_task(task.id)
    finally:
        logging.getLogger(DRIFT).setLevel(logging.NOTSET)
    assert drift(caplog) == []
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        api.client("ark").get_task(task.id)
    assert len(drift(caplog)) == 1  # nothing was remembered while it was off


# ---- the walker (pure) ----------------------------------------------------------------------


def walker(provider: str, endpoint: str) -> Any:
    schema = _spec.response_schema(provider, endpoint)
    assert schema is not None
    shape = _sentinel.compile_shape(_spec.document(provider), schema)
    return _sentinel._Walker(provider, endpoint, shape)


def ark_item(n: int, **extra: Any) -> dict[str, Any]:
    return {"id": f"cgt-{n}", "status": "succeeded", "created_at": 1, **extra}


def test_every_item_of_a_page_is_checked_for_fields_and_statuses(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = walker("ark", "list")
    items = [ark_item(n) for n in range(100)]
    items[57] = ark_item(57, surprise=True)
    items[58] = ark_item(58, status="paused")
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        check({"total": 100, "items": items})
    assert [m.split(" is ")[0].split(" has ")[0] for m in sorted(drift(caplog))] == [
        "ark list answer: items[].status",
        "ark list answer: items[].surprise",
    ]


def test_types_deep_in_items_are_checked_over_successive_pages(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = walker("ark", "list")
    items = [ark_item(n, content={"video_url": "https://x"}) for n in range(40)]
    items[21]["content"]["video_url"] = 7  # one item, not the first: a sampled position
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        for _ in range(_sentinel.STRIDE):
            check({"items": items})
    (message,) = drift(caplog)
    assert message.startswith("ark list answer: items[].content.video_url is integer")


def test_an_integral_float_is_an_integer_and_a_bool_is_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check = walker("ark", "get")
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        check(ark_item(1, duration=5.0))
        check(ark_item(2, seed=True))
    (message,) = drift(caplog)
    assert message.startswith("ark get answer: seed is boolean")


def test_odd_field_names_are_quoted_and_shortened(caplog: pytest.LogCaptureFixture) -> None:
    check = walker("ark", "get")
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        check(ark_item(1, **{"a\nb": 1, "x" * 500: 2}))
    messages = drift(caplog)
    assert len(messages) == 2
    assert all("\n" not in m and len(m) < 250 for m in messages)
    assert any('"a\\nb"' in m for m in messages)


def test_the_warnings_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    check = walker("ark", "get")
    with caplog.at_level(logging.WARNING, logger=DRIFT):
        for n in range(_sentinel.MAX_WARNINGS + 50):
            check(ark_item(n, **{f"field_{n}": 1}))
    messages = drift(caplog)
    assert len(messages) == _sentinel.MAX_WARNINGS + 1
    assert "no more this process" in messages[-1]


def test_an_endpoint_without_a_schema_is_not_checked() -> None:
    assert _spec.response_schema("veo", "list") is None
    _sentinel.observe("veo", "list", {"anything": 1})  # no spec, no warning, no error


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["id", "status", "items", "data", "x"]), children, max_size=4
        )
    ),
    max_leaves=20,
)


@pytest.mark.parametrize(
    ("provider", "endpoint"),
    [(p, e) for p in PROVIDERS for e in ("get", "list", "files") if _spec.response_schema(p, e)],
)
@given(payload=JSON)
def test_the_walker_never_raises(provider: str, endpoint: str, payload: Any) -> None:
    _sentinel.forget()
    walker(provider, endpoint).check(walker(provider, endpoint).shape, payload, "")


def test_create_answers_are_checked_too(caplog: pytest.LogCaptureFixture) -> None:
    """Vidu creates with one operation per mode; each mode's answer is checked (one schema)."""
    from hostile import hostile_server, json_answer

    created = {
        "task_id": "811958430387515588",
        "state": "created",
        "model": "viduq1",
        "credits": 20,
        "created_at": "2026-12-02T10:00:00.000000Z",
        "vtasks_surprise": 1,
    }
    with (
        hostile_server(json_answer(created)) as server,
        vtasks.Client("vidu", api_key="sk-0123456789", base_url=server.url) as client,
        caplog.at_level(logging.WARNING, logger=DRIFT),
    ):
        task = client.create_task(model="viduq1", prompt="a fox", first_frame="https://e.x/1.png")
    assert task.id == "811958430387515588"
    (message,) = drift(caplog)
    assert message.startswith("vidu create answer: vtasks_surprise is a field the spec does not")
    assert server.requests[0].target == "/ent/v2/img2video"
