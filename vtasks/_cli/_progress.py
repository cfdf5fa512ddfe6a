"""Progress on stderr for ``wait`` and ``download``.

On a terminal one line is redrawn in place (carriage return); otherwise (a pipe, a CI log) plain lines are
written, only when something worth a line happens, so logs stay short.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

from ._output import Style, format_bytes, stream_encoding, terminal_text

if TYPE_CHECKING:
    from vtasks._models import Task

__all__ = ["DownloadProgress", "StatusLine", "WaitProgress"]

_CLEAR_TO_END = "\x1b[K"


class StatusLine:
    """One line of progress: redrawn in place on a terminal, or written as plain lines.

    Args:
        stream: Where to write (stderr).
        tty: Whether ``stream`` is a terminal.
    """

    def __init__(self, stream: IO[str], *, tty: bool) -> None:
        self.stream = stream
        self.tty = tty
        self._encoding = stream_encoding(stream)
        self._drawn = False
        self._gone = False
        self._lock = threading.Lock()

    def safe(self, text: str) -> str:
        """``text`` (an id, a vendor's raw status, a path) made safe for this stream."""
        return terminal_text(text, self._encoding)

    def _write(self, text: str) -> None:
        # Progress is a courtesy: a closed stderr or a broken pipe ends it, not the command.
        if self._gone:
            return
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self._gone = True

    def draw(self, text: str) -> None:
        """Replace the in-place line (terminal only; ignored otherwise)."""
        if not self.tty:
            return
        with self._lock:
            self._write(f"\r{text}{_CLEAR_TO_END}")
            self._drawn = True

    def line(self, text: str) -> None:
        """Write a permanent line (replacing the in-place one on a terminal)."""
        with self._lock:
            prefix = f"\r{_CLEAR_TO_END}" if self._drawn else ""
            self._write(f"{prefix}{text}\n")
            self._drawn = False

    def clear(self) -> None:
        """Erase the in-place line, if one is drawn (before an error message, say)."""
        with self._lock:
            if self._drawn:
                self._write(f"\r{_CLEAR_TO_END}")
                self._drawn = False


def _seconds(value: float) -> str:
    if value < 60:
        return f"{value:.1f} s"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes} min {seconds:02d} s"


class WaitProgress:
    """Shows a waited-for task's status and the time elapsed.

    Use as ``on_poll`` callback of ``wait_for_task``. On a terminal a background ticker keeps the
    elapsed time moving between polls (which may be up to 15 s apart).

    Args:
        line: The status line to draw on.
        style: Colour settings for the status.
        label: What is waited for, e.g. ``"ark cgt-2025..."``.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        line: StatusLine,
        style: Style,
        label: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._line = line
        self._style = style
        self._label = line.safe(label)
        self._clock = clock
        self._started = clock()
        self._task: Task | None = None
        self._polls = 0
        self._shown: str | None = None  # the status of the last plain line written
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> WaitProgress:
        if self._line.tty:
            self._line.draw(f"{self._label}: waiting for the first answer")
            self._ticker = threading.Thread(target=self._tick, name="vtasks-progress", daemon=True)
            self._ticker.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if exc_info[0] is not None:
            self._line.clear()

    @property
    def elapsed(self) -> float:
        """Seconds since waiting started."""
        return self._clock() - self._started

    def _text(self) -> str:
        task = self._task
        if task is None:
            return f"{self._label}: waiting for the first answer, {_seconds(self.elapsed)}"
        status = self._style.status(task.status.value, task.status.value)
        raw = task.raw_status
        raw = f" ({self._line.safe(raw)})" if raw and raw != task.status else ""
        # The vendor's own percentage, when it sends one (never estimated).
        done = f" {task.progress:g}%" if task.progress is not None else ""
        polls = "poll" if self._polls == 1 else "polls"
        return (
            f"{self._label}: {status}{raw}{done}, {_seconds(self.elapsed)} elapsed,"
            f" {self._polls} {polls}"
        )

    def _tick(self) -> None:
        while not self._stop.wait(0.5):
            self._line.draw(self._text())

    def __call__(self, task: Task) -> None:
        """Record a polled state (the ``on_poll`` callback)."""
        changed = self._shown != task.status.value
        self._task = task
        self._polls += 1
        if self._line.tty:
            self._line.draw(self._text())
        elif changed:
            self._line.line(self._text())
            self._shown = task.status.value

    def done(self, task: Task) -> None:
        """Leave a final line for a task that reached a terminal status (once, without a terminal)."""
        self._task = task
        self._stop.set()
        if self._line.tty or self._shown != task.status.value:
            self._line.line(self._text())


class DownloadProgress:
    """Shows bytes received, the total when known, and the transfer rate.

    Use as ``on_progress`` callback of ``download``. A terminal line is redrawn at most ten times
    a second; plain lines at most once a second.

    Args:
        line: The status line to draw on.
        label: What is downloaded, e.g. ``"ark cgt-2025..."``.
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self, line: StatusLine, label: str, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._line = line
        self._label = line.safe(label)
        self._clock = clock
        self._started = clock()
        # A terminal shows the first chunk at once; a log gets its first line after a second,
        # so a small file logs just the final line.
        self._last = float("-inf") if line.tty else self._started
        self.received = 0
        self.total: int | None = None

    def _text(self) -> str:
        elapsed = max(self._clock() - self._started, 1e-6)
        size = format_bytes(self.received)
        if self.total:
            size = f"{size} of {format_bytes(self.total)} ({100 * self.received // self.total}%)"
        rate = format_bytes(self.received / elapsed)
        return f"{self._label}: {size}, {rate}/s, {_seconds(elapsed)}"

    def __call__(self, received: int, total: int | None) -> None:
        """Record progress (the ``on_progress`` callback)."""
        self.received, self.total = received, total
        now = self._clock()
        if self._line.tty and now - self._last >= 0.1:
            self._last = now
            self._line.draw(self._text())
        elif not self._line.tty and now - self._last >= 1.0:
            self._last = now
            self._line.line(self._text())

    def done(self, path: str) -> None:
        """Write the final line once the file is in place."""
        self._line.line(f"{self._text()} -> {self._line.safe(path)}")

    def abort(self) -> None:
        """Erase the in-place line after a failure or Ctrl-C."""
        self._line.clear()
