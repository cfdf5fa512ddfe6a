"""Fail when a curated spec is invalid or ``generated/`` is not exactly what the specs produce.

Three checks per provider, each failure naming the provider:

1. the bundled spec is a valid OpenAPI 3.1 document (the deepest validation error is reported,
   not the whole ``oneOf`` explanation);
2. every example in the spec (responses, parameters) validates against its own schema;
3. regenerating into a temporary folder gives byte-for-byte the committed ``generated/`` package
   (a stale package, a spec changed without regenerating, or a hand-edited file all fail here).

Usage: ``python scripts/check_drift.py [--generated DIR]`` (``nox -s drift``). Exit status 1 on failure.
"""

from __future__ import annotations

import argparse
import filecmp
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _bundle import PROVIDERS, SPECS_DIR, bundle
from regenerate import GENERATED_DIR, package_name, regenerate

__all__ = ["check_examples", "check_spec", "compare_trees", "main"]


def _deepest(error: Any) -> Any:
    """Follow a validation error's ``context`` (the branches of oneOf/anyOf) to its deepest cause."""
    best = error
    for sub in getattr(error, "context", None) or ():
        candidate = _deepest(sub)
        if len(candidate.absolute_path) > len(best.absolute_path) or best is error:
            best = candidate
    return best


def _where(error: Any) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "(document root)"


def _schema_objects(node: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    """Yield (JSON pointer, schema) for every Schema Object in an OpenAPI document."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{pointer}/{str(key).replace('~', '~0').replace('/', '~1')}"
            if key == "schema" or (pointer == "/components/schemas" and isinstance(value, dict)):
                yield child, value
            else:
                yield from _schema_objects(value, child)
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _schema_objects(item, f"{pointer}/{index}")


def check_spec(doc: dict[str, Any]) -> list[str]:
    """Validate an OpenAPI document; return readable problems (empty when valid)."""
    from jsonschema import Draft202012Validator
    from openapi_spec_validator import OpenAPIV31SpecValidator

    problems = []
    for error in OpenAPIV31SpecValidator(doc).iter_errors():
        cause = _deepest(error)
        problems.append(f"invalid spec at {_where(cause)}: {cause.message}")
    if problems:
        # openapi-spec-validator checks each Schema Object on its own and loses where it sits; find
        # the faulty schemas against the JSON Schema meta-schema to name their full location.
        meta = Draft202012Validator(Draft202012Validator.META_SCHEMA)
        located = [
            f"invalid schema at {pointer}/{_where(cause)}: {cause.message}"
            for pointer, schema in _schema_objects(doc)
            for cause in map(_deepest, meta.iter_errors(schema))
        ]
        problems = located or problems
    return problems


def _iter_examples(doc: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """Yield (where, JSON pointer of the schema, example value) for every example in the spec."""
    components_examples = doc.get("components", {}).get("examples", {})

    def value_of(example: Any) -> Any:
        ref = example.get("$ref") if isinstance(example, dict) else None
        if isinstance(ref, str):
            example = components_examples[ref.rsplit("/", 1)[-1]]
        return example.get("value")

    def escape(part: str) -> str:
        return part.replace("~", "~0").replace("/", "~1")

    for path, item in doc.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            base = f"/paths/{escape(path)}/{method}"
            for index, param in enumerate(operation.get("parameters", [])):
                if "example" in param:
                    yield (
                        f"{method.upper()} {path} parameter {param.get('name')}",
                        (f"{base}/parameters/{index}/schema"),
                        param["example"],
                    )
            for code, response in operation.get("responses", {}).items():
                for media, content in response.get("content", {}).items():
                    schema_ptr = f"{base}/responses/{code}/content/{escape(media)}/schema"
                    if "example" in content:
                        yield (
                            f"{method.upper()} {path} {code} example",
                            schema_ptr,
                            content["example"],
                        )
                    for name, example in content.get("examples", {}).items():
                        yield (
                            f"{method.upper()} {path} {code} example {name!r}",
                            schema_ptr,
                            value_of(example),
                        )


def check_examples(doc: dict[str, Any]) -> list[str]:
    """Validate every example of a bundled spec against the schema it illustrates."""
    from jsonschema import Draft202012Validator

    problems = []
    for where, pointer, value in _iter_examples(doc):
        # The whole document is the root schema, so `#/components/...` references resolve; its own
        # OpenAPI keys are unknown keywords to JSON Schema and ignored.
        root = {**doc, "$ref": f"#{pointer}"}
        validator = Draft202012Validator(root)
        for error in validator.iter_errors(value):
            cause = _deepest(error)
            problems.append(
                f"{where} does not match its schema at {_where(cause)}: {cause.message}"
            )
    return problems


def compare_trees(expected: Path, actual: Path) -> list[str]:
    """List the files that differ, are missing or are extra in ``actual`` compared with ``expected``."""
    if not actual.is_dir():
        return [f"{actual.name}/ is missing"]
    expected_files = {p.relative_to(expected) for p in expected.rglob("*") if p.is_file()}
    actual_files = {
        p.relative_to(actual)
        for p in actual.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    problems = [f"missing {expected.name}/{p}" for p in sorted(expected_files - actual_files)]
    problems += [f"not generated {actual.name}/{p}" for p in sorted(actual_files - expected_files)]
    for rel in sorted(expected_files & actual_files):
        if not filecmp.cmp(expected / rel, actual / rel, shallow=False):
            problems.append(f"differs {actual.name}/{rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    """Run every check; print one block per failing provider; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--generated", type=Path, default=GENERATED_DIR, help="default: generated/")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    failures: dict[str, list[str]] = {}
    valid = []
    for provider in PROVIDERS:
        try:
            doc = bundle(SPECS_DIR / f"{provider}.yaml")
        except (OSError, ValueError, KeyError) as exc:
            failures[provider] = [f"cannot read specs/{provider}.yaml: {exc}"]
            continue
        # Examples are checked only against a valid spec: an invalid schema cannot judge them.
        problems = check_spec(doc) or check_examples(doc)
        if problems:
            failures[provider] = problems
        else:
            valid.append(provider)
    with tempfile.TemporaryDirectory(prefix="vtasks-drift-") as tmp:
        fresh = Path(tmp)
        regenerate(valid, fresh)
        for provider in valid:
            name = package_name(provider)
            problems = compare_trees(fresh / name, args.generated / name)
            if problems:
                failures[provider] = [
                    "generated/ is stale or hand-edited; run `nox -s regen` (never edit generated code):",
                    *problems,
                ]
    elapsed = time.perf_counter() - started
    for provider, problems in failures.items():
        print(f"drift check FAILED for {provider} (specs/{provider}.yaml):", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
    if failures:
        print(
            f"drift check: {len(failures)} provider(s) failed in {elapsed:.1f} s", file=sys.stderr
        )
        return 1
    print(
        f"drift check: {len(PROVIDERS)} specs valid, examples valid, generated/ up to date ({elapsed:.1f} s)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
