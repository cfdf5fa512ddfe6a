"""Status tables and normalization: vtasks._status."""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vtasks import _status
from vtasks._exceptions import ConfigurationError
from vtasks._models import TaskStatus
from vtasks._status import STATUS_TABLES, normalize_status, raw_statuses_for, status_table_rows

Q, R, S, F, C, E, U = (
    TaskStatus.QUEUED,
    TaskStatus.RUNNING,
    TaskStatus.SUCCEEDED,
    TaskStatus.FAILED,
    TaskStatus.CANCELLED,
    TaskStatus.EXPIRED,
    TaskStatus.UNKNOWN,
)

# Every value the vendors document (docs/providers.md), with the status it must become (written out here rather
# than read from the tables in vtasks/_providers/, so that a changed row fails a test).
DOCUMENTED = {
    "ark": {"queued": Q, "running": R, "cancelled": C, "succeeded": S, "failed": F, "expired": E},
    "volc": {"queued": Q, "running": R, "cancelled": C, "succeeded": S, "failed": F, "expired": E},
    "veo": {
        "pending": Q,
        "processing": R,
        "completed": S,
        "failed": F,
        "image_downloading": R,
        "video_generating": R,
        "video_generation_completed": R,  # not final: upsampling may follow
        "video_generation_failed": F,
        "video_upsampling": R,
        "video_upsampling_completed": S,
        "video_upsampling_failed": F,
        "error": F,
    },
    "minimax": {"Preparing": Q, "Queueing": Q, "Processing": R, "Success": S, "Fail": F},
    "vidu": {"created": Q, "queueing": Q, "processing": R, "success": S, "failed": F},
    "aitoearn": {
        "SUBMITTED": Q,
        "NOT_START": Q,
        "QUEUED": Q,
        "InProgress": R,
        "IN_PROGRESS": R,
        "SUCCESS": S,
        "FAILURE": F,
        "UNKNOWN": U,
    },
}
# Seen in real traffic (docs/providers.md): real values, not defensive ones. Sent by gateways in
# front of Ark: ``pending`` by ctyun (QuantumNous/new-api
# relay/channel/task/doubao/adaptor_ctyun_test.go), ``processing`` by notoken.pro (LnYo-Cly/ai4j
# SeedanceVideoServiceTest).
SEEN_IN_TRAFFIC = {
    "ark": {"pending": Q, "processing": R},
    "volc": {"pending": Q, "processing": R},
    # Veo-format resellers: yunwu's table (shellus/mj-studio docs/api/video-unified-api.md) has
    # ``success``; one reseller's table has ``unknown`` (an explicit row: no warning).
    "veo": {"success": S, "unknown": U},
    # A reseller's doc lists ``Failed`` (YeSongYun/dmxapi.doc).
    "minimax": {"Failed": F},
}
DEFENSIVE = {
    "ark": {"canceled": C},
    "volc": {"canceled": C},
    "veo": {"queued": Q},
}
CASES = [
    (provider, raw, status)
    for table in (DOCUMENTED, SEEN_IN_TRAFFIC, DEFENSIVE)
    for provider, rows in table.items()
    for raw, status in rows.items()
]


def warnings_in(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("vtasks")]


@pytest.mark.parametrize(("provider", "raw", "expected"), CASES)
def test_every_documented_value(
    provider: str, raw: str, expected: TaskStatus, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="vtasks"):
        assert normalize_status(provider, raw) is expected
    assert not warnings_in(caplog)


def test_tables_cover_providers() -> None:
    assert set(STATUS_TABLES) == {"ark", "volc", "veo", "minimax", "vidu", "aitoearn"}
    for provider, rows in DOCUMENTED.items():
        for raw, status in rows.items():
            assert STATUS_TABLES[provider][raw] is status
    with pytest.raises(TypeError):
        STATUS_TABLES["veo"]["new"] = Q  # type: ignore[index]


@pytest.mark.parametrize(("provider", "raw", "expected"), CASES)
def test_spelling_variants(provider: str, raw: str, expected: TaskStatus) -> None:
    for variant in (raw.upper(), raw.lower(), raw.title(), f"  {raw}\n", raw.replace("_", "-")):
        assert normalize_status(provider, variant) is expected, variant


