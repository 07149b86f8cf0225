"""The :class:`Tokens` result of preprocessing, and helpers for its tables.

:func:`column_codes`, :func:`empty_units` and :func:`empty_aliases` serve the
package and the stages reading tokens (``features``, ``compare``); they are not
exported from :mod:`textanalytics.preprocessing`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from .config import PreprocessConfig

Unit = Literal["paragraph", "statement"]

#: Values of ``Tokens.table["reason"]`` in category order ("" = kept).
REASONS: tuple[str, ...] = ("", "punctuation", "number", "stopword", "short", "alias_part",
                            "phrase_part", "url")
#: Reasons of tokens that are no words (a rate's denominator, a passage's words leave them out).
NON_WORD_REASONS: tuple[str, ...] = ("punctuation", "number", "url")


def column_codes(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """Integer codes and their strings of a column (categorical codes when it is one).

    A missing value is an error: code -1 would silently index the last string.
    """
    if column.isna().any():
        raise InputError(f"tokens.table: column {column.name!r} has {int(column.isna().sum())} missing "
                         "value(s); every token needs one (rebuild the tokens with textanalytics.preprocess)")
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(), [str(c) for c in column.cat.categories]
    codes, uniques = pd.factorize(column.astype(str))
    return codes, [str(u) for u in uniques]


_codes = column_codes  # the old name, still imported by features.py and compare/ (issue 12: switch them over)


def empty_units() -> pd.DataFrame:
    """A ``Tokens.units`` table without rows (its columns and dtypes)."""
    return pd.DataFrame({"statement_id": pd.Series([], dtype=str),
                         "paragraph": pd.Series([], dtype="int32"),
                         "n_tokens": pd.Series([], dtype="int64"),
                         "n_kept": pd.Series([], dtype="int64")})


def empty_aliases() -> pd.DataFrame:
    """A ``Tokens.aliases`` table without rows (its columns and dtypes)."""
    return pd.DataFrame({"canonical": pd.Series([], dtype=str),
                         "variant": pd.Series([], dtype=str),
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
        ``punctuation``, ``number``, ``short``, ``alias_part``, ``phrase_part``,
        ``url`` (a URL or an e-mail address); "" when kept). Rows are sorted by ``statement_id, paragraph, position``.
        Storage is compact: the string columns are categoricals, the numbers
        int32 (about 33 bytes a token, so 16 M tokens take about 500 MB).
        Group categoricals with ``observed=True`` (or ``.astype(str)`` first):
        ``table.value_counts(["lemma", "term"])`` otherwise counts every
        combination of categories.
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
    units: pd.DataFrame = field(default_factory=empty_units)
    aliases: pd.DataFrame = field(default_factory=empty_aliases)

    def __repr__(self) -> str:
        t = self.table
        kept = int(t["keep"].sum()) if len(t) else 0
        return (f"Tokens({len(t)} tokens, {kept} kept, {len(self.units)} paragraphs, "
                f"{len(self.phrases)} phrases)")

    def chunk_tokens(self) -> Iterator["Tokens"]:
        """The tokens chunk by chunk, as :meth:`TokenStore.chunk_tokens` gives them: here one chunk, itself.

        Stages that read tokens iterate chunks, so one code path serves a corpus
        in memory and a token store on disk.
        """
        yield self

    def texts(self, *, unit: Unit | None = None) -> list[list[str]]:
        """The kept terms of each unit (``documents(unit=...)[1]``), as :meth:`TokenStore.texts` gives them."""
        return self.documents(unit=unit)[1]

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
        >>> units, texts = preprocess(load_corpus("seeds")).documents(unit="statement")  # doctest: +SKIP
        >>> units["unit_id"][0], texts[0][:3]                                            # doctest: +SKIP
        ('2017-01-01_mfa_counter_terrorism_overview', ['deteriorate', 'international', 'environment'])
        """
        unit = unit or self.config.unit
        if unit not in ("paragraph", "statement"):
            raise ValueError(f"unit must be 'paragraph' or 'statement', got {unit!r}")
        t = self.table
        units = self.units if self.units is not None and len(self.units) else None
        # Statement ids as integers in string order (categorical codes when available).
        sid_codes, sid_names = column_codes(t["statement_id"])
        names = set(sid_names)
        if units is not None:
            names |= set(units["statement_id"].astype(str))
        sids = np.asarray(sorted(names), dtype=object)
        rank = {s: i for i, s in enumerate(sids.tolist())}
        tok_sid = np.asarray([rank[s] for s in sid_names], dtype=np.int64)[sid_codes] if len(t) else \
            np.zeros(0, dtype=np.int64)
        par = t["paragraph"].to_numpy(dtype=np.int64)
        unit_par = units["paragraph"].to_numpy(dtype=np.int64) if units is not None else np.zeros(0, np.int64)
        unit_sid = (np.asarray([rank[s] for s in units["statement_id"].astype(str)], dtype=np.int64)
                    if units is not None else np.zeros(0, np.int64))
        if unit == "paragraph":
            base = int(max(par.max(initial=0), unit_par.max(initial=0))) + 1
            key, unit_key = tok_sid * base + par, unit_sid * base + unit_par
        else:
            base = 1
            key, unit_key = tok_sid, unit_sid
        unit_keys = np.unique(np.concatenate([key, unit_key]))
        kept = t["keep"].to_numpy(dtype=bool)
        token_unit = np.searchsorted(unit_keys, key[kept])
        position = t["position"].to_numpy(dtype=np.int64)[kept]
        if unit == "statement":
            # Text order within a statement: paragraph, then position.
            position = par[kept] * (int(position.max(initial=0)) + 1) + position
        order_key = token_unit * (int(position.max(initial=0)) + 1) + position
        if len(order_key) and not np.all(order_key[1:] >= order_key[:-1]):
            order = np.argsort(order_key, kind="stable")
            token_unit = token_unit[order]
        else:
            order = slice(None)
        term_codes, term_names = column_codes(t["term"])
        values = np.asarray(term_names, dtype=object)[term_codes[kept][order]]
        bounds = np.searchsorted(token_unit, np.arange(len(unit_keys) + 1))
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
