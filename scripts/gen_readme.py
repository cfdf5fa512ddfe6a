"""Generate the README's data-driven sections from the code, or check that they are current.

Each generated section sits between ``<!-- NAME:start -->`` and ``<!-- NAME:end -->`` markers;
everything outside the markers is hand-written and left alone.

    python scripts/gen_readme.py           # rewrite the sections in README.md
    python scripts/gen_readme.py --check   # exit 1, naming the stale sections, if any differ

Sections: ``providers-table`` (from ``vtasks.PROVIDER_INFO``), ``status-table``
(``vtasks._status.status_table_rows``), ``error-codes`` (``vtasks._error_codes.error_code_rows``),
``error-tree`` (the tree in ``vtasks._exceptions``' docstring), ``task-fields`` (the ``Task``
docstring), ``cli-commands`` and ``exit-codes`` (the CLI's own tables).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

import attrs

import vtasks
from vtasks import _exceptions
from vtasks._cli._errors import EXIT_CODES
from vtasks._cli._parser import COMMANDS
from vtasks._config import api_key_env
from vtasks._error_codes import error_code_rows
from vtasks._status import status_table_rows

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"


def _md(text: str) -> str:
    """Turn the reStructuredText bits of a docstring into Markdown; escape table pipes."""
    text = re.sub(r":(?:class|meth|func|attr|mod|data):`~?([^`]+)`", r"`\1`", text)
    text = text.replace("``", "`")
    return text.replace("|", "\\|")


def _table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(cell or " " for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def _groups(rows_of: Callable[[str], object]) -> list[list[str]]:
    """Providers grouped by identical rows (ark and volc share their tables), in PROVIDERS order."""
    groups: list[list[str]] = []
    for provider in vtasks.PROVIDERS:
        for group in groups:
            if rows_of(group[0]) == rows_of(provider):
                group.append(provider)
                break
        else:
            groups.append([provider])
    return groups


def providers_table() -> str:
    """One row per provider: name, default base URL, auth, endpoints, operations, key variable."""
    rows = []
    for name in vtasks.PROVIDERS:
        info = vtasks.PROVIDER_INFO[name]
        paths = [f"get `{info.get_path}`"]
        if info.list_path:
            paths.append(f"list `{info.list_path}`")
        paths += [f"`{extra}`" for extra in info.extra]
        operations = "get, list, wait, download" if info.supports_list else "get, wait, download"
        rows.append(
            [
                f"`{name}`",
                info.title,
                info.default_base_url,
                f"`{info.auth}`",
                "<br>".join(paths),
                operations,
                f"`{api_key_env(name)}`",
            ]
        )
    headers = [
        "Provider",
        "Service",
        "Default base URL",
        "Auth header",
        "Endpoints",
        "Operations",
        "Key variable",
    ]
    return _table(headers, rows)


def status_table() -> str:
    """One table per provider (providers with the same table share one)."""
    parts = []
    for group in _groups(status_table_rows):
        titles = " / ".join(vtasks.PROVIDER_INFO[p].title for p in group)
        names = ", ".join(f"`{p}`" for p in group)
        rows = [
            [f"`{raw}`", f"`{status.value}`", _md(note)]
            for raw, status, note in status_table_rows(group[0])
        ]
        parts.append(
            f"**{names}** ({titles})\n\n" + _table(["Vendor value", "vtasks status", "Note"], rows)
        )
    return "\n\n".join(parts)


def error_codes() -> str:
    """The vendors' own error codes and the error class each becomes."""
    parts = []
    for group in _groups(error_code_rows):
        rows = error_code_rows(group[0])
        if not rows:
            continue
        names = ", ".join(f"<code>{p}</code>" for p in group)
        body = _table(
            ["Vendor code", "vtasks error", "Note"],
            [[f"`{code}`", f"`{cls}`", _md(note)] for code, cls, note in rows],
        )
        parts.append(f"<details><summary>{names}</summary>\n\n{body}\n\n</details>")
    return "\n\n".join(parts)


def error_tree() -> str:
    """The class tree drawn in ``vtasks._exceptions``' docstring."""
    doc = _exceptions.__doc__ or ""
    lines = doc.split("::", 1)[1].splitlines()
    tree: list[str] = []
    for line in lines[1:]:
        if tree and not line.strip():
            break
        if line.strip():
            tree.append(line[4:] if line.startswith("    ") else line.lstrip())
    return "```text\n" + "\n".join(tree) + "\n```"


def task_fields() -> str:
    """``Task``'s fields with their types and the docstring's descriptions."""
    doc = (vtasks.Task.__doc__ or "").split("Attributes:", 1)[1]
    described: dict[str, str] = {}
    name = ""
    for line in doc.splitlines():
        match = re.match(r"^ {8}(\w+): (.*)$", line)
        if match:
            name = match.group(1)
            described[name] = match.group(2)
        elif name and line.startswith(" " * 12):
            described[name] += " " + line.strip()
    rows = []
    for field in attrs.fields(vtasks.Task):
        kind = field.type if isinstance(field.type, str) else getattr(field.type, "__name__", "")
        rows.append([f"`{field.name}`", f"`{_md(str(kind))}`", _md(described.get(field.name, ""))])
    return _table(["Field", "Type", "Meaning"], rows)


def cli_commands() -> str:
    """Each CLI command with its arguments."""
    rows = [
        [f"`{f'vtasks {name} {synopsis}'.strip()}`", help_text]
        for name, (synopsis, help_text) in COMMANDS.items()
    ]
    return _table(["Command", "What it does"], rows)


def exit_codes() -> str:
    """The CLI's exit codes."""
    return _table(["Code", "Meaning"], [[str(int(code)), text] for code, text in EXIT_CODES])


SECTIONS: dict[str, Callable[[], str]] = {
    "providers-table": providers_table,
    "status-table": status_table,
    "error-codes": error_codes,
    "error-tree": error_tree,
    "task-fields": task_fields,
    "cli-commands": cli_commands,
    "exit-codes": exit_codes,
}
"""Section name -> the function that renders it."""


def render(text: str) -> tuple[str, list[str]]:
    """Return ``text`` with every section regenerated, and the names of sections that changed.

    Raises:
        ValueError: A section's markers are missing or out of order.
    """
    changed = []
    for name, make in SECTIONS.items():
        start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
        head, sep, rest = text.partition(start)
        old, sep2, tail = rest.partition(end)
        if not sep or not sep2:
            raise ValueError(f"README has no {start} ... {end} markers")
        new = f"\n\n{make()}\n\n"
        if old != new:
            changed.append(name)
        text = f"{head}{start}{new}{end}{tail}"
    return text, changed


def main(argv: list[str] | None = None) -> int:
    """Rewrite the README's generated sections (or, with ``--check``, report stale ones)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    parser.add_argument("--readme", type=Path, default=README, help="the file (default README.md)")
    args = parser.parse_args(argv)
    text = args.readme.read_text(encoding="utf-8")
    try:
        new, changed = render(text)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.check:
        if changed:
            print(
                f"{args.readme.name}: stale generated sections: {', '.join(changed)}; "
                "run: python scripts/gen_readme.py",
                file=sys.stderr,
            )
            return 1
        print(f"{args.readme.name}: generated sections are current")
        return 0
    if changed:
        args.readme.write_text(new, encoding="utf-8")
        print(f"{args.readme.name}: regenerated {', '.join(changed)}")
    else:
        print(f"{args.readme.name}: already current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
