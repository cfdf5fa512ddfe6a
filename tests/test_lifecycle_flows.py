"""The create and cancel flows, driven by hand (pure: no I/O), and the create inputs.

The flows decide what a failed create means (refused, or "may exist") and what a cancel may send
(never a DELETE for a finished task unless asked). Each answer the flow gets is given here, so
every branch is reached; the end-to-end behaviour over HTTP is in tests/test_client_create.py.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Generator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from vtasks import (
    APIConnectionError,
    CancelOutcome,
    ConfigurationError,
    InvalidRequestError,
    RateLimitError,
    ResponseError,
    ServerError,
    Task,
    TaskMayExistError,
    TaskStatus,
    VTasksError,
)
from vtasks._flows.lifecycle import cancel_flow, create_flow, refused
from vtasks._flows.steps import Answer, Fetch, Outcome
from vtasks._inputs import MAX_FILE_BYTES, CreateSpec, create_spec
from vtasks._providers._base import Request
from vtasks._providers.seedance import ArkAdapter

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


class Vendor(ArkAdapter):
    """Ark's reading of tasks, with create and cancel requests the test can recognise."""

    def create_request(self, spec: CreateSpec) -> Request:
        return Request("create", "POST", "/tasks", json={"model": spec.model}, idempotent=False)

    def parse_created(self, payload: Any, spec: CreateSpec) -> Task:
        if not isinstance(payload, dict) or "id" not in payload:
            raise ResponseError("no id", provider=self.name, body=str(payload))
        return Task(provider=self.name, id=payload["id"], status=TaskStatus.QUEUED)

    def cancellable(self, task: Task) -> bool:
        return task.status is TaskStatus.QUEUED

    def cancel_request(self, task_id: str) -> Request:
        return Request("cancel", "DELETE", f"/tasks/{task_id}", idempotent=False)

    def delete_request(self, task_id: str) -> Request:
        return Request("delete", "DELETE", f"/tasks/{task_id}", idempotent=False)

    def cancel_refused(self, error: VTasksError) -> bool:
        return isinstance(error, InvalidRequestError)


Answerer = Callable[[Request], Outcome]


def drive(flow: Generator[Any, Any, Any], answer: Answerer) -> tuple[Any, list[Request]]:
    """Run a flow to its end, answering each request with ``answer``; what it returned, and sent."""
    sent: list[Request] = []
    step = next(flow)
    while True:
        assert isinstance(step, Fetch)
        sent.extend(step.requests)
        try:
            step = flow.send([answer(request) for request in step.requests])
        except StopIteration as stop:
            return stop.value, sent


def task_json(status: str) -> Answer:
    return Answer({"id": "cgt-1", "status": status})


SPEC = CreateSpec(model="seedance-x", prompt="a cat on a skateboard")
NOW = 1_764_662_400.0  # 2025-12-02T08:00:00Z


# ---- create -----------------------------------------------------------------------------------


def test_a_good_answer_is_the_new_task() -> None:
    task, sent = drive(create_flow(Vendor(), SPEC, NOW), lambda r: Answer({"id": "cgt-9"}))
    assert (task.id, task.status) == ("cgt-9", TaskStatus.QUEUED)
    assert [(r.endpoint, r.idempotent) for r in sent] == [("create", False)]


@pytest.mark.parametrize(
    "error",
    [
        InvalidRequestError("bad prompt", provider="ark", status_code=400),
        RateLimitError("slow down", provider="ark", status_code=429),
    ],
)
def test_a_refusal_is_raised_as_it_is(error: VTasksError) -> None:
    assert refused(error)
    with pytest.raises(type(error)) as raised:
        drive(create_flow(Vendor(), SPEC, NOW), lambda r: error)
    assert raised.value is error


@pytest.mark.parametrize(
    "error",
    [
        ServerError("busy", provider="ark", status_code=503, body='{"error": "busy"}'),
        APIConnectionError("dropped", provider="ark"),
        ResponseError("not JSON", provider="ark", status_code=200, body="<html>"),
    ],
)
def test_anything_else_may_have_made_the_task(error: VTasksError) -> None:
    assert not refused(error)
    with pytest.raises(TaskMayExistError) as raised:
        drive(create_flow(Vendor(), SPEC, NOW), lambda r: error)
    found = raised.value
    assert found.__cause__ is error
    assert (found.provider, found.model, found.prompt) == ("ark", "seedance-x", SPEC.prompt)
    assert found.sent_at == datetime(2025, 12, 2, 8, 0, tzinfo=UTC)
    assert found.prompt_digest == SPEC.prompt_digest
    assert found.status_code == getattr(error, "status_code", None)
    assert "may have created a task" in str(found)
    assert "list recent tasks" in str(found)


def test_a_good_answer_without_a_task_may_have_made_it() -> None:
    with pytest.raises(TaskMayExistError) as raised:
        drive(create_flow(Vendor(), SPEC, NOW), lambda r: Answer({"ok": True}))
    assert isinstance(raised.value.__cause__, ResponseError)


def test_the_error_pickles_with_what_it_carries() -> None:
    import pickle

    error = TaskMayExistError(
        "x", provider="ark", model="m", sent_at=datetime(2026, 1, 1, tzinfo=UTC), prompt="p"
    )
    again = pickle.loads(pickle.dumps(error))
    assert (again.model, again.sent_at, again.prompt_digest) == (
        "m",
        error.sent_at,
        error.prompt_digest,
    )


# ---- cancel -----------------------------------------------------------------------------------


def answers(*outcomes: Outcome) -> Answerer:
    queue = list(outcomes)
    return lambda request: queue.pop(0)


