"""What the report shows: its figures, sections, captions, method text and notes.

:func:`textanalytics.pipeline.run_analysis` computes tables; this module decides
how they are presented. :func:`figure_specs` picks the figures (lazily drawn
:class:`~textanalytics.report.figures.FigureSpec`), :func:`sections` the
narrative blocks that reference tables and figures by name; the renderers in
:mod:`textanalytics.report.build` turn both into Markdown and HTML. A notebook
can draw any report figure: ``figure_specs(res)["model_selection"].render()``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import __version__
from ..compare import plots as cplots
from ..corpus.plots import corpus_overview_figure
from ..grouping import label_str
from ..themes.analysis import as_topic_table
from ..topics import plots as tplots
from . import narrative, presentation
from .effects import effects_figures, effects_section, theme_effect_items
from .figures import FigureSpec

#: A section: ``{"heading": str, "blocks": [block, ...]}``; a block is a dict with ``kind`` one of
#: ``text`` (``text``), ``note`` (``text``), ``list`` (``items``), ``figure`` (``name``, ``caption``)
#: or ``table`` (``name``, ``caption``, optional ``columns``, ``open``, ``max_rows``, ``html_rows``).
Section = dict[str, Any]


def title(res: Any) -> str:
    """The report's title (``[report] title``)."""
    return res.config.report.title


def subtitle(res: Any) -> str:
    """One line under the title: corpus size, seed and package version."""
    st = res.corpus.statements
    return (f"{len(st)} statements, {int(st['n_words'].sum()):,} words; "
            f"seed {res.config.seed}; textanalytics {__version__}.")


def method_notes(res: Any) -> list[str]:
    """What a reader must know to read the topic intervals (empty when no topic model ran)."""
    if res.topic_run is None:
        return []
    notes = [share_estimand(res.topic_run.ensemble.reference),
             "Share and difference intervals resample statements within groups, paragraphs within "
             "statements and seed refits. Differences are tested by permuting statements between the "
             "two sides, with Benjamini–Hochberg over every comparison of a grouping (configured pairs "
             "and each group against the rest); a difference is reported only when that adjusted test "
             "and the false-coverage-rate interval (Benjamini & Yekutieli 2005) agree. A group with "
             "fewer than 2 statements gets its estimate only: no interval, no test. Trends over time "
             "are weighted least-squares slopes of statement shares, tested by permuting the "
             "statements' dates; each period sits at its statements' mean date when the corpus has "
             "dates (else where its label starts), and a change is given between the periods that "
             "hold the data."]
    dtm = res.dtm
    if dtm is None:  # the topic-model matrix stayed on Spark: its modelled units
        units, unit = res.topic_run.ensemble.reference.units, res.config.preprocess.unit
    else:
        units, unit = dtm.units, dtm.unit
    units_per_statement = len(units) / max(1, units["statement_id"].nunique())
    if unit == "statement" or units_per_statement < 1.5:
        notes.append("Statements have about one modelling unit each: intervals rest on "
                     "statement resampling and seed refits only.")
    return notes


#: How the report's topic labels are made, per ``[topics] label_by``.
LABEL_TEXT = {
    "frex": "Labels are each topic's three terms of highest FREX (frequent in the topic and exclusive to it, "
            "stm's labelTopics); the most probable terms are listed beside them.",
    "relevance": "Labels are each topic's three most relevant terms (LDAvis, λ as configured).",
    "weight": "Labels are each topic's three most probable terms.",
    "lift": "Labels are each topic's three terms of highest lift.",
    "score": "Labels are each topic's three terms of highest score (stm's calcscore).",
}


def share_estimand(model: Any) -> str:
    """What a topic share is, with how many kept tokens the model was not fitted on."""
    kept = float(model.kept_tokens.sum())
    pruned = kept - float(model.units["n_terms"].sum())
    extra = (f"; {pruned / kept:.1%} of them belong to terms pruned from the model's vocabulary and are "
             "assigned to topics by the fitted model (topics held fixed)" if pruned > 0 else "")
    return ("A topic's share is the share of a group's kept tokens (words after stopwords, lemmas and "
            f"phrases) that the model assigns to it, every kept token counted{extra}.")


