"""Metadata columns computed at load time (``derive={"name": "kind:column"}``).

Kinds:

``url_host``
    The host name of a URL, lower-cased, without a leading ``www.``
    (``http://www.bbc.co.uk/news/x`` -> ``bbc.co.uk``); "" when there is none.
``month``
    ``YYYY-MM`` of a date (str; "" when the date is missing).
``year``
    The year of a date (Int64; <NA> when missing).

``column`` is a column of the statements table (``date``, ``speaker``, or a
kept metadata column in its snake_case name); the user's original column name
is accepted too.

Example
-------
>>> import pandas as pd
>>> st = pd.DataFrame({"date": pd.to_datetime(["2017-02-07"]), "link": ["http://www.cnn.com/a"]})
>>> derive_columns(st, {"outlet": "url_host:link", "month": "month:date"})[["outlet", "month"]].values.tolist()
[['cnn.com', '2017-02']]
"""

from __future__ import annotations

from typing import Callable, Mapping
from urllib.parse import urlsplit

import pandas as pd

from ..errors import InputError
from .dates import parse_dates
from .validate import snake_case

__all__ = ["DERIVE_KINDS", "derive_problem", "parse_derive", "derive_columns"]


def _host(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        return ""
    text = value.strip()
    if "://" not in text:
        text = "//" + text
    try:
        host = urlsplit(text).hostname or ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _as_dates(values: pd.Series, column: str) -> pd.Series:
    parsed = parse_dates(values)
    if parsed.bad.any():
        first = values.astype(object).iloc[int(parsed.bad.argmax())]
        raise InputError(f"derive: column {column!r} holds a value that is not a date ({first!r}); "
                         "derive month/year from a date column")
    return parsed.dates.set_axis(values.index)


def _url_host(values: pd.Series, column: str) -> pd.Series:
    return pd.Series([_host(v) for v in values], index=values.index, dtype=str)


def _month(values: pd.Series, column: str) -> pd.Series:
    dates = _as_dates(values, column)
    return dates.dt.strftime("%Y-%m").fillna("").astype(str)


def _year(values: pd.Series, column: str) -> pd.Series:
    return _as_dates(values, column).dt.year.astype("Int64")


#: Kind name -> function(values, column name) -> derived Series.
DERIVE_KINDS: Mapping[str, Callable[[pd.Series, str], pd.Series]] = {
    "url_host": _url_host,
    "month": _month,
    "year": _year,
}


def derive_problem(name: object, spec: object) -> str | None:
    """What is wrong with one ``derive`` entry ``name = spec`` (None when nothing).

    Shared by :func:`parse_derive` and the ``[corpus]`` config check, so a bad
    spec fails when the configuration is made, before any file is read.

    >>> derive_problem("outlet", "url_host:link") is None, derive_problem("m", "week:date")
    (True, "unknown kind 'week'; kinds are url_host, month, year")
    """
    if not isinstance(name, str) or snake_case(name) != name:
        return f"column name {name!r} is not snake_case; use {snake_case(str(name))!r}"
    if not isinstance(spec, str) or ":" not in spec:
        return f"{spec!r} is not 'kind:column' (e.g. 'month:date'); kinds are {', '.join(DERIVE_KINDS)}"
    kind, column = (part.strip() for part in spec.split(":", 1))
    if kind not in DERIVE_KINDS:
        return f"unknown kind {kind!r}; kinds are {', '.join(DERIVE_KINDS)}"
    if not column:
        return f"{spec!r} names no column after the ':'; e.g. '{kind}:date'"
    return None


def parse_derive(derive: Mapping[str, str] | None) -> list[tuple[str, str, str]]:
    """Check a ``derive`` mapping; return ``[(name, kind, column), ...]``.

    >>> parse_derive({"outlet": "url_host:article_source_link"})
    [('outlet', 'url_host', 'article_source_link')]
    """
    out = []
    for name, spec in dict(derive or {}).items():
        problem = derive_problem(name, spec)
        if problem and problem.startswith("column name"):
            raise InputError(f"derive: {problem}")
        if problem:
            raise InputError(f"derive.{name}: {problem}")
        kind, column = (part.strip() for part in spec.split(":", 1))
        out.append((name, kind, column))
    return out


def derive_columns(statements: pd.DataFrame, derive: Mapping[str, str] | None, *,
                   aliases: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Return ``statements`` with the derived columns added (input not modified).

    ``aliases`` maps user column names to statement columns (e.g.
    ``{"publish_date": "date"}``). A derived name that already exists, or a
    source column that does not, raises :class:`InputError`.
    """
    specs = parse_derive(derive)
    if not specs:
        return statements
    aliases = dict(aliases or {})
    new = {}
    for name, kind, column in specs:
        if name in statements.columns or name in new:
            raise InputError(f"derive.{name}: a column {name!r} already exists; choose another name")
        source = column if column in statements.columns else aliases.get(column, snake_case(column))
        if source not in statements.columns:
            available = ", ".join(c for c in statements.columns if c != "text")
            raise InputError(f"derive.{name}: no column {column!r} to derive from; available: {available}")
        new[name] = DERIVE_KINDS[kind](statements[source], column)
    return statements.assign(**new)
