"""The themes stage of :func:`textanalytics.pipeline.run_analysis` (``[themes] codebook``).

Tables it adds to ``res.tables`` (nothing when no codebook is configured):
``theme_codebook`` (the entries and notes), ``theme_counts`` (statement ×
category: count, tokens, rate), ``theme_paragraph_counts``, ``theme_entries``
(each entry's hits by matched form), ``theme_unmatched`` (entries that matched
nothing), ``theme_shares`` / ``theme_differences`` / ``theme_trends`` (per
``[compare] group_by`` column, as the topic tables), ``theme_kwic`` (keywords
in context of every matched form), and with ``seeded_topics``:
``seeded_topic_labels``, ``seeded_topic_drift``, ``seeded_topic_shares``.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import StepSkipped
from ..compare.concordance import KWIC_COLUMNS, kwic_pieces, merge_kwic
from ..topics import time_positions, topic_labels, topic_shares
from .analysis import ThemeCounts, count_themes, theme_differences, theme_shares, theme_trends
from .codebook import read_codebook
from .seeded import fit_seeded_ensemble, seeded_drift

log = logging.getLogger(__name__)

__all__ = ["run_themes", "theme_kwic", "THEME_TABLES"]

#: Tables the stage may add, in report order.
THEME_TABLES = ("theme_codebook", "theme_counts", "theme_paragraph_counts", "theme_entries", "theme_unmatched",
                "theme_shares", "theme_differences", "theme_trends", "theme_kwic", "seeded_topic_labels",
                "seeded_topic_drift", "seeded_topic_shares")


def theme_kwic(pieces: Any, counts: ThemeCounts, *, window: int = 8, max_hits: int = 20) -> pd.DataFrame:
    """KWIC lines of every form each category matched: ``category, query`` then the KWIC columns.

    ``pieces``: ``(corpus piece, tokens)`` pairs as :func:`~textanalytics.compare.concordance.kwic_pieces`
    takes them (one pair for a corpus in memory). One-word forms are found as lemmas (or joined
    terms), longer ones as phrases in the text; ``max_hits`` lines per form.
    """
    queries = theme_queries(counts)
    lines = kwic_pieces(pieces, queries, window=window, max_hits=max_hits) if queries else None
    return theme_lines(lines, counts)


def theme_queries(counts: ThemeCounts) -> list[str]:
    """The forms the categories matched, once each, in entry order: the queries of :func:`theme_kwic`."""
    return list(dict.fromkeys(counts.entries["matched"]))


def theme_lines(lines: pd.DataFrame | None, counts: ThemeCounts) -> pd.DataFrame:
    """:func:`theme_kwic`'s table from KWIC ``lines`` of :func:`theme_queries` (None: no query)."""
    forms = counts.entries[["category", "matched"]].drop_duplicates()
    if lines is None:
        return pd.DataFrame(columns=["category", "query", *KWIC_COLUMNS])
    lines = lines[["query", *KWIC_COLUMNS]]
    out = forms.rename(columns={"matched": "query"}).merge(lines, on="query", how="inner")
    return out.reset_index(drop=True)


def run_themes(cfg: Any, res: Any) -> None:
    """Count the codebook's categories, compare them between groups and fit the seeded topics into ``res``."""
    tc = cfg.themes
    if not tc.codebook:
        return
    with res.clock.stage("themes"):
        codebook = read_codebook(tc.codebook)
        # On Spark each piece is matched on an executor (res.inputs.map_on_spark); only hits come back.
        counts = count_themes(res.tokens, codebook, match=tc.match,
                              map_pieces=res.inputs.map_on_spark if res.inputs is not None else None)
        t = res.tables
        t["theme_codebook"] = codebook.table
        t["theme_counts"] = counts.table
        t["theme_paragraph_counts"] = counts.paragraphs
        t["theme_entries"] = counts.entries
        t["theme_unmatched"] = counts.unmatched
        shares, diffs, trends = [], [], []
        for col in res.groupings:
            shares.append(theme_shares(counts, corpus=res.corpus, group_by=col, seed=cfg.seed,
                                       config=cfg.topics).table)
            diffs.append(theme_differences(counts, corpus=res.corpus, group_by=col, seed=cfg.seed,
                                           config=cfg.topics, versus="rest", alpha=cfg.compare.alpha).table)
            groups = shares[-1]["group"].drop_duplicates().tolist()
            if len(groups) >= 3 and time_positions(groups) is not None:
                trends.append(theme_trends(counts, corpus=res.corpus, group_by=col, seed=cfg.seed,
                                           config=cfg.topics).table)
        for name, parts in (("theme_shares", shares), ("theme_differences", diffs), ("theme_trends", trends)):
            if parts:
                t[name] = pd.concat(parts, ignore_index=True)
        if cfg.effects.formulas:  # the effects stage's formulas on category rates (effects/stage.py)
            from ..effects.stage import theme_effect_table  # deferred: scipy, statsmodels (effect regressions)
            wide, tokens = counts.matrix()
            table, skipped = theme_effect_table(wide, tokens=tokens, corpus=res.corpus, config=cfg.effects)
            if table is not None:
                t["theme_effects"] = table
            res.skipped.extend(skipped)
        # Lines found piece by piece where the pieces are (on Spark, the executors): res.inputs.shown.
        queries = theme_queries(counts)
        lines = None
        if queries:
            found, _ = res.inputs.shown(queries, window=cfg.report.kwic_window, max_hits=tc.kwic_max_hits,
                                        wanted=set())
            lines = merge_kwic(found, queries, max_hits=tc.kwic_max_hits)
        t["theme_kwic"] = theme_lines(lines, counts)
        if tc.seeded_topics:
            _seeded(cfg, res, codebook)


def _seeded(cfg: Any, res: Any, codebook: Any) -> None:
    tc = cfg.themes
    cache = str(Path(cfg.preprocess.cache_dir) / "topics") if cfg.preprocess.cache_dir else None  # the fits' cache
    try:
        ens = fit_seeded_ensemble(res.dtm, seed_words=codebook.seed_words(), seeds=res.model_seeds,
                                  free_topics=tc.free_topics, config=cfg.topics, weight=tc.seed_weight,
                                  chains=tc.seed_chains, chain_iterations=tc.seed_chain_iterations, cache_dir=cache)
    except StepSkipped as exc:
        res.skipped.append(f"seeded topics: {exc}")
        return
    t = res.tables
    t["seeded_topic_labels"] = topic_labels(ens, lambda_=cfg.topics.relevance_lambda, label_by=cfg.topics.label_by,
                                            frexweight=cfg.topics.frexweight, min_statements=cfg.topics.label_min_statements)
    t["seeded_topic_drift"] = seeded_drift(ens, top_n=cfg.topics.top_n)
    parts = [topic_shares(ens, corpus=res.corpus, group_by=col, seed=cfg.seed, config=cfg.topics).table
             for col in res.groupings]
    if parts:
        t["seeded_topic_shares"] = pd.concat(parts, ignore_index=True)