def figure_specs(res: Any) -> dict[str, FigureSpec]:
    """Every figure of the report, by name, in report order; nothing is drawn until ``render()``."""
    cfg, tables, alpha = res.config, res.tables, res.config.compare.alpha
    overview = presentation.overview_axes(res.corpus.statements, group_by=cfg.compare.group_by)
    figs: dict[str, FigureSpec] = {"corpus_overview": FigureSpec(corpus_overview_figure, {"corpus": res.corpus, **overview})}
    kt = tables.get("keyness")
    for col in res.groupings:
        sub = tables["distinctive_terms"]
        figs[f"distinctive_terms_{col}"] = FigureSpec(cplots.plot_distinctive_terms,
                                                      {"table": sub[sub["group_by"] == col]})
        figs[f"keyness_{col}"] = FigureSpec(cplots.plot_keyness_grid, {
            "table": kt[(kt["group_by"] == col) & (kt["reference"] == "rest")], "alpha": alpha})
    for col, a, b in cfg.compare.pairs:
        pair = kt[(kt["group_by"] == col) & (kt["target"] == str(a)) & (kt["reference"] == str(b))]
        figs[f"keyness_{col}_{a}_vs_{b}"] = FigureSpec(cplots.plot_keyness, {"table": pair, "alpha": alpha})
    if res.similarity is not None:
        figs["similarity"] = FigureSpec(cplots.plot_similarity, {
            "table": res.similarity.matrix, "labels": res.similarity.labels(), "method": cfg.compare.linkage})
    run = res.topic_run
    if run is None:
        figs.update(theme_figures(res))
        return figs
    if run.selection is not None:
        figs["model_selection"] = FigureSpec(tplots.plot_model_selection, {
            "table": run.selection.table, "chosen_k": run.selection.chosen_k,
            "threshold": cfg.topics.stability_threshold})
    figs["topic_terms"] = FigureSpec(tplots.plot_top_terms, {"table": run.topics, "labels": run.labels})
    ts, td = tables["topic_shares"], tables["topic_differences"]
    trends = tables.get("topic_trends")
    for col in (trends["group_by"].drop_duplicates() if trends is not None else ()):
        figs[f"topic_shares_{col}"] = FigureSpec(tplots.plot_shares_over_time, {
            "table": ts[ts["group_by"] == col], "confidence": cfg.topics.confidence})
    for col in res.groupings:
        figs[f"topic_heatmap_{col}"] = FigureSpec(tplots.plot_share_heatmap, {"table": ts[ts["group_by"] == col]})
    if len(td):
        first = td.iloc[0]  # the first configured pair when there is one (pairs lead each grouping's family)
        for col, a, b in cfg.compare.pairs:
            match = td[(td["group_by"] == col) & (td["group_a"].map(label_str) == a)
                       & (td["group_b"].map(label_str) == b)]
            if len(match):
                first = match.iloc[0]
                break
        sub = td[(td["group_by"] == first["group_by"]) & (td["group_a"] == first["group_a"])
                 & (td["group_b"] == first["group_b"])]
        figs["topic_differences"] = FigureSpec(tplots.plot_differences, {
            "table": sub, "alpha": alpha, "confidence": cfg.topics.confidence})
    figs.update(effects_figures(res))
    figs.update(theme_figures(res))
    return figs


