"""Does a regenerated report reproduce a published one? (:func:`diff_reports`)

On one machine and software stack the report is byte-identical run after run
(tested). Across machines it is not, and cannot be: numpy and OpenBLAS pick
CPU-specific kernels (AVX2 or AVX-512 ``exp``/``log``, different ``dgemm``
blocking) whose results differ in the last bits, and the iterative topic-model
fits carry such differences into, say, the sixth significant digit of an
interval bound. :func:`diff_reports` therefore compares two report folders the
way a reader would: the same files; every text file (tables, Markdown, HTML,
SVG, ``run.json``) identical once numbers are compared with a relative
tolerance; PNG figures equal pixel for pixel but for a tiny share of
anti-aliasing differences. A different K, term, label or count is a difference.

The folders are untrusted input (a published report can be anything someone
put there), so the comparison never follows a symbolic link (a link is
compared by its target string, never by what it points to), never opens a
FIFO or device, and turns every file it cannot decode (not UTF-8, invalid
JSON, unreadable PNG) into a problem row instead of an exception. File names
and content quoted in a problem have control characters escaped, so printing
the result never sends raw control characters to a terminal.

``textanalytics report --verify reports`` regenerates the report in a temporary
folder and runs this check against ``reports/``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterator

import pandas as pd

from ..errors import InputError, printable
from .verify_files import SNIPPET, content_problem, quote
from .verify_folders import Entry, read_regular, walk

__all__ = ["diff_reports", "IGNORED_RUN_KEYS"]

log = logging.getLogger(__name__)

#: run.json entries that differ between equivalent runs: timings, and settings that do not change results.
IGNORED_RUN_KEYS = ("timings", "config.preprocess.cache_dir", "config.preprocess.n_jobs", "config.topics.n_jobs",
                    "config.corpus.stream_rows")


# ---------------------------------------------------------------- one file

def _describe(entry: Entry) -> str:
    if entry.kind == "symlink":
        return f"a symlink to {quote(entry.detail)}"
    if entry.kind == "unreadable":
        return f"unreadable ({printable(entry.detail)})"
    return f"a {entry.kind}"


def _file_problem(*, rel: str, entry_a: Entry | None, entry_b: Entry | None, where_a: str, where_b: str,
                  **compare: object) -> str | None:
    """How one path differs between the folders (missing, another kind, link target, content); ``None`` if not."""
    if entry_a is None or entry_b is None:
        present, where = (entry_a, where_a) if entry_b is None else (entry_b, where_b)
        return f"only in {where}" if present.kind == "file" else f"only in {where} ({_describe(present)})"
    if entry_a.kind != entry_b.kind:
        return f"{_describe(entry_a)} in {where_a}, {_describe(entry_b)} in {where_b}"
    if entry_a.kind == "symlink":  # compared by target string; never followed
        return None if entry_a.detail == entry_b.detail else f"symlink to {quote(entry_a.detail)} " \
                                                              f"vs {quote(entry_b.detail)}"
    if entry_a.kind != "file":
        return f"{_describe(entry_a)} in both folders, not compared"
    try:
        data_a, data_b = read_regular(path=entry_a.path), read_regular(path=entry_b.path)
    except OSError as e:
        return f"cannot read: {printable(str(e))}"
    return content_problem(rel=rel, a=data_a, b=data_b, where_a=where_a, where_b=where_b, **compare)


def _paths(*, files_a: dict[str, Entry], files_b: dict[str, Entry]) -> Iterator[str]:
    """Relative paths to compare: every non-directory, and a name that is a directory on one side only."""
    for rel in sorted(files_a.keys() | files_b.keys()):
        kinds = {e.kind for e in (files_a.get(rel), files_b.get(rel)) if e is not None}
        if kinds != {"directory"}:
            yield rel


def diff_reports(a: str | Path, b: str | Path, *, rtol: float = 1e-4, atol: float = 1e-9,
                 max_pixel_share: float = 0.002, ignore_json_keys: tuple[str, ...] = IGNORED_RUN_KEYS) -> pd.DataFrame:
    """Differences between two report folders, one row per differing file.

    Parameters
    ----------
    a, b:
        Report folders (as written by :func:`~textanalytics.report.build_report`).
        Symbolic links inside them are compared by target string and never
        followed; FIFOs, sockets and devices are reported, never opened.
    rtol, atol:
        Decimal numbers in text files match when ``|x - y| <= atol + rtol * |y|``;
        whole numbers of up to five digits (counts, K, years) must be equal
        (longer ones may be floats printed without a decimal point and get the
        tolerance); in JSON, integers, booleans and strings must be equal. The
        default 1e-4 is far above cross-machine floating-point noise (about
        1e-8 relative after the topic fits) and far below any substantive change.
    max_pixel_share:
        Share of pixels of a PNG figure allowed to differ by more than 8/255.
    ignore_json_keys:
        Keys of ``run.json`` (dotted paths) not compared: wall-clock timings and
        settings that cannot change results (cache folder, worker processes).
        Other JSON is compared value by value (numbers with the tolerance).

    Returns
    -------
    DataFrame
        ``file`` (path relative to the folders) and ``problem``, sorted by file;
        empty when the reports agree. Problems say where: text files the line
        of the first difference and how many lines differ; JSON the first
        differing key and how many differ; other files (``.bin``, ...) their
        sizes and the offset of the first differing byte (counted from 0). A
        text file that is not UTF-8, a JSON file that does not parse or a PNG
        that cannot be read is a problem row, never an exception. Control
        characters in file names and quoted content are escaped (``\\x1b``).

    Raises
    ------
    InputError
        ``a`` or ``b`` is not a directory.

    Example
    -------
    >>> diff_reports("reports", "/tmp/regenerated")       # doctest: +SKIP
    Empty DataFrame
    """
    a, b = Path(a), Path(b)
    for folder in (a, b):
        if not folder.is_dir():
            raise InputError(f"{printable(str(folder))}: not a report folder (no such directory)")
    files_a, files_b = walk(root=a), walk(root=b)
    where_a, where_b = printable(str(a)), printable(str(b))
    compare = dict(rtol=rtol, atol=atol, max_pixel_share=max_pixel_share, ignore_json_keys=ignore_json_keys)
    rows = []
    for rel in _paths(files_a=files_a, files_b=files_b):
        try:
            problem = _file_problem(rel=rel, entry_a=files_a.get(rel), entry_b=files_b.get(rel),
                                    where_a=where_a, where_b=where_b, **compare)
        except Exception as e:  # noqa: BLE001 - a file that cannot be compared is a difference, never a crash
            log.debug("comparing %s failed", printable(rel), exc_info=True)
            problem = f"could not compare ({type(e).__name__}: {printable(str(e))[:SNIPPET]})"
        if problem:
            rows.append({"file": printable(rel), "problem": problem})
    log.info("compared %d paths of %s and %s: %d differ", len(files_a.keys() | files_b.keys()), where_a, where_b,
             len(rows))
    return pd.DataFrame(rows, columns=["file", "problem"])
