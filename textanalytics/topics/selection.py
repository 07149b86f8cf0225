"""Choosing the number of topics: stm's ``searchK`` metrics, stability over subsamples, and the K rule.

Metrics on plain arrays (``topic_term`` is ``(K, V)``, rows are term
distributions), each a port of its reference implementation:

* :func:`exclusivity` -- stm's ``exclusivity(model, M, frexw = .7)``;
* :func:`semantic_coherence` -- stm's ``semanticCoherence`` (Mimno et al.
  2011, UMass-style, with stm's constants and pair order);
* held-out likelihood by document completion -- :mod:`.heldout`;
* :func:`topic_agreement` -- stability of Greene, O'Callaghan & Cunningham
  (2014): topics of two fits matched one to one (Hungarian method) on the
  Jaccard (or average Jaccard) similarity of their top terms; and
  :func:`matched_null`, the agreement expected between random topics drawn
  from the same pool of terms, its baseline.

:func:`gated_frontier` is the rule (:data:`K_RULE`) and :func:`search_k`
runs the whole search for :func:`~textanalytics.topics.select_k`.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.stats import hypergeom, rankdata

from ..errors import InputError, StepSkipped
from . import stats
from .coherence import coherence
from .config import TopicConfig
from .heldout import HeldoutSplit, eval_heldout, make_heldout
from .model import ModelSelection, TopicModel

logger = logging.getLogger(__name__)

__all__ = [
    "K_RULE", "K_LADDER", "SEARCH_SETTINGS", "default_k_grid", "extend_k_grid", "exclusivity", "semantic_coherence",
    "average_jaccard", "similarity_matrix", "topic_agreement", "expected_jaccard",
    "expected_average_jaccard", "matched_null", "subsample_rows", "gated_frontier", "search_k",
]

#: The documented rule :func:`~textanalytics.topics.select_k` applies (:func:`gated_frontier`).
K_RULE = (
    "Gated frontier. (1) Stability gate: keep the Ks whose stability over subsamples exceeds the 95th "
    "percentile of the agreement of random topics (same K, same terms) by at least stability_margin; if none "
    "does, choose the K with the largest excess and say so. (2) Fit gate, a lower bound (one-standard-error "
    "rule): among them, let K* have the best held-out likelihood; drop the Ks below the smallest K whose "
    "held-out likelihood is within one standard error of K*'s. (3) Stability cap, an upper bound: among the "
    "Ks left, let K° be the one most stable relative to chance (stability / baseline); drop the Ks above the "
    "largest K within one standard error of K°'s ratio. (4) Frontier: among the Ks left, keep those no "
    "other K beats on both mean c_npmi and mean exclusivity, and choose the one with the largest sum of the "
    "two standardised over the Ks of step 1 (ties to the smaller K). A choice at the largest K of an "
    "automatic grid extends the grid once; a choice at an edge of the final grid is flagged."
)

#: TopicConfig fields that change how K is searched, never a fit (left out of the fit cache's key).
SEARCH_SETTINGS = ("k", "k_grid", "n_subsamples", "subsample_fraction", "heldout_documents", "heldout_proportion",
                   "stability_margin", "stability_measure", "baseline_draws")

#: Ks of the automatic grid: every K up to 8, then steps that grow with K.
K_LADDER = (2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 18, 20, 23, 26, 30, 35, 40, 45, 50, 60, 70, 80, 90, 100,
            120, 140, 160, 180, 200)


def default_k_grid(n_units: int) -> tuple[int, ...]:
    """The automatic K grid for ``n_units`` modelling units (``[topics] k_grid = "auto"``).

    The Ks of :data:`K_LADDER` up to ``K_max = round(2 · n^(1/3))`` (at least 6,
    at most 200): 12 for 230 paragraphs (the seeds), 20 for 1,000 speeches,
    30 for 3,800 news articles.

    >>> default_k_grid(230)
    (2, 3, 4, 5, 6, 7, 8, 10, 12)
    >>> default_k_grid(3788)[-4:]
    (20, 23, 26, 30)
    """
    k_max = int(min(K_LADDER[-1], max(6, round(2.0 * max(int(n_units), 1) ** (1.0 / 3.0)))))
    return tuple(k for k in K_LADDER if k <= k_max)


def extend_k_grid(grid: Sequence[int], steps: int = 2) -> tuple[int, ...]:
    """The next ``steps`` Ks of :data:`K_LADDER` above the grid's largest.

    >>> extend_k_grid((2, 3, 4, 5, 6, 7, 8, 10, 12))
    (14, 16)
    """
    top = max(grid)
    return tuple(k for k in K_LADDER if k > top)[:steps] or (top + 1, top + 2)


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
    return _matched(stats.top_term_indices(topic_term_a, top_n), stats.top_term_indices(topic_term_b, top_n),
                    topic_term_a, topic_term_b, measure=measure)


def _matched(top_a: np.ndarray, top_b: np.ndarray, topic_term_a: np.ndarray, topic_term_b: np.ndarray, *,
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


# ---------------------------------------------------------------------------------------------
# The rule
# ---------------------------------------------------------------------------------------------
def _zscore(values: np.ndarray, among: np.ndarray) -> np.ndarray:
    sub = values[among]
    sd = sub.std()
    return (values - sub.mean()) / (sd if sd > 0 else 1.0)


def gated_frontier(k: Sequence[int], heldout: Sequence[float], heldout_se: Sequence[float],
                   coherence: Sequence[float], exclusivity: Sequence[float], stability: Sequence[float],
                   baseline: Sequence[float], stability_se: Sequence[float] | None = None, *,
                   margin: float = 0.10) -> dict[str, Any]:
    """The K rule (:data:`K_RULE`) on per-K means; every argument is aligned on ``k`` (sorted).

    1. *Stability gate*: ``stability − baseline ≥ margin``. If no K passes,
       the K with the largest excess is returned with ``fallback = True``.
    2. *Fit gate* (one-standard-error rule, a lower bound): among the stable
       Ks let K* have the best held-out likelihood; keep the Ks from the
       smallest stable K whose held-out likelihood is within ``heldout_se[K*]``
       of K*'s. Skipped when every held-out likelihood is NaN (NMF).
    3. *Stability cap* (the mirror image, an upper bound): among the Ks left,
       let K° be the one whose stability is the largest multiple of its
       baseline; keep the Ks up to the largest one whose ratio is within one
       standard error (``stability_se / baseline``) of K°'s. Skipped when
       ``stability_se`` is None (the research memo's rule).
    4. *Frontier*: keep the Ks that no other K left beats on both coherence and
       exclusivity; choose the one with the largest sum of the two standardised
       over the stable Ks (ties to the smaller K).

    Returns a dict: ``k`` (the choice), ``fallback``, boolean masks ``stable``,
    ``fit_gate``, ``capped`` (Ks left after step 3) and ``frontier``;
    ``best_heldout_k``, ``k_1se``, ``most_stable_k``, ``k_cap`` (None when
    the step was skipped) and ``score`` (the standardised sum).
    """
    k = np.asarray(k, dtype=int)
    h, c, x = (np.asarray(a, dtype=float) for a in (heldout, coherence, exclusivity))
    s, b = np.asarray(stability, dtype=float), np.asarray(baseline, dtype=float)
    none = np.zeros(len(k), dtype=bool)
    gap = s - b
    out: dict[str, Any] = {"fallback": False, "best_heldout_k": None, "k_1se": None, "most_stable_k": None,
                           "k_cap": None}
    stable = np.ones(len(k), dtype=bool) if np.isnan(gap).all() else gap >= margin
    out["stable"] = stable
    if not stable.any():
        i = int(np.nanargmax(gap))  # first maximum: ties to the smaller K
        out.update(k=int(k[i]), fallback=True, fit_gate=none, capped=none, frontier=none,
                   score=np.full(len(k), np.nan))
        return out
    fit_gate = stable.copy()
    if not np.isnan(h[stable]).all():
        ib = int(np.nanargmax(np.where(stable, h, -np.inf)))
        close = stable & (h >= h[ib] - np.nan_to_num(np.asarray(heldout_se, dtype=float)[ib], nan=0.0))
        close[ib] = True
        out.update(best_heldout_k=int(k[ib]), k_1se=int(k[close].min()))
        fit_gate = stable & (k >= out["k_1se"])
    capped = fit_gate.copy()
    if stability_se is not None and not np.isnan(s[fit_gate]).all():
        ratio = s / b
        io = int(np.nanargmax(np.where(fit_gate, ratio, -np.inf)))
        tol = np.nan_to_num(np.asarray(stability_se, dtype=float)[io] / b[io], nan=0.0)
        close = fit_gate & (ratio >= ratio[io] - tol)
        close[io] = True
        out.update(most_stable_k=int(k[io]), k_cap=int(k[close].max()))
        capped = fit_gate & (k <= out["k_cap"])
    idx = np.flatnonzero(capped)
    front = np.zeros(len(k), dtype=bool)
    for i in idx:
        front[i] = not any(c[j] >= c[i] and x[j] >= x[i] and (c[j] > c[i] or x[j] > x[i]) for j in idx)
    score = _zscore(c, stable) + _zscore(x, stable)
    best = max(np.flatnonzero(front), key=lambda i: (score[i], -k[i]))
    out.update(k=int(k[best]), fit_gate=fit_gate, capped=capped, frontier=front, score=score)
    return out


# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------
#: ``fit(jobs, *, counts=None, rows=None)``: fit every ``(k, seed)`` job on the prepared matrix with its
#: counts replaced by ``counts`` (same shape) and/or only the units ``rows``; columns left empty are dropped.
FitFunction = Callable[..., list[TopicModel]]


@dataclasses.dataclass
class _Grid:
    """Fits and per-fit rows of the Ks scored so far."""

    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    per_k: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    models: list[TopicModel] = dataclasses.field(default_factory=list)


def _on_vocabulary(model: TopicModel, position: dict[str, int], n_terms: int) -> tuple[np.ndarray, np.ndarray]:
    """``(columns, topic_term)``: the fit's columns in the full vocabulary and its topics on it (0 elsewhere)."""
    cols = np.fromiter((position[t] for t in model.vocabulary), dtype=np.int64, count=len(model.vocabulary))
    full = np.zeros((model.k, n_terms))
    full[:, cols] = model.topic_term
    return cols, full


def _heldout_per_document(model: TopicModel, topic_term: np.ndarray, cols: np.ndarray, rows: np.ndarray | None,
                          split: HeldoutSplit) -> np.ndarray:
    """``(H,)`` held-out log likelihood per document of the split; NaN for documents the fit did not see.

    Held-out tokens of terms the fit did not see (a subsample can lack some) are not scored.
    """
    per = np.full(split.n_docs, np.nan)
    if rows is None:
        take, theta_rows = np.arange(split.n_docs), split.rows
    else:
        pos = np.minimum(np.searchsorted(rows, split.rows), len(rows) - 1)
        take = np.flatnonzero(rows[pos] == split.rows)
        theta_rows = pos[take]
    keep = np.zeros(split.missing.shape[1])
    keep[cols] = 1.0
    missing = (split.missing[take] @ sp.diags(keep)).tocsr()
    with np.errstate(invalid="ignore"):
        per[take] = eval_heldout(model.doc_topic, topic_term, theta_rows, missing)[2]
    return per


def _score(ks: Sequence[int], *, fit: FitFunction, split: HeldoutSplit, samples: list[np.ndarray], texts: Any,
           seeds: list[int], vocabulary: tuple[str, ...], config: TopicConfig, grid: _Grid) -> None:
    """Fit the reference and subsample fits of ``ks`` and add their metrics to ``grid``."""
    start = time.perf_counter()
    seed, top_n, measure = seeds[0], config.top_n, config.stability_measure
    fits = [fit([(k, seed) for k in ks], counts=split.train)]
    for r, rows in enumerate(samples, 1):
        fits.append(fit([(k, seed + r) for k in ks], counts=split.train, rows=rows))
    fitted = time.perf_counter()
    flat = [m for sample in fits for m in sample]
    scores = coherence([t for m in flat for t in m.top_terms(top_n)], texts=texts)
    at = np.cumsum([0] + [m.k for m in flat])
    flat = [dataclasses.replace(m, c_npmi=scores["c_npmi"][a:b], c_v=scores["c_v"][a:b])
            for m, a, b in zip(flat, at[:-1], at[1:])]
    scored = time.perf_counter()
    position = {t: j for j, t in enumerate(vocabulary)}
    n_terms = len(vocabulary)
    train = split.train.tocsr()
    for i, k in enumerate(ks):
        models = [flat[r * len(ks) + i] for r in range(len(fits))]
        on_vocab = [_on_vocabulary(m, position, n_terms) for m in models]
        ref = on_vocab[0][1]
        tops = [stats.top_term_indices(tt, top_n) for _, tt in on_vocab]
        per_topic = [_matched(tops[0], top, ref, tt, measure=measure) for top, (_, tt) in zip(tops[1:], on_vocab[1:])]
        agree = [float(a.mean()) for a in per_topic]
        reproducible = int((np.mean(per_topic, axis=0) >= config.stability_threshold).sum()) if agree else None
        if config.engine == "nmf":  # TF-IDF factors: the figure would not be a likelihood
            per_doc = np.full((len(models), split.n_docs), np.nan)
        else:
            per_doc = np.vstack([_heldout_per_document(m, tt, cols, None if r == 0 else samples[r - 1], split)
                                 for r, (m, (cols, tt)) in enumerate(zip(models, on_vocab))])
        pool = np.unique(np.concatenate([top.ravel() for top in tops]))
        if agree:
            base_mean, base_q95 = matched_null(pool, top_n=top_n, k=k, reps=config.baseline_draws,
                                               seed=[seed, k], measure=measure)
        else:
            base_mean = base_q95 = math.nan
        grid.per_k[k] = {"per_doc": per_doc, "pool": len(pool)}
        for r, (m, (cols, _)) in enumerate(zip(models, on_vocab)):
            rows = slice(None) if r == 0 else samples[r - 1]
            m = dataclasses.replace(m, params={**m.params, "sample": r})
            grid.models.append(m)
            grid.rows.append({
                "k": k, "seed": seed + r, "sample": r, "n_units": int(m.doc_topic.shape[0]),
                "heldout": _nanmean(per_doc[r]), "heldout_se": _nanse(per_doc[r]),
                "c_npmi": float(np.nanmean(m.c_npmi)), "c_v": float(np.nanmean(m.c_v)),
                "semantic_coherence": float(semantic_coherence(m.topic_term, train[rows][:, cols],
                                                               top_n=top_n).mean()),
                "exclusivity": float(exclusivity(m.topic_term, top_n=top_n).mean()),
                "stability": (float(np.mean(agree)) if agree else math.nan) if r == 0 else agree[r - 1],
                "baseline": base_q95, "baseline_mean": base_mean,
                "reproducible": reproducible if r == 0 else None,
            })
    logger.info("topics: K %s x %d fits: fitting %.1f s, coherence %.1f s, other metrics %.1f s",
                list(ks), len(fits), fitted - start, scored - fitted, time.perf_counter() - scored)


TABLE_COLUMNS = ["k", "seed", "sample", "n_units", "heldout", "heldout_se", "c_npmi", "c_v",
                 "semantic_coherence", "exclusivity", "stability", "baseline", "baseline_mean", "reproducible"]


def _nanmean(a: np.ndarray) -> float:
    return float(np.nanmean(a)) if np.isfinite(a).any() else math.nan


def _column_means(a: np.ndarray) -> np.ndarray:
    """Mean of each column's finite values (NaN where there is none)."""
    finite = np.isfinite(a)
    n = finite.sum(axis=0)
    return np.where(n > 0, np.where(finite, a, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)


def _nanse(a: np.ndarray) -> float:
    """Standard error of the mean of the finite values (NaN for fewer than two)."""
    a = a[np.isfinite(a)]
    return float(a.std(ddof=1) / np.sqrt(len(a))) if len(a) > 1 else math.nan


def _summarise(grid: _Grid, config: TopicConfig) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    table = pd.DataFrame(grid.rows, columns=TABLE_COLUMNS).sort_values(["k", "sample"], kind="stable")
    table = table.reset_index(drop=True)
    table["reproducible"] = table["reproducible"].astype("Int64")
    g = table.groupby("k", sort=True)
    ref = table[table["sample"] == 0].set_index("k")
    ks = np.array(sorted(grid.per_k))
    # Per held-out document, its mean over the fits that saw it; then over documents (stm's average).
    per_doc = [_column_means(grid.per_k[k]["per_doc"]) for k in ks]
    summary = pd.DataFrame({
        "k": ks,
        "heldout": [_nanmean(d) for d in per_doc],
        "heldout_se": [_nanse(d) for d in per_doc],
        "c_npmi": g["c_npmi"].mean().to_numpy(),
        "c_npmi_sd": g["c_npmi"].std(ddof=1).to_numpy(),
        "c_v": g["c_v"].mean().to_numpy(),
        "semantic_coherence": g["semantic_coherence"].mean().to_numpy(),
        "exclusivity": g["exclusivity"].mean().to_numpy(),
        "exclusivity_sd": g["exclusivity"].std(ddof=1).to_numpy(),
        "stability": ref["stability"].to_numpy(),
        "stability_sd": table[table["sample"] > 0].groupby("k")["stability"].std(ddof=1)
        .reindex(ks).to_numpy(),
        "baseline": ref["baseline"].to_numpy(),
    })
    summary["excess"] = summary["stability"] - summary["baseline"]
    summary["reproducible"] = ref["reproducible"].to_numpy()
    summary["stability_ratio"] = summary["stability"] / summary["baseline"]
    n_sub = max(1, config.n_subsamples)
    res = gated_frontier(ks, summary["heldout"], summary["heldout_se"], summary["c_npmi"], summary["exclusivity"],
                         summary["stability"], summary["baseline"], summary["stability_sd"] / np.sqrt(n_sub),
                         margin=config.stability_margin)
    summary["stable"] = res["stable"]
    summary["fit_gate"] = res["fit_gate"]
    summary["capped"] = res["capped"]
    summary["frontier"] = res["frontier"]
    summary["score"] = res["score"]
    return table, summary, res


def _span(ks: Sequence[int]) -> str:
    ks = [int(k) for k in ks]
    if not ks:
        return "none"
    if len(ks) <= 3:
        return ", ".join(map(str, ks))
    return f"{ks[0]}–{ks[-1]} ({len(ks)} Ks)"


def _reason(summary: pd.DataFrame, res: dict[str, Any], *, config: TopicConfig, extended: Sequence[int],
            fixed: bool) -> str:
    k = res["k"]
    row = summary.set_index("k").loc[k]
    ks = summary["k"].tolist()
    if res["fallback"]:
        text = (f"K={k}: no K is stable beyond chance (stability over {config.subsample_fraction:.0%} "
                f"subsamples exceeds the 95th percentile of random topics by less than {config.stability_margin:g} "
                f"everywhere); K={k} has the largest excess ({row['excess']:+.2f}): treat its topics with caution")
    else:
        stable = summary.loc[summary["stable"], "k"].tolist()
        parts = [f"K={k} chosen by the gated frontier among K = {_span(ks)}"]
        if not np.isnan(summary["stability"]).all():
            parts.append(f"stable beyond chance: K = {_span(stable)}")
        if res["k_1se"] is not None:
            parts.append(f"held-out likelihood best at K={res['best_heldout_k']} and within one standard error "
                         f"of it from K={res['k_1se']}")
        if res["k_cap"] is not None:
            parts.append(f"stability relative to chance best at K={res['most_stable_k']} and within one standard "
                         f"error of it up to K={res['k_cap']}")
        front = summary.loc[summary["frontier"], "k"].tolist()
        facts = [f"c_npmi {row['c_npmi']:.3f}", f"exclusivity {row['exclusivity']:.2f} of {config.top_n}"]
        if not np.isnan(row["heldout"]):
            facts.append(f"held-out {row['heldout']:.3f} nats/token")
        if not np.isnan(row["stability"]):
            facts.append(f"stability {row['stability']:.2f} vs {row['baseline']:.2f} by chance")
        parts.append(f"of the coherence–exclusivity frontier K = {_span(front)}, K={k} has the best balance "
                     f"({', '.join(facts)})")
        text = "; ".join(parts)
    if extended:
        text += (f". The automatic grid was extended once (K = {', '.join(map(str, extended))}) because the "
                 f"first choice was its largest K")
    if len(ks) > 1 and k in (ks[0], ks[-1]):
        side = "smallest" if k == ks[0] else "largest"
        text += f". Caution: K={k} is the {side} K searched"
        if not (side == "smallest" and k == 2):
            text += "; widen [topics] k_grid to look further"
    return text


def search_k(fit: FitFunction, *, counts: sp.spmatrix, vocabulary: tuple[str, ...], texts: Any,
             seeds: list[int], config: TopicConfig, k_grid: Sequence[int] | str | None = None) -> ModelSelection:
    """Fit every K of the grid, score it and choose K by :data:`K_RULE` (the body of ``select_k``).

    ``fit`` fits jobs on the prepared matrix (see :data:`FitFunction`);
    ``counts``/``vocabulary`` are that matrix. Per K: a reference fit (seed
    ``seeds[0]``) on every document of the held-out split's training matrix and
    ``config.n_subsamples`` fits (seeds ``seeds[0] + r``) on subsamples of it,
    subsample ``r`` drawn from ``default_rng([seeds[0], r])``; the split is drawn
    from ``default_rng(seeds[0])``. The chosen K is then fitted with every seed
    on the whole matrix (``ModelSelection.models``).
    """
    counts = sp.csr_matrix(counts)
    n, v = counts.shape
    if isinstance(k_grid, str):
        if k_grid != "auto":
            raise InputError(f'k_grid: must be "auto" or a list of Ks, got {k_grid!r}')
        k_grid = None
    fixed = k_grid is not None or config.k_grid != "auto"
    requested = k_grid if k_grid is not None else (config.k_grid if fixed else default_k_grid(n))
    grid = sorted({int(k) for k in requested})
    if not grid or grid[0] < 2:
        raise InputError(f"k_grid: needs Ks of at least 2, got {grid}")
    if config.k and config.k not in grid:
        grid = sorted([*grid, config.k])
    samples = [subsample_rows(n, config.subsample_fraction, [seeds[0], r])
               for r in range(1, config.n_subsamples + 1)]
    limit = min(min((len(s) for s in samples), default=n), v)
    skipped = [k for k in grid if k > limit]
    grid = [k for k in grid if k <= limit]
    if skipped:
        logger.warning("topics: skipping K=%s: only %d units (%d in a subsample) / %d terms", skipped, n, limit, v)
    if not grid or config.k in skipped:
        k = config.k if config.k in skipped else min(skipped)
        raise StepSkipped(f"a topic model with K={k} needs at least {k} units in each "
                          f"{config.subsample_fraction:.0%} subsample and {k} terms, but the matrix has {n} units "
                          f"and {v} terms; use a smaller K, fewer subsamples ([topics] n_subsamples) or paragraph units")
    split = make_heldout(counts, n_docs=int(np.floor(config.heldout_documents * n)),
                         proportion=config.heldout_proportion, seed=seeds[0])
    scored = _Grid()
    common = dict(fit=fit, split=split, samples=samples, texts=texts, seeds=seeds, vocabulary=vocabulary,
                  config=config, grid=scored)
    _score(grid, **common)
    table, summary, res = _summarise(scored, config)
    extended: list[int] = []
    if not fixed and res["k"] == grid[-1]:
        extended = [k for k in extend_k_grid(grid) if k <= limit]
        if extended:
            logger.info("topics: K=%d is the largest K of the grid; extending it once to %s", res["k"], extended)
            _score(extended, **common)
            grid = sorted([*grid, *extended])
            table, summary, res = _summarise(scored, config)
    rule_k = res["k"]
    reason = _reason(summary, res, config=config, extended=extended, fixed=fixed)
    chosen = rule_k
    if config.k:
        chosen = config.k
        reason = f"K={config.k} was set by the researcher (topics.k); the rule would have chosen K={rule_k}: {reason}"
    summary["chosen"] = summary["k"] == chosen
    final = fit([(chosen, s) for s in seeds])
    scores = coherence([t for m in final for t in m.top_terms(config.top_n)], texts=texts)
    final = [dataclasses.replace(m, c_npmi=scores["c_npmi"][i * chosen:(i + 1) * chosen],
                                 c_v=scores["c_v"][i * chosen:(i + 1) * chosen]) for i, m in enumerate(final)]
    return ModelSelection(
        table=table,
        summary=summary,
        chosen_k=int(chosen),
        rule_k=int(rule_k),
        reason=reason,
        params={
            "rule": K_RULE,
            "stability_margin": config.stability_margin,
            "stability_threshold": config.stability_threshold,
            "stability_measure": config.stability_measure,
            "seeds": seeds,
            "k_grid": grid,
            "k_grid_automatic": not fixed,
            "extended_k": extended,
            "skipped_k": skipped,
            "top_n": config.top_n,
            "heldout": {"seed": split.seed, "documents": split.n_docs, "tokens": split.n_tokens,
                        "dropped_tokens": split.n_dropped_tokens, "proportion": split.proportion},
            "subsamples": {"n": len(samples), "fraction": config.subsample_fraction,
                           "seeds": [[seeds[0], r] for r in range(1, len(samples) + 1)]},
            "baseline": {"draws": config.baseline_draws, "pool_terms": {int(k): int(scored.per_k[k]["pool"])
                                                                        for k in grid}},
            "config": final[0].params["config"],
        },
        models=tuple(final),
        grid_models=tuple(scored.models),
    )
