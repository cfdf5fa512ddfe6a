"""scripts/upstream_diff.py: the semantic diff between a stored vendor page and a new one.

Every test edits a copy of a page kept in specs/upstream/ the way a vendor would (a new status, a
new field, a retyped field, a dropped parameter, a changed example, a new path) and checks the
checklist line that edit must produce, or that a non-semantic edit produces none.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
UPSTREAM = ROOT / "specs" / "upstream"
SCRIPT = ROOT / "scripts" / "upstream_diff.py"
sys.path.insert(0, str(ROOT / "scripts"))

import upstream_diff as ud  # noqa: E402 - the scripts folder is not a package

VOLC = UPSTREAM / "volc-seedance-task-list.md"
VEO = UPSTREAM / "veo-unified-query.md"
MINIMAX = UPSTREAM / "minimax-query-video-generation.md"
AITOEARN = UPSTREAM / "aitoearn-video-task-list.md"
VIDU = UPSTREAM / "vidu-task-list.md"

VOLC_OP = "GET /volc/v1/contents/generations/tasks"


def edited(page: Path, tmp_path: Path, *edits: tuple[str, str]) -> Path:
    """A copy of ``page`` in tmp_path with each (old, new) replaced; each ``old`` must occur once."""
    text = page.read_text(encoding="utf-8")
    for old, new in edits:
        assert text.count(old) == 1, f"edit target not unique in {page.name}: {old!r}"
        text = text.replace(old, new)
    copy = tmp_path / page.name
    copy.write_text(text, encoding="utf-8")
    return copy


def lines_for(old: Path, new: Path, **options: bool) -> list[str]:
    """The checklist lines (operation-qualified) for the difference between two pages."""
    return [d.full for d in ud.diff_documents(ud.load_page(old), ud.load_page(new), **options)]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# ---- the command: exit statuses and output -----------------------------------------------------


def test_an_unchanged_copy_exits_0(tmp_path: Path) -> None:
    result = run("volc", str(edited(VOLC, tmp_path)))
    assert result.returncode == 0, result.stderr
    assert result.stdout.rstrip().endswith("no semantic differences")


def test_a_change_exits_1_with_a_checklist(tmp_path: Path) -> None:
    new = edited(VOLC, tmp_path, ("          example: succeeded\n", "          example: running\n"))
    result = run("volc", str(new))
    assert result.returncode == 1, result.stderr
    assert f"\n{VOLC_OP}\n" in result.stdout
    assert '  ~ example parameter query filter.status example: "succeeded" -> "running"\n' in (
        result.stdout
    )
    assert result.stdout.rstrip().endswith("1 semantic difference (0 added, 0 removed, 1 changed)")


def test_a_page_without_yaml_exits_2(tmp_path: Path) -> None:
    page = tmp_path / "new.md"
    page.write_text("# Query task\n\nThe task list, as a table:\n\n| id | status |\n", "utf-8")
    result = run("veo", str(page))
    assert result.returncode == 2
    assert "no OpenAPI document" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("sora", str(edited(VOLC, tmp_path))).returncode == 2
    missing = run("volc", str(tmp_path / "nowhere.md"))
    assert missing.returncode == 2
    assert "nowhere.md" in missing.stderr


def test_json_output(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = edited(
        VOLC, tmp_path, ("                        status:\n", "                        state:\n")
    )
    assert ud.main(["volc", str(new), "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["stored"] == "specs/upstream/volc-seedance-task-list.md"
    assert report["summary"] == {"added": 1, "removed": 1, "changed": 0, "total": 2}
    removed = [d for d in report["differences"] if d["sign"] == "-"]
    assert removed == [
        {
            "sign": "-",
            "kind": "response",
            "operation": VOLC_OP,
            "subject": "200 items[].status",
            "detail": "",
        }
    ]


def test_output_is_grouped_and_sorted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("                        updated_at:\n", "                        zz_extra:\n"
         "                          type: string\n                        updated_at:\n"),
        ("                        created_at:\n", "                        aa_extra:\n"
         "                          type: string\n                        created_at:\n"),
        ("        - name: filter.status\n", "        - name: filter.model\n          in: query\n"
         "          schema:\n            type: string\n        - name: filter.status\n"),
    )  # fmt: skip
    assert ud.main(["volc", str(new)]) == 1
    out = capsys.readouterr().out.splitlines()
    body = out[out.index(VOLC_OP) + 1 : out.index(VOLC_OP) + 4]
    assert body == [
        "  + parameter query filter.model: string",
        "  + response 200 items[].aa_extra: string",
        "  + response 200 items[].zz_extra: string",
    ]
    assert out[-1] == "3 semantic differences (3 added, 0 removed, 0 changed)"


# ---- the vendor edits a checklist is for -------------------------------------------------------


def test_a_status_enum_value_added_and_one_removed(tmp_path: Path) -> None:
    new = edited(
        MINIMAX,
        tmp_path,
        ("        - Fail\n", "        - Fail\n        - Paused\n"),
        ("        - Preparing\n", ""),
    )
    assert lines_for(MINIMAX, new) == [
        '~ response GET /v1/query/video_generation 200 status: enum + "Paused"',
        '~ response GET /v1/query/video_generation 200 status: enum - "Preparing"',
    ]


def test_an_enum_on_a_parameter(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("          example: succeeded\n          schema:\n            type: string\n",
         "          example: succeeded\n          schema:\n            type: string\n"
         "            enum: [queued, running, succeeded]\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == [
        f'~ parameter {VOLC_OP} query filter.status: enum + "queued", "running", "succeeded"'
    ]


def test_a_new_response_field(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("                        created_at:\n",
         "                        error:\n"
         "                          type: object\n"
         "                          nullable: true\n"
         "                          properties:\n"
         "                            code:\n"
         "                              type: string\n"
         "                            message:\n"
         "                              type: string\n"
         "                          required:\n"
         "                            - code\n"
         "                        created_at:\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == [
        f"+ response {VOLC_OP} 200 items[].error: object|null",
        f"+ response {VOLC_OP} 200 items[].error.code: string, required",
        f"+ response {VOLC_OP} 200 items[].error.message: string",
    ]


def test_a_retyped_field(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("                        created_at:\n                          type: integer\n",
         "                        created_at:\n                          type: string\n"
         "                          format: date-time\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == [
        f"~ response {VOLC_OP} 200 items[].created_at: type integer -> string (date-time)"
    ]


def test_a_removed_parameter(tmp_path: Path) -> None:
    page = AITOEARN.read_text(encoding="utf-8")
    start = page.index("        - name: pageSize\n")
    end = page.index("      responses:\n", start)
    new = edited(AITOEARN, tmp_path, (page[start:end], ""))
    assert lines_for(AITOEARN, new) == ["- parameter GET /api/ai/video/generations query pageSize"]


def test_a_parameter_retyped_and_made_required(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("          required: false\n          example: '3'\n          schema:\n"
         "            type: string\n",
         "          required: true\n          example: 3\n          schema:\n"
         "            type: integer\n            maximum: 500\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == [
        f"~ parameter {VOLC_OP} query page_size: type string -> integer",
        f"~ parameter {VOLC_OP} query page_size: optional -> required",
        f"~ parameter {VOLC_OP} query page_size: maximum none -> 500",
        f'~ example {VOLC_OP} parameter query page_size example: "3" -> 3',
    ]


def test_a_changed_example(tmp_path: Path) -> None:
    new = edited(
        VEO,
        tmp_path,
        ("                status: pending\n", "                status: processing\n"),
        ("                status_update_time: 1750323167003\n",
         "                status_update_time: 1750323167003\n"
         "                error: null\n"),
    )  # fmt: skip
    assert lines_for(VEO, new) == [
        "+ example GET /v1/video/query 200 example: error = null",
        '~ example GET /v1/video/query 200 example: status "pending" -> "processing"',
    ]


def test_a_changed_named_example_in_a_list(tmp_path: Path) -> None:
    new = edited(
        AITOEARN,
        tmp_path,
        (
            "                          status: string\n",
            "                          status: SUCCESS\n",
        ),
        ("                          coverUrl: string\n", ""),
    )
    assert lines_for(AITOEARN, new) == [
        "- example GET /api/ai/video/generations 200 success: data.list[0].coverUrl",
        '~ example GET /api/ai/video/generations 200 success: data.list[0].status "string" -> "SUCCESS"',
    ]


def test_a_new_path(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("components:\n",
         "  /volc/v1/contents/generations/tasks/{id}:\n"
         "    get:\n"
         "      parameters:\n"
         "        - name: id\n"
         "          in: path\n"
         "          required: true\n"
         "          schema:\n"
         "            type: string\n"
         "      responses:\n"
         "        '200':\n"
         "          description: ''\n"
         "components:\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == ["+ path GET /volc/v1/contents/generations/tasks/{id}"]


def test_a_removed_operation_and_a_new_server(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("paths:\n  /volc/v1/contents/generations/tasks:\n    get:\n",
         "paths:\n  /volc/v1/contents/generations/tasks:\n    post:\n"),
        ("  - url: https://api.chainhub.tech\n",
         "  - url: https://api.chainhub.tech\n  - url: https://api2.chainhub.tech\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == [
        "+ server https://api2.chainhub.tech",
        "- path GET /volc/v1/contents/generations/tasks",
        "+ path POST /volc/v1/contents/generations/tasks",
    ]


def test_a_description_change_names_the_new_text(tmp_path: Path) -> None:
    new = edited(
        MINIMAX,
        tmp_path,
        ("            - `1027`, Contains sensitive content in the generated video\n",
         "            - `1027`, Contains sensitive content in the generated video\n"
         "            - `2013`, Invalid parameters\n"),
    )  # fmt: skip
    assert lines_for(MINIMAX, new) == [
        "~ response GET /v1/query/video_generation 200 base_resp.status_code: "
        'description + "- `2013`, Invalid parameters"'
    ]
    assert lines_for(MINIMAX, new, descriptions=False) == []


def test_a_new_security_scheme(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("      security:\n        - bearer: []\n", "      security:\n        - apikey: []\n"),
        ("  securitySchemes:\n",
         "  securitySchemes:\n    apikey:\n      type: apiKey\n      in: header\n"
         "      name: X-Api-Key\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == [
        "+ security apikey: apiKey header X-Api-Key",
        f'~ operation {VOLC_OP}: security "bearer" -> "apikey"',
    ]


# ---- what is not a difference ------------------------------------------------------------------


@pytest.mark.parametrize("page", [VOLC, VEO, MINIMAX, AITOEARN], ids=lambda p: p.stem)
def test_every_stored_page_equals_itself(page: Path) -> None:
    doc = ud.load_page(page)
    assert doc["paths"], "the page's OpenAPI block was not found"
    assert ud.diff_documents(doc, ud.load_page(page)) == []


def _reordered(node: object) -> object:
    """The same document with every mapping's keys and every set-like list in reverse order."""
    if isinstance(node, dict):
        out = {k: _reordered(v) for k, v in reversed(node.items())}
        for key in ("required", "enum", "parameters", "servers", "tags"):
            if isinstance(out.get(key), list):
                out[key] = list(reversed(out[key]))
        return out
    if isinstance(node, list):
        return [_reordered(item) for item in node]
    return node


