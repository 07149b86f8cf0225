"""Topic-model engines behind one interface.

Each engine takes the canonical count matrix (``scipy.sparse.csr_matrix``,
units × terms, no empty rows or columns), ``k``, a seed and the
:class:`TopicConfig`, and returns plain arrays::

    topic_term  (K, V)  rows sum to 1
    doc_topic   (n, K)  rows sum to 1
    info        dict    engine-specific settings actually used (JSON-ready)

Conversion to gensim's or scikit-learn's format happens here, at the edge; the
engine objects are discarded after the arrays are read out.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .config import TopicConfig

logger = logging.getLogger(__name__)

EngineResult = tuple[np.ndarray, np.ndarray, dict[str, Any]]

__all__ = ["ENGINES", "fit_engine"]


def _normalise_rows(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=np.float64)
    sums = a.sum(axis=1, keepdims=True)
    out = np.divide(a, sums, out=np.full_like(a, 1.0 / a.shape[1]), where=sums > 0)
    return out


def _fit_gensim(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                config: TopicConfig) -> EngineResult:
    from gensim.models import LdaModel

    # Bag-of-words rows straight from the CSR arrays (gensim's Sparse2Corpus
    # re-creates them on every pass).
    indptr, indices, data = counts.indptr, counts.indices, counts.data
    bows = [list(zip(indices[a:b].tolist(), data[a:b].tolist()))
            for a, b in zip(indptr[:-1], indptr[1:])]
    model = LdaModel(
        corpus=bows,
        num_topics=k,
        id2word=dict(enumerate(vocabulary)),
        alpha=config.alpha,
        eta=config.eta,
        passes=config.passes,
        iterations=config.iterations,
        chunksize=config.chunksize,
        eval_every=None,
        random_state=seed,
        dtype=np.float64,
    )
    topic_term = model.get_topics()
    # Posterior mean of each unit's topic proportions (gamma / sum gamma).
    gamma, _ = model.inference(bows)
    alpha = np.asarray(model.alpha, dtype=float)
    info = {
        "alpha": config.alpha, "eta": config.eta,
        "alpha_fitted": [round(float(x), 6) for x in alpha],
        "passes": config.passes, "iterations": config.iterations, "chunksize": config.chunksize,
    }
    return _normalise_rows(topic_term), _normalise_rows(gamma), info


def _fit_nmf(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
             config: TopicConfig) -> EngineResult:
    import warnings

    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.feature_extraction.text import TfidfTransformer

    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts.astype(np.float64))
    nmf = NMF(n_components=k, init="nndsvda", random_state=seed, max_iter=config.nmf_max_iter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        w = nmf.fit_transform(tfidf)
    if any(issubclass(c.category, ConvergenceWarning) for c in caught):
        logger.warning("NMF (K=%d, seed=%d) did not converge in %d iterations; raise topics.nmf_max_iter",
                       k, seed, config.nmf_max_iter)
    info = {"tfidf": "sublinear_tf, l2", "init": "nndsvda", "max_iter": config.nmf_max_iter,
            "n_iter": int(nmf.n_iter_)}
    # NMF weights are not probabilities; normalised rows are read as such (documented).
    return _normalise_rows(nmf.components_), _normalise_rows(w), info


def _fit_tomotopy(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                  config: TopicConfig) -> EngineResult:
    try:
        import tomotopy as tp
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("topics.engine: 'tomotopy' needs the optional package; "
                         "run `pip install tomotopy` or use engine = \"gensim\"") from None
    alpha = config.alpha if not isinstance(config.alpha, str) else 0.1
    eta = config.eta if not isinstance(config.eta, str) else 0.01
    model = tp.LDAModel(k=k, alpha=alpha, eta=eta, seed=seed)
    vocab = np.asarray(vocabulary, dtype=object)
    for a, b in zip(counts.indptr[:-1], counts.indptr[1:]):
        model.add_doc(np.repeat(vocab[counts.indices[a:b]], counts.data[a:b]).tolist())
    # One worker: tomotopy's result depends on thread scheduling otherwise.
    model.train(config.sampling_iterations, workers=1)
    position = {term: i for i, term in enumerate(vocabulary)}
    cols = np.array([position[w] for w in model.used_vocabs])
    topic_term = np.zeros((k, len(vocabulary)))
    for t in range(k):
        topic_term[t, cols] = model.get_topic_word_dist(t)
    doc_topic = np.array([d.get_topic_dist() for d in model.docs])
    info = {"alpha": alpha, "eta": eta, "sampling_iterations": config.sampling_iterations,
            "workers": 1}
    return _normalise_rows(topic_term), _normalise_rows(doc_topic), info


#: Engine name -> fitting function.
ENGINES: dict[str, Callable[..., EngineResult]] = {
    "gensim": _fit_gensim,
    "nmf": _fit_nmf,
    "tomotopy": _fit_tomotopy,
}


def fit_engine(counts: sp.csr_matrix, *, vocabulary: tuple[str, ...], k: int, seed: int,
               config: TopicConfig) -> EngineResult:
    """Fit one engine and return ``(topic_term, doc_topic, info)`` as plain arrays."""
    try:
        fit = ENGINES[config.engine]
    except KeyError:
        raise InputError(f"topics.engine: {config.engine!r} is not one of "
                         f"{', '.join(map(repr, ENGINES))}") from None
    return fit(counts, vocabulary, k, seed, config)
