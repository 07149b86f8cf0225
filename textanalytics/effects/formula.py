"""Formulas for effect regressions: covariates of statements as a design matrix, with guard rails.

A formula is the right-hand side of an R/stm model (``"~ party + s(year)"``), read by
`formulaic <https://matthewwardrop.github.io/formulaic/>`_: factors (text columns, or
``C(x)``), interactions (``a:b``, ``a * b``), transforms (``np.log(x)``) and stm's
spline ``s(x)`` or ``s(x, df=4)``: a cubic B-spline basis (formulaic's stateful ``bs``,
knots at quantiles; stm's ``s()`` is ``splines::bs`` too) with ``df = 10`` by default,
at most the column's distinct values minus 1 (as in stm).

Guard rails, each a one-line :class:`~textanalytics.errors.InputError`: a column the
metadata lacks (named, with the columns there are), a spline on a column with fewer than
4 distinct values, a rank-deficient design (the columns involved named), and fewer than
:data:`MIN_PER_COEFFICIENT` statements per coefficient.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from formulaic import model_matrix

from ..errors import InputError

__all__ = ["Design", "build_design", "MIN_PER_COEFFICIENT", "SPLINE_DF", "spline_terms"]

#: Statements needed per coefficient of the design (a rule of thumb for regression: fewer gives
#: unstable estimates and intervals that are too narrow).
MIN_PER_COEFFICIENT = 5
#: Degrees of freedom of ``s(x)`` when not given (stm's default).
SPLINE_DF = 10
#: Fewest distinct values of a column a spline is fitted on.
MIN_SPLINE_VALUES = 4

_SPLINE = re.compile(r"\bs\(\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:,\s*df\s*=\s*(\d+)\s*)?\)")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_KNOWN = {"C", "bs", "cr", "cs", "cc", "np", "log", "exp", "I", "center", "scale", "poly", "standardize",
          "Treatment", "Sum", "Helmert", "Poly", "Diff", "contr", "df", "degree", "s", "True", "False",
          "None", "Q", "lag", "hashed", "include_intercept"}


@dataclass(frozen=True, eq=False)
class Design:
    """A design matrix and how to rebuild it for new covariate values.

    ``matrix`` (n, p) float; ``columns`` its names; ``spec`` formulaic's model spec
    (``spec.get_model_matrix(new_frame)``); ``data`` the rows used (index = statement_id);
    ``variables`` the metadata columns the formula reads; ``formula`` as given and
    ``expanded`` as fitted (``s()`` rewritten); ``splines`` {column: df}.
    """

    matrix: np.ndarray
    columns: tuple[str, ...]
    spec: Any
    data: pd.DataFrame
    variables: tuple[str, ...]
    formula: str
    expanded: str
    splines: dict[str, int]
    n_dropped: int

    def rebuild(self, frame: pd.DataFrame) -> np.ndarray:
        """The design rows for ``frame`` (same columns, the fit's knots and factor levels)."""
        return np.asarray(self.spec.get_model_matrix(frame), dtype=np.float64)


def spline_terms(formula: str) -> dict[str, int | None]:
    """``{column: df or None}`` of every ``s(column[, df=n])`` in ``formula``.

    >>> spline_terms("~ party + s(year) + s(age, df=4)")
    {'year': None, 'age': 4}
    """
    return {m.group(1): (int(m.group(2)) if m.group(2) else None) for m in _SPLINE.finditer(formula)}


def _variables(rhs: str, available: list[str]) -> list[str]:
    names = []
    for name in _NAME.findall(re.sub(r"(['\"]).*?\1", "", rhs)):
        if name in _KNOWN or name.split(".")[0] in _KNOWN or re.fullmatch(r"[0-9.]+", name):
            continue
        if name not in names:
            names.append(name)
    missing = [n for n in names if n not in available]
    if missing:
        raise InputError(f"effects formula {rhs.strip()!r}: no column {missing[0]!r} in the metadata; "
                         f"available columns: {', '.join(available)}")
    return names


def _expand_splines(rhs: str, data: pd.DataFrame) -> tuple[str, dict[str, int]]:
    dfs: dict[str, int] = {}

    def repl(m: re.Match) -> str:
        col, asked = m.group(1), m.group(2)
        values = pd.to_numeric(data[col], errors="coerce")
        if values.isna().any():
            raise InputError(f"effects formula: s({col}) needs a numeric column; {col!r} has values that are "
                             "not numbers")
        distinct = int(values.nunique())
        if distinct < MIN_SPLINE_VALUES:
            raise InputError(f"effects formula: s({col}) needs at least {MIN_SPLINE_VALUES} distinct values of "
                             f"{col!r}, it has {distinct}; use {col} as a linear term or C({col}) as a factor")
        df = min(int(asked) if asked else SPLINE_DF, distinct - 1)
        # Fewer df while the basis (with an intercept) is rank deficient on these values: with
        # repeated values quantile knots can leave a basis column empty or a copy of others.
        while df > 3 and not _full_rank_basis(values.to_frame(col), col, df):
            df -= 1
        if df < 3:
            raise InputError(f"effects formula: s({col}, df={df}) needs df >= 3 (a cubic spline)")
        dfs[col] = df
        return f"bs({col}, df={df}, degree=3)"

    return _SPLINE.sub(repl, rhs), dfs


def _full_rank_basis(frame: pd.DataFrame, col: str, df: int) -> bool:
    x = np.asarray(model_matrix(f"bs({col}, df={df}, degree=3)", frame), dtype=np.float64)
    return int(np.linalg.matrix_rank(x)) == x.shape[1]


def _prepare(data: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    out = pd.DataFrame(index=data.index)
    for v in variables:
        col = data[v]
        if pd.api.types.is_bool_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype):
            out[v] = col.astype(object).where(col.notna(), None).astype(str).where(col.notna())
        elif pd.api.types.is_numeric_dtype(col):
            out[v] = pd.to_numeric(col, errors="coerce").astype(np.float64)
        else:
            # Text columns are factors; "" (unknown in a corpus) is missing.
            out[v] = col.astype(object).where(col.notna() & (col.astype(str).str.strip() != ""))
    return out


def build_design(formula: str, data: pd.DataFrame, *, min_per_coefficient: int = MIN_PER_COEFFICIENT) -> Design:
    """The design matrix of ``formula`` on ``data`` (one row per statement, index = statement_id).

    Rows with a missing value in a column the formula reads are dropped (counted in
    ``n_dropped``; the caller logs them). Raises :class:`InputError` for a missing
    column, a spline on too few values, a rank-deficient design or too few statements.
    """
    if not isinstance(formula, str) or "~" not in formula:
        raise InputError(f"effects formula: expected a string such as '~ party + s(year)', got {formula!r}")
    lhs, rhs = formula.split("~", 1)
    if lhs.strip():
        raise InputError(f"effects formula {formula!r}: give only the right-hand side ('~ ...'); "
                         "the outcomes are the topics or counts")
    if not rhs.strip():
        raise InputError("effects formula: no covariate after '~'")
    variables = _variables(rhs, [str(c) for c in data.columns])
    frame = _prepare(data, variables)
    complete = frame.notna().all(axis=1) if variables else pd.Series(True, index=frame.index)
    frame = frame[complete]
    if frame.empty:
        raise InputError(f"effects formula {formula!r}: no statement has a value in every column of "
                         f"{', '.join(variables)}")
    expanded, splines = _expand_splines(rhs, frame)
    try:
        mm = model_matrix(expanded, frame, na_action="raise")
    except Exception as exc:  # formulaic raises several types for a bad formula
        raise InputError(f"effects formula {formula!r}: {str(exc).splitlines()[0]}") from None
    x = np.asarray(mm, dtype=np.float64)
    columns = tuple(str(c) for c in mm.columns)
    n, p = x.shape
    needed = min_per_coefficient * p
    if n < needed:
        raise InputError(f"effects formula {formula!r}: {n} statements for {p} coefficients; need at least "
                         f"{needed} ({min_per_coefficient} per coefficient): drop covariates, lower s() df or "
                         "merge rare levels")
    _check_rank(x, columns, formula)
    return Design(matrix=x, columns=columns, spec=mm.model_spec, data=frame, variables=tuple(variables),
                  formula=formula, expanded="~" + expanded, splines=splines, n_dropped=int((~complete).sum()))


def _check_rank(x: np.ndarray, columns: tuple[str, ...], formula: str) -> None:
    rank = np.linalg.matrix_rank(x)
    if rank == x.shape[1]:
        return
    # Columns that are combinations of the earlier ones, found greedily.
    bad, kept = [], []
    for j in range(x.shape[1]):
        trial = kept + [j]
        if np.linalg.matrix_rank(x[:, trial]) < len(trial):
            bad.append(columns[j])
        else:
            kept.append(j)
    raise InputError(f"effects formula {formula!r}: collinear covariates; {', '.join(bad)} "
                     "is a combination of the other columns (a level never observed, two columns that "
                     "say the same, or too many spline df): drop or merge them")
