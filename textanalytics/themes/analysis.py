"""Dictionary analysis: counts and rates of a codebook's categories, and their shares per group.

:func:`count_themes` finds every entry (:mod:`.matching`) and returns
:class:`ThemeCounts`: tidy counts per statement and per paragraph, each entry's
hits, the entries that matched nothing and those listed under several
categories. Shares, differences and trends per group reuse the topic
machinery unchanged (:func:`textanalytics.topics.topic_shares` and friends):
:meth:`ThemeCounts.as_model` writes the counts as a topic model whose
"topic proportions" are each paragraph's category rates (count / words) and
whose weights are its words, so a group's share is the group's matches over
its words, with the same statement-level bootstrap intervals, permutation tests
and Benjamini-Hochberg families as topic shares. Unlike topics, categories need
not sum to 1 (a word may fall in none or in several).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..config import to_dict
from ..grouping import label_str
from ..results import TableResult
from ..topics import TopicConfig, TopicModel, topic_differences, topic_shares, topic_trends
from .codebook import Codebook
from .matching import MatchMode, find_matches

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

log = logging.getLogger(__name__)

__all__ = ["ThemeCounts", "ThemeResult", "as_topic_table", "count_themes", "theme_shares", "theme_differences", "theme_trends",
           "COUNT_COLUMNS", "ENTRY_COLUMNS"]

#: Columns of :attr:`ThemeCounts.table` (statement level; ``paragraphs`` adds ``paragraph``).
COUNT_COLUMNS = ("statement_id", "category", "count", "tokens", "rate")
#: Columns of :attr:`ThemeCounts.entries`.
ENTRY_COLUMNS = ("category", "entry", "matched", "count", "n_statements")


def _tidy(units: pd.DataFrame, hits: pd.DataFrame, keys: list[str], categories: tuple[str, ...]) -> pd.DataFrame:
    base = units.groupby(keys, sort=True)["tokens"].sum().reset_index()
    n = hits.groupby([*keys, "category"], sort=False).size().rename("count").reset_index()
    grid = base.loc[np.repeat(np.arange(len(base)), len(categories))].reset_index(drop=True)
    grid.insert(len(keys), "category", np.tile(np.asarray(categories, dtype=object), len(base)))
    out = grid.merge(n, on=[*keys, "category"], how="left")
    out["count"] = out["count"].fillna(0).astype(np.int64)
    out["rate"] = np.where(out["tokens"] > 0, out["count"] / out["tokens"].clip(lower=1), np.nan)
    return out[[*keys, "category", "count", "tokens", "rate"]]


@dataclass(frozen=True, eq=False, repr=False)
class ThemeCounts(TableResult):
    """Category counts of a codebook in a corpus (:func:`count_themes`).

    Attributes
    ----------
    table:
        One row per statement × category: ``statement_id, category, count``
        (matches), ``tokens`` (words of the statement, the denominator),
        ``rate`` (count / tokens; NaN for a statement without words). Sorted by
        statement, then category in codebook order.
    paragraphs:
        The same per paragraph: ``statement_id, paragraph, category, count, tokens, rate``.
    entries:
        Each entry's hits: ``category, entry, matched`` (the form found),
        ``count``, ``n_statements``; sorted by category order, count descending, entry, matched.
    hits:
        Every match (:func:`~textanalytics.themes.matching.find_matches`).
    unmatched:
        ``category, entry`` of entries that matched nothing (a warning is logged).
    duplicates:
        ``entry, categories`` of entries listed under several categories (a warning is logged).
    codebook:
        The :class:`~textanalytics.themes.Codebook`.
    params:
        ``codebook`` (its source), ``match``, ``n_categories``, ``n_entries``, ``n_unmatched``.
    """

    table: pd.DataFrame
    paragraphs: pd.DataFrame
    entries: pd.DataFrame
    hits: pd.DataFrame
    unmatched: pd.DataFrame
    duplicates: pd.DataFrame
    codebook: Codebook
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("codebook", "match")

    def summary(self) -> pd.DataFrame:
        """Per category: ``count``, ``rate`` (over all words), ``n_statements`` with a match, top entries."""
        t = self.table
        g = t.groupby("category", sort=False)
        total = int(t.drop_duplicates("statement_id")["tokens"].sum())
        top = self.entries.groupby("category", sort=False)["entry"].agg(
            lambda e: ", ".join(list(dict.fromkeys(e))[:5]))
        out = pd.DataFrame({"count": g["count"].sum(), "n_statements": g["count"].agg(lambda c: int((c > 0).sum()))})
        out["rate"] = out["count"] / max(total, 1)
        out["top_entries"] = top.reindex(out.index).fillna("")
        return out.reindex(list(self.codebook.categories))

    def matrix(self) -> tuple[pd.DataFrame, pd.Series]:
        """``(counts, tokens)``: statement × category counts (index ``statement_id``, columns the
        categories in codebook order) and words per statement -- the input of a count regression
        (``estimate_count_effects(counts, exposure=tokens, ...)``)."""
        wide = self.table.pivot(index="statement_id", columns="category", values="count")
        tokens = self.table.drop_duplicates("statement_id").set_index("statement_id")["tokens"]
        return wide[list(self.codebook.categories)].rename_axis(columns=None), tokens.rename("tokens")

    def as_model(self, *, seed: int = 0, config: TopicConfig | None = None) -> TopicModel:
        """The paragraph rates as a :class:`~textanalytics.topics.TopicModel` (one "fit"), so topic
        shares, differences and trends run on categories unchanged (module docstring). Paragraphs
        without words are left out (they weigh nothing)."""
        p = self.paragraphs
        cats = list(self.codebook.categories)
        wide = p.pivot_table(index=["statement_id", "paragraph"], columns="category", values="count",
                             aggfunc="sum", sort=True)[cats]
        tokens = p.drop_duplicates(["statement_id", "paragraph"]).set_index(["statement_id", "paragraph"])[
            "tokens"].reindex(wide.index)
        keep = tokens.to_numpy() > 0
        wide, tokens = wide[keep], tokens[keep]
        sid = wide.index.get_level_values(0).astype(str)
        par = wide.index.get_level_values(1).astype(int)
        units = pd.DataFrame({"unit_id": [f"{s}:{q}" for s, q in zip(sid, par)], "statement_id": sid,
                              "paragraph": pd.array(par, dtype="Int64"), "n_tokens": tokens.to_numpy(),
                              "n_terms": tokens.to_numpy()})
        forms = self.entries.groupby(["category", "matched"], sort=True)["count"].sum()
        vocab = tuple(sorted(set(forms.index.get_level_values(1)))) or ("",)
        col = {w: j for j, w in enumerate(vocab)}
        topic_term = np.full((len(cats), len(vocab)), 1e-12)
        for (cat, form), n in forms.items():
            topic_term[cats.index(cat), col[form]] += n
        topic_term /= topic_term.sum(axis=1, keepdims=True)
        params = {"engine": "dictionary", "k": len(cats), "seed": int(seed),
                  "config": to_dict(config or TopicConfig()), "topic_names": cats, "n_units": len(units)}
        return TopicModel(topic_term=topic_term, doc_topic=wide.to_numpy(float) / tokens.to_numpy(float)[:, None],
                          vocabulary=vocab, units=units.reset_index(drop=True),
                          term_counts=topic_term.sum(axis=0) + 1e-12, params=params)


def count_themes(tokens: Any, codebook: Codebook, *, match: MatchMode = "lemma",
                 map_pieces: Any = None) -> ThemeCounts:
    """Count every category of ``codebook`` in every statement and paragraph of ``tokens``.

    ``match``: ``"lemma"`` (default) or ``"surface"`` (:mod:`.matching`); ``map_pieces``: match each
    piece where it is (the Spark backend's executors; :func:`~.matching.find_matches`).
    Entries that match nothing and entries under several categories are
    logged as warnings and listed in the result.

    >>> counts = count_themes(tokens, read_codebook("seeds/themes.toml"))   # doctest: +SKIP
    >>> counts.summary()                                                    # doctest: +SKIP
    """
    hits, units = find_matches(tokens, codebook, match=match, map_pieces=map_pieces)
    cats = codebook.categories
    table = _tidy(units, hits, ["statement_id"], cats)
    paragraphs = _tidy(units, hits, ["statement_id", "paragraph"], cats)
    order = {c: i for i, c in enumerate(cats)}
    entries = (hits.groupby(["category", "entry", "matched"], sort=False)
               .agg(count=("position", "size"), n_statements=("statement_id", "nunique")).reset_index())
    entries = entries.assign(_c=entries["category"].map(order)).sort_values(
        ["_c", "count", "entry", "matched"], ascending=[True, False, True, True], kind="stable")
    entries = entries.drop(columns="_c").reset_index(drop=True).astype({"count": np.int64, "n_statements": np.int64})
    found = set(zip(hits["category"], hits["entry"]))
    book = codebook.table
    unmatched = book.loc[[(c, e) not in found for c, e in zip(book["category"], book["entry"])],
                         ["category", "entry"]].reset_index(drop=True)
    duplicates = codebook.duplicates()
    if len(unmatched):
        log.warning("themes: %d codebook entr%s matched nothing in the corpus: %s", len(unmatched),
                    "y" if len(unmatched) == 1 else "ies",
                    "; ".join(f"{c}: {e}" for c, e in unmatched.head(20).itertuples(index=False)))
    if len(duplicates):
        log.warning("themes: %d entr%s listed under several categories (counted in each): %s", len(duplicates),
                    "y" if len(duplicates) == 1 else "ies",
                    "; ".join(f"{e} ({c})" for e, c in duplicates.head(20).itertuples(index=False)))
    params = {"codebook": codebook.source, "match": match, "n_categories": len(cats),
              "n_entries": len(codebook.entries), "n_unmatched": len(unmatched)}
    return ThemeCounts(table=table, paragraphs=paragraphs, entries=entries, hits=hits, unmatched=unmatched,
                       duplicates=duplicates, codebook=codebook, params=params)


def as_topic_table(table: pd.DataFrame) -> pd.DataFrame:
    """A theme table in the topic tables' columns (``topic`` numbered in codebook order, ``label`` = the
    category, none ``unstable``), for the topic plots (:mod:`textanalytics.topics.plots`)."""
    cats = list(dict.fromkeys(table["category"]))
    return table.assign(topic=table["category"].map({c: i + 1 for i, c in enumerate(cats)}),
                        label=table["category"], unstable=False)


@dataclass(frozen=True, eq=False, repr=False)
class ThemeResult(TableResult):
    """Theme shares, differences or trends (:func:`theme_shares`, :func:`theme_differences`,
    :func:`theme_trends`): the topic result's ``table`` with ``category`` in place of
    ``topic``/``label``/``unstable``, and its ``params`` (plus ``kind``)."""

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("kind", "group_by")

    def summary(self) -> pd.DataFrame:
        """Shares (or differences) as a category × group grid; trends as they are."""
        t = self.table
        if self.params.get("kind") == "trends":
            return t
        column, value = ("group", "share") if "share" in t else ("group_a", "difference")
        t = t.assign(**{column: t[column].map(label_str)})
        return t.pivot(index="category", columns=column, values=value).reindex(
            index=list(dict.fromkeys(t["category"])), columns=list(dict.fromkeys(t[column])))

    def plot(self, *, kind: str = "heatmap", **kwargs: Any) -> "Figure":
        """Shares: a category × group heatmap (``"heatmap"``) or lines over ordered groups
        (``"lines"``); differences: the difference chart (topics' plots, categories as topics)."""
        from ..topics import plots  # deferred: matplotlib, on first plot

        t = as_topic_table(self.table)
        if "difference" in t:
            return plots.plot_differences(t, **kwargs)
        if kind == "lines":
            return plots.plot_shares_over_time(t, confidence=self.params.get("confidence", 0.95), **kwargs)
        return plots.plot_share_heatmap(t, **{"kind": "theme", **kwargs})


def _as_categories(result: Any, kind: str) -> ThemeResult:
    t = result.table.rename(columns={"label": "category"}).drop(columns=["topic", "unstable"])
    return ThemeResult(table=t.reset_index(drop=True), params={**result.params, "kind": kind})


def theme_shares(counts: ThemeCounts, *, corpus: Any, group_by: str, seed: int = 0,
                 config: TopicConfig | None = None) -> Any:
    """Each category's share of every group's words, with statement-level intervals.

    :func:`~textanalytics.topics.topic_shares` on :meth:`ThemeCounts.as_model`, as a
    :class:`ThemeResult` whose table has ``category`` for ``topic``/``label``: ``group_by,
    group, category, share, lower, upper, n_statements, n_units, n_tokens, note``.
    """
    model = counts.as_model(seed=seed, config=config)
    return _as_categories(topic_shares(model, corpus=corpus, group_by=group_by, seed=seed, config=config), "shares")


def theme_differences(counts: ThemeCounts, *, corpus: Any, group_by: str, seed: int = 0,
                      config: TopicConfig | None = None, **options: Any) -> Any:
    """Differences in category share between groups (:func:`~textanalytics.topics.topic_differences`
    on :meth:`ThemeCounts.as_model`; ``options`` are its ``pairs``, ``versus``, ``alpha``, ...)."""
    model = counts.as_model(seed=seed, config=config)
    return _as_categories(topic_differences(model, corpus=corpus, group_by=group_by, seed=seed, config=config,
                                            **options), "differences")


def theme_trends(counts: ThemeCounts, *, corpus: Any, group_by: str, seed: int = 0,
                 config: TopicConfig | None = None) -> Any:
    """Slope of each category's share over ordered groups (:func:`~textanalytics.topics.topic_trends`)."""
    model = counts.as_model(seed=seed, config=config)
    return _as_categories(topic_trends(model, corpus=corpus, group_by=group_by, seed=seed, config=config), "trends")