def sections(res: Any, *, figures: dict[str, Any]) -> list[Section]:
    """The report's sections; blocks naming a figure not in ``figures`` or a table not in ``res.tables`` are dropped.

    (A skipped step leaves no figure or table behind; its reason is stated under Caveats.)
    """
    cfg, alpha, groupings = res.config, res.config.compare.alpha, res.groupings
    st = res.corpus.statements
    S: list[Section] = []
    blocks: list[dict[str, Any]] = [{"kind": "text", "text": t} for t in narrative.corpus_paragraphs(
        st, n_paragraphs=len(res.corpus.paragraphs), source=Path(cfg.corpus.path).name)]
    overview = presentation.overview_axes(st, group_by=cfg.compare.group_by)
    blocks.append({"kind": "figure", "name": "corpus_overview", "caption": f"Statements and words per {overview['x']}"
                   + (f" and {overview['colour']}." if overview["colour"] else ".")})
    cols = [c for c in ["statement_id", "date", "year", "speaker", "organisation", "genre", "n_words"] if c in st]
    blocks.append({"kind": "table", "name": "statements", "caption": "Statements", "columns": cols, "open": True,
                   "sort_numeric": "statement_id"})
    if len(res.tables["problems"]):
        blocks.append({"kind": "table", "name": "problems", "open": True,
                       "caption": "Records skipped, repaired or noted at load time"})
    passages = res.tables.get("repeated_passages")
    if passages is not None and len(passages):
        blocks.append({"kind": "text", "text": narrative.passage_paragraph(passages, n_statements=len(st))})
        blocks.append({"kind": "table", "name": "repeated_passages", "open": True,
                       "caption": "Passages repeated across statements",
                       "columns": ["passage", "n_words", "n_statements", "groups"]})
    S.append({"heading": "Corpus", "blocks": blocks})

    blocks = [{"kind": "text", "text": (
        "Keyness compares each group with the rest of the corpus, and the configured pairs head to head. "
        "Terms are ranked by Fightin' Words z-scores (Monroe, Colaresi & Quinn 2008: log-odds with an "
        "informative Dirichlet prior); G² and the log ratio (Hardie 2014) are given as effect sizes. Whether "
        "a term is key is decided by a test that treats statements, not tokens, as the sampled units (a "
        "robust score test with statement residuals, or a permutation of statements when a term is rare "
        "or the groups are small), Benjamini–Hochberg adjusted over every comparison of a grouping; with "
        "more than two groups an omnibus test must pass first. A key term is also used in at least "
        f"{cfg.compare.min_dispersion_share:.0%} of the statements of its side (and in at least 2), so one "
        "speech cannot make a group's vocabulary. Token-level G² p-values stay in the table as "
        "p_value_tokens.")}]
    blocks.append({"kind": "list", "items": narrative.keyness_items(res.tables.get("keyness"), alpha=alpha,
                                                                     pairs=cfg.compare.pairs)})
    for col in groupings:
        blocks.append({"kind": "figure", "name": f"keyness_{col}", "caption": f"Keyness by {col}: each group vs the rest."})
        blocks.append({"kind": "figure", "name": f"distinctive_terms_{col}", "caption": f"Distinctive terms (TF-IDF) by {col}."})
    blocks.append({"kind": "figure", "name": "similarity",
                   "caption": "Cosine similarity of statements' TF-IDF vectors, with average-linkage dendrogram."})
    blocks.append({"kind": "table", "name": "lexical_stats", "caption": "Lexical statistics per statement"})
    S.append({"heading": "Vocabulary contrasts", "blocks": blocks})

    run = res.topic_run
    if run is not None:
        model = "NMF (scikit-learn)" if cfg.topics.engine == "nmf" else f"{cfg.topics.engine} LDA"
        reason = run.k_reason if run.k_reason.endswith(".") else f"{run.k_reason}."
        info = run.ensemble.reference.params.get("engine_info", {})
        fitted_on = f"{cfg.preprocess.unit}s"
        if "sample_units" in info:  # [spark] topic_sample
            fitted_on = (f"a sample of {info['sample_units']:,} of the {info['units']:,} {cfg.preprocess.unit}s (drawn "
                         f"from seed {info['sample_seed']}; every {cfg.preprocess.unit}'s topic proportions folded in "
                         "with the fitted topics held fixed)")
        blocks = [{"kind": "text", "text": f"Topic model: {model} on {fitted_on}. {reason} "
                   f"{LABEL_TEXT.get(cfg.topics.label_by, '')}"}]
        blocks.append({"kind": "figure", "name": "model_selection", "caption": (
            "Choosing K: coherence against exclusivity per K, held-out likelihood (document completion) and "
            "stability over subsamples against random topics.")})
        blocks.append({"kind": "list", "items": narrative.topic_items(run.labels)})
        blocks.append({"kind": "figure", "name": "topic_terms", "caption": "Top terms per topic (by relevance)."})
        blocks.append({"kind": "table", "name": "topic_labels", "caption": "Topic labels, shares and stability", "open": True})
        blocks.append({"kind": "table", "name": "representative_passages", "excerpt": presentation.EXCERPT_CHARS,
                       "columns": presentation.passage_columns(run.passages, groupings=groupings),
                       "caption": "Most representative paragraphs per topic (excerpts; full text in the CSV)"})
        blocks.append({"kind": "table", "name": "ubiquitous_terms", "caption": (
            f"Terms left out of the topic model: in more than {cfg.vocabulary.ubiquitous_share:g} of the "
            f"{cfg.preprocess.unit}s of {f'every {groupings[0]} group' if groupings else 'the corpus'} "
            "([vocabulary] ubiquitous_share)")})
        S.append({"heading": "Topics", "blocks": blocks})

        td = res.tables.get("topic_differences")
        trends = res.tables.get("topic_trends")
        if trends is not None and len(trends):
            blocks = []
            for col in trends["group_by"].drop_duplicates():
                blocks.append({"kind": "figure", "name": f"topic_shares_{col}",
                               "caption": f"Topic shares by {col} with intervals."})
            blocks.append({"kind": "list", "items": narrative.trend_items(trends, alpha=alpha)})
            blocks.append({"kind": "table", "name": "topic_trends", "caption": "Trends of topic shares over time"})
            S.append({"heading": "Changes over time", "blocks": blocks})

        blocks = []
        for col in groupings:
            blocks.append({"kind": "figure", "name": f"topic_heatmap_{col}", "caption": f"Topic shares by {col}."})
            sub = td[td["group_by"] == col] if td is not None and len(td) else None
            blocks.append({"kind": "list", "items": narrative.difference_items(sub, alpha=alpha, pairs=cfg.compare.pairs)
                           or [f"No {col} comparison available."]})
        blocks.append({"kind": "figure", "name": "topic_differences", "caption": "Differences in topic share between two groups."})
        blocks.append({"kind": "table", "name": "topic_shares", "caption": "Topic shares by group"})
        blocks.append({"kind": "table", "name": "topic_differences", "caption": "Differences between groups"})
        S.append({"heading": "Differences between speakers and groups", "blocks": blocks})

    effects = effects_section(res, alpha=alpha)
    if effects is not None:
        S.append(effects)

    S.extend(theme_sections(res))
    cav = narrative.caveats(statements=st, group_by=tuple(cfg.compare.group_by),
                            labels=run.labels if run is not None else None,
                            skipped=res.skipped, unit=cfg.preprocess.unit)
    cav = cav + method_notes(res)
    S.append({"heading": "Caveats", "blocks": [{"kind": "note", "text": c} for c in cav]})
    for section in S:
        section["blocks"] = [b for b in section["blocks"]
                             if not (b["kind"] == "figure" and b["name"] not in figures)
                             and not (b["kind"] == "table" and b["name"] not in res.tables)]
    return S


