"""Groups of statements: the one mapping of units to groups that every comparison uses.

Keyness, distinctive terms, lexical statistics, topic shares and topic
differences all compare groups of statements named by a column of
``corpus.statements`` (``group_by``). This module is the only place that

- checks ``group_by`` (:func:`check_group_by`: one :class:`InputError` naming the
  column and listing the available ones);
- reads a statement's group (:func:`group_labels`; ``"statement"`` makes every
  statement its own group);
- maps the units of a matrix or a topic model to groups through
  ``statement_id`` (:func:`group_units` -> :class:`Grouping`);
- decides what a group label is: missing values (None, NaN, <NA>, blank
  strings) form no group -- their statements are left out, logged and counted
  in ``Grouping.n_statements_without_group`` -- and ``2017``, ``2017.0`` and
  ``"2017"`` are one group (:func:`label_str`, :func:`factorize_labels`).

Example
-------
>>> import pandas as pd
>>> statements = pd.DataFrame({"statement_id": ["a", "b", "c"], "year": [2017, 2019, None]})
>>> units = pd.DataFrame({"statement_id": ["a", "a", "b", "c"]})
>>> g = group_units(units, corpus=statements, group_by="year")
>>> g.names, g.codes.tolist(), g.n_statements_without_group
(('2017', '2019'), [0, 0, 1, -1], 1)
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .corpus.model import Corpus

__all__ = [
    "time_positions",
    "dated_positions",
    "REST", "STATEMENT", "Grouping", "check_group_by", "group_labels", "group_units",
    "unit_labels", "statement_indicator", "indicator", "is_missing", "label_str", "factorize_labels",
]

logger = logging.getLogger(__name__)

#: The name of "every other group pooled" in group-vs-rest comparisons (keyness, topic differences).
REST = "rest"
#: ``group_by`` value that makes every statement its own group (``"statement_id"`` works too).
STATEMENT = "statement"


# -- labels -----------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT, <NA> and blank strings.

    >>> [is_missing(v) for v in (None, float("nan"), " ", "MFA", 0)]
    [True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def label_str(value: Any) -> str:
    """A group label as text: ``2017`` (also from ``2017.0``), ``"MFA"``.

    >>> label_str(2017.0), label_str("MFA"), label_str(True)
    ('2017', 'MFA', 'True')
    """
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, Real) and not isinstance(value, Integral) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def factorize_labels(values: Any) -> tuple[np.ndarray, list[Any]]:
    """``(codes, uniques)``: codes -1 for missing labels; uniques sorted.

    Numbers sort numerically, everything else by its string form, so
    ``2017 < 2018`` and ``"FSB/NAC" < "MFA"``; mixed types sort as strings.
    Values with the same string form (``2017`` and ``"2017"``) are one label.

    >>> codes, uniques = factorize_labels([2019, "2017", None, 2017.0])
    >>> codes.tolist(), uniques
    ([1, 0, -1, 0], ['2017', 2019])
    """
    raw_codes, raw_uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object), dtype=object),
                                          use_na_sentinel=True)
    distinct: dict[str, Any] = {}
    keys_of: list[str | None] = []
    for v in raw_uniques:
        if is_missing(v):
            keys_of.append(None)
            continue
        k = label_str(v)
        distinct.setdefault(k, v)
        keys_of.append(k)
    keys = list(distinct)
    if all(isinstance(distinct[k], Real) and not isinstance(distinct[k], (bool, np.bool_)) for k in keys):
        keys.sort(key=lambda k: (float(distinct[k]), k))
    else:
        keys.sort()
    position = {k: i for i, k in enumerate(keys)}
    mapping = np.array([position[k] if k is not None else -1 for k in keys_of] + [-1], dtype=np.int64)
    codes = mapping[np.where(raw_codes < 0, len(keys_of), raw_codes)]
    return codes, [distinct[k] for k in keys]


# -- statements -> groups ---------------------------------------------------------------------


def _statements(corpus: "Corpus | pd.DataFrame") -> pd.DataFrame:
    statements = corpus.statements if hasattr(corpus, "statements") else corpus
    if not isinstance(statements, pd.DataFrame) or "statement_id" not in statements.columns:
        raise InputError("corpus: expected a Corpus or a statements DataFrame with a 'statement_id' column")
    return statements


def check_group_by(columns: Iterable[Any], *, group_by: Any, field: str = "group_by") -> None:
    """Raise :class:`InputError` unless ``group_by`` names one of ``columns`` (or ``"statement"``).

    ``field`` names the setting in the message (``"[compare] group_by"`` for the config).

    >>> check_group_by(["statement_id", "year", "text"], group_by="party")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: group_by: column 'party' not found in corpus.statements; available: statement, year
    """
    columns = [str(c) for c in columns]
    if not isinstance(group_by, str) or not group_by:
        raise InputError(f"{field}: expected a column name of corpus.statements, got {group_by!r}")
    if group_by in (STATEMENT, "statement_id") or group_by in columns:
        return
    available = ", ".join([STATEMENT] + [c for c in columns if c not in ("statement_id", "text")])
    raise InputError(f"{field}: column {group_by!r} not found in corpus.statements; available: {available}")


def group_labels(corpus: "Corpus | pd.DataFrame", *, group_by: str) -> pd.Series:
    """The group of every statement: a Series indexed by ``statement_id``.

    ``corpus`` is a :class:`~textanalytics.corpus.Corpus` or its ``statements``
    DataFrame. ``group_by`` is a column of it, or ``"statement"`` (each
    statement its own group). Missing values (NaN, <NA>, None, blank strings:
    the corpus writes "" for an unknown speaker) are returned as ``None``.
    Raises :class:`InputError` (see :func:`check_group_by`) for an unknown column.
    """
    statements = _statements(corpus)
    check_group_by(statements.columns, group_by=group_by)
    ids = statements["statement_id"].astype(str)
    if group_by in (STATEMENT, "statement_id"):
        values = ids.to_numpy(dtype=object)
    else:
        values = statements[group_by].to_numpy(dtype=object)
    clean = [None if is_missing(v) else v for v in values]
    return pd.Series(clean, index=pd.Index(ids.to_numpy(), name="statement_id"), name=group_by, dtype=object)


def unit_labels(units: Any, *, corpus: "Corpus | pd.DataFrame",
                group_by: str) -> np.ndarray:
    """One group label per unit (object array, ``None`` = no group).

    ``units`` is a table with a ``statement_id`` column (a matrix's or a topic
    model's ``units``), or a :class:`~textanalytics.features.DocumentTermMatrix`.
    """
    table = getattr(units, "units", units)
    labels = group_labels(corpus, group_by=group_by)
    sids = table["statement_id"].astype(str)
    unknown = sorted(set(sids) - set(labels.index))
    if unknown:
        raise InputError(f"corpus: {len(unknown)} statement_id(s) of the matrix are not in the corpus "
                         f"(e.g. {unknown[0]!r}); pass the corpus the matrix was built from")
    return labels.reindex(sids.to_numpy()).to_numpy(dtype=object)


@dataclass(frozen=True, eq=False)
class Grouping:
    """Units mapped to groups.

    ``codes[i]`` is the group of unit ``i`` (-1: no group); ``names`` are the
    groups as strings, in sorted order (numbers numerically); ``values`` the
    same groups as found in the column (``2017`` stays an int);
    ``n_statements_without_group`` counts the statements left out because their
    ``group_by`` value is missing.
    """

    group_by: str
    codes: np.ndarray
    names: tuple[str, ...]
    values: tuple[Any, ...]
    n_statements_without_group: int

    @property
    def n_groups(self) -> int:
        return len(self.names)

    def indicator(self) -> sp.csr_matrix:
        """``(n_groups, n_units)`` 0/1 matrix; units without a group belong to no row."""
        return indicator(self.codes, n_groups=self.n_groups)

    def resolve(self, value: Any, *, role: str) -> int:
        """Index of a group given by name (``2017`` and ``"2017"`` both work).

        ``role`` names the argument in the error (``"target"``, ``"group_a"``).
        """
        name = label_str(value)
        if name not in self.names:
            raise InputError(f"{role}: group {name!r} not found in column {self.group_by!r}; "
                             f"groups are: {', '.join(self.names)}")
        return self.names.index(name)


def group_units(units: Any, *, corpus: "Corpus | pd.DataFrame",
                group_by: str) -> Grouping:
    """Group every unit (row of ``units``) by the ``group_by`` column of ``corpus``.

    Units are mapped to statements through ``statement_id``. Statements whose
    value is missing form no group: their number is logged and recorded in
    :attr:`Grouping.n_statements_without_group`.
    """
    table = getattr(units, "units", units)
    labels = unit_labels(table, corpus=corpus, group_by=group_by)
    codes, uniques = factorize_labels(labels)
    missing = int(table.loc[codes < 0, "statement_id"].astype(str).nunique())
    if missing:
        logger.warning("group_by=%r: %d statement(s) have no value and form no group", group_by, missing)
    return Grouping(group_by=group_by, codes=codes, names=tuple(label_str(u) for u in uniques),
                    values=tuple(uniques), n_statements_without_group=missing)


def indicator(codes: np.ndarray, *, n_groups: int) -> sp.csr_matrix:
    """``(n_groups, n_units)`` 0/1 matrix; units with code -1 belong to no row."""
    ok = codes >= 0
    cols = np.flatnonzero(ok)
    return sp.csr_matrix((np.ones(len(cols), dtype=np.int64), (codes[ok], cols)),
                         shape=(n_groups, len(codes)))


def statement_indicator(units: Any) -> tuple[np.ndarray, sp.csr_matrix]:
    """``(statement_ids, S)`` with ``S`` the ``(n_statements, n_units)`` 0/1 matrix (ids sorted)."""
    table = getattr(units, "units", units)
    codes, uniques = pd.factorize(table["statement_id"].astype(str), sort=True)
    return np.asarray(uniques, dtype=object), indicator(np.asarray(codes, dtype=np.int64), n_groups=len(uniques))


# --------------------------------------------------------------------------- time positions
_POSITION = re.compile(r"^\s*(\d{4})(?:s\b|(?:-Q([1-4]))\b|(?:-(\d{2}))\b)?")


def time_positions(labels: Any) -> np.ndarray | None:
    """Positions in years of group labels that start with a year; None when one does not.

    The one rule for every trend in the package (topic trends, keyness trends): a
    year is that year (``2016`` or ``"2016"``), ``"1990s"`` is 1990, ``"2016-Q2"``
    is 2016.25, ``"2016-03"`` is 2016 + 2/12, and a period named by its first year
    (``"1997–2007 Blair"``) is that year, so unevenly spaced groups keep their spacing.

    >>> time_positions([2016, "2017", "1990s", "2016-Q2", "2016-03", "1997–2007 Blair"]).tolist()
    [2016.0, 2017.0, 1990.0, 2016.25, 2016.1666666666667, 1997.0]
    >>> time_positions(["Lab", "Con"]) is None
    True
    """
    out = []
    for label in labels:
        text = label_str(label)
        m = _POSITION.match(text)
        if m is None or (text[m.end():m.end() + 1].isdigit()):
            return None
        year = float(m.group(1))
        if m.group(2):
            year += (int(m.group(2)) - 1) / 4
        elif m.group(3):
            month = int(m.group(3))
            if not 1 <= month <= 12:
                return None
            year += (month - 1) / 12
        out.append(year)
    return np.asarray(out, dtype=float)



def dated_positions(groups: Any, *, corpus: Any, group_by: str, date_col: str = "date") -> np.ndarray | None:
    """Each group's position in years as the mean date of its statements; None without dates.

    ``groups``: labels of ``corpus.statements[group_by]`` (as a :class:`Grouping` or a design lists
    them); dates come from ``corpus.statements[date_col]`` as fractional years (2019-07-02 is
    2019.5). None when the column is absent or a group has no dated statement: then every group
    is placed by its label (:func:`time_positions`). One rule for topic, theme and keyness trends.

    The labels' rule puts a period at its start, which misplaces periods the data do not fill: on
    the Commons sample the "1980s" hold only 1989 (1980 by label, 1989.5 by date) and
    "1997–2007 Blair" sits at 1997 by label, at its speeches' mean date (2002.3) by this rule.

    >>> st = pd.DataFrame({"decade": ["1980s", "2000s", "2000s"],
    ...                    "date": ["1989-07-02", "2001-07-02", "2005-07-02"]})
    >>> dated_positions(["1980s", "2000s"], corpus=st, group_by="decade").round(2).tolist()
    [1989.5, 2003.5]
    """
    statements = getattr(corpus, "statements", corpus)
    if not isinstance(statements, pd.DataFrame) or date_col not in statements or group_by not in statements:
        return None
    dates = pd.to_datetime(statements[date_col], errors="coerce", format="mixed")
    days = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    years = (dates.dt.year + (dates.dt.day_of_year - 1) / days).to_numpy(dtype=float)
    labels = np.array([label_str(v) if not is_missing(v) else "" for v in statements[group_by].tolist()], dtype=object)
    ok = np.isfinite(years)
    mean = pd.Series(years[ok]).groupby(labels[ok]).mean()
    out = mean.reindex([label_str(g) for g in groups]).to_numpy(dtype=float)
    return out if len(out) and np.all(np.isfinite(out)) else None
