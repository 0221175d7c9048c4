"""Project ids: their ranking order, and finding a document by id without a dict of every id.

A dict from a million id strings to document numbers takes about 100 MB in every worker
process; a binary search over the documents sorted by id (an array, shared through the
snapshot) finds one in about 20 steps, which is all ``engine.project(id)`` and a query's
excluded ids need.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

IdKey = tuple[int, int, str]


def id_key(project_id: int | str) -> IdKey:
    """Ids sort integers first, by value, then strings."""
    if isinstance(project_id, int):
        return (0, project_id, "")
    return (1, 0, project_id)


def id_order(ids: Sequence[int | str]) -> np.ndarray:
    """Document numbers sorted by id_key (stable); all-int ids at once through numpy."""
    if set(map(type, ids)) <= {int}:
        try:
            return np.argsort(np.array(ids, dtype=np.int64), kind="stable")
        except OverflowError:  # beyond int64
            pass
    return np.array(sorted(range(len(ids)), key=lambda i: id_key(ids[i])), dtype=np.int64)


class IdLookup:
    """``get(id_text)``: the document whose ``str(id)`` it is, like a dict of every id would answer."""

    def __init__(self, order: np.ndarray, project_id):
        self._order = order
        self._project_id = project_id  # document number -> its id

    def get(self, text: str) -> int | None:
        keys = [(1, 0, text)]
        try:
            if str(int(text)) == text:  # "7" may be the int id 7 (or the string id "7")
                keys.insert(0, (0, int(text), ""))
        except ValueError:
            pass
        for key in keys:
            doc = self._last_at_or_before(key)
            if doc is not None and id_key(self._project_id(doc)) == key:
                return doc
        return None

    def _last_at_or_before(self, key: IdKey) -> int | None:
        """The last document (in id order) whose key is <= key: of repeated ids, the later one, as a dict keeps."""
        lo, hi = 0, self._order.size
        while lo < hi:
            mid = (lo + hi) // 2
            if key < id_key(self._project_id(int(self._order[mid]))):
                hi = mid
            else:
                lo = mid + 1
        return int(self._order[lo - 1]) if lo else None
