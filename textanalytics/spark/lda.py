"""Topic models with MLlib's LDA (online variational Bayes), fed from a token store on Spark.

The ``[topics] engine = "mllib"`` engine returns ``(topic_term, doc_topic, info)`` like every
engine (``textanalytics/topics/engines.py``), so K selection, ensembles, labels, shares,
differences and coherence run on it unchanged. What comes back to the driver: ``topic_term``
(K x V) and each unit's K topic proportions (``model.transform``'s ``topicDistribution``),
streamed partition by partition into one ``(n, K)`` array.

Where the units' vectors come from:

* :func:`fit_mllib_store` (the report on the Spark backend): built on Spark from the token
  store (:func:`unit_vectors`, ``CountVectorizerModel.from_vocabulary`` over the vocabulary
  prepared by :mod:`textanalytics.spark.prepare`); no count reaches the driver;
* :func:`fit_mllib_counts` (the engine called with a matrix, e.g. ``fit_topics(dtm, ...)`` or
  the K search): the driver's matrix rows, sent to the executors.

Both cut the units into the same partitions (:func:`slice_of`: ``ceil(n / UNITS_PER_PARTITION)``
contiguous slices in unit order) and hold the same vectors, so they give the same fit (tested:
identical arrays). :func:`unit_features` and :func:`fit_mllib_lda` fit with the units'
proportions left on Spark.

Determinism: with the same seed, data, partitioning and ``maxIter`` Spark gives the same model
run to run on one cluster, but online VB samples mini-batches per partition
(``subsamplingRate``), so another number of partitions, or a different order of units, gives a
different model; hence the slices, which follow from the units alone, not from the cluster.
Floating-point sums across executors may differ in the last bits between clusters.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .session import spark_session

log = logging.getLogger(__name__)

#: Units per partition of the matrix sent to Spark: the partitioning (which decides MLlib's
#: mini-batches) follows from the matrix alone, so a seed gives the same fit on any cluster size.
UNITS_PER_PARTITION = 10_000

UNIT_COLUMNS = {"paragraph": ("statement_id", "paragraph"), "statement": ("statement_id",)}


@dataclass(frozen=True)
class MllibTopics:
    """An MLlib LDA fit as plain arrays: ``topic_term`` (K x V), ``vocabulary``, and its parameters."""

    topic_term: np.ndarray
    vocabulary: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)

    def top_terms(self, n: int = 10) -> list[list[str]]:
        """The ``n`` most probable terms of each topic (ties by term order in the vocabulary)."""
        order = np.argsort(-self.topic_term, axis=1, kind="stable")[:, :n]
        return [[self.vocabulary[j] for j in row] for row in order]


def unit_features(spark: Any, store: Any, *, vocabulary: Sequence[str], unit: str = "statement") -> Any:
    """One row per unit: ``unit_id`` and ``features`` (term counts over ``vocabulary``), sorted by unit."""
    from pyspark.ml.feature import CountVectorizerModel  # deferred: pyspark is optional and heavy
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    unit_id = F.col("statement_id") if unit == "statement" else F.concat_ws(":", "statement_id", "paragraph")
    docs = (kept_terms(spark, store, keys=UNIT_COLUMNS[unit]).groupBy(unit_id.alias("unit_id"))
            .agg(F.collect_list("term").alias("terms")))
    model = CountVectorizerModel.from_vocabulary(list(vocabulary), inputCol="terms", outputCol="features")
    return model.transform(docs).select("unit_id", "features").orderBy("unit_id")


def fit_mllib_lda(features: Any, *, k: int, seed: int, vocabulary: Sequence[str], config: Any) -> MllibTopics:
    """Fit MLlib's online LDA with ``k`` topics on ``features`` (:func:`unit_features`), kept on Spark.

    ``config``: a :class:`~textanalytics.topics.TopicConfig`, read as the ``"mllib"`` engine reads
    it (:func:`mllib_estimator`). Only ``topic_term`` reaches the driver; the units' proportions
    stay on Spark (``transform`` the features to get them).
    """
    lda, info = mllib_estimator(k=k, seed=seed, n_units=features.count(), config=config)
    model = lda.fit(features)
    return MllibTopics(topic_term=_rows_to_one(model.topicsMatrix().toArray().T), vocabulary=tuple(vocabulary),
                       params={"engine": "mllib", "k": k, "seed": seed, **info,
                               "partitions": features.rdd.getNumPartitions()})


#: The ``"mllib"`` engine's own values for the ``[topics]`` settings a configuration leaves at the
#: package's defaults (:class:`~textanalytics.topics.TopicConfig`'s, tuned for tomotopy): every
#: iteration on all units (``learning = "batch"``), 50 of them, a small eta and a fixed symmetric
#: alpha. Measured against the local default engine on news_articles: docs/scaling.md, "Topics with MLlib".
MLLIB_DEFAULTS = {"learning": "batch", "passes": 50, "eta": 0.005, "alpha": "symmetric"}


def mllib_config(config: Any) -> Any:
    """``config`` (a :class:`~textanalytics.topics.TopicConfig`) as the ``"mllib"`` engine reads it.

    Each setting of :data:`MLLIB_DEFAULTS` that still has the package's default value takes MLlib's:
    ``learning = "auto"`` becomes ``"batch"``, ``eta = 0.05`` 0.005 and ``alpha = "auto"``
    ``"symmetric"``; ``passes = 10`` becomes 50 with batch learning (with ``"online"`` set, 10
    passes stay). A value equal to the package's default counts as not set; with
    ``[topics] mllib_defaults = false`` nothing is replaced (``config`` is used as written).
    """
    if not config.mllib_defaults:
        return config
    defaults = {f.name: f.default for f in dataclasses.fields(config)}
    changes = {name: value for name, value in MLLIB_DEFAULTS.items() if getattr(config, name) == defaults[name]}
    if config.learning == "online":
        changes.pop("passes", None)
    if changes:
        log.debug("topics: mllib takes its own values for [topics] settings left unset: %s", changes)
    return dataclasses.replace(config, **changes) if changes else config


def mllib_estimator(*, k: int, seed: int, n_units: int, config: Any) -> tuple[Any, dict[str, Any]]:
    """``pyspark.ml.clustering.LDA(optimizer="online")`` set from ``[topics]`` for ``n_units`` units, and
    those settings (JSON-ready).

    ``config`` is read through :func:`mllib_config`. ``learning = "batch"`` (the engine's default):
    every iteration takes all units (``subsamplingRate = 1``), ``passes`` iterations;
    ``"online"``: a mini-batch of about ``config.chunksize`` units (``subsamplingRate = chunksize / n``),
    with enough iterations for ``config.passes`` passes. ``offset`` and ``decay`` are the learning
    rate's tau0 and kappa, as in gensim; priors by :func:`mllib_priors`.
    """
    from pyspark.ml.clustering import LDA  # deferred: pyspark is optional and heavy

    config = mllib_config(config)
    rate = 1.0 if config.learning == "batch" else min(1.0, config.chunksize / max(n_units, 1))
    max_iter = max(1, math.ceil(config.passes / rate))
    priors = mllib_priors(alpha=config.alpha, eta=config.eta, k=k)
    lda = LDA(k=k, seed=seed, maxIter=max_iter, optimizer="online", subsamplingRate=rate,
              learningOffset=float(config.offset), learningDecay=float(config.decay),
              topicConcentration=priors["topic_concentration"],
              optimizeDocConcentration=priors["doc_concentration"] is None, featuresCol="features")
    if priors["doc_concentration"] is not None:
        lda = lda.setDocConcentration(priors["doc_concentration"])
    info = {"optimizer": "online", "learning": config.learning, "passes": config.passes, "max_iter": max_iter,
            "subsampling_rate": rate, "learning_offset": float(config.offset),
            "learning_decay": float(config.decay), "alpha": priors["doc_concentration"] or "auto",
            "alpha_learned": priors["doc_concentration"] is None, "eta": priors["topic_concentration"]}
    return lda, info


def mllib_priors(*, alpha: str | float, eta: str | float, k: int) -> dict[str, Any]:
    """MLlib's settings for ``[topics] alpha`` and ``eta``.

    ``alpha = "auto"``: MLlib's own update (``optimizeDocConcentration``, starting at 1/K);
    ``"symmetric"``: 1/K; ``"asymmetric"``: gensim's ``1 / (i + sqrt(K))`` normalised; a number:
    fixed. MLlib cannot learn eta: ``"auto"`` and ``"symmetric"`` give 1/K.
    """
    if alpha == "auto":
        doc: list[float] | None = None
    elif alpha == "symmetric":
        doc = [1.0 / k] * k
    elif alpha == "asymmetric":
        prior = 1.0 / (np.arange(k) + np.sqrt(k))
        doc = (prior / prior.sum()).tolist()
    else:
        doc = [float(alpha)] * k
    topic = 1.0 / k if isinstance(eta, str) else float(eta)
    return {"doc_concentration": doc, "topic_concentration": topic}


def fit_mllib_counts(counts: sp.csr_matrix, vocabulary: tuple[str, ...], k: int, seed: int,
                     config: Any, *, session: Any = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """The ``"mllib"`` engine: MLlib's online LDA on ``counts`` (units x terms), as plain arrays.

    The rows go to the executors in :func:`slice_of`'s slices; the estimator is
    :func:`mllib_estimator`'s. ``session``: default the active session
    (the Spark backend's), else one started with :class:`~textanalytics.spark.SparkConfig`'s
    defaults. Returns ``topic_term`` (K x V) and ``doc_topic`` (n x K), rows summing to 1.
    """
    from pyspark.ml.linalg import Vectors  # deferred: pyspark is optional and heavy
    from pyspark.sql import SparkSession  # deferred: pyspark is optional and heavy

    spark = session or SparkSession.getActiveSession() or spark_session()
    counts = sp.csr_matrix(counts)
    n, width = counts.shape
    parts = slice_of(np.arange(n), n)
    rows = [(int(parts[i]), (i, Vectors.sparse(width, counts.indices[a:b].tolist(),
                                               counts.data[a:b].astype(float).tolist())))
            for i, (a, b) in enumerate(zip(counts.indptr[:-1], counts.indptr[1:]))]
    frame = in_slices(spark, spark.sparkContext.parallelize(rows, numSlices=n_slices(n)), n_units=n)
    return fit_vectors(frame, n_units=n, k=k, seed=seed, config=config)


def n_slices(n_units: int) -> int:
    """Partitions of ``n_units`` units for an MLlib fit: ``ceil(n / UNITS_PER_PARTITION)``, at least 1."""
    return max(1, math.ceil(n_units / UNITS_PER_PARTITION))


def slice_of(rows: np.ndarray, n_units: int) -> np.ndarray:
    """The partition of each unit row: :func:`n_slices` contiguous slices, slice ``i`` starting at
    row ``i * n // slices``."""
    slices = n_slices(n_units)
    starts = np.arange(slices, dtype=np.int64) * n_units // slices
    return np.searchsorted(starts, np.asarray(rows, dtype=np.int64), side="right") - 1


def in_slices(spark: Any, pairs: Any, *, n_units: int) -> Any:
    """``(slice, (row, features))`` pairs (an RDD) as a DataFrame ``row, features``: slice ``i`` in
    partition ``i``, rows in order within it. Both data paths end here, so the driver's rows and
    the vectors built on Spark reach MLlib in the same partitions and order (its mini-batches)."""
    from pyspark.ml.linalg import VectorUDT  # deferred: pyspark is optional and heavy
    from pyspark.sql.types import LongType, StructField, StructType  # deferred: pyspark

    ordered = (pairs.partitionBy(n_slices(n_units), lambda s: s)
               .mapPartitions(lambda part: sorted((v for _, v in part), key=lambda rv: rv[0]),
                              preservesPartitioning=True))
    return spark.createDataFrame(ordered, StructType([StructField("row", LongType()),
                                                      StructField("features", VectorUDT())]))


def fit_vectors(frame: Any, *, n_units: int, k: int, seed: int, config: Any) -> tuple[np.ndarray, np.ndarray, dict]:
    """MLlib's online LDA on ``frame`` (``row``: the unit's position, 0..n-1; ``features``: its counts).

    Returns ``(topic_term (K x V), doc_topic (n x K), info)``, rows summing to 1; the proportions
    reach the driver one partition at a time (``toLocalIterator``), written into one array.
    """
    lda, info = mllib_estimator(k=k, seed=seed, n_units=n_units, config=config)
    model = lda.fit(frame)
    topic_term = model.topicsMatrix().toArray().T  # (V x K) -> (K x V)
    doc_topic = np.zeros((n_units, k))
    for r in model.transform(frame).select("row", "topicDistribution").toLocalIterator(prefetchPartitions=False):
        doc_topic[r["row"]] = r["topicDistribution"].toArray()
    info.update(partitions=frame.rdd.getNumPartitions(), spark=frame.sparkSession.version,
                alpha_fitted=[round(float(a), 6) for a in model.estimatedDocConcentration().toArray()])
    log.debug("topics: mllib K=%d seed=%d: %d iterations on %d partition(s)", k, seed, info["max_iter"],
              info["partitions"])
    return _rows_to_one(topic_term), _rows_to_one(doc_topic), info


def unit_vectors(spark: Any, store: Any, *, units: Any, vocabulary: Sequence[str], unit: str) -> Any:
    """The units' count vectors over ``vocabulary``, built on Spark from ``store``: ``row``, ``features``.

    ``units``: the units to fit, in order (``statement_id``, and ``paragraph`` for paragraph units);
    ``row`` is a unit's position there. Partitioned as :func:`fit_mllib_counts` partitions the same
    rows (:func:`slice_of`), sorted by ``row`` within a partition, and cached (every seed's fit and
    transform reads it); ``unpersist()`` it when done. Tokens of units not in ``units`` are left out.
    """
    from pyspark.ml.feature import CountVectorizerModel  # deferred: pyspark is optional and heavy
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    keys = UNIT_COLUMNS[unit]
    n = len(units)
    index = pd.DataFrame({"statement_id": units["statement_id"].astype(str).to_numpy(dtype=object),
                          "paragraph": (units["paragraph"].fillna(0).to_numpy(dtype=np.int64)
                                        if unit == "paragraph" else np.zeros(n, np.int64)),
                          "row": np.arange(n, dtype=np.int64), "slice": slice_of(np.arange(n), n)})
    index = spark.createDataFrame(index[[*keys, "row", "slice"]],
                                  ", ".join([f"{c} {'string' if c == 'statement_id' else 'long'}"
                                             for c in keys] + ["row long", "slice long"]))
    docs = (kept_terms(spark, store, keys=keys).join(F.broadcast(index), list(keys))
            .groupBy("row", "slice").agg(F.collect_list("term").alias("terms")))
    model = CountVectorizerModel.from_vocabulary(list(vocabulary), inputCol="terms", outputCol="features")
    pairs = model.transform(docs).select("slice", "row", "features").rdd.map(
        lambda r: (r["slice"], (r["row"], r["features"])))
    return in_slices(spark, pairs, n_units=n).cache()


def kept_terms(spark: Any, store: Any, *, keys: Sequence[str]) -> Any:
    """The store's kept tokens on Spark: ``keys`` (``statement_id`` as text, ``paragraph``) and ``term``."""
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    return (spark.read.parquet(*[str(store.path / f"tokens-{name}.parquet") for name in store.chunks])
            .filter(F.col("keep")).select(*(F.col(k).cast("string" if k == "statement_id" else "long").alias(k)
                                            for k in keys), F.col("term").cast("string")))


def fit_mllib_store(spark: Any, store: Any, *, prepared: Any, unit: str, config: Any) -> Any:
    """The fits of a prepared matrix whose cells stayed on Spark (:func:`textanalytics.spark.prepare.prepare_on_spark`).

    Returns ``(fit, release)``: ``fit(k, seed)`` gives ``(topic_term, doc_topic, info)`` in
    ``prepared.units`` x ``prepared.vocabulary`` order, as
    :func:`~textanalytics.topics.fit.fit_prepared_ensemble` takes it; ``release()`` drops the
    cached vectors.
    """
    vectors = unit_vectors(spark, store, units=prepared.units, vocabulary=prepared.vocabulary, unit=unit)
    n = len(prepared.units)

    def fit(k: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict]:
        return fit_vectors(vectors, n_units=n, k=k, seed=seed, config=config)

    return fit, vectors.unpersist


def _rows_to_one(a: np.ndarray) -> np.ndarray:
    a = np.maximum(np.asarray(a, dtype=np.float64), 0.0)
    return a / np.maximum(a.sum(axis=1, keepdims=True), 1e-300)
