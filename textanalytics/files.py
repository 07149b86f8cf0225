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

Example
-------
>>> import tempfile, pathlib
>>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
>>> with atomic_write(target) as tmp:
...     _ = tmp.write_text("done", encoding="utf-8")
>>> target.read_text(encoding="utf-8")
'done'
"""

from __future__ import annotations

import codecs
import contextlib
import gzip
import io
import logging
import os
import re
import shutil
import stat
import tempfile
import zlib
from pathlib import Path
from typing import Callable, Iterator

import pandas as pd

from .errors import InputError

log = logging.getLogger(__name__)

__all__ = ["require_regular_file", "read_file_bytes", "read_decompressed", "check_encoding_marks", "decode_bytes", "check_decodable",
           "text_codec", "parse_csv", "iter_csv", "read_csv_records", "atomic_write", "current_umask"]


# ---------------------------------------------------------------- reading bytes

_FILE_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


def require_regular_file(path: Path | str, *, what: str = "file") -> None:
    """Raise :class:`InputError` unless ``path`` is a regular file (symbolic links are followed).

    Checked with ``os.stat`` before opening: reading a FIFO, socket or device
    would block or never end.

    >>> require_regular_file("/dev/null")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: /dev/null: is a character device, not a regular file; pass a file saved on disk
    """
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        raise InputError(f"{path}: {what} not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}); check the path and its "
                         "permissions") from None
    if not stat.S_ISREG(mode):
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
        raise InputError(f"{path}: is {kind}, not a regular file; pass a file saved on disk")


def read_file_bytes(path: Path, *, what: str = "file") -> bytes:
    """The bytes of a regular file; one-line :class:`InputError` for anything else or a read error."""
    require_regular_file(path, what=what)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}); check its permissions") from None


# ---------------------------------------------------------------- encodings and CSV

def read_decompressed(path: Path) -> tuple[bytes, bool]:
    """``(bytes, gzipped)`` of a regular file, decompressed when its name ends in ``.gz``."""
    data = read_file_bytes(path)
    gz = path.name.lower().endswith(".gz")
    if gz:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{path}: not a valid gzip file ({exc}); re-compress it or pass the "
                             "uncompressed file") from None
    return data, gz


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        raise InputError(f"encoding: unknown encoding {encoding!r}; use e.g. 'utf-8' or 'latin-1'") from None


def check_encoding_marks(head: bytes, *, path: Path | str, encoding: str = "utf-8") -> None:
    """Raise :class:`InputError` when the first bytes of a file contradict ``encoding``.

    ``head`` is the start of the (decompressed) data, a few KB are enough. A
    UTF-32 or UTF-16 byte-order mark read as another encoding, a UTF-8 mark
    read as a one-byte encoding, ``"utf-16"``/``"utf-32"`` without a mark
    (the byte order would be guessed silently), and many NUL bytes in a
    one-byte or UTF-8 file (UTF-16 without a mark, or not text at all) each
    name the encoding to pass.

    >>> check_encoding_marks("text".encode("utf-16"), path="a.csv")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: a.csv: starts with a UTF-16 byte-order mark but encoding is utf-8; pass encoding="utf-16"
    """
    name = _codec_name(encoding)
    fix = '; pass encoding="{}"'
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        if name != "utf-32":
            raise InputError(f"{path}: starts with a UTF-32 byte-order mark but encoding is {encoding}"
                             + fix.format("utf-32"))
        return
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        if name != "utf-16":
            raise InputError(f"{path}: starts with a UTF-16 byte-order mark but encoding is {encoding}"
                             + fix.format("utf-16"))
        return
    if head.startswith(codecs.BOM_UTF8):
        if name not in ("utf-8", "utf-8-sig"):
            raise InputError(f"{path}: starts with a UTF-8 byte-order mark but encoding is {encoding}"
                             + fix.format("utf-8"))
        return
    nul_even, nul_odd = head[0::2].count(0), head[1::2].count(0)
    order = "le" if nul_odd >= nul_even else "be"
    if name in ("utf-16", "utf-32") and head:
        guess, other = f"{name}-{order}", f"{name}-{'be' if order == 'le' else 'le'}"
        raise InputError(f"{path}: has no byte-order mark, so the byte order of {encoding} is unknown; "
                         f'pass encoding="{guess}" (or "{other}")')
    if not name.startswith(("utf-16", "utf-32")) and nul_even + nul_odd >= max(2, len(head) // 10):
        raise InputError(f"{path}: {nul_even + nul_odd} of its first {len(head)} bytes are NUL: it looks like "
                         f"UTF-16 without a byte-order mark (pass encoding=\"utf-16-{order}\") or is not a text file")


def decode_bytes(data: bytes, *, path: Path | str, encoding: str = "utf-8", gz: bool = False) -> str:
    """Decode ``data``; an undecodable byte raises :class:`InputError` naming file and byte offset.

    A UTF-8 byte-order mark is dropped.

    >>> decode_bytes(b"ok", path="a.txt")
    'ok'
    >>> decode_bytes(b"ab\\xff", path="a.txt")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: a.txt: byte 2 (0xff) cannot be decoded as utf-8; save the file as UTF-8 or pass encoding=...
    """
    check_encoding_marks(data[:4096], path=path, encoding=encoding)
    try:
        return data.decode(text_codec(encoding))
    except UnicodeDecodeError as exc:
        where = " of the decompressed data" if gz else ""
        raise InputError(f"{path}: byte {exc.start}{where} (0x{data[exc.start]:02x}) cannot be decoded as "
                         f"{encoding}; save the file as UTF-8 or pass encoding=...") from None
    except LookupError:
        raise InputError(f"encoding: unknown encoding {encoding!r}; use e.g. 'utf-8' or 'latin-1'") from None


def text_codec(encoding: str) -> str:
    """The codec to decode ``encoding`` with: UTF-8 drops a byte-order mark.

    >>> text_codec("UTF_8"), text_codec("latin-1")
    ('utf-8-sig', 'latin-1')
    """
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def check_decodable(data: bytes, *, path: Path | str, encoding: str = "utf-8", gz: bool = False,
                    chunk: int = 1 << 20) -> None:
    """Raise :class:`InputError` (file, byte offset) if ``data`` does not decode; keeps no copy.

    >>> check_decodable("caf\u00e9".encode(), path="a.csv")
    """
    check_encoding_marks(data[:4096], path=path, encoding=encoding)
    try:
        decoder = codecs.getincrementaldecoder(text_codec(encoding))()
    except LookupError:
        raise InputError(f"encoding: unknown encoding {encoding!r}; use e.g. 'utf-8' or 'latin-1'") from None
    view = memoryview(data)
    for start in range(0, len(data), chunk):
        piece = view[start:start + chunk]
        try:
            decoder.decode(piece, final=start + chunk >= len(data))
        except UnicodeDecodeError as exc:
            offset = start - (len(exc.object) - len(piece)) + exc.start
            where = " of the decompressed data" if gz else ""
            raise InputError(f"{path}: byte {offset}{where} (0x{data[offset]:02x}) cannot be decoded as "
                             f"{encoding}; save the file as UTF-8 or pass encoding=...") from None


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


# ---------------------------------------------------------------- writing

def current_umask() -> int:
    """The process umask (read without changing it for longer than one call)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _swap_folder(tmp: Path, target: Path) -> None:
    """Replace the folder ``target`` by ``tmp``; on failure ``target`` is put back as it was."""
    old = target.parent / f".{target.name}.old-{os.getpid()}"
    moved = False
    try:
        if target.exists():
            os.replace(target, old)
            moved = True
        os.replace(tmp, target)
    except BaseException:
        if moved and not target.exists():
            os.replace(old, target)
        raise
    if moved:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, *, folder: bool = False,
                 keep: Callable[[Path], bool] | None = None) -> Iterator[Path]:
    """Yield a temporary file (or, with ``folder``, an empty folder) beside ``path``; on success move it to ``path``.

    The temporary sibling is named ``.<name>.tmp-*`` (with ``path``'s suffix, so
    writers that add one, such as ``numpy.savez``, keep the name); the result
    gets the permissions the user's umask gives a new file or folder. If the
    block raises (``KeyboardInterrupt`` and ``SystemExit`` included), the
    temporary is removed and ``path`` is left exactly as it was.

    A file replaces ``path`` in one rename. A folder replaces an existing one
    by moving it aside (``.<name>.old-<pid>``), renaming the new one in and only
    then removing the old, putting it back if the rename fails. ``keep``
    decides a race for write-once folders (caches): when ``path`` appeared
    meanwhile and ``keep(path)`` is true, the one there is kept and the new one
    dropped (both were made from the same inputs).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "entry"
    >>> with atomic_write(target, folder=True) as tmp:
    ...     _ = (tmp / "a.txt").write_text("a", encoding="utf-8")
    >>> sorted(p.name for p in target.iterdir())
    ['a.txt']
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if folder:
        tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    else:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.tmp-", suffix=path.suffix, dir=path.parent)
        os.close(fd)
        tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, (0o777 if folder else 0o666) & ~current_umask())
        if not folder:
            os.replace(tmp, path)
        elif keep is not None:
            try:
                os.replace(tmp, path)
            except OSError:
                if not keep(path):
                    raise
                log.info("%s was written by another run meanwhile; keeping it", path)
                _remove(tmp)
        else:
            _swap_folder(tmp, path)
    except BaseException:
        _remove(tmp)
        raise
