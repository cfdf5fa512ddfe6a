"""What the CLI prints: aligned tables, task cards, JSON Lines, colour, sizes and times."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vtasks._models import Task

__all__ = [
    "TASK_COLUMNS",
    "Console",
    "Style",
    "format_bytes",
    "format_time",
    "print_json",
    "print_table",
    "print_task_card",
    "task_cells",
]

# ANSI colours for statuses (SGR codes). Terminal states stand out; waiting ones are calm.
_STATUS_SGR = {
    "succeeded": "32",  # green
    "failed": "31",  # red
    "cancelled": "33",  # yellow
    "expired": "33",
    "running": "36",  # cyan
    "queued": "34",  # blue
    "unknown": "35",  # magenta
}


class Style:
    """Applies colour to text, or does nothing when colour is off.

    Args:
        enabled: Whether to emit ANSI colour codes.
    """

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def sgr(self, text: str, code: str) -> str:
        """Wrap ``text`` in the SGR ``code`` (e.g. ``"1"`` bold) when colour is on."""
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled and code else text

    def status(self, text: str, status: str) -> str:
        """Colour ``text`` (a padded status cell) by the status value ``status``."""
        return self.sgr(text, _STATUS_SGR.get(status, ""))

    def bold(self, text: str) -> str:
        """Bold ``text`` when colour is on."""
        return self.sgr(text, "1")

    def dim(self, text: str) -> str:
        """Dim ``text`` when colour is on."""
        return self.sgr(text, "2")


class Console:
    """The streams a command writes to, whether they are terminals, and their colour settings.

    Args:
        out: Results (tables, JSON Lines).
        err: Progress and errors.
        out_tty: Whether ``out`` is a terminal.
        err_tty: Whether ``err`` is a terminal (progress is then redrawn in place).
        colour: Whether colour is allowed at all (default: ``NO_COLOR`` unset or empty);
            it is used only on terminals.
    """

    def __init__(
        self,
        out: IO[str],
        err: IO[str],
        *,
        out_tty: bool,
        err_tty: bool,
        colour: bool | None = None,
    ) -> None:
        if colour is None:
            colour = not os.environ.get("NO_COLOR")
        self.out = out
        self.err = err
        self.out_tty = out_tty
        self.err_tty = err_tty
        self.style = Style(out_tty and colour)
        self.err_style = Style(err_tty and colour)

    @classmethod
    def from_std(cls) -> Console:
        """The process's stdout and stderr."""
        return cls(sys.stdout, sys.stderr, out_tty=_isatty(sys.stdout), err_tty=_isatty(sys.stderr))


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def format_time(value: datetime | None) -> str:
    """ISO-8601 UTC to the second (``2025-01-31T08:00:00Z``), or ``-``."""
    if value is None:
        return "-"
    return value.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_bytes(count: float) -> str:
    """A byte count for people: ``512 B``, ``4.1 KiB``, ``12.0 MiB``."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _short(text: str | None, limit: int) -> str:
    if not text:
        return "-"
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


# Column name -> how to get the cell text from a task.
TASK_COLUMNS: dict[str, Callable[[Task], str]] = {
    "PROVIDER": lambda t: t.provider,
    "ID": lambda t: t.id,
    "STATUS": lambda t: t.status.value,
    "RAW STATUS": lambda t: t.raw_status or "-",
    "MODEL": lambda t: t.model or "-",
    "CREATED (UTC)": lambda t: format_time(t.created_at),
    "UPDATED (UTC)": lambda t: format_time(t.updated_at or t.finished_at),
    "VIDEO": lambda t: "yes" if t.video_url else "-",
    "ERROR": lambda t: _short(t.error, 48),
}
"""The columns a task table can show."""


def task_cells(task: Task, columns: Sequence[str]) -> list[str]:
    """The cells of one task's row."""
    return [str(TASK_COLUMNS[name](task)) for name in columns]


def print_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    out: IO[str],
    style: Style,
    status_column: int | None = None,
    gap: bool = False,
) -> None:
    """Print an aligned table; a cell may span several lines (a newline inside it).

    Args:
        headers: Column titles.
        rows: The cells, as text.
        out: Where to print.
        style: Colour settings.
        status_column: Index of a column to colour by status value.
        gap: Put an empty line between rows (for rows of several lines).
    """
    table = [[cell.split("\n") for cell in row] for row in rows]
    widths = [len(h) for h in headers]
    for row in table:
        for i, lines in enumerate(row):
            widths[i] = max(widths[i], *(len(line) for line in lines))
    last = len(headers) - 1
    out.write(
        style.bold(
            "  ".join(
                h.ljust(w) if i < last else h
                for i, (h, w) in enumerate(zip(headers, widths, strict=True))
            )
        )
        + "\n"
    )
    for number, row in enumerate(table):
        if gap and number:
            out.write("\n")
        height = max(len(lines) for lines in row)
        for line_no in range(height):
            parts = []
            for i, lines in enumerate(row):
                text = lines[line_no] if line_no < len(lines) else ""
                padded = text.ljust(widths[i]) if i < last else text
                if i == status_column and line_no == 0:
                    padded = style.status(padded, text)
                parts.append(padded)
            out.write("  ".join(parts).rstrip() + "\n")


def print_task_card(task: Task, *, out: IO[str], style: Style) -> None:
    """Print one task as aligned ``field  value`` lines, leaving out empty fields."""
    data = task.to_dict()
    shown = [(k, v) for k, v in data.items() if v is not None and v not in ([], "")]
    width = max(len(k) for k, _ in shown)
    for key, value in shown:
        if key == "video_urls" and value == [task.video_url]:
            continue  # the same single URL as video_url
        text = "\n".join(value) if key == "video_urls" else str(value)
        if key == "status":
            text = style.status(text, text)
        lines = text.split("\n")
        out.write(f"{style.dim(key.ljust(width))}  {lines[0]}\n")
        for line in lines[1:]:
            out.write(f"{' ' * width}  {line}\n")


def print_json(obj: Any, *, out: IO[str]) -> None:
    """Print ``obj`` as one line of JSON (JSON Lines), flushed so pipes see it at once."""
    out.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
    out.flush()
