"""Ubiquitous terms: found in more than a share of the units of every group.

Boilerplate that no stopword list removed (Commons "hon", news "said") sits in
most units of every group; left in the topic-model matrix it leads every
topic. :func:`ubiquitous_terms` finds it; the pipeline leaves it out of the
topic-model matrix only (comparisons keep every term).
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..grouping import factorize_labels, indicator
from .config import VocabularyConfig
from .dtm import DocumentTermMatrix

__all__ = ["UBIQUITOUS_COLUMNS", "UBIQUITOUS_MIN_UNITS", "ubiquitous_terms", "ubiquitous_from_frequencies",
           "topic_model_matrix"]

#: Columns of :func:`ubiquitous_terms`' table.
UBIQUITOUS_COLUMNS = ("term", "share_min", "share_overall", "groups")

#: Groups with fewer units are not checked by :func:`ubiquitous_terms`: one unit moves their share by
#: a tenth or more (in the Commons sample a party with two speeches vetoed every term).
UBIQUITOUS_MIN_UNITS = 10


def ubiquitous_terms(dtm: DocumentTermMatrix, *, labels: Sequence[Any] | np.ndarray | None, share: float,
                     min_units: int = UBIQUITOUS_MIN_UNITS) -> pd.DataFrame:
    """Terms found in more than ``share`` of the units of every group.

    ``labels`` holds one group label per unit (row) of ``dtm``; a missing
    label (None, NaN, "") puts the unit in no group. Groups with fewer than
    ``min_units`` units are not checked, unless no group has that many;
    ``labels=None`` makes the whole corpus one group. ``share <= 0`` finds
    nothing (the list is off).

    Returns one row per term, ``share_min`` descending then ``term``:
    ``term``; ``share_min``, the smallest share of a checked group's units
    that contain the term; ``share_overall``, the share of all units;
    ``groups``, how many groups were checked (the term exceeds ``share`` in each).

    >>> from textanalytics.features import dtm_from_texts
    >>> dtm = dtm_from_texts(["a", "b", "c", "d"], [["hon", "war"], ["hon"], ["hon", "tax"], ["tax"]])
    >>> ubiquitous_terms(dtm, labels=["x", "x", "y", "y"], share=0.4, min_units=1)
      term  share_min  share_overall  groups
    0  hon        0.5           0.75       2
    """
    if share <= 0 or dtm.n_units == 0:
        return ubiquitous_from_frequencies(None, sizes=np.zeros(0, np.int64), df=np.zeros(0, np.int64), n_units=0,
                                           vocabulary=(), share=share, min_units=min_units)
    codes = (np.zeros(dtm.n_units, dtype=np.int64) if labels is None
             else factorize_labels(np.asarray(labels, dtype=object))[0])
    sizes = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1 if len(codes) else 0)
    presence = (dtm.counts > 0).astype(np.int64)

    def group_df(groups: np.ndarray) -> sp.csr_matrix:
        position = np.full(len(sizes) + 1, -1, dtype=np.int64)
        position[groups] = np.arange(len(groups))
        return indicator(position[codes], n_groups=len(groups)) @ presence  # code -1 maps to the last slot: -1

    return ubiquitous_from_frequencies(group_df, sizes=sizes, df=lambda: np.asarray(presence.sum(axis=0)).ravel(),
                                       n_units=dtm.n_units, vocabulary=dtm.vocabulary, share=share,
                                       min_units=min_units)


def ubiquitous_from_frequencies(group_df: Any, *, sizes: np.ndarray, df: Any, n_units: int,
                                vocabulary: Sequence[str], share: float,
                                min_units: int = UBIQUITOUS_MIN_UNITS) -> pd.DataFrame:
    """:func:`ubiquitous_terms` from document frequencies: the rule, written once for every backend.

    ``sizes``: units per group (group codes 0..G-1); ``group_df(groups)``: the units of each
    of ``groups`` (sorted codes) containing each term, a ``(len(groups), V)`` integer matrix
    (sparse or dense); ``df``: units containing each term over the whole corpus (or a function
    giving them); ``n_units``: all units, those without a group included.
    """
    found = pd.DataFrame({"term": pd.Series([], dtype=object), "share_min": pd.Series([], dtype=float),
                          "share_overall": pd.Series([], dtype=float), "groups": pd.Series([], dtype=np.int64)})
    if share <= 0 or n_units == 0:
        return found
    checked = np.flatnonzero(sizes >= min_units) if (sizes >= min_units).any() else np.flatnonzero(sizes)
    if not len(checked):
        return found
    counts = sp.csr_matrix(group_df(checked), dtype=np.int64)
    units = sizes[checked].astype(np.float64)
    # A term above the share in every checked group is above it in those groups pooled: only those are candidates.
    pooled = np.asarray(counts.sum(axis=0)).ravel() / units.sum()
    candidates = np.flatnonzero(pooled > share)
    share_min = (counts[:, candidates].toarray() / units[:, None]).min(axis=0)
    hit = candidates[share_min > share]
    df = np.asarray(df() if callable(df) else df)
    overall = df[hit].astype(np.float64) / n_units
    found = pd.DataFrame({"term": pd.Series([vocabulary[i] for i in hit], dtype=object),
                          "share_min": share_min[share_min > share], "share_overall": overall,
                          "groups": np.full(len(hit), len(checked), dtype=np.int64)})
    return found.sort_values(["share_min", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)


def topic_model_matrix(dtm: DocumentTermMatrix, *, labels: Sequence[Any] | np.ndarray | None,
                       config: VocabularyConfig) -> tuple[DocumentTermMatrix, pd.DataFrame]:
    """The matrix topic models fit: ``dtm`` without its ubiquitous terms, then pruned by ``config``.

    ``labels`` as in :func:`ubiquitous_terms` (one group per unit, or None);
    returns ``(matrix, ubiquitous_terms table)``. The report and the engine
    benchmark build the topic-model matrix with this.
    """
    ubiquitous = ubiquitous_terms(dtm, labels=labels, share=config.ubiquitous_share)
    if len(ubiquitous):
        dtm = dtm.select_terms(~pd.Index(dtm.vocabulary).isin(ubiquitous["term"]))
    return dtm.prune(min_df=config.min_df, max_df=config.max_df, max_features=config.max_features), ubiquitous
