"""Rendered list answers, served again while nothing they show can have changed.

A 500-task page is half a megabyte of JSON: rendering it again for every request made the
simulator, not the client, what a listing benchmark measured. A rendered page is kept under what
asked for it (the provider's query, the store's bounds, the server's address and quirks) and is
served again while it is still the answer:

- the store is unchanged: adding or removing a task empties its cache (:class:`ProviderStore`);
- no task anywhere changed its lifecycle (:data:`TaskRecord.changes` is as it was);
- the clock is within ``[rendered at, the first time a task on the page moves to its next phase)``.

An answer a fault alters is never cached (the vendors' handlers do not ask then). The cache is
bounded in bytes, least recently used first out, and guarded by the simulator's lock like the
store it belongs to.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Hashable, Iterable

from ._tasks import TaskRecord

__all__ = ["PageCache"]

#: What a store's cache holds at most: 100 Ark pages of 500 tasks.
MAX_BYTES = 64 * 2**20


class PageCache:
    """One store's rendered list answers.

    Attributes:
        made: Pages rendered (a miss).
        served: Pages answered from the cache (a hit).
    """

    __slots__ = ("_entries", "_size", "made", "max_bytes", "served")

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        # key -> (body, TaskRecord.changes, rendered at, valid until)
        self._entries: OrderedDict[Hashable, tuple[bytes, int, float, float]] = OrderedDict()
        self._size = 0
        self.made = 0
        self.served = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: Hashable, now: float) -> bytes | None:
        """The body cached under ``key`` if it is still the answer at ``now``, else ``None``."""
        entry = self._entries.get(key)
        if entry is None:
            return None
        body, changes, since, until = entry
        if changes != TaskRecord.changes or not since <= now < until:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        self.served += 1
        return body

    def put(self, key: Hashable, body: bytes, tasks: Iterable[TaskRecord], now: float) -> None:
        """Keep ``body``, the answer at ``now`` showing ``tasks``, until one of them moves on."""
        self.made += 1
        if len(body) > self.max_bytes:
            return
        until = math.inf
        for task in tasks:
            starts = task.starts
            following = bisect_right(starts, now)  # the first phase that has not begun
            if following < len(starts) and starts[following] < until:
                until = starts[following]
        self._drop(key)
        self._entries[key] = (body, TaskRecord.changes, now, until)
        self._size += len(body)
        while self._size > self.max_bytes:
            self._drop(next(iter(self._entries)))

    def clear(self) -> None:
        """Forget every page (a task was added or removed, the server moved)."""
        self._entries.clear()
        self._size = 0

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._size -= len(entry[0])
