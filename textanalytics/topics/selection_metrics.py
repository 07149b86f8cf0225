"""stm's ``searchK`` metrics and the stability of topics over subsamples, on plain arrays.

``topic_term`` is ``(K, V)``, rows are term distributions; each is a port of
its reference implementation:

* :func:`exclusivity` -- stm's ``exclusivity(model, M, frexw = .7)``;
* :func:`semantic_coherence` -- stm's ``semanticCoherence`` (Mimno et al.
  2011, UMass-style, with stm's constants and pair order);
* :func:`topic_agreement` -- stability of Greene, O'Callaghan & Cunningham
  (2014): topics of two fits matched one to one (Hungarian method) on the
  Jaccard (or average Jaccard) similarity of their top terms; and
  :func:`matched_null`, the agreement expected between random topics drawn
  from the same pool of terms, its baseline.

Held-out likelihood by document completion is in :mod:`.heldout`; the rule
that uses them all in :mod:`.selection_rule`; the search in :mod:`.selection`.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from . import stats

__all__ = [
    "exclusivity", "semantic_coherence", "average_jaccard", "similarity_matrix", "topic_agreement",
    "matched_agreement", "expected_jaccard", "expected_average_jaccard", "matched_null", "subsample_rows",
]

# ---------------------------------------------------------------------------------------------
# stm's metrics
# ---------------------------------------------------------------------------------------------
def exclusivity(topic_term: np.ndarray, *, top_n: int = 10, weight: float = 0.7) -> np.ndarray:
    """stm's exclusivity of each topic: FREX summed over its ``top_n`` most probable terms.

    ``FREX_kv = 1 / (weight / ECDF_k(φ_kv / Σ_j φ_jv) + (1 − weight) / ECDF_k(φ_kv))``,
    ranks within the topic with ties averaged; ``weight`` is on exclusivity
    (stm's ``frexw``, default .7). The result lies in (0, ``top_n``];
    ``searchK`` reports its mean over topics. Returns ``(K,)``.

    >>> phi = np.array([[19, 20, 30, 38, 2], [6, 33, 37, 10, 13], [34, 17, 11, 33, 11]], float)
    >>> exclusivity(phi / phi.sum(1, keepdims=True), top_n=3).round(4)
    array([2.2444, 2.333 , 2.0931])
    """
    beta = np.asarray(topic_term, dtype=float)
    v = beta.shape[1]
    mat = beta / np.maximum(beta.sum(axis=0, keepdims=True), 1e-300)
    from scipy.stats import rankdata  # deferred: scipy.stats, only when K is searched

    ex = rankdata(mat, axis=1) / v
    fr = rankdata(beta, axis=1) / v
    frex = 1.0 / (weight / ex + (1.0 - weight) / fr)
    top = stats.top_term_indices(beta, top_n)
    return np.take_along_axis(frex, top, axis=1).sum(axis=1)


def semantic_coherence(topic_term: np.ndarray, counts: sp.spmatrix, *, top_n: int = 10) -> np.ndarray:
    """stm's semantic coherence of each topic (``semanticCoherence``, Mimno et al. 2011).

    For the ``top_n`` most probable terms: ``Σ log((0.01 + D(v_m, v_l)) / (0.01 + D(v_l)))``
    over the pairs, with ``D`` counting documents of ``counts`` (units × terms,
    the columns of ``topic_term``) that contain the terms. As in stm's code, the
    denominator term ``v_l`` of a pair is the one that comes first in the list
    of every topic's top terms in order of first appearance (for topic 1 that is
    the higher-ranked term). Higher (nearer 0) is better; Returns ``(K,)``.

    >>> phi = np.array([[19, 20, 30, 38, 2], [6, 33, 37, 10, 13], [34, 17, 11, 33, 11]], float)
    >>> dtm = np.array([[2, 1, 0, 1, 0], [1, 0, 1, 0, 0], [0, 3, 1, 1, 0], [0, 1, 1, 0, 1],
    ...                 [1, 0, 0, 2, 0], [0, 1, 1, 0, 0]])
    >>> semantic_coherence(phi / phi.sum(1, keepdims=True), sp.csr_matrix(dtm), top_n=3).round(4)
    array([-1.7826, -3.0445, -2.1865])
    """
    top = stats.top_term_indices(np.asarray(topic_term, dtype=float), top_n)
    flat = top.ravel()
    _, first = np.unique(flat, return_index=True)
    wordlist = flat[np.sort(first)]
    position = np.empty(int(flat.max()) + 1, dtype=np.int64)
    position[wordlist] = np.arange(len(wordlist))
    x = sp.csc_matrix(counts)[:, wordlist]
    x.data = np.minimum(x.data, 1.0)
    cross = (x.T @ x).toarray()
    out = np.zeros(top.shape[0])
    m = top.shape[1]
    lower = np.tril_indices(m, -1)
    for k, row in enumerate(top):
        pos = position[row]
        a, b = pos[lower[0]], pos[lower[1]]
        hi, lo = np.maximum(a, b), np.minimum(a, b)
        out[k] = np.sum(np.log(0.01 + cross[hi, lo]) - np.log(cross[lo, lo] + 0.01))
    return out


# ---------------------------------------------------------------------------------------------
# Stability (Greene et al. 2014) and its chance baseline
# ---------------------------------------------------------------------------------------------
def average_jaccard(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Average Jaccard of two rankings (Greene et al. 2014): the mean Jaccard of their top-d prefixes, d = 1..t.

    >>> average_jaccard(list("abcd"), list("bade"))
    0.525
    """
    t = min(len(a), len(b))
    return float(np.mean([len(set(a[:d]) & set(b[:d])) / len(set(a[:d]) | set(b[:d])) for d in range(1, t + 1)]))