@pytest.mark.parametrize("page", [VOLC, MINIMAX, AITOEARN], ids=lambda p: p.stem)
def test_reformatted_and_reordered_yaml_is_no_difference(page: Path, tmp_path: Path) -> None:
    doc = ud.load_page(page)
    text = yaml.safe_dump(_reordered(doc), sort_keys=False, default_flow_style=True, width=60)
    new = tmp_path / "new.md"
    new.write_text(f"# The same page\n\n```yaml\n{text}```\n\nSome prose.\n", encoding="utf-8")
    assert list(yaml.safe_load(text)) != list(doc)
    assert lines_for(page, new) == []


def test_quoting_and_flow_style_are_no_difference(tmp_path: Path) -> None:
    new = edited(
        VOLC,
        tmp_path,
        ("        '200':\n", "        200:\n"),
        ("          example: '3'\n", '          example: "3"\n'),
        ("                          required:\n                            - video_url\n",
         "                          required: [video_url]\n"),
    )  # fmt: skip
    assert lines_for(VOLC, new) == []
    dates = edited(
        AITOEARN,
        tmp_path,
        ("submittedAt: '2026-07-02T12:00:00.000Z'", "submittedAt: 2026-07-02T12:00:00.000Z"),
    )
    assert lines_for(AITOEARN, dates) == []


