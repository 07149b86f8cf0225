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

from ..grouping import factorize_labels, indicator
from .config import VocabularyConfig
from .dtm import DocumentTermMatrix

__all__ = ["UBIQUITOUS_COLUMNS", "UBIQUITOUS_MIN_UNITS", "ubiquitous_terms", "topic_model_matrix"]

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
    found = pd.DataFrame({"term": pd.Series([], dtype=object), "share_min": pd.Series([], dtype=float),
                          "share_overall": pd.Series([], dtype=float), "groups": pd.Series([], dtype=np.int64)})
    if share <= 0 or dtm.n_units == 0:
        return found
    codes = (np.zeros(dtm.n_units, dtype=np.int64) if labels is None
             else factorize_labels(np.asarray(labels, dtype=object))[0])
    sizes = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1 if len(codes) else 0)
    checked = np.flatnonzero(sizes >= min_units) if (sizes >= min_units).any() else np.flatnonzero(sizes)
    if not len(checked):
        return found
    position = np.full(len(sizes) + 1, -1, dtype=np.int64)
    position[checked] = np.arange(len(checked))
    rows = indicator(position[codes], n_groups=len(checked))  # code -1 maps to the last slot: -1
    presence = (dtm.counts > 0).astype(np.int64)
    units = sizes[checked].astype(np.float64)
    # A term above the share in every checked group is above it in those groups pooled: only those are candidates.
    pooled = np.asarray(rows.sum(axis=0) @ presence).ravel() / units.sum()
    candidates = np.flatnonzero(pooled > share)
    share_min = ((rows @ presence[:, candidates]).toarray() / units[:, None]).min(axis=0)
    hit = candidates[share_min > share]
    overall = np.asarray(presence[:, hit].sum(axis=0), dtype=np.float64).ravel() / dtm.n_units
    found = pd.DataFrame({"term": pd.Series([dtm.vocabulary[i] for i in hit], dtype=object),
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