@given(st.sampled_from(CASES), st.data())
def test_case_insensitive_property(case: tuple[str, str, TaskStatus], data: st.DataObject) -> None:
    provider, raw, expected = case
    flips = data.draw(st.lists(st.booleans(), min_size=len(raw), max_size=len(raw)))
    variant = "".join(c.upper() if flip else c.lower() for c, flip in zip(raw, flips, strict=True))
    assert normalize_status(provider, variant) is expected


def test_aitoearn_in_progress_spellings() -> None:
    for raw in ("InProgress", "IN_PROGRESS", "in_progress", "inprogress", "In Progress"):
        assert normalize_status("aitoearn", raw) is R


def test_vidu_cancelled_via_err_code() -> None:
    assert normalize_status("vidu", "failed", error_code="UserCancelled") is C
    assert normalize_status("vidu", "FAILED", error_code="usercancelled") is C
    assert normalize_status("vidu", "failed", error_code="CreationPolicyViolation") is F
    assert normalize_status("vidu", "failed", error_code="") is F
    assert normalize_status("vidu", "failed") is F
    # The rule only turns a failure into a cancellation.
    assert normalize_status("vidu", "success", error_code="UserCancelled") is S
    # Other providers do not have it.
    assert normalize_status("volc", "failed", error_code="UserCancelled") is F


@pytest.mark.parametrize("raw", ["video_teleporting", None, 3, 2.5, True, ["queued"], b"queued"])
def test_unknown_is_unknown_and_not_logged_here(
    raw: object, caplog: pytest.LogCaptureFixture
) -> None:
    # The drift sentinel reports a value the spec does not list (tests/test_sentinel.py), once,
    # without the value; the lookup itself stays silent, whoever calls it.
    with caplog.at_level(logging.DEBUG, logger="vtasks"):
        assert normalize_status("volc", raw) is U
        assert normalize_status("runway", "queued") is U
    assert not warnings_in(caplog)


def test_task_status_member_as_raw() -> None:
    assert normalize_status("volc", TaskStatus.RUNNING) is R


junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text() | st.binary(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=5,
)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from([*STATUS_TABLES, "nope", ""]), junk, st.none() | st.text(max_size=20))
def test_never_raises(provider: str, raw: object, error_code: str | None) -> None:
    assert isinstance(normalize_status(provider, raw, error_code=error_code), TaskStatus)


def test_status_table_rows() -> None:
    rows = status_table_rows("veo")
    assert rows[6][:2] == ("video_generation_completed", R)
    assert "not final" in rows[6][2]
    for provider, table in STATUS_TABLES.items():
        rows = status_table_rows(provider)
        assert {raw: status for raw, status, _ in rows} == dict(table)
        assert all(isinstance(note, str) for _, _, note in rows)
    notes = {raw: note for raw, _, note in status_table_rows("volc")}
    assert "defensive" in notes["canceled"]
    for gateway in SEEN_IN_TRAFFIC["volc"]:  # seen in real traffic: a source, not "defensive"
        assert "defensive" not in notes[gateway]
        assert "gateway" in notes[gateway]
    with pytest.raises(ConfigurationError, match="unknown provider"):
        status_table_rows("runway")


def test_raw_statuses_for() -> None:
    assert raw_statuses_for("volc", Q) == ("queued", "pending")
    assert raw_statuses_for("volc", C) == ("cancelled",)
    assert raw_statuses_for("volc", C, include_defensive=True) == ("cancelled", "canceled")
    assert raw_statuses_for("vidu", Q) == ("created", "queueing")
    assert raw_statuses_for("aitoearn", R) == ("InProgress", "IN_PROGRESS")
    assert raw_statuses_for("vidu", C) == ()
    assert raw_statuses_for("runway", Q) == ()


def test_table_collisions_are_refused() -> None:
    rows = (_status.StatusRow("Done", S), _status.StatusRow("DONE", F))
    with pytest.raises(AssertionError, match="collision"):
        _status._build_lookup(rows)
