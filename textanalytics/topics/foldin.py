"""Topic proportions of documents a model was not fitted on, with its topics held fixed ("folding in").

When the topics are fitted on a sample of the units (the Spark backend's ``[spark] topic_sample``),
every unit's proportions come from one estimator, applied alike to the units in the sample and to
the rest: the topics ``φ`` fixed, each token of a unit is assigned to topics by the zero-order
collapsed variational update (CVB0; Asuncion, Welling, Smyth & Teh 2009), the update of
:mod:`textanalytics.topics.kept_tokens` with the topic-term side fixed::

    γ_dwk ∝ φ_kw · (n_dk − γ_dwk + α_k)

where ``γ_dwk`` is the probability that a token of term ``w`` in unit ``d`` belongs to topic ``k``
and ``n_dk = Σ_w n_dw γ_dwk`` the unit's expected topic counts, each count leaving out the token
being assigned. The proportions are the posterior mean a Gibbs sampler estimates,
``θ_dk = (n_dk + α_k) / (n_d + Σ_k α_k)`` (tomotopy's ``get_topic_dist``), without its sampling
noise.

A unit's result depends on that unit's counts alone: each unit iterates until its own proportions
change by less than ``tol`` (or ``max_iter``), whatever other units share its block or partition,
so the same matrix gives the same arrays however it is cut (tested). A term absent from the sample
keeps the prior mass the engine gives an unseen term (tomotopy: what it gives a seen term with no
count in the topic; the variational engines smooth by eta). A term to which the topics give no
weight at all tells nothing about them: its tokens are assigned in proportion to the unit's other
topics.

>>> import numpy as np, scipy.sparse as sp
>>> phi = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]])
>>> fold_in(sp.csr_matrix(np.array([[4, 4, 0, 0], [0, 1, 3, 4]])), phi, alpha=[0.5, 0.5]).round(3).tolist()
[[0.944, 0.056], [0.167, 0.833]]
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InputError

__all__ = ["fold_in", "document_prior", "FOLD_IN"]

#: What the fold-in is, as recorded in a model's parameters.
FOLD_IN = "CVB0 with the topics fixed (textanalytics.topics.foldin)"

_TINY = 1e-300


def document_prior(info: dict, k: int) -> np.ndarray:
    """The document-topic prior a fit used (its fitted alpha when it learned one), as ``K`` numbers."""
    alpha = info.get("alpha_fitted", info.get("alpha"))
    if alpha is None or isinstance(alpha, str):
        alpha = 1.0 / k
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    if a.size not in (1, k):
        raise InputError(f"the fit's alpha has {a.size} values for {k} topics; refit the model")
    return np.broadcast_to(a, (k,)).copy()


def fold_in(counts: sp.spmatrix, topic_term: np.ndarray, *, alpha: float | Sequence[float], max_iter: int = 200,
            tol: float = 1e-6, block: int = 2_000) -> np.ndarray:
    """Each row's topic proportions ``(n, K)`` under the fixed topics ``topic_term`` ``(K, V)``.

    ``counts``: ``(n, V)`` term counts, columns as ``topic_term``'s; ``alpha``: the document-topic
    prior, a number or one per topic (the fitted model's); ``max_iter``, ``tol``: sweeps at most per
    unit, and the largest change of its proportions that ends them; ``block``: units processed at
    once (memory only; the result does not depend on it). Rows sum to 1; a row without tokens gets
    ``alpha`` normalised. Deterministic.
    """
    x = sp.csr_matrix(counts, dtype=np.float64)
    phi = np.asarray(topic_term, dtype=np.float64)
    if phi.ndim != 2 or x.shape[1] != phi.shape[1]:
        raise InputError(f"fold_in: counts have {x.shape[1]} columns but topic_term has {phi.shape[-1]} terms")
    k = phi.shape[0]
    a = np.atleast_1d(np.asarray(alpha, dtype=np.float64))
    if a.size not in (1, k):
        raise InputError(f"fold_in: alpha has {a.size} values for {k} topics; give one number or one per topic")
    a = np.broadcast_to(a, (k,)).copy()
    if not (a > 0).all():
        raise InputError("fold_in: alpha must be positive")
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise InputError(f"fold_in: block must be a positive integer, got {block!r}")
    phi = phi.copy()
    phi[:, phi.sum(axis=0) <= 0] = 1.0  # a term no topic uses: assigned by the unit's topics alone
    out = np.empty((x.shape[0], k))
    for start in range(0, x.shape[0], max(1, int(block))):
        out[start:start + block] = _fold_block(x[start:start + block], phi, a, max_iter=max_iter, tol=tol)
    return out


def _fold_block(x: sp.csr_matrix, phi: np.ndarray, alpha: np.ndarray, *, max_iter: int, tol: float) -> np.ndarray:
    x = x.copy()
    x.sum_duplicates()
    x.eliminate_zeros()
    n, k = x.shape[0], phi.shape[0]
    out = np.empty((n, k))
    units = np.arange(n)                                     # the original row of each working row
    rows = np.repeat(np.arange(n), np.diff(x.indptr))        # each cell's working row
    cts = x.data
    n_d = np.bincount(rows, weights=cts, minlength=n)
    weights = phi[:, x.indices].T                            # (cells, K)
    gamma = weights * alpha
    gamma /= np.maximum(gamma.sum(axis=1, keepdims=True), _TINY)
    done = np.zeros(n, dtype=bool)                           # working rows whose result is written
    prev = None
    for sweep in range(int(max_iter) + 1):
        # Sums a row's own cells, in order: a row's numbers never depend on the other working rows.
        by_unit = sp.csr_matrix((cts, (rows, np.arange(len(rows)))), shape=(len(units), len(rows)))
        unit_topic = by_unit @ gamma                         # n_dk
        now = (unit_topic + alpha) / (n_d + alpha.sum())[:, None]
        finished = ~done & ((np.abs(now - prev).max(axis=1) < tol) if prev is not None else False)
        if sweep == int(max_iter):
            finished = ~done
        out[units[finished]] = now[finished]
        done |= finished
        if done.all():
            break
        if done.mean() > 0.25:                               # drop the finished rows from the working set
            keep = ~done
            cells = keep[rows]
            rows = (np.cumsum(keep) - 1)[rows[cells]]
            units, n_d, now, unit_topic = units[keep], n_d[keep], now[keep], unit_topic[keep]
            cts, weights, gamma = cts[cells], weights[cells], gamma[cells]
            done = np.zeros(len(units), dtype=bool)
        prev = now
        new = weights * (unit_topic[rows] - gamma + alpha).clip(min=0.0)
        gamma = new / np.maximum(new.sum(axis=1, keepdims=True), _TINY)
    return out / out.sum(axis=1, keepdims=True)
