"""The flows driven by hand, with canned outcomes and no sockets.

A flow is a generator of steps (:mod:`vtasks._flows.steps`); :class:`Script` plays the driver:
it answers each request from a function the test gives, records every step, and advances a fake
clock on ``Sleep``. So paging windows, de-duplication, early stops, the page cap, id-batch halving,
wait deadlines, retries and redirects are tested as pure logic, in microseconds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from vtasks import (
    APIError,
    APITimeoutError,
    NotFoundError,
    RateLimit,
    RateLimitError,
    ResponseError,
    TaskStatus,
    WaitTimeout,
)
from vtasks._answers import Scrubber
from vtasks._base_client import shared_ssl_context
from vtasks._flows import steps
from vtasks._flows.exchange import Exchange, send_flow
from vtasks._flows.get import BatchSize, get_task_flow, get_tasks_flow
from vtasks._flows.list import ListQuery, list_flow
from vtasks._flows.poll import ListingReach
from vtasks._flows.wait import wait_for_task_flow, wait_for_tasks_flow
from vtasks._providers import get_adapter
from vtasks._providers._base import Request
from vtasks._retry import PollSchedule, RetryPolicy

ARK = get_adapter("ark")
VIDU = get_adapter("vidu")


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def now(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.t += seconds


class Script:
    """A driver for one flow: ``answer(request)`` gives each request's outcome."""

    def __init__(self, answer: Callable[[Request], steps.Outcome], clock: FakeClock | None = None):
        self.answer = answer
        self.clock = clock or FakeClock()
        self.requests: list[Request] = []
        self.emitted: list[Any] = []
        self.sleeps: list[float] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.started: dict[steps.Start, list[steps.Outcome]] = {}

    def _outcomes(self, requests: tuple[Request, ...]) -> list[steps.Outcome]:
        self.requests.extend(requests)
        return [self.answer(r) for r in requests]

    def walk(self, flow: steps.Flow[Any]) -> Iterator[steps.Step]:
        """Run ``flow``, yielding each step it takes (after carrying it out)."""
        value: Any = None
        while True:
            try:
                step = flow.send(value)
            except StopIteration as stop:
                self.result = stop.value
                return
            value = None
            if isinstance(step, steps.Fetch):
                value = self._outcomes(step.requests)
            elif isinstance(step, steps.Start):
                self.started[step] = self._outcomes(step.requests)
                self.in_flight += 1
                self.max_in_flight = max(self.max_in_flight, self.in_flight)
            elif isinstance(step, steps.Collect):
                value = self.started.pop(step.started)
                self.in_flight -= 1
            elif isinstance(step, steps.Emit):
                self.emitted.extend(step.tasks)
            elif isinstance(step, steps.Sleep):
                self.sleeps.append(step.seconds)
                self.clock.sleep(step.seconds)
            else:  # pragma: no cover - transport steps are tested with send_flow below
                raise AssertionError(f"unexpected step {step!r}")
            yield step

    def run(self, flow: steps.Flow[Any]) -> Any:
        for _ in self.walk(flow):
            pass
        return self.result


def ark_task(task_id: str, status: str = "running", created: int = 1_700_000_000) -> dict[str, Any]:
    return {"id": task_id, "status": status, "model": "m", "created_at": created}


def page_number(request: Request) -> int:
    return int(dict(request.params)["page_num"])


def ark_pages(total: int, size: int) -> Callable[[Request], steps.Outcome]:
    """Ark answering pages of ``size`` out of ``total`` tasks, newest first."""

    def answer(request: Request) -> steps.Outcome:
        number = page_number(request)
        start = (number - 1) * size
        items = [ark_task(f"t{i}") for i in range(start, min(start + size, total))]
        return steps.Answer({"total": total, "items": items})

    return answer


# ---- listing --------------------------------------------------------------------------------


def test_numbered_listing_keeps_the_window_full_and_never_more() -> None:
    script = Script(ark_pages(total=10 * 7, size=10))
    script.run(list_flow(ARK, ListQuery(page_size=10), concurrency=3))
    assert [t.id for t in script.emitted] == [f"t{i}" for i in range(70)]
    assert [page_number(r) for r in script.requests] == list(range(1, 8))  # each page once
    assert script.max_in_flight == 3
    assert script.in_flight == 0  # every page asked for was read: the total said where to stop


