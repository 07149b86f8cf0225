"""Topic models of a local engine fitted on a sample of the units; every unit's proportions folded in on Spark.

With ``[spark] backend = "spark"``, ``[spark] topic_sample = N`` and a local ``[topics] engine``
(tomotopy by default), the report fits the engine (and searches K, with ``[topics] k = 0``) on the driver on ``N``
units drawn from the master seed, instead of on the whole matrix (which a corpus of millions of
statements would not fit on one machine) or with MLlib's online LDA (less coherent than tomotopy:
docs/scaling.md):

1. the units' count vectors are built on Spark from the token store (as for MLlib:
   :func:`textanalytics.spark.lda.unit_vectors`);
2. the ``N`` sampled units' vectors come to the driver (:func:`sample_rows`: a uniform draw
   without replacement, the same for every seed of the ensemble, so their agreement measures the
   sampler, not the sample);
3. the engine fits there, exactly as it fits a matrix of those rows locally;
4. with its topics fixed, every unit's proportions -- sampled or not, by one estimator -- are
   computed on the executors (:func:`textanalytics.topics.foldin.fold_in`, partition by
   partition; a unit's result depends on its counts alone, so not on the partitioning) and come
   back as ``n x K`` floats.

What reaches the driver: the sample's vectors, ``topic_term`` (K x V broadcast back out) and the
proportions. The fit equals the local engine's on a matrix of the sampled rows (tested); when ``N``
is at least the number of units the sample is every unit (the proportions are still folded in).
The executors run the package's own code (the fold-in), as they do for preprocessing: install it there.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from ..topics.fit_cache import cached_fit
from ..topics.foldin import FOLD_IN, document_prior, fold_in
from ..topics.prepare import PreparedMatrix, statements_using
from .lda import unit_vectors

log = logging.getLogger(__name__)

__all__ = ["sample_rows", "check_sample_engine", "fit_sample_store", "SampleFits", "fold_in_on_spark"]

#: The stream the sample is drawn from: numpy's ``SeedSequence((seed, SAMPLE_STREAM))``.
SAMPLE_STREAM = 19


def check_sample_engine(engine: str) -> None:
    """Fail with a one-line error when ``[topics] engine`` cannot fit on a sample of the units."""
    if engine in ("mllib", "nmf"):
        raise InputError(f'[spark] topic_sample: the "{engine}" engine does not fit on a sample (mllib fits every '
                         'unit on the executors; NMF has no topic proportions to fold in); choose a probabilistic '
                         'engine such as "tomotopy", or topic_sample = 0')


def sample_rows(n_units: int, *, size: int, seed: int) -> np.ndarray:
    """``min(size, n_units)`` unit rows drawn uniformly without replacement from ``seed``, in order.

    >>> sample_rows(10, size=4, seed=1).tolist() == sample_rows(10, size=4, seed=1).tolist()
    True
    >>> sample_rows(3, size=5, seed=1).tolist()
    [0, 1, 2]
    """
    if size >= n_units:
        return np.arange(n_units, dtype=np.int64)
    rng = np.random.default_rng(np.random.SeedSequence((int(seed), SAMPLE_STREAM)))
    return np.sort(rng.choice(n_units, size=int(size), replace=False)).astype(np.int64)


def _csr(records: Any, *, width: int) -> tuple[list[int], sp.csr_matrix]:
    """Spark rows with ``row`` and ``features`` (a SparseVector) as their row numbers and one CSR matrix."""
    rows, indptr, indices, data = [], [0], [np.zeros(0, np.int64)], [np.zeros(0)]
    for r in records:
        v = r["features"]
        rows.append(int(r["row"]))
        indices.append(np.asarray(v.indices, dtype=np.int64))
        data.append(np.asarray(v.values, dtype=np.float64))
        indptr.append(indptr[-1] + len(v.indices))
    return rows, sp.csr_matrix((np.concatenate(data), np.concatenate(indices), np.asarray(indptr)),
                               shape=(len(rows), width))


def _collect_rows(spark: Any, vectors: Any, rows: np.ndarray, *, width: int) -> sp.csr_matrix:
    """The ``rows``' count vectors (``row``, ``features``) as a CSR matrix, in ``rows``' order."""
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    wanted = spark.createDataFrame([(int(r),) for r in rows], "row long")
    got, x = _csr(vectors.join(F.broadcast(wanted), "row").select("row", "features")
                  .toLocalIterator(prefetchPartitions=False), width=width)
    order = np.argsort(got, kind="stable")
    if not np.array_equal(np.asarray(got, dtype=np.int64)[order], rows):
        raise InputError("spark: the sampled units' vectors did not all come back; run the report again")
    return x[order]


def fold_in_on_spark(vectors: Any, topic_term: np.ndarray, *, alpha: np.ndarray, n_units: int) -> np.ndarray:
    """Every unit's proportions ``(n_units, K)`` under the fixed ``topic_term``, folded in on the executors."""
    spark = vectors.sparkSession
    width = topic_term.shape[1]
    shared = spark.sparkContext.broadcast((np.asarray(topic_term, dtype=np.float64), np.asarray(alpha, np.float64)))

    def fold(part):  # on an executor: one partition's units at a time
        phi, prior = shared.value
        rows, x = _csr(part, width=width)
        if not rows:
            return
        theta = fold_in(x, phi, alpha=prior)
        for row, t in zip(rows, theta):
            yield row, t.tolist()

    out = np.zeros((n_units, topic_term.shape[0]))
    try:
        for row, theta in vectors.select("row", "features").rdd.mapPartitions(fold).toLocalIterator(
                prefetchPartitions=False):
            out[row] = theta
    finally:
        shared.unpersist()
    return out


