"""The CLI against hostile vendor data and careless callers (issue 12, "A safe CLI").

Vendor text with CJK, emoji and control characters; stdouts that cannot encode it, are closed, or
lead into a pipe nobody reads; out-of-range times and durations; odd ids, base URLs and paths.
Whatever happens, the user sees output or one ``vtasks`` line: never a traceback, never
"please report this", never a raw control character from the vendor.
"""

import io
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from test_cli import assert_clean_error, clean_env, json_lines, vtasks_cli
from test_cli_terminal import run_on_terminal

from vtasks._cli._output import Style, json_line, print_table, terminal_text, text_width
from vtasks.testing import FakeProviders

# Vendor text a hostile (or merely careless) server may put in any task field: CJK and emoji, which
# an ASCII or Latin-1 stdout cannot encode; a clear-screen and a title-setting escape sequence, a
# carriage return and a bell, an 8-bit CSI (C1), a right-to-left override and a line separator.
HOSTILE = "猫 🐈 \x1b[2J\x1b]0;pwned\x07 a\rb \x9b31m \u202eevil\u202c \u2028end"
HOSTILE_ESCAPES = ("\\x1b[2J", "\\x1b]0;pwned\\x07", "a\\rb", "\\x9b31m", "\\u202eevil\\u202c")


def raw_controls(text: str) -> set[str]:
    """The characters in ``text`` a terminal may act on (line breaks between lines excepted)."""
    return {
        ch
        for ch in text
        if ch != "\n" and unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp", "Cs"}
    }


def user_env(env: dict[str, str]) -> dict[str, str]:
    """``clean_env(env)`` as a user's shell has it: buffered stdout (this machine, CI too, may set
    PYTHONUNBUFFERED, under which a broken pipe shows at the first write, not at exit)."""
    return {k: v for k, v in clean_env(env).items() if k != "PYTHONUNBUFFERED"}


def no_crash(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr, result.stderr
    assert "please report" not in result.stderr, result.stderr
    assert "Exception ignored" not in result.stderr, result.stderr


@pytest.fixture
def env(fake: FakeProviders) -> dict[str, str]:
    return fake.env()


@pytest.fixture
def hostile_task(fake: FakeProviders) -> str:
    """A failed AiToEarn task (it reports prompt, model and error) with hostile text everywhere."""
    task = fake.add_task(
        "aitoearn",
        status="failed",
        model=f"model-{HOSTILE}",
        prompt=f"prompt {HOSTILE}",
        error={"code": "E\x1b[5m", "message": f"error {HOSTILE}"},
    )
    return task.id


def run_encoded(
    args: list[str], env: dict[str, str], encoding: str
) -> subprocess.CompletedProcess[str]:
    """``python -m vtasks args`` with stdout and stderr in ``encoding``, decoded strictly."""
    proc = subprocess.run(
        [sys.executable, "-m", "vtasks", *args],
        env=clean_env({**env, "PYTHONIOENCODING": encoding}),
        capture_output=True,
        timeout=30,
        check=False,
    )
    # Strict decoding: what was written really is in the stream's encoding.
    out, err = proc.stdout.decode(encoding), proc.stderr.decode(encoding)
    return subprocess.CompletedProcess(args, proc.returncode, out, err)


# ---- the escaping functions ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "encoding", "shown"),
    [
        ("plain text", None, "plain text"),
        ("猫 🐈 café", None, "猫 🐈 café"),  # printable: left alone
        ("猫 🐈 café", "ascii", "\\u732b \\U0001f408 caf\\xe9"),  # what backslashreplace writes
        ("猫 café", "latin-1", "\\u732b café"),
        ("\x1b[2J\x07\x7f\x9b", None, "\\x1b[2J\\x07\\x7f\\x9b"),  # C0, DEL, C1
        ("a\rb\tc\nd", None, "a\\rb\\tc\\nd"),
        ("\u202eevil\u2066\u200b\ufeff", None, "\\u202eevil\\u2066\\u200b\\ufeff"),  # bidi, hidden
        ("line\u2028sep", None, "line\\u2028sep"),
        ("\ud800", None, "\\ud800"),  # a lone surrogate (json.loads makes them): no codec writes it
        ("👨\u200d👩\u200d👧", None, "👨\u200d👩\u200d👧"),  # joiners inside emoji stay
        ("\u3000\u00a0", None, "\u3000\u00a0"),  # ideographic and no-break spaces are text
    ],
)
def test_terminal_text(text: str, encoding: str | None, shown: str) -> None:
    assert terminal_text(text, encoding) == shown


