"""Held-out likelihood by document completion, as in stm's ``searchK`` (``make.heldout``, ``eval.heldout``).

A share of the documents (10 % by default) lose a share of their tokens (half,
rounded down) to a held-out set. Every model is fitted on the rest: the
documents stay in the training matrix with the tokens they kept, so their
topic distribution comes from the fit itself and no engine needs an inference
step. The score is the mean log probability of the held-out tokens under the
fit's plug-in estimates, ``log Σ_k θ_dk φ_kw`` (nats per token), averaged over
a document's held-out tokens and then, unweighted, over documents (stm's
``expected.heldout``); the token-pooled mean is reported beside it.

One split serves every K and every seed (:func:`make_heldout` is deterministic
in its seed), so differences between Ks are not differences between splits.
Terms that no longer occur in the training matrix are dropped with their
held-out tokens, as stm does (:attr:`HeldoutSplit.n_dropped_tokens` counts
them). For NMF (TF-IDF weights) the figure is computable but is not a
likelihood: :func:`~textanalytics.topics.select_k` reports it as NaN.

Never use an engine's own "perplexity" (gensim ``log_perplexity``, scikit-learn
``perplexity``/``score``, tomotopy ``ll_per_word``) to choose K: they are
variational bounds or joint likelihoods of the training words, whose prior
terms grow with K (gensim issues #701, #951, #2623; tomotopy issue #111).

Example
-------
>>> import numpy as np, scipy.sparse as sp
>>> counts = sp.csr_matrix(np.array([[3, 1, 0, 2], [0, 2, 2, 0], [1, 0, 4, 1]] * 4))
>>> split = make_heldout(counts, seed=1)
>>> split.n_docs, int(split.train.sum() + split.missing.sum()) == int(counts.sum())
(1, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..errors import InputError

__all__ = ["HeldoutSplit", "make_heldout", "eval_heldout"]


@dataclass(frozen=True, eq=False)
class HeldoutSplit:
    """One document-completion split of a count matrix.

    Attributes
    ----------
    train:
        ``(n, V)`` CSR counts to fit on: the matrix minus the held-out tokens
        (a column can be left empty: drop it before fitting).
    columns:
        Indices of the columns ``train`` still uses.
    rows:
        ``(H,)`` row indices of the documents with held-out tokens scored.
    missing:
        ``(H, V)`` CSR counts of their held-out tokens, none in a column ``train`` no longer uses.
    n_dropped_tokens:
        Held-out tokens of terms that no longer occur in ``train`` (not scored).
    seed, proportion:
        How the split was drawn.
    """

    train: sp.csr_matrix
    columns: np.ndarray
    rows: np.ndarray
    missing: sp.csr_matrix
    n_dropped_tokens: int
    seed: int
    proportion: float

    @property
    def n_docs(self) -> int:
        """Documents with held-out tokens."""
        return int(len(self.rows))

    @property
    def n_tokens(self) -> int:
        """Held-out tokens scored."""
        return int(round(self.missing.sum()))


def make_heldout(counts: sp.spmatrix, *, n_docs: int | None = None, proportion: float = 0.5,
                 seed: int = 0) -> HeldoutSplit:
    """Hold out ``proportion`` of the tokens of ``n_docs`` documents (stm ``make.heldout``).

    ``n_docs`` defaults to ``floor(0.1 · n)``; the documents are drawn without
    replacement, then each one's tokens (expanded from its counts, in column
    order) without replacement: ``max(1, floor(proportion · L))`` of its ``L``
    tokens. Documents with fewer than two distinct terms are skipped, as in stm.
    Everything is drawn from ``numpy.random.default_rng(seed)`` (not R's
    generator, so the documents differ from stm's for the same seed).
    """
    if not 0.0 < proportion < 1.0:
        raise InputError(f"proportion: must be strictly between 0 and 1, got {proportion!r}")
    counts = sp.csr_matrix(counts, dtype=np.float64)
    counts.sort_indices()
    n, v = counts.shape
    n_docs = int(np.floor(0.1 * n)) if n_docs is None else int(n_docs)
    if not 0 <= n_docs <= n:
        raise InputError(f"n_docs: must be between 0 and the number of documents ({n}), got {n_docs}")
    rng = np.random.default_rng(seed)
    chosen = np.sort(rng.choice(n, n_docs, replace=False))
    held_rows, held_cols, held_vals = [], [], []
    for i in chosen:
        start, end = counts.indptr[i], counts.indptr[i + 1]
        ids, cts = counts.indices[start:end], np.rint(counts.data[start:end]).astype(np.int64)
        if len(ids) < 2:
            continue
        tokens = np.repeat(ids, cts)
        n_out = max(1, int(np.floor(proportion * len(tokens))))
        out = np.zeros(len(tokens), dtype=bool)
        out[rng.choice(len(tokens), n_out, replace=False)] = True
        words, held = np.unique(tokens[out], return_counts=True)
        held_rows.extend([i] * len(words))
        held_cols.extend(words.tolist())
        held_vals.extend(held.tolist())
    missing = sp.csr_matrix((np.asarray(held_vals, dtype=np.float64), (held_rows, held_cols)), shape=(n, v))
    train = (counts - missing).tocsr()
    train.eliminate_zeros()
    columns = np.flatnonzero(np.asarray(train.sum(axis=0)).ravel() > 0)
    keep = np.zeros(v)
    keep[columns] = 1.0
    kept = (missing @ sp.diags(keep)).tocsr()
    kept.eliminate_zeros()
    dropped = int(round(missing.sum() - kept.sum()))
    rows = np.flatnonzero(np.asarray(kept.sum(axis=1)).ravel() > 0)
    train.sort_indices()
    missing = kept[rows].tocsr()
    missing.sort_indices()
    return HeldoutSplit(train=train, columns=columns, rows=rows, missing=missing, n_dropped_tokens=dropped,
                        seed=int(seed), proportion=float(proportion))


def eval_heldout(doc_topic: np.ndarray, topic_term: np.ndarray, rows: np.ndarray,
                 missing: sp.spmatrix) -> tuple[float, float, np.ndarray]:
    """Document-completion log likelihood of held-out tokens (stm ``eval.heldout``).

    ``doc_topic`` ``(n, K)`` and ``topic_term`` ``(K, V)`` come from a fit on the
    training matrix; ``rows``/``missing`` are a :class:`HeldoutSplit`'s (or any
    ``(H, V)`` counts of held-out tokens of the documents ``rows``). Returns
    ``(expected, pooled, per_document)``: ``per_document[h]`` is the mean of
    ``log Σ_k θ_dk φ_kw`` over document ``rows[h]``'s held-out tokens,
    ``expected`` their unweighted mean over documents (stm's
    ``expected.heldout``), ``pooled`` the mean over all held-out tokens
    (``exp(−pooled)`` is the held-out perplexity). A token whose probability is
    0 (a term the fit gives no weight) scores ``−inf``.
    """
    missing = sp.csr_matrix(missing)
    rows = np.asarray(rows, dtype=np.int64)
    if missing.shape[0] != len(rows):
        raise InputError(f"missing: expected one row per held-out document ({len(rows)}), got {missing.shape[0]}")
    theta = np.asarray(doc_topic, dtype=np.float64)[rows]
    phi = np.asarray(topic_term, dtype=np.float64)
    r, c = missing.nonzero()
    cts = np.asarray(missing[r, c]).ravel()
    with np.errstate(divide="ignore"):
        logp = np.log(np.einsum("ik,ki->i", theta[r], phi[:, c]))
    per_token_sum = np.bincount(r, weights=cts * logp, minlength=len(rows))
    n_tokens = np.bincount(r, weights=cts, minlength=len(rows))
    with np.errstate(invalid="ignore", divide="ignore"):
        per_doc = per_token_sum / n_tokens
    if not len(per_doc):
        return float("nan"), float("nan"), per_doc
    return float(np.nanmean(per_doc)), float(per_token_sum.sum() / n_tokens.sum()), per_doc
