"""The gensim engines: ``"vb"`` (gensim's ``LdaModel`` with a vectorised E-step and the
package's alpha step) and ``"gensim"`` (``LdaModel`` untouched, same settings).

What each does and how they differ: :mod:`.engines`, which dispatches to them.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..features import BowCorpus
from .config import TopicConfig

EngineResult = tuple[np.ndarray, np.ndarray, dict[str, Any]]

__all__ = ["EngineResult", "normalise_rows", "vectorised_lda_class", "fit_vb", "fit_gensim"]


def normalise_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    sums = a.sum(axis=1, keepdims=True)
    out = np.divide(a, sums, out=np.full_like(a, 1.0 / a.shape[1]), where=sums > 0)
    return out


#: Documents left iterating at which the vectorised E-step hands over to a per-document loop.
_TAIL = 8


@functools.cache
def vectorised_lda_class() -> type:
    """The ``"vb"`` engine: gensim's ``LdaModel`` with the E-step vectorised over the documents of a chunk.

    Initialisation, the random draws, the M-step and the eta update are
    gensim's. :meth:`inference` applies gensim's update equations and stopping
    rule to all documents of a chunk at once, with sparse matrix products
    instead of one Python loop per document: each document iterates until its
    mean absolute change in gamma falls below ``gamma_threshold`` or
    ``iterations`` is reached, exactly as in ``LdaModel.inference``.
    :meth:`update_alpha` is gensim's Newton step, halved when a full step would
    make alpha non-positive (gensim then skips the update and logs a warning,
    which happens with batch learning). Wherever gensim does not skip that step,
    results agree with gensim's to floating-point rounding
    (tests/test_topics_engines.py); the E-step is about 7x faster on short
    paragraphs (the seeds) and 2x on news articles.
    """
    # gensim is imported on first fit: it takes about a second to import and NMF runs without it.
    from gensim.models import LdaModel
    from scipy.special import polygamma, psi  # deferred: scipy

    def dirichlet_expectation(gamma: np.ndarray) -> np.ndarray:
        return psi(gamma) - psi(gamma.sum(axis=1, keepdims=True))

    class VectorisedLdaModel(LdaModel):
        # Set before training: the chunk items are row numbers of this matrix.
        matrix: sp.csr_matrix | None = None

        def _chunk_matrix(self, chunk: Any) -> sp.csr_matrix:
            chunk = list(chunk)
            rows = np.asarray(chunk) if chunk and not isinstance(chunk[0], (list, tuple)) else None
            if self.matrix is not None and rows is not None and rows.dtype.kind in "iu":
                return self.matrix[rows]
            # Plain gensim bag-of-words documents.
            indptr = np.cumsum([0] + [len(doc) for doc in chunk])
            ids = np.fromiter((int(i) for doc in chunk for i, _ in doc), dtype=np.int64, count=indptr[-1])
            cts = np.fromiter((c for doc in chunk for _, c in doc), dtype=np.float64, count=indptr[-1])
            return sp.csr_matrix((cts, ids, indptr), shape=(len(chunk), self.num_terms))

        def update_alpha(self, gammat: np.ndarray, rho: float) -> np.ndarray:
            """gensim's Newton step for alpha, halved until alpha stays positive.

            gensim skips the whole step (and logs a warning) when it would make
            alpha non-positive, which happens with batch learning (step 1).
            """
            n = float(len(gammat))
            logphat = dirichlet_expectation(np.asarray(gammat, dtype=np.float64)).sum(axis=0) / n
            prior = np.asarray(self.alpha, dtype=np.float64)
            gradf = n * (psi(prior.sum()) - psi(prior) + logphat)
            c = n * polygamma(1, prior.sum())
            q = -n * polygamma(1, prior)
            b = np.sum(gradf / q) / (1.0 / c + np.sum(1.0 / q))
            step = -(gradf - b) / q
            for _ in range(30):
                updated = prior + rho * step
                if np.all(updated > 0):
                    self.alpha = updated.astype(self.dtype)
                    break
                rho /= 2.0
            return self.alpha

        def _finish(self, g: np.ndarray, t: np.ndarray, phinorm: np.ndarray, cts: np.ndarray,
                    beta: np.ndarray, alpha: np.ndarray, eps: float,
                    iterations: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            """gensim's per-document loop, continued from the current state of one document."""
            for _ in range(iterations):
                last = g
                g = alpha + t * ((cts / phinorm) @ beta)
                t = np.exp(psi(g) - psi(g.sum()))
                phinorm = beta @ t + eps
                # Mean absolute change below the threshold (sum: cheaper than .mean()).
                if np.abs(g - last).sum() < self.gamma_threshold * len(g):
                    break
            return g, t, phinorm

        def inference(self, chunk: Any, collect_sstats: bool = False) -> tuple[np.ndarray, Any]:
            x = self._chunk_matrix(chunk)
            n, k = x.shape[0], self.num_topics
            dtype = self.dtype
            # Same draw as LdaModel.inference, so the random stream is gensim's.
            gamma = self.random_state.gamma(100.0, 1.0 / 100.0, (n, k)).astype(dtype, copy=False)
            exp_elog_theta = np.exp(dirichlet_expectation(gamma))
            eps = np.finfo(dtype).eps
            alpha = np.asarray(self.alpha, dtype=dtype)
            final_phinorm = np.empty(x.nnz, dtype=dtype)

            # Arrays of the documents still iterating, compacted as documents converge:
            # per nonzero its count, its document (0..n_active-1) and the topic column
            # of expElogbeta; ``ratio`` holds cts / phinorm in the active documents' CSR
            # structure, so the gamma update is one sparse product.
            exp_elog_beta_t = np.ascontiguousarray(self.expElogbeta.T)   # (V, K)
            lengths = np.diff(x.indptr)
            active = np.arange(n)
            nnz_pos = np.arange(x.nnz)
            rows = np.repeat(np.arange(n), lengths)
            cts = x.data.astype(dtype, copy=True)
            beta = exp_elog_beta_t[x.indices]                            # (nnz, K)
            ratio = sp.csr_matrix((cts.copy(), x.indices.copy(), x.indptr.copy()), shape=x.shape)
            g_a, t_a = gamma, exp_elog_theta
            phinorm = np.einsum("ij,ij->i", t_a[rows], beta) + eps
            compacted_at = n_left = n
            live = np.ones(n, dtype=bool)        # not yet finished, among the arrays' rows
            threshold = self.gamma_threshold * k  # on the summed absolute change
            for it in range(self.iterations):
                np.divide(cts, phinorm, out=ratio.data)
                g_new = alpha + t_a * (ratio @ exp_elog_beta_t)
                t_a = np.exp(dirichlet_expectation(g_new))
                phinorm = np.einsum("ij,ij->i", t_a[rows], beta) + eps
                change = np.abs(g_new - g_a).sum(axis=1)
                g_a = g_new
                done = (change < threshold) & live if it < self.iterations - 1 else live
                n_done = int(np.count_nonzero(done))
                if not n_done:
                    continue
                idx = active[done]
                gamma[idx] = g_a[done]
                exp_elog_theta[idx] = t_a[done]
                done_nnz = done[rows]
                final_phinorm[nnz_pos[done_nnz]] = phinorm[done_nnz]
                # Finished documents are marked (live = False) and dropped from the
                # arrays only once half of the remaining ones finished, because
                # compacting copies every array.
                live &= ~done
                n_left -= n_done
                if n_left == 0:
                    break
                if n_left <= _TAIL:
                    # A few slow documents often need many more iterations than the rest;
                    # finishing them one by one avoids paying the per-iteration cost of
                    # the array machinery for a handful of rows.
                    starts = np.r_[0, np.cumsum(lengths)]
                    for j in np.flatnonzero(live):
                        sl = slice(starts[j], starts[j + 1])
                        g, t, pn = self._finish(g_a[j], t_a[j], phinorm[sl], cts[sl], beta[sl], alpha,
                                                eps, self.iterations - it - 1)
                        gamma[active[j]], exp_elog_theta[active[j]] = g, t
                        final_phinorm[nnz_pos[sl]] = pn
                    break
                if n_left > 0.5 * compacted_at:
                    continue
                compacted_at = n_left
                keep = live
                keep_nnz = keep[rows]
                active, g_a, t_a, lengths = active[keep], g_a[keep], t_a[keep], lengths[keep]
                live = np.ones(len(active), dtype=bool)
                nnz_pos, cts, beta, phinorm = nnz_pos[keep_nnz], cts[keep_nnz], beta[keep_nnz], phinorm[keep_nnz]
                rows = np.repeat(np.arange(len(active)), lengths)
                indptr = np.r_[0, np.cumsum(lengths)]
                ratio = sp.csr_matrix((cts.copy(), ratio.indices[keep_nnz], indptr),
                                      shape=(len(active), x.shape[1]))
            sstats = None
            if collect_sstats:
                ratio = sp.csr_matrix((x.data / final_phinorm, x.indices, x.indptr), shape=x.shape)
                sstats = np.asarray((ratio.T @ exp_elog_theta).T, dtype=dtype) * self.expElogbeta
            return gamma, sstats

    return VectorisedLdaModel


