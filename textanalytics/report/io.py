"""Deterministic, atomic writing of tables, figures and documents.

Everything the report writes goes through these functions so that the same
inputs give byte-identical files:

* CSV floats are written with ``float_digits`` significant digits (default 6,
  ``%.6g``), so the last bits of a different CPU's arithmetic do not change a
  file; rows keep the order of the (deterministically sorted) result tables.
* PNG files carry no software/date metadata; SVG files use a fixed hash salt
  and no date.
* The whole output folder is built in a temporary sibling folder and swapped in
  only when every step succeeded (:func:`atomic_output_dir`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import tempfile
import unicodedata
from pathlib import Path
from typing import Iterator

import matplotlib
import pandas as pd

log = logging.getLogger(__name__)

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_filename(value: object, *, max_length: int = 80) -> str:
    """Make a metadata value safe to use as (part of) a file name.

    Path separators, dots at the start, control and non-ASCII characters are
    replaced, so a speaker called ``../../x`` can only ever write inside the
    output folder.

    >>> safe_filename("../../x")
    'x'
    >>> safe_filename("Sergey Lavrov")
    'sergey_lavrov'
    """
    text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE.sub("_", text.lower()).strip("._-")
    text = re.sub(r"_+", "_", text)
    text = re.sub(r"\.{2,}", ".", text)
    return (text[:max_length].strip("._-")) or "unnamed"


def format_frame(df: pd.DataFrame, *, float_digits: int = 6) -> pd.DataFrame:
    """Copy of ``df`` with floats rendered as strings of ``float_digits`` significant digits."""
    out = df.copy()
    fmt = f"%.{float_digits}g"
    for col in out.columns:
        s = out[col]
        if pd.api.types.is_float_dtype(s):
            out[col] = [("" if pd.isna(v) else (fmt % v)) for v in s]
        elif pd.api.types.is_datetime64_any_dtype(s):
            out[col] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif pd.api.types.is_bool_dtype(s):
            out[col] = s.map({True: "true", False: "false"})
    return out


def write_csv(df: pd.DataFrame, path: Path, *, float_digits: int = 6) -> Path:
    """Write ``df`` as UTF-8 CSV (LF line endings, no index) with rounded floats."""
    format_frame(df, float_digits=float_digits).to_csv(path, index=False, lineterminator="\n")
    return path


def _md_cell(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")


def markdown_table(df: pd.DataFrame, *, float_digits: int = 6, max_rows: int | None = None) -> str:
    """Render ``df`` as a GitHub-flavoured Markdown table (pipes escaped)."""
    shown = df if max_rows is None else df.head(max_rows)
    f = format_frame(shown, float_digits=float_digits)
    header = "| " + " | ".join(_md_cell(c) for c in f.columns) + " |"
    rule = "| " + " | ".join("---" for _ in f.columns) + " |"
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in f.itertuples(index=False)]
    note = []
    if max_rows is not None and len(df) > max_rows:
        note = ["", f"*{max_rows} of {len(df)} rows shown.*"]
    return "\n".join([header, rule, *rows, *note]) + "\n"


def save_figure(fig: "matplotlib.figure.Figure", stem: Path, *, formats: tuple[str, ...] = ("png", "svg"),
                dpi: int = 110) -> list[Path]:
    """Save ``fig`` as ``stem.png``/``stem.svg`` without timestamps, reproducibly."""
    paths = []
    with matplotlib.rc_context({"svg.hashsalt": "textanalytics", "svg.fonttype": "path"}):
        for fmt in formats:
            path = stem.with_suffix(f".{fmt}")
            metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None} if fmt == "svg" else {}
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
            paths.append(path)
    return paths


@contextlib.contextmanager
def atomic_output_dir(out: Path) -> Iterator[Path]:
    """Build into a temporary sibling folder; swap it in only on success.

    On any exception the temporary folder is removed and ``out`` is left
    exactly as it was.
    """
    out = Path(out).resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = out.parent / f".{out.name}.old-{os.getpid()}"
    if out.exists():
        os.replace(out, old)
    try:
        os.replace(tmp, out)
    except BaseException:
        if old.exists():
            os.replace(old, out)
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    shutil.rmtree(old, ignore_errors=True)
    os.chmod(out, 0o755)
