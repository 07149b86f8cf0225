"""Distinctive terms of each statement or each group of statements: c-TF-IDF (default) or TF-IDF."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from ..features import DocumentTermMatrix
from ..grouping import group_units, statement_indicator
from .keyness_groups import keyness_sums
from ..results import TableResult
from .stats import ctfidf, tfidf

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["distinctive_terms", "distinctive_of_sums", "group_tfidf", "DistinctiveTerms", "DISTINCTIVE_COLUMNS"]

logger = logging.getLogger(__name__)

#: Columns of the :func:`distinctive_terms` table, in order.
DISTINCTIVE_COLUMNS = ("group_by", "group", "term", "score", "rank", "count", "n_statements", "total_statements")


@dataclass(frozen=True, eq=False, repr=False)
class DistinctiveTerms(TableResult):
    """The c-TF-IDF (or TF-IDF) top terms of each group (:func:`distinctive_terms`).

    Attributes
    ----------
    table:
        Columns :data:`DISTINCTIVE_COLUMNS`, described in :func:`distinctive_terms`.
    params:
        ``group_by, top_n, idf, unit, groups, n_statements_without_group`` and
        the matrix's ``params`` under ``dtm_params``.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("group_by", "top_n", "idf")

    def summary(self) -> pd.DataFrame:
        """One row per group: its number of statements and its terms, best first."""
        t = self.table
        return (t.groupby("group", sort=False)
                .agg(total_statements=("total_statements", "first"), terms=("term", ", ".join)).reset_index())

    def plot(self, **kwargs: Any) -> "Figure":
        """Small multiples, one panel per group; see :func:`~textanalytics.compare.plot_distinctive_terms`."""
        from .plots import plot_distinctive_terms  # matplotlib is imported on first plot

        kwargs.setdefault("top_n", self.params.get("top_n", 10))
        return plot_distinctive_terms(self.table, **kwargs)


def group_tfidf(dtm: DocumentTermMatrix, *, corpus: Any, group_by: str = "statement",
                idf: Literal["class", "groups", "units"] = "class") -> tuple[Any, Any, Any, np.ndarray]:
    """The c-TF-IDF or TF-IDF vector of every group (see :func:`distinctive_terms`).

    Returns ``(scores, counts, grouping, n_statements)``: ``scores`` is the
    ``(n_groups, n_terms)`` sparse CSR matrix of weights, ``counts`` the summed
    raw counts it was computed from, ``grouping.names`` the groups (rows) and
    ``n_statements`` the statements in each group.
    """
    if idf not in ("class", "groups", "units"):
        raise InputError(f"idf: expected 'class', 'groups' or 'units', got {idf!r}")
    g = group_units(dtm, corpus=corpus, group_by=group_by)
    gi = g.indicator()
    counts = (gi @ dtm.counts).tocsr()
    counts.sort_indices()
    if idf == "class":
        scores = ctfidf(counts)
    else:
        scores = tfidf(counts, idf_counts=None if idf == "groups" else dtm.counts)
    _, s_codes = np.unique(dtm.units["statement_id"].astype(str).to_numpy(dtype=object), return_inverse=True)
    ok = g.codes >= 0
    pairs = np.unique(np.stack([g.codes[ok], s_codes.ravel()[ok]]), axis=1)
    n_statements = np.bincount(pairs[0], minlength=len(g.names)).astype(np.int64)
    return scores.tocsr(), counts, g, n_statements


