"""The ids a listing has handed out, in little memory however long the listing.

A listing remembers every id it handed out, so that no task comes twice however far a shift (new
tasks pushing older ones onto later pages) or a server repeating itself moves it. Kept as a set of
strings, that is about 100 bytes an id: 10 MB for 100,000 tasks, the listing's largest cost.

So :class:`SeenIds` keeps the newest :data:`EXACT` ids as strings, exactly, and older ones as
their 64-bit hashes in sorted arrays: 8 bytes an id. Python caches a string's hash on the string,
so hashing an id costs nothing more than the set lookup did.

The one risk, accepted: an id whose hash equals that of an older id among the hashed ones is taken
for a repeat and not handed out. ``hash(str)`` is keyed SipHash, randomized per process (unless
``PYTHONHASHSEED`` fixes it), so a server cannot aim for a collision, and among n ids one happens
with probability about n² / 2⁶⁵: 3 in 10¹⁰ for 100,000 tasks, 3 in 10⁸ for a million. Listings
of fewer than :data:`EXACT` tasks never hash at all.
"""

from __future__ import annotations

import heapq
from array import array
from bisect import bisect_left

__all__ = ["EXACT", "SeenIds"]

#: Ids kept as strings before they are folded into hashes: a listing of 10,000 tasks never hashes
#: (a hashed lookup costs five times a set's: 20 ms of CPU over 10,000 ids at 4,096), and the
#: strings of 16,384 ids are about 1.5 MB, so that listing 100,000 tasks still peaks within 1.25x
#: of 10,000 (bench row 4).
EXACT = 16_384


class SeenIds:
    """A set of ids that only grows: exact for the newest :data:`EXACT`, hashed beyond.

    Attributes:
        recent: The newest ids, as strings (at most ``exact``).
        chunks: Hashes of the older ids, each array sorted, larger arrays first; two arrays are
            merged when the newer is as large as the one before it, so there are at most about
            log2(n / ``exact``) + 1 of them to search.
    """

    __slots__ = ("chunks", "exact", "recent")

    def __init__(self, exact: int = EXACT) -> None:
        self.exact = max(1, exact)
        self.recent: set[str] = set()
        self.chunks: list[array[int]] = []

    def __len__(self) -> int:
        return len(self.recent) + sum(len(chunk) for chunk in self.chunks)

    def __contains__(self, task_id: str) -> bool:
        return task_id in self.recent or (bool(self.chunks) and self._hashed(task_id))

    def add(self, task_id: str) -> bool:
        """Remember ``task_id``; whether it is new (``False``: seen before, or a hash collision)."""
        recent = self.recent
        if task_id in recent or (self.chunks and self._hashed(task_id)):
            return False
        recent.add(task_id)
        if len(recent) >= self.exact:
            self._fold()
        return True

    def add_all(self, task_ids: list[str]) -> bool:
        """Remember a page's ids in one go when all are new and distinct; whether they were.

        ``False`` changes nothing (some id repeats, older ids are hashed, or the exact set would
        fill up): the caller then adds them one by one. In C, about a tenth of :meth:`add`'s cost.
        """
        recent = self.recent
        if self.chunks or len(recent) + len(task_ids) >= self.exact:
            return False
        page = set(task_ids)
        if len(page) != len(task_ids) or not recent.isdisjoint(page):
            return False
        recent |= page
        return True

    def _hashed(self, task_id: str) -> bool:
        """Whether ``task_id``'s hash is among the older ids' (one binary search an array)."""
        value = hash(task_id)
        for chunk in self.chunks:
            i = bisect_left(chunk, value)
            if i < len(chunk) and chunk[i] == value:
                return True
        return False

    def _fold(self) -> None:
        """Move the exact ids into a sorted array of hashes, merging arrays of like size."""
        chunk = array("q", sorted(hash(task_id) for task_id in self.recent))
        self.recent = set()
        chunks = self.chunks
        chunks.append(chunk)
        while len(chunks) > 1 and len(chunks[-2]) <= len(chunks[-1]):
            newer = chunks.pop()
            # heapq.merge, not sorted(a + b): the merged array grows 8 bytes an id, with no list
            # of int objects (40 bytes an id) at the peak of the listing's memory.
            chunks[-1] = array("q", heapq.merge(chunks[-1], newer))
