"""The :class:`Tokens` result of preprocessing."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from .config import PreprocessConfig

Unit = Literal["paragraph", "statement"]

#: Values of ``Tokens.table["reason"]`` in category order ("" = kept).
REASONS: tuple[str, ...] = ("", "punctuation", "number", "stopword", "short", "alias_part",
                            "phrase_part")


def _empty_units() -> pd.DataFrame:
    return pd.DataFrame({"statement_id": pd.Series([], dtype=object),
                         "paragraph": pd.Series([], dtype="int32"),
                         "n_tokens": pd.Series([], dtype="int64"),
                         "n_kept": pd.Series([], dtype="int64")})


def _empty_aliases() -> pd.DataFrame:
    return pd.DataFrame({"canonical": pd.Series([], dtype=object),
                         "variant": pd.Series([], dtype=object),
                         "count": pd.Series([], dtype="int64")})


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
        "" when kept). Rows are sorted by ``statement_id, paragraph, position``.
        Storage is compact: the string columns are categoricals, the numbers
        int32 (about 25 bytes a token, so 16 M tokens take about 400 MB).
    phrases:
        The phrases in use: ``phrase`` (joined with ``_``), ``source``
        (``learned`` or ``curated``), ``count`` (tokens whose ``term`` is the
        phrase), ``score`` (NPMI; NaN for curated). Sorted by source
        (curated first), score (descending), phrase.
    config:
        The :class:`PreprocessConfig` that produced these tokens.
    units:
        One row per paragraph of the corpus, even one without tokens:
        ``statement_id, paragraph, n_tokens, n_kept``.
    aliases:
        Aliases that matched: ``canonical, variant, count`` (occurrences),
        sorted by canonical and variant.
    """

    table: pd.DataFrame
    phrases: pd.DataFrame
    config: PreprocessConfig = field(default_factory=PreprocessConfig)
    units: pd.DataFrame = field(default_factory=_empty_units)
    aliases: pd.DataFrame = field(default_factory=_empty_aliases)

    def __repr__(self) -> str:
        t = self.table
        kept = int(t["keep"].sum()) if len(t) else 0
        return (f"Tokens({len(t)} tokens, {kept} kept, {len(self.units)} paragraphs, "
                f"{len(self.phrases)} phrases)")

    def documents(self, *, unit: Unit | None = None) -> tuple[pd.DataFrame, list[list[str]]]:
        """Kept terms per modelling unit.

        Returns ``(units, texts)``: ``units`` has one row per unit with
        ``unit_id`` (``"<statement_id>"`` or ``"<statement_id>:<paragraph>"``),
        ``statement_id``, ``paragraph`` (Int64, <NA> at statement level);
        ``texts[i]`` is the list of kept ``term`` values of unit ``i`` in text
        order. Every unit of the corpus appears, even with no kept term.
        ``unit`` defaults to ``config.unit``.

        Example
        -------
        >>> units, texts = tokens.documents(unit="statement")     # doctest: +SKIP
        >>> units["unit_id"][0], texts[0][:3]                      # doctest: +SKIP
        ('rus_2019_01', ['communique', 'meeting', 'head'])
        """
        unit = unit or self.config.unit
        if unit not in ("paragraph", "statement"):
            raise ValueError(f"unit must be 'paragraph' or 'statement', got {unit!r}")
        t = self.table
        # Every unit: the paragraphs of the corpus (when known) and of the table.
        sources = [t[["statement_id", "paragraph"]]]
        if self.units is not None and len(self.units):
            sources.append(self.units[["statement_id", "paragraph"]])
        pairs = pd.concat([s.astype({"statement_id": str, "paragraph": "int64"}) for s in sources],
                          ignore_index=True)
        sid_codes, sids = pd.factorize(pairs["statement_id"], sort=True)
        sids = np.asarray(sids, dtype=object)
        par = pairs["paragraph"].to_numpy(dtype=np.int64)
        if unit == "paragraph":
            base = int(par.max()) + 1 if len(par) else 1
            key = sid_codes.astype(np.int64) * base + par
        else:
            base = 1
            key = sid_codes.astype(np.int64)
        unit_keys = np.unique(key)
        n_table = len(t)
        kept = t["keep"].to_numpy(dtype=bool)
        token_unit = np.searchsorted(unit_keys, key[:n_table])[kept]
        position = t["position"].to_numpy(dtype=np.int64)[kept]
        if unit == "statement":
            # Text order within a statement: paragraph, then position.
            position = par[:n_table][kept] * (int(position.max()) + 1 if len(position) else 1) + position
        order = np.lexsort((position, token_unit))
        terms = t["term"]
        if isinstance(terms.dtype, pd.CategoricalDtype):
            cats = np.asarray(terms.cat.categories, dtype=object)
            values = cats[terms.cat.codes.to_numpy()[kept][order]]
        else:
            values = terms.astype(str).to_numpy(dtype=object)[kept][order]
        bounds = np.searchsorted(token_unit[order], np.arange(len(unit_keys) + 1))
        texts = [values[bounds[i]:bounds[i + 1]].tolist() for i in range(len(unit_keys))]
        ids = sids[unit_keys // base].tolist()
        if unit == "paragraph":
            paras = (unit_keys % base).tolist()
            out = pd.DataFrame({
                "unit_id": [f"{s}:{p}" for s, p in zip(ids, paras)],
                "statement_id": ids,
                "paragraph": pd.array(paras, dtype="Int64"),
            })
        else:
            out = pd.DataFrame({
                "unit_id": ids,
                "statement_id": ids,
                "paragraph": pd.array([pd.NA] * len(ids), dtype="Int64"),
            })
        return out, texts