def test_terminal_text_keeps_line_breaks_when_asked() -> None:
    assert terminal_text("a\nb\r", newlines=True) == "a\nb\\r"


@pytest.mark.parametrize("encoding", [None, "ascii", "latin-1"])
def test_json_line_is_json_and_safe(encoding: str | None) -> None:
    value = {"text": HOSTILE + "\ud800 café", "n": 1}
    line = json_line(value, encoding)
    assert json.loads(line) == value
    assert not raw_controls(line)
    line.encode(encoding or "utf-8", errors="surrogatepass" if encoding is None else "strict")
    if encoding is None:
        assert "猫 🐈" in line  # readable where it can be written
    else:
        assert "\\u732b \\ud83d\\udc08" in line  # JSON's escapes, a surrogate pair beyond the BMP


def test_tables_align_wide_characters() -> None:
    assert text_width("猫🐈a") == 5
    assert text_width("e\u0301") == 1  # a combining accent takes no column
    out = io.StringIO()
    print_table(["NAME", "X"], [["猫猫", "1"], ["ab", "2"]], out=out, style=Style(False))
    assert out.getvalue().splitlines() == ["NAME  X", "猫猫  1", "ab    2"]


# ---- any stdout encoding ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_text_output_on_any_encoding(
    encoding: str, fake: FakeProviders, env: dict[str, str], hostile_task: str
) -> None:
    card = run_encoded(["get", "aitoearn", hostile_task], env, encoding)
    no_crash(card)
    assert card.returncode == 0, card.stderr
    fields = dict(line.split(None, 1) for line in card.stdout.splitlines())
    assert fields["model"].startswith("model-\\u732b \\U0001f408 \\x1b[2J")  # 猫 🐈, escaped
    assert fields["error"].startswith("error \\u732b")

    table = run_encoded(["list", "aitoearn"], env, encoding)
    no_crash(table)
    assert table.returncode == 0, table.stderr
    header, row, count = table.stdout.splitlines()
    assert row.startswith(hostile_task)
    assert "\\u732b" in row
    assert count == "1 task"
    # Aligned after escaping: the ERROR column starts under its title.
    error_at = header.index("ERROR")
    assert row[error_at - 2 : error_at] == "  "
    assert row[error_at:].startswith("error ")


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_json_output_on_any_encoding_is_still_json(
    encoding: str, fake: FakeProviders, env: dict[str, str], hostile_task: str
) -> None:
    exact = json_lines(vtasks_cli("get", "aitoearn", hostile_task, "--json", env=env).stdout)
    for args in (["get", "aitoearn", hostile_task, "--json"], ["list", "aitoearn", "--json"]):
        result = run_encoded(args, env, encoding)
        no_crash(result)
        assert result.returncode == 0, result.stderr
        assert json_lines(result.stdout) == exact  # escaped as JSON (\uXXXX): the same values


@pytest.mark.parametrize("encoding", ["ascii", "latin-1"])
def test_error_lines_on_any_encoding(
    encoding: str, fake: FakeProviders, env: dict[str, str], hostile_task: str
) -> None:
    failed = run_encoded(["wait", "aitoearn", hostile_task], env, encoding)
    no_crash(failed)
    line = assert_clean_error(failed, 4)
    assert "ended failed: error \\u732b" in line
    missing = run_encoded(["get", "vidu", "未知-id"], env, encoding)  # the vendor echoes the id
    no_crash(missing)
    assert "\\u672a\\u77e5-id" in assert_clean_error(missing, 1)


# ---- control characters -----------------------------------------------------------------------


def test_control_characters_are_escaped_in_cards_and_tables(
    fake: FakeProviders, env: dict[str, str], hostile_task: str
) -> None:
    for args in (["get", "aitoearn", hostile_task], ["list", "aitoearn"]):
        result = vtasks_cli(*args, env=env)
        assert result.returncode == 0, result.stderr
        assert not raw_controls(result.stdout), result.stdout
        for escaped in HOSTILE_ESCAPES:
            assert escaped in result.stdout, (escaped, result.stdout)


