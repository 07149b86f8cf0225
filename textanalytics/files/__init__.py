"""Reading and writing files: the one place that opens a user's file or replaces one of ours.

Reading (every table the package reads: corpus tables, ``metadata.csv``,
``corrections.csv``, alias and lemma tables, dictionaries)
    Only regular files are read: a FIFO, socket or device would block or never
    end, so it is refused before it is opened (:func:`require_regular_file`).
    Bytes are decoded by us, not by the parser, so an undecodable byte is
    reported with its exact offset (:func:`check_decodable`, :func:`decode_bytes`),
    and a byte-order mark that contradicts the encoding names the encoding to
    pass (:func:`check_encoding_marks`). CSV is parsed by pandas' C reader
    (quoted fields may hold newlines and commas, no field size limit) with
    every value kept as the string written (:func:`parse_csv`, :func:`iter_csv`);
    a record with more fields than the header, or a header naming a column
    twice, is an :class:`~textanalytics.errors.InputError` naming it.
    :func:`read_csv_records` is the reader for small tables a researcher edits
    by hand: record numbers, blank records dropped, required columns checked.

Writing
    :func:`atomic_write` yields a temporary file or folder beside the target and
    moves it into place only when the block succeeds, so a reader never sees
    half a file and a failed run leaves the previous one untouched. Folders the
    package replaces wholesale (reports, token stores) add an ownership guard on
    top (:func:`textanalytics.output_folder.atomic_output_folder`).

Modules: ``reading`` (bytes, encodings; no pandas), ``csv_tables`` (CSV with pandas),
``atomic`` (the writer; no pandas). Every name is importable from here; each module
loads on first use, so writing a file never imports pandas.

Example
-------
>>> from textanalytics.files import atomic_write
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_write(target) as tmp:
...     _ = tmp.write_text("done", encoding="utf-8")
>>> target.read_text(encoding="utf-8")
'done'
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "require_regular_file": "textanalytics.files.reading",
    "read_file_bytes": "textanalytics.files.reading",
    "read_decompressed": "textanalytics.files.reading",
    "check_encoding_marks": "textanalytics.files.reading",
    "decode_bytes": "textanalytics.files.reading",
    "check_decodable": "textanalytics.files.reading",
    "text_codec": "textanalytics.files.reading",
    "parse_csv": "textanalytics.files.csv_tables",
    "iter_csv": "textanalytics.files.csv_tables",
    "read_csv_records": "textanalytics.files.csv_tables",
    "atomic_write": "textanalytics.files.atomic",
    "current_umask": "textanalytics.files.atomic",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
