"""Deterministic, atomic writing of tables, figures and documents.

Everything the report writes goes through these functions so that the same
inputs give byte-identical files:

* CSV floats are written with ``float_digits`` significant digits (default 6,
  ``%.6g``), so the last bits of a different CPU's arithmetic do not change a
  file; rows keep the order of the (deterministically sorted) result tables.
* PNG files carry no software/date metadata; SVG files use a fixed hash salt
  and no date.
* The whole output folder is built in a temporary sibling folder and swapped in
  only when every step succeeded (:func:`textanalytics.output_folder.atomic_output_folder`,
  built on :func:`textanalytics.files.atomic_write`).
* Nothing a corpus says can act on the reader: text cells of CSV files that a
  spreadsheet would run as a formula are neutralised (:func:`spreadsheet_safe`),
  Markdown escapes HTML (:func:`markdown_text`), and file names made from
  metadata values are safe and collision-free (:func:`unique_stems`).
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

import pandas as pd

from ..provenance import digest

if TYPE_CHECKING:  # pragma: no cover
    import matplotlib.figure

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


def unique_stems(names: Iterable[object], *, max_length: int = 80) -> dict[str, str]:
    """One safe, distinct file stem per name: ``{name: stem}``.

    :func:`safe_filename` is lossy (case, punctuation, accents, length), so two
    groups such as ``Lab`` and ``lab``, ``a/b`` and ``a_b``, or two long pair
    names sharing their first 80 characters would share a file. Each stem that
    would collide (compared case-insensitively, as on macOS and Windows) or
    was shortened gets ``_`` and 8 hex digits of the name's SHA-256 appended.
    Deterministic: the same names give the same stems.

    >>> unique_stems(["Lab", "lab", "Con"])
    {'Lab': 'lab_efdcf466', 'lab': 'lab_a51146d3', 'Con': 'con'}
    """
    names = [str(n) for n in dict.fromkeys(str(n) for n in names)]
    base = {n: safe_filename(n, max_length=max_length) for n in names}
    shortened = {n for n in names if len(safe_filename(n, max_length=10_000)) > max_length}
    counts: dict[str, int] = {}
    for n in names:
        counts[base[n].lower()] = counts.get(base[n].lower(), 0) + 1
    out = {}
    for n in names:
        stem = base[n]
        if counts[stem.lower()] > 1 or n in shortened:
            stem = f"{stem[:max_length - 9].rstrip('._-')}_{digest(n)[:8]}"
        out[n] = stem
    return out


#: First characters that make a spreadsheet cell a formula or command (OWASP "CSV injection"),
#: with their full-width forms, which some spreadsheets also accept.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?%?")


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet will show, not run: OWASP's neutralisation.

    A string starting with ``= + - @``, tab or carriage return gets a leading
    apostrophe (spreadsheets then show it as text); plain numbers such as
    ``-3.5`` stay numbers; anything else is returned unchanged.

    >>> print(spreadsheet_safe('=HYPERLINK("http://x")'), spreadsheet_safe("-3.5"), spreadsheet_safe("Lavrov"))
    '=HYPERLINK("http://x") -3.5 Lavrov
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def spreadsheet_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Copy of ``df`` with every text cell passed through :func:`spreadsheet_safe` (numbers untouched)."""
    out = df.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or pd.api.types.is_string_dtype(s):
            out[col] = s.map(spreadsheet_safe)
    out.columns = [spreadsheet_safe(c) for c in out.columns]
    return out


def markdown_text(value: object) -> str:
    """Text for a Markdown document: HTML escaped, link brackets escaped, one line.

    >>> print(markdown_text("<script>alert(1)</script> [x](javascript:y)"))
    &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](javascript:y)
    """
    text = html.escape(str(value), quote=False)
    return text.replace("[", "\\[").replace("]", "\\]")


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
    """Write ``df`` as UTF-8 CSV (LF line endings, no index) with rounded floats.

    Text cells are neutralised for spreadsheets (:func:`spreadsheet_safe`)
    before numbers are formatted, so a negative number stays a number.
    """
    format_frame(spreadsheet_safe_frame(df), float_digits=float_digits).to_csv(
        path, index=False, lineterminator="\n")
    return path


def _md_cell(value: object) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").replace("\r", " ")
    return markdown_text(text)


def markdown_table(df: pd.DataFrame, *, float_digits: int = 6, max_rows: int | None = None) -> str:
    """Render ``df`` as a GitHub-flavoured Markdown table (pipes, HTML and link brackets escaped)."""
    shown = df if max_rows is None else df.head(max_rows)
    f = format_frame(shown, float_digits=float_digits)
    header = "| " + " | ".join(_md_cell(c) for c in f.columns) + " |"
    rule = "| " + " | ".join("---" for _ in f.columns) + " |"
    rows = ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in f.itertuples(index=False)]
    note = []
    if max_rows is not None and len(df) > max_rows:
        note = ["", f"*{max_rows} of {len(df)} rows shown.*"]
    return "\n".join([header, rule, *rows, *note]) + "\n"


#: Bumped whenever :func:`save_figure` changes the files it writes (part of the figure cache's key).
SAVE_REVISION = 2


def save_figure(fig: "matplotlib.figure.Figure", stem: Path, *, formats: tuple[str, ...] = ("png", "svg"),
                dpi: int = 110) -> list[Path]:
    """Save ``fig`` as ``stem.png``/``stem.svg`` without timestamps, reproducibly.

    SVG text stays text (``svg.fonttype = "none"``), so a figure's labels can be edited and
    searched in a vector editor, and the file is smaller and written faster than with each
    glyph as a path; the viewer supplies the font (DejaVu Sans, else a sans-serif).
    """
    import matplotlib  # deferred: a report whose figures are all cached never loads matplotlib

    from ..plotting import laid_out  # deferred: matplotlib, as above

    paths = []
    engine = fig.get_layout_engine()
    # A figure the package's plot functions laid out last (declutter_ticks) keeps that layout; any other
    # is laid out by its first save.
    first = 0 if laid_out(fig) else 1
    with matplotlib.rc_context({"svg.hashsalt": "textanalytics", "svg.fonttype": "none"}):
        for i, fmt in enumerate(formats):
            if i == first and engine is not None:
                # The figure is laid out (axes positions are figure fractions, the same at any dpi):
                # this and later formats reuse that layout instead of computing it again.
                fig.set_layout_engine("none")
            path = stem.parent / f"{stem.name}.{fmt}"  # not with_suffix: a stem may hold a dot
            metadata = ({"Software": None} if fmt == "png" else {"Date": None, "Creator": None} if fmt == "svg"
                        else {"CreationDate": None, "Creator": None, "Producer": None} if fmt == "pdf" else {})
            fig.savefig(path, format=fmt, dpi=dpi, metadata=metadata)
            paths.append(path)
    if engine is not None:
        fig.set_layout_engine(engine)
    return paths
