"""Topic proportions over every kept token, not only the terms the model was fitted on.

A topic model is fitted on a pruned vocabulary (``[vocabulary] min_df``,
``max_df``, ``max_features``; ``[topics]`` pruning), but a researcher reads a
topic share as "the share of this group's words about topic k": words after
stopwords and lemmas (``units.n_tokens``), whether or not pruning kept them for
the fit. When pruning removes words of some topics more than of others (a
frequent word of a topic lives in most units, so ``max_df`` removes it), shares
over the modelled tokens alone shrink the topic, and with it every difference
in its share between groups.

The estimand here: for each unit, the expected share of **all its kept tokens**
assigned to each topic under the fitted model, extended to the pruned terms.
The fit's topics are held fixed on the modelled terms and the engine's topic
proportions of each unit give the topic counts of its modelled tokens
(``n_modelled · θ``). Each topic then gets a share ``π_k`` of its probability
on the pruned terms, distributed as ``ρ_k``; these, and the unit's topic
proportions over all its tokens, are estimated by EM:

* E-step: a pruned token of term ``w`` in unit ``d`` belongs to topic ``k``
  with probability ``∝ θ*_dk ρ_kw``;
* M-step: ``θ*_d`` = (modelled topic counts + pruned-token responsibilities) /
  kept tokens; ``ρ_kw`` = pruned count of ``w`` in topic ``k`` over all tokens
  of topic ``k``.

It starts from the engine's ``θ`` (pruned terms spread in proportion to the
units they occur in) and stops when no unit's proportions move by more than
``tol``. A pruned term used alike by every topic is shared out in proportion to
the unit's topics (it moves nothing); one concentrated in the units of a topic
goes to that topic. With no pruned token the result is the engine's ``θ``.
This is one view of the fitted model, as the topic proportions are, and it is
computed for every fit, so share intervals include its seed variation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["kept_token_proportions"]

_TINY = 1e-300


def kept_token_proportions(doc_topic: np.ndarray, n_modelled: np.ndarray, pruned: sp.csr_matrix | None, *,
                           max_iter: int = 100, tol: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
    """Each unit's topic proportions over all its kept tokens, and its number of kept tokens.

    Parameters
    ----------
    doc_topic:
        ``(n, K)`` the engine's topic proportions over the modelled tokens.
    n_modelled:
        ``(n,)`` modelled tokens per unit.
    pruned:
        ``(n, V_pruned)`` counts of the terms pruned before fitting (same rows),
        or None.

    Returns
    -------
    ``(proportions (n, K), kept (n,))`` with ``kept = n_modelled + pruned row
    sums``. Rows of ``proportions`` sum to 1. Deterministic (no random draws).

    Term 0 (pruned) comes with topic 0, term 1 with neither:

    >>> theta = np.array([[0.8, 0.2], [0.5, 0.5], [0.2, 0.8]])
    >>> pruned = sp.csr_matrix(np.array([[6.0, 1.0], [3.0, 1.0], [0.0, 1.0]]))
    >>> p, kept = kept_token_proportions(theta, np.array([10.0, 10.0, 10.0]), pruned)
    >>> p.round(3).tolist(), kept.tolist()
    ([[0.869, 0.131], [0.603, 0.397], [0.192, 0.808]], [17.0, 14.0, 11.0])
    """
    theta = np.asarray(doc_topic, dtype=np.float64)
    n_mod = np.asarray(n_modelled, dtype=np.float64)
    if pruned is None or pruned.nnz == 0:
        return theta.copy(), n_mod.copy()
    x = sp.csr_matrix(pruned, dtype=np.float64)
    x.sum_duplicates()
    n_pruned = np.asarray(x.sum(axis=1)).ravel()
    kept = n_mod + n_pruned
    modelled = n_mod[:, None] * theta                     # (n, K) topic counts of the modelled tokens
    topic_modelled = modelled.sum(axis=0)                  # (K,)
    n, k = theta.shape
    nnz = x.nnz
    rows = np.repeat(np.arange(n), np.diff(x.indptr))
    cols, cts = x.indices, x.data
    # Sums of per-nonzero rows by unit and by term, as sparse products.
    by_unit = sp.csr_matrix((np.ones(nnz), (rows, np.arange(nnz))), shape=(n, nnz))
    by_term = sp.csr_matrix((np.ones(nnz), (cols, np.arange(nnz))), shape=(x.shape[1], nnz))
    # Start: the unit's proportions over its modelled tokens (uniform for a unit with none), and
    # pruned tokens shared out in those proportions (no term information yet).
    prop = np.where(n_mod[:, None] > 0, theta, 1.0 / k)
    weighted = prop[rows] * cts[:, None]
    for _ in range(max_iter):
        # M-step for the topics' pruned-term probabilities (over all their tokens).
        pruned_topic_term = np.asarray(by_term @ weighted).T          # (K, V_pruned)
        rho = pruned_topic_term / np.maximum(topic_modelled + pruned_topic_term.sum(axis=1), _TINY)[:, None]
        # E-step: responsibilities of the pruned tokens.
        resp = prop[rows] * rho[:, cols].T
        resp /= np.maximum(resp.sum(axis=1, keepdims=True), _TINY)
        weighted = resp * cts[:, None]                                 # (nnz, K)
        # M-step for the units: modelled topic counts plus the pruned tokens' responsibilities.
        new = (modelled + np.asarray(by_unit @ weighted)) / np.maximum(kept, _TINY)[:, None]
        change = float(np.abs(new - prop).max())
        prop = new
        if change < tol:
            break
    return prop, kept
