"""Reading table files: ``.csv``, ``.tsv``, ``.jsonl``, ``.json`` (each optionally ``.gz``), ``.parquet``.

Every reader returns a :class:`RawTable`: the records as a DataFrame (CSV/TSV
values stay strings, exactly as written: no type guessing, empty cells are
``""``) plus how records are numbered for messages (see
:class:`~textanalytics.corpus.validate.Where`).

Bytes are read and decoded by :mod:`textanalytics.files` (regular files only, exact
offsets of undecodable bytes, byte-order marks checked). CSV is parsed by
pandas' C reader, a real CSV parser (quoted fields may hold newlines and
commas) that has no field size limit at all, so there is no limit to raise
(unlike the standard library's ``csv`` module, whose process-wide limit we
leave alone). Blank lines are kept as (empty) records, so record numbers match
what a spreadsheet shows and nothing is dropped silently. A record with more
fields than the header is an error naming the record (pandas would otherwise
take the first column as an index and shift every value); a header naming a
column twice is an error too. A record with fewer fields gets empty values for
the missing ones (the C parser cannot tell a missing field from an empty one).

Only regular files are read: a FIFO, socket or device given as a corpus file
would block or never end, so it is refused before it is opened
(:func:`require_regular_file`). A byte-order mark that contradicts
``encoding`` (UTF-16 or UTF-32 read as UTF-8, say) and UTF-16 without one are
reported with the encoding to pass (:func:`check_encoding_marks`).

That byte-level reading and the CSV parser are :mod:`textanalytics.files`',
shared with ``metadata.csv``, ``corrections.csv`` and the resource tables;
their names are importable from here too.

A ``.json`` file is one JSON array of records (``[{"text": ...}, ...]``),
read and validated as JSON Lines are, records numbered from 1 (``record 3``).
It is one document, so it is read whole, also when a table is streamed (use
``.jsonl`` for files too large for memory). A record holding nested records
(an object, or a list of objects: a speaker with a list of speeches) is an
:class:`~textanalytics.errors.InputError` naming the file, the record and the
field, with a ``pandas.json_normalize`` and a ``jq`` command that flatten it
(:func:`nested_json_problem`); other values of the wrong type (a list of
strings, a text that is a number) are bad records, as in JSON Lines.

Example
-------
>>> from pathlib import Path
>>> table = read_table(Path("tests/data/corpus/table.csv"))   # doctest: +SKIP
>>> table.where.unit, table.frame.shape                          # doctest: +SKIP
('record', (4, 6))
"""

from __future__ import annotations

import gzip
import json
import logging
import zlib
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..errors import InputError
from ..files import (check_decodable, check_encoding_marks, decode_bytes, iter_csv, parse_csv, read_decompressed,
                     read_file_bytes, require_regular_file, text_codec)
from .validate import Where

log = logging.getLogger(__name__)

__all__ = ["TABLE_SUFFIXES", "RawTable", "table_kind", "read_table", "read_table_chunks", "parse_csv",
           "nested_json_problem"]

#: Suffixes recognised as table corpora.
TABLE_SUFFIXES = (".csv", ".csv.gz", ".tsv", ".tsv.gz", ".jsonl", ".jsonl.gz", ".ndjson", ".json", ".json.gz",
                  ".parquet")


@dataclass(frozen=True)
class RawTable:
    """Records read from a table file: ``frame`` (one row per record, with an
    ``_line`` column holding the record number) and ``where`` (numbering)."""

    frame: pd.DataFrame
    where: Where


def table_kind(path: Path) -> str | None:
    """``"csv"``, ``"tsv"``, ``"jsonl"``, ``"json"``, ``"parquet"`` or None for other files.

    >>> table_kind(Path("a.csv.gz")), table_kind(Path("a.json")), table_kind(Path("a.docx"))
    ('csv', 'json', None)
    """
    name = path.name.lower()
    for suffix in TABLE_SUFFIXES:
        if name.endswith(suffix):
            kind = suffix.lstrip(".").split(".")[0]
            return "jsonl" if kind == "ndjson" else kind
    return None


def _read_delimited(path: Path, *, sep: str, encoding: str) -> RawTable:
    data, gz = read_decompressed(path)
    check_decodable(data, path=path, encoding=encoding, gz=gz)
    # the C parser decodes the bytes itself: no str copy of the whole file is kept
    frame = parse_csv(data, path=path, sep=sep, encoding=encoding, label="TSV" if sep == "\t" else "CSV")
    frame.insert(0, "_line", range(2, len(frame) + 2))
    return RawTable(frame, Where(str(path), "record", "header = record 1"))


