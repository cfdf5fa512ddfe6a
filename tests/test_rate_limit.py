"""``vtasks.RateLimit`` on its own, with a fake clock: bursts, the steady rate, adapting, deadlines."""

from __future__ import annotations

import math
import threading

import pytest

import vtasks
from vtasks import RateLimit


class Clock:
    """A clock that moves only when told to."""

    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_evenly_spaced_by_default(clock: Clock) -> None:
    budget = RateLimit(10, clock=clock)
    delays = [budget.reserve() for _ in range(5)]
    assert delays == pytest.approx([0.0, 0.1, 0.2, 0.3, 0.4])


def test_a_burst_goes_at_once_then_the_rate_holds(clock: Clock) -> None:
    budget = RateLimit(10, burst=3, clock=clock)
    delays = [budget.reserve() for _ in range(6)]
    assert delays == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2, 0.3])


def test_a_quiet_spell_refills_no_more_than_the_burst(clock: Clock) -> None:
    budget = RateLimit(10, burst=3, clock=clock)
    for _ in range(3):
        budget.reserve()
    clock.t += 3600  # an hour of nothing
    delays = [budget.reserve() for _ in range(5)]
    assert delays == pytest.approx([0.0, 0.0, 0.0, 0.1, 0.2])


def test_requests_at_the_rate_never_wait(clock: Clock) -> None:
    budget = RateLimit(4, clock=clock)
    for _ in range(100):
        assert budget.reserve() == 0.0
        clock.t += 0.25


def test_the_rate_holds_over_a_long_run(clock: Clock) -> None:
    budget = RateLimit(20, burst=5, clock=clock)
    # Send each request when told to: 1,000 requests take 995 intervals (the burst went at once).
    for _ in range(1000):
        delay = budget.reserve()
        assert delay is not None
        clock.t += delay
    assert clock.t - 1000.0 == pytest.approx(995 / 20)


def test_the_time_may_be_given(clock: Clock) -> None:
    budget = RateLimit(2, clock=lambda: pytest.fail("the clock was read"))
    assert budget.reserve(5.0) == 0.0
    assert budget.reserve(5.0) == pytest.approx(0.5)
    assert budget.reserve(6.0) == pytest.approx(0.0)


def test_a_turn_past_the_deadline_is_not_taken(clock: Clock) -> None:
    budget = RateLimit(10, clock=clock)
    assert budget.reserve() == 0.0
    assert budget.reserve(within=0.05) is None  # its turn is in 0.1 s
    assert budget.reserve(within=0.05) is None
    # Nothing was taken: the next turn is still the first one after the first request.
    assert budget.reserve(within=0.11) == pytest.approx(0.1)
    assert budget.reserve(within=math.inf) == pytest.approx(0.2)


def test_a_rate_limit_answer_halves_the_rate_once_a_second(clock: Clock) -> None:
    budget = RateLimit(16, clock=clock)
    budget.on_rate_limited()
    assert budget.rate == 8
    budget.on_rate_limited()  # the other requests in flight, answered together
    clock.t += 0.5
    budget.on_rate_limited()
    assert budget.rate == 8
    clock.t += 0.5
    budget.on_rate_limited()
    assert budget.rate == 4
    assert budget.per_second == 16


def test_the_rate_never_falls_below_a_sixteenth(clock: Clock) -> None:
    budget = RateLimit(32, clock=clock)
    for _ in range(20):
        budget.on_rate_limited()
        clock.t += 1.0
    assert budget.rate == 2.0


def test_a_halved_rate_spaces_the_next_requests_twice_as_far(clock: Clock) -> None:
    budget = RateLimit(10, clock=clock)
    assert budget.reserve() == 0.0
    budget.on_rate_limited()
    # The place already taken stands (0.1 s on); the ones after it are 0.2 s apart.
    assert budget.reserve() == pytest.approx(0.1)
    assert budget.reserve() == pytest.approx(0.3)


def test_good_answers_give_the_rate_back_a_tenth_a_second(clock: Clock) -> None:
    budget = RateLimit(10, clock=clock)
    budget.on_rate_limited()
    assert budget.rate == 5
    budget.on_success()  # within the second of the cut: not yet
    clock.t += 0.9
    budget.on_success()
    assert budget.rate == 5
    rates = []
    for _ in range(7):
        clock.t += 1.0
        budget.on_success()
        budget.on_success()  # more good answers in the same second change nothing
        rates.append(budget.rate)
    assert rates == pytest.approx([6, 7, 8, 9, 10, 10, 10])


def test_a_rate_limit_answer_right_after_a_give_back_still_cuts(clock: Clock) -> None:
    budget = RateLimit(10, clock=clock)
    budget.on_rate_limited()
    clock.t += 1.0
    budget.on_success()
    assert budget.rate == 6
    clock.t += 0.1
    budget.on_rate_limited()
    assert budget.rate == 3


def test_threads_never_share_a_turn(clock: Clock) -> None:
    budget = RateLimit(1000, clock=clock)
    delays: list[float | None] = []
    lock = threading.Lock()

    def take() -> None:
        mine = [budget.reserve() for _ in range(200)]
        with lock:
            delays.extend(mine)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 1,600 turns at one clock reading: each 1 ms after the one before, none twice.
    turns = sorted(round(d * 1000) for d in delays if d is not None)
    assert turns == list(range(1600))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"per_second": 0},
        {"per_second": -1},
        {"per_second": math.nan},
        {"per_second": math.inf},
        {"per_second": True},
        {"per_second": "5"},
        {"per_second": None},
        {"per_second": 10**7},
        {"per_second": 5, "burst": 0},
        {"per_second": 5, "burst": 1.5},
        {"per_second": 5, "burst": True},
        {"per_second": 5, "burst": "2"},
        {"per_second": 5, "clock": 5},
    ],
    ids=repr,
)
def test_a_bad_setting_is_a_configuration_error(kwargs: dict[str, object]) -> None:
    with pytest.raises(vtasks.ConfigurationError):
        RateLimit(**kwargs)  # type: ignore[arg-type]


def test_repr_says_the_rate_in_force(clock: Clock) -> None:
    budget = RateLimit(10, burst=2, clock=clock)
    budget.on_rate_limited()
    assert repr(budget) == "RateLimit(per_second=10, burst=2, in force=5)"
    assert budget.burst == 2
