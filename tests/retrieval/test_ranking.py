"""top_k is exactly the first k of a stable lexicographic sort, however large the ties."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.ranking import top_k


def reference(candidates: np.ndarray, keys: list[np.ndarray], k: int) -> list[int]:
    order = np.lexsort([-key[candidates] for key in reversed(keys)])
    return candidates[order][: max(k, 0)].tolist()


@settings(max_examples=400, deadline=None)
@given(
    n=st.integers(0, 300),
    n_keys=st.integers(1, 3),
    distinct=st.integers(1, 4),
    k=st.integers(0, 80),
    seed=st.integers(0, 2**32 - 1),
)
def test_equals_a_full_stable_sort(n, n_keys, distinct, k, seed):
    rng = np.random.default_rng(seed)
    keys = [rng.integers(0, distinct, size=n).astype(float) for _ in range(n_keys)]
    candidates = rng.permutation(n)[: rng.integers(0, n + 1)] if n else np.arange(0)
    assert top_k(candidates, keys, k).tolist() == reference(candidates, keys, k)


def test_a_catalog_wide_tie_is_ranked_by_the_later_keys():
    n = 200_000
    rng = np.random.default_rng(1)
    scores = np.zeros(n)
    scores[rng.choice(n, 5, replace=False)] = 1.0  # five matches, everything else ties at 0
    dates = rng.integers(0, 1000, size=n).astype(float)
    ids = -np.arange(n, dtype=float)
    candidates = np.arange(n)
    for k in (1, 5, 6, 50):
        assert top_k(candidates, [scores, dates, ids], k).tolist() == reference(candidates, [scores, dates, ids], k)
