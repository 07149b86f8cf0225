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

import numpy as np

__all__ = [
    "relevance",
    "frex",
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


def frex(topic_term: np.ndarray, *, weight: float = 0.5) -> np.ndarray:
    """FREX score of each term in each topic (Roberts, Stewart & Airoldi 2016; stm).

    Weighted harmonic mean of the term's exclusivity rank and frequency rank
    within the topic, both as empirical CDFs in (0, 1]::

        exclusivity_kw = φ_kw / Σ_j φ_jw
        FREX_kw = 1 / (weight / ECDF_k(exclusivity_kw) + (1 − weight) / ECDF_k(φ_kw))

    ``weight`` is the weight on exclusivity (0.5 = equal). Ties get average
    ranks, as ``data.table::frank`` in stm. Unlike ``stm::labelTopics`` no
    James–Stein shrinkage is applied to exclusivity (it needs stm's word counts
    model; the plain formula is the one in the paper). Returns ``(K, V)``.
    """
    phi = np.asarray(topic_term, dtype=float)
    v = phi.shape[1]
    excl = phi / np.maximum(phi.sum(axis=0, keepdims=True), _TINY)
    freq_score = _average_ranks(phi) / v
    excl_score = _average_ranks(excl) / v
    return 1.0 / (weight / excl_score + (1.0 - weight) / freq_score)


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