def test_control_characters_are_escaped_in_stderr_lines(
    fake: FakeProviders, env: dict[str, str], hostile_task: str
) -> None:
    # wait: the progress line (raw status) and the "ended failed: <error>" line
    odd = fake.add_task("vidu", raw_status=f"stuck{HOSTILE}")
    result = vtasks_cli("wait", "vidu", odd.id, "--timeout", "0.3", "--interval", "0.1", env=env)
    assert result.returncode == 3
    assert not raw_controls(result.stderr), result.stderr
    assert "\\x1b[2J" in result.stderr
    failed = vtasks_cli("wait", "aitoearn", hostile_task, env=env)
    assert failed.returncode == 4
    assert not raw_controls(failed.stderr), failed.stderr
    assert "ended failed: error 猫 🐈 \\x1b[2J" in failed.stderr
    # download of that failed task: the same line
    download = vtasks_cli("download", "aitoearn", hostile_task, env=env)
    assert download.returncode == 4
    assert not raw_controls(download.stderr), download.stderr
    # an error message quoting the vendor's text stays one line
    task = fake.add_task("vidu", status="succeeded")
    message = f"refused {HOSTILE}\nline 2"
    fake.inject("vidu", "business_error", code="Bad\x1b[5m", message=message, status=400)
    refused = vtasks_cli("get", "vidu", task.id, env=env)
    line = assert_clean_error(refused, 1)
    assert not raw_controls(refused.stderr), refused.stderr
    assert "refused 猫 🐈 \\x1b[2J" in line, line
    assert refused.stderr.count("\n") == 1


def test_json_escapes_every_control_character(
    fake: FakeProviders, env: dict[str, str], hostile_task: str
) -> None:
    result = vtasks_cli("get", "aitoearn", hostile_task, "--json", env=env)
    assert result.returncode == 0, result.stderr
    assert not raw_controls(result.stdout), result.stdout  # C1 and bidi too, not only C0
    (task,) = json_lines(result.stdout)
    assert task["model"] == f"model-{HOSTILE}"  # escaped, not altered
    assert "猫 🐈" in result.stdout  # printable text stays readable on a UTF-8 stdout


def test_control_characters_on_a_terminal_only_our_colours(
    fake: FakeProviders, hostile_task: str
) -> None:
    code, shown, _ = run_on_terminal(["list", "aitoearn"], fake.env(), terminal="stdout")
    assert code == 0
    assert "\x1b[31mfailed" in shown  # our colour
    for raw in ("\x1b[2J", "\x1b]", "\x07", "\x9b", "\u202e"):
        assert raw not in shown
    assert "\\x1b[2J" in shown


# ---- closed stdout, a pipe nobody reads --------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [["get", "ark", "{id}"], ["get", "ark", "{id}", "--json"], ["list", "ark"], ["providers"]],
)
def test_a_pipe_nobody_reads_ends_quietly(
    args: list[str], fake: FakeProviders, env: dict[str, str]
) -> None:
    task = fake.add_task("ark", status="succeeded")
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `vtasks ... | true`: the reader is gone before the first write
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "vtasks", *(a.format(id=task.id) for a in args)],
            env=user_env(env),
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=30,
            check=False,
        )
    finally:
        os.close(write_end)
    assert proc.stderr == ""  # no "Exception ignored ... BrokenPipeError" at exit
    assert proc.returncode == 0


