"""Phrases learned from the corpus with NPMI, vectorised over term-id arrays.

The scoring is gensim's ``Phrases(scoring="npmi")`` (Bouma 2009)::

    npmi(a, b) = ln(p(a,b) / (p(a) p(b))) / -ln(p(a,b)),   p(x) = count(x) / N

with ``N`` the number of kept tokens. A pair of adjacent kept terms becomes a
phrase when it occurs at least ``min_count`` times and its NPMI is above
``threshold``. "Adjacent" means consecutive among kept tokens of one sentence
with nothing but parts of an alias or phrase between them: a stopword,
punctuation or number between two words blocks the pair (gensim without
connector words). Phrases are applied left to right without overlap, as gensim
does, and a second pass on the result joins phrases of up to four words.

Why not call gensim: its vocabulary pass is pure Python (about 1 µs per token
and a dict entry per distinct pair), while counting pairs as int64 keys with
``np.unique`` costs a few milliseconds per million tokens and gives the same
scores (a test checks them against gensim).

Example
-------
>>> import numpy as np
>>> terms = np.array([0, 1, 2, 0, 1, 3, 0, 1, 2, 3])
>>> scored = score_pairs(terms, adjacent=np.ones(9, bool), min_count=2, threshold=0.5)
>>> scored[["a", "b", "count"]].values.tolist(), scored["score"].round(3).tolist()
([[0, 1, 3], [1, 2, 2]], [1.0, 0.748])
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def count_pairs(terms: np.ndarray, *, adjacent: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct adjacent pairs as keys ``a * width + b`` (sorted) and their counts.

    Counts from separate pieces of a corpus add up (:func:`merge_pair_counts`):
    pairs never cross a sentence, so a corpus can be counted in chunks.
    """
    terms = np.asarray(terms, dtype=np.int64)
    if len(terms) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = terms[:-1][adjacent]
    second = terms[1:][adjacent]
    keys, counts = np.unique(first * width + second, return_counts=True)
    return keys, counts.astype(np.int64)


def merge_pair_counts(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``(keys, counts)`` pair counts of several chunks (keys sorted in the result)."""
    keys = np.concatenate([k for k, _ in parts]) if parts else np.zeros(0, np.int64)
    counts = np.concatenate([c for _, c in parts]) if parts else np.zeros(0, np.int64)
    if not len(keys):
        return keys.astype(np.int64), counts.astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)


def score_counts(*, unigram: np.ndarray, total: int, pair_keys: np.ndarray, pair_counts: np.ndarray,
                 width: int, min_count: int, threshold: float) -> pd.DataFrame:
    """NPMI of counted pairs (see the module docstring); those above ``threshold``.

    ``unigram[t]`` counts kept term ``t``, ``total`` the kept tokens. Returns
    ``a, b, count, score`` sorted by ``(a, b)``.
    """
    empty = pd.DataFrame({"a": np.zeros(0, np.int64), "b": np.zeros(0, np.int64),
                          "count": np.zeros(0, np.int64), "score": np.zeros(0, float)})
    frequent = pair_counts >= min_count
    pair_keys, pair_counts = pair_keys[frequent], pair_counts[frequent]
    if total < 2 or not len(pair_keys):
        return empty
    a, b = pair_keys // width, pair_keys % width
    p_ab = pair_counts / total
    p_a, p_b = unigram[a] / total, unigram[b] / total
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
    # p(a,b) = 1 only for a one-pair corpus; gensim scores it +inf/NaN too, drop it.
    score = np.where(np.isfinite(score), score, -np.inf)
    chosen = score > threshold
    return pd.DataFrame({"a": a[chosen], "b": b[chosen], "count": pair_counts[chosen],
                         "score": score[chosen]})


def score_pairs(terms: np.ndarray, *, adjacent: np.ndarray, min_count: int,
                threshold: float) -> pd.DataFrame:
    """Score adjacent term pairs; return those above ``threshold``.

    ``terms`` is the stream of kept term ids; ``adjacent[j]`` says whether
    ``terms[j]`` and ``terms[j + 1]`` form a candidate pair. Returns a table
    ``a, b, count, score`` sorted by ``(a, b)``.

    >>> import numpy as np
    >>> score_pairs(np.array([0, 1]), adjacent=np.array([True]), min_count=2, threshold=0.0).empty
    True
    """
    terms = np.asarray(terms, dtype=np.int64)
    if len(terms) < 2:
        return score_counts(unigram=np.zeros(0, np.int64), total=len(terms), pair_keys=np.zeros(0, np.int64),
                            pair_counts=np.zeros(0, np.int64), width=1, min_count=min_count,
                            threshold=threshold)
    width = int(terms.max()) + 1
    keys, counts = count_pairs(terms, adjacent=adjacent, width=width)
    return score_counts(unigram=np.bincount(terms, minlength=width), total=len(terms), pair_keys=keys,
                        pair_counts=counts, width=width, min_count=min_count, threshold=threshold)


def greedy_starts(candidate: np.ndarray) -> np.ndarray:
    """Positions where a pair is joined, left to right without overlap.

    In a run of consecutive candidate positions the 1st, 3rd, 5th ... are
    joined (joining ``j`` consumes ``j + 1``).

    >>> import numpy as np
    >>> greedy_starts(np.array([True, True, True, False, True])).tolist()
    [0, 2, 4]
    """
    candidate = np.asarray(candidate, dtype=bool)
    if not candidate.any():
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(len(candidate))
    # Start of the current run for every position (run = consecutive True values).
    run_start = np.maximum.accumulate(np.where(candidate & ~np.r_[False, candidate[:-1]], idx, 0))
    accept = candidate & ((idx - run_start) % 2 == 0)
    return np.flatnonzero(accept)
