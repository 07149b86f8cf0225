"""Topic-model engines behind one interface.

Each engine takes the canonical count matrix (``scipy.sparse.csr_matrix``,
units × terms, no empty rows or columns), ``k``, a seed and the
:class:`TopicConfig`, and returns plain arrays::

    topic_term  (K, V)  rows sum to 1
    doc_topic   (n, K)  rows sum to 1
    info        dict    engine-specific settings actually used (JSON-ready)

Conversion to gensim's or scikit-learn's format happens here, at the edge; the
engine objects are discarded after the arrays are read out.

Engines (``[topics] engine``)
-----------------------------
``"tomotopy"`` (default)
    LDA by collapsed Gibbs sampling (tomotopy): one worker (its multi-threaded
    samplers depend on thread timing) and its SSE2 build (its AVX2 build
    samples another chain from the same seed), so a seed gives the same topics
    on any x86 machine and with any ``n_jobs``. ``alpha = "auto"`` is learned
    (tomotopy's fixed-point update every 10 iterations); a number is fixed.
    Chosen by measurement: ``docs/topics.md``.
``"vb"``
    LDA by variational Bayes: gensim's ``LdaModel`` (its initialisation, random
    draws, M-step and eta update) with two changes of the package -- the E-step
    vectorised over the documents of a chunk (same update equations and
    stopping rule, about 7x faster on short paragraphs), and the alpha update
    (``alpha = "auto"``) halving gensim's Newton step until alpha stays positive,
    where gensim skips the step. The second change matters with batch learning
    (the seeds' default), where gensim's first step usually turns alpha
    non-positive, so stock gensim never learns alpha there.
``"gensim"``
    gensim's ``LdaModel`` untouched, with the same settings (priors, learning
    schedule, passes, iterations, chunk size, float32). It equals ``"vb"`` to
    float32 rounding whenever alpha is fixed (a number, ``"symmetric"``,
    ``"asymmetric"``) and with ``alpha = "auto"`` under online learning; with
    ``alpha = "auto"`` and batch learning it keeps alpha at its starting value
    (tests/test_topics_engines.py shows both).
``"nmf"``, ``"sklearn_lda"``
    scikit-learn NMF on TF-IDF; scikit-learn's ``LatentDirichletAllocation``
    (variational Bayes, batch by default; one process).
``"mllib"``
    Spark MLlib's LDA, variational Bayes (its ``"online"`` optimizer; by default every unit in
    every iteration), on the executors (:func:`textanalytics.spark.lda.fit_mllib_counts`; with
    ``[spark] backend = "spark"``). Settings left at the package's defaults take the engine's own
    (:data:`textanalytics.spark.lda.MLLIB_DEFAULTS`).
"""

from __future__ import annotations

import logging
import os
import platform
import sys
import warnings
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .config import TopicConfig
from .engines_gensim import EngineResult, fit_gensim, fit_vb, normalise_rows

logger = logging.getLogger(__name__)

__all__ = ["ENGINES", "fit_engine"]


def _fit_nmf(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
             config: TopicConfig) -> EngineResult:
    # scikit-learn is imported on use: only the nmf engine needs it.
    from sklearn.decomposition import NMF
    from sklearn.exceptions import ConvergenceWarning  # deferred: sklearn
    from sklearn.feature_extraction.text import TfidfTransformer  # deferred: sklearn

    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts.astype(np.float64))
    nmf = NMF(n_components=k, init=config.nmf_init, random_state=seed, max_iter=config.nmf_max_iter)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        w = nmf.fit_transform(tfidf)
    if any(issubclass(c.category, ConvergenceWarning) for c in caught):
        logger.warning("NMF (K=%d, seed=%d) did not converge in %d iterations; raise topics.nmf_max_iter",
                       k, seed, config.nmf_max_iter)
    info = {"tfidf": "sublinear_tf, l2", "init": config.nmf_init, "max_iter": config.nmf_max_iter,
            "n_iter": int(nmf.n_iter_)}
    # NMF weights are not probabilities; normalised rows are read as such (documented).
    return normalise_rows(nmf.components_), normalise_rows(w), info


#: tomotopy's build for any x86-64 CPU. tomotopy picks an AVX-512, AVX2 or SSE2 build when imported; the
#: AVX2 build samples a different chain from the same seed than the other two, so reports would depend on
#: the CPU. Pinned unless the user set ``TOMOTOPY_ISA`` (the fit's ``info["isa"]`` records the one used).
TOMOTOPY_ISA = "sse2"