def test_a_long_listing_keeps_fewer_pages_ahead_after_the_first_ones() -> None:
    """Answers of 256 KiB: the first 20 asked at once (5 MiB), then 5 at most (decoded weight)."""
    answer = ark_pages(total=10 * 100, size=10)

    def sized(request: Request) -> steps.Outcome:
        outcome = answer(request)
        assert isinstance(outcome, steps.Answer)
        return steps.Answer(outcome.payload, 256 * 1024)

    script = Script(sized)
    ahead: list[int] = []
    for step in script.walk(list_flow(ARK, ListQuery(page_size=10), concurrency=32)):
        if isinstance(step, steps.Start):
            ahead.append(script.in_flight)
    assert len(script.emitted) == 1000
    assert max(ahead) == 20  # the first pages: as many as fit in 5 MiB as received
    # Once the first 20 are read down below 5, no more than 5 are ahead (5 MiB / (256 KiB x 3.5)).
    assert ahead[:20] == list(range(1, 21))
    assert ahead[20:]
    assert max(ahead[20:]) == 5


def test_the_first_pages_totals_ask_for_the_rest_before_its_tasks_are_handed_out() -> None:
    script = Script(ark_pages(total=10 * 5, size=10))
    kinds = [
        type(step).__name__
        for step in script.walk(list_flow(ARK, ListQuery(page_size=10), concurrency=8))
    ]
    assert kinds[:6] == ["Fetch", "Start", "Start", "Start", "Start", "Emit"]
    assert len(script.emitted) == 50


def test_a_first_page_that_fails_to_parse_has_asked_for_the_rest_already() -> None:
    """The totals are read before the tasks: asking ahead does not wait for parsing."""

    def answer(request: Request) -> steps.Outcome:
        if page_number(request) == 1:
            return steps.Answer({"total": 30, "items": [{"status": "running"}] * 10})  # no ids
        return ark_pages(total=30, size=10)(request)

    script = Script(answer)
    with pytest.raises(ResponseError):
        script.run(list_flow(ARK, ListQuery(page_size=10), concurrency=8))
    assert [page_number(r) for r in script.requests] == [1, 2, 3]


def test_a_short_first_page_asks_for_nothing_ahead() -> None:
    """A page shorter than asked ends the listing, whatever its total claims: nothing is wasted."""

    def answer(request: Request) -> steps.Outcome:
        return steps.Answer({"total": 1000, "items": [ark_task(f"t{i}") for i in range(7)]})

    script = Script(answer)
    script.run(list_flow(ARK, ListQuery(page_size=10), concurrency=8))
    assert len(script.requests) == 1
    assert len(script.emitted) == 7


@pytest.mark.parametrize(("body", "window"), [(2 * 2**20, 2), (2**20, 5), (100, 8)])
def test_the_window_holds_as_many_answers_as_fit_in_its_bytes(body: int, window: int) -> None:
    """5 MiB of answers in flight at most (sized by the largest yet), and ``concurrency`` pages."""
    pages = ark_pages(total=10 * 40, size=10)

    def answer(request: Request) -> steps.Outcome:
        outcome = pages(request)
        assert isinstance(outcome, steps.Answer)
        return steps.Answer(outcome.payload, body)

    script = Script(answer)
    script.run(list_flow(ARK, ListQuery(page_size=10), concurrency=8))
    assert len(script.emitted) == 400
    assert script.max_in_flight == window


def test_window_of_one_asks_for_a_page_only_when_needed() -> None:
    script = Script(ark_pages(total=30, size=10))
    # Ark filters no creation time: the local filter may end the listing early (a page older
    # than the window), so no page is asked for ahead of the one being read.
    query = ListQuery(page_size=10, created_after=datetime(2000, 1, 1, tzinfo=UTC))
    script.run(list_flow(ARK, query, concurrency=8))
    assert len(script.emitted) == 30
    assert script.max_in_flight == 1


def test_a_task_pushed_onto_the_next_page_is_yielded_once() -> None:
    def answer(request: Request) -> steps.Outcome:
        number = page_number(request)
        # A new task arrived between the two requests: page 2 starts with page 1's last task.
        ids = {1: ["a", "b", "c"], 2: ["c", "d", "e"], 3: ["f"]}[number]
        return steps.Answer({"total": 7, "items": [ark_task(i) for i in ids]})

    script = Script(answer)
    script.run(list_flow(ARK, ListQuery(page_size=3), concurrency=2))
    assert [t.id for t in script.emitted] == ["a", "b", "c", "d", "e", "f"]


