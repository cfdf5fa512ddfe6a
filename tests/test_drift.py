"""The spec-drift check: passes on the committed tree, fails (naming provider and files) otherwise.

Each test works on a temporary copy of specs/, scripts/ and generated/, and runs the real scripts.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("pristine")
    for name in ("specs", "scripts", "generated"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def tree(pristine: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "repo"
    shutil.copytree(pristine, copy)
    return copy


def _run(tree: Path, script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(tree / "scripts" / script)],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# The pass on the committed tree is the drift session's own first command (noxfile.py), and the
# pass after a regeneration is checked below: a test of its own would be a third 20-second run.


def test_drift_fails_on_a_hand_edited_generated_file(tree: Path) -> None:
    edited = tree / "generated" / "vtasks_gen_vidu" / "models" / "vidu_task.py"
    edited.write_text(edited.read_text() + "\n# a hand edit\n")
    result = _run(tree, "check_drift.py")
    assert result.returncode == 1
    assert "FAILED for vidu" in result.stderr
    assert "differs vtasks_gen_vidu/models/vidu_task.py" in result.stderr
    assert "FAILED for ark" not in result.stderr


def test_drift_fails_on_an_extra_file_in_generated(tree: Path) -> None:
    (tree / "generated" / "vtasks_gen_veo" / "extra.py").write_text("x = 1\n")
    result = _run(tree, "check_drift.py")
    assert result.returncode == 1
    assert "not generated vtasks_gen_veo/extra.py" in result.stderr


def test_drift_fails_on_a_spec_changed_without_regenerating_and_passes_after_regen(
    tree: Path,
) -> None:
    spec = tree / "specs" / "minimax.yaml"
    text = spec.read_text()
    marker = "        video_height:\n          type: integer\n"
    assert marker in text
    spec.write_text(text.replace(marker, marker + "        fps:\n          type: integer\n", 1))
    result = _run(tree, "check_drift.py")
    assert result.returncode == 1
    assert "FAILED for minimax" in result.stderr
    assert "vtasks_gen_minimax/models/minimax_task.py" in result.stderr

    regen = _run(tree, "regenerate.py")
    assert regen.returncode == 0, regen.stderr
    assert "fps" in (tree / "generated/vtasks_gen_minimax/models/minimax_task.py").read_text()
    again = _run(tree, "check_drift.py")
    assert again.returncode == 0, again.stderr
    assert "generated/ up to date" in again.stdout


def test_drift_fails_on_a_shared_schema_change_for_both_seedance_providers(tree: Path) -> None:
    common = tree / "specs" / "common" / "seedance.yaml"
    common.write_text(common.read_text().replace("        seed:\n", "        seed_value:\n", 1))
    result = _run(tree, "check_drift.py")
    assert result.returncode == 1
    assert "FAILED for ark" in result.stderr
    assert "FAILED for volc" in result.stderr


def test_drift_reports_an_example_that_violates_its_schema(tree: Path) -> None:
    spec = tree / "specs" / "vidu.yaml"
    spec.write_text(spec.read_text().replace("credits: 20", "credits: twenty", 1))
    result = _run(tree, "check_drift.py")
    assert result.returncode == 1
    assert "example 'page' does not match its schema at tasks/0/credits" in result.stderr


def test_drift_reports_where_an_invalid_schema_is(tree: Path) -> None:
    spec = tree / "specs" / "veo.yaml"
    text = spec.read_text()
    head, sep, task = text.partition("\n    VeoTask:")  # the first bad type after it is video_url's
    spec.write_text(head + sep + task.replace("type: [string, 'null']", "type: [strng, 'null']", 1))
    result = _run(tree, "check_drift.py")
    assert result.returncode == 1
    assert "FAILED for veo" in result.stderr
    assert "/components/schemas/VeoTask/properties/video_url/type" in result.stderr


def test_regenerating_twice_gives_identical_trees(tree: Path) -> None:
    before = {p: p.read_bytes() for p in (tree / "generated").rglob("*") if p.is_file()}
    assert _run(tree, "regenerate.py").returncode == 0
    after = {p: p.read_bytes() for p in (tree / "generated").rglob("*") if p.is_file()}
    assert before == after


def test_every_generated_file_says_it_is_generated() -> None:
    files = list((ROOT / "generated").rglob("*.py"))
    assert files
    for file in files:
        assert "DO NOT EDIT" in file.read_text().splitlines()[1], file
