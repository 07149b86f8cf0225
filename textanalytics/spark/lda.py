"""Topic models with MLlib's LDA (online variational Bayes), fed from a token store on Spark.

:func:`unit_features` turns the store's kept tokens into one sparse count vector per unit with
``CountVectorizerModel.from_vocabulary`` (the vocabulary of the driver's matrix, so columns
match it); :func:`fit_mllib_lda` fits ``pyspark.ml.clustering.LDA(optimizer="online")`` and
returns plain arrays: ``topic_term`` (K x V, rows sum to 1) and the top terms, on which the
package's statistics (coherence, FREX, relevance) run unchanged. Only K x V numbers reach the
driver; document-topic proportions stay on Spark (``transform``) unless aggregated.

Determinism: with the same seed, data, partitioning and ``maxIter`` Spark gives the same model
run to run on one cluster, but online VB samples mini-batches per partition
(``subsamplingRate``), so another number of partitions, or a different order of units, gives a
different model; floating-point sums across executors may also differ in the last bits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

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

    keys = UNIT_COLUMNS[unit]
    tokens = (spark.read.parquet(*[str(store.path / f"tokens-{name}.parquet") for name in store.chunks])
              .filter(F.col("keep")).select(*(F.col(k).cast("string") if k == "statement_id" else F.col(k)
                                              for k in keys), F.col("term").cast("string")))
    unit_id = F.col("statement_id") if unit == "statement" else F.concat_ws(":", "statement_id", "paragraph")
    docs = tokens.groupBy(unit_id.alias("unit_id")).agg(F.collect_list("term").alias("terms"))
    model = CountVectorizerModel.from_vocabulary(list(vocabulary), inputCol="terms", outputCol="features")
    return model.transform(docs).select("unit_id", "features").orderBy("unit_id")


def fit_mllib_lda(features: Any, *, k: int, seed: int, vocabulary: Sequence[str], max_iter: int = 50,
                  alpha: float | None = None, eta: float = 0.05, subsampling_rate: float = 0.05) -> MllibTopics:
    """Fit ``pyspark.ml.clustering.LDA`` (online VB) with ``k`` topics on ``features`` (:func:`unit_features`)."""
    from pyspark.ml.clustering import LDA  # deferred: pyspark is optional and heavy

    lda = LDA(k=k, seed=seed, maxIter=max_iter, optimizer="online", topicConcentration=eta,
              subsamplingRate=subsampling_rate, optimizeDocConcentration=alpha is None,
              featuresCol="features")
    if alpha is not None:
        lda = lda.setDocConcentration([float(alpha)] * k)
    model = lda.fit(features)
    matrix = model.topicsMatrix().toArray().T  # (V x K) -> (K x V)
    topic_term = matrix / matrix.sum(axis=1, keepdims=True)
    return MllibTopics(topic_term=topic_term, vocabulary=tuple(vocabulary),
                       params={"engine": "mllib_online_lda", "k": k, "seed": seed, "max_iter": max_iter,
                               "eta": eta, "subsampling_rate": subsampling_rate,
                               "alpha": alpha if alpha is not None else "optimized",
                               "n_partitions": features.rdd.getNumPartitions()})