def test_stopping_early_sends_nothing_more() -> None:
    script = Script(ark_pages(total=1000, size=10))
    flow = list_flow(ARK, ListQuery(page_size=10), concurrency=4)
    for step in script.walk(flow):
        if isinstance(step, steps.Emit):
            break
    flow.close()
    asked = len(script.requests)
    assert asked <= 1 + 4  # the first page and the window, no more
    assert len(script.emitted) == 10


def test_limit_ends_the_listing_without_over_fetching() -> None:
    script = Script(ark_pages(total=1000, size=10))
    script.run(list_flow(ARK, ListQuery(page_size=10, limit=25), concurrency=8))
    assert len(script.emitted) == 25
    assert [page_number(r) for r in script.requests] == [1, 2, 3]


def test_listing_stops_at_the_vendors_last_page_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    script = Script(ark_pages(total=10_000_000, size=1))
    with caplog.at_level(logging.WARNING, logger="vtasks"):
        script.run(list_flow(ARK, ListQuery(page_size=1), concurrency=8))
    numbers = [page_number(r) for r in script.requests]
    assert max(numbers) == 500 == len(numbers)
    assert len(script.emitted) == 500
    assert "serves at most 500 pages" in caplog.text


def test_a_query_that_matches_nothing_sends_no_request() -> None:
    script = Script(ark_pages(total=10, size=10))
    script.run(list_flow(ARK, ListQuery(limit=0)))
    script.run(list_flow(ARK, ListQuery(task_ids=frozenset())))
    assert script.requests == []


def test_token_paging_ends_on_a_repeated_token() -> None:
    def answer(request: Request) -> steps.Outcome:
        token = dict(request.params).get("pager.page_token", "")
        following = {"": "p2", "p2": "p3", "p3": "p2"}[token]  # p3 points back at p2
        tasks = [{"id": f"{token or 'p1'}-{i}", "state": "processing"} for i in range(2)]
        return steps.Answer({"tasks": tasks, "next_page_token": following})

    script = Script(answer)
    script.run(list_flow(VIDU, ListQuery(page_size=2)))
    assert len(script.requests) == 3
    assert len({t.id for t in script.emitted}) == len(script.emitted) == 6


def test_an_id_filter_refused_as_too_long_lists_again_filtering_locally() -> None:
    def answer(request: Request) -> steps.Outcome:
        if any(key == "filter.task_ids" for key, _ in request.params):
            return APIError("too long", provider="ark", status_code=414)
        return steps.Answer({"total": 3, "items": [ark_task(i) for i in ("a", "b", "c")]})

    script = Script(answer)
    script.run(list_flow(ARK, ListQuery(task_ids=frozenset({"b", "c"}))))
    assert [t.id for t in script.emitted] == ["b", "c"]
    assert len(script.requests) == 2


# ---- get ------------------------------------------------------------------------------------


def test_id_batches_are_halved_while_the_url_is_refused() -> None:
    limit = 3  # the server refuses more than three ids in one URL

    def answer(request: Request) -> steps.Outcome:
        ids = [v for k, v in request.params if k == "filter.task_ids"]
        if len(ids) > limit:
            return APIError("URI too long", provider="ark", status_code=414)
        return steps.Answer({"total": len(ids), "items": [ark_task(i) for i in ids]})

    ids = [f"id{i}" for i in range(10)]
    size = BatchSize(ARK)
    script = Script(answer)
    tasks = script.run(get_tasks_flow(ARK, ids, size))
    assert [t.id for t in tasks] == ids
    assert size.value <= limit
    refused_then_split = len(script.requests)
    # The next round starts at the size learnt: no refused request any more.
    again = Script(answer)
    again.run(get_tasks_flow(ARK, ids, size))
    assert len(again.requests) < refused_then_split
    assert all(
        len([k for k, _ in r.params if k == "filter.task_ids"]) <= limit for r in again.requests
    )


