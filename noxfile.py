"""Development sessions: `nox` runs lint, typecheck, tests and drift (what CI runs).

Tool versions are pinned once, in pyproject.toml's [dependency-groups]; every session installs from there.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHON = "3.11"
SOURCES = ["vtasks", "scripts", "tests", "benchmarks", "noxfile.py"]

nox.options.sessions = ["lint", "typecheck", "tests", "drift"]
nox.options.reuse_venv = "yes"
nox.options.error_on_missing_interpreters = False


def _group(name: str) -> list[str]:
    return nox.project.dependency_groups(PYPROJECT, name)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """Ruff lint and format check (the project's config, not the generator's)."""
    session.install(*_group("lint"))
    session.run("ruff", "check", *SOURCES)
    session.run("ruff", "format", "--check", *SOURCES)


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict on vtasks/ and scripts/; generated packages must import and type-check as used."""
    session.install(*_group("typecheck"), *_group("validate"), ".")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite against the installed package; fails if no test ran."""
    session.install(*_group("test"), *_group("generate"), ".")
    report = Path(session.create_tmp()) / "junit.xml"
    session.run("pytest", f"--junitxml={report}", *session.posargs)
    suite = ET.parse(report).getroot().find("testsuite")  # noqa: S314 - our own pytest output
    ran = int(suite.get("tests", 0)) - int(suite.get("skipped", 0)) if suite is not None else 0
    if ran <= 0:
        session.error("no test ran")
    session.log(f"{ran} tests ran")


@nox.session(python=PYTHON)
def regen(session: nox.Session) -> None:
    """Regenerate generated/ from specs/ with the pinned generator and formatter."""
    session.install(*_group("generate"), *_group("validate"))
    session.run("python", "scripts/regenerate.py", *session.posargs)


@nox.session(python=PYTHON)
def drift(session: nox.Session) -> None:
    """Fail when a spec is invalid or generated/ differs from what specs/ produce."""
    session.install(*_group("generate"), *_group("validate"))
    session.run("python", "scripts/check_drift.py", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: print ratios against raw httpx measured in the same run (not a test)."""
    session.install(*_group("bench"), ".")
    session.run("python", "benchmarks/bench_simulator.py", "--requests", "2000")
    session.run("python", "benchmarks/run.py", *session.posargs)
