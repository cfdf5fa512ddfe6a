r"""What the CLI prints: aligned tables, task cards, JSON Lines, colour, sizes and times.

Everything printed goes through :func:`terminal_text` (or :func:`json_line` for JSON): vendor text
may carry escape sequences, carriage returns or bidi overrides, and the user's stdout may be
ASCII or Latin-1. Both are escaped, Python-style (``\x1b``, ``\u732b``), so what reaches the terminal
is exactly the characters shown, and no encoding error can end a command.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import IO, TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from vtasks._models import Task

__all__ = [
    "TASK_COLUMNS",
    "Console",
    "Style",
    "format_bytes",
    "format_time",
    "json_line",
    "print_json",
    "print_table",
    "print_task_card",
    "stream_encoding",
    "task_cells",
    "terminal_text",
    "text_width",
]

# Characters a terminal acts on instead of showing, or that hide or reorder what is shown:
# controls (C0, DEL, C1: ESC, CR, BEL, the 8-bit CSI), format characters (bidi overrides and
# isolates, zero-width spaces, BOM), line and paragraph separators, and lone surrogates (no
# encoding can write those).
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
# Format characters that join rather than hide: inside emoji sequences and Persian or Indic text.
_JOINERS = frozenset("\u200c\u200d")
_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def _unsafe(ch: str) -> bool:
    return ch not in _JOINERS and unicodedata.category(ch) in _UNSAFE_CATEGORIES


def _encodable(text: str, encoding: str | None) -> bool:
    if encoding is None:
        return True
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _escape(ch: str) -> str:
    """``ch`` as Python writes it in a string literal (and ``backslashreplace`` on output)."""
    named = _NAMED_ESCAPES.get(ch)
    if named is not None:
        return named
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def stream_encoding(stream: object) -> str | None:
    """The encoding of ``stream`` when it cannot write every character, else ``None``.

    ``None`` for UTF-8 streams and for streams of ``str`` without an encoding (``io.StringIO``).
    """
    encoding = getattr(stream, "encoding", None)
    if not isinstance(encoding, str):
        return None
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return None
    return None if name.startswith("utf") else name


def terminal_text(text: str, encoding: str | None = None, *, newlines: bool = False) -> str:
    r"""``text`` safe to print: what a terminal would act on, or ``encoding`` cannot write, escaped.

    Control, format (bidi) and separator characters become Python-style escapes (``\x1b``,
    ``\r``, ``\u202e``), and so do characters ``encoding`` cannot encode (``\u732b``): the
    same form ``backslashreplace`` gives, so a line is escaped in one style throughout. This is
    for people; ``--json`` gives the exact text.

    Args:
        text: Any text, e.g. from a vendor.
        encoding: The encoding of the stream it goes to (``None``: any character can be written).
        newlines: Keep ``\n`` as a line break (for text printed over several lines).
    """
    if text.isprintable() and _encodable(text, encoding):
        return text  # the common case: nothing to escape (isprintable is False for all _UNSAFE)
    return "".join(
        ch
        if (newlines and ch == "\n") or (not _unsafe(ch) and _encodable(ch, encoding))
        else _escape(ch)
        for ch in text
    )


def text_width(text: str) -> int:
    """Terminal columns ``text`` takes: East Asian wide characters two, combining marks none."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or ch in _JOINERS or unicodedata.category(ch) == "Mn":
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _pad(text: str, width: int) -> str:
    return text + " " * (width - text_width(text))


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
        self.out_encoding = stream_encoding(out)
        self.err_encoding = stream_encoding(err)

    @classmethod
    def from_std(cls) -> Console:
        """The process's stdout and stderr (a closed one, ``None`` in :mod:`sys`, discards)."""
        out = sys.stdout if sys.stdout is not None else cast(IO[str], _Discard())
        err = sys.stderr if sys.stderr is not None else cast(IO[str], _Discard())
        return cls(out, err, out_tty=_isatty(out), err_tty=_isatty(err))

    def text(self, text: str) -> str:
        """``text`` made safe for stdout (see :func:`terminal_text`)."""
        return terminal_text(text, self.out_encoding)

    def err_line(self, text: str) -> None:
        """Write ``text``, made safe, as one line on stderr.

        A stderr that is closed or a broken pipe is ignored: there is nowhere left to tell.
        """
        try:
            self.err.write(terminal_text(text, self.err_encoding) + "\n")
            self.err.flush()
        except (OSError, ValueError):
            pass


