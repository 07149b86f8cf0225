"""Missing metadata values in table corpora: ``na_values``.

Table files written by R, Stata or spreadsheets mark a missing value with a
string: ``NA``, ``N/A``, ``null``, ``NaN``, ``#N/A`` ... Read as text, such a
value becomes a group of its own (a party called "NA"). ``na_values`` lists
the strings that mean "missing" (compared after surrounding blanks are
stripped, case-sensitive as pandas does: ``NA`` and ``n/a`` are in the
default list, ``Na`` is not).

* The default is pandas' own list of default NA strings
  (:func:`default_na_values`, read from the installed pandas so it stays in
  sync: ``""``, ``#N/A``, ``#N/A N/A``, ``#NA``, ``-1.#IND``, ``-1.#QNAN``,
  ``-NaN``, ``-nan``, ``1.#IND``, ``1.#QNAN``, ``<NA>``, ``N/A``, ``NA``,
  ``NULL``, ``NaN``, ``None``, ``n/a``, ``nan``, ``null``). A list given by
  the user replaces it; ``[]`` keeps every string as written (an empty value
  is missing all the same).
* It applies to every metadata column of a table file (CSV, TSV, JSON Lines,
  JSON, Parquet), dates and years included, but never to the text column
  (only an empty text is missing: a text that reads "NA" is kept, and logged
  as a warning) nor to the id column (an id is never missing by convention;
  an empty id is a bad record). Folder corpora read their ``metadata.csv`` as
  written.
* A missing value is an empty value in CSV/TSV (as an empty field is) and
  null in JSON and Parquet. Missing values form no group in comparisons; the
  report counts the statements without a value per grouping column.

Example
-------
>>> import pandas as pd
>>> f, n = mark_missing(pd.DataFrame({"party": ["Lab", "NA", " N/A "]}), na_values=None, missing="")
>>> f["party"].tolist(), n
(['Lab', '', ''], {'party': 2})
"""

from __future__ import annotations

import logging
from typing import Collection, Iterable

import pandas as pd

log = logging.getLogger(__name__)

__all__ = ["default_na_values", "resolve_na_values", "mark_missing", "na_texts"]


def default_na_values() -> frozenset[str]:
    """pandas' default NA strings (what ``pandas.read_csv`` reads as missing without ``na_values``).

    >>> "NA" in default_na_values() and "null" in default_na_values() and "Na" not in default_na_values()
    True
    """
    # deferred: pandas (its private parser module holds the list read_csv uses; no public name exists)
    from pandas._libs.parsers import STR_NA_VALUES

    return frozenset(STR_NA_VALUES)


def resolve_na_values(na_values: Iterable[str] | None) -> frozenset[str]:
    """The NA strings to use, stripped: pandas' list for None, else ``na_values``.

    >>> sorted(resolve_na_values([" NA", "-99"]))
    ['-99', 'NA']
    """
    if na_values is None:
        return default_na_values()
    return frozenset(str(v).strip() for v in na_values)


def _is_text_column(series: pd.Series) -> bool:
    return series.dtype == object or isinstance(series.dtype, pd.StringDtype)


def mark_missing(frame: pd.DataFrame, *, na_values: Iterable[str] | None, skip: Collection[str] = (),
                 missing: object = None) -> tuple[pd.DataFrame, dict[str, int]]:
    """Replace the NA strings of every string column but ``skip`` with ``missing``.

    Returns ``(frame, {column: values replaced})`` (columns with none are left
    out); ``frame`` is not modified. Empty strings are not counted (they are
    missing already).
    """
    na = resolve_na_values(na_values)
    counts: dict[str, int] = {}
    changed: dict[str, pd.Series] = {}
    for col in frame.columns:
        series = frame[col]
        if col in skip or not _is_text_column(series):
            continue
        values = series.tolist()
        hits = [i for i, v in enumerate(values) if isinstance(v, str) and v.strip() and v.strip() in na]
        if not hits:
            continue
        for i in hits:
            values[i] = missing
        counts[str(col)] = len(hits)
        changed[col] = pd.Series(values, index=frame.index, dtype=series.dtype)
    if changed:
        frame = frame.assign(**changed)
    return frame, counts


def na_texts(texts: Iterable[object], *, na_values: Iterable[str] | None) -> list[int]:
    """Positions of texts that are exactly an NA string (kept as texts; the loader warns about them).

    >>> na_texts(["A speech.", "NA", "", None], na_values=None)
    [1]
    """
    na = resolve_na_values(na_values) - {""}
    return [i for i, t in enumerate(texts) if isinstance(t, str) and t.strip() in na]
