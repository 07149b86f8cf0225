"""The one atomic writer: a temporary file or folder beside the target, moved into place
only when the block succeeds (:func:`atomic_write`)."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Iterator

log = logging.getLogger(__name__)

__all__ = ["atomic_write", "current_umask"]


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