class _Discard(io.TextIOBase):
    """Where output goes when the process has no such stream (started with ``>&-``)."""

    def write(self, text: str) -> int:
        return len(text)


def forgive_encoding_errors() -> None:
    """Let stdout and stderr escape what their encoding cannot write (``backslashreplace``).

    The CLI escapes its own output already (:func:`terminal_text`); this is the fence for text
    it does not format, such as argparse's messages.
    """
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors in ("strict", "surrogateescape"):
            stream.reconfigure(errors="backslashreplace")


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
    encoding = stream_encoding(out)
    # Escaped before measuring, so the widths are those of what is printed.
    table = [
        [terminal_text(cell, encoding, newlines=True).split("\n") for cell in row] for row in rows
    ]
    headers = [terminal_text(h, encoding) for h in headers]
    widths = [text_width(h) for h in headers]
    for row in table:
        for i, lines in enumerate(row):
            widths[i] = max(widths[i], *(text_width(line) for line in lines))
    last = len(headers) - 1
    out.write(
        style.bold(
            "  ".join(
                _pad(h, w) if i < last else h
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
                padded = _pad(text, widths[i]) if i < last else text
                if i == status_column and line_no == 0:
                    padded = style.status(padded, text)
                parts.append(padded)
            out.write("  ".join(parts).rstrip() + "\n")


def usage_text(usage: dict[str, Any]) -> str:
    """A task's usage as the vendor counts it: ``108,000 tokens``, ``20 credits``."""
    units = (("tokens", "tokens"), ("credits", "credits"), ("seconds", "s billed"))
    parts = [f"{usage[key]:,g} {unit}" for key, unit in units if usage.get(key) is not None]
    return ", ".join(parts) or "none reported"


def print_task_card(task: Task, *, out: IO[str], style: Style) -> None:
    """Print one task as aligned ``field  value`` lines, leaving out empty fields."""
    data = task.to_dict()
    shown = [(k, v) for k, v in data.items() if v is not None and v not in ([], "")]
    encoding = stream_encoding(out)
    width = max(len(k) for k, _ in shown)
    for key, value in shown:
        if key == "video_urls" and value == [task.video_url]:
            continue  # the same single URL as video_url
        if key == "video_urls":
            text = "\n".join(value)
        elif key == "progress":
            text = f"{value:g}%"  # a percentage: "50%", "12.5%"
        elif key == "usage":
            text = usage_text(value)
        else:
            text = str(value)
        # A vendor's line breaks stay line breaks (aligned below); every other control is escaped.
        text = terminal_text(text, encoding, newlines=True)
        if key == "status":
            text = style.status(text, text)
        lines = text.split("\n")
        out.write(f"{style.dim(key.ljust(width))}  {lines[0]}\n")
        for line in lines[1:]:
            out.write(f"{' ' * width}  {line}\n")


def _json_escape(ch: str) -> str:
    code = ord(ch)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON spells characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_line(obj: Any, encoding: str | None = None) -> str:
    r"""``obj`` as one line of JSON, safe for a terminal and for a stream in ``encoding``.

    ``json.dumps(ensure_ascii=False)`` escapes the C0 controls only; C1 controls, bidi overrides
    and line separators would reach the terminal (and U+2028 splits a line for many readers), and
    CJK would not encode on an ASCII stdout. Those characters become ``\uXXXX`` escapes, which
    JSON readers turn back into the same text; everything else stays as it is, readable.

    Args:
        obj: What to encode.
        encoding: The stream's encoding (``None``: any character can be written).
    """
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    if text.isascii():
        return text
    # Outside strings JSON is ASCII, so every non-ASCII character is inside a string: escaping
    # it there keeps the document valid.
    return "".join(
        _json_escape(ch)
        if not ch.isascii() and (_unsafe(ch) or not _encodable(ch, encoding))
        else ch
        for ch in text
    )


def print_json(obj: Any, *, out: IO[str]) -> None:
    """Print ``obj`` as one line of JSON (JSON Lines), flushed so pipes see it at once."""
    out.write(json_line(obj, stream_encoding(out)) + "\n")
    out.flush()
