"""Record-level validation shared by every corpus format.

Checks ids (present, unique), text (not empty after cleaning), dates
(parsable) and years (an integer equal to the date's year). With
``on_error="raise"`` the first kind of problem found raises one
:class:`~textanalytics.errors.InputError` line naming the file, the record
numbers, the column and what to do; with ``on_error="skip"`` the bad records
are dropped and listed in a tidy ``problems`` table (``source, line, field,
problem, action``).

Record numbers are those a user sees in the file, as described by
:class:`Where`: for CSV/TSV the spreadsheet numbering (the header is record 1,
the first data record is record 2; a record spanning several physical lines
still counts once); for JSONL the line number; for Parquet the row number from
1; for folders the line of ``metadata.csv`` (header = line 1).

Dates and years are parsed by :mod:`.dates`; metadata values that differ
only in case are found here too (:func:`case_variant_problems`), and reported,
never merged.

Example
-------
>>> import pandas as pd
>>> f = pd.DataFrame({"_line": [2, 3], "statement_id": ["a", "a"], "text": ["x", "y"]})
>>> validate_records(f, where=Where("t.csv"), fields={}, on_error="skip")[1]["problem"].tolist()
["duplicate id 'a' (first at record 2)"]
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .dates import parse_dates, parse_years
from .logs import corpus_logger

log = corpus_logger(__name__)

__all__ = [
    "Where",
    "PROBLEM_COLUMNS",
    "problems_frame",
    "snake_case",
    "validate_records",
    "case_variants",
    "case_variant_problems",
]

OnError = Literal["raise", "skip"]
PROBLEM_COLUMNS = ["source", "line", "field", "problem", "action"]


@dataclass(frozen=True)
class Where:
    """How records of one source are located.

    ``source``: the file a user opens (e.g. ``news_articles.csv.gz`` or
    ``seeds/metadata.csv``); ``unit``: ``"record"``, ``"line"`` or ``"row"``;
    ``note``: how the numbering works, shown once in messages.
    """

    source: str
    unit: str = "record"
    note: str = "header = record 1"

    def at(self, lines: Sequence[int], *, limit: int = 5) -> str:
        """``"records 3, 7 (header = record 1)"`` for the first ``limit`` numbers."""
        shown = ", ".join(str(int(n)) for n in lines[:limit])
        more = f" and {len(lines) - limit} more" if len(lines) > limit else ""
        plural = "s" if len(lines) > 1 else ""
        note = f" ({self.note})" if self.note else ""
        return f"{self.unit}{plural} {shown}{more}{note}"


def problems_frame(rows: Sequence[Mapping[str, object]] = ()) -> pd.DataFrame:
    """A tidy problems table (``source, line, field, problem, action``); ``line`` is Int64."""
    df = pd.DataFrame(list(rows), columns=PROBLEM_COLUMNS)
    df["line"] = pd.array(df["line"].tolist(), dtype="Int64")
    for col in ("source", "field", "problem", "action"):
        df[col] = df[col].astype(str)
    return df


_SNAKE_RE = re.compile(r"[^0-9a-z]+")


def snake_case(name: str) -> str:
    """A safe snake_case column name.

    >>> snake_case("Article Source-Link"), snake_case("2nd speaker"), snake_case("  ")
    ('article_source_link', 'c_2nd_speaker', 'column')
    """
    out = _SNAKE_RE.sub("_", str(name).strip().lower()).strip("_")
    if not out:
        return "column"
    if out[0].isdigit():
        out = "c_" + out
    return out


# --------------------------------------------------------------------------- records

def _raise_or_skip(kind: str, mask: np.ndarray, *, frame: pd.DataFrame, where: Where,
                   field: str, on_error: OnError, problem: Sequence[str] | str,
                   hint: str, problems: list[dict]) -> np.ndarray:
    """Raise for the masked records, or record them as skipped; return the keep mask."""
    if not mask.any():
        return ~mask
    lines = frame["_line"].to_numpy()[mask].tolist()
    texts = [problem] * len(lines) if isinstance(problem, str) else list(problem)
    if on_error == "raise":
        n = len(lines)
        first = texts[0] if n == 1 else f"{n} records with {kind}"
        raise InputError(f"{where.source}: {first} in column {field!r} at {where.at(lines)}; {hint}, "
                         "or pass on_error=\"skip\" to skip such records and list them in Corpus.problems")
    for line, text in zip(lines, texts):
        problems.append({"source": where.source, "line": line, "field": field,
                         "problem": text, "action": "skipped"})
    log.warning("%s: skipped %d record(s) with %s in column %r at %s (see Corpus.problems)",
                where.source, len(lines), kind, field, where.at(lines, limit=10))
    return ~mask


def validate_records(frame: pd.DataFrame, *, where: Where, fields: Mapping[str, str],
                     on_error: OnError = "raise",
                     earlier: Mapping[str, int] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Check ids, text, dates and years of assembled records.

    ``earlier`` maps ids already used by earlier records of the same file (a
    table read in pieces) to the record number of their first use: such ids
    are duplicates here exactly as if the whole file were validated at once.

    ``frame`` has ``_line`` (record number), ``statement_id``, ``text``
    (cleaned), ``date`` (raw values or datetimes; optional) and ``year``
    (optional). ``fields`` maps those canonical names to the user's column
    names for messages. Returns ``(frame, problems)``: the kept records with
    ``date`` as datetime64 and ``year`` as Int64 (derived from ``date`` when
    there is no year column), and the problems table.

    >>> f = pd.DataFrame({"_line": [2, 3], "statement_id": ["a", "b"], "text": ["x", ""]})
    >>> kept, problems = validate_records(f, where=Where("t.csv"), fields={}, on_error="skip")
    >>> kept["statement_id"].tolist(), problems["problem"].tolist()
    (['a'], ['empty text'])
    """
    if on_error not in ("raise", "skip"):
        raise InputError(f"on_error: {on_error!r} is not one of 'raise', 'skip'")
    name = {k: fields.get(k, k) for k in ("statement_id", "text", "date", "year")}
    problems: list[dict] = []
    keep = np.ones(len(frame), bool)

    if "_value_problem" in frame.columns:
        # values of the wrong type (JSON numbers or lists as text, lists or objects as metadata):
        # ``(field, problem, kind, hint)`` per record, found by the table loader
        found = frame["_value_problem"].tolist()
        bad_rows = [i for i, p in enumerate(found) if p is not None]
        for field in dict.fromkeys(found[i][0] for i in bad_rows):  # fields in record order
            rows = [i for i in bad_rows if found[i][0] == field]
            mask = np.zeros(len(frame), bool)
            mask[rows] = True
            keep &= _raise_or_skip(found[rows[0]][2], mask, frame=frame, where=where, field=field,
                                   on_error=on_error, problem=[found[i][1] for i in rows],
                                   hint=found[rows[0]][3], problems=problems)
        frame = frame.drop(columns="_value_problem")

    ids = frame["statement_id"].astype(str).str.strip()
    empty_id = ids.eq("").to_numpy() & keep
    keep &= _raise_or_skip("an empty id", empty_id, frame=frame, where=where, field=name["statement_id"],
                           on_error=on_error, problem="empty id", hint="give every record an id",
                           problems=problems)
    earlier = earlier or {}
    dup = ((ids.duplicated(keep="first").to_numpy() | ids.isin(earlier.keys()).to_numpy()) & keep)
    if dup.any():
        first_line = {**dict(zip(ids[::-1], frame["_line"].to_numpy()[::-1])), **earlier}
        texts = [f"duplicate id {i!r} (first at {where.unit} {first_line[i]})" for i in ids[dup]]
        keep &= _raise_or_skip("a duplicate id", dup, frame=frame, where=where, field=name["statement_id"],
                               on_error=on_error, problem=texts, hint="make the ids unique",
                               problems=problems)

    empty_text = np.array([not isinstance(t, str) or not t.strip() for t in frame["text"]], dtype=bool) & keep
    if "source_file" in frame.columns:  # folders: say which file is empty
        texts = [f"empty text after cleaning in {f!r}" for f in frame["source_file"].to_numpy()[empty_text]]
    else:
        texts = ["empty text"] * int(empty_text.sum())
    keep &= _raise_or_skip("empty text", empty_text, frame=frame, where=where, field=name["text"],
                           on_error=on_error, problem=texts,
                           hint="fill in the text or remove the record", problems=problems)

    if "date" in frame.columns:
        parsed = parse_dates(frame["date"])
        raw = frame["date"].astype(object).tolist()
        bad = parsed.bad & keep
        texts = [f"unparsable date {raw[i]!r}" for i in np.flatnonzero(bad)]
        keep &= _raise_or_skip("an unparsable date", bad, frame=frame, where=where, field=name["date"],
                               on_error=on_error, problem=texts,
                               hint="write dates as YYYY-MM-DD", problems=problems)
        for i in np.flatnonzero(parsed.repaired & keep):
            value = raw[i]
            problems.append({"source": where.source, "line": int(frame["_line"].iat[i]), "field": name["date"],
                             "problem": f"irregular date {value!r}",
                             "action": f"parsed as {parsed.dates.iat[i]:%Y-%m-%d} ({parsed.note(i)})"})
            log.info("%s %s %d: irregular date %r parsed as %s", where.source, where.unit,
                     int(frame["_line"].iat[i]), value, f"{parsed.dates.iat[i]:%Y-%m-%d}")
        dates = parsed.dates
    else:
        dates = pd.Series(pd.NaT, index=range(len(frame)), dtype="datetime64[ns]")

    date_years = pd.Series(dates.dt.year.to_numpy(), dtype="Int64")
    if "year" in frame.columns:
        years, bad_year = parse_years(frame["year"])
        bad_year = bad_year & keep
        raw_years = frame["year"].astype(object).tolist()
        texts = [f"unparsable year {raw_years[i]!r}" for i in np.flatnonzero(bad_year)]
        keep &= _raise_or_skip("an unparsable year", bad_year, frame=frame, where=where, field=name["year"],
                               on_error=on_error, problem=texts, hint="write years as four digits",
                               problems=problems)
        mismatch = ((years.notna() & date_years.notna()).to_numpy(dtype=bool)
                    & (years.fillna(0).to_numpy() != date_years.fillna(0).to_numpy()) & keep)
        texts = [f"year {years.iat[i]} differs from the date's year {date_years.iat[i]}"
                 for i in np.flatnonzero(mismatch)]
        keep &= _raise_or_skip("a year that differs from the date's year", mismatch, frame=frame,
                               where=where, field=name["year"], on_error=on_error, problem=texts,
                               hint=f"correct {name['year']!r} or {name['date']!r}", problems=problems)
        years = years.where(years.notna(), date_years)
    else:
        years = date_years

    out = frame.assign(date=dates.to_numpy(), year=years.to_numpy())
    out["year"] = out["year"].astype("Int64")
    if not keep.all():
        out = out.loc[keep]
    problems_df = problems_frame(sorted(problems, key=lambda p: (p["line"], p["field"])))
    return out.reset_index(drop=True), problems_df


