"""Hashes and provenance: every SHA-256 the package computes, and the versions it records.

Cache keys (preprocessing, token stores, topic fits, rendered figures) and
``run.json`` (input files, library versions) are all made here, so a key
means the same thing wherever it is used:

* :func:`digest` — SHA-256 of text or bytes (or of a stream of pieces);
* :func:`digest_document` — of a JSON-ready document in canonical form
  (sorted keys, ASCII, no blanks): configs and cache-key documents;
* :func:`fingerprint` — of the *content* of tables, arrays, dataclasses and
  containers (figure keys);
* :func:`file_digest` — of a file's bytes, remembered per (path, size,
  modification time); :func:`input_digests` — of every input file under a path;
* :func:`package_versions` — installed versions of named distributions.

Nothing here imports numpy or pandas: :func:`fingerprint` recognises their
objects only when the caller has already imported them.

Example
-------
>>> digest("abc")[:16]
'ba7816bf8f01cfea'
>>> digest(["a", "bc"]) == digest("abc")
True
>>> len(digest_document({"b": 1, "a": [1, 2]}))
64
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = ["digest", "digest_document", "fingerprint", "file_digest", "input_digests", "package_versions"]


def _bytes(piece: str | bytes) -> bytes:
    # Lone surrogates (undecodable bytes of file names) are hashed, not refused.
    return piece.encode("utf-8", "surrogatepass") if isinstance(piece, str) else bytes(piece)


def digest(data: str | bytes | Iterable[str | bytes]) -> str:
    """Hex SHA-256 of text (UTF-8), bytes, or the concatenation of an iterable of pieces (read once)."""
    h = hashlib.sha256()
    for piece in ([data] if isinstance(data, (str, bytes, bytearray, memoryview)) else data):
        h.update(_bytes(piece))
    return h.hexdigest()


def digest_document(document: Mapping[str, Any]) -> str:
    """Hex SHA-256 of a JSON-ready document in canonical form (sorted keys, ASCII, compact).

    >>> digest_document({"a": 1, "b": 2}) == digest_document({"b": 2, "a": 1})
    True
    """
    return digest(json.dumps(document, sort_keys=True, ensure_ascii=True, separators=(",", ":")))


def _update(h: Any, obj: Any) -> None:
    """Feed the content of ``obj`` to the hash ``h`` (see :func:`fingerprint`)."""
    pd, np = sys.modules.get("pandas"), sys.modules.get("numpy")
    if pd is not None and isinstance(obj, pd.DataFrame):
        h.update(b"df")
        h.update(obj.to_csv(lineterminator="\n").encode("utf-8"))
    elif pd is not None and isinstance(obj, pd.Series):
        h.update(b"s")
        h.update(obj.to_csv(lineterminator="\n").encode("utf-8"))
    elif np is not None and isinstance(obj, np.ndarray):
        h.update(f"nd{obj.dtype}{obj.shape}".encode())
        h.update(np.ascontiguousarray(obj).tobytes() if obj.dtype != object else repr(obj.tolist()).encode())
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        h.update(type(obj).__qualname__.encode())
        for f in dataclasses.fields(obj):
            h.update(f.name.encode())
            _update(h, getattr(obj, f.name))
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=repr):
            h.update(repr(k).encode())
            _update(h, obj[k])
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for v in obj:
            _update(h, v)
    elif np is not None and hasattr(obj, "toarray") and hasattr(obj, "shape"):  # scipy sparse
        _update(h, obj.toarray() if np.prod(obj.shape) < 1e6 else np.asarray(obj.sum(axis=0)))
    else:
        h.update(repr(obj).encode("utf-8"))


def fingerprint(obj: Any) -> str:
    """Hex SHA-256 of the *content* of ``obj``: DataFrames, Series, arrays, sparse matrices,
    dataclasses, dicts, lists and tuples by what they hold, anything else by ``repr``.

    The same data and parameters give the same key (figure cache keys).

    >>> fingerprint({"b": [1, 2], "a": "x"}) == fingerprint({"a": "x", "b": [1, 2]})
    True
    """
    h = hashlib.sha256()
    _update(h, obj)
    return h.hexdigest()


def file_digest(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file's bytes, read 1 MiB at a time.

    Remembered per (path, size, modification time): a streamed report keys its
    token store on the input file and ``run.json`` records the same hash, so a
    large table is read for hashing once, not twice.
    """
    st = os.stat(path)
    return _cached_file_digest(os.path.abspath(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _cached_file_digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as fh:
        return digest(iter(lambda: fh.read(1 << 20), b""))


def input_digests(path: Path, *, exclude: tuple[Path | None, ...] = ()) -> dict[str, str]:
    """SHA-256 of every input file under ``path`` (or of the file itself), by relative name.

    Folders in ``exclude`` (the report being written, the cache), their
    temporary siblings (``.<name>.*``) and symbolic links are never hashed: a
    report written inside a folder corpus must not hash itself.
    """
    path = Path(path)
    skip = [Path(e).resolve() for e in exclude if e]

    def owned(p: Path) -> bool:
        for folder in skip:
            for q in (p, *p.parents):
                if q == folder or (q.parent == folder.parent and q.name.startswith(f".{folder.name}.")):
                    return True
        return False

    files = [path] if path.is_file() else sorted(
        p for p in path.rglob("*") if p.is_file() and not p.is_symlink() and not owned(p.resolve()))
    return {f.name if path.is_file() else f.relative_to(path).as_posix(): file_digest(f) for f in files}


def package_versions(names: Iterable[str], *, missing: str = "not installed") -> dict[str, str]:
    """``{distribution: installed version}``, ``missing`` for one that is not installed.

    >>> package_versions(["surely-not-a-distribution"], missing="")
    {'surely-not-a-distribution': ''}
    """
    return {name: _version(name) or missing for name in names}


@functools.lru_cache(maxsize=None)
def _version(name: str) -> str:
    """Installed version of a distribution, "" when missing (looked up once per process)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""
