"""Folder corpora: the seeds-style folder and a folder of ``.txt`` files.

Seeds-style folder (``seeds/``)
    ``raw/`` holds scraped pages, byte-for-byte as downloaded (never edited);
    ``metadata.csv`` has one record per **statement**; ``corrections.csv``
    (optional) lists text corrections. Pages are cleaned of page chrome (see
    :mod:`textanalytics.corpus.chrome`); :mod:`textanalytics.corpus.pages`
    reads, corrects and cuts them.

Folder of ``.txt`` files
    ``metadata.csv`` names each text file in a ``file`` (or ``source_file``)
    column; ids come from ``id_col``, else a ``statement_id`` or ``id``
    column, else the file name without ``.txt``. Texts are normalised and cut
    into paragraphs but no chrome is stripped (a researcher's own texts have
    none, and guessing would risk body text). ``corrections.csv`` applies too.

``metadata.csv`` columns (seeds)
    ``statement_id`` (readable slug, ``YYYY-MM-DD_what``), ``source_file``
    (a file in ``raw/``), ``anchor`` (how to find the statement in its page:
    the exact text of its first line, e.g. the ``20.11.19 12:28`` stamp; empty
    when the statement is the whole page), ``title`` (the page's heading line,
    verbatim: it is removed from the body and kept as metadata), ``date``
    (ISO; the day the statement was made or delivered), ``date_basis``
    (``stated`` in the text, ``published`` = the page's publication stamp,
    or ``inferred`` from events the text mentions), ``date_note`` (how the date
    was decided; required when inferred), ``published`` (the page's
    publication stamp, ISO, "" when none), ``year``, ``speaker`` (a person, or
    the institution when no person speaks), ``speaker_role``,
    ``organisation`` (``MFA``, ``FSB/NAC`` or the multilateral meeting),
    ``genre``, ``venue``, ``publisher`` (the website), ``source_url``.

Locating statements: a page with several statements is cut at each record's
``anchor`` line; every line belongs to exactly one statement, so the page
header before the first anchor is attributed to (and cleaned from) the first
statement of the page. Anchors must occur exactly once in their page.

``corrections.csv`` columns
    ``source_file``, ``wrong``, ``right``, ``note``. Each correction replaces
    ``wrong`` by ``right`` where ``wrong`` stands as whole words in the
    Unicode-normalised page (never across lines). Every application is listed
    in ``Corpus.problems`` (action ``corrected``) and counted in
    ``Corpus.cleaning`` (rule ``corrections``); a correction that matches
    nothing is stale data and raises :class:`~textanalytics.errors.InputError`.

Example
-------
>>> from textanalytics.corpus import load_corpus
>>> corpus = load_corpus("seeds")                          # doctest: +SKIP
>>> corpus.statements[["statement_id", "year", "speaker"]]  # doctest: +SKIP
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError
from ..files import read_csv_records, require_regular_file
from .cleaning_table import cleaning_rows
from .normalize import clean_metadata
from .pages import clean_block, read_page, statement_blocks
from .validate import Where, snake_case
from .logs import corpus_logger

log = corpus_logger(__name__)

__all__ = [
    "METADATA_FILE",
    "CORRECTIONS_FILE",
    "RAW_DIR",
    "DATE_BASES",
    "FolderRecords",
    "read_metadata",
    "read_corrections",
    "load_folder",
]

METADATA_FILE = "metadata.csv"
CORRECTIONS_FILE = "corrections.csv"
RAW_DIR = "raw"
DATE_BASES = ("stated", "published", "inferred")
_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


@dataclass(frozen=True)
class FolderRecords:
    """What :func:`load_folder` read: ``frame`` (one row per statement: ``_line``,
    canonical columns, ``_paragraphs`` lists, other metadata), ``where``
    (metadata numbering), ``aliases`` (user column -> canonical), ``cleaning``
    rows and ``problems`` rows (lists of dicts)."""

    frame: pd.DataFrame
    where: Where
    aliases: Mapping[str, str]
    cleaning: list
    problems: list


def read_metadata(path: Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a folder's ``metadata.csv`` as strings, with ``_line`` (header = line 1).

    Raises :class:`InputError` for a missing, unreadable or non-regular file
    (a FIFO or device would block) or no records.
    """
    if not path.exists():
        raise InputError(f"{path}: metadata file not found; create it with one record per statement")
    frame = read_csv_records(path, encoding=encoding, empty="a header row and one record per statement")
    if len(frame) == 0:
        raise InputError(f"{path}: no records; add one record per statement")
    return frame


