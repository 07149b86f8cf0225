"""Walking a report folder as untrusted input: never following a symbolic link, never opening
a FIFO or device (:func:`walk`, :func:`read_regular`). Used by :mod:`.verify`."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import NamedTuple

from ..errors import InputError, printable

__all__ = ["Entry", "classify_path", "walk", "read_regular"]


class Entry(NamedTuple):
    """One path inside a report folder, as found without following links."""

    kind: str            # "file", "directory", "symlink", "unreadable" or a special kind ("fifo", ...)
    path: Path
    detail: str = ""     # symlink target or the error that made the entry unreadable


def _special_kind(mode: int) -> str:
    for test, name in ((stat.S_ISFIFO, "fifo"), (stat.S_ISSOCK, "socket"), (stat.S_ISCHR, "character device"),
                       (stat.S_ISBLK, "block device")):
        if test(mode):
            return name
    return "special file"


def classify_path(path: Path) -> Entry:
    """Classify ``path`` by ``lstat`` (a symlink is a symlink, whatever it points to)."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            return Entry("symlink", path, os.readlink(path))
    except OSError as e:
        return Entry("unreadable", path, e.strerror or type(e).__name__)
    if stat.S_ISDIR(mode):
        return Entry("directory", path)
    return Entry("file", path) if stat.S_ISREG(mode) else Entry(_special_kind(mode), path)


def walk(*, root: Path) -> dict[str, Entry]:
    """Every path under ``root`` (relative POSIX path -> entry), not descending into symlinked folders.

    A subfolder that cannot be listed is an ``unreadable`` entry; ``root`` itself an :class:`InputError`.
    """
    found: dict[str, Entry] = {}
    stack = [("", root)]
    while stack:
        prefix, folder = stack.pop()
        try:
            names = sorted(os.listdir(folder))
        except OSError as e:
            if not prefix:
                raise InputError(f"{printable(str(root))}: cannot read the report folder ({e.strerror})") from e
            found[prefix.rstrip("/")] = Entry("unreadable", folder, e.strerror or type(e).__name__)
            continue
        for name in names:
            rel, entry = prefix + name, classify_path(folder / name)
            found[rel] = entry
            if entry.kind == "directory":
                stack.append((rel + "/", entry.path))
    return found


def read_regular(*, path: Path) -> bytes:
    """Bytes of a regular file; refuses a symlink or special file swapped in since the walk (``OSError``)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path}: no longer a regular file")
        return fh.read()