def test_a_renamed_path_parameter_is_the_same_path(tmp_path: Path) -> None:
    def page(name: str) -> Path:
        spec = {"openapi": "3.0.1", "paths": {f"/tasks/{{{name}}}": {"get": {
            "parameters": [{"name": name, "in": "path", "schema": {"type": "string"}}],
            "responses": {"200": {"description": ""}}}}}}  # fmt: skip
        path = tmp_path / f"{name}.yaml"
        path.write_text(yaml.safe_dump(spec), encoding="utf-8")
        return path

    assert lines_for(page("id"), page("task_id")) == [
        "- parameter GET /tasks/{task_id} path id",
        "+ parameter GET /tasks/{task_id} path task_id: string, required",
    ]


def test_a_schema_moved_into_a_component_is_no_difference(tmp_path: Path) -> None:
    page = VOLC.read_text(encoding="utf-8")
    start = page.index("                      type: object\n                      properties:\n")
    end = page.index("                required:\n                  - total\n")
    inline = page[start:end]
    component = "".join(f"      {line[22:]}\n" for line in inline.splitlines())
    new = edited(
        VOLC,
        tmp_path,
        (inline, "                      $ref: '#/components/schemas/Task'\n"),
        ("  schemas: {}\n", f"  schemas:\n    Task:\n{component}"),
    )
    assert "$ref" in new.read_text(encoding="utf-8")
    assert ud.load_page(new) != ud.load_page(VOLC)
    assert lines_for(VOLC, new) == []


