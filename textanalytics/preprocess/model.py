"""The :class:`Tokens` result of preprocessing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from .config import PreprocessConfig

Unit = Literal["paragraph", "statement"]


@dataclass(frozen=True)
class Tokens:
    """Tokens of a corpus, one row per token, plus the learned phrases.

    Attributes
    ----------
    table:
        ``statement_id`` (str), ``paragraph`` (int, from 1), ``sentence`` (int,
        from 1 within the paragraph), ``position`` (int, from 1 within the
        paragraph), ``token`` (surface form), ``lemma`` (lower-cased lemma after
        aliases), ``term`` (the feature used by models: the lemma, or the joined
        phrase ``foreign_terrorist_fighter`` on the first token of a phrase),
        ``keep`` (bool), ``reason`` (why a token was dropped: ``stopword``,
        ``punctuation``, ``number``, ``short``, ``alias_part``, ``phrase_part``;
        "" when kept).
    phrases:
        The phrases in use: ``phrase`` (joined with ``_``), ``source``
        (``learned`` or ``curated``), ``count``, ``score`` (NPMI; NaN for curated).
    config:
        The :class:`PreprocessConfig` that produced these tokens.
    """

    table: pd.DataFrame
    phrases: pd.DataFrame
    config: PreprocessConfig = field(default_factory=PreprocessConfig)

    def documents(self, *, unit: Unit | None = None) -> tuple[pd.DataFrame, list[list[str]]]:
        """Kept terms per modelling unit.

        Returns ``(units, texts)``: ``units`` has one row per unit with
        ``unit_id`` (``"<statement_id>"`` or ``"<statement_id>:<paragraph>"``),
        ``statement_id``, ``paragraph`` (Int64, <NA> at statement level);
        ``texts[i]`` is the list of kept ``term`` values of unit ``i`` in text
        order. Every unit of the corpus appears, even with no kept term.
        ``unit`` defaults to ``config.unit``.
        """
        raise NotImplementedError