def _parse_json(text: str, *, path: Path, line: int | None, hint: str) -> object:
    """``json.loads(text)``; invalid JSON is a one-line error (naming ``line`` of a JSON Lines file)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        where = f"line {line}: " if line is not None else ""
        at = f"column {exc.colno}" if line is not None else f"line {exc.lineno} column {exc.colno}"
        raise InputError(f"{path}: {where}invalid JSON ({exc.msg} at {at}); {hint}") from None


def _json_record(line: str, *, path: Path, n: int) -> dict | None:
    """The JSON object on line ``n`` (None for a blank line); one-line errors otherwise."""
    if not line.strip():
        return None
    obj = _parse_json(line, path=path, line=n, hint="write one JSON object per line")
    if not isinstance(obj, dict):
        raise InputError(f"{path}: line {n}: expected a JSON object, got {type(obj).__name__}; "
                         "write one JSON object per line")
    return obj


def _read_jsonl(path: Path, *, encoding: str) -> RawTable:
    data, gz = read_decompressed(path)
    text = decode_bytes(data, path=path, encoding=encoding, gz=gz)
    del data
    records: list[dict] = []
    lines: list[int] = []
    for n, line in enumerate(text.split("\n"), start=1):
        obj = _json_record(line, path=path, n=n)
        if obj is not None:
            records.append(obj)
            lines.append(n)
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    frame.insert(0, "_line", lines)
    return RawTable(frame, Where(str(path), "line", ""))


def _flatten_hint(field: str, value: object, record: dict, *, path: Path) -> str:
    """How to flatten a nested field: a ``pandas.json_normalize`` call and a ``jq`` filter, with the file's names."""
    name = path.name
    out = name[:-len(".json.gz")] if name.lower().endswith(".json.gz") else path.stem
    load = f"json.load(open({name!r}))"
    write = f".to_json({out + '.jsonl'!r}, orient='records', lines=True)"
    if isinstance(value, list):  # nested records: one statement per element
        meta = [k for k, v in record.items() if k != field and not isinstance(v, (dict, list))][:3]
        keep = ", ".join(f'"{k}": $r["{k}"]' for k in meta)
        return (f"pandas.json_normalize({load}, record_path={field!r}, meta={meta!r}){write}, or "
                f"jq -c '.[] | . as $r | .[\"{field}\"][] | {{{keep}}} + .' {name} > {out}.jsonl")
    return (f"pandas.json_normalize({load}, sep='_'){write}, or jq -c '.[] | [leaf_paths as $p | "
            f"{{($p | map(tostring) | join(\"_\")): getpath($p)}}] | add' {name} > {out}.jsonl")


def nested_json_problem(records: list, *, path: Path, first: int = 1) -> str | None:
    """The one-line message for the first record holding nested records (an object, or a list of objects).

    Records are numbered from ``first``. None when no record is nested.

    >>> nested_json_problem([{"speaker": "A", "speeches": [{"text": "Hi."}]}], path=Path("s.json"))[:89]
    "s.json: record 1: field 'speeches' holds a list of 1 JSON object(s) (nested records); flat"
    """
    for n, record in enumerate(records, start=first):
        for field, value in record.items():
            if isinstance(value, dict):
                what = "a JSON object"
            elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
                what = f"a list of {len(value)} JSON object(s)"
            else:
                continue
            return (f"{path}: record {n}: field {field!r} holds {what} (nested records); flatten the file to one "
                    f"flat record per statement, e.g. {_flatten_hint(field, value, record, path=path)}")
    return None


def _json_records(text: str, *, path: Path) -> list[dict]:
    """The records of a ``.json`` file: a top-level array of flat objects; one-line errors otherwise."""
    data = _parse_json(text, path=path, line=None, hint="write one array of records, [{\"text\": ...}, ...]")
    if not isinstance(data, list):
        kind = "an object" if isinstance(data, dict) else f"a {type(data).__name__}"
        keys = f" (keys: {', '.join(map(repr, list(data)[:5]))})" if isinstance(data, dict) else ""
        raise InputError(f"{path}: the file holds {kind}{keys}, not an array of records; write [{{\"text\": ...}}, "
                         "...] with one object per statement, or one object per line in a .jsonl file")
    for n, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            raise InputError(f"{path}: record {n}: expected a JSON object, got {type(record).__name__}; "
                             "write one object per statement")
    problem = nested_json_problem(data, path=path)
    if problem:
        raise InputError(problem)
    return data


def _read_json(path: Path, *, encoding: str) -> RawTable:
    data, gz = read_decompressed(path)
    text = decode_bytes(data, path=path, encoding=encoding, gz=gz)
    del data
    records = _json_records(text, path=path)
    del text
    frame = pd.DataFrame.from_records(records) if records else pd.DataFrame()
    frame.insert(0, "_line", range(1, len(records) + 1))
    return RawTable(frame, Where(str(path), "record", "first record = 1"))