def test_a_recursive_schema_terminates(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.1.0",
        "paths": {"/t": {"get": {"responses": {"200": {"content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Node"}}}}}}}},
        "components": {"schemas": {"Node": {"type": "object", "properties": {
            "id": {"type": "string"}, "children": {"type": "array", "items": {
                "$ref": "#/components/schemas/Node"}}}}}},
    }  # fmt: skip
    old, new = tmp_path / "old.json", tmp_path / "new.json"
    old.write_text(json.dumps(spec), encoding="utf-8")
    spec["components"]["schemas"]["Node"]["properties"]["name"] = {"type": "string"}
    new.write_text(json.dumps(spec), encoding="utf-8")
    assert lines_for(old, new) == ["+ response GET /t 200 name: string"]


def _spoiled(node: object, rng: random.Random, root: bool = True) -> object:
    """``node`` with one value somewhere below the root replaced by a value of the wrong shape."""
    if isinstance(node, dict) and node and (root or rng.random() < 0.8):
        key = rng.choice(sorted(node))
        return {**node, key: _spoiled(node[key], rng, False)}
    if isinstance(node, list) and node and rng.random() < 0.8:
        index = rng.randrange(len(node))
        return [*node[:index], _spoiled(node[index], rng, False), *node[index + 1 :]]
    return rng.choice([None, "", "x", 0, True, [], {}, ["x"], {"$ref": "#/nowhere"}, {"x": 1}])


def test_sloppy_documents_never_raise() -> None:
    # Vendors' YAML is sometimes wrong in shape, not only in syntax: the diff must still finish.
    rng = random.Random(20261101)
    docs = [ud.load_page(page) for page in (VOLC, VEO, MINIMAX, AITOEARN)]
    for _ in range(400):
        doc = rng.choice(docs)
        spoiled = _spoiled(doc, rng)
        for _ in range(rng.randrange(3)):
            spoiled = _spoiled(spoiled, rng)
        for difference in ud.diff_documents(doc, spoiled) + ud.diff_documents(spoiled, doc):
            assert difference.sign in "+-~"


# ---- reading pages -----------------------------------------------------------------------------


def test_a_fence_inside_the_yaml_does_not_end_the_block() -> None:
    # The veo page opens with four backticks because an example string holds three.
    doc = ud.load_page(VEO)
    example = doc["paths"]["/v1/video/query"]["get"]["responses"]["200"]["content"][
        "application/json"
    ]["example"]
    assert example["status_update_time"] == 1750323167003


def test_the_openapi_block_is_picked_among_others(tmp_path: Path) -> None:
    spec = ud.load_page(MINIMAX)
    page = tmp_path / "new.md"
    page.write_text(
        "# Query\n\n```bash\ncurl https://api.minimax.io/v1/query/video_generation\n```\n\n"
        "```yaml\nname: [unclosed\n```\n\n"
        '```json\n{"task_id": "1"}\n```\n\n'
        f"```yaml\n{yaml.safe_dump(spec)}```\n",
        encoding="utf-8",
    )
    assert ud.load_page(page) == spec


def test_a_page_whose_only_block_is_broken_yaml(tmp_path: Path) -> None:
    page = tmp_path / "new.md"
    page.write_text("# Query\n\n```yaml\nopenapi: 3.0.1\npaths:\n  /x: [get:\n```\n", "utf-8")
    with pytest.raises(
        ud.PageError, match=r"no OpenAPI document: the block at line 3 is not valid"
    ):
        ud.load_page(page)
    with pytest.raises(ud.PageError, match=r"found '<stream end>' at line 7, column 1"):
        ud.load_page(page)  # the page's line (the closing fence), not the block's


