"""The README: generated sections are current, and its examples run against the simulator.

Python blocks are executed with ``VTASKS_*`` pointing at a simulator that holds the task ids the
examples use; blocks marked ``<!-- readme-test: FILE -->`` are written to FILE and run with pytest;
``vtasks ...`` lines of bash blocks are run as commands (``# exit code N`` states the expected code).
"""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from vtasks.testing import FakeProviders

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
GENERATOR = ROOT / "scripts" / "gen_readme.py"

_BLOCK = re.compile(
    r"(?:<!-- readme-test: (?P<file>[\w.]+) -->\n)?```(?P<lang>\w+)\n(?P<code>.*?)```", re.S
)


def blocks(lang: str) -> list[tuple[str | None, str]]:
    text = README.read_text(encoding="utf-8")
    return [
        (m.group("file"), m.group("code")) for m in _BLOCK.finditer(text) if m.group("lang") == lang
    ]


def clean_env(extra: dict[str, str]) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("VTASKS_") and "proxy" not in k.lower()
    }
    env.update(extra)
    return env


@pytest.fixture
def seeded(fake: FakeProviders) -> FakeProviders:
    """The simulator holding every task id the README mentions."""
    fake.add_task("ark", task_id="cgt-20250601123456-abcde", status="succeeded")
    fake.add_tasks("ark", 5, statuses=("failed", "succeeded"))
    fake.add_task("vidu", task_id="842453598887221280", status="succeeded")
    fake.add_task("vidu", task_id="842453598887221281", status="failed")
    fake.add_task("vidu", status="running")
    fake.add_task("minimax", task_id="337433671976378", status="succeeded")
    return fake


# ---- generated sections -----------------------------------------------------------------------


def test_generated_sections_are_current() -> None:
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_check_mode_names_a_stale_section(tmp_path: Path) -> None:
    text = README.read_text(encoding="utf-8")
    stale = tmp_path / "README.md"
    stale.write_text(text.replace("| `Preparing` | `queued` |", "| `Preparing` | `running` |"))
    result = subprocess.run(
        [sys.executable, str(GENERATOR), "--check", "--readme", str(stale)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 1
    assert "status-table" in result.stderr
    # and writing repairs it
    subprocess.run([sys.executable, str(GENERATOR), "--readme", str(stale)], check=True, timeout=60)
    assert stale.read_text(encoding="utf-8") == text


def test_first_screen_commands() -> None:
    first_screen = README.read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "python3 -m pip install . && python3 -m vtasks demo" in first_screen
    assert "python3 -m pip install nox==2026.10.20 uv==0.13.9 && python3 -m nox" in first_screen


# ---- examples ---------------------------------------------------------------------------------


PYTHON_BLOCKS = [code for file, code in blocks("python") if file is None]


@pytest.mark.parametrize(
    "code", PYTHON_BLOCKS, ids=[f"block{i}" for i in range(len(PYTHON_BLOCKS))]
)
def test_python_example_runs(
    code: str,
    seeded: FakeProviders,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in seeded.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    if "print(" in code:
        assert capsys.readouterr().out.strip()


def test_python_examples_cover_sync_async_errors_and_simulator() -> None:
    joined = "\n".join(PYTHON_BLOCKS)
    for needle in ("vtasks.Client(", "vtasks.AsyncClient(", "except vtasks.", "FakeProviders()"):
        assert needle in joined


def test_pytest_fixture_example(tmp_path: Path) -> None:
    files = [(file, code) for file, code in blocks("python") if file is not None]
    assert {file for file, _ in files} == {"conftest.py", "test_with_fake_providers.py"}
    for file, code in files:
        (tmp_path / file).write_text(code, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path,
        env=clean_env({}),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def _commands() -> list[tuple[list[str], int]]:
    out = []
    for _, code in blocks("bash"):
        for line in code.splitlines():
            if not line.startswith("vtasks ") or "|" in line or line.rstrip().endswith("&"):
                continue
            command, _, comment = line.partition("#")
            args = shlex.split(command)[1:]
            if args[0] in ("demo", "serve-fake"):  # tested in test_cli_demo / test_cli
                continue
            expected = re.search(r"exit code (\d+)", comment)
            out.append((args, int(expected.group(1)) if expected else 0))
    return out


COMMANDS = _commands()


@pytest.mark.parametrize(
    ("args", "code"), COMMANDS, ids=[" ".join(args[:2]) for args, _ in COMMANDS]
)
def test_readme_command_runs(
    args: list[str], code: int, seeded: FakeProviders, tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vtasks", *args],
        env=clean_env(seeded.env()),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr


def test_readme_commands_cover_the_cli() -> None:
    assert {args[0] for args, _ in COMMANDS} >= {"get", "list", "wait", "download", "providers"}
