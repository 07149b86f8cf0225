"""The corpus stage: pages and tables become clean, validated statements.

Modules: :mod:`.load` (``load_corpus``, pieces, the kind of a path);
reading: :mod:`.tables` (table files), :mod:`textanalytics.files` (regular files,
gzip, encodings); records: :mod:`.table_records` (table records),
:mod:`.folder` (folder corpora, metadata, corrections), :mod:`.pages` (one
page: corrections, anchors); cleaning: :mod:`.repair` (mojibake and HTML
entities, with ftfy), :mod:`.normalize` (control
characters, Unicode, whitespace, metadata values), :mod:`.missing` (NA
strings, ``na_values``), :mod:`.chrome` (page
chrome rules), :mod:`.clean` (paragraphs, ``clean_text``),
:mod:`.cleaning_table` (``Corpus.cleaning``); checks: :mod:`.validate` (ids,
texts, problems, case variants), :mod:`.dates` (dates, years); tables:
:mod:`.assemble` (the ``Corpus`` tables), :mod:`.derive` (computed metadata),
:mod:`.summary` (tidy summary tables), :mod:`.plots` (overview figure),
:mod:`.model` (``Corpus``), :mod:`.config` (``CorpusConfig``).

Example
-------
>>> from textanalytics.corpus import load_corpus, summarize_corpus
>>> corpus = load_corpus("seeds")                     # doctest: +SKIP
>>> summarize_corpus(corpus)["statements_per_year_speaker"]   # doctest: +SKIP
"""

from __future__ import annotations

from .chrome import strip_chrome
from .clean import clean_text, split_paragraphs
from .config import CorpusConfig
from .derive import derive_columns
from .load import (corpus_chunks, corpus_kind, iter_corpus_from_config, iter_table_chunks, load_corpus,
                   load_corpus_from_config)
from .model import Corpus
from .normalize import normalize_text, normalize_unicode
from .summary import summarize_corpus

__all__ = [
    "Corpus",
    "CorpusConfig",
    "load_corpus",
    "load_corpus_from_config",
    "iter_table_chunks",
    "iter_corpus_from_config",
    "corpus_chunks",
    "corpus_kind",
    "summarize_corpus",
    "clean_text",
    "normalize_text",
    "normalize_unicode",
    "split_paragraphs",
    "strip_chrome",
    "derive_columns",
]


def __getattr__(name: str):
    if name == "corpus_overview_figure":
        from .plots import corpus_overview_figure  # deferred: matplotlib, only when the figure is asked for

        return corpus_overview_figure
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