def test_bare_yaml_and_json_files(tmp_path: Path) -> None:
    spec = ud.load_page(VOLC)
    as_yaml, as_json = tmp_path / "new.yaml", tmp_path / "new.json"
    as_yaml.write_text(yaml.safe_dump(spec), encoding="utf-8")
    as_json.write_text(json.dumps(spec, indent=1), encoding="utf-8")
    assert ud.load_page(as_yaml) == spec
    assert ud.load_page(as_json) == spec


# ---- which stored page ------------------------------------------------------------------------


def test_each_provider_has_its_stored_page() -> None:
    new = ud.load_page(VOLC)
    assert ud.stored_page("volc", new) == VOLC
    assert ud.stored_page("veo", new) == VEO
    assert ud.stored_page("minimax", new) == MINIMAX
    assert ud.stored_page("aitoearn", new) == AITOEARN


def test_ark_has_no_stored_page() -> None:
    with pytest.raises(ud.PageError, match=r"ark.*no stored page.*volc"):
        ud.stored_page("ark", ud.load_page(VOLC))


def test_vidus_stored_page_is_prose(tmp_path: Path) -> None:
    with pytest.raises(ud.PageError, match=r"vidu-task-list\.md.*no OpenAPI document"):
        ud.stored_page("vidu", ud.load_page(VOLC))
    result = run("vidu", str(edited(VOLC, tmp_path)))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_the_stored_page_sharing_most_paths_is_picked(tmp_path: Path) -> None:
    upstream = tmp_path / "upstream"
    upstream.mkdir()
    for name, path in (("volc-a-list.md", "/volc/v1/list"), ("volc-b-get.md", "/volc/v1/get")):
        spec = {"openapi": "3.0.1", "paths": {path: {"get": {"responses": {}}}}}
        (upstream / name).write_text(f"```yaml\n{yaml.safe_dump(spec)}```\n", "utf-8")
    get = {"openapi": "3.0.1", "paths": {"/volc/v1/get": {"get": {"responses": {}}}}}
    lst = {"openapi": "3.0.1", "paths": {"/volc/v1/list": {"get": {"responses": {}}}}}
    assert ud.stored_page("volc", get, upstream) == upstream / "volc-b-get.md"
    assert ud.stored_page("volc", lst, upstream) == upstream / "volc-a-list.md"


def test_against_names_the_page_to_compare_with(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert ud.main(["ark", str(edited(VOLC, tmp_path)), "--against", str(VOLC)]) == 0
    assert "no semantic differences" in capsys.readouterr().out


def test_the_cli_help_names_the_session() -> None:
    result = run("--help")
    assert result.returncode == 0
    assert re.search(r"nox -s upstream", result.stdout)


def test_the_example_in_the_docs_is_what_the_script_prints(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # docs/vendor-changes.md pastes a real run; this edit of the MiniMax page reproduces it.
    new = edited(
        MINIMAX,
        tmp_path,
        ("        - Fail\n", "        - Fail\n        - Expired\n"),
        ("        base_resp:\n          $ref: '#/components/schemas/QueryVideoGenerationTaskBaseResp'\n",
         "        video_duration:\n          type: integer\n          description: Returned when the"
         " task succeeds. The duration of the video (in seconds).\n"
         "        base_resp:\n          $ref: '#/components/schemas/QueryVideoGenerationTaskBaseResp'\n"),
        ("        video_height: 1080\n", "        video_height: 1080\n        video_duration: 6\n"),
        ("            - `1027`, Contains sensitive content in the generated video\n",
         "            - `1027`, Contains sensitive content in the generated video\n"
         "            - `2013`, Invalid parameters, check the task ID\n"),
        ("        The current status of the task. Possible values:\n",
         "        The current status of the task. Possible values:\n"
         "        - `Expired` \u2013 The result files were deleted\n"),  # the page's en dash
    )  # fmt: skip
    assert ud.main(["minimax", str(new)]) == 1
    printed = capsys.readouterr().out
    # The script shows a page inside the repository by its path from the root (nox's TMPDIR is
    # there, and relative), any other by the path given.
    new = new.resolve()
    shown = [str(new)] + ([str(new.relative_to(ROOT))] if new.is_relative_to(ROOT) else [])
    for form in sorted(shown, key=len, reverse=True):
        printed = printed.replace(form, "/tmp/minimax-query-video-generation.md")
    docs = (ROOT / "docs" / "vendor-changes.md").read_text(encoding="utf-8")
    command = "$ python scripts/upstream_diff.py minimax /tmp/minimax-query-video-generation.md\n"
    pasted = docs.split(command, 1)[1].split("```", 1)[0]
    assert printed == pasted
