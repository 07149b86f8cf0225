"""The :class:`Corpus` result: statements, paragraphs and what cleaning did."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..errors import InputError


def require_text(corpus: Any, what: str) -> None:
    """:meth:`Corpus.require_text` for anything corpus-like (objects without the method pass)."""
    check = getattr(corpus, "require_text", None)
    if check is not None:
        check(what)


@dataclass(frozen=True)
class Corpus:
    """A cleaned, validated corpus.

    Attributes
    ----------
    statements:
        One row per statement, sorted by ``statement_id``. Columns:
        ``statement_id`` (str, unique), ``title`` (str, may be ""),
        ``date`` (datetime64, NaT when unknown), ``year`` (Int64, <NA> when
        unknown), ``speaker``, ``organisation``, ``genre`` (str, "" when
        unknown), ``text`` (cleaned text, paragraphs joined by blank lines),
        ``n_words`` (int, whitespace words of ``text``), then every other
        metadata column (seed metadata such as ``speaker_role``, ``venue``,
        ``publisher``, ``date_basis``, ``source_file``; or a table's extra columns).
    paragraphs:
        One row per paragraph: ``statement_id``, ``paragraph`` (int, from 1 in
        each statement), ``text``, ``n_words``. List items are paragraphs.
    cleaning:
        What cleaning removed, tidy: ``statement_id, rule, n_removed_words,
        n_removed_lines, n_removed_chars`` (one row per statement × rule that
        removed something; ``n_removed_chars`` counts what ``control_characters``
        removed, and what the encoding repair rules ``html_entities`` and
        ``mojibake`` removed or replaced, in text and metadata).
    problems:
        Records skipped or repaired at load time: ``source, line, field, problem, action``.
    source:
        The path the corpus was loaded from.
    """

    statements: pd.DataFrame
    paragraphs: pd.DataFrame
    cleaning: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["statement_id", "rule", "n_removed_words", "n_removed_lines", "n_removed_chars"]))
    problems: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["source", "line", "field", "problem", "action"]))
    source: str = ""

    @property
    def metadata(self) -> pd.DataFrame:
        """``statements`` without the ``text`` column."""
        return self.statements.drop(columns=["text"], errors="ignore")

    @property
    def has_text(self) -> bool:
        """False for a text-free corpus index (a streamed report's ``corpus``: metadata and paragraph numbers only)."""
        return "text" in self.statements.columns and "text" in self.paragraphs.columns

    def require_text(self, what: str) -> None:
        """Raise a one-line :class:`InputError` when ``what`` needs texts this corpus does not hold."""
        if not self.has_text:
            raise InputError(f"{what}: this corpus holds metadata only (a streamed corpus index, source "
                             f"{self.source or 'unknown'!r}); load the texts with load_corpus(), or a piece "
                             "at a time with iter_table_chunks()")

    def __len__(self) -> int:
        return len(self.statements)

    def __repr__(self) -> str:
        return (f"Corpus({len(self.statements)} statements, {len(self.paragraphs)} paragraphs, "
                f"{int(self.statements['n_words'].sum()) if len(self.statements) else 0} words, "
                f"source={self.source!r})")

    def _repr_html_(self) -> str:
        return self.metadata._repr_html_()
