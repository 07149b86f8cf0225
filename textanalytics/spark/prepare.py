"""The topic models' matrix prepared on Spark: the driver gets its vocabulary, units and pruned counts, not its cells.

With ``[spark] backend = "spark"`` and ``[topics] engine = "mllib"`` (at a fixed ``[topics] k``)
the report never builds the topic-model matrix on the driver. :func:`prepare_on_spark` makes
the :class:`~textanalytics.topics.prepare.PreparedMatrix` that
:func:`~textanalytics.topics.prepare.prepare` makes of
:func:`~textanalytics.features.topic_model_matrix`'s matrix, field for field, except
``counts`` (None: the units' vectors are built on Spark from the store when the models are
fitted, :func:`textanalytics.spark.lda.fit_mllib_store`):

1. units and their kept tokens from the store's unit table (already on the driver, one row
   per paragraph), in :func:`~textanalytics.features.build_dtm`'s order;
2. one Spark aggregation of the kept tokens by (group of the unit, term): units containing
   the term and its count. From it the driver applies the same rules as the local path:
   :func:`~textanalytics.features.ubiquitous.ubiquitous_from_frequencies` (``[vocabulary]
   ubiquitous_share``, by the first ``[compare] group_by`` column) and
   :func:`~textanalytics.features.pruning.prune_terms` (``[vocabulary]``, then ``[topics]``
   pruning);
3. one Spark aggregation by (unit, term) of the pruned terms' tokens, and each unit's
   modelled tokens: the counts topic shares extend to (:mod:`textanalytics.topics.kept_tokens`).

What reaches the driver: one row per (group, term) and per unit, and the pruned terms'
cells (on news_articles about 12 % of the matrix's cells: rare terms below ``min_df`` and the
few above ``max_df``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..features.config import VocabularyConfig
from ..features.pruning import prune_terms
from ..features.ubiquitous import ubiquitous_from_frequencies
from ..grouping import factorize_labels, unit_labels
from ..topics.config import TopicConfig
from ..topics.prepare import PreparedMatrix
from .lda import UNIT_COLUMNS, kept_terms

log = logging.getLogger(__name__)

__all__ = ["unit_table", "prepare_on_spark"]


def unit_table(store_units: pd.DataFrame, *, unit: str) -> pd.DataFrame:
    """The units of :func:`~textanalytics.features.build_dtm` (``unit_id, statement_id, paragraph,
    n_tokens``: kept tokens), in its order, from a token store's paragraph table.

    A paragraph without any token is not a unit (the matrix has no row for it).
    """
    u = store_units[store_units["n_tokens"].to_numpy() > 0]
    sid = u["statement_id"].astype(str).to_numpy(dtype=object)
    kept = u["n_kept"].to_numpy(dtype=np.int64)
    if unit == "paragraph":
        par = u["paragraph"].to_numpy(dtype=np.int64)
        order = np.lexsort((par, sid))
        sid, par, kept = sid[order], par[order], kept[order]
        return pd.DataFrame({"unit_id": [f"{s}:{p}" for s, p in zip(sid.tolist(), par.tolist())],
                             "statement_id": sid.tolist(), "paragraph": pd.array(par.tolist(), dtype="Int64"),
                             "n_tokens": kept})
    codes, ids = pd.factorize(sid, sort=True)
    ids = np.asarray(ids, dtype=object).tolist()
    return pd.DataFrame({"unit_id": ids, "statement_id": ids, "paragraph": pd.array([pd.NA] * len(ids), dtype="Int64"),
                         "n_tokens": np.bincount(codes, weights=kept, minlength=len(ids)).astype(np.int64)})


def _index_frame(spark: Any, units: pd.DataFrame, *, unit: str, extra: dict[str, np.ndarray]) -> Any:
    """The units' keys (``statement_id``, ``paragraph``) with ``row`` and ``extra`` long columns, on Spark."""
    keys = UNIT_COLUMNS[unit]
    table = {"statement_id": units["statement_id"].astype(str).to_numpy(dtype=object)}
    if unit == "paragraph":
        table["paragraph"] = units["paragraph"].to_numpy(dtype=np.int64)
    table.update(row=np.arange(len(units), dtype=np.int64), **extra)
    schema = ", ".join(f"{c} {'string' if c == 'statement_id' else 'long'}" for c in table)
    return spark.createDataFrame(pd.DataFrame(table)[[*keys, "row", *extra]], schema)


