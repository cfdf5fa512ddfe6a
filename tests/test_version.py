"""The version is written once (vtasks/_version.py) and every other place reads it.

These tests read this tree's files rather than trusting ``importlib.metadata``: the suite may run
with PYTHONPATH on one worktree while the installed (editable) distribution points at another.
The installed metadata is compared only when it was installed from this very tree.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import tomllib
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

import vtasks
from vtasks import _base_client

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
    if Path(vtasks.__file__).resolve().parent != ROOT / "vtasks":
        pytest.skip(f"vtasks imported from {vtasks.__file__}, not from {ROOT}")
    assert vtasks.__version__ == _written_version()
    assert f"vtasks/{vtasks.__version__}" == _base_client._USER_AGENT


def test_installed_metadata_agrees_when_installed_from_this_tree() -> None:
    try:
        dist = importlib.metadata.distribution("vtasks")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("vtasks is not installed")
    origin = json.loads(dist.read_text("direct_url.json") or "{}").get("url", "")
    if not origin.startswith("file://") or Path(unquote(urlsplit(origin).path)).resolve() != ROOT:
        pytest.skip(f"the installed vtasks comes from {origin or 'an index'}, not from {ROOT}")
    assert dist.version == _written_version(), "reinstall: the installed metadata is stale"
