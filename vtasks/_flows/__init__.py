"""The operations, written once as sans-IO generators that ``Client`` and ``AsyncClient`` both drive.

- :mod:`.steps` — what a flow yields and receives (the only I/O is in the drivers).
- :mod:`.exchange` — one HTTP exchange: build, send, redirects, read, decode, retry.
- :mod:`.get` — tasks by id, batched through the vendor's id filter.
- :mod:`.list` — listings, with the read-ahead window.
- :mod:`.wait` — polling until terminal, within a deadline.
- :mod:`.download` — a task's video, whole or absent.

Paging, batching, de-duplication, local filtering, polling schedules, deadlines, retries and
redirects live here, so both clients behave identically.
"""

from .list import ListQuery

__all__ = ["ListQuery"]