def prepare_on_spark(spark: Any, store: Any, *, corpus: Any, unit: str, vocabulary: VocabularyConfig,
                     topics: TopicConfig, group_by: str | None) -> tuple[PreparedMatrix, pd.DataFrame]:
    """``(prepared matrix without counts, ubiquitous terms table)`` of the store's tokens (module docstring).

    Equal to ``prepare(topic_model_matrix(build_dtm(store, unit=unit), labels=..., config=vocabulary)[0],
    topics)`` and its ubiquitous table, ``counts`` aside (tested).
    """
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    units = unit_table(store.units, unit=unit)
    n = len(units)
    labels = None if group_by is None else unit_labels(units, corpus=corpus, group_by=group_by)
    codes = np.zeros(n, dtype=np.int64) if labels is None else factorize_labels(labels)[0]
    sizes = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1 if n else 0)
    index = _index_frame(spark, units, unit=unit, extra={"code": codes})
    tokens = kept_terms(spark, store, keys=UNIT_COLUMNS[unit]).join(F.broadcast(index), list(UNIT_COLUMNS[unit]))
    by_group = (tokens.groupBy("code", "term").agg(F.countDistinct("row").alias("df"), F.count("*").alias("tf"))
                .toPandas())
    vocab = np.array(sorted(set(by_group["term"])), dtype=object)
    col = pd.Index(vocab).get_indexer(by_group["term"])
    df = np.bincount(col, weights=by_group["df"].to_numpy(), minlength=len(vocab)).astype(np.int64)
    tf = np.bincount(col, weights=by_group["tf"].to_numpy(), minlength=len(vocab)).astype(np.int64)
    grouped = by_group["code"].to_numpy() >= 0
    group_df = sp.csr_matrix((by_group["df"].to_numpy(np.int64)[grouped], (by_group["code"].to_numpy()[grouped],
                                                                           col[grouped])),
                             shape=(len(sizes), len(vocab)))
    ubiquitous = ubiquitous_from_frequencies(lambda groups: group_df[groups], sizes=sizes, df=df, n_units=n,
                                             vocabulary=vocab.tolist(), share=vocabulary.ubiquitous_share)
    # Columns as DocumentTermMatrix.select_terms leaves them: the modelled terms, and the pruned ones in the
    # order each step dropped them (ubiquitous first), each step in vocabulary order.
    kept = ~pd.Index(vocab).isin(ubiquitous["term"])
    dropped = [np.flatnonzero(~kept)]
    steps = [(vocabulary.min_df, vocabulary.max_df, vocabulary.max_features)]
    if (topics.min_df, topics.max_df, topics.max_features) != (1, 1.0, 0):
        steps.append((topics.min_df, topics.max_df, topics.max_features))
    model = np.flatnonzero(kept)
    for min_df, max_df, max_features in steps:
        mask = prune_terms(df[model], n_docs=n, tf=tf[model], min_df=min_df, max_df=max_df, max_features=max_features)
        dropped.append(model[~mask])
        model = model[mask]
    pruned_cols = np.concatenate(dropped)
    # Each token's column: the modelled terms as -1, the pruned terms by their place in `pruned`.
    place = np.full(len(vocab), -2, dtype=np.int64)
    place[model] = -1
    place[pruned_cols] = np.arange(len(pruned_cols))
    places = spark.createDataFrame(pd.DataFrame({"term": vocab, "col": place}), "term string, col long")
    cells = (tokens.join(F.broadcast(places), "term").groupBy("row", "col").agg(F.count("*").alias("n"))
             .toPandas())
    modelled = cells["col"].to_numpy() == -1
    n_terms = np.zeros(n, dtype=np.int64)
    n_terms[cells["row"].to_numpy()[modelled]] = cells["n"].to_numpy()[modelled]
    rows = np.flatnonzero(n_terms > 0)
    position = np.full(n, -1, dtype=np.int64)
    position[rows] = np.arange(len(rows))
    cell_rows = position[cells["row"].to_numpy()[~modelled]]
    ok = cell_rows >= 0
    pruned = None
    if len(pruned_cols):
        pruned = sp.csr_matrix((cells["n"].to_numpy(np.float64)[~modelled][ok],
                                (cell_rows[ok], cells["col"].to_numpy()[~modelled][ok])),
                               shape=(len(rows), len(pruned_cols)))
        pruned.sum_duplicates()
    dropped_units = tuple(units["unit_id"].astype(str).to_numpy()[n_terms == 0])
    if dropped_units:
        log.info("topics: dropped %d units with no modelled term", len(dropped_units))
    kept_units = units.iloc[rows].reset_index(drop=True)
    # Statements using each modelled term (labels leave out terms of too few), counted where the tokens are.
    names = spark.createDataFrame(pd.DataFrame({"term": vocab[model]}), "term string")
    used = (tokens.join(F.broadcast(names), "term").groupBy("term")
            .agg(F.countDistinct("statement_id").alias("statements")).toPandas())
    term_statements = np.zeros(len(model), dtype=np.int64)
    term_statements[pd.Index(vocab[model]).get_indexer(used["term"])] = used["statements"].to_numpy(np.int64)
    prepared = PreparedMatrix(
        counts=None, vocabulary=tuple(vocab[model].tolist()),
        units=pd.DataFrame({"unit_id": kept_units["unit_id"].astype(str).to_numpy(),
                            "statement_id": kept_units["statement_id"].astype(str).to_numpy(),
                            "paragraph": pd.array(kept_units["paragraph"], dtype="Int64"),
                            "n_tokens": kept_units["n_tokens"].to_numpy(dtype=np.int64),
                            "n_terms": n_terms[rows]}),
        term_counts=tf[model], dropped_units=dropped_units, n_terms_before_pruning=len(vocab), pruned=pruned,
        term_statements=term_statements)
    log.info("spark: topic-model matrix prepared on Spark (%d units x %d terms; %d pruned terms, %d of their "
             "cells collected)", len(rows), len(model), len(pruned_cols), 0 if pruned is None else pruned.nnz)
    return prepared, ubiquitous
