"""The rule that chooses K from the search's figures (:func:`gated_frontier`, :data:`K_RULE`),
and the automatic K grid (:func:`default_k_grid`, :func:`extend_k_grid`).

Light (numpy only): the fit cache reads :data:`SEARCH_SETTINGS` from here.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

__all__ = ["K_RULE", "K_LADDER", "SEARCH_SETTINGS", "default_k_grid", "extend_k_grid", "gated_frontier",
           "balance_scores"]

#: The documented rule :func:`~textanalytics.topics.select_k` applies (:func:`gated_frontier`).
K_RULE = (
    "Gated frontier. (1) Stability gate: keep the Ks whose stability over subsamples exceeds the 95th "
    "percentile of the agreement of random topics (same K, same terms) by at least stability_margin; if none "
    "does, choose the K with the largest excess and say so. (2) Fit gate, a lower bound (one-standard-error "
    "rule): among them, let K* have the best held-out likelihood; drop the Ks below the smallest K whose "
    "held-out likelihood is within one standard error of K*'s. (3) Stability cap, an upper bound: among the "
    "Ks left, let K° be the one most stable relative to chance (stability / baseline); drop the Ks above K°. (4) Frontier: among the Ks left, keep those no "
    "other K beats on both mean c_npmi and mean exclusivity, and choose the one with the largest sum of the "
    "two standardised over the Ks of step 1 (ties to the smaller K). A choice at the largest K of an "
    "automatic grid extends the grid once; a choice at an edge of the final grid is flagged."
)

#: TopicConfig fields that change how K is searched, never a fit (left out of the fit cache's key).
SEARCH_SETTINGS = ("k", "k_grid", "search_iterations", "n_subsamples", "subsample_fraction", "heldout_documents", "heldout_proportion",
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
# The rule
# ---------------------------------------------------------------------------------------------
def _zscore(values: np.ndarray, among: np.ndarray, at: Any = None) -> np.ndarray:
    """``values`` (or the values ``at``) standardised by the mean and SD of ``values[among]``."""
    sub = values[among]
    sd = sub.std()
    x = values if at is None else np.asarray(at, dtype=float)
    return (x - sub.mean()) / (sd if sd > 0 else 1.0)


def balance_scores(coherence: Sequence[float], exclusivity: Sequence[float], stable: Sequence[bool], *,
                   fit_coherence: Sequence[float], fit_exclusivity: Sequence[float]) -> np.ndarray:
    """The frontier's balance (step 4 of :data:`K_RULE`) of single fits: each fit's coherence and
    exclusivity standardised by the per-K means' mean and SD over the ``stable`` Ks, as the rule
    standardises the means, and summed. Their spread within a K tells how firmly the data
    separate one K's balance from another's.

    >>> balance_scores([0.0, 0.1], [8.0, 9.0], [True, True], fit_coherence=[0.1], fit_exclusivity=[8.0]).tolist()
    [0.0]
    """
    c, x = np.asarray(coherence, dtype=float), np.asarray(exclusivity, dtype=float)
    st = np.asarray(stable, dtype=bool)
    return _zscore(c, st, fit_coherence) + _zscore(x, st, fit_exclusivity)


def gated_frontier(k: Sequence[int], heldout: Sequence[float], heldout_se: Sequence[float],
                   coherence: Sequence[float], exclusivity: Sequence[float], stability: Sequence[float],
                   baseline: Sequence[float], stability_se: Sequence[float] | None = None, *,
                   margin: float = 0.10, cap_tolerance: float = 0.0) -> dict[str, Any]:
    """The K rule (:data:`K_RULE`) on per-K means; every argument is aligned on ``k`` (sorted).

    1. *Stability gate*: ``stability − baseline ≥ margin``. If no K passes,
       the K with the largest excess is returned with ``fallback = True``.
    2. *Fit gate* (one-standard-error rule, a lower bound): among the stable
       Ks let K* have the best held-out likelihood; keep the Ks from the
       smallest stable K whose held-out likelihood is within ``heldout_se[K*]``
       of K*'s. Skipped when every held-out likelihood is NaN (NMF).
    3. *Stability cap* (an upper bound): among the Ks left, let K° be the one
       whose stability is the largest multiple of its baseline; keep the Ks up
       to the largest one whose ratio is within ``cap_tolerance`` standard
       errors (``stability_se / baseline``) of K°'s: by default K° itself.
       A tolerance of one standard error (the rule before 2026-12) let the
       cap drift upwards: on planted corpora it chose 1-3 topics too many
       (true K = 15: 16, 18, 18, 16, 16; ``benchmarks/validate_topics.py``).
       Skipped when ``stability_se`` is None (the research memo's rule).
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
        tol = cap_tolerance * np.nan_to_num(np.asarray(stability_se, dtype=float)[io] / b[io], nan=0.0)
        close = fit_gate & (ratio >= ratio[io] - tol)
        close[io] = True
        out.update(most_stable_k=int(k[io]), k_cap=int(k[close].max()))
        capped = fit_gate & (k <= out["k_cap"])
    idx = np.flatnonzero(capped)
    front = np.zeros(len(k), dtype=bool)
    for i in idx:
        front[i] = not any(c[j] >= c[i] and x[j] >= x[i] and (c[j] > c[i] or x[j] > x[i]) for j in idx)
    score = balance_scores(c, x, stable, fit_coherence=c, fit_exclusivity=x)
    best = max(np.flatnonzero(front), key=lambda i: (score[i], -k[i]))
    out.update(k=int(k[best]), fit_gate=fit_gate, capped=capped, frontier=front, score=score)
    return out