def distinctive_terms(dtm: DocumentTermMatrix, *, corpus: Any, group_by: str = "statement",
                      top_n: int = 15, idf: Literal["class", "groups", "units"] = "class") -> DistinctiveTerms:
    """The ``top_n`` terms with the highest c-TF-IDF (or TF-IDF) weight in each group.

    How a group's vector is formed
    ------------------------------
    1. The raw counts of all units (paragraphs or statements) of the group are
       summed: the group is treated as one document.
    2. ``idf="class"`` (default): c-TF-IDF, BERTopic's class-based TF-IDF
       (Grootendorst 2022, eq. 1; :func:`~textanalytics.compare.stats.ctfidf`):
       ``W(t, c) = tf(t, c) / Σ_t tf(t, c) × ln(1 + A / f(t))`` with ``A`` the mean
       number of tokens per group and ``f(t)`` the term's count over all groups. Unlike
       a document-frequency idf it stays informative with two or three groups (a term
       half of whose uses are in one group of three scores far below one used only there).
       ``idf="groups"``: scikit-learn's :class:`TfidfTransformer`
       (``smooth_idf=True, sublinear_tf=False, norm="l2"``; computed by
       :func:`~textanalytics.compare.stats.tfidf`, equal to it) is fitted on the
       groups × terms matrix, so ``idf(t) = ln((1 + G) / (1 + df_G(t))) + 1``
       where ``G`` is the number of groups and ``df_G(t)`` the number of groups
       using ``t``. The weight is ``count × idf``, then each group's vector is
       scaled to unit length. A term scores high when the group uses it often
       *and* few other groups use it — what "distinctive of the group" means.
       With ``group_by="statement"`` this is ordinary TF-IDF over statements.
       With few groups this idf takes few values (two groups: 1 or 1.405), so
       frequent shared words rank high: it degenerates to frequency; use ``"class"``
       or :func:`keyness` for a test of the difference.
    3. ``idf="units"``: the ``"groups"`` weight with the idf fitted on the units of
       ``dtm`` (``G`` = number of paragraphs/statements), favouring terms
       concentrated in few units.

    Parameters
    ----------
    dtm:
        A paragraph- or statement-level matrix.
    corpus:
        The corpus (or its ``statements``) giving each statement its group.
    group_by:
        ``"statement"`` (default: each statement) or a column of
        ``corpus.statements``. Statements with a missing value form no group
        (logged; counted in ``params["n_statements_without_group"]``).
    top_n:
        Terms per group (fewer when the group uses fewer terms).

    Returns
    -------
    DistinctiveTerms
        ``table`` columns ``group_by`` (the column name), ``group`` (the group as a string;
        the statement id for ``"statement"``), ``term``, ``score`` (the weight),
        ``rank`` (1 = highest), ``count`` (raw count of the term in the group),
        ``n_statements`` (statements of the group containing the term, as in
        :func:`keyness`), ``total_statements`` (statements in the group). Sorted by group
        (sorted order) then rank; equal scores are ranked alphabetically.
        ``params`` records the parameters.

    Example
    -------
    >>> distinctive_terms(dtm, corpus=corpus, group_by="year", top_n=10).table  # doctest: +SKIP
    """
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 1:
        raise InputError(f"top_n: expected an integer >= 1, got {top_n!r}")
    if idf not in ("class", "groups", "units"):
        raise InputError(f"idf: expected 'class', 'groups' or 'units', got {idf!r}")
    return distinctive_of_sums(keyness_sums(dtm, grouping=group_units(dtm, corpus=corpus, group_by=group_by)),
                               group_by=group_by, top_n=top_n, idf=idf)


def distinctive_of_sums(data: Any, *, group_by: str, top_n: int, idf: str) -> DistinctiveTerms:
    """:func:`distinctive_terms` from per-group sums (:class:`~textanalytics.compare.keyness_groups.KeynessSums`,
    made from a matrix or on Spark): the same table."""
    g, counts, group_df, n_statements = data.grouping, data.a, data.statements, data.s
    if idf == "class":
        scores = ctfidf(counts)
    else:
        scores = tfidf(counts, document_frequency=None if idf == "groups" else (data.unit_df, data.n_units))
    names = g.names
    vocab = np.asarray(data.vocabulary, dtype=object)
    rows: dict[str, list[Any]] = {c: [] for c in DISTINCTIVE_COLUMNS}
    for i, name in enumerate(names):
        lo, hi = scores.indptr[i], scores.indptr[i + 1]
        cols, vals = scores.indices[lo:hi], scores.data[lo:hi]
        keep = vals > 0
        cols, vals = cols[keep], vals[keep]
        # Columns are alphabetical, so the column index breaks ties by term.
        order = np.lexsort((cols, -vals))[:top_n]
        cols, vals = cols[order], vals[order]
        clo, chi = counts.indptr[i], counts.indptr[i + 1]
        c = counts.data[clo + np.searchsorted(counts.indices[clo:chi], cols)]
        rows["group_by"] += [group_by] * len(cols)
        rows["group"] += [name] * len(cols)
        rows["term"] += vocab[cols].tolist()
        rows["score"] += vals.tolist()
        rows["rank"] += list(range(1, len(cols) + 1))
        rows["count"] += c.astype(np.int64).tolist()
        rows["n_statements"] += np.asarray(group_df[i, cols].toarray()).ravel().astype(np.int64).tolist()
        rows["total_statements"] += [int(n_statements[i])] * len(cols)
    out = pd.DataFrame(rows, columns=list(DISTINCTIVE_COLUMNS))
    out = out.astype({"score": np.float64, "rank": np.int64, "count": np.int64, "n_statements": np.int64,
                      "total_statements": np.int64})
    params = {"group_by": group_by, "top_n": int(top_n), "idf": idf, "unit": data.unit, "groups": list(names),
              "n_statements_without_group": g.n_statements_without_group, "dtm_params": dict(data.params)}
    return DistinctiveTerms(table=out, params=params)