@dataclass
class SampleFits:
    """A sample of a prepared matrix's units, its vectors cached on Spark (:func:`fit_sample_store`).

    ``sample``: the sampled units' prepared matrix (with its counts; a K search runs on it,
    :func:`~textanalytics.topics.select_k_prepared`); ``fit(k, seed)``: the engine on the sample,
    every unit folded in; ``fold(topic_term, info)``: every unit folded into topics already fitted on
    the sample (a K search's fits); ``release()``: drop the cached vectors.
    """

    vectors: Any
    rows: np.ndarray
    sample: PreparedMatrix
    config: Any
    seed: int
    n_units: int
    cache_dir: str | None = None

    def fold(self, topic_term: np.ndarray, info: dict, *,
             order: Any = None) -> tuple[np.ndarray, np.ndarray, dict]:
        """``(topic_term, doc_topic, info)``: every unit's proportions under ``topic_term``, in unit order.

        ``info``: the engine's (its ``alpha_fitted`` in the engine's topic order); ``order``: the engine's
        topic of each row of ``topic_term`` when the rows were reordered (a fitted model's
        ``params["topic_order"]``), so each topic keeps its own alpha.
        """
        k = topic_term.shape[0]
        alpha = document_prior(info, k)
        if order is not None:
            alpha = alpha[np.asarray(order, dtype=np.int64)]
        doc_topic = fold_in_on_spark(self.vectors, topic_term, alpha=alpha, n_units=self.n_units)
        info = {**info, "sample_units": int(len(self.rows)), "units": int(self.n_units), "sample_seed": int(self.seed),
                "proportions": FOLD_IN}
        return topic_term, doc_topic, info

    def fit(self, k: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
        """``config.engine`` on the sample (as on a local matrix of those rows; cached like any fit), every unit
        folded in."""
        topic_term, _, info = cached_fit(self.sample, k=k, seed=seed, config=self.config, cache_dir=self.cache_dir)
        return self.fold(topic_term, info)

    def release(self) -> None:
        self.vectors.unpersist()


def fit_sample_store(spark: Any, store: Any, *, prepared: Any, unit: str, config: Any, size: int,
                     seed: int, cache_dir: str | None = None) -> SampleFits:
    """The fits of a prepared matrix whose cells stayed on Spark, by ``config.engine`` on a sample of its units.

    ``size``: units in the sample; ``seed``: the master seed it is drawn from; ``cache_dir``: the fit
    cache (:func:`~textanalytics.topics.fit_cache.cached_fit`, keyed by the sample's cells). The returned
    :class:`SampleFits`' ``fit(k, seed)`` gives ``(topic_term, doc_topic, info)`` in
    ``prepared.units`` x ``prepared.vocabulary`` order, as
    :func:`textanalytics.spark.lda.fit_mllib_store`'s does; call its ``release()`` when done.
    """
    check_sample_engine(config.engine)
    n = len(prepared.units)
    vectors = unit_vectors(spark, store, units=prepared.units, vocabulary=prepared.vocabulary, unit=unit)
    rows = sample_rows(n, size=size, seed=seed)
    counts = _collect_rows(spark, vectors, rows, width=len(prepared.vocabulary))
    log.info("topics: fitting %s on a sample of %d of %d units (seed %d); proportions folded in on Spark",
             config.engine, len(rows), n, seed)
    units = prepared.units.iloc[rows].reset_index(drop=True)
    sample = PreparedMatrix(counts=counts, vocabulary=prepared.vocabulary,
                            units=units.assign(n_terms=np.asarray(counts.sum(axis=1)).ravel().astype(np.int64)),
                            term_counts=np.asarray(counts.sum(axis=0)).ravel(), dropped_units=(),
                            n_terms_before_pruning=prepared.n_terms_before_pruning,
                            term_statements=statements_using(counts, units["statement_id"].to_numpy()))
    return SampleFits(vectors=vectors, rows=rows, sample=sample, config=config, seed=int(seed), n_units=n,
                      cache_dir=cache_dir)
