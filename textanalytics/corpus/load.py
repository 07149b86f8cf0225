"""``load_corpus``: one entry point for every corpus format.

What a path can be (detected in this order):

* a **seeds-style folder**: ``raw/`` (the pages) + ``metadata.csv`` (one record
  per statement) [+ ``corrections.csv``]; pages are cleaned of page chrome;
* a **folder of .txt files** with a ``metadata.csv`` naming each file
  (``file`` or ``source_file`` column);
* a **table file**: ``.csv``, ``.csv.gz``, ``.tsv``, ``.tsv.gz``, ``.jsonl``,
  ``.jsonl.gz``, ``.json`` (an array of records), ``.json.gz``, ``.parquet``;
  one record per statement. Nested JSON (a speaker with a list of speeches)
  is refused with a message saying how to flatten it.

Column options (tables and folder metadata): only the text is required. A
``date``/``speaker``/``title`` column left at its default name may be absent
(the field is then empty and later steps that need it say so); a column named
explicitly must exist. ``id_col=None`` takes ids from a ``statement_id``
column when there is one, else from record positions (``doc0001`` for the
first data record; folders use the file name). Every other column is kept as
metadata under a snake_case name. A ``year`` column, when present, must match
the date's year; without one, ``year`` is derived from ``date``.

Hostile input: only regular files are read (a FIFO, socket or device is
refused before it is opened, for the corpus, a folder's ``metadata.csv``,
``corrections.csv`` and every text file). In JSON Lines, JSON and Parquet a
text that is not a string (a number, list, object or boolean) and a metadata
value that is a list or an object are bad records (in a ``.json`` array an
object or a list of objects is nested records: an error whatever
``on_error``): with ``on_error="raise"`` an
:class:`InputError` names file, line and field; with ``"skip"`` the record is
skipped and listed in ``Corpus.problems``. They are never turned into their
Python text ("5", "['a']"); a null text is an empty text.

Encoding repair: texts and metadata values are repaired first (HTML entities
and mojibake, rules ``html_entities`` and ``mojibake`` with ``ftfy``; see
:mod:`~textanalytics.corpus.repair`), counted per statement in ``Corpus.cleaning``.

Metadata values: every string value loses its control characters (rule
``control_characters``, counted in ``Corpus.cleaning.n_removed_chars``), is
Unicode-normalised (NFC, no-break spaces, invisible characters) and stripped,
before ids are compared or files named; date and year values only lose
control characters (the date parser reports what else it drops). Values of a
column that differ only in case ("Lavrov"/"lavrov") stay separate groups; each
such group is logged and listed in ``Corpus.problems`` (action ``kept as
separate groups``).

The result is a :class:`~textanalytics.corpus.model.Corpus` whose
``statements`` columns are, in order: ``statement_id, title, date, year,
speaker, organisation, genre, text, n_words``, then the other metadata. Rows
are sorted by ``statement_id`` (string order).

Example
-------
>>> from textanalytics.corpus import load_corpus
>>> news = load_corpus("../shared/corpora/news_articles.csv.gz", id_col="article_id",
...                    date_col="publish_date", on_error="skip",
...                    derive={"outlet": "url_host:article_source_link", "month": "month:date"})  # doctest: +SKIP
>>> len(news), len(news.problems)                                                         # doctest: +SKIP
(3788, 38)
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Iterable, Iterator, Literal, Mapping

import pandas as pd

from ..errors import InputError
from .assemble import STATEMENT_COLUMNS, assemble_corpus
from .cleaning_table import cleaning_frame
from .config import CorpusConfig
from .derive import parse_derive
from .folder import METADATA_FILE, RAW_DIR, load_folder
from .model import Corpus
from .table_records import clean_table_records, load_table_records
from ..files import require_regular_file
from .tables import TABLE_SUFFIXES, read_table_chunks, table_kind
from .validate import problems_frame, validate_records
from .logs import corpus_logger

log = corpus_logger(__name__)

__all__ = ["load_corpus", "load_corpus_from_config", "iter_table_chunks", "iter_corpus_from_config",
           "corpus_chunks", "corpus_kind"]

_KINDS_HELP = ("a seeds folder (raw/ + metadata.csv), a folder of .txt files with metadata.csv, "
               f"or a table file ({', '.join(TABLE_SUFFIXES)})")


def _check_na_values(na_values: Iterable[str] | None) -> tuple[str, ...] | None:
    """``na_values`` as a tuple of strings (None stays None: pandas' default list)."""
    if na_values is None:
        return None
    values = None if isinstance(na_values, (str, bytes)) else tuple(na_values)
    if values is None or not all(isinstance(v, str) for v in values):
        raise InputError(f"na_values: expected a list of strings such as [\"NA\", \"null\"], got {na_values!r}")
    return values


def corpus_kind(path: Path) -> str:
    """``"seeds"``, ``"txt_folder"`` or ``"table"`` (CSV, TSV, JSON Lines, a JSON array of records,
    Parquet); raises :class:`InputError` otherwise.

    >>> corpus_kind(Path("seeds"))   # doctest: +SKIP
    'seeds'
    """
    if not path.exists():
        raise InputError(f"{path}: no such file or folder; pass {_KINDS_HELP}")
    if path.is_dir():
        if (path / METADATA_FILE).exists():
            require_regular_file(path / METADATA_FILE)  # a FIFO or device would block the reader
        has_meta = (path / METADATA_FILE).is_file()
        if (path / RAW_DIR).is_dir():
            if not has_meta:
                raise InputError(f"{path}: has {RAW_DIR}/ but no {METADATA_FILE}; add one record per statement")
            return "seeds"
        if has_meta:
            return "txt_folder"
        if any(path.glob("*.txt")):
            raise InputError(f"{path}: .txt files but no {METADATA_FILE}; add one with a 'file' column "
                             "naming each text file")
        raise InputError(f"{path}: not a corpus folder (nothing recognisable in it); pass {_KINDS_HELP}")
    if table_kind(path) is not None:
        require_regular_file(path)
        return "table"
    raise InputError(f"{path}: not a corpus file ({path.suffix or 'no suffix'}); pass {_KINDS_HELP}")


def load_corpus(path: str | Path, *, text_col: str = "text", date_col: str = "date",
                speaker_col: str = "speaker", id_col: str | None = None, title_col: str = "title",
                on_error: Literal["raise", "skip"] = "raise", derive: Mapping[str, str] | None = None,
                encoding: str = "utf-8", metadata: str | Path | None = None,
                na_values: Iterable[str] | None = None) -> Corpus:
    """Load, clean and validate a corpus (seeds folder, .txt folder or table file).

    Parameters
    ----------
    path:
        The corpus (see the module docstring for what is recognised).
    text_col, date_col, speaker_col, title_col:
        Column names (tables; for folders, columns of the metadata file).
    id_col:
        Column holding unique ids; None: a ``statement_id`` column if present,
        else record positions (tables) or file names (.txt folders).
    on_error:
        ``"raise"``: bad records (empty text, empty/duplicate id, unparsable
        date, year that differs from the date's year) raise one
        :class:`InputError` naming their count, the first record numbers and the
        column. ``"skip"``: they are skipped, logged, and listed in
        ``Corpus.problems``.
    derive:
        Extra columns ``{"name": "kind:column"}``, kinds ``url_host``,
        ``month``, ``quarter``, ``year``, ``decade``, and ``periods``
        (``"periods:date:1989-1996,1997-2009"``; see :mod:`textanalytics.corpus.derive`).
    encoding:
        Text encoding of the files (a UTF-8 byte-order mark is accepted).
    metadata:
        Folders only: the metadata file to use instead of ``<folder>/metadata.csv``
        (relative paths are taken from the folder).
    na_values:
        Table files only: strings that mean a missing metadata value (``"NA"``,
        ``"null"``, ...); None: pandas' default list. They never apply to the
        text or id column. See :mod:`textanalytics.corpus.missing`.

    Returns
    -------
    Corpus
        ``statements`` (one row per statement, sorted by ``statement_id``),
        ``paragraphs``, ``cleaning`` (words, lines and characters each rule
        removed: ``statement_id, rule, n_removed_words, n_removed_lines,
        n_removed_chars``), ``problems`` (records skipped or repaired, and
        values differing only in case), ``source``.

    Example
    -------
    >>> corpus = load_corpus("seeds")            # doctest: +SKIP
    >>> corpus.statements.groupby("year").size().to_dict()   # doctest: +SKIP
    {2017: 2, 2018: 2, 2019: 4}
    """
    started = time.perf_counter()
    if on_error not in ("raise", "skip"):
        raise InputError(f"on_error: {on_error!r} is not one of 'raise', 'skip'")
    parse_derive(derive)  # fail on a bad spec before reading anything
    path = Path(path).expanduser()
    kind = corpus_kind(path)
    na_values = _check_na_values(na_values)
    if kind == "table":
        if metadata is not None:
            raise InputError(f"metadata: only folders take a separate metadata file; put the metadata "
                             f"columns into {path.name}")
        frame, where, aliases, cleaning, problems = load_table_records(
            path, text_col=text_col, date_col=date_col, speaker_col=speaker_col, id_col=id_col,
            title_col=title_col, on_error=on_error, encoding=encoding, na_values=na_values)
    else:
        if na_values is not None:
            raise InputError(f"na_values: only table files read NA strings as missing; {path} is a folder, "
                             "whose metadata is read as written (leave the cell empty for a missing value)")
        meta = None
        if metadata is not None:
            meta = Path(metadata).expanduser()
            meta = meta if meta.is_absolute() else path / meta
        records = load_folder(path, seeds=(kind == "seeds"), metadata=meta, id_col=id_col,
                              date_col=date_col, speaker_col=speaker_col, title_col=title_col,
                              text_col=text_col, encoding=encoding)
        frame, where, aliases = records.frame, records.where, records.aliases
        cleaning, problems = records.cleaning, records.problems
    fields = {canon: orig for orig, canon in aliases.items()}
    frame, record_problems = validate_records(frame, where=where, fields=fields, on_error=on_error)
    if not len(frame):
        first = record_problems.iloc[0]
        raise InputError(f"{path}: no statement left after skipping {len(record_problems)} bad record(s); the "
                         f"first is {where.unit} {first['line']}: {first['problem']} in {first['field']!r}")
    all_problems = problems_frame(problems)
    if len(record_problems):
        all_problems = pd.concat([all_problems, record_problems], ignore_index=True) if len(all_problems) else record_problems
    corpus = assemble_corpus(frame, cleaning=cleaning, problems=all_problems, source=str(path), derive=derive,
                             aliases=aliases, case_source=where.source)
    log.info("loaded %s in %.2f s: %d statements, %d paragraphs, %d words, %d problem(s)", path,
             time.perf_counter() - started, len(corpus.statements), len(corpus.paragraphs),
             int(corpus.statements["n_words"].sum()), len(corpus.problems))
    return corpus


def iter_table_chunks(path: str | Path, *, rows: int = 20_000, text_col: str = "text", date_col: str = "date",
                      speaker_col: str = "speaker", id_col: str | None = None, title_col: str = "title",
                      on_error: Literal["raise", "skip"] = "raise", derive: Mapping[str, str] | None = None,
                      encoding: str = "utf-8", na_values: Iterable[str] | None = None) -> Iterator[Corpus]:
    """Load a table corpus ``rows`` records at a time: an iterator of :class:`Corpus` pieces.

    For tables too large to load at once; feed the pieces to
    :func:`~textanalytics.preprocessing.preprocess_chunks`. Each piece is cleaned
    and validated exactly as :func:`load_corpus` would (same columns, same
    problems), and ids must be unique across the whole file: a repeated id is
    an error (``on_error="raise"``) or skipped and listed in the piece's
    ``problems`` (``"skip"``). Without an id column, ids are ``doc0000001``,
    ... (record positions, seven digits). Pieces keep file order; only
    table files (.csv, .tsv, .jsonl, .parquet, optionally .gz) can be read in
    pieces. Values differing only in case are not checked piece by piece (a
    pair can span pieces): check the joined metadata once with
    :func:`~textanalytics.corpus.validate.case_variant_problems`, which gives
    the rows :func:`load_corpus` adds.

    >>> for piece in iter_table_chunks("big.csv.gz", rows=50_000, id_col="id"):   # doctest: +SKIP
    ...     print(len(piece.statements))
    """
    if on_error not in ("raise", "skip"):
        raise InputError(f"on_error: {on_error!r} is not one of 'raise', 'skip'")
    parse_derive(derive)
    na_values = _check_na_values(na_values)
    path = Path(path).expanduser()
    if corpus_kind(path) != "table":
        raise InputError(f"{path}: only table files can be read in pieces ({', '.join(TABLE_SUFFIXES)}); "
                         "load folders with load_corpus()")
    seen: dict[str, int] = {}  # every id of earlier pieces (kept or skipped) -> record of its first use
    start = 1
    carried: list[pd.DataFrame] = []  # problems of pieces where every record was skipped
    yielded = 0
    for raw in read_table_chunks(path, rows=rows, encoding=encoding):
        n = len(raw.frame)
        frame, where, aliases, cleaning, _ = clean_table_records(
            raw.frame, raw.where, path=path, text_col=text_col, date_col=date_col, speaker_col=speaker_col,
            id_col=id_col, title_col=title_col, on_error=on_error, id_start=start, id_width=7, earlier=seen,
            na_values=na_values)
        start += n
        fields = {canon: orig for orig, canon in aliases.items()}
        ids = frame["statement_id"].astype(str).str.strip().tolist()
        lines = frame["_line"].tolist()
        frame, problems = validate_records(frame, where=where, fields=fields, on_error=on_error, earlier=seen)
        for i, line in zip(ids, lines):
            if i and i not in seen:
                seen[i] = int(line)
        if not len(frame):
            log.warning("%s: records %d-%d: every record was skipped", path, start - n, start - 1)
            carried.append(problems)
            continue
        if carried:  # reported with the next piece that has statements: nothing is dropped silently
            problems = pd.concat([*carried, problems], ignore_index=True)
            carried = []
        yielded += 1
        yield assemble_corpus(frame, cleaning=cleaning, problems=problems, source=str(path), derive=derive,
                              aliases=aliases)
    if carried:
        problems = pd.concat(carried, ignore_index=True)
        if not yielded:
            first = problems.iloc[0]
            raise InputError(f"{path}: no statement left after skipping {len(problems)} bad record(s); the "
                             f"first is {where.unit} {first['line']}: {first['problem']} in {first['field']!r}")
        # The last pieces were all skipped: a piece without statements carries their problems.
        yield Corpus(statements=pd.DataFrame({c: pd.Series([], dtype=object) for c in STATEMENT_COLUMNS}),
                     paragraphs=pd.DataFrame({"statement_id": pd.Series([], dtype=str),
                                              "paragraph": pd.Series([], dtype="int64"),
                                              "text": pd.Series([], dtype=str),
                                              "n_words": pd.Series([], dtype="int64")}),
                     cleaning=cleaning_frame([]), problems=problems, source=str(path))


def corpus_chunks(corpus: Corpus, *, max_chars: int = 20_000_000) -> Iterator[Corpus]:
    """Split an in-memory corpus into consecutive pieces of about ``max_chars`` characters of text.

    Statements stay whole (a statement longer than ``max_chars`` is a piece of its
    own); pieces keep statement order. For :func:`~textanalytics.preprocessing.preprocess_chunks`.

    >>> [len(p.statements) for p in corpus_chunks(corpus, max_chars=30_000)]     # doctest: +SKIP
    [3, 2, 3]
    """
    if max_chars < 1:
        raise InputError(f"max_chars: must be at least 1, got {max_chars}")
    st, paras = corpus.statements, corpus.paragraphs
    sid_paras = paras["statement_id"].astype(str)
    ids = st["statement_id"].astype(str).tolist()
    orphans = sorted(set(sid_paras) - set(ids))
    if orphans:
        raise InputError(f"corpus.paragraphs: statement {orphans[0]!r} has paragraphs but no row in "
                         "corpus.statements; every paragraph must belong to a statement")
    sizes = paras["text"].astype(str).str.len().groupby(sid_paras.to_numpy(), sort=False).sum()
    pieces, current, chars = [], [], 0
    for sid in ids:
        size = int(sizes.get(sid, 0))
        if current and chars + size > max_chars:
            pieces.append(current)
            current, chars = [], 0
        current.append(sid)
        chars += size
    if current:
        pieces.append(current)
    for piece in pieces:
        keep = set(piece)
        yield Corpus(statements=st[st["statement_id"].astype(str).isin(keep)].reset_index(drop=True),
                     paragraphs=paras[sid_paras.isin(keep).to_numpy()].reset_index(drop=True),
                     cleaning=corpus.cleaning[corpus.cleaning["statement_id"].astype(str).isin(keep)]
                     .reset_index(drop=True),
                     problems=corpus.problems.iloc[:0], source=corpus.source)


def load_corpus_from_config(cfg: CorpusConfig, *, base_dir: str | Path | None = None) -> Corpus:
    """Load the corpus a :class:`CorpusConfig` describes.

    A relative ``cfg.path`` is taken from ``base_dir`` (the config file's
    folder) when given, else from the working directory; a relative
    ``cfg.metadata`` from the corpus folder. ``cfg.id_col == ""`` means no
    id column.

    >>> from textanalytics.corpus.config import CorpusConfig
    >>> corpus = load_corpus_from_config(CorpusConfig(path="seeds"), base_dir=".")   # doctest: +SKIP
    """
    path = Path(cfg.path).expanduser()
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    return load_corpus(path, text_col=cfg.text_col, date_col=cfg.date_col, speaker_col=cfg.speaker_col,
                       id_col=cfg.id_col or None, title_col=cfg.title_col, on_error=cfg.on_error,
                       derive=dict(cfg.derive) or None, encoding=cfg.encoding,
                       metadata=cfg.metadata or None, na_values=cfg.na_values)


def iter_corpus_from_config(cfg: CorpusConfig, *, rows: int = 20_000,
                            base_dir: str | Path | None = None) -> Iterator[Corpus]:
    """The corpus a :class:`CorpusConfig` describes, in pieces (for :func:`~textanalytics.preprocess_chunks`).

    A table file is read ``rows`` records at a time (:func:`iter_table_chunks`);
    a folder is loaded whole and split into pieces (:func:`corpus_chunks`):
    folders of separate files are rarely the large case.
    """
    path = Path(cfg.path).expanduser()
    if base_dir is not None and not path.is_absolute():
        path = Path(base_dir) / path
    if corpus_kind(path) == "table":
        return iter_table_chunks(path, rows=rows, text_col=cfg.text_col, date_col=cfg.date_col,
                                 speaker_col=cfg.speaker_col, id_col=cfg.id_col or None, title_col=cfg.title_col,
                                 on_error=cfg.on_error, derive=dict(cfg.derive) or None, encoding=cfg.encoding,
                                 na_values=cfg.na_values)
    return corpus_chunks(load_corpus_from_config(cfg, base_dir=base_dir))
