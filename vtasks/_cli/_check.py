"""``vtasks check PROVIDER [--task-id ID ...]``: the live contract check, and its report.

Exit 0 when every answer matched the curated spec, 1 when one drifted (or could not be had),
2 on a usage error (no key, nothing to ask, the ``check`` extra missing).
"""

from __future__ import annotations

import argparse
import logging
import re
from collections import Counter

from vtasks._check import Answered, ContractReport, Difference
from vtasks._config import PROVIDER_INFO

from ._commands import open_client
from ._errors import CliError, ExitCode
from ._output import Console, print_json

__all__ = ["print_report", "run_check"]

_INDEX = re.compile(r"\[\d+\]")


def run_check(args: argparse.Namespace, console: Console) -> int:
    """Run the check; print its report (``--json``: one JSON object); 0 matched, 1 drifted."""
    provider: str = args.provider
    if not args.task_ids and not PROVIDER_INFO[provider].supports_list:
        raise CliError(
            f"{provider} cannot list its tasks, so there is nothing to check without an id",
            hint=f"name tasks to check: `vtasks check {provider} --task-id ID`",
            code=ExitCode.USAGE,
        )
    # The report names every difference; the sentinel's one-line warnings would repeat them.
    sentinel = logging.getLogger("vtasks.drift")
    level = sentinel.level
    sentinel.setLevel(logging.ERROR)
    try:
        with open_client(args) as client:
            report = client.check_contract(args.task_ids or ())
    finally:
        sentinel.setLevel(level)
    if args.json:
        print_json(report.to_dict(), out=console.out)
    else:
        print_report(report, console)
    return ExitCode.ERROR if report.drifted or report.failed else ExitCode.OK


def _grouped(differences: tuple[Difference, ...]) -> list[tuple[Difference, int]]:
    """Differences with list indexes folded (``items[3].x`` -> ``items[].x``), and how many."""
    counts: Counter[tuple[str, str, str]] = Counter(
        (_INDEX.sub("[]", d.path), d.kind, d.message) for d in differences
    )
    return [(Difference(*key), count) for key, count in sorted(counts.items())]


def _line(answer: Answered, width: int, console: Console) -> list[str]:
    """The lines of one answer, made safe for the terminal before they are coloured."""
    style, safe = console.style, console.text
    head = f"  {answer.endpoint:<5} {safe(answer.subject):<{width}}  "
    if answer.error is not None:
        return [head + style.status("could not check", "failed") + f": {safe(answer.error)}"]
    if answer.matched:
        return [head + style.status("matched", "succeeded")]
    count = len(answer.differences)
    lines = [head + style.status(f"drifted ({count} difference{'s' * (count != 1)})", "failed")]
    for difference, times in _grouped(answer.differences):
        where = difference.path or "(the answer)"
        many = f" ({times} items)" if times > 1 else ""
        lines.append(
            f"        {difference.kind:<22} {safe(where)}: {safe(difference.message)}{many}"
        )
    return lines


def print_report(report: ContractReport, console: Console) -> None:
    """The report for people: one line per question, one per difference, a verdict last."""
    out = console.out
    asked = len(report.answers)
    out.write(
        console.text(
            f"vtasks check {report.provider}: {asked} answer{'s' * (asked != 1)} from "
            f"{report.base_url}, against the curated spec"
        )
        + "\n"
    )
    width = max((len(console.text(a.subject)) for a in report.answers), default=0)
    for answer in report.answers:
        for line in _line(answer, width, console):
            out.write(line + "\n")
    drifted = sum(1 for a in report.answers if a.differences)
    failed = sum(1 for a in report.answers if a.error is not None)
    if drifted:
        verdict = f"drift: {drifted} of {asked} answers differ from the curated spec"
    elif failed:
        verdict = f"incomplete: {failed} of {asked} questions had no answer to check"
    else:
        verdict = "no drift: every answer matches the curated spec"
    if drifted and failed:
        verdict += f"; {failed} had no answer to check"
    out.write(console.style.bold(console.text(verdict)) + "\n")
