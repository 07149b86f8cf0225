"""The matrix as the topic engines see it: pruned columns, no empty rows (:func:`prepare`),
and the checks every fit makes on K and seeds."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError, StepSkipped
from ..features import DocumentTermMatrix
from ..provenance import digest
from .config import TopicConfig

logger = logging.getLogger(__name__)

__all__ = ["PreparedMatrix", "prepare", "subset", "check_size", "check_seed", "check_seeds"]


@dataclass(frozen=True)
class PreparedMatrix:
    """The matrix as the engines see it: pruned columns, no empty rows.

    ``counts`` is None when the cells stayed where they were counted (the Spark backend's
    ``"mllib"`` fits, :mod:`textanalytics.spark.prepare`): the rows are ``units``, the
    columns ``vocabulary``, and every other field is as :func:`prepare` makes it.
    """

    counts: sp.csr_matrix | None
    vocabulary: tuple[str, ...]
    units: pd.DataFrame
    term_counts: np.ndarray
    dropped_units: tuple[str, ...]
    n_terms_before_pruning: int
    #: Counts of the terms pruned before fitting (same rows as ``counts``), or None.
    pruned: sp.csr_matrix | None = None
    #: Statements using each term (``(V,)``), or None: labels leave out terms of too few statements.
    term_statements: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """``(units, terms)``."""
        return (len(self.units), len(self.vocabulary)) if self.counts is None else self.counts.shape

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the matrix and vocabulary (computed once; part of every fit's cache key)."""
        c = self.counts.tocsr()
        return digest([*(np.ascontiguousarray(arr).tobytes() for arr in (c.data, c.indices, c.indptr)),
                       "\x1f".join(self.vocabulary)])


def prepare(dtm: DocumentTermMatrix, config: TopicConfig) -> PreparedMatrix:
    if not isinstance(dtm, DocumentTermMatrix):
        raise InputError("dtm: expected a DocumentTermMatrix; build one with "
                         "textanalytics.build_dtm(tokens) or features.dtm_from_texts(units, texts)")
    if (config.min_df, config.max_df, config.max_features) != (1, 1.0, 0):
        dtm = dtm.prune(min_df=config.min_df, max_df=config.max_df, max_features=config.max_features)
    counts = dtm.counts
    n_terms = np.asarray(counts.sum(axis=1)).ravel()
    rows = np.flatnonzero(n_terms > 0)
    dropped = tuple(dtm.units["unit_id"].astype(str).to_numpy()[n_terms == 0])
    if dropped:
        logger.info("topics: dropped %d units with no modelled term", len(dropped))
    counts = counts[rows]
    # Terms left without any count (their units pruned away) cannot be modelled.
    totals = np.asarray(counts.sum(axis=0)).ravel()
    cols = np.flatnonzero(totals > 0)
    counts = sp.csr_matrix(counts[:, cols], dtype=np.float64)
    counts.sort_indices()
    units = dtm.units.iloc[rows].reset_index(drop=True)
    units = pd.DataFrame({
        "unit_id": units["unit_id"].astype(str).to_numpy(),
        "statement_id": units["statement_id"].astype(str).to_numpy(),
        "paragraph": pd.array(units["paragraph"] if "paragraph" in units else [pd.NA] * len(units),
                              dtype="Int64"),
        "n_tokens": units["n_tokens"].to_numpy(dtype=np.int64) if "n_tokens" in units
        else n_terms[rows].astype(np.int64),
        "n_terms": n_terms[rows].astype(np.int64),
    })
    return PreparedMatrix(
        counts=counts,
        vocabulary=tuple(dtm.vocabulary[j] for j in cols),
        units=units,
        term_counts=totals[cols],
        dropped_units=dropped,
        n_terms_before_pruning=int(dtm.params.get("n_terms_before_pruning", len(dtm.vocabulary))),
        pruned=None if dtm.pruned is None else sp.csr_matrix(dtm.pruned[rows], dtype=np.float64),
        term_statements=statements_using(counts, units["statement_id"].to_numpy()),
    )


def statements_using(counts: sp.csr_matrix, statement_ids: np.ndarray) -> np.ndarray:
    """``(V,)`` the number of statements whose units use each column of ``counts`` (units x terms).

    >>> statements_using(sp.csr_matrix([[1, 0], [2, 0], [0, 3]]), np.array(["a", "a", "b"])).tolist()
    [1, 1]
    """
    codes, uniques = pd.factorize(np.asarray(statement_ids, dtype=str))
    by_statement = sp.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))),
                                 shape=(len(uniques), len(codes))) @ sp.csr_matrix(counts)
    return np.diff(sp.csc_matrix(by_statement).indptr).astype(np.int64)


def subset(prep: PreparedMatrix, *, counts: sp.spmatrix | None = None,
           rows: np.ndarray | None = None) -> PreparedMatrix:
    """``prep`` with its counts replaced (same shape) and/or only ``rows``; columns left empty are dropped.

    For the fits that choose K (held-out split, subsamples): they are scored, never
    described, so the pruned counts are not carried over.
    """
    if counts is None and rows is None:
        return prep
    c = prep.counts if counts is None else sp.csr_matrix(counts, dtype=np.float64)
    units = prep.units
    if rows is not None:
        c, units = c[rows], units.iloc[rows].reset_index(drop=True)
    totals = np.asarray(c.sum(axis=0)).ravel()
    cols = np.flatnonzero(totals > 0)
    c = sp.csr_matrix(c[:, cols])
    c.sort_indices()
    return PreparedMatrix(counts=c, vocabulary=tuple(prep.vocabulary[j] for j in cols),
                          units=units.assign(n_terms=np.asarray(c.sum(axis=1)).ravel().astype(np.int64)),
                          term_counts=totals[cols], dropped_units=prep.dropped_units,
                          n_terms_before_pruning=prep.n_terms_before_pruning,
                          term_statements=statements_using(c, units["statement_id"].to_numpy()))


def check_size(prep: PreparedMatrix, k: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise InputError(f"k: the number of topics must be an integer of at least 2, got {k!r}")
    n, v = prep.shape
    if n < k:
        raise StepSkipped(
            f"a topic model with K={k} needs at least {k} non-empty units, but the matrix has {n} "
            f"({len(prep.dropped_units)} empty units dropped); use a smaller K or paragraph units")
    if v < k:
        raise StepSkipped(f"a topic model with K={k} needs at least {k} terms, but the pruned "
                          f"vocabulary has {v}; relax the vocabulary pruning")


def check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed: must be an integer, got {seed!r}")


def check_seeds(seeds: Sequence[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)) or not len(seeds):
        raise InputError(f"seeds: expected a non-empty list of integers, got {seeds!r}")
    for s in seeds:
        check_seed(s)
    out = [int(s) for s in seeds]
    if len(set(out)) != len(out):
        raise InputError(f"seeds: contains duplicates: {out}")
    return out
