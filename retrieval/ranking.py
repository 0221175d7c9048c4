"""Top-k selection with a deterministic order: score, then newest, then id."""

from __future__ import annotations

import numpy as np


def top_k(candidates: np.ndarray, keys: list[np.ndarray], k: int) -> np.ndarray:
    """The k best candidates, ordered by ``keys`` (each higher-is-better, most important first).

    The result is exactly the first k of a stable lexicographic sort of all candidates,
    without sorting them all: ``np.partition`` on the negated primary key finds the k-th
    best value (``np.partition(-x, k - 1)``, not ``(x, -k)``, which is far slower when most
    values are equal). Candidates strictly better than it are sorted; those tied with it
    are ranked by the later keys the same way, so a large tie (every score 0 for a query
    without words) costs a few linear passes, not a sort of the whole catalog.
    """
    if k <= 0 or candidates.size == 0:
        return candidates[:0]
    primary = keys[0][candidates]
    if candidates.size > k:
        kth = -np.partition(-primary, k - 1)[k - 1]
        tied = primary == kth
        n_tied = int(np.count_nonzero(tied))
        better = primary > kth
        n_better = int(np.count_nonzero(better))
        if n_tied > k - n_better and n_tied > k:
            # Ranking every tied candidate would sort far more than k: rank the tie alone.
            head = _sorted(candidates[better], keys)
            ties = candidates[tied]
            wanted = k - n_better
            tail = top_k(ties, keys[1:], wanted) if len(keys) > 1 else ties[:wanted]
            return np.concatenate([head, tail])
        keep = better | tied
        candidates = candidates[keep]
    return _sorted(candidates, keys)[:k]


def _sorted(candidates: np.ndarray, keys: list[np.ndarray]) -> np.ndarray:
    """All candidates, best first by the keys; equal on every key keeps their order."""
    if candidates.size <= 1:
        return candidates
    order = np.lexsort([-key[candidates] for key in reversed(keys)])
    return candidates[order]
