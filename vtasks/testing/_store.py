"""One provider's task store: a dict by id plus a list sorted by creation time.

Listing newest-first by offset or by keyset costs O(log N + page) without filters, so a store
of 100,000 tasks pages as fast as one of ten. The simulator's lock guards every call.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator

from ._pages import PageCache
from ._tasks import TaskRecord

__all__ = ["ProviderStore"]


class ProviderStore:
    """Tasks of one provider, by id and in creation order."""

    __slots__ = ("_by_id", "_keys", "_tasks", "callbacks", "files", "on_callback", "pages")

    def __init__(self) -> None:
        self._by_id: dict[str, TaskRecord] = {}
        self._keys: list[tuple[float, int]] = []
        self._tasks: list[TaskRecord] = []
        # MiniMax result file id -> task id.
        self.files: dict[str, str] = {}
        # Tasks with a callback_url, by id: what the callback dispatcher watches. Kept here, where
        # every task comes in, so that deliveries do not depend on how a task was made.
        self.callbacks: dict[str, TaskRecord] = {}
        #: Called (under the simulator's lock) when a task with a callback_url is stored.
        self.on_callback: Callable[[], None] | None = None
        #: Rendered list answers; emptied whenever a task comes or goes.
        self.pages = PageCache()

    def __len__(self) -> int:
        return len(self._tasks)

    def __contains__(self, task_id: object) -> bool:
        return task_id in self._by_id

    def get(self, task_id: str) -> TaskRecord | None:
        """Return the task with this id, or ``None``."""
        return self._by_id.get(task_id)

    def add(self, task: TaskRecord) -> None:
        """Insert one task (its id must be new)."""
        self.pages.clear()
        key = task.key
        if not self._keys or key > self._keys[-1]:
            self._keys.append(key)
            self._tasks.append(task)
        else:
            i = bisect_left(self._keys, key)
            self._keys.insert(i, key)
            self._tasks.insert(i, task)
        self._index(task)

    def add_many(self, tasks: Iterable[TaskRecord]) -> None:
        """Insert many tasks at once (one sort instead of one insertion each)."""
        new = list(tasks)
        ids = {t.id for t in new}
        if len(ids) != len(new) or not ids.isdisjoint(self._by_id):
            raise ValueError("duplicate task id in bulk add")
        self.pages.clear()
        for task in new:
            self._index(task)
        if self._keys and new and min(t.key for t in new) < self._keys[-1]:
            merged = sorted([*self._tasks, *new], key=lambda t: t.key)
        else:
            merged = [*self._tasks, *sorted(new, key=lambda t: t.key)]
        self._tasks = merged
        self._keys = [t.key for t in merged]

    def remove(self, task_id: str) -> bool:
        """Forget a task; return whether it existed."""
        task = self._by_id.pop(task_id, None)
        if task is None:
            return False
        self.pages.clear()
        i = bisect_left(self._keys, task.key)
        del self._keys[i]
        del self._tasks[i]
        file_id = task.attrs.get("file_id")
        if file_id is not None:
            self.files.pop(file_id, None)
        self.callbacks.pop(task_id, None)
        return True

    def clear(self) -> None:
        """Forget every task."""
        self.pages.clear()
        self._by_id.clear()
        self._keys.clear()
        self._tasks.clear()
        self.files.clear()
        self.callbacks.clear()

    def all_tasks(self) -> list[TaskRecord]:
        """Return every task, oldest first."""
        return list(self._tasks)

    # ---- positions ---------------------------------------------------------------------------

    def lower(self, since: float | None) -> int:
        """Index of the first task created at or after ``since`` (0 when ``None``)."""
        if since is None:
            return 0
        return bisect_left(self._keys, (since, -1))

    def upper(self, until: float | None) -> int:
        """Index just past the last task created at or before ``until`` (len when ``None``)."""
        if until is None:
            return len(self._keys)
        # seq is never negative and never huge, so (until, inf-ish) sorts after every tie.
        return bisect_left(self._keys, (until, 1 << 62))

    def position(self, key: tuple[float, int]) -> int:
        """Index at which ``key`` is (or would be inserted)."""
        return bisect_left(self._keys, key)

    def newest(self, lo: int, hi: int, skip: int = 0) -> Iterator[TaskRecord]:
        """Yield tasks at indices ``[lo, hi)`` newest first, skipping the first ``skip``."""
        tasks = self._tasks
        for i in range(hi - 1 - skip, lo - 1, -1):
            yield tasks[i]

    def page(self, lo: int, hi: int, offset: int, limit: int) -> list[TaskRecord]:
        """Return ``limit`` tasks of ``[lo, hi)`` newest first, starting at ``offset``."""
        stop = hi - offset
        start = max(lo, stop - limit)
        if stop <= start:
            return []
        chunk = self._tasks[start:stop]
        chunk.reverse()
        return chunk

    def _index(self, task: TaskRecord) -> None:
        if task.id in self._by_id:
            raise ValueError(f"duplicate task id {task.id!r} for provider {task.provider!r}")
        self._by_id[task.id] = task
        file_id = task.attrs.get("file_id")
        if file_id is not None:
            self.files[file_id] = task.id
        if task.callback_url is not None:
            self.callbacks[task.id] = task
            if self.on_callback is not None:
                self.on_callback()