def read_corrections(path: Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read ``corrections.csv`` (``source_file, wrong, right, note``), checking every record.

    >>> read_corrections(Path("seeds/corrections.csv")).columns.tolist()   # doctest: +SKIP
    ['_line', 'source_file', 'wrong', 'right', 'note']
    """
    frame = read_csv_records(path, encoding=encoding, empty="a header row and one record per statement",
                             required=("source_file", "wrong", "right"), optional=("note",))
    if "note" not in frame.columns:
        frame["note"] = ""
    for line, wrong, right in zip(frame["_line"], frame["wrong"], frame["right"]):
        if not wrong.strip() or "\n" in wrong:
            raise InputError(f"{path}: line {line}: 'wrong' must be non-empty text on one line")
        if wrong == right:
            raise InputError(f"{path}: line {line}: 'wrong' and 'right' are the same; remove the record")
    dup = frame.duplicated(["source_file", "wrong"], keep="first")
    if dup.any():
        row = frame.loc[dup].iloc[0]
        raise InputError(f"{path}: line {row['_line']}: duplicate correction {row['wrong']!r} for "
                         f"{row['source_file']}; keep one")
    return frame[["_line", "source_file", "wrong", "right", "note"]]


def _column_map(columns: list[str], *, meta: Path, id_col: str | None, date_col: str,
                speaker_col: str, title_col: str, text_col: str) -> tuple[dict[str, str], str]:
    """Map metadata columns to canonical names; return ``(rename, file column)``."""
    cols = [c for c in columns if c != "_line"]
    available = ", ".join(cols)
    file_col = next((c for c in ("source_file", "file") if c in cols), None)
    if file_col is None:
        raise InputError(f"{meta}: missing column 'source_file' (or 'file') naming each text file; "
                         f"columns are: {available}")
    rename: dict[str, str] = {}
    if id_col:
        if id_col not in cols:
            raise InputError(f"{meta}: id column {id_col!r} not found; columns are: {available}")
        rename[id_col] = "statement_id"
    elif "statement_id" in cols:
        rename["statement_id"] = "statement_id"
    elif "id" in cols:
        rename["id"] = "statement_id"
    for canonical, col, default in (("date", date_col, "date"), ("speaker", speaker_col, "speaker"),
                                    ("title", title_col, "title")):
        if col in cols:
            rename[col] = canonical
        elif col != default:
            raise InputError(f"{meta}: {canonical} column {col!r} not found; columns are: {available}")
    if text_col in cols or "text" in cols:
        raise InputError(f"{meta}: a folder's texts come from its files; remove or rename the "
                         f"{text_col if text_col in cols else 'text'!r} column")
    taken = set(rename.values())
    for col in cols:
        if col in rename or col == file_col:
            continue
        snake = snake_case(col)
        if snake in taken or snake in ("n_words", "text", "source_file"):
            raise InputError(f"{meta}: column {col!r} would become {snake!r}, which is already used; rename it")
        rename[col] = snake
        taken.add(snake)
    rename[file_col] = "source_file"
    return rename, file_col


def _check_seed_fields(frame: pd.DataFrame, *, meta: Path) -> None:
    """Checks specific to curated seeds metadata (slugs, date basis)."""
    for rec in frame.to_dict("records"):
        line = rec["_line"]
        sid = rec.get("statement_id", "")
        if sid and not _SLUG_RE.match(sid):
            raise InputError(f"{meta}: line {line}: statement_id {sid!r} is not a slug "
                             "(lower-case letters, digits, '_', '-', '.'); e.g. 2019-10-17_meeting_communique")
        basis = rec.get("date_basis", "")
        if basis and basis not in DATE_BASES:
            raise InputError(f"{meta}: line {line}: date_basis {basis!r} is not one of {', '.join(DATE_BASES)}")
        if basis == "inferred" and not str(rec.get("date_note", "")).strip():
            raise InputError(f"{meta}: line {line}: date_basis is 'inferred' but date_note is empty; "
                             "say how the date was decided")


def _resolve_file(root: Path, name: str, *, meta: Path, line: int) -> Path:
    if not name.strip():
        raise InputError(f"{meta}: line {line}: empty source_file; name the text file")
    try:
        path = (root / name).resolve()
    except (OSError, ValueError) as exc:
        raise InputError(f"{meta}: line {line}: source_file {name!r} is not a usable file name ({exc}); "
                         "fix the name") from None
    if root.resolve() not in path.parents:
        raise InputError(f"{meta}: line {line}: source_file {name!r} is outside {root}; name a file inside it")
    if not path.exists():
        raise InputError(f"{meta}: line {line}: source_file {name!r} is not in {root}/; fix the name or add the file")
    try:
        require_regular_file(path)
    except InputError as exc:
        raise InputError(f"{meta}: line {line}: source_file {name!r} {str(exc).split(': ', 1)[1]}") from None
    return path


def load_folder(folder: Path, *, seeds: bool, metadata: Path | None = None, id_col: str | None = None,
                date_col: str = "date", speaker_col: str = "speaker", title_col: str = "title",
                text_col: str = "text", encoding: str = "utf-8") -> FolderRecords:
    """Read and clean a seeds-style folder (``seeds=True``) or a folder of ``.txt`` files.

    Structural problems raise :class:`InputError` whatever ``on_error`` says:
    a missing metadata file or column, a metadata record naming a file that
    does not exist or is not a regular file (a FIFO or device would block), a
    text file without a metadata record, an anchor that does not match exactly
    one line, undecodable bytes, a stale correction, a ``corrections.csv``
    that is not a regular file. Metadata values are cleaned first
    (:func:`~textanalytics.corpus.normalize.clean_metadata`), pages lose their
    control characters line by line (rule ``control_characters``).
    Record-level checks (ids, empty texts, dates, years) are left to
    :func:`~textanalytics.corpus.validate.validate_records`.
    """
    root = folder / RAW_DIR if seeds else folder
    meta = metadata if metadata is not None else folder / METADATA_FILE
    frame = read_metadata(meta, encoding=encoding)
    rename, file_col = _column_map(list(frame.columns), meta=meta, id_col=id_col, date_col=date_col,
                                   speaker_col=speaker_col, title_col=title_col, text_col=text_col)
    aliases = {orig: canon for orig, canon in rename.items() if orig != canon}
    frame = frame.rename(columns=rename)
    # encoding repaired (not in file names), control characters out, NFC, stripped: before ids, file
    # names and anchors are used
    frame, meta_chars = clean_metadata(frame, skip=("_line",), raw=("date", "year"), unrepaired=("source_file",))
    if "anchor" not in frame.columns:
        frame["anchor"] = ""
    if "title" not in frame.columns:
        frame["title"] = ""
    if seeds:
        _check_seed_fields(frame, meta=meta)

    # every metadata record names an existing file; every text file has a record
    paths = [_resolve_file(root, name, meta=meta, line=line)
             for name, line in zip(frame["source_file"], frame["_line"])]
    named = set(paths)
    for candidate in sorted(root.glob("*.txt")):
        if candidate.resolve() not in named:
            raise InputError(f"{candidate}: no record in {meta}; add one (every text file is a statement "
                             "or a page of statements) or move the file out of the folder")
    if "statement_id" not in frame.columns:
        stems = [p.stem for p in paths]
        frame.insert(1, "statement_id", stems)

    corrections = pd.DataFrame(columns=["_line", "source_file", "wrong", "right", "note"])
    corr_path = (meta.parent if metadata is not None else folder) / CORRECTIONS_FILE
    if corr_path.exists():  # a corrections.csv that is not a regular file is refused, never ignored
        corrections = read_corrections(corr_path, encoding=encoding)
        for name, line in zip(corrections["source_file"], corrections["_line"]):
            if root.joinpath(name).resolve() not in named:
                raise InputError(f"{corr_path}: line {line}: source_file {name!r} is not a text file of "
                                 f"this corpus (in {root}/); fix the name")

    frame["_path"] = paths
    texts: list[str] = [""] * len(frame)
    paragraphs: list[list[str]] = [[] for _ in range(len(frame))]
    cleaning: list[dict] = []
    problems: list[dict] = []
    for path, group in frame.groupby("_path", sort=True):
        rel = path.relative_to(root.resolve()).as_posix()
        page = read_page(path, rel=rel, corrections=corrections[corrections["source_file"] == rel],
                         corr_path=corr_path, encoding=encoding)
        records = group.reset_index()
        for pos, start, end in statement_blocks(page.lines, records, meta=meta, page=path):
            row = records.iloc[pos]
            cleaned, removed, removed_chars = clean_block(page, start, end, title=str(row["title"]), chrome=seeds)
            sid = str(row["statement_id"])
            source = str(root / rel)
            problems.extend({"source": source, "line": i + 1, "field": "text", "problem": f"scraped text {wrong!r}",
                             "action": f"corrected to {right!r}"}
                            for i, wrong, right in page.fixes if start <= i < end)
            if seeds and row["title"].strip() and "title_line" not in removed:
                problems.append({"source": source, "line": None, "field": "title",
                                 "problem": f"title {row['title']!r} not found as a line of the page",
                                 "action": "kept as metadata only"})
                log.warning("%s: title of %s not found as a line of the page", path, sid)
            cleaning.extend(cleaning_rows(sid, removed, removed_chars))
            texts[int(row["index"])] = cleaned.text
            paragraphs[int(row["index"])] = list(cleaned.paragraphs)
    for rule, per_row in meta_chars.items():  # what cleaning changed in metadata values
        for i in np.flatnonzero(per_row):
            cleaning.extend(cleaning_rows(str(frame["statement_id"].iat[i]), {}, {rule: int(per_row[i])}))
    frame = frame.drop(columns=["_path"])
    frame["text"] = texts
    frame["_paragraphs"] = paragraphs
    if not seeds and (frame["anchor"] == "").all():
        frame = frame.drop(columns=["anchor"])
    where = Where(str(meta), "line", "header = line 1")
    return FolderRecords(frame=frame, where=where, aliases=aliases, cleaning=cleaning, problems=problems)
