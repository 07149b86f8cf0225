"""Keyness's sufficient statistics summed on Spark: per group and term, exact integer sums.

The statement-level tests of :mod:`textanalytics.compare.inference` read, per group g and
term, ``Σx``, ``Σx²`` and ``Σx·L`` over the group's statements (x: the term's kept tokens in a
statement, L: the statement's kept tokens), and per group ``ΣL``, ``ΣL²`` and the number of
statements (:class:`~textanalytics.compare.inference.GroupSums`); the Fisher test of rare
terms and the dispersion rule read the statements (and paragraphs) of each group that use the
term. :func:`keyness_sums_on_spark` makes all of them from a token store: one Spark aggregation by
(statement, term), then by (group, term), so only the (groups x terms) table reaches the
driver. The per-statement lengths and groups come from the store's unit table, which the
driver already holds (one row per paragraph).

The sums are integers, so as float64 they equal :func:`~textanalytics.compare.inference.group_sums`
of the statement x term matrix exactly (tested), and a test computed from them gives the
same bits. Only permutation tests (exact ones for small groups, or ``[compare] test =
"permutation"``) read statement x term counts: :func:`statement_rows` collects those of the
compared statements and the tested terms.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..compare.keyness_groups import KeynessSums
from ..grouping import group_units, indicator, statement_indicator
from .lda import kept_terms
from .prepare import unit_table

log = logging.getLogger(__name__)

#: The pruning parameters an unpruned ``build_dtm`` records (its ``params``).
UNPRUNED = {"min_df": 1, "max_df": 1.0, "max_features": 0}

__all__ = ["keyness_sums_on_spark", "statement_rows"]


def keyness_sums_on_spark(spark: Any, store: Any, *, corpus: Any, group_by: str, unit: str) -> KeynessSums:
    """The :class:`~textanalytics.compare.keyness_groups.KeynessSums` of ``group_by``'s groups over the store's
    kept tokens, as :func:`~textanalytics.compare.keyness_groups.keyness_sums` makes them of
    ``build_dtm(store, unit=unit)`` (module docstring; tested).

    ``unit``: the comparison matrix's unit (``"paragraph"`` adds the paragraph counts). Groups are
    numbered as :func:`~textanalytics.grouping.group_units` numbers them on the matrix's units;
    statements without a value belong to no group. Its ``rows`` collect the counts of the
    statements and terms a permutation test asks for (:func:`statement_rows`).
    """
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    units = unit_table(store.units, unit=unit)
    grouping = group_units(units, corpus=corpus, group_by=group_by)
    ids, s_ind = statement_indicator(units)
    codes = grouping.codes[s_ind.indices[s_ind.indptr[:-1]]] if len(ids) else np.array([], dtype=np.int64)
    lengths = np.asarray(s_ind @ units["n_tokens"].to_numpy(dtype=np.int64), dtype=np.int64)
    k = len(grouping.names)
    index = spark.createDataFrame(pd.DataFrame({"statement_id": ids.astype(str), "code": codes.astype(np.int64),
                                                "length": lengths}), "statement_id string, code long, length long")
    paragraph = unit == "paragraph"
    tokens = kept_terms(spark, store, keys=("statement_id", "paragraph") if paragraph else ("statement_id",))
    cells = [F.count("*").alias("x")] + ([F.countDistinct("paragraph").alias("p")] if paragraph else [])
    per = tokens.groupBy("statement_id", "term").agg(*cells).join(F.broadcast(index), "statement_id")
    sums = [F.sum("x").alias("a"), F.sum(F.col("x") * F.col("x")).alias("x2"),
            F.sum(F.col("x") * F.col("length")).alias("xl"), F.count("*").alias("statements")]
    table = per.groupBy("code", "term").agg(*sums, *([F.sum("p").alias("paragraphs")] if paragraph else [])).toPandas()
    vocab = np.array(sorted(set(table["term"])), dtype=object)
    col = pd.Index(vocab).get_indexer(table["term"])
    used = table["paragraphs" if paragraph else "statements"].to_numpy(np.int64)
    unit_df = np.bincount(col, weights=used, minlength=len(vocab)).astype(np.int64)
    grouped = table["code"].to_numpy() >= 0
    rows, cols = table["code"].to_numpy(np.int64)[grouped], col[grouped]

    def matrix(column: str) -> sp.csr_matrix:
        out = sp.csr_matrix((table[column].to_numpy(np.int64)[grouped], (rows, cols)), shape=(k, len(vocab)))
        out.sort_indices()
        return out

    def fetch(members: np.ndarray, wanted: np.ndarray) -> sp.csr_matrix:
        return statement_rows(spark, store, statement_ids=ids[members], terms=vocab[wanted])

    gs, gi = indicator(codes, n_groups=k), grouping.indicator()
    log.info("spark: keyness sums by %s summed on Spark (%d groups x %d terms, %d cells collected)", group_by, k,
             len(vocab), len(table))
    return KeynessSums(grouping=grouping, vocabulary=vocab, unit=unit,
                       params={"unit": unit, "n_terms_before_pruning": len(vocab), **UNPRUNED}, a=matrix("a"), x2=matrix("x2"),
                       xl=matrix("xl"), statements=matrix("statements"),
                       paragraphs=matrix("paragraphs") if paragraph else None,
                       n=np.asarray(gs @ lengths, dtype=np.int64), l2=np.asarray(gs @ (lengths * lengths), dtype=np.int64),
                       s=np.asarray(gs.sum(axis=1), dtype=np.int64).ravel(),
                       n_paragraphs=np.asarray(gi.sum(axis=1), dtype=np.int64).ravel() if paragraph else None,
                       codes=codes, lengths=lengths, unit_df=unit_df, n_units=len(units), rows=fetch)


def statement_rows(spark: Any, store: Any, *, statement_ids: np.ndarray, terms: np.ndarray) -> sp.csr_matrix:
    """The kept-token counts of these statements (rows, in the order given) and terms (columns), float64 CSR:
    counted on Spark, only those cells collected (what a permutation test relabels)."""
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    shape = (len(statement_ids), len(terms))
    if not all(shape):
        return sp.csr_matrix(shape, dtype=np.float64)
    wanted_ids = spark.createDataFrame(pd.DataFrame({"statement_id": np.asarray(statement_ids).astype(str)}),
                                       "statement_id string")
    wanted_terms = spark.createDataFrame(pd.DataFrame({"term": pd.Series(list(terms), dtype=object)}), "term string")
    cells = (kept_terms(spark, store, keys=("statement_id",)).join(F.broadcast(wanted_ids), "statement_id")
             .join(F.broadcast(wanted_terms), "term").groupBy("statement_id", "term").agg(F.count("*").alias("x"))
             .toPandas())
    out = sp.csr_matrix((cells["x"].to_numpy(np.float64), (pd.Index(list(statement_ids)).get_indexer(cells["statement_id"]),
                                                          pd.Index(list(terms)).get_indexer(cells["term"]))), shape=shape)
    out.sort_indices()
    log.info("spark: %d statement x term cells collected for a permutation test (%d statements, %d terms)",
             out.nnz, shape[0], shape[1])
    return out
