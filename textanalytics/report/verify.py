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

import io
import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Iterator, NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputError, printable

__all__ = ["diff_reports"]

log = logging.getLogger(__name__)

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
#: Content hashes matplotlib uses as SVG ids (clip paths, glyphs): they change with any coordinate.
_SVG_ID = re.compile(r"\b[a-zA-Z_]*[0-9a-f]{10,}\b")
_TEXT_SUFFIXES = {".csv", ".md", ".html", ".svg", ".json", ".txt"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: run.json entries that differ between equivalent runs: timings, and settings that do not change results.
IGNORED_RUN_KEYS = ("timings", "config.preprocess.cache_dir", "config.preprocess.n_jobs", "config.topics.n_jobs",
                    "config.corpus.stream_rows")
#: Characters of a differing text or value quoted in a problem.
SNIPPET = 60


#: Whole numbers with fewer significant digits than this are exact (counts, K, years); longer
#: ones may be floats that ``%.6g`` printed without a decimal point (123456.5 -> "123457").
EXACT_DIGITS = 6


# ---------------------------------------------------------------- quoting

def _clip(text: str) -> str:
    """``text`` cut to :data:`SNIPPET` characters (``...`` marks a cut)."""
    return text[:SNIPPET] + ("..." if len(text) > SNIPPET else "")


def _quote(text: str) -> str:
    """First :data:`SNIPPET` characters of ``text``, quoted with control characters escaped (``repr``)."""
    return repr(text[:SNIPPET]) + ("..." if len(text) > SNIPPET else "")


def _snippets(x: str, y: str) -> tuple[str, str]:
    """``x`` and ``y`` quoted; when they share a long start, both begin shortly before their first difference.

    >>> _snippets("a" * 100 + "x", "a" * 100 + "y")
    ("...'aaaaaaaaaaaaaaaaaaaax'", "...'aaaaaaaaaaaaaaaaaaaay'")
    """
    same = next((i for i, (c, d) in enumerate(zip(x, y)) if c != d), min(len(x), len(y)))
    start = max(0, same - SNIPPET // 3)
    if start <= SNIPPET // 6:
        return _quote(x), _quote(y)
    return "..." + _quote(x[start:]), "..." + _quote(y[start:])


# ---------------------------------------------------------------- walking the folders

class _Entry(NamedTuple):
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


def _entry(path: Path) -> _Entry:
    """Classify ``path`` by ``lstat`` (a symlink is a symlink, whatever it points to)."""
    try:
        mode = os.lstat(path).st_mode
        if stat.S_ISLNK(mode):
            return _Entry("symlink", path, os.readlink(path))
    except OSError as e:
        return _Entry("unreadable", path, e.strerror or type(e).__name__)
    if stat.S_ISDIR(mode):
        return _Entry("directory", path)
    return _Entry("file", path) if stat.S_ISREG(mode) else _Entry(_special_kind(mode), path)


def _walk(*, root: Path) -> dict[str, _Entry]:
    """Every path under ``root`` (relative POSIX path -> entry), not descending into symlinked folders.

    A subfolder that cannot be listed is an ``unreadable`` entry; ``root`` itself an :class:`InputError`.
    """
    found: dict[str, _Entry] = {}
    stack = [("", root)]
    while stack:
        prefix, folder = stack.pop()
        try:
            names = sorted(os.listdir(folder))
        except OSError as e:
            if not prefix:
                raise InputError(f"{printable(str(root))}: cannot read the report folder ({e.strerror})") from e
            found[prefix.rstrip("/")] = _Entry("unreadable", folder, e.strerror or type(e).__name__)
            continue
        for name in names:
            rel, entry = prefix + name, _entry(folder / name)
            found[rel] = entry
            if entry.kind == "directory":
                stack.append((rel + "/", entry.path))
    return found


def _read(*, path: Path) -> bytes:
    """Bytes of a regular file; refuses a symlink or special file swapped in since the walk (``OSError``)."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise OSError(f"{path}: no longer a regular file")
        return fh.read()


# ---------------------------------------------------------------- bytes

def _first_difference(*, a: bytes, b: bytes) -> int:
    """Offset (from 0) of the first byte where ``a`` and ``b`` differ (the shorter length if one is a prefix)."""
    n = min(len(a), len(b))
    diff = np.flatnonzero(np.frombuffer(a, np.uint8, n) != np.frombuffer(b, np.uint8, n))
    return int(diff[0]) if diff.size else n


def _bytes_problem(*, a: bytes, b: bytes) -> str:
    """``bytes differ: 1,204 vs 1,210 bytes, first difference at byte 88`` for two unequal byte strings."""
    return f"bytes differ: {len(a):,} vs {len(b):,} bytes, first difference at byte {_first_difference(a=a, b=b):,}"


def _decode(*, data: bytes, where: str) -> tuple[str | None, str | None]:
    """UTF-8 text of ``data``, or ``None`` and ``not UTF-8 at byte 17 (line 2) in <where>``."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        return None, f"not UTF-8 at byte {e.start:,} (line {line}: {data[e.start:e.start + 4]!r}) in {where}"


# ---------------------------------------------------------------- text

def _is_exact(token: str) -> bool:
    if any(c in token for c in ".eE"):
        return False
    digits = token.lstrip("+-").lstrip("0")
    return len(digits) < EXACT_DIGITS


def _split(text: str) -> tuple[list[str], list[str], np.ndarray]:
    """Text between numbers, and the numbers (as written and as floats)."""
    numbers = [m.group(0) for m in _NUMBER.finditer(text)]
    return _NUMBER.split(text), numbers, np.array([float(x) for x in numbers], dtype=float)


def _text_problem(a: str, b: str, *, rtol: float, atol: float) -> str | None:
    """How two texts (lines, or whole texts) differ once numbers are compared with tolerance; ``None`` if not."""
    words_a, raw_a, nums_a = _split(a)
    words_b, raw_b, nums_b = _split(b)
    if words_a != words_b:
        i = next(i for i, (x, y) in enumerate(zip(words_a, words_b)) if x != y) if len(words_a) == len(words_b) \
            else min(len(words_a), len(words_b))
        x = words_a[i] if i < len(words_a) else ""
        y = words_b[i] if i < len(words_b) else ""
        if x.strip() != y.strip():  # shown without surrounding blanks unless the blanks are the difference
            x, y = x.strip(), y.strip()
        return "text differs: {} vs {}".format(*_snippets(x, y))
    if len(nums_a) != len(nums_b):
        return f"{len(nums_a)} numbers vs {len(nums_b)}"
    close = np.isclose(nums_a, nums_b, rtol=rtol, atol=atol, equal_nan=True)
    # Counts, K, years, ids: short whole numbers on both sides must be equal, not close.
    for i, (x, y) in enumerate(zip(raw_a, raw_b)):
        if _is_exact(x) and _is_exact(y):
            close[i] = int(x) == int(y)
    if not close.all():
        i = int(np.flatnonzero(~close)[0])
        return f"{int((~close).sum())} number(s) differ beyond rtol={rtol:g}, e.g. {nums_a[i]:g} vs {nums_b[i]:g}"
    return None


def _lines_problem(a: str, b: str, *, rtol: float, atol: float) -> str | None:
    """Where two texts differ: ``line 12: <what>; 3 of 40 lines differ`` (or ``...; 40 lines vs 41``).

    Compares line by line with :func:`_text_problem`'s rules; as numbers never
    span a line break this accepts exactly the texts the whole-text comparison
    accepts, and also says where the first difference is.
    """
    lines_a, lines_b = a.split("\n"), b.split("\n")
    first: str | None = None
    differing = 0
    for n, (x, y) in enumerate(zip(lines_a, lines_b), start=1):
        if x != y and (problem := _text_problem(x, y, rtol=rtol, atol=atol)):
            differing += 1
            first = first or f"line {n}: {problem}"
    if len(lines_a) == len(lines_b):
        return first and f"{first}; {differing:,} of {len(lines_a):,} lines differ"
    if first is None:
        n = min(len(lines_a), len(lines_b))
        extra = _quote((lines_a if len(lines_a) > n else lines_b)[n].strip())
        first = f"line {n + 1}: " + (f"{extra} vs end of file" if len(lines_a) > n else f"end of file vs {extra}")
    return f"{first}; {len(lines_a):,} lines vs {len(lines_b):,} (lines added or removed)"


# ---------------------------------------------------------------- PNG

def _read_png(*, data: bytes, where: str) -> tuple[np.ndarray | None, str | None]:
    """Pixels of a PNG (floats in 0..1), or ``None`` and ``not a readable PNG in <where> (...)``."""
    import matplotlib.image as mpimg  # deferred: matplotlib and PIL, only when PNG files differ

    if not data.startswith(_PNG_SIGNATURE):
        return None, f"not a readable PNG in {where} (no PNG signature)"
    try:
        return np.asarray(mpimg.imread(io.BytesIO(data), format="png")), None
    except Exception as e:  # noqa: BLE001 - any decoder failure (PIL raises many kinds) means "unreadable"
        return None, f"not a readable PNG in {where} ({type(e).__name__}: {printable(str(e))[:SNIPPET]})"


def _png_problem(*, a: bytes, b: bytes, where_a: str, where_b: str, max_share: float) -> str | None:
    """How two PNG files differ: unreadable, another size, or more than ``max_share`` of pixels off by > 8/255."""
    (x, err_a), (y, err_b) = _read_png(data=a, where=where_a), _read_png(data=b, where=where_b)
    if err_a or err_b:
        return "; ".join(e for e in (err_a, err_b) if e)
    if x.shape != y.shape:
        return f"image size {x.shape[:2]} vs {y.shape[:2]}" if x.shape[:2] != y.shape[:2] \
            else f"image shape {x.shape} vs {y.shape} (colour channels)"
    off = np.abs(x.astype(float) - y.astype(float)) > 8 / 255
    differing = off.any(axis=-1).mean() if x.ndim == 3 else off.mean()
    if differing > max_share:
        return f"{differing:.2%} of pixels differ (allowed {max_share:.2%})"
    return None


# ---------------------------------------------------------------- JSON

def _flatten(value: object) -> dict[str, object]:
    """Nested JSON as ``{dotted.path[i]: scalar}`` in document order; a list also gives ``path.#``: its length."""
    out: dict[str, object] = {}
    stack: list[tuple[str, object]] = [("", value)]
    while stack:  # iterative: deeply nested input cannot exhaust the recursion limit
        prefix, v = stack.pop()
        if isinstance(v, dict):
            stack.extend(reversed([(f"{prefix}.{k}" if prefix else str(k), x) for k, x in v.items()]))
        elif isinstance(v, list):
            out[f"{prefix}.#"] = len(v)
            stack.extend(reversed([(f"{prefix}[{i}]", x) for i, x in enumerate(v)]))
        else:
            out[prefix] = v
    return out


def _parse_json(*, data: bytes, where: str) -> tuple[dict[str, object] | None, str | None]:
    """Flattened JSON of ``data``, or ``None`` and ``not UTF-8 ...`` / ``invalid JSON in <where> (line 3, ...)``."""
    text, problem = _decode(data=data, where=where)
    if problem:
        return None, problem
    try:
        return _flatten(json.loads(text)), None
    except json.JSONDecodeError as e:
        return None, f"invalid JSON in {where} (line {e.lineno}, column {e.colno}: {e.msg})"
    except RecursionError:
        return None, f"invalid JSON in {where} (nested too deeply)"
    except ValueError as e:  # e.g. an integer literal beyond Python's digit limit
        return None, f"invalid JSON in {where} ({printable(str(e))[:SNIPPET]})"


def _value_problem(x: object, y: object, *, rtol: float, atol: float) -> str | None:
    """``None`` when two JSON scalars agree: floats (or an int and a float) within tolerance, others exactly."""
    if all(isinstance(v, float) for v in (x, y)) or {type(x), type(y)} == {int, float}:
        try:
            if np.isclose(float(x), float(y), rtol=rtol, atol=atol, equal_nan=True):
                return None
        except OverflowError:  # an integer beyond float range is only "close" to itself
            if x == y:
                return None
        return f"{_clip(repr(x))} vs {_clip(repr(y))}"
    if type(x) is not type(y) or x != y:  # ints, bools and strings exactly
        return f"{_quote(str(x))} vs {_quote(str(y))}"
    return None


def _json_problem(*, a: bytes, b: bytes, where_a: str, where_b: str, ignore: tuple[str, ...],
                  rtol: float, atol: float) -> str | None:
    """How two JSON files differ: ``2 key(s) differ, first chosen_k: 5 vs 6``; keys under ``ignore`` skipped."""
    def kept(flat: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in flat.items()
                if not any(k == i or k.startswith((i + ".", i + "[")) for i in ignore)}

    (fa, err_a), (fb, err_b) = _parse_json(data=a, where=where_a), _parse_json(data=b, where=where_b)
    if err_a or err_b:
        return "; ".join(e for e in (err_a, err_b) if e)
    fa, fb = kept(fa), kept(fb)
    problems: list[str] = []
    for key in [*fa, *(k for k in fb if k not in fa)]:
        if key not in fb or key not in fa:
            problems.append(f"{printable(key)} only in {where_a if key in fa else where_b}")
        elif problem := _value_problem(fa[key], fb[key], rtol=rtol, atol=atol):
            problems.append(f"{printable(key)}: {problem}")
    if not problems:
        return None
    return f"{len(problems):,} key(s) differ, first {problems[0]}"


# ---------------------------------------------------------------- one file

def _describe(entry: _Entry) -> str:
    if entry.kind == "symlink":
        return f"a symlink to {_quote(entry.detail)}"
    if entry.kind == "unreadable":
        return f"unreadable ({printable(entry.detail)})"
    return f"a {entry.kind}"


def _content_problem(*, rel: str, a: bytes, b: bytes, where_a: str, where_b: str, rtol: float, atol: float,
                     max_pixel_share: float, ignore_json_keys: tuple[str, ...]) -> str | None:
    """How the contents of one file differ between the folders, by its suffix; ``None`` when they agree."""
    if a == b:
        return None
    suffix = Path(rel).suffix.lower()
    if suffix == ".png":
        return _png_problem(a=a, b=b, where_a=where_a, where_b=where_b, max_share=max_pixel_share)
    if suffix == ".json":
        return _json_problem(a=a, b=b, where_a=where_a, where_b=where_b,
                             ignore=ignore_json_keys if rel == "run.json" else (), rtol=rtol, atol=atol)
    if suffix not in _TEXT_SUFFIXES:
        return _bytes_problem(a=a, b=b)
    (ta, err_a), (tb, err_b) = _decode(data=a, where=where_a), _decode(data=b, where=where_b)
    if err_a or err_b:
        return "; ".join([e for e in (err_a, err_b) if e] + [_bytes_problem(a=a, b=b)])
    if suffix == ".svg":
        ta, tb = _SVG_ID.sub("ID", ta), _SVG_ID.sub("ID", tb)
    return None if ta == tb else _lines_problem(ta, tb, rtol=rtol, atol=atol)


def _file_problem(*, rel: str, entry_a: _Entry | None, entry_b: _Entry | None, where_a: str, where_b: str,
                  **compare: object) -> str | None:
    """How one path differs between the folders (missing, another kind, link target, content); ``None`` if not."""
    if entry_a is None or entry_b is None:
        present, where = (entry_a, where_a) if entry_b is None else (entry_b, where_b)
        return f"only in {where}" if present.kind == "file" else f"only in {where} ({_describe(present)})"
    if entry_a.kind != entry_b.kind:
        return f"{_describe(entry_a)} in {where_a}, {_describe(entry_b)} in {where_b}"
    if entry_a.kind == "symlink":  # compared by target string; never followed
        return None if entry_a.detail == entry_b.detail else f"symlink to {_quote(entry_a.detail)} " \
                                                              f"vs {_quote(entry_b.detail)}"
    if entry_a.kind != "file":
        return f"{_describe(entry_a)} in both folders, not compared"
    try:
        data_a, data_b = _read(path=entry_a.path), _read(path=entry_b.path)
    except OSError as e:
        return f"cannot read: {printable(str(e))}"
    return _content_problem(rel=rel, a=data_a, b=data_b, where_a=where_a, where_b=where_b, **compare)


def _paths(*, files_a: dict[str, _Entry], files_b: dict[str, _Entry]) -> Iterator[str]:
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
    files_a, files_b = _walk(root=a), _walk(root=b)
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
