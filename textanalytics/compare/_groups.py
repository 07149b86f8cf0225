"""Mapping the units of a document-term matrix to groups of statements (internal)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from ..features import DocumentTermMatrix, factorize_labels, label_str, unit_labels

logger = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)
class Grouping:
    """Units of a matrix mapped to groups.

    ``codes[i]`` is the group of unit ``i`` (-1: no group); ``names`` are the
    groups as strings, in sorted order; ``n_statements_without_group`` counts
    the statements left out because their ``group_by`` value is missing.
    """

    group_by: str
    codes: np.ndarray
    names: tuple[str, ...]
    n_statements_without_group: int

    def indicator(self) -> sp.csr_matrix:
        """``(n_groups, n_units)`` 0/1 matrix."""
        ok = self.codes >= 0
        cols = np.flatnonzero(ok)
        return sp.csr_matrix((np.ones(len(cols), dtype=np.int64), (self.codes[ok], cols)),
                             shape=(len(self.names), len(self.codes)))

    def resolve(self, value: Any, *, role: str) -> int:
        """Index of a group given by name (``2017`` and ``"2017"`` both work)."""
        name = label_str(value)
        if name not in self.names:
            raise InputError(f"{role}: group {name!r} not found in column {self.group_by!r}; "
                             f"groups are: {', '.join(self.names)}")
        return self.names.index(name)


def grouping(dtm: DocumentTermMatrix, *, corpus: Any, group_by: str) -> Grouping:
    """Group every unit of ``dtm`` by the ``group_by`` column of ``corpus``."""
    if not isinstance(group_by, str) or not group_by:
        raise InputError(f"group_by: expected a column name, got {group_by!r}")
    labels = unit_labels(dtm, corpus=corpus, group_by=group_by)
    codes, uniques = factorize_labels(labels)
    missing_statements = dtm.units.loc[codes < 0, "statement_id"].astype(str).nunique()
    if missing_statements:
        logger.warning("group_by=%r: %d statement(s) have no value and form no group",
                       group_by, missing_statements)
    return Grouping(group_by=group_by, codes=codes, names=tuple(label_str(u) for u in uniques),
                    n_statements_without_group=int(missing_statements))


def statement_indicator(dtm: DocumentTermMatrix) -> tuple[np.ndarray, sp.csr_matrix]:
    """``(statement_ids, S)`` with ``S`` the ``(n_statements, n_units)`` 0/1 matrix."""
    codes, uniques = pd.factorize(dtm.units["statement_id"].astype(str), sort=True)
    s = sp.csr_matrix((np.ones(len(codes), dtype=np.int64), (codes, np.arange(len(codes)))),
                      shape=(len(uniques), len(codes)))
    return np.asarray(uniques, dtype=object), s