@pytest.mark.parametrize("status", ["succeeded", "failed", "cancelled", "expired"])
def test_a_finished_task_gets_no_request_without_delete(status: str) -> None:
    result, sent = drive(cancel_flow(Vendor(), "cgt-1"), answers(task_json(status)))
    assert result.outcome is CancelOutcome.NOT_CANCELLABLE
    assert result.task.raw_status == status
    assert [r.endpoint for r in sent] == ["get"]  # no DELETE: it would delete the record


def test_delete_deletes_a_finished_task_only_when_asked() -> None:
    result, sent = drive(
        cancel_flow(Vendor(), "cgt-1", delete=True), answers(task_json("succeeded"), Answer({}))
    )
    assert result.outcome is CancelOutcome.DELETED
    assert result.task.status is TaskStatus.SUCCEEDED  # its last state, before
    assert [r.endpoint for r in sent] == ["get", "delete"]


def test_a_running_task_the_vendor_cannot_cancel_gets_no_request() -> None:
    result, sent = drive(cancel_flow(Vendor(), "cgt-1"), answers(task_json("running")))
    assert result.outcome is CancelOutcome.NOT_CANCELLABLE
    assert "running" in (result.reason or "")
    assert [r.endpoint for r in sent] == ["get"]


def test_a_queued_task_is_cancelled_and_read_again() -> None:
    result, sent = drive(
        cancel_flow(Vendor(), "cgt-1"),
        answers(task_json("queued"), Answer({}), task_json("cancelled")),
    )
    assert result.cancelled
    assert result.task.status is TaskStatus.CANCELLED
    assert [r.endpoint for r in sent] == ["get", "cancel", "get"]


def test_a_refused_cancel_says_why_with_the_state_now() -> None:
    refusal = InvalidRequestError("task is running", provider="ark", status_code=400)
    result, _ = drive(
        cancel_flow(Vendor(), "cgt-1"),
        answers(task_json("queued"), refusal, task_json("running")),
    )
    assert result.outcome is CancelOutcome.NOT_CANCELLABLE
    assert result.task.status is TaskStatus.RUNNING
    assert result.reason == "task is running"


def test_an_accepted_cancel_stays_cancelled_when_the_task_cannot_be_read() -> None:
    result, _ = drive(
        cancel_flow(Vendor(), "cgt-1"),
        answers(task_json("queued"), Answer({}), APIConnectionError("gone", provider="ark")),
    )
    assert result.outcome is CancelOutcome.CANCELLED
    assert result.task.status is TaskStatus.CANCELLED


def test_a_failed_cancel_is_raised() -> None:
    with pytest.raises(ServerError):
        drive(
            cancel_flow(Vendor(), "cgt-1"),
            answers(task_json("queued"), ServerError("x", provider="ark", status_code=500)),
        )


# ---- inputs -----------------------------------------------------------------------------------


def test_images_may_be_urls_data_urls_or_files(tmp_path: Path) -> None:
    picture = tmp_path / "cat.png"
    picture.write_bytes(PNG)
    data = "data:image/png;base64," + base64.b64encode(PNG).decode()
    spec = create_spec(
        model="m",
        first_frame="https://example.com/a.jpg",
        last_frame=picture,
        reference_images=[data, str(picture)],
    )
    assert spec.first_frame is not None
    assert spec.first_frame.url == "https://example.com/a.jpg"
    assert spec.last_frame is not None
    assert spec.last_frame.url == data
    assert (spec.last_frame.path, spec.last_frame.size) == (picture, len(PNG))
    assert spec.reference_images[0].mime == "image/png"
    assert len(spec.images) == 4
    assert "base64,..." in repr(spec.last_frame)  # never megabytes in a repr


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": ""}, "model must be a non-empty string"),
        ({"model": 3}, "model must be a non-empty string"),
        ({"model": "m", "prompt": "x" * 30_000}, "over 20,000"),
        ({"model": "m", "duration": 0}, "duration must be seconds"),
        ({"model": "m", "duration": True}, "duration must be seconds"),
        ({"model": "m", "duration": float("nan")}, "duration must be seconds"),
        ({"model": "m", "seed": 1.5}, "seed must be an integer"),
        ({"model": "m", "callback_url": "ftp://x"}, "callback_url must be an http(s) URL"),
        ({"model": "m", "extra": {"x": object()}}, "extra must be JSON-serializable"),
        ({"model": "m", "extra": [1]}, "extra must be a mapping"),
        ({"model": "m", "first_frame": 7}, "first_frame must be a URL or a file path"),
        ({"model": "m", "first_frame": "/no/such.png"}, "cannot read /no/such.png"),
        ({"model": "m", "first_frame": "data:text/plain;base64,eA=="}, "data:image/"),
        ({"model": "m", "reference_images": "a.png"}, "a list of URLs or paths"),
        ({"model": "m", "first_frame": "https://a b"}, "not a usable URL"),
    ],
)
def test_bad_inputs_are_configuration_errors(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        create_spec(**kwargs)


def test_files_that_are_not_images_or_too_large_are_refused(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("hello")
    with pytest.raises(ConfigurationError, match="does not look like an image"):
        create_spec(model="m", first_frame=notes)
    huge = tmp_path / "huge.png"
    with huge.open("wb") as out:
        out.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(ConfigurationError, match="over the"):
        create_spec(model="m", first_frame=huge)
    with pytest.raises(ConfigurationError, match="is not a file"):
        create_spec(model="m", first_frame=tmp_path)


def test_a_create_that_could_not_connect_made_nothing() -> None:
    import httpx

    error = APIConnectionError("refused", provider="ark")
    error.__cause__ = httpx.ConnectError("connection refused")
    with pytest.raises(APIConnectionError) as raised:
        drive(create_flow(Vendor(), SPEC, NOW), lambda r: error)
    assert raised.value is error  # not TaskMayExistError: no byte of it left