def test_ids_a_batch_does_not_return_are_fetched_one_by_one_and_unknown_ones_named() -> None:
    def answer(request: Request) -> steps.Outcome:
        if request.endpoint == "list":
            return steps.Answer({"total": 1, "items": [ark_task("a")]})
        if request.task_ids == ("b",):
            return steps.Answer(ark_task("b", "succeeded"))
        return NotFoundError("no such task", provider="ark", status_code=404)

    with pytest.raises(NotFoundError) as caught:
        Script(answer).run(get_tasks_flow(ARK, ["a", "b", "c"]))
    assert caught.value.task_ids == ("c",)


def test_listing_rounds_stop_at_a_page_older_than_the_tracked_tasks() -> None:
    # AiToEarn, 3,000 tasks a second apart, newest first; the 10 tracked ones are the newest.
    # After the first round they drop out of the list (a GET still finds them): the next round
    # reads one page, whose oldest task is far older than theirs, not one page per missing task.
    aitoearn = get_adapter("aitoearn")
    ids = [f"t{i}" for i in range(3000)]
    hidden: set[str] = set()

    def task(task_id: str) -> dict[str, Any]:
        created = datetime.fromtimestamp(1_700_000_000 - int(task_id[1:]), UTC)
        return {"id": task_id, "status": "InProgress", "submittedAt": created.isoformat()}

    def answer(request: Request) -> steps.Outcome:
        if request.endpoint == "get":
            return steps.Answer({"code": 0, "data": task(request.task_ids[0])})
        query = dict(request.params)
        size, number = int(query["pageSize"]), int(query["page"])
        shown = [i for i in ids if i not in hidden]
        items = [task(i) for i in shown[(number - 1) * size : number * size]]
        data = {"page": number, "totalPages": -(-len(shown) // size), "list": items}
        return steps.Answer({"code": 0, "data": {**data, "total": len(shown)}})

    reach = ListingReach()
    tracked = ids[:10]
    first = Script(answer)
    assert [t.id for t in first.run(get_tasks_flow(aitoearn, tracked, reach=reach))] == tracked
    assert [r.endpoint for r in first.requests] == ["list"]
    hidden.update(tracked)
    second = Script(answer)
    assert [t.id for t in second.run(get_tasks_flow(aitoearn, tracked, reach=reach))] == tracked
    assert [r.endpoint for r in second.requests] == ["list"] + ["get"] * 10


def test_get_task_keeps_the_requested_id() -> None:
    script = Script(lambda request: steps.Answer(ark_task("other-form")))
    assert script.run(get_task_flow(ARK, "cgt-1")).id == "cgt-1"


# ---- waiting --------------------------------------------------------------------------------


def test_wait_ends_at_the_deadline_with_the_last_state() -> None:
    clock = FakeClock()
    script = Script(lambda request: steps.Answer(ark_task("x", "running")), clock)
    flow = wait_for_task_flow(
        ARK, "x", timeout=10.0, schedule=PollSchedule(fixed=3.0), now=clock.now
    )
    with pytest.raises(WaitTimeout) as caught:
        script.run(flow)
    assert caught.value.task is not None
    assert caught.value.task.status is TaskStatus.RUNNING
    assert script.sleeps == [3.0, 3.0, 3.0, 1.0]  # the last sleep is cut to the deadline
    assert clock.t == 10.0


def test_wait_returns_the_terminal_task_and_emits_each_state() -> None:
    states = iter(["queued", "running", "succeeded"])
    clock = FakeClock()
    script = Script(lambda request: steps.Answer(ark_task("x", next(states))), clock)
    flow = wait_for_task_flow(
        ARK, "x", timeout=100, schedule=PollSchedule(fixed=1.0), now=clock.now
    )
    task = script.run(flow)
    assert task.status is TaskStatus.SUCCEEDED
    assert [t.status.value for t in script.emitted] == ["queued", "running", "succeeded"]


def test_a_transient_poll_failure_is_polled_again_and_a_lasting_one_ends_the_wait() -> None:
    clock = FakeClock()
    lists: Iterator[steps.Outcome] = iter(
        [
            RateLimitError("slow down", provider="ark", status_code=429),
            steps.Answer({"total": 2, "items": [ark_task("a", "succeeded"), ark_task("b")]}),
        ]
    )

    def answer(request: Request) -> steps.Outcome:
        if request.endpoint == "list":
            return next(lists)
        return steps.Answer(ark_task("b", "running"))  # one id left: polled on its own

    script = Script(answer, clock)
    flow = wait_for_tasks_flow(
        ARK, ["a", "b"], timeout=5, schedule=PollSchedule(fixed=1.0), now=clock.now
    )
    with pytest.raises(WaitTimeout) as caught:
        for _ in script.walk(flow):
            pass
    assert [t.id for t in script.emitted] == ["a"]
    assert "1 of 2 tasks still running" in str(caught.value)


# ---- one exchange ---------------------------------------------------------------------------


class Wire:
    """Plays the transport for :func:`send_flow`: canned ``httpx.Response`` objects, no sockets."""

    def __init__(self, responses: Sequence[httpx.Response | Exception]) -> None:
        self.responses = list(responses)
        self.sent: list[httpx.Request] = []
        self.clock = FakeClock()
        self.steps: list[str] = []  # each step's kind, and a Sleep's seconds

    def run(self, flow: steps.Flow[Any]) -> Any:
        value: Any = None
        error: BaseException | None = None
        while True:
            try:
                step = flow.send(value) if error is None else flow.throw(error)
            except StopIteration as stop:
                return stop.value
            value = error = None
            self.steps.append(
                f"Sleep {step.seconds:g}" if type(step) is steps.Sleep else type(step).__name__
            )
            if isinstance(step, steps.Send):
                self.sent.append(step.request)
                answer = self.responses.pop(0)
                if isinstance(answer, Exception):
                    error = answer
                    continue
                answer.request = step.request
                value = steps.Body(answer, iter([answer.content]))
            elif isinstance(step, steps.Read):
                value = next(step.body.chunks, b"")
            elif isinstance(step, steps.Sleep):
                self.clock.sleep(step.seconds)


# Builds requests only (its defaults, no I/O); one for the module, so no TLS context per test.
HTTP = httpx.Client(verify=shared_ssl_context())


def exchange(
    wire: Wire, base_url: str = "https://ark.example", rate_limit: RateLimit | None = None
) -> Exchange:
    return Exchange(
        adapter=ARK,
        base_url=base_url,
        auth_header=("Authorization", "Bearer sk-secret"),
        scrubber=Scrubber("sk-secret"),
        http=HTTP,
        defaults_on_client=True,
        timeout=None,
        retry_policy=RetryPolicy(max_retries=2, backoff_initial=0.5, backoff_max=1.0),
        clock=wire.clock,
        rate_limit=rate_limit,
    )


def test_send_flow_retries_a_429_after_its_retry_after() -> None:
    wire = Wire(
        [
            httpx.Response(
                429, headers={"Retry-After": "7"}, json={"error": {"code": "RateLimitExceeded"}}
            ),
            httpx.Response(200, json=ark_task("x")),
        ]
    )
    outcome = wire.run(send_flow(exchange(wire), ARK.get_request("x")))
    assert isinstance(outcome, steps.Answer)
    assert outcome.payload["id"] == "x"
    assert wire.clock.t == pytest.approx(7.0, abs=1.0)  # Retry-After (capped by the policy)
    assert len(wire.sent) == 2


def test_send_flow_gives_up_after_its_retries_with_the_error() -> None:
    wire = Wire([httpx.ConnectError("refused")] * 3)
    outcome = wire.run(send_flow(exchange(wire), ARK.get_request("x")))
    assert type(outcome).__name__ == "APIConnectionError"
    assert len(wire.sent) == 3


def test_send_flow_follows_redirects_and_drops_the_key_off_origin() -> None:
    wire = Wire(
        [
            httpx.Response(302, headers={"Location": "https://elsewhere.example/t/x"}),
            httpx.Response(200, json=ark_task("x")),
        ]
    )
    outcome = wire.run(send_flow(exchange(wire), ARK.get_request("x")))
    assert isinstance(outcome, steps.Answer)
    first, second = wire.sent
    assert first.headers["Authorization"] == "Bearer sk-secret"
    assert "Authorization" not in second.headers
    assert str(second.url) == "https://elsewhere.example/t/x"


def test_send_flow_stops_a_redirect_loop() -> None:
    loop = [httpx.Response(302, headers={"Location": "/again"}) for _ in range(6)]
    wire = Wire(loop)
    outcome = wire.run(send_flow(exchange(wire), ARK.get_request("x")))
    assert isinstance(outcome, ResponseError)
    assert "more than 5 redirects" in str(outcome)


def test_send_flow_maps_an_error_body_and_scrubs_the_key() -> None:
    body = {"error": {"code": "InvalidParameter", "message": "bad key sk-secret"}}
    wire = Wire([httpx.Response(400, json=body, headers={"x-request-id": "r1"})])
    outcome = wire.run(send_flow(exchange(wire), ARK.get_request("x")))
    assert type(outcome).__name__ == "InvalidRequestError"
    assert "sk-secret" not in str(outcome)
    assert "sk-secret" not in str(outcome.body)
    assert outcome.request_id == "r1"


def test_send_flow_keeps_a_non_json_answer() -> None:
    page = b"<html><title>Bad Gateway</title></html>"
    wire = Wire([httpx.Response(200, content=page, headers={"content-type": "text/html"})])
    outcome = wire.run(send_flow(exchange(wire), ARK.get_request("x")))
    assert isinstance(outcome, ResponseError)
    assert "Bad Gateway" in str(outcome)


def test_request_url_carries_the_query_encoded_once() -> None:
    wire = Wire([httpx.Response(200, json={"total": 0, "items": []})])
    request = ARK.list_request(page=2, token=None, page_size=50, raw_statuses=("running",))
    wire.run(send_flow(exchange(wire), request))
    query = parse_qs(urlsplit(str(wire.sent[0].url)).query)
    assert query["page_num"] == ["2"]
    assert query["page_size"] == ["50"]
    assert query["filter.status"] == ["running"]


# ---- the request budget in the exchange flow --------------------------------------------------


def test_each_request_sleeps_for_its_turn_before_it_is_sent() -> None:
    wire = Wire([httpx.Response(200, json=ark_task("x")) for _ in range(3)])
    ex = exchange(wire, rate_limit=RateLimit(4, clock=wire.clock.now))
    for _ in range(3):
        assert isinstance(wire.run(send_flow(ex, ARK.get_request("x"))), steps.Answer)
    answer = ["Send", "Read", "Read"]  # the body, then its end
    assert wire.steps == [*answer, "Sleep 0.25", *answer, "Sleep 0.25", *answer]


def test_a_redirect_on_the_origin_takes_a_turn_and_one_elsewhere_none() -> None:
    here = httpx.Response(302, headers={"Location": "/api/v3/contents/generations/tasks/x?r=1"})
    away = httpx.Response(302, headers={"Location": "https://cdn.example/x"})
    wire = Wire([here, away, httpx.Response(200, json=ark_task("x"))])
    ex = exchange(wire, rate_limit=RateLimit(2, clock=wire.clock.now))
    assert isinstance(wire.run(send_flow(ex, ARK.get_request("x"))), steps.Answer)
    assert wire.steps == ["Send", "Close", "Sleep 0.5", "Send", "Close", "Send", "Read", "Read"]


def test_a_429_halves_the_budget_and_its_retry_waits_for_a_turn() -> None:
    limited = httpx.Response(
        429, headers={"Retry-After": "0"}, json={"error": {"code": "RateLimitExceeded"}}
    )
    wire = Wire([limited, httpx.Response(200, json=ark_task("x"))])
    budget = RateLimit(10, clock=wire.clock.now)
    assert isinstance(
        wire.run(send_flow(exchange(wire, rate_limit=budget), ARK.get_request("x"))), steps.Answer
    )
    assert budget.rate == 5
    # The retry: Retry-After 0, then its turn (the first was 0.1 s on; no time has passed).
    assert wire.steps == ["Send", "Read", "Read", "Sleep 0", "Sleep 0.1", "Send", "Read", "Read"]


def test_a_turn_past_the_deadline_is_an_api_timeout_and_nothing_is_sent() -> None:
    wire = Wire([httpx.Response(200, json=ark_task("x"))])
    budget = RateLimit(1, clock=wire.clock.now)
    ex = exchange(wire, rate_limit=budget)
    wire.run(send_flow(ex, ARK.get_request("x")))
    outcome = wire.run(send_flow(ex, ARK.get_request("x"), deadline=wire.clock.now() + 0.5))
    assert isinstance(outcome, APITimeoutError)
    assert "request budget" in str(outcome)
    assert len(wire.sent) == 1
    assert wire.steps == ["Send", "Read", "Read"]
