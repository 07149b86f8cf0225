"""Folders the package owns: the output guard, ownership markers and the atomic swap.

A researcher's files are never written, renamed or deleted by a run. The only
folders the package replaces are ones it can prove it wrote:

* a report folder carries :data:`REPORT_MARKER`, a small JSON file naming the
  format and every file the report wrote; a folder is replaced only when the
  marker parses, declares :data:`REPORT_FORMAT`, and every file in the folder
  is one the marker lists (a note a user saved into ``reports/`` blocks the
  swap instead of being deleted);
* a token store is recognised by its ``manifest.json`` (see
  :mod:`textanalytics.preprocessing.store`), checked by the caller's
  ``owned`` function.

:func:`check_output_folder` runs before any analysis starts and refuses, with
one line saying what to do: a file, a symbolic link, a filesystem root, the
home folder, the current folder, the corpus or config (or any folder that
contains them), and any other non-empty folder.

:func:`atomic_output_folder` builds into a temporary sibling folder that
carries a temporary marker (with the process id), and swaps it in only when
every step succeeded; on failure the previous folder stays exactly as it was.
Temporary folders left behind by killed runs are swept by the next run, but
only those carrying the package's temporary marker whose process is gone.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import socket
from pathlib import Path
from typing import Callable, Iterator, Mapping

from .errors import InputError
from .files import atomic_write, current_umask
from .workers import raise_if_interrupted

log = logging.getLogger(__name__)

__all__ = [
    "REPORT_FORMAT",
    "REPORT_MARKER",
    "TMP_MARKER",
    "check_output_folder",
    "report_owned",
    "atomic_output_folder",
    "sweep_stale",
    "write_report_marker",
    "current_umask",
]

#: File in every report folder the package wrote: ``{"format": REPORT_FORMAT, "files": [...]}``.
REPORT_MARKER = ".textanalytics-report.json"
REPORT_FORMAT = "textanalytics-report/1"
#: File in every temporary folder a run is building: ``{"format": TMP_FORMAT, "pid": ..., "host": ...}``.
TMP_MARKER = ".textanalytics-tmp.json"
TMP_FORMAT = "textanalytics-tmp/1"

#: ``owned(folder)`` returns None when the package may replace ``folder``, else the reason it may not.
Owned = Callable[[Path], "str | None"]


def _read_json(path: Path) -> object:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None


def report_owned(folder: Path) -> str | None:
    """None when ``folder`` holds a report this package wrote and nothing else; else why not.

    >>> import tempfile, pathlib
    >>> report_owned(pathlib.Path(tempfile.mkdtemp())) is not None   # empty but unmarked
    True
    """
    marker = _read_json(folder / REPORT_MARKER)
    if not isinstance(marker, dict) or marker.get("format") != REPORT_FORMAT:
        return (f"holds files and no textanalytics report marker ({REPORT_MARKER})")
    listed = {str(f) for f in marker.get("files", []) if isinstance(f, str)} | {REPORT_MARKER, TMP_MARKER}
    for path in sorted(folder.rglob("*")):
        if path.is_dir() and not path.is_symlink():
            continue
        rel = path.relative_to(folder).as_posix()
        if rel not in listed:
            return f"holds {rel!r}, which the report did not write (move it elsewhere first)"
    return None


def _same_or_inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def check_output_folder(path: str | os.PathLike, *, option: str = "--out", owned: Owned = report_owned,
                        protected: Mapping[str, str | os.PathLike | None] | None = None) -> Path:
    """Refuse any output folder a run could not replace without touching a user's files.

    Parameters
    ----------
    path:
        The folder a run will (re)place.
    option:
        How the user named it, for the message (``--out``, ``--store``, ``[report] out``).
    owned:
        ``owned(folder)`` is None when a non-empty folder may be replaced
        (:func:`report_owned` for reports), else the reason it may not.
    protected:
        Label -> path of inputs that must never be replaced or contain the
        output (``{"the corpus": ..., "the config": ...}``); None values are ignored.

    Returns the resolved folder; raises :class:`InputError` (one line: which
    folder, why, what to do) otherwise. Nothing is created.

    >>> check_output_folder("/", option="--out")
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: --out /: is a filesystem root; give a new or empty folder, e.g. --out reports
    """
    raw = Path(path).expanduser()
    shown = f"{option} {os.fspath(path)}"
    hint = "give a new or empty folder, e.g. --out reports"
    if raw.is_symlink():
        raise InputError(f"{shown}: is a symbolic link; give the folder itself, or a new one")
    resolved = raw.resolve()
    if resolved == Path(resolved.anchor):
        raise InputError(f"{shown}: is a filesystem root; {hint}")
    if resolved.exists() and not resolved.is_dir():
        raise InputError(f"{shown}: is a file, not a folder; {hint}")
    guarded: list[tuple[str, Path]] = []
    with contextlib.suppress(RuntimeError, KeyError):
        guarded.append(("your home folder", Path.home().resolve()))
    guarded.append(("the current folder", Path.cwd().resolve()))
    for label, where in (protected or {}).items():
        if where:
            guarded.append((label, Path(where).expanduser().resolve()))
    for label, where in guarded:
        if where == resolved:
            raise InputError(f"{shown}: is {label}; {hint}")
        if resolved in where.parents:
            raise InputError(f"{shown}: contains {label} ({where}); {hint}")
    parent = next((p for p in resolved.parents if p.exists()), None)
    if parent is not None and not parent.is_dir():
        raise InputError(f"{shown}: {parent} is a file, so the folder cannot be made; {hint}")
    if resolved.is_dir():
        try:
            empty = next(resolved.iterdir(), None) is None
        except OSError as exc:
            raise InputError(f"{shown}: cannot be read ({exc.strerror}); {hint}") from None
        if not empty:
            reason = owned(resolved)
            if reason:
                raise InputError(f"{shown}: {reason}; it would be replaced, so {hint}")
    return resolved


def _alive(pid: object, host: object) -> bool:
    """Whether process ``pid`` on ``host`` may still be running (unknown hosts count as alive)."""
    if host != socket.gethostname():
        return True
    if not isinstance(pid, int) or pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _stale(folder: Path) -> bool:
    marker = _read_json(folder / TMP_MARKER)
    return (isinstance(marker, dict) and marker.get("format") == TMP_FORMAT
            and not _alive(marker.get("pid"), marker.get("host")))


def sweep_stale(out: Path) -> list[Path]:
    """Remove temporary folders that killed runs building ``out`` left beside it.

    Only sibling folders named ``.<out>.tmp-*`` or ``.<out>.old-*`` that carry
    :data:`TMP_MARKER` of a process that no longer runs are touched. A previous
    report moved aside (``.old-``) by a run killed mid-swap is put back when
    ``out`` is missing. Returns the folders removed or restored.
    """
    out = Path(out)
    if not out.parent.is_dir():
        return []
    done = []
    for entry in sorted(out.parent.glob(f".{out.name}.*-*")):
        kind = entry.name[len(out.name) + 2:].split("-", 1)[0]
        if kind not in ("tmp", "old") or entry.is_symlink() or not entry.is_dir() or not _stale(entry):
            continue
        if kind == "old" and not out.exists():
            (entry / TMP_MARKER).unlink()
            os.replace(entry, out)
            log.warning("restored %s from %s, left by an interrupted run", out, entry.name)
        else:
            shutil.rmtree(entry, ignore_errors=True)
            log.info("removed %s, left by an interrupted run", entry)
        done.append(entry)
    return done


def _tmp_marker(folder: Path) -> None:
    (folder / TMP_MARKER).write_text(json.dumps({"format": TMP_FORMAT, "pid": os.getpid(),
                                                 "host": socket.gethostname()}) + "\n", encoding="utf-8")


def write_report_marker(folder: Path, files: list[str]) -> str:
    """Write the report marker listing ``files`` (relative paths); returns its name."""
    body = {"format": REPORT_FORMAT, "files": sorted(set(files) | {REPORT_MARKER})}
    (folder / REPORT_MARKER).write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")
    return REPORT_MARKER


@contextlib.contextmanager
def atomic_output_folder(out: str | os.PathLike) -> Iterator[Path]:
    """Build into a temporary sibling folder; swap it in for ``out`` only on success.

    The caller must have run :func:`check_output_folder` on ``out``. On any
    exception (SIGINT and SIGTERM included, see :mod:`textanalytics.workers`)
    the temporary folder is removed and ``out`` is left exactly as it was; if
    the swap itself fails, the previous folder is put back. The folder gets the
    permissions the user's umask gives a new folder. The swap is
    :func:`textanalytics.files.atomic_write`'s; this adds the markers that let
    :func:`sweep_stale` clean up after a run killed at any point.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(out)
    marked = False
    try:
        with atomic_write(out, folder=True) as tmp:
            _tmp_marker(tmp)
            yield tmp
            raise_if_interrupted()  # a Ctrl-C swallowed on the way still keeps the old report
            (tmp / TMP_MARKER).unlink()
            if out.exists():
                _tmp_marker(out)  # so a run killed mid-swap can be undone (sweep_stale)
                marked = True
    except BaseException:
        if marked:  # the swap failed and put the previous folder back
            with contextlib.suppress(OSError):
                (out / TMP_MARKER).unlink()
        raise