def _lda_settings(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                  config: TopicConfig) -> tuple[dict[str, Any], dict[str, Any]]:
    """``LdaModel`` keyword arguments from the config, and the settings to record in ``info``."""
    learning = config.learning
    if learning == "auto":
        learning = "batch" if counts.shape[0] <= config.chunksize else "online"
    iterations = config.iterations or (50 if learning == "batch" else 20)
    kwargs = dict(
        num_topics=k,
        id2word=dict(enumerate(vocabulary)),
        alpha=config.alpha,
        eta=config.eta,
        passes=config.passes,
        iterations=iterations,
        chunksize=config.chunksize,
        update_every=0 if learning == "batch" else 1,
        decay=0.0 if learning == "batch" else config.decay,
        offset=config.offset,
        eval_every=None,
        random_state=seed,
        # gensim's default precision; twice as fast as float64 on long documents.
        dtype=np.float32,
    )
    info = {"alpha": config.alpha, "eta": config.eta, "learning": learning, "passes": config.passes,
            "iterations": iterations, "chunksize": config.chunksize}
    return kwargs, info


def _train_lda(model: Any, docs: Any, *, chunksize: int) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """Train ``model`` on ``docs``; ``(topic_term, gamma, alpha)`` read back as arrays.

    The posterior mean of each unit's topic proportions (gamma / sum gamma) is
    inferred chunk by chunk as in training, so memory stays that of a chunk.
    Every document's E-step is independent and the random draws come in the same
    order, so this equals one call on all documents up to float32 rounding.
    """
    model.update(docs)
    step = max(1, chunksize)
    gamma = np.vstack([model.inference(docs[i:i + step])[0] for i in range(0, len(docs), step)])
    alpha = [round(float(x), 6) for x in np.asarray(model.alpha, dtype=float)]
    return model.get_topics(), gamma, alpha


def fit_vb(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
            config: TopicConfig) -> EngineResult:
    kwargs, info = _lda_settings(counts, vocabulary, k, seed, config)
    model = vectorised_lda_class()(**kwargs)
    # Documents are passed as row numbers; the vectorised E-step reads the rows
    # from the matrix (gensim itself only counts and chunks them).
    model.matrix = counts
    topic_term, gamma, alpha = _train_lda(model, list(range(counts.shape[0])), chunksize=config.chunksize)
    info.update(alpha_fitted=alpha, estep="vectorised", alpha_update="newton step halved until positive")
    return normalise_rows(topic_term), normalise_rows(gamma), info


def fit_gensim(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                config: TopicConfig) -> EngineResult:
    # gensim is imported on first fit: it takes about a second to import and NMF runs without it.
    from gensim.models import LdaModel

    kwargs, info = _lda_settings(counts, vocabulary, k, seed, config)
    topic_term, gamma, alpha = _train_lda(LdaModel(**kwargs), BowCorpus(counts), chunksize=config.chunksize)
    info.update(alpha_fitted=alpha, estep="gensim", alpha_update="gensim")
    return normalise_rows(topic_term), normalise_rows(gamma), info
