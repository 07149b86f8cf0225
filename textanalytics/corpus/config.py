"""``[corpus]`` section of the configuration (owned by the corpus stage)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Mapping


@dataclass(frozen=True)
class CorpusConfig:
    """How to find and read the corpus.

    Attributes
    ----------
    path:
        A seeds-style folder (``raw/`` + metadata), a folder of ``.txt`` files
        with a ``metadata.csv``, or a table file (``.csv``, ``.csv.gz``,
        ``.jsonl``, ``.parquet``). Relative to the config file.
    text_col, date_col, speaker_col, id_col, title_col:
        Column names for table corpora. ``id_col=""`` means ids from row numbers.
    on_error:
        ``"raise"`` stops at the first bad record; ``"skip"`` skips it and
        reports what was skipped (``Corpus.problems``).
    derive:
        Extra metadata columns computed at load time, ``name = "kind:column"``,
        e.g. ``outlet = "url_host:article_source_link"``, ``month = "month:date"``.
        Kinds: ``url_host``, ``month``, ``year``.
    """

    path: str = "seeds"
    text_col: str = "text"
    date_col: str = "date"
    speaker_col: str = "speaker"
    id_col: str = ""
    title_col: str = "title"
    on_error: Literal["raise", "skip"] = "raise"
    derive: Mapping[str, str] = field(default_factory=dict)
