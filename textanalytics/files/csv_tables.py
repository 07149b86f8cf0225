"""Parsing delimited text (CSV) with pandas' C reader, every value kept as the string written:
whole tables (:func:`parse_csv`), pieces of a large file (:func:`iter_csv`) and the small tables
a researcher edits by hand (:func:`read_csv_records`)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..errors import InputError
from .reading import check_decodable, read_file_bytes, text_codec

__all__ = ["parse_csv", "iter_csv", "read_csv_records"]


_FIELDS_RE = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_CSV_OPTIONS = dict(dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False, engine="c",
                    header=None)


def _parse_error(path: Path, label: str, exc: Exception) -> InputError:
    if isinstance(exc, pd.errors.EmptyDataError):
        return InputError(f"{path}: the file is empty; a table needs a header row and records")
    m = _FIELDS_RE.search(str(exc))
    if m:  # pandas counts records from the header (record 1), as Where does
        expected, line, saw = m.groups()
        return InputError(f"{path}: record {line} (header = record 1) has {saw} fields but the header has "
                          f"{expected}; put double quotes around values that hold the separator or a line break, "
                          "or remove the extra fields")
    msg = str(exc).replace("\n", " ").strip()
    return InputError(f"{path}: not a valid {label} file ({msg}); check quoting around fields with commas or newlines")


def _header(row: list, *, path: Path, strip: bool) -> list[str]:
    """Column names from the header record; a name used twice is an error (pandas would rename it)."""
    names = []
    for i, value in enumerate(row):
        name = str(value).strip() if strip else str(value)
        names.append(name if name.strip() else f"Unnamed: {i}")
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise InputError(f"{path}: the header names column {name!r} twice (columns {seen[name]} and {i}); "
                             "rename one")
        seen[name] = i
    return names


def parse_csv(source, *, path: Path, sep: str = ",", encoding: str = "utf-8", label: str = "CSV",
              strip_header: bool = False) -> pd.DataFrame:
    """Parse delimited text (bytes, a text buffer or a path) into string columns named by the header.

    The header is read as a record of its own, so a record with more fields
    than the header is an :class:`InputError` naming it instead of a silent
    shift. ``_line`` is not added (callers number records).
    """
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    try:
        raw = pd.read_csv(source, sep=sep, encoding=text_codec(encoding), **_CSV_OPTIONS)
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise _parse_error(path, label, exc) from None
    columns = _header(raw.iloc[0].tolist(), path=path, strip=strip_header)
    frame = raw.iloc[1:].reset_index(drop=True)
    frame.columns = columns
    return frame


def iter_csv(path: Path, *, rows: int, sep: str = ",", encoding: str = "utf-8",
             label: str = "CSV") -> Iterator[pd.DataFrame]:
    """Records of a delimited file (``.gz`` decompressed), ``rows`` at a time, as string columns.

    Each piece has an ``_line`` column first (record number, header = record 1,
    running on across pieces), then the header's columns, as :func:`parse_csv`
    would give them. Memory is one piece, whatever the file size. A record with
    more fields than the header is an :class:`InputError` naming it. Decoding
    errors surface as :class:`UnicodeDecodeError` (the caller knows the piece).
    """
    total = 0
    try:
        head = pd.read_csv(path, sep=sep, encoding=text_codec(encoding), nrows=1, compression="infer",
                           **_CSV_OPTIONS)
        if not len(head):
            raise pd.errors.EmptyDataError("No columns to parse from file")
        columns = _header(head.iloc[0].tolist(), path=path, strip=False)
        # pandas' reader ignores get_chunk(size) once chunksize is set: the header is read
        # above and skipped here, so every piece holds exactly ``rows`` records.
        with pd.read_csv(path, sep=sep, encoding=text_codec(encoding), chunksize=rows, compression="infer",
                         skiprows=1, **_CSV_OPTIONS) as reader:
            for frame in reader:
                if not len(frame):
                    continue
                frame = frame.reset_index(drop=True)
                if frame.shape[1] != len(columns):
                    extra = frame.iloc[:, len(columns):].ne("").any(axis=1).to_numpy()
                    first = total + 2 + (int(extra.argmax()) if extra.any() else 0)
                    raise InputError(f"{path}: record {first} (header = record 1) has {frame.shape[1]} "
                                     f"fields but the header has {len(columns)}; quote fields that "
                                     "contain the separator")
                frame.columns = columns
                frame.insert(0, "_line", range(total + 2, total + 2 + len(frame)))
                total += len(frame)
                yield frame
    except (pd.errors.EmptyDataError, pd.errors.ParserError) as exc:
        raise _parse_error(path, label, exc) from None


def read_csv_records(path: Path | str, *, text: str | None = None, encoding: str = "utf-8",
                     required: tuple[str, ...] = (), optional: tuple[str, ...] = (), strip: bool = False,
                     empty: str = "a header row and records") -> pd.DataFrame:
    """The records of a small CSV table a researcher edits by hand, as strings.

    Used for ``metadata.csv``, ``corrections.csv``, alias and lemma tables and
    dictionaries. ``text`` is content already read (a packaged resource); else
    the regular file ``path`` is read and checked to decode as ``encoding``.

    Returns ``_line`` (the record number, header = line 1) and the header's
    columns (names stripped of blanks; values too when ``strip``). Blank
    records (every value blank, e.g. at the end of a hand-edited file) are
    dropped but still counted. Raises :class:`InputError` naming the file: an
    empty file (it needs ``empty``), a ragged record, a column named twice, a
    ``required`` column missing.

    >>> read_csv_records("aliases.csv", text="variant,canonical\\nDaesh, isil\\n\\n", strip=True,
    ...                  required=("variant", "canonical")).to_dict("records")
    [{'_line': 2, 'variant': 'Daesh', 'canonical': 'isil'}]
    """
    path = Path(path)
    if text is None:
        data = read_file_bytes(path)
        check_decodable(data, path=path, encoding=encoding)
    else:
        data, encoding = text.encode("utf-8"), "utf-8"
    try:
        frame = parse_csv(data, path=path, encoding=encoding, strip_header=True)
    except InputError as exc:
        if "the file is empty" in str(exc):
            raise InputError(f"{path}: the file is empty; it needs {empty}") from None
        raise
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: line 1: missing column {missing[0]!r}; expected columns "
                         f"{', '.join(required + optional)}")
    if strip:
        frame = frame.apply(lambda col: col.str.strip())
    frame.insert(0, "_line", range(2, len(frame) + 2))
    blank = (frame.drop(columns="_line").apply(lambda col: col.str.strip()) == "").all(axis=1)
    return frame.loc[~blank].reset_index(drop=True)

