"""The CLI's pure parts: value parsing, formatting, tables, progress lines, error lines."""

import argparse
import io
from datetime import UTC, datetime, timedelta, timezone

import pytest

from vtasks import (
    AuthenticationError,
    ConfigurationError,
    NotFoundError,
    Task,
    TaskStatus,
    WaitTimeout,
)
from vtasks._cli._errors import EXIT_CODES, ExitCode, describe_error, scrub
from vtasks._cli._output import Style, format_bytes, format_time, print_table
from vtasks._cli._progress import DownloadProgress, StatusLine, WaitProgress
from vtasks._cli._values import parse_duration, parse_positive_int, parse_when

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("24h", NOW - timedelta(hours=24)),
        ("7d", NOW - timedelta(days=7)),
        ("90m ago", NOW - timedelta(minutes=90)),
        ("2w", NOW - timedelta(weeks=2)),
        ("1.5h", NOW - timedelta(minutes=90)),
        ("now", NOW),
        ("2025-01-31", datetime(2025, 1, 31, tzinfo=UTC)),
        ("2025-01-31T08:00:00Z", datetime(2025, 1, 31, 8, tzinfo=UTC)),
        ("2025-01-31T08:00", datetime(2025, 1, 31, 8, tzinfo=UTC)),  # no offset: UTC
        ("2025-01-31T16:00:00+08:00", datetime(2025, 1, 31, 8, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    value = parse_when(text, now=NOW)
    assert value == expected
    assert value.tzinfo is UTC


@pytest.mark.parametrize("text", ["yesterday", "", "24", "h", "-1d", "2025-13-01"])
def test_parse_when_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError, match="ISO-8601"):
        parse_when(text, now=NOW)


@pytest.mark.parametrize(
    ("text", "seconds"), [("90", 90.0), ("1.5", 1.5), ("30s", 30.0), ("10m", 600.0), ("2h", 7200.0)]
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "-1", "soon", "1y", "nan"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_parse_positive_int() -> None:
    assert parse_positive_int("10") == 10
    for bad in ("0", "-3", "1.5", "ten"):
        with pytest.raises(argparse.ArgumentTypeError):
            parse_positive_int(bad)


def test_format_helpers() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(4248) == "4.1 KiB"
    assert format_bytes(5 * 1024**3) == "5.0 GiB"
    assert format_time(None) == "-"
    plus8 = datetime(2025, 1, 1, 16, 0, 0, 999, tzinfo=timezone(timedelta(hours=8)))
    assert format_time(plus8) == "2025-01-01T08:00:00Z"


def test_table_aligns_and_spans_lines() -> None:
    out = io.StringIO()
    print_table(
        ["A", "STATUS", "C"],
        [["x", "succeeded", "one\ntwo"], ["longer", "failed", "-"]],
        out=out,
        style=Style(False),
        status_column=1,
    )
    assert out.getvalue().splitlines() == [
        "A       STATUS     C",
        "x       succeeded  one",
        "                   two",
        "longer  failed     -",
    ]


def test_coloured_table_pads_before_colouring() -> None:
    out = io.StringIO()
    print_table(["S", "X"], [["failed", "1"]], out=out, style=Style(True), status_column=0)
    assert "\x1b[31mfailed\x1b[0m  1" in out.getvalue()


def _task(status: str, raw: str) -> Task:
    return Task(provider="ark", id="t1", status=TaskStatus(status), raw_status=raw)


def test_wait_progress_plain_lines_only_on_change() -> None:
    stream = io.StringIO()
    ticks = iter([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    progress = WaitProgress(
        StatusLine(stream, tty=False), Style(False), "ark t1", clock=lambda: next(ticks)
    )
    with progress:
        for status, raw in [("queued", "Queueing"), ("queued", "Queueing"), ("succeeded", "Ok")]:
            progress(_task(status, raw))
        progress.done(_task("succeeded", "Ok"))
    assert stream.getvalue().splitlines() == [
        "ark t1: queued (Queueing), 1.0 s elapsed, 1 poll",
        "ark t1: succeeded (Ok), 2.0 s elapsed, 3 polls",
    ]


def test_download_progress_plain_lines_are_throttled() -> None:
    stream = io.StringIO()
    ticks = iter([0.0, 0.2, 0.5, 1.5, 1.6, 2.0])
    progress = DownloadProgress(StatusLine(stream, tty=False), "ark t1", clock=lambda: next(ticks))
    progress(1024, 4096)  # 0.2: too soon for a line
    progress(2048, 4096)  # 0.5: too soon
    progress(4096, 4096)  # 1.5: a line
    progress.done("/tmp/t1.mp4")
    lines = stream.getvalue().splitlines()
    assert lines[0].startswith("ark t1: 4.0 KiB of 4.0 KiB (100%), ")
    assert lines[1].endswith("-> /tmp/t1.mp4")
    assert len(lines) == 2


def test_error_lines_and_codes() -> None:
    line, code = describe_error(ConfigurationError("no API key for ark", hint="set X"), "ark")
    assert (line, code) == ("no API key for ark; set X", ExitCode.USAGE)
    line, code = describe_error(AuthenticationError("bad key", provider="ark"), "ark")
    assert code == ExitCode.ERROR
    assert "VTASKS_ARK_API_KEY" in line
    line, code = describe_error(NotFoundError("gone", provider="vidu", status_code=404), "vidu")
    assert code == ExitCode.ERROR
    assert "task id" in line
    timeout = WaitTimeout("x", task=_task("running", "running"), timeout=5)
    line, code = describe_error(timeout, "ark")
    assert code == ExitCode.WAIT_TIMEOUT
    assert line.startswith("ark: task t1 did not finish within 5 s (last status: running)")
    assert {int(c) for c, _ in EXIT_CODES} == {0, 1, 2, 3, 4, 5, 6, 130}


def test_scrub_removes_keys_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VTASKS_ARK_API_KEY", "sk-abcdef123456")
    assert scrub("echoed sk-abcdef123456 back", "ark") == "echoed *** back"
    assert scrub("nothing here", None) == "nothing here"


def test_wait_progress_shows_the_vendors_percentage() -> None:
    stream = io.StringIO()
    ticks = iter([0.0, 1.0, 2.0, 3.0])
    progress = WaitProgress(
        StatusLine(stream, tty=False), Style(False), "veo t1", clock=lambda: next(ticks)
    )
    with progress:
        progress(Task(provider="veo", id="t1", status=TaskStatus.RUNNING, progress=12.5))
    assert stream.getvalue().splitlines() == ["veo t1: running 12.5%, 1.0 s elapsed, 1 poll"]
