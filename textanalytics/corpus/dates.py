"""Dates and years as researchers' files write them, parsed to day precision.

:func:`parse_dates` accepts ISO-like dates (``2017-02-07``, ``2017/2/7``,
``2017.2.7``; surrounding blanks, a time of day and a time zone are dropped
and reported as repairs) and dates with English month names; all-numeric
day-first or month-first forms are ambiguous and refused. :func:`parse_years`
reads a year column. Record validation (:mod:`.validate`) reports what either
could not parse.

Example
-------
>>> import pandas as pd
>>> parsed = parse_dates(pd.Series(["2017/2/7", "          2016/12/30 7:11", ""]))
>>> [str(d.date()) if not pd.isna(d) else None for d in parsed.dates]
['2017-02-07', '2016-12-30', None]
>>> parsed.repaired.tolist()
[False, True, False]
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["ParsedDates", "parse_dates", "parse_years"]

_ISO_DATE_RE = (r"^\s*(?P<y>\d{4})[-/.](?P<m>\d{1,2})[-/.](?P<d>\d{1,2})"
                r"(?P<time>(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
                r"\s*(?P<tz>Z|[+-]\d{2}:?\d{2})?\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august",
     "september", "october", "november", "december"], start=1)}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_NAMED_DMY_RE = re.compile(r"^\s*(\d{1,2})\s+([A-Za-z]+)\.?,?\s+(\d{4})(\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$")
_NAMED_MDY_RE = re.compile(r"^\s*([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})(\s*,?\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*$")


@dataclass(frozen=True)
class ParsedDates:
    """Result of :func:`parse_dates` (arrays aligned with the input).

    ``dates``: datetime64 (day precision; NaT for missing or bad values);
    ``bad``: a non-empty value that could not be parsed; ``repaired``: a text
    value parsed after dropping surrounding blanks, a time of day or a time
    zone (``notes`` says which).
    """

    dates: pd.Series
    bad: np.ndarray
    repaired: np.ndarray
    notes: tuple[str, ...] = ()

    def note(self, i: int) -> str:
        """What was dropped from value ``i`` to parse it ("" when nothing)."""
        return self.notes[i] if self.notes else ""


def _named_date(value: str) -> tuple[pd.Timestamp | None, bool]:
    for rx, order in ((_NAMED_DMY_RE, "dmy"), (_NAMED_MDY_RE, "mdy")):
        m = rx.match(value)
        if m is None:
            continue
        a, b, year, time = m.groups()
        day, month_name = (a, b) if order == "dmy" else (b, a)
        month = _MONTHS.get(month_name.lower())
        if month is None:
            return None, False
        try:
            return pd.Timestamp(int(year), month, int(day)), bool(time) or value != value.strip()
        except ValueError:
            return None, False
    return None, False


def parse_dates(values: pd.Series) -> ParsedDates:
    """Parse dates robustly, to day precision.

    Accepts ``YYYY-MM-DD``, ``YYYY/M/D`` and ``YYYY.M.D`` (with optional
    surrounding blanks, a time of day and a time zone, which are dropped),
    and dates with English month names (``7 November 2018``,
    ``November 7, 2018``). All-numeric day-first or month-first forms
    (``07/11/2018``) are rejected as ambiguous. Empty values and NA are missing
    (NaT), not errors. A datetime column is used as is (time dropped).

    >>> parse_dates(pd.Series(["2018-11-07", "7 November 2018", "07/11/2018"])).bad.tolist()
    [False, False, True]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        dates = values
        if getattr(values.dt, "tz", None) is not None:
            dates = values.dt.tz_localize(None)
        # a datetime column is a date column at a finer grain: keeping the day is no repair
        dates = dates.dt.normalize().astype("datetime64[ns]")
        none = np.zeros(len(values), bool)
        return ParsedDates(dates.reset_index(drop=True), none, none.copy())
    text = values.astype(object).where(values.notna(), "").map(lambda v: v if isinstance(v, str) else str(v))
    text = pd.Series(text.to_numpy(dtype=object), dtype=object)
    present = text.str.strip().ne("").to_numpy()
    parts = text.str.extract(_ISO_DATE_RE)
    matched = parts["y"].notna().to_numpy()
    iso = (parts["y"].fillna("") + "-" + parts["m"].fillna("").str.zfill(2) + "-"
           + parts["d"].fillna("").str.zfill(2))
    dates = pd.to_datetime(iso.where(matched, None), format="%Y-%m-%d", errors="coerce")
    repaired = np.array(matched & (parts["time"].notna() | parts["tz"].notna()
                                   | text.ne(text.str.strip())).to_numpy(), dtype=bool)
    bad = np.array(present & (~matched | dates.isna().to_numpy()), dtype=bool)
    # Month-name dates: few in practice, parsed one by one.
    for i in np.flatnonzero(present & ~matched):
        stamp, rep = _named_date(text.iat[i])
        if stamp is not None:
            dates.iat[i] = stamp
            bad[i] = False
            repaired[i] = rep
    dates = pd.Series(dates, dtype="datetime64[ns]").reset_index(drop=True)
    repaired &= ~bad
    notes = [""] * len(text)
    for i in np.flatnonzero(repaired):
        value = text.iat[i]
        dropped = []
        if value != value.strip():
            dropped.append("surrounding blanks")
        if isinstance(parts["time"].iat[i], str) or (not matched[i] and re.search(r"\d:\d", value)):
            dropped.append(f"time of day {(parts['time'].iat[i] or '').strip().lstrip('T') if matched[i] else ''}".strip())
        if isinstance(parts["tz"].iat[i], str):
            dropped.append(f"time zone {parts['tz'].iat[i]}")
        notes[i] = " and ".join(dropped) + " dropped"
    return ParsedDates(dates, bad, repaired, tuple(notes))


def parse_years(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """Parse a year column to Int64; return ``(years, bad)``; empty is missing.

    >>> years, bad = parse_years(pd.Series(["2017", "", "MMXVII", 2018.0]))
    >>> years.tolist(), bad.tolist()
    ([2017, <NA>, <NA>, 2018], [False, False, True, False])
    """
    raw = pd.Series(values.to_numpy(dtype=object), dtype=object)
    text = raw.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA else str(v).strip())
    present = text.ne("").to_numpy()
    num = pd.to_numeric(text.where(present, None), errors="coerce")
    ok = num.notna() & (num == np.floor(num.fillna(0))) & num.between(1, 9999)
    years = pd.array([int(v) if o else pd.NA for v, o in zip(num.fillna(0), ok)], dtype="Int64")
    return pd.Series(years), present & ~ok.to_numpy()
