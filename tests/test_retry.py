"""Retry / back-off / polling decisions: vtasks._retry."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from itertools import islice

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vtasks._exceptions import ConfigurationError
from vtasks._retry import (
    RETRYABLE_STATUSES,
    PollSchedule,
    RetryPolicy,
    is_retryable_status,
    parse_retry_after,
)

NOW = datetime(2015, 10, 21, 7, 28, 0, tzinfo=UTC)


class TestParseRetryAfter:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            ("120", 120.0),
            (" 3 ", 3.0),
            ("1.5", 1.5),
            ("0", 0.0),
            ("-5", 0.0),  # negative: do not wait
            ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
            ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),  # in the past
            ("Wed, 21 Oct 2015 09:28:00 +0200", 0.0),
            ("Wed, 21 Oct 2015 07:28:10 -0000", 10.0),
        ],
    )
    def test_values(self, value: str, expected: float) -> None:
        assert parse_retry_after(value, now=NOW) == expected

    @pytest.mark.parametrize("value", [None, "", "  ", "soon", "nan", "inf", "-inf", "1,5", "3s"])
    def test_junk(self, value: str | None) -> None:
        assert parse_retry_after(value, now=NOW) is None

    def test_naive_now_is_utc(self) -> None:
        naive = NOW.replace(tzinfo=None)
        assert parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now=naive) == 30.0

    def test_default_now(self) -> None:
        future = datetime.now(UTC) + timedelta(seconds=100)
        header = future.strftime("%a, %d %b %Y %H:%M:%S GMT")
        result = parse_retry_after(header)
        assert result is not None
        assert 90 <= result <= 100

    @given(st.text(max_size=40))
    def test_never_raises(self, value: str) -> None:
        result = parse_retry_after(value, now=NOW)
        assert result is None or (math.isfinite(result) and result >= 0)

    @given(st.floats(min_value=0, max_value=1e6))
    def test_delta_round_trip(self, seconds: float) -> None:
        assert parse_retry_after(repr(seconds)) == seconds


class TestRetryPolicy:
    def test_defaults(self) -> None:
        policy = RetryPolicy()
        assert (policy.max_retries, policy.backoff_initial, policy.backoff_max) == (3, 0.5, 8.0)
        assert (policy.retry_after_max, policy.total_timeout) == (60.0, None)

    def test_cap_grows_and_saturates(self) -> None:
        policy = RetryPolicy()
        assert [policy.backoff_cap(n) for n in range(7)] == [0.5, 1, 2, 4, 8, 8, 8]
        assert policy.backoff_cap(10_000) == 8.0  # no overflow
        assert policy.backoff_cap(-1) == 0.5

    def test_full_jitter_is_seeded(self) -> None:
        policy = RetryPolicy()
        a = [policy.delay(n, rng=random.Random(7)) for n in range(5)]
        b = [policy.delay(n, rng=random.Random(7)) for n in range(5)]
        assert a == b
        assert len(set(a)) > 1

    def test_retry_after_honoured_and_capped(self) -> None:
        policy = RetryPolicy(retry_after_max=60.0)
        assert policy.delay(0, retry_after=12.5) == 12.5
        assert policy.delay(5, retry_after=3600.0) == 60.0
        assert policy.delay(0, retry_after=-3.0) == 0.0
        assert policy.delay(0, retry_after=math.inf) == 60.0
        nan_delay = policy.delay(0, retry_after=math.nan, rng=random.Random(1))
        assert 0.0 <= nan_delay <= 0.5

    @given(
        st.integers(min_value=0, max_value=10_000),
        st.floats(min_value=0, max_value=100),
        st.floats(min_value=0, max_value=100),
        st.integers(),
    )
    def test_delay_within_cap(self, attempt: int, initial: float, cap: float, seed: int) -> None:
        policy = RetryPolicy(backoff_initial=initial, backoff_max=cap)
        delay = policy.delay(attempt, rng=random.Random(seed))
        assert 0.0 <= delay <= min(cap, policy.backoff_cap(attempt))

    @given(
        st.integers(min_value=0, max_value=50),
        st.none() | st.floats(allow_nan=False),
        st.floats(min_value=0, max_value=1e4),
    )
    def test_delay_never_exceeds_retry_after_max(
        self, attempt: int, retry_after: float | None, limit: float
    ) -> None:
        policy = RetryPolicy(retry_after_max=limit, backoff_max=limit)
        assert 0.0 <= policy.delay(attempt, retry_after=retry_after) <= limit

    def test_should_retry_counts(self) -> None:
        policy = RetryPolicy(max_retries=2)
        assert policy.should_retry(0, elapsed=0.0, delay=1.0)
        assert policy.should_retry(1, elapsed=0.0, delay=1.0)
        assert not policy.should_retry(2, elapsed=0.0, delay=1.0)
        assert not RetryPolicy(max_retries=0).should_retry(0, elapsed=0.0, delay=0.0)

    def test_should_retry_total_timeout(self) -> None:
        policy = RetryPolicy(total_timeout=10.0)
        assert policy.should_retry(0, elapsed=5.0, delay=5.0)
        assert not policy.should_retry(0, elapsed=5.0, delay=5.1)
        assert not policy.should_retry(0, elapsed=11.0, delay=0.0)

    @given(
        st.integers(min_value=0, max_value=5),
        st.floats(min_value=0, max_value=100),
        st.floats(min_value=0, max_value=100),
        st.none() | st.floats(min_value=0, max_value=100),
    )
    def test_should_retry_property(
        self, attempt: int, elapsed: float, delay: float, total: float | None
    ) -> None:
        policy = RetryPolicy(total_timeout=total)
        decision = policy.should_retry(attempt, elapsed=elapsed, delay=delay)
        if decision:
            assert attempt < policy.max_retries
            assert total is None or elapsed + delay <= total

    def test_simulated_loop_respects_total_timeout(self) -> None:
        # A driver's loop: every request fails after 1 s; the deadline must hold.
        policy = RetryPolicy(max_retries=100, total_timeout=20.0)
        rng = random.Random(3)
        elapsed, attempt = 1.0, 0
        while True:
            delay = policy.delay(attempt, rng=rng)
            if not policy.should_retry(attempt, elapsed=elapsed, delay=delay):
                break
            elapsed += delay + 1.0
            attempt += 1
        assert elapsed - 1.0 <= 20.0
        assert attempt > 2

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"max_retries": -1},
            {"max_retries": 1.5},
            {"max_retries": True},
            {"backoff_initial": -0.1},
            {"backoff_max": math.nan},
            {"retry_after_max": math.inf},
            {"total_timeout": -1.0},
        ],
    )
    def test_bad_settings(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ConfigurationError):
            RetryPolicy(**kwargs)  # type: ignore[arg-type]


class TestRetryableStatus:
    @pytest.mark.parametrize("code", [408, 425, 429, 499, 500, 502, 503, 504, 520, 524, 599])
    def test_retryable(self, code: int) -> None:
        assert is_retryable_status(code)

    @pytest.mark.parametrize("code", [200, 301, 400, 401, 403, 404, 409, 422, 501, 505, 511, 600])
    def test_not_retryable(self, code: int) -> None:
        assert not is_retryable_status(code)

    def test_constant(self) -> None:
        assert isinstance(RETRYABLE_STATUSES, frozenset)
        assert 501 not in RETRYABLE_STATUSES


class TestPollSchedule:
    def test_growth_without_jitter(self) -> None:
        schedule = PollSchedule(jitter=0.0)
        values = list(islice(schedule, 10))
        assert values[:4] == [1.0, 1.5, 2.25, 3.375]
        assert values[-1] == 15.0
        assert values == sorted(values)

    def test_defaults(self) -> None:
        schedule = PollSchedule()
        assert (schedule.initial, schedule.factor, schedule.maximum, schedule.jitter) == (
            1.0,
            1.5,
            15.0,
            0.2,
        )
        assert schedule.fixed is None

    def test_seeded_rng_reproducible(self) -> None:
        a = list(islice(PollSchedule(rng=random.Random(5)), 20))
        b = list(islice(PollSchedule(rng=random.Random(5)), 20))
        assert a == b

    @given(st.integers(min_value=0, max_value=100_000), st.integers())
    def test_jitter_bounds(self, poll: int, seed: int) -> None:
        schedule = PollSchedule(rng=random.Random(seed))
        base = schedule.base_interval(poll)
        value = schedule.interval(poll)
        assert base * 0.8 <= value <= min(base * 1.2, 15.0)
        assert value <= schedule.maximum

    def test_fixed(self) -> None:
        schedule = PollSchedule(fixed=2.0, rng=random.Random(1))
        assert list(islice(schedule, 5)) == [2.0] * 5
        assert list(islice(PollSchedule(fixed=0.0), 2)) == [0.0, 0.0]

    def test_huge_poll_count(self) -> None:
        assert PollSchedule(jitter=0.0).interval(10**6) == 15.0

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"fixed": -1.0},
            {"fixed": math.nan},
            {"initial": -1.0},
            {"factor": 0.5},
            {"jitter": 1.0},
            {"jitter": -0.1},
            {"maximum": math.inf},
        ],
    )
    def test_bad_settings(self, kwargs: dict[str, object]) -> None:
        with pytest.raises(ConfigurationError):
            PollSchedule(**kwargs)  # type: ignore[arg-type]