def similarity_matrix(top_a: np.ndarray, top_b: np.ndarray, *, measure: str = "jaccard") -> np.ndarray:
    """``(K_a, K_b)`` similarity of every pair of top-term rankings (rows of term indices, best first).

    ``"jaccard"``: of the sets; ``"average_jaccard"``: mean over prefixes (top-weighted).
    """
    top_a, top_b = np.asarray(top_a), np.asarray(top_b)
    if measure == "jaccard":
        return stats.jaccard_matrix(top_a, top_b)
    if measure == "average_jaccard":
        t = min(top_a.shape[1], top_b.shape[1])
        terms, inverse = np.unique(np.concatenate([top_a[:, :t].ravel(), top_b[:, :t].ravel()]), return_inverse=True)
        ids = inverse.reshape(-1, t)
        return _average_jaccard_ids(ids[: len(top_a)], ids[len(top_a):], len(terms))
    raise InputError(f"measure: must be 'jaccard' or 'average_jaccard', got {measure!r}")


def _average_jaccard_ids(a: np.ndarray, b: np.ndarray, n: int) -> np.ndarray:
    """Average Jaccard of every pair of rankings of distinct ids in ``range(n)`` (rows of ``a`` and ``b``, same length)."""
    t = a.shape[1]
    in_a, in_b = np.zeros((len(a), n)), np.zeros((len(b), n))
    total = np.zeros((len(a), len(b)))
    for d in range(t):
        in_a[np.arange(len(a)), a[:, d]] = 1.0
        in_b[np.arange(len(b)), b[:, d]] = 1.0
        inter = in_a @ in_b.T
        total += inter / (2.0 * (d + 1) - inter)
    return total / t


def topic_agreement(topic_term_a: np.ndarray, topic_term_b: np.ndarray, *, top_n: int = 10,
                    measure: str = "jaccard") -> np.ndarray:
    """Similarity of each topic of ``a`` to the topic of ``b`` matched to it one to one.

    Hungarian matching on :func:`similarity_matrix` of the top ``top_n`` terms,
    ties decided by the cosine similarity of the term distributions (as
    :func:`~textanalytics.topics.stats.agreement`). The agreement of two fits
    (Greene et al.'s ``agree``) is the mean of the result; ``(K_a,)``.
    """
    return matched_agreement(stats.top_term_indices(topic_term_a, top_n), stats.top_term_indices(topic_term_b, top_n),
                    topic_term_a, topic_term_b, measure=measure)