def theme_figures(res: Any) -> dict[str, FigureSpec]:
    """Heatmaps of the codebook's theme shares per grouping (``[themes] codebook``; none without one)."""
    ts = res.tables.get("theme_shares")
    if ts is None or not len(ts):
        return {}
    as_topics = as_topic_table(ts)  # the topic heatmap draws categories as topics
    return {f"theme_heatmap_{col}": FigureSpec(tplots.plot_share_heatmap,
                                                {"table": as_topics[as_topics["group_by"] == col], "kind": "theme"})
            for col in ts["group_by"].drop_duplicates()}


def theme_sections(res: Any) -> list[Section]:
    """The "Themes" section: the codebook's categories by group, what the sample supports, the
    codebook, its hits and keywords in context, and the seeded topics (empty without a codebook)."""
    t, cfg = res.tables, res.config
    if "theme_counts" not in t:
        return []
    n_entries = len(t["theme_codebook"])
    blocks: list[dict[str, Any]] = [{"kind": "text", "text": (
        f"Themes from the codebook {Path(cfg.themes.codebook).name} ({t['theme_codebook']['category'].nunique()} "
        f"categories, {n_entries} entries) matched on {cfg.themes.match}s, aliases and phrases included. A "
        "theme's share is the share of a group's words that match one of its entries; intervals and tests "
        "are those of topic shares (statements resampled within groups, permutation of statements).")}]
    blocks.append({"kind": "list", "items": narrative.theme_items(
        t.get("theme_shares"), t.get("theme_differences"), t.get("theme_trends"), alpha=cfg.compare.alpha)})
    for col in res.groupings:
        blocks.append({"kind": "figure", "name": f"theme_heatmap_{col}", "caption": f"Theme shares by {col}."})
    blocks.append({"kind": "table", "name": "theme_shares", "caption": "Theme shares by group"})
    blocks.append({"kind": "table", "name": "theme_differences", "caption": "Theme differences: each group vs the rest"})
    blocks.append({"kind": "table", "name": "theme_trends", "caption": "Trends of theme shares over time"})
    if "theme_effects" in t:
        blocks.append({"kind": "list", "items": theme_effect_items(t["theme_effects"], res.corpus.statements,
                                                                   alpha=cfg.compare.alpha)})
        blocks.append({"kind": "table", "name": "theme_effects",
                       "caption": "Covariate effects on theme rates (log rate ratios, quasi-Poisson with a length offset)"})
    blocks.append({"kind": "table", "name": "theme_counts", "caption": "Theme counts per statement"})
    blocks.append({"kind": "table", "name": "theme_codebook", "caption": "The codebook: entries and their notes"})
    blocks.append({"kind": "table", "name": "theme_entries", "caption": "Hits of every entry, by matched form"})
    if len(t.get("theme_unmatched", ())):
        blocks.append({"kind": "table", "name": "theme_unmatched", "open": True,
                       "caption": "Codebook entries that matched nothing in the corpus"})
    blocks.append({"kind": "table", "name": "theme_kwic",
                   "caption": "Keywords in context: every form each theme matched (validate the codebook here)"})
    if "seeded_topic_drift" in t:
        drift = t["seeded_topic_drift"]
        weak = drift[drift["stability"] < cfg.topics.stability_threshold]["category"].tolist()
        blocks.append({"kind": "text", "text": (
            f"Keyword-assisted topics: one topic seeded by each category's entries (seededlda's weight "
            f"{cfg.themes.seed_weight:g}, {cfg.themes.seed_chains} chains averaged per fit) plus {cfg.themes.free_topics} free topics; seeded topics keep their "
            "category names across seeds. The drift table lists each seeded topic's top terms that were not "
            "seeds and the seeds' share of its mass. "
            + (f"Unstable across seeds (stability below {cfg.topics.stability_threshold:g}): "
               f"{', '.join(weak)}; do not build claims on them." if weak else ""))})
        blocks.append({"kind": "table", "name": "seeded_topic_drift", "open": True,
                       "caption": "Seeded topics: how far each moved from its seed words"})
        blocks.append({"kind": "table", "name": "seeded_topic_labels", "caption": "Seeded and free topics"})
        blocks.append({"kind": "table", "name": "seeded_topic_shares", "caption": "Seeded topic shares by group"})
    return [{"heading": "Themes", "blocks": blocks}]
