"""Keyness's sufficient statistics summed on Spark: per group and term, exact integer sums.

The statement-level tests of :mod:`textanalytics.compare.inference` read, per group g and
term, ``Σx``, ``Σx²`` and ``Σx·L`` over the group's statements (x: the term's kept tokens in a
statement, L: the statement's kept tokens), and per group ``ΣL``, ``ΣL²`` and the number of
statements (:class:`~textanalytics.compare.inference.GroupSums`); the Fisher test of rare
terms and the dispersion rule read the statements (and paragraphs) of each group that use the
term. :func:`statement_sums` makes all of them from a token store: one Spark aggregation by
(statement, term), then by (group, term), so only the (groups x terms) table reaches the
driver. The per-statement lengths and groups come from the store's unit table, which the
driver already holds (one row per paragraph).

The sums are integers, so as float64 they equal :func:`~textanalytics.compare.inference.group_sums`
of the statement x term matrix exactly (tested), and a test computed from them gives the
same bits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..grouping import group_units, indicator, statement_indicator
from .lda import kept_terms
from .prepare import unit_table

__all__ = ["StatementSums", "statement_sums"]


@dataclass(frozen=True, eq=False)
class StatementSums:
    """Per group (rows, ``names`` order) and term (columns, ``vocabulary``): ``a`` = Σx, ``x2`` = Σx²,
    ``xl`` = Σx·L, ``statements`` using the term, ``paragraphs`` using it (paragraph level, else None),
    all ``(k x V)`` int64 CSR; per group ``n`` = ΣL, ``l2`` = ΣL², ``s`` = statements (int64).
    ``statement_ids``, ``lengths`` and ``codes`` (-1: no group) describe the statements, sorted by id."""

    names: tuple[str, ...]
    vocabulary: tuple[str, ...]
    a: sp.csr_matrix
    x2: sp.csr_matrix
    xl: sp.csr_matrix
    statements: sp.csr_matrix
    paragraphs: sp.csr_matrix | None
    n: np.ndarray
    l2: np.ndarray
    s: np.ndarray
    statement_ids: np.ndarray
    lengths: np.ndarray
    codes: np.ndarray


def statement_sums(spark: Any, store: Any, *, corpus: Any, group_by: str, unit: str) -> StatementSums:
    """The sums of the module docstring for ``group_by``'s groups over the store's kept tokens.

    ``unit``: the comparison matrix's unit (``"paragraph"`` adds the paragraph counts).
    Groups are numbered as :func:`~textanalytics.grouping.group_units` numbers them on the
    matrix's units; statements without a value belong to no group.
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
    grouped = table[table["code"].to_numpy() >= 0]
    rows, cols = grouped["code"].to_numpy(np.int64), pd.Index(vocab).get_indexer(grouped["term"])

    def matrix(column: str) -> sp.csr_matrix:
        return sp.csr_matrix((grouped[column].to_numpy(np.int64), (rows, cols)), shape=(k, len(vocab)))

    gs = indicator(codes, n_groups=k)
    return StatementSums(names=grouping.names, vocabulary=tuple(vocab.tolist()), a=matrix("a"), x2=matrix("x2"),
                         xl=matrix("xl"), statements=matrix("statements"),
                         paragraphs=matrix("paragraphs") if paragraph else None,
                         n=np.asarray(gs @ lengths, dtype=np.int64), l2=np.asarray(gs @ (lengths * lengths), dtype=np.int64),
                         s=np.asarray(gs.sum(axis=1), dtype=np.int64).ravel(), statement_ids=ids, lengths=lengths,
                         codes=codes)
