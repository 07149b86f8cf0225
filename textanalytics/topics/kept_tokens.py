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
The fitted topics are held fixed on the modelled terms, and the engine's topic
proportions of each unit give the topic counts of its modelled tokens
(``M_dk = n_modelled · θ_dk``). The pruned tokens are then assigned to topics
as LDA would assign them, by the zero-order collapsed variational update
(CVB0; Asuncion, Welling, Smyth & Teh 2009) with those counts fixed::

    γ_dwk ∝ (n_dk − γ_dwk) · (n_kw − γ_dwk + β) / (n_k − γ_dwk + V_p β)

where ``γ_dwk`` is the probability that a token of pruned term ``w`` in unit
``d`` belongs to topic ``k``, ``n_dk`` the unit's topic counts (modelled +
pruned), ``n_kw`` the pruned term's count in topic ``k``, ``n_k`` all tokens of
topic ``k``, ``V_p`` the number of pruned terms and ``β`` the topic-term prior
(``[topics] eta``). Each count leaves out the token being assigned, so a term
seen in a single unit follows that unit's topics instead of reinforcing its
largest one. A pruned term used alike by every topic is shared out in
proportion to the unit's topics (it moves nothing); one concentrated in the
units of a topic goes to that topic. The unit's proportions over its kept
tokens are ``n_dk / n_d``. With no pruned token they are the engine's ``θ``.

This is one view of each fitted model, as its topic proportions are; it is
computed for every seed's fit, so share intervals include its seed variation.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

__all__ = ["kept_token_proportions"]

_TINY = 1e-300


def kept_token_proportions(doc_topic: np.ndarray, n_modelled: np.ndarray, pruned: sp.csr_matrix | None, *,
                           eta: float = 0.01, max_iter: int = 100,
                           tol: float = 1e-5) -> tuple[np.ndarray, np.ndarray]:
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
    eta:
        β, the topic-term prior of the pruned terms.
    max_iter, tol:
        CVB0 sweeps at most, and the largest change of a unit's proportions that ends them.

    Returns
    -------
    ``(proportions (n, K), kept (n,))`` with ``kept = n_modelled + pruned row
    sums``. Rows of ``proportions`` sum to 1. Deterministic (no random draws).

    Term 0 (pruned) comes with topic 0, term 1 with neither:

    >>> theta = np.array([[0.8, 0.2], [0.5, 0.5], [0.2, 0.8]])
    >>> pruned = sp.csr_matrix(np.array([[6.0, 1.0], [3.0, 1.0], [0.0, 1.0]]))
    >>> p, kept = kept_token_proportions(theta, np.array([10.0, 10.0, 10.0]), pruned)
    >>> p.round(3).tolist(), kept.tolist()
    ([[0.862, 0.138], [0.6, 0.4], [0.196, 0.804]], [17.0, 14.0, 11.0])
    """
    theta = np.asarray(doc_topic, dtype=np.float64)
    n_mod = np.asarray(n_modelled, dtype=np.float64)
    if pruned is None or pruned.nnz == 0:
        return theta.copy(), n_mod.copy()
    x = sp.csr_matrix(pruned, dtype=np.float64)
    x.sum_duplicates()
    x.eliminate_zeros()
    n, k = theta.shape
    v_pruned = x.shape[1]
    kept = n_mod + np.asarray(x.sum(axis=1)).ravel()
    rows = np.repeat(np.arange(n), np.diff(x.indptr))
    cols, cts = x.indices, x.data
    # Sums over the nonzero cells by unit and by term, as sparse products.
    by_unit = sp.csr_matrix((cts, (rows, np.arange(x.nnz))), shape=(n, x.nnz))
    by_term = sp.csr_matrix((cts, (cols, np.arange(x.nnz))), shape=(v_pruned, x.nnz))
    modelled = n_mod[:, None] * theta                   # (n, K) topic counts of the modelled tokens
    topic_modelled = modelled.sum(axis=0)
    # Start: pruned tokens in the proportions of the unit's modelled tokens (uniform for a unit with none).
    gamma = np.where(n_mod[:, None] > 0, theta, 1.0 / k)[rows]   # (nnz, K), one row per cell
    prop = None
    for _ in range(max_iter):
        unit_topic = modelled + by_unit @ gamma                        # n_dk
        term_topic = by_term @ gamma                                   # (V_p, K) n_kw
        topic_total = topic_modelled + term_topic.sum(axis=0)          # n_k
        # Every count without the token being assigned (one token of the cell).
        new = ((unit_topic[rows] - gamma).clip(min=0.0) * (term_topic[cols] - gamma + eta).clip(min=0.0)
               / (topic_total[None, :] - gamma + v_pruned * eta))
        gamma = new / np.maximum(new.sum(axis=1, keepdims=True), _TINY)
        now = (modelled + by_unit @ gamma) / np.maximum(kept, _TINY)[:, None]
        change = np.inf if prop is None else float(np.abs(now - prop).max())
        prop = now
        if change < tol:
            break
    return prop, kept
