"""``[corpus]`` section of the configuration (owned by the corpus stage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping


@dataclass(frozen=True)
class CorpusConfig:
    """How to find and read the corpus (the options of :func:`~textanalytics.corpus.load_corpus`).

    Attributes
    ----------
    path:
        A seeds-style folder (``raw/`` + ``metadata.csv``), a folder of ``.txt``
        files with a ``metadata.csv``, or a table file (``.csv``, ``.csv.gz``,
        ``.tsv``, ``.jsonl``, ``.jsonl.gz``, ``.parquet``). Relative to the config file.
    text_col, date_col, speaker_col, id_col, title_col:
        Column names for table corpora (and for a folder's metadata file).
        ``id_col=""`` means ids from a ``statement_id`` column if there is one,
        else from row numbers (tables) or file names (folders). A date,
        speaker or title column left at its default name may be absent; one
        named explicitly must exist.
    on_error:
        ``"raise"`` stops at bad records (empty text, bad id, date or year);
        ``"skip"`` skips them and reports what was skipped (``Corpus.problems``).
    derive:
        Extra metadata columns computed at load time, ``name = "kind:column"``,
        e.g. ``outlet = "url_host:article_source_link"``, ``month = "month:date"``.
        Kinds: ``url_host``, ``month``, ``year``.
    encoding:
        Text encoding of the corpus files (default UTF-8).
    metadata:
        Folders only: a metadata file other than ``metadata.csv``, relative
        to the corpus folder. "" means ``metadata.csv``.
    stream_rows:
        Table files only. ``0`` (default) loads the corpus into memory. A
        positive number makes the report stream the table ``stream_rows``
        records at a time: tokens go to a store on disk, matrices are built
        chunk by chunk and no stage holds the raw texts of more than a piece or two
        (:func:`textanalytics.pipeline.run_analysis`). The tables equal the
        in-memory run's, except that ids made from record positions (no
        ``id_col``) have seven digits (``doc0000001``).

    Example
    -------
    >>> CorpusConfig(path="news.csv.gz", id_col="article_id", date_col="publish_date",
    ...              on_error="skip", derive={"month": "month:date"}).on_error
    'skip'
    """

    path: str = "seeds"
    text_col: str = "text"
    date_col: str = "date"
    speaker_col: str = "speaker"
    id_col: str = ""
    title_col: str = "title"
    on_error: Literal["raise", "skip"] = "raise"
    derive: Mapping[str, str] = field(default_factory=dict)
    encoding: str = "utf-8"
    metadata: str = ""
    stream_rows: int = 0

    def __post_init__(self) -> None:
        from ..errors import InputError

        if isinstance(self.stream_rows, bool) or not isinstance(self.stream_rows, int) or self.stream_rows < 0:
            raise InputError(f"[corpus] stream_rows: {self.stream_rows!r} must be 0 (in memory) or a positive "
                             "number of records per piece")
