"""Table records as statement records: canonical columns, ids, value types, cleaning.

A table file's records (:mod:`.tables`) get canonical column names (the
options say which column is the text, date, speaker, title or id; every other
column becomes a snake_case metadata column), ids (a column, or record
positions: ``doc0001``), values of the wrong type marked as problems (in JSON
Lines, JSON and Parquet: a text that is not a string, a metadata value that is a
list or an object), clean metadata values, NA strings (``na_values``, see
:mod:`.missing`) as missing metadata values, and clean texts cut into paragraphs
(:func:`~.clean.clean_text`, without page chrome). Validation of the records
(:mod:`.validate`) and the tidy tables (:mod:`.assemble`) come after.
"""

from __future__ import annotations

import json
from numbers import Number
from pathlib import Path
from typing import Any, Collection, Mapping

import numpy as np
import pandas as pd

from ..errors import InputError
from .assemble import string_column
from .clean import clean_text, cleans_to_empty
from .cleaning_table import cleaning_rows
from .missing import mark_missing, na_texts
from .normalize import clean_metadata
from .tables import read_table, table_kind
from .validate import snake_case, validate_records
from .logs import corpus_logger

log = corpus_logger(__name__)


def _table_columns(columns: list[str], *, source: str, text_col: str, date_col: str, speaker_col: str,
                   id_col: str | None, title_col: str) -> dict[str, str]:
    """Map a table's columns to canonical names (user name -> statements column)."""
    cols = [c for c in columns if c != "_line"]
    available = ", ".join(map(str, cols))
    rename: dict[str, str] = {}
    if text_col not in cols:
        raise InputError(f"{source}: text column {text_col!r} not found; columns are: {available} "
                         "(pass text_col=...)")
    rename[text_col] = "text"
    if id_col:
        if id_col not in cols:
            raise InputError(f"{source}: id column {id_col!r} not found; columns are: {available}")
        rename[id_col] = "statement_id"
    elif "statement_id" in cols:
        rename["statement_id"] = "statement_id"
    for canonical, col, default, option in (("date", date_col, "date", "date_col"),
                                            ("speaker", speaker_col, "speaker", "speaker_col"),
                                            ("title", title_col, "title", "title_col")):
        if col in rename:
            raise InputError(f"{source}: column {col!r} is used twice ({option} and another option)")
        if col in cols:
            rename[col] = canonical
        elif col != default:
            raise InputError(f"{source}: {canonical} column {col!r} not found; columns are: {available} "
                             f"(pass {option}=... or leave it at its default)")
    taken = set(rename.values())
    for col in cols:
        if col in rename:
            continue
        snake = snake_case(col)
        if snake in taken or snake == "n_words":
            raise InputError(f"{source}: column {col!r} would become {snake!r}, which is already used "
                             "(by another column or an option); rename it")
        rename[col] = snake
        taken.add(snake)
    return rename