# --------------------------------------------------------------------------- grouping values

#: Columns never checked for case variants: ids and file names are not groups, texts not metadata.
_NOT_GROUPS = ("statement_id", "text", "source_file", "anchor")


def case_variants(values: Sequence[object] | pd.Series) -> list[tuple[str, ...]]:
    """Groups of distinct strings in ``values`` that differ only in case, each sorted, sorted by first value.

    Empty strings and non-strings are ignored. Such values stay separate
    groups (nothing is merged); this only finds them so they can be reported.

    >>> case_variants(["Lavrov", "lavrov", "Labour", "LABOUR", "labour", "Putin", "", None])
    [('LABOUR', 'Labour', 'labour'), ('Lavrov', 'lavrov')]
    """
    by_fold: dict[str, set[str]] = {}
    for v in values:
        if isinstance(v, str) and v:
            by_fold.setdefault(v.casefold(), set()).add(v)
    return sorted(tuple(sorted(group)) for group in by_fold.values() if len(group) > 1)


def case_variant_problems(statements: pd.DataFrame, *, source: str) -> list[dict]:
    """Problem rows (``source, line, field, problem, action``) for metadata values that differ only in case.

    Every string column of ``statements`` but ids, texts and file names is
    checked; each group of variants is one row (``line`` is missing: the
    values are spread over records), action ``kept as separate groups``, and
    each column with variants logs one warning naming the first group.
    ``field`` is the statements column (the name ``[compare] group_by`` uses),
    so a corpus read in pieces can be checked once on its joined metadata and
    give the same rows.

    >>> st = pd.DataFrame({"statement_id": ["a", "b"], "speaker": ["Lavrov", "lavrov"]})
    >>> [r["problem"] for r in case_variant_problems(st, source="t.csv")]
    ["values differ only in case: 'Lavrov' vs 'lavrov'"]
    """
    rows: list[dict] = []
    for col in statements.columns:
        series = statements[col]
        if col in _NOT_GROUPS or col.startswith("_") or not (
                series.dtype == object or isinstance(series.dtype, pd.StringDtype)):
            continue
        groups = case_variants(series.tolist())
        if not groups:
            continue
        field = str(col)
        shown = [" vs ".join(repr(v) for v in group) for group in groups]
        rows.extend({"source": source, "line": None, "field": field,
                     "problem": f"values differ only in case: {text}", "action": "kept as separate groups"}
                    for text in shown)
        more = f" (and {len(groups) - 1} more group(s))" if len(groups) > 1 else ""
        log.warning("%s: column %r has values that differ only in case: %s%s; kept as separate groups "
                    "(see Corpus.problems)", source, field, shown[0], more)
    return rows