def _read_parquet(path: Path) -> RawTable:
    require_regular_file(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several exception types for bad files
        raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__}: "
                         f"{str(exc).splitlines()[0] if str(exc) else ''}); re-export it") from None
    frame = frame.reset_index(drop=True)
    frame.insert(0, "_line", range(1, len(frame) + 1))
    return RawTable(frame, Where(str(path), "row", "first row = 1"))


def read_table(path: Path, *, encoding: str = "utf-8") -> RawTable:
    """Read a table file into a :class:`RawTable` (dispatching on the suffix).

    Raises :class:`InputError` for an unsupported suffix, undecodable bytes,
    malformed CSV/JSON/Parquet, or a file without records.
    """
    kind = table_kind(path)
    if kind == "csv":
        table = _read_delimited(path, sep=",", encoding=encoding)
    elif kind == "tsv":
        table = _read_delimited(path, sep="\t", encoding=encoding)
    elif kind == "jsonl":
        table = _read_jsonl(path, encoding=encoding)
    elif kind == "json":
        table = _read_json(path, encoding=encoding)
    elif kind == "parquet":
        table = _read_parquet(path)
    else:
        raise InputError(f"{path}: not a table file; use one of {', '.join(TABLE_SUFFIXES)}")
    if len(table.frame) == 0:
        raise InputError(f"{path}: the table has no records")
    log.debug("read %d records from %s", len(table.frame), path)
    return table


def read_table_chunks(path: Path, *, rows: int, encoding: str = "utf-8"):
    """Read a table file ``rows`` records at a time: an iterator of :class:`RawTable`.

    Record numbers (``_line``) run on across chunks and mean what they mean in
    :func:`read_table`. Memory is one chunk of records, whatever the file size.
    Decoding errors name the file and the chunk's first record (the exact byte
    offset is only known to :func:`read_table`, which reads the whole file).
    """
    kind = table_kind(path)
    if kind is None:
        raise InputError(f"{path}: not a table file; use one of {', '.join(TABLE_SUFFIXES)}")
    if rows < 1:
        raise InputError(f"rows: must be at least 1, got {rows}")
    require_regular_file(path)
    if kind == "json":  # one JSON document: read whole, handed out in pieces
        table = read_table(path, encoding=encoding)
        for start in range(0, len(table.frame), rows):
            yield RawTable(table.frame.iloc[start:start + rows].reset_index(drop=True), table.where)
        return
    total = 0
    try:
        if kind != "parquet":
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            with opener(path, "rb") as fh:
                check_encoding_marks(fh.read(4096), path=path, encoding=encoding)
        if kind in ("csv", "tsv"):
            sep = "," if kind == "csv" else "\t"
            where = Where(str(path), "record", "header = record 1")
            for frame in iter_csv(path, rows=rows, sep=sep, encoding=encoding, label=kind.upper()):
                total += len(frame)
                yield RawTable(frame, where)
        elif kind == "jsonl":
            where = Where(str(path), "line", "")
            opener = gzip.open if path.name.lower().endswith(".gz") else open
            records: list[dict] = []
            lines: list[int] = []
            with opener(path, "rt", encoding=text_codec(encoding)) as fh:
                for n, line in enumerate(fh, start=1):
                    obj = _json_record(line, path=path, n=n)
                    if obj is None:
                        continue
                    records.append(obj)
                    lines.append(n)
                    if len(records) >= rows:
                        frame = pd.DataFrame.from_records(records)
                        frame.insert(0, "_line", lines)
                        total += len(frame)
                        yield RawTable(frame, where)
                        records, lines = [], []
            if records:
                frame = pd.DataFrame.from_records(records)
                frame.insert(0, "_line", lines)
                total += len(frame)
                yield RawTable(frame, where)
        else:
            import pyarrow.parquet as pq  # deferred: pyarrow is heavy and only Parquet read in pieces needs it here

            where = Where(str(path), "row", "first row = 1")
            try:
                batches = pq.ParquetFile(path).iter_batches(batch_size=rows)
                for batch in batches:
                    frame = batch.to_pandas().reset_index(drop=True)
                    frame.insert(0, "_line", range(total + 1, total + 1 + len(frame)))
                    total += len(frame)
                    yield RawTable(frame, where)
            except InputError:
                raise
            except Exception as exc:  # pyarrow raises several exception types for bad files
                raise InputError(f"{path}: not a readable Parquet file ({type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0] if str(exc) else ''}); re-export it") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: bytes that are not valid {encoding} ({exc.reason}) after record {total}; "
                         "re-save the file as UTF-8 or pass encoding=...") from None
    except (OSError, EOFError, zlib.error) as exc:
        if isinstance(exc, FileNotFoundError):
            raise InputError(f"{path}: file not found") from None
        raise InputError(f"{path}: unreadable ({exc}); check the file (and its gzip compression)") from None
    if total == 0:
        raise InputError(f"{path}: the table has no records")
