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
        unit = unit or self.config.unit
        if unit not in ("paragraph", "statement"):
            raise ValueError(f"unit must be 'paragraph' or 'statement', got {unit!r}")
        t = self.table
        keys = ["statement_id", "paragraph"] if unit == "paragraph" else ["statement_id"]
        # Every unit appears, in (statement_id, paragraph) order, even when nothing is kept.
        units = t[keys].drop_duplicates().sort_values(keys, kind="stable").reset_index(drop=True)
        kept = t.loc[t["keep"].to_numpy(dtype=bool), keys + ["position", "term"]]
        kept = kept.sort_values(keys + ["position"], kind="stable")
        groups = {k: g["term"].astype(str).tolist() for k, g in kept.groupby(keys, sort=False)}
        if unit == "paragraph":
            pairs = list(zip(units["statement_id"].astype(str), units["paragraph"].astype(int)))
            texts = [groups.get(p, []) for p in pairs]
            out = pd.DataFrame({
                "unit_id": [f"{s}:{p}" for s, p in pairs],
                "statement_id": [s for s, _ in pairs],
                "paragraph": pd.array([p for _, p in pairs], dtype="Int64"),
            })
        else:
            ids = units["statement_id"].astype(str).tolist()
            texts = [groups.get((s,), groups.get(s, [])) for s in ids]
            out = pd.DataFrame({
                "unit_id": ids,
                "statement_id": ids,
                "paragraph": pd.array([pd.NA] * len(ids), dtype="Int64"),
            })
        return out, texts
