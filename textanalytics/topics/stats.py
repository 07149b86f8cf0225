"""Topic statistics written against plain arrays, so every engine uses them.

``topic_term`` is a ``(K, V)`` array whose rows are term distributions,
``doc_topic`` a ``(n_units, K)`` array whose rows are topic distributions.
Nothing here knows about gensim, scikit-learn or DataFrames.

Example
-------
>>> import numpy as np
>>> phi = np.array([[0.7, 0.2, 0.1], [0.1, 0.2, 0.7]])
>>> relevance(phi, np.array([0.4, 0.2, 0.4]), lambda_=0.6).round(3)
array([[ 0.01 , -0.966, -1.936],
       [-1.936, -0.966,  0.01 ]])
"""

from __future__ import annotations

import warnings

import numpy as np

__all__ = [
    "relevance",
    "frex",
    "js_estimate",
    "lift",
    "term_score",
    "topic_share",
    "top_term_indices",
    "jaccard_matrix",
    "cosine_matrix",
    "match_topics",
    "agreement",
]

# Floor for probabilities before taking logs (NMF and sparse fits can hold exact zeros).
_TINY = 1e-300


def relevance(topic_term: np.ndarray, term_probability: np.ndarray, *, lambda_: float = 0.6) -> np.ndarray:
    """Relevance of each term to each topic (Sievert & Shirley 2014, LDAvis).

    ``r(w, k) = λ log φ_kw + (1 − λ) log(φ_kw / p_w)``: λ = 1 ranks terms by their
    probability in the topic, λ = 0 by lift (probability in the topic over
    probability in the corpus). ``term_probability`` is ``p_w``, the marginal
    term distribution (corpus term counts / total). Returns a ``(K, V)`` array.
    """
    phi = np.log(np.maximum(np.asarray(topic_term, dtype=float), _TINY))
    pw = np.log(np.maximum(np.asarray(term_probability, dtype=float), _TINY))
    return lambda_ * phi + (1.0 - lambda_) * (phi - pw[None, :])


def frex(topic_term: np.ndarray, *, w: float = 0.5, wordcounts: np.ndarray | None = None,
         weight: float | None = None) -> np.ndarray:
    """FREX score of each term in each topic, as stm's ``calcfrex`` (Roberts, Stewart & Airoldi 2016).

    Weighted harmonic mean of the term's frequency rank and exclusivity rank
    within the topic, both as empirical CDFs in (0, 1]::

        exclusivity_kw = φ_kw / Σ_j φ_jw           (p(k | w) under a flat prior on topics)
        FREX_kw = 1 / (w / ECDF_k(φ_kw) + (1 − w) / ECDF_k(exclusivity_kw))

    ``w`` is the weight on **frequency**, as in stm's ``calcfrex(logbeta, w)``
    and ``labelTopics(frexweight=)``: 0.5 (stm's default) weighs both equally,
    smaller values favour exclusive terms. (stm's ``exclusivity(frexw=)`` and
    the vignette's ω put their weight on exclusivity instead: their ω is
    ``1 − w`` here.) Ties get average ranks, as ``data.table::frank`` in stm.

    ``wordcounts`` (``(V,)`` corpus count of each term) turns on stm's
    James–Stein shrinkage of exclusivity, as ``labelTopics`` does: each term's
    ``p(· | w)`` is pulled towards uniform ``1/K`` the more, the rarer the term
    (:func:`js_estimate`), so a term seen a handful of times no longer looks
    perfectly exclusive. Returns ``(K, V)``.

    ``weight=`` (deprecated) is the old keyword, whose weight was on
    exclusivity: ``weight=x`` is ``w=1 − x``.
    """
    if weight is not None:
        warnings.warn("frex(weight=...) is deprecated: its weight was on exclusivity; use w=1 - weight "
                      "(w weighs frequency, as in stm's calcfrex)", DeprecationWarning, stacklevel=2)
        w = round(1.0 - weight, 12)
    phi = np.asarray(topic_term, dtype=float)
    v = phi.shape[1]
    excl = phi / np.maximum(phi.sum(axis=0, keepdims=True), _TINY)
    if wordcounts is not None:
        excl = js_estimate(excl, wordcounts)
    freq_score = _average_ranks(phi) / v
    excl_score = _average_ranks(excl) / v
    return 1.0 / (w / freq_score + (1.0 - w) / excl_score)


