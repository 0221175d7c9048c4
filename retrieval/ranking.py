"""Top-k selection with a deterministic order: score, then newest, then id."""

from __future__ import annotations

import numpy as np


def top_k(candidates: np.ndarray, keys: list[np.ndarray], k: int) -> np.ndarray:
    """The k best candidates, ordered by ``keys`` (each higher-is-better, most important first).

    ``np.argpartition`` on the negated primary key finds the k-th best value without a full
    sort; every candidate tied with it is kept, so ties break on the later keys, not on
    where argpartition happened to put them.
    """
    if k <= 0 or candidates.size == 0:
        return candidates[:0]
    primary = keys[0][candidates]
    if candidates.size > k:
        kth = np.argpartition(-primary, k - 1)[k - 1]
        keep = primary >= primary[kth]
        candidates, primary = candidates[keep], primary[keep]
    order = np.lexsort([-key[candidates] for key in reversed(keys[1:])] + [-primary])
    return candidates[order[:k]]
