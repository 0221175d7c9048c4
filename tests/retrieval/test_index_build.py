"""The streamed, dict-free index build keeps get_scores' exact scores on awkward corpora."""

from __future__ import annotations

import random

import numpy as np
from rank_bm25 import BM25Okapi

from retrieval.index import BM25Index


def _corpus(seed: int, n_docs: int, vocab: int, common: float) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocab)]
    docs = []
    for _ in range(n_docs):
        doc = [
            rng.choice(words[: max(1, vocab // 20)]) if rng.random() < common else rng.choice(words)
            for _ in range(rng.randint(0, 30))
        ]
        docs.append(doc)
    return docs


def test_bit_identical_with_negative_idfs_repeats_and_empty_documents():
    # Common words in more than half the documents get rank-bm25's epsilon floor.
    for seed, common in ((1, 0.6), (2, 0.9), (3, 0.1)):
        corpus = _corpus(seed, 301, 200, common)  # odd: no idf is exactly 0 (raised here, kept by rank-bm25)
        corpus[5] = []
        index = BM25Index(iter(corpus), k1=1.2, b=0.6)  # any iterable, read once
        reference = BM25Okapi(corpus, k1=1.2, b=0.6)
        assert index.n_docs == len(corpus)
        assert index.avgdl == reference.avgdl
        assert list(index.doc_len) == reference.doc_len
        assert all(reference.idf[w] == index.idf[index.vocabulary[w]] for w in reference.idf)
        rng = random.Random(seed)
        vocabulary = sorted(index.vocabulary)
        for _ in range(50):
            query = rng.sample(vocabulary, rng.randint(1, 5)) + ["unknown"]
            query += query[:1]
            assert np.array_equal(index.scores(query), reference.get_scores(query)), query


def test_vocabulary_ids_follow_first_appearance_and_postings_are_sorted():
    index = BM25Index([["b", "a", "b"], ["c", "a"], [], ["a"]])
    assert index.vocabulary == {"b": 0, "a": 1, "c": 2}
    assert index.postings("a").tolist() == [0, 1, 3]
    assert index.doc_freq("a") == 3 and index.doc_freq("zzz") == 0
    assert index.matrix.shape == (3, 4)


def test_postings_and_the_radix_order_match_a_plain_count():
    from collections import Counter

    from retrieval.index import _postings, stable_order

    rng = np.random.default_rng(5)
    for n_terms in (3, 300, 70_000, 200_000):  # one and two 16-bit passes
        keys = rng.integers(0, n_terms, size=5000).astype(np.int32)
        assert np.array_equal(stable_order(keys, n_terms), np.argsort(keys, kind="stable"))
        lengths = rng.multinomial(keys.size, np.ones(40) / 40).astype(np.int64)
        terms, docs, tf = _postings(keys, lengths, n_terms)
        doc_of = np.repeat(np.arange(lengths.size), lengths)
        expected = sorted(Counter(zip(keys.tolist(), doc_of.tolist())).items())
        assert list(zip(terms.tolist(), docs.tolist(), tf.tolist())) == [(t, d, c) for (t, d), c in expected]


def test_bit_identical_with_a_vocabulary_beyond_16_bits():
    rng = random.Random(9)
    corpus = [
        [f"t{rng.randrange(10**6)}" for _ in range(rng.randint(30, 60))] + ["common"] * rng.randint(0, 2) for _ in range(3001)
    ]
    index = BM25Index(corpus)
    assert len(index.vocabulary) > 1 << 16
    reference = BM25Okapi(corpus)
    for _ in range(30):
        query = rng.sample(sorted(index.vocabulary), 3) + ["common"]
        assert np.array_equal(index.scores(query), reference.get_scores(query)), query


def test_both_postings_paths_agree():
    from retrieval.index import _postings, _postings_scipy

    rng = np.random.default_rng(11)
    for n_terms in (5, 1000, 100_000):
        keys = rng.integers(0, n_terms, size=20_000).astype(np.int32)
        lengths = rng.multinomial(keys.size, np.ones(300) / 300).astype(np.int64)
        lengths[8] += lengths[7]
        lengths[7] = 0  # an empty document
        ours = _postings(keys, lengths, n_terms)
        theirs = _postings_scipy(keys, lengths, n_terms)
        assert all(np.array_equal(a, b) and a.dtype == b.dtype for a, b in zip(ours, theirs))