def js_estimate(prob: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """James–Stein shrinkage of each column of ``prob`` towards uniform (stm's ``js.estimate``).

    ``prob`` is ``(K, V)`` with columns summing to 1 (``p(k | w)``), ``counts``
    the ``(V,)`` corpus counts of the terms. Per column (Hausser & Strimmer
    2009): ``λ = clip(Σ_k p(1 − p) / (n − 1) / Σ_k (p − 1/K)², 0, 1)`` and the
    estimate ``λ / K + (1 − λ) p``; a term seen at most once becomes uniform, a
    column already uniform stays. stm then takes logs floored at −1000 before
    ranking; ranks are the same without the logs, so none are taken here.
    """
    p = np.asarray(prob, dtype=float)
    n = np.asarray(counts, dtype=float)
    k = p.shape[0]
    unif = 1.0 / k
    with np.errstate(divide="ignore", invalid="ignore"):
        mlvar = (p * (1.0 - p)).sum(axis=0) / (n - 1.0)
        deviation = ((p - unif) ** 2).sum(axis=0)
        lam = np.clip(mlvar / deviation, 0.0, 1.0)
    lam = np.where(np.isnan(lam), 1.0, lam)       # stm: a NaN lambda gives uniform
    lam = np.where(deviation == 0, 0.0, lam)      # already uniform: returned as is
    lam = np.where(n <= 1, 1.0, lam)              # seen at most once: uniform
    return lam * unif + (1.0 - lam) * p


def lift(topic_term: np.ndarray, wordcounts: np.ndarray) -> np.ndarray:
    """Log lift of each term in each topic, stm's ``calclift`` (Taddy 2012).

    ``log φ_kw − log(n_w / Σ n)``: the term's probability in the topic over its
    share of the corpus (``wordcounts``). Ranks rare terms high. Returns ``(K, V)``.
    """
    phi = np.log(np.maximum(np.asarray(topic_term, dtype=float), _TINY))
    n = np.asarray(wordcounts, dtype=float)
    return phi - np.log(np.maximum(n / n.sum(), _TINY))[None, :]


def term_score(topic_term: np.ndarray) -> np.ndarray:
    """stm's ``calcscore`` (the lda package's, Blei & Lafferty 2009's term score).

    ``φ_kw (log φ_kw − (1/K) Σ_j log φ_jw)``: probability times how far the
    term's log probability in the topic exceeds its mean over topics. Returns ``(K, V)``.
    """
    phi = np.maximum(np.asarray(topic_term, dtype=float), _TINY)
    logphi = np.log(phi)
    return phi * (logphi - logphi.mean(axis=0, keepdims=True))


def _average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..V within each row, ties sharing their average rank (``scipy.stats.rankdata``)."""
    out = np.empty(a.shape, dtype=float)
    for i, row in enumerate(a):
        order = np.argsort(row, kind="stable")
        values = row[order]
        # Start of each run of equal values, and the average of positions start+1..end.
        starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
        ends = np.r_[starts[1:], len(values)]
        average = (starts + 1 + ends) / 2.0
        out[i, order] = np.repeat(average, ends - starts)
    return out


def topic_share(doc_topic: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Overall share of each topic: unit distributions weighted by unit length (tokens)."""
    lengths = np.asarray(lengths, dtype=float)
    total = lengths.sum()
    if total <= 0:
        return np.full(doc_topic.shape[1], 1.0 / doc_topic.shape[1])
    return lengths @ np.asarray(doc_topic, dtype=float) / total


def top_term_indices(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest scores per row, best first; ties by column index.

    Columns follow the (alphabetical) vocabulary, so ties go to the earlier term.
    """
    scores = np.asarray(scores, dtype=float)
    n = min(n, scores.shape[1])
    # Stable sort on the negated scores keeps equal scores in column order.
    return np.argsort(-scores, axis=1, kind="stable")[:, :n]


def jaccard_matrix(top_a: np.ndarray, top_b: np.ndarray) -> np.ndarray:
    """Jaccard similarity of every pair of top-term sets: ``(K_a, K_b)``.

    ``top_a``/``top_b`` hold term indices (one row of top terms per topic).
    """
    top_a = np.asarray(top_a)
    top_b = np.asarray(top_b)
    terms, inverse = np.unique(np.concatenate([top_a.ravel(), top_b.ravel()]), return_inverse=True)
    ind_a = np.zeros((top_a.shape[0], len(terms)))
    ind_b = np.zeros((top_b.shape[0], len(terms)))
    ind_a[np.repeat(np.arange(top_a.shape[0]), top_a.shape[1]), inverse[: top_a.size]] = 1.0
    ind_b[np.repeat(np.arange(top_b.shape[0]), top_b.shape[1]), inverse[top_a.size:]] = 1.0
    inter = ind_a @ ind_b.T
    union = ind_a.sum(1)[:, None] + ind_b.sum(1)[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def cosine_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity between the rows of ``a`` and the rows of ``b``."""
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    return (a / np.maximum(na, _TINY)) @ (b / np.maximum(nb, _TINY)).T


def match_topics(similarity: np.ndarray, *, tiebreak: np.ndarray | None = None) -> np.ndarray:
    """One-to-one matching of rows to columns maximising total similarity.

    Uses the Hungarian algorithm (``scipy.optimize.linear_sum_assignment``).
    ``tiebreak`` (same shape, values in [0, 1]) is added with a weight of 1e-6
    so that matchings that are equal on ``similarity`` (Jaccard often ties at
    0) are decided by it instead of by the solver's internals. Returns
    ``col`` with ``col[i]`` the column matched to row ``i`` (square inputs).
    """
    from scipy.optimize import linear_sum_assignment  # imported on use: scipy.optimize is slow to import

    sim = np.asarray(similarity, dtype=float)
    if tiebreak is not None:
        sim = sim + 1e-6 * np.asarray(tiebreak, dtype=float)
    rows, cols = linear_sum_assignment(sim, maximize=True)
    out = np.empty(sim.shape[0], dtype=int)
    out[rows] = cols
    return out


def agreement(
    topic_term_a: np.ndarray, topic_term_b: np.ndarray, *, top_n: int = 10
) -> tuple[np.ndarray, np.ndarray]:
    """Match the topics of fit ``b`` to those of fit ``a`` (Greene et al. 2014).

    Each topic is represented by its ``top_n`` terms; topics are matched one to
    one by maximal total Jaccard similarity of these sets (ties broken by the
    cosine similarity of the full term distributions). Returns ``(match,
    jaccard)``: topic ``i`` of ``a`` is matched to topic ``match[i]`` of ``b``
    with Jaccard similarity ``jaccard[i]``. The agreement score of the two fits
    is ``jaccard.mean()``.

    Greene, O'Callaghan & Cunningham (2014), "How many topics? Stability
    analysis for topic models", ECML PKDD. They score ranked lists by average
    Jaccard over depths 1..t; we use the plain Jaccard of the top-``top_n``
    sets, which does not depend on the order within the top terms.
    """
    top_a = top_term_indices(topic_term_a, top_n)
    top_b = top_term_indices(topic_term_b, top_n)
    jac = jaccard_matrix(top_a, top_b)
    match = match_topics(jac, tiebreak=cosine_matrix(topic_term_a, topic_term_b))
    return match, jac[np.arange(len(match)), match]