def _tomotopy() -> Any:
    """tomotopy, imported with the pinned instruction set (see :data:`TOMOTOPY_ISA`)."""
    if "tomotopy" not in sys.modules and platform.machine().lower() in ("x86_64", "amd64"):
        os.environ.setdefault("TOMOTOPY_ISA", TOMOTOPY_ISA)
    import tomotopy as tp  # deferred: tomotopy (a compiled sampler; only this engine needs it)

    return tp


#: Iterations between the states a tomotopy fit averages when asked for ``samples > 1`` (seeded topics).
SAMPLE_THIN = 5
#: ... and document-topic proportions are read from every DOC_EVERY-th of those states (the last
#: included): reading them is a Python call per document, which cost more than the sampling on small
#: corpora, and their Monte-Carlo error is already averaged over chains and documents.
DOC_EVERY = 3

#: tomotopy's eta when ``[topics] eta = "auto"`` (learning eta is gensim's; tomotopy keeps it fixed).
TOMOTOPY_ETA = 0.05


def _tomotopy_alpha(alpha: str | float, k: int) -> tuple[float | list[float], bool]:
    """tomotopy's alpha for ``[topics] alpha``, and whether tomotopy learns it.

    ``"auto"``: 0.1 per topic to start, re-estimated every 10 iterations (tomotopy's
    default, Minka's fixed point); ``"symmetric"``: 1/K; ``"asymmetric"``: gensim's
    ``1 / (i + sqrt(K))`` normalised; a number: that, fixed.
    """
    if alpha == "auto":
        return 0.1, True
    if alpha == "symmetric":
        return 1.0 / k, False
    if alpha == "asymmetric":
        prior = 1.0 / (np.arange(k) + np.sqrt(k))
        return (prior / prior.sum()).tolist(), False
    return float(alpha), False