def _run_closed(redirect: str, args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Run ``python -m vtasks args`` under ``sh`` with ``redirect`` (e.g. ``>&-``)."""
    proc = subprocess.run(
        ["sh", "-c", f'exec "$@" {redirect}', "sh", sys.executable, "-m", "vtasks", *args],
        env=user_env(env),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_a_closed_stdout_ends_quietly(fake: FakeProviders, env: dict[str, str]) -> None:
    task = fake.add_task("ark", status="succeeded")
    code, _, err = _run_closed(">&-", ["get", "ark", task.id], env)
    assert (code, err) == (0, "")
    failed = fake.add_task("ark", status="failed")
    code, _, err = _run_closed(">&-", ["wait", "ark", failed.id], env)
    assert code == 4  # the command's own exit code
    assert "ended failed" in err
    assert "Traceback" not in err
    assert "please report" not in err


def test_a_closed_stderr_does_not_stop_the_command(
    fake: FakeProviders, env: dict[str, str]
) -> None:
    failed = fake.add_task("ark", status="failed")
    code, out, _ = _run_closed("2>&-", ["wait", "ark", failed.id, "--json"], env)
    assert code == 4
    assert json.loads(out)["status"] == "failed"
    code, out, _ = _run_closed("2>&-", ["get", "ark", "cgt-nope"], env)
    assert (code, out) == (1, "")


# ---- out-of-range times and durations ----------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["list", "ark", "--since", "0001-01-01T00:00:00+05:00"],
        ["list", "ark", "--until", "9999-12-31T23:59:59-05:00"],
        ["list", "ark", "--since", "999999999d"],
        ["list", "ark", "--since", "99999999999w"],
        ["list", "ark", "--since", "9" * 400 + "s"],
        ["get", "ark", "x", "--timeout", "99999999999"],
        ["get", "ark", "x", "--timeout", "9" * 400],
        ["wait", "ark", "x", "--timeout", "9" * 400],
        ["wait", "ark", "x", "--timeout", "999999999w"],
        ["wait", "ark", "x", "--interval", "9" * 400],
        ["wait", "ark", "x", "--interval", "99999999999"],
        ["list", "ark", "--limit", "9" * 5000],
        ["serve-fake", "--port", "99999"],
        ["serve-fake", "--port", "-1"],
        ["serve-fake", "--speed", "-1"],
        ["serve-fake", "--speed", "nan"],
        ["serve-fake", "--speed", "inf"],
        ["serve-fake", "--rate-limit", "veo=0"],
        ["serve-fake", "--rate-limit", "veo=nan"],
        ["serve-fake", "--rate-limit", "nope=5"],
        ["serve-fake", "--rate-limit", "veo"],
    ],
)
def test_out_of_range_arguments_are_usage_errors(args: list[str], env: dict[str, str]) -> None:
    # serve-fake in its own process: today's code serves forever on some of these values.
    result = vtasks_cli(*args, env=env, process=args[0] == "serve-fake")
    assert result.returncode == 2, (result.returncode, result.stderr)
    assert "usage: vtasks" in result.stderr
    assert f"vtasks {args[0]}: error: argument " in result.stderr
    no_crash(result)
    assert all(len(line) < 300 for line in result.stderr.splitlines())  # the value is shortened


# ---- other careless input ----------------------------------------------------------------------


@pytest.mark.parametrize("task_id", ["a\nb", "a\x1b[2Jb", "\t", "x" * 70_000])
def test_an_impossible_task_id_is_a_usage_error(task_id: str, env: dict[str, str]) -> None:
    for command in ("get", "wait", "download"):
        result = vtasks_cli(command, "ark", task_id, env=env)
        assert result.returncode == 2, (command, result.stderr)
        assert f"vtasks {command}: error: argument ID:" in result.stderr
        assert not raw_controls(result.stderr.replace("\n", "")), result.stderr
        no_crash(result)


@pytest.mark.parametrize("url", ["http://[::1", "http://127.0.0.1:99999", "http://x:port"])
def test_a_malformed_base_url_is_a_usage_error(url: str, env: dict[str, str]) -> None:
    from_option = vtasks_cli("get", "ark", "cgt-1", "--base-url", url, env=env)
    no_crash(from_option)
    assert "base URL" in assert_clean_error(from_option, 2)
    from_env = vtasks_cli("get", "ark", "cgt-1", env={**env, "VTASKS_ARK_BASE_URL": url})
    no_crash(from_env)
    assert "VTASKS_ARK_BASE_URL" in assert_clean_error(from_env, 2)


def test_an_unknown_user_in_the_output_path_is_a_usage_error(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path
) -> None:
    task = fake.add_task("ark", status="succeeded")
    result = vtasks_cli("download", "ark", task.id, "-o", "~no-such-user-here/x.mp4", env=env)
    no_crash(result)
    assert "~no-such-user-here" in assert_clean_error(result, 2)


def test_an_id_of_no_safe_characters_still_names_a_visible_file(
    fake: FakeProviders, env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = fake.add_task("ark", status="succeeded", task_id="任务.")
    monkeypatch.chdir(tmp_path)
    result = vtasks_cli("download", "ark", task.id, env=env)
    assert result.returncode == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["video.mp4"]  # not the hidden ".mp4"
