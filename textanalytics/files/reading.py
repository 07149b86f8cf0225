"""Reading a user's file as bytes and decoding them: regular files only, decompression,
byte-order marks and encodings checked, undecodable bytes named by offset. No pandas."""

from __future__ import annotations

import codecs
import gzip
import os
import stat
import zlib
from pathlib import Path

from ..errors import InputError

__all__ = ["require_regular_file", "read_file_bytes", "read_decompressed", "check_encoding_marks", "decode_bytes",
           "check_decodable", "text_codec"]


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
