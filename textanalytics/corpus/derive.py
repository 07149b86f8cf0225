"""Metadata columns computed at load time (``derive={"name": "kind:column"}``).

Kinds:

``url_host``
    The host name of a URL, lower-cased, without a leading ``www.``
    (``http://www.bbc.co.uk/news/x`` -> ``bbc.co.uk``); "" when there is none.
``month``
    ``YYYY-MM`` of a date (str; "" when the date is missing).
``quarter``
    ``YYYY-Qn`` of a date (``2017-Q1`` for January to March; "" when missing).
``year``
    The year of a date (Int64; <NA> when missing).
``decade``
    The decade of a date (``1990s`` for 1990 to 1999; "" when missing).
``periods``
    Explicit periods, written after a second ``:`` as a comma-separated list
    (``"periods:date:1989-1996,1997-2009,2010-2019"``). A period is
    ``START-END`` in years (``1989-1996``: 1 January 1989 to 31 December
    1996) or ``START..END`` in years, months or days (``1997-05..2007-06``,
    ``1997-05-02..2007-06-27``); both ends are included. A period may be
    named, ``NAME=PERIOD`` (``Blair=1997-05-02..2007-06-27``); otherwise its
    label is its ends joined by an en dash (``1989–1996``). Groups sort by
    label, so names that start with the years (``1997–2007 Blair``) keep
    them in time order. Periods must not overlap (not even by a day). A
    date outside every period, or a missing date, has no period (""): it
    forms no group, and the count is logged as a warning. A malformed or
    overlapping list is an :class:`~textanalytics.errors.InputError` naming the
    ``derive`` key, when the configuration is made.

``column`` is a column of the statements table (``date``, ``speaker``, or a
kept metadata column in its snake_case name); the user's original column name
is accepted too.

Example
-------
>>> import pandas as pd
>>> st = pd.DataFrame({"date": pd.to_datetime(["2017-02-07", "1996-12-31"]), "link": ["http://www.cnn.com/a", ""]})
>>> derived = derive_columns(st, {"outlet": "url_host:link", "month": "month:date", "q": "quarter:date",
...                                "d": "decade:date", "era": "periods:date:1989-1996,1997-2019"})
>>> derived[["outlet", "month", "q", "d", "era"]].values.tolist()
[['cnn.com', '2017-02', '2017-Q1', '2010s', '1997–2019'], ['', '1996-12', '1996-Q4', '1990s', '1989–1996']]
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from typing import Callable, Mapping
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from ..errors import InputError
from .dates import parse_dates
from .validate import snake_case
from .logs import corpus_logger

log = corpus_logger(__name__)

__all__ = ["DERIVE_KINDS", "Period", "parse_periods", "derive_problem", "parse_derive", "derive_columns"]


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
                         "derive month, quarter, year, decade or periods from a date column")
    return parsed.dates.set_axis(values.index)


def _url_host(values: pd.Series, column: str) -> pd.Series:
    return pd.Series([_host(v) for v in values], index=values.index, dtype=str)


def _month(values: pd.Series, column: str) -> pd.Series:
    dates = _as_dates(values, column)
    return dates.dt.strftime("%Y-%m").fillna("").astype(str)


def _quarter(values: pd.Series, column: str) -> pd.Series:
    dates = _as_dates(values, column)
    labels = dates.dt.year.astype("Int64").astype(str) + "-Q" + dates.dt.quarter.astype("Int64").astype(str)
    return labels.where(dates.notna(), "").astype(str)


def _year(values: pd.Series, column: str) -> pd.Series:
    return _as_dates(values, column).dt.year.astype("Int64")


def _decade(values: pd.Series, column: str) -> pd.Series:
    dates = _as_dates(values, column)
    labels = (dates.dt.year.astype("Int64") // 10 * 10).astype(str) + "s"
    return labels.where(dates.notna(), "").astype(str)


#: Kind name -> function(values, column name) -> derived Series (``periods``, which takes its
#: list of periods too, is :func:`_periods`).
DERIVE_KINDS: Mapping[str, Callable[[pd.Series, str], pd.Series]] = {
    "url_host": _url_host,
    "month": _month,
    "quarter": _quarter,
    "year": _year,
    "decade": _decade,
}
_ALL_KINDS = (*DERIVE_KINDS, "periods")

# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """One period of ``periods``: its ``label`` and first and last day (both included)."""

    label: str
    first: dt.date
    last: dt.date


_BOUND_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_YEARS_RE = re.compile(r"^(\d{4})\s*-\s*(\d{4})$")
_PERIOD_HELP = ("write START-END in years (1989-1996) or START..END in years, months or days "
                "(1997-05-02..2007-06-27), optionally named (Blair=1997-05-02..2007-06-27), separated by commas")


def _bound(text: str, *, end: bool) -> dt.date:
    """First (or, with ``end``, last) day of ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``; ValueError otherwise."""
    m = _BOUND_RE.match(text.strip())
    if m is None:
        raise ValueError(text)
    year, month, day = int(m.group(1)), m.group(2), m.group(3)
    if month is None:
        return dt.date(year, 12, 31) if end else dt.date(year, 1, 1)
    if day is None:
        return dt.date(year, int(month), calendar.monthrange(year, int(month))[1] if end else 1)
    return dt.date(year, int(month), int(day))


def _period(item: str) -> Period:
    """One ``[NAME=]START-END`` or ``[NAME=]START..END``; ValueError naming what is wrong."""
    name, _, rng = item.rpartition("=")
    name, rng = name.strip(), rng.strip()
    if "=" in name or ("=" in item and not name):
        raise ValueError(f"period {item!r} has an empty or doubled name")
    years = _YEARS_RE.match(rng)
    if years:
        start, end = years.groups()
    elif ".." in rng:
        start, end = (part.strip() for part in rng.split("..", 1))
    else:
        raise ValueError(f"period {item!r} is not a range; {_PERIOD_HELP}")
    try:
        first, last = _bound(start, end=False), _bound(end, end=True)
    except ValueError:
        raise ValueError(f"period {item!r} has an end that is not a year, month or day; {_PERIOD_HELP}") from None
    if last < first:
        raise ValueError(f"period {item!r} ends before it starts")
    return Period(label=name or f"{start}–{end}", first=first, last=last)


def parse_periods(text: str) -> list[Period]:
    """The periods of a ``periods`` list, in time order; ValueError (one line) when malformed or overlapping.

    >>> [(p.label, str(p.first), str(p.last)) for p in parse_periods("1997-05..2007-06, Major=1990-11-28..1997-04")]
    [('Major', '1990-11-28', '1997-04-30'), ('1997-05–2007-06', '1997-05-01', '2007-06-30')]
    >>> parse_periods("1989-1997,1997-2009")
    Traceback (most recent call last):
    ...
    ValueError: periods 1989–1997 and 1997–2009 overlap (both hold 1997-01-01); let each day belong to one period
    """
    items = [item.strip() for item in str(text).split(",")]
    if not any(items) or not all(items):
        raise ValueError(f"{'no periods' if not any(items) else 'an empty period in the list'}; {_PERIOD_HELP}")
    periods = sorted((_period(item) for item in items), key=lambda p: (p.first, p.last))
    for a, b in zip(periods, periods[1:]):
        if b.first <= a.last:
            raise ValueError(f"periods {a.label} and {b.label} overlap (both hold {b.first}); let each day "
                             "belong to one period")
    labels = [p.label for p in periods]
    double = next((label for label in labels if labels.count(label) > 1), None)
    if double is not None:
        raise ValueError(f"two periods are labelled {double!r}; give each its own name")
    return periods


def _periods(values: pd.Series, column: str, periods: list[Period]) -> pd.Series:
    days = _as_dates(values, column).dt.normalize().to_numpy(dtype="datetime64[D]")
    out = np.full(len(days), "", dtype=object)
    for p in periods:
        inside = (days >= np.datetime64(p.first)) & (days <= np.datetime64(p.last))
        out[inside] = p.label
    return pd.Series(out, index=values.index, dtype=str)


# --------------------------------------------------------------------------- specs


def _split_spec(spec: str) -> tuple[str, str, str]:
    """``(kind, column, argument)`` of ``kind:column`` or ``periods:column:list`` (argument "" when none)."""
    kind, rest = (part.strip() for part in spec.split(":", 1))
    if kind == "periods":
        column, _, argument = rest.partition(":")
        return kind, column.strip(), argument.strip()
    return kind, rest, ""


def derive_problem(name: object, spec: object) -> str | None:
    """What is wrong with one ``derive`` entry ``name = spec`` (None when nothing).

    Shared by :func:`parse_derive` and the ``[corpus]`` config check, so a bad
    spec fails when the configuration is made, before any file is read.

    >>> derive_problem("outlet", "url_host:link") is None, derive_problem("m", "week:date")
    (True, "unknown kind 'week'; kinds are url_host, month, quarter, year, decade, periods")
    >>> derive_problem("era", "periods:date:1989-1996,1995-2000")
    'periods 1989–1996 and 1995–2000 overlap (both hold 1995-01-01); let each day belong to one period'
    """
    if not isinstance(name, str) or snake_case(name) != name:
        return f"column name {name!r} is not snake_case; use {snake_case(str(name))!r}"
    if not isinstance(spec, str) or ":" not in spec:
        return f"{spec!r} is not 'kind:column' (e.g. 'month:date'); kinds are {', '.join(_ALL_KINDS)}"
    kind, column, argument = _split_spec(spec)
    if kind not in _ALL_KINDS:
        return f"unknown kind {kind!r}; kinds are {', '.join(_ALL_KINDS)}"
    if not column:
        return f"{spec!r} names no column after the ':'; e.g. '{kind}:date'"
    if kind == "periods":
        if not argument:
            return f"{spec!r} lists no periods; e.g. 'periods:{column}:1989-1996,1997-2009'"
        try:
            parse_periods(argument)
        except ValueError as exc:
            return str(exc)
    return None


def parse_derive(derive: Mapping[str, str] | None) -> list[tuple[str, str, str, str]]:
    """Check a ``derive`` mapping; return ``[(name, kind, column, argument), ...]`` (argument "" but for periods).

    >>> parse_derive({"outlet": "url_host:article_source_link", "era": "periods:date:1989-1996"})
    [('outlet', 'url_host', 'article_source_link', ''), ('era', 'periods', 'date', '1989-1996')]
    """
    out = []
    for name, spec in dict(derive or {}).items():
        problem = derive_problem(name, spec)
        if problem and problem.startswith("column name"):
            raise InputError(f"derive: {problem}")
        if problem:
            raise InputError(f"derive.{name}: {problem}")
        out.append((name, *_split_spec(spec)))
    return out


def _derived(values: pd.Series, *, name: str, kind: str, column: str, argument: str) -> pd.Series:
    """One derived column; periods log how many dates fall outside every period."""
    if kind != "periods":
        return DERIVE_KINDS[kind](values, column)
    out = _periods(values, column, parse_periods(argument))
    outside = int((out == "").sum() - values.isna().sum())
    if outside:
        log.warning("derive.%s: %d statement(s) dated outside every period (and %d without a date) have no %s; "
                    "they form no group", name, outside, int(values.isna().sum()), name)
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
    for name, kind, column, argument in specs:
        if name in statements.columns or name in new:
            raise InputError(f"derive.{name}: a column {name!r} already exists; choose another name")
        source = column if column in statements.columns else aliases.get(column, snake_case(column))
        if source not in statements.columns:
            available = ", ".join(c for c in statements.columns if c != "text")
            raise InputError(f"derive.{name}: no column {column!r} to derive from; available: {available}")
        new[name] = _derived(statements[source], name=name, kind=kind, column=column, argument=argument)
    return statements.assign(**new)