def _fit_tomotopy(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                  config: TopicConfig, word_priors: dict[str, list[float]] | None = None,
                  samples: int = 1) -> EngineResult:
    tp = _tomotopy()
    alpha, learn_alpha = _tomotopy_alpha(config.alpha, k)
    eta = 1.0 / k if config.eta == "symmetric" else TOMOTOPY_ETA if config.eta == "auto" else float(config.eta)
    model = tp.LDAModel(k=k, alpha=alpha, eta=eta, seed=seed)
    # Keyword-assisted topics (textanalytics.themes.seeded): a word's own topic-word prior per topic.
    for word in sorted(word_priors or {}):
        model.set_word_prior(word, [float(x) for x in word_priors[word]])
    # tomotopy re-estimates alpha every 10 iterations by default; only alpha = "auto" asks for that.
    model.optim_interval = 10 if learn_alpha else 0
    vocab = np.asarray(vocabulary, dtype=object)
    for a, b in zip(counts.indptr[:-1], counts.indptr[1:]):
        model.add_doc(np.repeat(vocab[counts.indices[a:b]], counts.data[a:b].astype(np.int64)).tolist())
    thin = SAMPLE_THIN
    # At most one state per `thin` iterations of the second half: the first half is always burn-in.
    samples = max(1, min(int(samples), 1 + config.sampling_iterations // 2 // thin))
    burn_in = max(1, config.sampling_iterations - (samples - 1) * thin)
    position = {term: i for i, term in enumerate(vocabulary)}
    topic_term = np.zeros((k, len(vocabulary)))
    doc_topic = np.zeros((counts.shape[0], k))
    # One worker: tomotopy's result depends on thread scheduling otherwise. With samples > 1 the
    # arrays are the mean of the chain's last `samples` states, `thin` iterations apart (the
    # Monte-Carlo estimate of the posterior means, instead of one draw).
    cols = None
    for i in range(samples):
        model.train(burn_in if i == 0 else thin, workers=1)
        if cols is None:
            cols = np.array([position[w] for w in model.used_vocabs])
        for t in range(k):
            # tomotopy's (n_kw + eta) / (n_k + V eta): the counts and the scalar eta, not the word priors.
            topic_term[t, cols] += model.get_topic_word_dist(t)
        if (samples - 1 - i) % DOC_EVERY == 0:
            doc_topic += np.array([d.get_topic_dist() for d in model.docs])
    unused = np.setdiff1d(np.arange(len(vocabulary)), cols)
    if len(unused):
        # Terms of the vocabulary no unit of this matrix uses (a sample of a larger matrix's units): tomotopy
        # never saw them, so give them what it gives a seen term with no count in the topic, eta / (n_k + V eta);
        # with the rows normalised below that is (n_kw + eta) / (n_k + V_all eta) for every term, as if it had.
        n_k = np.asarray(model.get_count_by_topics(), dtype=np.float64)
        topic_term[:, unused] = (samples * eta / (n_k + len(cols) * eta))[:, None]
    info = {"alpha": alpha, "alpha_learned": learn_alpha, "eta": eta,
            "alpha_fitted": [round(float(a), 6) for a in np.atleast_1d(model.alpha)],
            "sampling_iterations": config.sampling_iterations, "workers": 1, "isa": tp.isa}
    if samples > 1:
        info.update(burn_in=burn_in, samples=samples, thin=thin, doc_every=DOC_EVERY)
    return normalise_rows(topic_term), normalise_rows(doc_topic), info


def _fit_sklearn_lda(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                     config: TopicConfig) -> EngineResult:
    # scikit-learn is imported on use: only this engine and nmf need it.
    from sklearn.decomposition import LatentDirichletAllocation  # deferred: sklearn

    learning = "online" if config.learning == "online" else "batch"
    alpha = None if isinstance(config.alpha, str) else float(config.alpha)   # None: scikit-learn's 1/K
    eta = None if isinstance(config.eta, str) else float(config.eta)
    # n_jobs=1: with several joblib workers each would draw the documents' starting values from
    # its own copy of the random state, so results would depend on the number of workers.
    lda = LatentDirichletAllocation(n_components=k, doc_topic_prior=alpha, topic_word_prior=eta,
                                    learning_method=learning, batch_size=config.chunksize,
                                    learning_decay=config.decay if learning == "online" else 0.7,
                                    learning_offset=config.offset, max_iter=config.passes,
                                    random_state=seed, n_jobs=1)
    doc_topic = lda.fit_transform(counts)
    info = {"alpha": alpha if alpha is not None else 1.0 / k, "eta": eta if eta is not None else 1.0 / k,
            "learning": learning, "max_iter": config.passes, "n_iter": int(lda.n_iter_)}
    return normalise_rows(lda.components_), normalise_rows(doc_topic), info


def _fit_mllib(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
               config: TopicConfig) -> EngineResult:
    # The Spark backend's engine; textanalytics.spark.lda imports pyspark on use.
    from ..spark.lda import fit_mllib_counts  # deferred: the Spark backend (scipy, numpy; pyspark on use)

    return fit_mllib_counts(counts, vocabulary, k, seed, config)


#: Engine name -> fitting function.
ENGINES: dict[str, Callable[..., EngineResult]] = {
    "vb": fit_vb,
    "gensim": fit_gensim,
    "nmf": _fit_nmf,
    "tomotopy": _fit_tomotopy,
    "sklearn_lda": _fit_sklearn_lda,
    "mllib": _fit_mllib,
}


def fit_engine(counts: sp.csr_matrix, *, vocabulary: tuple[str, ...], k: int, seed: int,
               config: TopicConfig, word_priors: dict[str, list[float]] | None = None,
               samples: int = 1) -> EngineResult:
    """Fit one engine and return ``(topic_term, doc_topic, info)`` as plain arrays.

    ``word_priors`` (tomotopy only): ``{term: [prior of topic 1, ..., topic K]}``, tomotopy's
    ``set_word_prior``, for keyword-assisted topics (:mod:`textanalytics.themes.seeded`);
    tomotopy then also starts every token of a term in a topic drawn in proportion to its
    priors, so seed words start in their topic (keyATM's initialisation). ``samples``
    (tomotopy only; seeded topics use 100): average the chain's last ``samples`` states,
    :data:`SAMPLE_THIN` iterations apart, within ``[topics] sampling_iterations`` (at most its
    second half); 1, the default, is the last state.
    """
    if word_priors or samples > 1:
        if config.engine != "tomotopy":
            raise InputError(f'[topics] engine = "{config.engine}": keyword-assisted (seeded) topics need '
                             'engine = "tomotopy" (its word priors); set it or [themes] seeded_topics = false')
        return _fit_tomotopy(counts, vocabulary, k, seed, config, word_priors=word_priors, samples=samples)
    try:
        fit = ENGINES[config.engine]
    except KeyError:
        raise InputError(f"topics.engine: {config.engine!r} is not one of "
                         f"{', '.join(map(repr, ENGINES))}") from None
    return fit(counts, vocabulary, k, seed, config)
