"""The version is written once (vtasks/_version.py) and every other place reads it.

These tests read this tree's files rather than trusting ``importlib.metadata``: the suite may run
with PYTHONPATH on one worktree while the installed (editable) distribution points at another.
The installed metadata is compared only when it was installed from this very tree.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from pathlib import Path

import vtasks
from vtasks._flows.exchange import USER_AGENT

ROOT = Path(__file__).resolve().parents[1]

# What hatchling's regex version source looks for in the file [tool.hatch.version] names.
_VERSION_LINE = re.compile(r"""(?m)^__version__ *= *(['"])v?(?P<version>.+?)\1 *$""")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _written_version() -> str:
    found = _VERSION_LINE.findall((ROOT / "vtasks" / "_version.py").read_text(encoding="utf-8"))
    assert len(found) == 1, "vtasks/_version.py must assign __version__ exactly once"
    return found[0][1]


def test_pyproject_takes_the_version_from_version_py() -> None:
    config = _pyproject()
    assert "version" not in config["project"], "no static version in pyproject.toml"
    assert "version" in config["project"]["dynamic"]
    assert config["tool"]["hatch"]["version"]["path"] == "vtasks/_version.py"


def test_no_other_file_writes_the_version() -> None:
    version = _written_version()
    literal = re.compile(r"""__version__ *= *['"]""")
    for path in (ROOT / "vtasks").rglob("*.py"):
        if path.name != "_version.py":
            assert not literal.search(path.read_text(encoding="utf-8")), path
    assert f'version = "{version}"' not in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_package_and_user_agent_use_it() -> None:
    # The tests run against the package installed from this tree (nox) or the tree itself.
    assert vtasks.__version__ == _written_version()
    assert f"vtasks/{vtasks.__version__}" == USER_AGENT


def test_installed_metadata_agrees() -> None:
    # The tests always run with vtasks installed from this tree (nox installs it; so does a dev
    # setup), so the installed metadata must carry the version _version.py gives.
    dist = importlib.metadata.distribution("vtasks")
    assert dist.version == _written_version(), "reinstall: the installed metadata is stale"
