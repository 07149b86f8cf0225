"""Matrices of groups of statements: the units of each group summed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from ..grouping import STATEMENT, unit_labels
from .dtm import DocumentTermMatrix

if TYPE_CHECKING:  # pragma: no cover
    from ..corpus.model import Corpus

__all__ = ["group_counts"]


def group_counts(dtm: DocumentTermMatrix, *, corpus: "Corpus | pd.DataFrame",
                 group_by: str) -> DocumentTermMatrix:
    """Sum the units of each group of statements (``group_by`` column of the corpus).

    Units are mapped to groups through ``statement_id`` (:mod:`textanalytics.grouping`);
    a unit whose statement has no value in the column belongs to no group (logged;
    recorded in ``params["n_units_without_label"]``). See :meth:`DocumentTermMatrix.aggregate`.
    """
    return dtm.aggregate(unit_labels(dtm, corpus=corpus, group_by=group_by),
                         unit=STATEMENT if group_by in (STATEMENT, "statement_id") else group_by)