def _is_null(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _kind(value: object) -> str:
    if isinstance(value, (bool, np.bool_)):
        return "a boolean"
    if isinstance(value, Number):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return "a list"
    if isinstance(value, (bytes, bytearray)):
        return "binary data"
    return f"a {type(value).__name__}"


def _short(value: Any, limit: int = 40) -> str:
    if isinstance(value, np.ndarray):
        value = value.tolist()
    try:
        text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
    except (TypeError, ValueError):
        text = repr(value)
    text = "".join(c if c.isprintable() else f"\\u{ord(c):04x}" for c in text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


_NESTED = (Mapping, list, tuple, set, np.ndarray)


def _value_problems(frame: pd.DataFrame, names: Mapping[str, str]) -> list | None:
    """Per record, the first value of the wrong type as ``(field, problem, kind, hint)``, or None; None if all fine.

    Texts must be strings (null is the empty-text case); other values must not
    be lists or objects (JSON) or nested Parquet values: they are refused, not
    turned into their Python text. ``names`` maps canonical columns to the user's.
    """
    found: list = [None] * len(frame)
    columns = ["text"] + [c for c in frame.columns if c not in ("text", "_line")]
    for col in columns:
        series = frame[col]
        is_text = col == "text"
        if isinstance(series.dtype, pd.StringDtype) or (not is_text and series.dtype != object):
            continue  # only object columns hold lists or objects; a typed text column holds no strings
        for i, v in enumerate(series.tolist()):
            if found[i] is not None or isinstance(v, str) or _is_null(v):
                continue
            if is_text:
                found[i] = (names.get(col, col), f"text is {_kind(v)} ({_short(v)}), not a string",
                            "a text that is not a string", "write each text as a string (in JSON, in double quotes)")
            elif isinstance(v, _NESTED):
                found[i] = (names.get(col, col), f"value is {_kind(v)} ({_short(v)}), not a string, number, "
                            "boolean or null", "a list or object value",
                            "flatten the value (e.g. join a list with '; ') or remove the field")
    return found if any(p is not None for p in found) else None


def load_table_records(path: Path, *, text_col: str, date_col: str, speaker_col: str, id_col: str | None,
                       title_col: str, on_error: str, encoding: str, na_values: Collection[str] | None = None):
    """:func:`clean_table_records` of a whole table file."""
    table = read_table(path, encoding=encoding)
    return clean_table_records(table.frame, table.where, path=path, text_col=text_col, date_col=date_col,
                               speaker_col=speaker_col, id_col=id_col, title_col=title_col, on_error=on_error,
                               na_values=na_values)


def _missing_values(frame: pd.DataFrame, where, *, path: Path, na_values: Collection[str] | None,
                    names: Mapping[str, str]) -> pd.DataFrame:
    """NA strings of metadata columns become missing values (logged per column); NA-looking texts are warned about."""
    missing = "" if table_kind(path) in ("csv", "tsv") else None  # an empty field / null
    frame, counts = mark_missing(frame, na_values=na_values, missing=missing,
                                 skip=("_line", "text", "statement_id", "_value_problem"))
    for col, n in counts.items():
        log.info("%s: %d value(s) of column %r are NA strings, read as missing (na_values)", where.source, n,
                 names.get(col, col))
    odd = na_texts(frame["text"].tolist(), na_values=na_values)
    if odd:
        log.warning("%s: %d text(s) are exactly an NA string (first %r at %s); kept as text: only an empty "
                    "text is missing", where.source, len(odd), frame["text"].iat[odd[0]].strip(),
                    where.at([int(frame["_line"].iat[i]) for i in odd]))
    return frame


def clean_table_records(frame: pd.DataFrame, where, *, path: Path, text_col: str, date_col: str,
                        speaker_col: str, id_col: str | None, title_col: str, on_error: str, id_start: int = 1,
                        id_width: int | None = None, earlier: dict[str, int] | None = None,
                        na_values: Collection[str] | None = None):
    """Canonical columns, ids, early validation and cleaning of table records (a whole file or a chunk).

    ``na_values``: the strings that mean a missing metadata value (None: pandas' default list; see
    :mod:`.missing`).
    """
    rename = _table_columns(list(frame.columns), source=str(path), text_col=text_col,
                            date_col=date_col, speaker_col=speaker_col, id_col=id_col, title_col=title_col)
    frame = frame.rename(columns=rename)
    if table_kind(path) in ("jsonl", "json", "parquet"):  # CSV and TSV values are strings by construction
        bad = _value_problems(frame, {canon: orig for orig, canon in rename.items()})
        if bad is not None:
            frame["_value_problem"] = pd.Series(bad, index=frame.index, dtype=object)
    # encoding repaired, control characters out, NFC, stripped: before ids are compared and dates parsed
    frame, meta_chars = clean_metadata(frame, skip=("_line", "text", "_value_problem"), raw=("date", "year"))
    frame = _missing_values(frame, where, path=path, na_values=na_values,
                            names={canon: orig for orig, canon in rename.items()})
    if "statement_id" in frame.columns:
        frame["statement_id"] = string_column(frame["statement_id"])
    else:
        # Record positions, from 1 at the file's first record (``id_start`` for a later chunk).
        width = id_width or max(4, len(str(len(frame))))
        frame.insert(1, "statement_id", [f"doc{i:0{width}d}" for i in range(id_start, id_start + len(frame))])
    aliases = {orig: canon for orig, canon in rename.items() if orig != canon}
    if on_error == "raise":
        # fail fast, before the costly cleaning, with the same message validation would give
        light = frame[[c for c in ("_line", "statement_id", "date", "year", "_value_problem")
                       if c in frame.columns]].assign(
            text=["" if not isinstance(t, str) or cleans_to_empty(t) else "x" for t in frame["text"]])
        validate_records(light, where=where, fields={c: o for o, c in aliases.items()}, on_error="raise",
                         earlier=earlier)
    cleaning: list[dict] = []
    texts = frame["text"].tolist()
    bad = frame["_value_problem"].tolist() if "_value_problem" in frame.columns else [None] * len(frame)
    paragraphs: list[list[str]] = []
    for i, (sid, raw) in enumerate(zip(frame["statement_id"], texts)):
        # a text of the wrong type is never turned into its Python text; validation skips or refuses it
        cleaned = clean_text(raw if isinstance(raw, str) and bad[i] is None else "", chrome=False)
        chars = dict(cleaned.removed_chars)
        for rule, per_row in meta_chars.items():  # what cleaning changed in the record's metadata values
            if per_row[i]:
                chars[rule] = chars.get(rule, 0) + int(per_row[i])
        if cleaned.removed or chars:
            cleaning.extend(cleaning_rows(sid, cleaned.removed, chars))
        paragraphs.append(list(cleaned.paragraphs))
        texts[i] = cleaned.text  # replace in place: no second copy of the corpus
    frame["text"] = texts
    del texts
    frame["_paragraphs"] = paragraphs
    return frame, where, aliases, cleaning, []
