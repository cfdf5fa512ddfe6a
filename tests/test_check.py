"""``vtasks check`` and ``check_contract``: live answers against the curated spec.

Against the simulator over real HTTP, with drift injected as a vendor's unannounced change would
bring it: an unknown field, a new status, a retyped field, a missing required field. Prism's
answers are checked in tests/test_prism.py.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from harness import LISTING, NOT_LISTING, Api
from test_cli import clean_env, vtasks_cli

from vtasks import ConfigurationError
from vtasks.testing import PROVIDERS, FakeProviders

pytest.importorskip("jsonschema")  # the `check` extra; the test dependencies always have it


@pytest.fixture
def env(fake: FakeProviders) -> dict[str, str]:
    return fake.env()


def seeded(fake: FakeProviders, provider: str) -> list[str]:
    tasks = [fake.add_task(provider, status=s) for s in ("succeeded", "failed", "running")]
    return [t.id for t in tasks]


# ---- nothing injected: nothing drifts --------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
def test_the_simulator_matches_every_spec(fake: FakeProviders, api: Api, provider: str) -> None:
    ids = seeded(fake, provider)
    report = api.client(provider).check_contract(ids)
    assert not report.drifted, report.to_dict()
    assert not report.failed, report.to_dict()
    endpoints = [a.endpoint for a in report.answers]
    assert endpoints.count("get") == 3
    assert ("list" in endpoints) is (provider in LISTING)
    assert ("files" in endpoints) is (provider == "minimax")  # the succeeded task's file


@pytest.mark.parametrize("provider", LISTING)
def test_without_ids_the_newest_listed_task_is_asked_about(
    fake: FakeProviders, env: dict[str, str], provider: str
) -> None:
    ids = seeded(fake, provider)
    result = vtasks_cli("check", provider, env=env)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"vtasks check {provider}: 2 answers from {fake.base_url}")
    assert lines[1].split() == ["list", "page", "1", "matched"]
    assert lines[2].split() == ["get", ids[-1], "matched"]
    assert lines[-1] == "no drift: every answer matches the curated spec"


# ---- each kind of drift ----------------------------------------------------------------------


def check_json(env: dict[str, str], *args: str) -> tuple[int, dict[str, object]]:
    result = vtasks_cli("check", *args, "--json", env=env)
    assert result.stderr == ""
    return result.returncode, json.loads(result.stdout)


def differences(report: dict[str, object], endpoint: str) -> list[tuple[str, str]]:
    answers = report["answers"]
    assert isinstance(answers, list)
    (answer,) = [a for a in answers if a["endpoint"] == endpoint]
    return [(d["path"], d["kind"]) for d in answer["differences"]]


def test_an_unknown_field(fake: FakeProviders, env: dict[str, str]) -> None:
    (task_id, *_) = seeded(fake, "ark")
    fake.inject("ark", "set_fields", count=None, fields={"content.audio_track": "https://a"})
    code, report = check_json(env, "ark", "--task-id", task_id)
    assert code == 1
    assert report["drifted"] is True
    assert differences(report, "get") == [("content.audio_track", "unknown field")]
    # The page's succeeded task has content too; the others have none to add a field to.
    assert differences(report, "list") == [("items[2].content.audio_track", "unknown field")]


def test_a_new_status(fake: FakeProviders, env: dict[str, str]) -> None:
    ids = seeded(fake, "vidu")
    fake.inject("vidu", "unknown_status", endpoint="get", value="paused")
    code, report = check_json(env, "vidu", "--task-id", ids[0])
    assert code == 1
    assert differences(report, "get") == [("state", "new value")]
    assert differences(report, "list") == []


def test_a_retyped_field(fake: FakeProviders, env: dict[str, str]) -> None:
    ids = seeded(fake, "aitoearn")
    fake.inject("aitoearn", "set_fields", endpoint="get", fields={"submittedAt": 1764658800})
    code, report = check_json(env, "aitoearn", "--task-id", ids[0])
    assert code == 1
    assert differences(report, "get") == [("data.submittedAt", "retyped")]


def test_a_missing_required_field(fake: FakeProviders, env: dict[str, str]) -> None:
    ids = seeded(fake, "ark")
    fake.inject("ark", "missing_fields", endpoint="get", fields=["id"])
    code, report = check_json(env, "ark", "--task-id", ids[0])
    assert code == 1
    assert differences(report, "get") == [("id", "missing required field")]


def test_the_human_report_folds_a_pages_items(fake: FakeProviders, env: dict[str, str]) -> None:
    fake.add_tasks("ark", 5, statuses=("running",))
    fake.inject("ark", "set_fields", count=None, fields={"duration": "5"})
    result = vtasks_cli("check", "ark", env=env)
    assert result.returncode == 1
    assert (
        "        retyped                items[].duration: '5' is not of type 'integer' (5 items)"
        in result.stdout.splitlines()
    )
    assert result.stdout.splitlines()[-1] == "drift: 2 of 2 answers differ from the curated spec"


def test_an_answer_that_cannot_be_had_is_incomplete_exit_1(
    fake: FakeProviders, env: dict[str, str]
) -> None:
    seeded(fake, "ark")
    result = vtasks_cli("check", "ark", "--task-id", "cgt-gone", env=env)
    assert result.returncode == 1
    assert "  get   cgt-gone  could not check: NotFoundError: " in result.stdout
    assert result.stdout.splitlines()[-1] == ("incomplete: 1 of 2 questions had no answer to check")


def test_the_key_never_shows(fake: FakeProviders, env: dict[str, str]) -> None:
    key = fake.api_keys["ark"]
    (task_id, *_) = seeded(fake, "ark")
    fake.inject("ark", "set_fields", count=None, fields={key: key, "model": 7})
    result = vtasks_cli("check", "ark", "--task-id", task_id, env=env)
    assert result.returncode == 1
    assert key not in result.stdout + result.stderr
    assert "retyped" in result.stdout


# ---- usage -----------------------------------------------------------------------------------


@pytest.mark.parametrize("provider", NOT_LISTING)
def test_a_provider_that_cannot_list_needs_ids(
    fake: FakeProviders, env: dict[str, str], api: Api, provider: str
) -> None:
    result = vtasks_cli("check", provider, env=env)
    assert result.returncode == 2
    assert f"`vtasks check {provider} --task-id ID`" in result.stderr
    with pytest.raises(ConfigurationError, match="give the ids of tasks to check"):
        api.client(provider).check_contract()
    assert fake.requests == []


def test_without_a_key_it_is_a_usage_error(fake: FakeProviders) -> None:
    result = vtasks_cli("check", "ark", env={})
    assert result.returncode == 2
    assert "VTASKS_ARK_API_KEY" in result.stderr


def test_without_jsonschema_it_says_which_extra(fake: FakeProviders, env: dict[str, str]) -> None:
    # A process in which jsonschema cannot be imported, as in an install without vtasks[check].
    code = "import sys; sys.modules['jsonschema'] = None; from vtasks._cli import main; raise SystemExit(main(sys.argv[1:]))"
    result = subprocess.run(
        [sys.executable, "-c", code, "check", "ark"],
        env=clean_env(env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "pip install 'vtasks[check]'" in result.stderr
    assert fake.requests == []


# ---- the nightly CI job in docs/drift.md -------------------------------------------------------


def nightly_steps() -> list[dict[str, object]]:
    import re
    from pathlib import Path

    import yaml

    text = (Path(__file__).resolve().parent.parent / "docs" / "drift.md").read_text("utf-8")
    (block,) = re.findall(r"```yaml\n(.*?)```", text, flags=re.DOTALL)
    job = yaml.safe_load(block)["jobs"]["check"]
    return [step for step in job["steps"] if str(step.get("run", "")).startswith("vtasks check")]


def test_the_nightly_job_checks_every_provider_with_its_own_key(
    fake: FakeProviders,
) -> None:
    import shlex

    from vtasks._config import api_key_env

    steps = nightly_steps()
    assert sorted(str(step["name"]) for step in steps) == sorted(PROVIDERS)
    for step in steps:
        provider = str(step["name"])
        env = step["env"]
        assert isinstance(env, dict)
        variable = api_key_env(provider)
        assert env == {variable: "${{ secrets." + variable + " }}"}
        assert step["if"] == "${{ !cancelled() }}"
        # The command as written, run against the simulator: the variable holds a real task id.
        task_id = fake.add_task(provider, status="succeeded").id
        command = str(step["run"]).replace(
            '"${{ vars.VTASKS_' + provider.upper() + '_TASK_ID }}"', task_id
        )
        args = shlex.split(command)
        assert args[:3] == ["vtasks", "check", provider]
        result = vtasks_cli(*args[1:], env={**fake.env(), variable: fake.api_keys[provider]})
        assert result.returncode == 0, (command, result.stdout, result.stderr)
