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

``textanalytics report --verify reports`` regenerates the report in a temporary
folder and runs this check against ``reports/``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["diff_reports"]

_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")
#: Content hashes matplotlib uses as SVG ids (clip paths, glyphs): they change with any coordinate.
_SVG_ID = re.compile(r"\b[a-zA-Z_]*[0-9a-f]{10,}\b")
_TEXT_SUFFIXES = {".csv", ".md", ".html", ".svg", ".json", ".txt"}
#: run.json entries that differ between equivalent runs: timings, and settings that do not change results.
IGNORED_RUN_KEYS = ("timings", "config.preprocess.cache_dir", "config.preprocess.n_jobs", "config.topics.n_jobs",
                    "config.corpus.stream_rows")


#: Whole numbers with fewer significant digits than this are exact (counts, K, years); longer
#: ones may be floats that ``%.6g`` printed without a decimal point (123456.5 -> "123457").
EXACT_DIGITS = 6


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
    words_a, raw_a, nums_a = _split(a)
    words_b, raw_b, nums_b = _split(b)
    if words_a != words_b:
        i = next(i for i, (x, y) in enumerate(zip(words_a, words_b)) if x != y) if len(words_a) == len(words_b) \
            else min(len(words_a), len(words_b))
        x = words_a[i] if i < len(words_a) else ""
        y = words_b[i] if i < len(words_b) else ""
        return f"text differs: {x.strip()[:60]!r} vs {y.strip()[:60]!r}"
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


def _png_problem(a: Path, b: Path, *, max_share: float) -> str | None:
    import matplotlib.image as mpimg

    x, y = mpimg.imread(a), mpimg.imread(b)
    if x.shape != y.shape:
        return f"image size {x.shape[:2]} vs {y.shape[:2]}"
    differing = (np.abs(x.astype(float) - y.astype(float)) > 8 / 255).any(axis=-1).mean() if x.ndim == 3 else \
        (np.abs(x.astype(float) - y.astype(float)) > 8 / 255).mean()
    if differing > max_share:
        return f"{differing:.2%} of pixels differ (allowed {max_share:.2%})"
    return None


def _flatten(value: object, prefix: str = "") -> dict[str, object]:
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list):
        out = {f"{prefix}.#": len(value)}
        for i, v in enumerate(value):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def _json_problem(a: Path, b: Path, *, ignore: tuple[str, ...], rtol: float, atol: float) -> str | None:
    def kept(flat: dict[str, object]) -> dict[str, object]:
        return {k: v for k, v in flat.items()
                if not any(k == i or k.startswith((i + ".", i + "[")) for i in ignore)}

    fa, fb = (kept(_flatten(json.loads(p.read_text(encoding="utf-8")))) for p in (a, b))
    for key in sorted(fa.keys() ^ fb.keys()):
        return f"{key!r} only in {'the first' if key in fa else 'the second'}"
    for key in sorted(fa):
        x, y = fa[key], fb[key]
        floats = all(isinstance(v, float) for v in (x, y)) or (
            {type(x), type(y)} == {int, float})
        if floats:
            if not np.isclose(float(x), float(y), rtol=rtol, atol=atol, equal_nan=True):
                return f"{key}: {x!r} vs {y!r}"
        elif type(x) is not type(y) or x != y:  # ints, bools and strings exactly
            return f"{key}: {str(x)[:60]!r} vs {str(y)[:60]!r}"
    return None


def diff_reports(a: str | Path, b: str | Path, *, rtol: float = 1e-4, atol: float = 1e-9,
                 max_pixel_share: float = 0.002, ignore_json_keys: tuple[str, ...] = IGNORED_RUN_KEYS) -> pd.DataFrame:
    """Differences between two report folders, one row per differing file.

    Parameters
    ----------
    a, b:
        Report folders (as written by :func:`~textanalytics.report.build_report`).
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
        ``file`` (path relative to the folders) and ``problem``; empty when the
        reports agree.

    Example
    -------
    >>> diff_reports("reports", "/tmp/regenerated")       # doctest: +SKIP
    Empty DataFrame
    """
    a, b = Path(a), Path(b)
    for folder in (a, b):
        if not folder.is_dir():
            raise InputError(f"{folder}: not a report folder (no such directory)")
    files_a = {p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file()}
    rows = [{"file": f, "problem": f"only in {a}"} for f in sorted(files_a - files_b)]
    rows += [{"file": f, "problem": f"only in {b}"} for f in sorted(files_b - files_a)]
    for rel in sorted(files_a & files_b):
        pa, pb = a / rel, b / rel
        if pa.read_bytes() == pb.read_bytes():
            continue
        suffix = pa.suffix.lower()
        if suffix == ".png":
            problem = _png_problem(pa, pb, max_share=max_pixel_share)
        elif suffix == ".json":
            problem = _json_problem(pa, pb, ignore=ignore_json_keys if rel == "run.json" else (),
                                    rtol=rtol, atol=atol)
        elif suffix in _TEXT_SUFFIXES:
            ta, tb = pa.read_text(encoding="utf-8"), pb.read_text(encoding="utf-8")
            if suffix == ".svg":
                ta, tb = _SVG_ID.sub("ID", ta), _SVG_ID.sub("ID", tb)
            problem = None if ta == tb else _text_problem(ta, tb, rtol=rtol, atol=atol)
        else:
            problem = "bytes differ"
        if problem:
            rows.append({"file": rel, "problem": problem})
    return pd.DataFrame(rows, columns=["file", "problem"])