def matched_agreement(top_a: np.ndarray, top_b: np.ndarray, topic_term_a: np.ndarray, topic_term_b: np.ndarray, *,
             measure: str) -> np.ndarray:
    """:func:`topic_agreement` from the fits' top-term indices (computed once per fit)."""
    sim = similarity_matrix(top_a, top_b, measure=measure)
    match = stats.match_topics(sim, tiebreak=stats.cosine_matrix(topic_term_a, topic_term_b))
    return sim[np.arange(len(match)), match]


def expected_jaccard(n_terms: int, t: int) -> float:
    """Expected Jaccard of two independent uniformly random ``t``-sets of ``n_terms`` terms (hypergeometric overlap).

    >>> round(expected_jaccard(20, 2), 6)   # 13/190
    0.068421
    """
    x = np.arange(t + 1)
    from scipy.stats import hypergeom  # deferred: scipy.stats, only when K is searched

    p = hypergeom(n_terms, t, t).pmf(x)
    return float(np.sum(p * x / (2 * t - x)))


def expected_average_jaccard(n_terms: int, t: int) -> float:
    """Expected average Jaccard of two independent uniformly random rankings of ``t`` of ``n_terms`` terms."""
    return float(np.mean([expected_jaccard(n_terms, d) for d in range(1, t + 1)]))


def matched_null(pool: Sequence[int] | int, *, top_n: int, k: int, reps: int = 1000, seed: int | Sequence[int] = 0,
                 measure: str = "jaccard") -> tuple[float, float]:
    """Chance agreement of two fits of ``k`` random topics: ``(mean, 95th percentile)`` over ``reps`` draws.

    Each random topic is ``top_n`` distinct terms drawn uniformly (in random
    order) from ``pool`` (term ids, or an int: ``range(pool)``); the two sets of
    topics are matched one to one as real fits are (Hungarian method, maximal
    total similarity), and the mean matched similarity is recorded. The pool of
    :func:`search_k` is the union of the top terms of the fits being compared
    (Greene's setting with the assignment of terms to topics randomised), a
    stricter baseline than the whole vocabulary. Deterministic in ``seed``.
    """
    from scipy.optimize import linear_sum_assignment  # deferred: scipy.optimize is slow to import

    terms = np.arange(pool) if isinstance(pool, (int, np.integer)) else np.unique(np.asarray(pool))
    if len(terms) < top_n:
        raise InputError(f"pool: needs at least top_n = {top_n} terms, got {len(terms)}")
    rng = np.random.default_rng(seed)
    out = np.empty(reps)
    for r in range(reps):
        # A random ranking of top_n terms per topic: the top_n smallest of uniform keys, in key order.
        keys = rng.random((2 * k, len(terms)))
        idx = np.argpartition(keys, top_n - 1, axis=1)[:, :top_n]
        idx = np.take_along_axis(idx, np.argsort(np.take_along_axis(keys, idx, axis=1), axis=1), axis=1)
        if measure == "average_jaccard":
            sim = _average_jaccard_ids(idx[:k], idx[k:], len(terms))
        else:
            sim = similarity_matrix(idx[:k], idx[k:], measure=measure)
        rows, cols = linear_sum_assignment(sim, maximize=True)
        out[r] = sim[rows, cols].mean()
    return float(out.mean()), float(np.quantile(out, 0.95))


def subsample_rows(n: int, fraction: float, seed: int | Sequence[int]) -> np.ndarray:
    """Sorted rows of a subsample of ``int(fraction · n)`` of ``n`` documents, without replacement (Greene et al.)."""
    rng = np.random.default_rng(seed)
    return np.sort(rng.permutation(n)[: int(fraction * n)])
