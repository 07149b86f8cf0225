"""Group x term counts summed on Spark from a token store: what keyness and distinctive terms need at scale.

:func:`group_term_counts` reads the store's chunk files on the executors, keeps the kept
tokens, attaches each statement's group (a small table: one label per statement, broadcast)
and sums ``groupBy(group, term)``; only the (groups x terms) table reaches the driver.
:func:`group_matrix` turns it into the :class:`~textanalytics.features.DocumentTermMatrix`
:func:`~textanalytics.features.group_counts` gives, so the package's statistics
(``compare/stats.py``: G², log ratio, c-TF-IDF) run on it unchanged.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..grouping import group_labels, label_str

COLUMNS = ("group", "term", "count", "n_statements")


def group_term_counts(spark: Any, store: Any, *, corpus: Any, group_by: str,
                      terms: Sequence[str] | None = None) -> pd.DataFrame:
    """Kept tokens of each (group, term), summed on Spark; sorted by ``group, term``.

    Columns: ``group`` (the label as text), ``term``, ``count`` (kept tokens), ``n_statements``
    (statements of the group using the term). Statements without a value in ``group_by`` belong
    to no group. ``terms``: only these (e.g. a matrix's vocabulary).
    """
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    labels = group_labels(corpus, group_by=group_by).dropna()
    table = pd.DataFrame({"statement_id": labels.index.astype(str).to_numpy(dtype=object),
                          "group": [label_str(v) for v in labels.to_numpy()]})
    tokens = (spark.read.parquet(*[str(store.path / f"tokens-{name}.parquet") for name in store.chunks])
              .filter(F.col("keep")).select(F.col("statement_id").cast("string"), F.col("term").cast("string")))
    if terms is not None:
        wanted = spark.createDataFrame(pd.DataFrame({"term": pd.Series(list(terms), dtype=object)}), "term string")
        tokens = tokens.join(F.broadcast(wanted), "term")
    grouped = (tokens.join(F.broadcast(spark.createDataFrame(table, "statement_id string, group string")),
                           "statement_id")
               .groupBy("group", "term").agg(F.count("*").alias("count"),
                                             F.countDistinct("statement_id").alias("n_statements")))
    out = grouped.toPandas()
    out = out.astype({"group": object, "term": object, "count": "int64", "n_statements": "int64"})
    return out.sort_values(["group", "term"], kind="stable").reset_index(drop=True)[list(COLUMNS)]


def group_matrix(counts: pd.DataFrame, *, groups: Sequence[str], vocabulary: Sequence[str]) -> sp.csr_matrix:
    """The ``(groups x vocabulary)`` count matrix of a :func:`group_term_counts` table (rows and columns as given)."""
    g = pd.Index(list(groups)).get_indexer(counts["group"])
    t = pd.Index(list(vocabulary)).get_indexer(counts["term"])
    ok = (g >= 0) & (t >= 0)
    return sp.csr_matrix((counts["count"].to_numpy(np.int64)[ok], (g[ok], t[ok])),
                         shape=(len(groups), len(vocabulary)))
