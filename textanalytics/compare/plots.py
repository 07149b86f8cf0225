"""Plots of comparison results. Each takes a result's table and options, returns a Figure, never writes a file.

The first argument is always ``table``: the tidy table of a result
(``KeynessResult.table``, ``DistinctiveTerms.table``, ``LexicalStats.table``,
``SimilarityResult.matrix`` or ``.pairs``, ``Concordance.table``), or the same
table read back from a saved CSV. The result objects' ``.plot()`` call these
functions with their tables and parameters. Single-panel plots accept
``ax=None``; multi-panel plots accept ``fig=None`` (an empty
:class:`~matplotlib.figure.Figure` to draw into).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Literal

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from ..deprecation import renamed_keywords
from ..errors import InputError
from ..grouping import REST, factorize_labels, label_str
from ..plotting import MAX_FIGSIZE, PALETTE, SEQUENTIAL_CMAP, capped_size, declutter_ticks, facet_columns, new_axes
from .stats import cluster_similarity, similarity_arrays

__all__ = ["plot_distinctive_terms", "plot_keyness", "plot_keyness_grid", "plot_similarity",
           "plot_lexical_stats", "plot_kwic"]

_LIGHT = 0.35


@renamed_keywords(n="top_n")
def plot_distinctive_terms(table: pd.DataFrame, *, top_n: int = 10, ncols: int = 3,
                           groups: list[Any] | None = None, fig: Figure | None = None) -> Figure:
    """Small multiples: the top ``top_n`` TF-IDF terms of each group, one panel per group.

    ``table`` is a :func:`~textanalytics.compare.distinctive_terms` table;
    ``groups`` picks and orders panels (default: all, in table order). Bars
    show the TF-IDF weight, highest at the top; each panel's title gives the
    group and its number of statements.
    """
    need = {"group", "term", "score", "rank"}
    if not isinstance(table, pd.DataFrame) or not need <= set(table.columns):
        raise InputError(f"table: expected a distinctive_terms() table with columns {sorted(need)}")
    if table.empty:
        raise InputError("table: no terms to plot")
    order = list(dict.fromkeys(table["group"])) if groups is None else [label_str(g) for g in groups]
    missing = [g for g in order if g not in set(table["group"])]
    if missing:
        raise InputError(f"groups: {missing[0]!r} not in the table; groups are: {', '.join(dict.fromkeys(table['group']))}")
    ncols = facet_columns(len(order), preferred=ncols)
    nrows = math.ceil(len(order) / ncols)
    # Many groups: fewer terms per panel rather than a figure taller than MAX_FIGSIZE.
    top_n = min(top_n, max(3, int(((MAX_FIGSIZE[1] - 0.4) / nrows - 1.0) / 0.24)))
    if fig is None:
        fig = Figure(figsize=capped_size(3.6 * ncols, (0.24 * top_n + 1.0) * nrows + 0.4), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    group_by = str(table["group_by"].iloc[0]) if "group_by" in table.columns else "group"
    for k, (ax, group) in enumerate(zip(axes, order)):
        part = table[(table["group"] == group) & (table["rank"] <= top_n)].sort_values("rank")
        y = np.arange(len(part))[::-1]
        ax.barh(y, part["score"], color=PALETTE[k % len(PALETTE)], height=0.7)
        ax.set_yticks(y, [_short(t, 24) for t in part["term"]], fontsize=8)
        ax.set_ylim(-0.6, max(top_n, 1) - 0.4)
        size = f" ({int(part['total_statements'].iloc[0])} st.)" if "total_statements" in part and len(part) else ""
        ax.set_title(_wrap(f"{group}{size}", 30), fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.spines[["top", "right"]].set_visible(False)
        if k >= len(order) - ncols:
            ax.set_xlabel("TF-IDF weight", fontsize=8)
    for ax in axes[len(order):]:
        ax.set_visible(False)
    fig.suptitle(f"Distinctive terms by {group_by} (TF-IDF, top {top_n})", fontsize=11)
    return declutter_ticks(fig)


@renamed_keywords(n="top_n")
def plot_keyness(table: pd.DataFrame, *, target: Any = None, reference: Any = None,
                 group_by: str | None = None, measure: Literal["log_ratio", "g2"] = "log_ratio",
                 top_n: int = 15, alpha: float = 0.05, ax: Any = None) -> Figure:
    """Diverging bars for one comparison: the ``top_n`` strongest terms on each side.

    ``table`` is a :class:`KeynessResult`'s (possibly saved) ``table``, possibly
    several comparisons or groupings concatenated. Terms are chosen by G² (the
    evidence) among those typical of the target (bars to the right) and of the
    reference (to the left); bar length is the log ratio (effect size, default)
    or the signed G². Solid bars are significant (BH-adjusted p < ``alpha``;
    ``KeynessResult.plot()`` passes the result's alpha); hatched, pale bars are not.
    ``group_by``/``target``/``reference`` pick the comparison; by default the
    first one (``reference`` defaults to the target's first comparison,
    usually "rest"). A comparison with a group of fewer than 2 statements says
    so under the title.
    """
    if measure not in ("log_ratio", "g2"):
        raise InputError(f"measure: expected 'log_ratio' or 'g2', got {measure!r}")
    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table: expected a keyness table (DataFrame), got {type(table).__name__}; "
                         "pass result.table or call result.plot()")
    missing = {"group_by", "target", "reference", "term", "g2", "log_ratio", "direction",
               "p_adjusted"} - set(table.columns)
    if missing:
        raise InputError(f"table: not a keyness table; missing columns {', '.join(sorted(missing))}")
    keys = ["group_by", "target", "reference"]
    extra = [c for c in ("total_statements_target", "total_statements_reference", "small_group", "warning")
             if c in table.columns]
    comps = table[keys + extra].drop_duplicates(keys).reset_index(drop=True)
    sel = comps
    if group_by is not None:
        sel = sel[sel["group_by"] == group_by]
    if target is not None:
        sel = sel[sel["target"] == label_str(target)]
    if reference is not None:
        sel = sel[sel["reference"] == label_str(reference)]
    if sel.empty:
        pairs = "; ".join(f"{a} vs {b}" for a, b in zip(comps["target"], comps["reference"])) or "nothing"
        raise InputError(f"comparison {label_str(target) if target is not None else 'any'!r} vs "
                         f"{label_str(reference) if reference is not None else 'any'!r} not in this result; "
                         f"it holds: {pairs}")
    row = sel.iloc[0]
    t, r, gb = row["target"], row["reference"], row["group_by"]
    rows = table[(table["group_by"] == gb) & (table["target"] == t) & (table["reference"] == r)]
    up = rows[rows["direction"] == "target"].sort_values(["g2", "term"], ascending=[False, True]).head(top_n)
    down = rows[rows["direction"] == "reference"].sort_values(["g2", "term"], ascending=[True, True]).head(top_n)
    data = pd.concat([up, down.iloc[::-1]])
    nbars = len(data)
    own = ax is None
    fig, ax = new_axes(ax, figsize=capped_size(7.5, max(3.0, 0.26 * nbars + 1.8)))
    if nbars == 0:
        ax.text(0.5, 0.5, "no terms", ha="center", va="center", transform=ax.transAxes)
    values = data[measure].to_numpy(dtype=float)
    y = np.arange(nbars)[::-1]
    sig = (data["p_adjusted"] < alpha).to_numpy()
    colors = np.where(data["direction"].to_numpy() == "target", PALETTE[0], PALETTE[1])
    for yi, v, c, s in zip(y, values, colors, sig):
        ax.barh(yi, v, color=c, alpha=1.0 if s else _LIGHT, hatch=None if s else "///",
                edgecolor=c, linewidth=0.6, height=0.72)
    ax.set_yticks(y, [_short(x, 28) for x in data["term"]], fontsize=8)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_ylim(-0.7, max(nbars, 1) - 0.3)
    label = "Log ratio (log2 of the ratio of relative frequencies)" if measure == "log_ratio" \
        else "Signed log-likelihood G²"
    ax.set_xlabel(label, fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    ref_label = "rest" if r == REST else r
    ax.legend(handles=[Patch(color=PALETTE[0], label=f"typical of {_short(t, 25)}"),
                       Patch(color=PALETTE[1], label=f"typical of {_short(ref_label, 25)}"),
                       Patch(facecolor="white", edgecolor="#666666", hatch="///",
                             label=f"not significant (BH p ≥ {alpha:g})")],
              fontsize=7, loc="lower right", frameon=False)
    title = f"Keyness by {gb}: {_short(t, 30)} vs {_short(ref_label, 30)}"
    lines = [title]
    if "total_statements_target" in row:
        lines.append(f"{int(row['total_statements_target'])} vs {int(row['total_statements_reference'])} "
                     f"statements; top {top_n} terms per side by G²")
    small = bool(row.get("small_group", False))
    if small:
        lines += textwrap.wrap("Caution: " + str(row.get("warning", "a side holds fewer than 2 statements")), 90)
    ax.set_title("\n".join(lines), fontsize=9, loc="left", color="#A04000" if small else "black")
    return declutter_ticks(fig) if own else fig


@renamed_keywords(n="top_n")
def plot_keyness_grid(table: pd.DataFrame, *, group_by: str | None = None, top_n: int = 8,
                      measure: Literal["log_ratio", "g2"] = "log_ratio", alpha: float = 0.05,
                      ncols: int = 2, fig: Figure | None = None) -> Figure:
    """Every comparison of one grouping (e.g. each year vs the rest) as small multiples.

    One :func:`plot_keyness` panel per ``(target, reference)`` comparison of
    ``group_by`` (default: the table's first grouping), ``top_n`` terms per side.
    """
    if not isinstance(table, pd.DataFrame) or not {"group_by", "target", "reference"} <= set(table.columns):
        raise InputError("table: expected a keyness table with group_by, target and reference columns")
    if table.empty:
        fig, ax = new_axes(None)
        ax.text(0.5, 0.5, "no comparisons", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    gb = group_by if group_by is not None else table["group_by"].iloc[0]
    sub = table[table["group_by"] == gb]
    comps = sub[["target", "reference"]].drop_duplicates().to_numpy().tolist()
    ncols = facet_columns(len(comps), preferred=ncols, max_columns=5)
    nrows = int(np.ceil(len(comps) / ncols))
    # Many comparisons (31 years, 40 speakers): fewer terms per side, so the grid stays within MAX_FIGSIZE.
    top_n = max(3, min(top_n, int((MAX_FIGSIZE[1] / nrows - 2.0) / 0.52)))
    height = max(3.0, 0.26 * 2 * top_n + 2.0)
    if fig is None:
        fig = Figure(figsize=capped_size(min(7.2, MAX_FIGSIZE[0] / ncols) * ncols, height * nrows),
                     layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax, (t, r) in zip(axes, comps):
        plot_keyness(sub, group_by=gb, target=t, reference=r, top_n=top_n, measure=measure, alpha=alpha, ax=ax)
    for ax in axes[len(comps):]:
        ax.set_axis_off()
    return declutter_ticks(fig)


def plot_similarity(table: pd.DataFrame, *, labels: list[str] | None = None, method: str = "average",
                    annotate: bool | None = None, fig: Figure | None = None) -> Figure:
    """Heatmap of cosine similarities in dendrogram order, the dendrogram on top.

    ``table`` is a :class:`SimilarityResult`'s square ``matrix`` or tidy
    ``pairs`` table (or either read back from a CSV), clustered with
    ``method`` linkage on ``1 - cosine``. ``labels`` (one per id, in sorted id
    order) default to the ids; ``SimilarityResult.plot()`` passes the id plus
    speaker and year. Cells are annotated with their value when there are at
    most 12 statements (``annotate`` forces it).
    """
    # scipy.cluster is imported on use: it is slow to import and only this plot needs it.
    from scipy.cluster.hierarchy import dendrogram

    if not isinstance(table, pd.DataFrame):
        raise InputError(f"table: expected a similarity matrix or pairs table (DataFrame), got "
                         f"{type(table).__name__}; pass result.matrix or call result.plot()")
    ids, sim, unit = similarity_arrays(table)
    z, leaves = cluster_similarity(sim, method=method)
    n = len(ids)
    names = labels if labels is not None else ids
    if len(names) != n:
        raise InputError(f"labels: expected {n} labels, got {len(names)}")
    mat = sim[np.ix_(leaves, leaves)]
    # Labels stay readable up to ~40 statements; beyond that the heatmap keeps a
    # fixed size and drops tick labels (a 3,000-label axis is neither readable
    # nor affordable to render).
    show_labels = n <= 40
    side = min(max(5.0, 0.42 * n + 3.0), 20.0) if show_labels else 9.0
    if fig is None:
        fig = Figure(figsize=(side + 1.0, side + 1.2), layout="constrained")
    gs = fig.add_gridspec(2, 2, height_ratios=[1, 4], width_ratios=[30, 1])
    ax_h = fig.add_subplot(gs[1, 0])
    ax_d = fig.add_subplot(gs[0, 0], sharex=ax_h)
    ax_c = fig.add_subplot(gs[1, 1])
    dendrogram(z, ax=ax_d, no_labels=True, link_color_func=lambda _: "#555555",
               truncate_mode=None if n <= 500 else "lastp", p=min(n, 500))
    ax_d.set_axis_off()
    im = ax_h.imshow(mat, cmap=SEQUENTIAL_CMAP, vmin=0.0, vmax=1.0, aspect="auto",
                     extent=(0, 10 * n, 10 * n, 0), interpolation="nearest")
    ticks = 5 + 10 * np.arange(n)
    short = [_short(names[i], 45) for i in leaves]
    if show_labels:
        ax_h.set_xticks(ticks, short, rotation=90, fontsize=7)
        ax_h.set_yticks(ticks, short, fontsize=7)
    else:
        ax_h.set_xticks([])
        ax_h.set_yticks([])
        ax_h.set_xlabel(f"{n} {unit}s in dendrogram order (labels omitted)")
    if annotate if annotate is not None else n <= 12:
        for a in range(n):
            for b in range(n):
                v = mat[a, b]
                ax_h.text(ticks[b], ticks[a], f"{v:.2f}", ha="center", va="center", fontsize=6,
                          color="black" if v > 0.6 else "white")
    fig.colorbar(im, cax=ax_c, label="cosine similarity (TF-IDF)")
    ax_d.set_title(f"Similarity of {unit}s: TF-IDF cosine, {method}-linkage dendrogram", fontsize=10)
    return declutter_ticks(fig)


#: What :func:`plot_lexical_stats` can draw, with its axis label.
LEXICAL_MEASURES = {
    "mattr": "MATTR (moving-average type-token ratio)",
    "ttr": "type-token ratio",
    "mean_sentence_length": "mean sentence length (tokens)",
    "n_tokens": "tokens",
    "n_types": "distinct words (types)",
}


def plot_lexical_stats(table: pd.DataFrame, *, measure: str = "mattr", ax: Any = None) -> Figure:
    """One bar per statement (or group) of a :func:`~textanalytics.compare.lexical_stats` table.

    ``measure`` is one of :data:`LEXICAL_MEASURES`. Rows keep the table's order
    (statements by id, groups sorted). For ``mattr``, hatched pale bars mark
    statements shorter than the window, whose MATTR is their plain TTR.
    """
    if measure not in LEXICAL_MEASURES:
        raise InputError(f"measure: expected one of {', '.join(LEXICAL_MEASURES)}, got {measure!r}")
    if not isinstance(table, pd.DataFrame) or measure not in table.columns:
        raise InputError(f"table: expected a lexical_stats() table with a {measure!r} column")
    if table.empty:
        raise InputError("table: no statements to plot")
    by_group = "group" in table.columns
    names = table["group"] if by_group else table["statement_id"]
    fallback = (table["mattr_is_ttr"].to_numpy(dtype=bool) if measure == "mattr" and "mattr_is_ttr" in table
                else np.zeros(len(table), dtype=bool))
    fig, ax = new_axes(ax, figsize=(7.0, max(2.5, 0.26 * len(table) + 1.4)))
    y = np.arange(len(table))[::-1]
    values = table[measure].to_numpy(dtype=float)
    for yi, v, short_text in zip(y, values, fallback):
        ax.barh(yi, v, color=PALETTE[0], alpha=_LIGHT if short_text else 1.0, hatch="///" if short_text else None,
                edgecolor=PALETTE[0], linewidth=0.6, height=0.72)
    ax.set_yticks(y, [_short(x, 32) for x in names], fontsize=8)
    ax.set_ylim(-0.7, len(table) - 0.3)
    ax.set_xlabel(LEXICAL_MEASURES[measure], fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    what = f"group ({table['group_by'].iloc[0]})" if by_group and "group_by" in table else "statement"
    note = "; hatched = shorter than the window (TTR)" if fallback.any() else ""
    ax.set_title(f"{LEXICAL_MEASURES[measure].capitalize()} per {what}{note}", fontsize=9, loc="left")
    return fig


def plot_kwic(table: pd.DataFrame, *, group_by: str = "statement_id", query: str | None = None,
              ax: Any = None) -> Figure:
    """Occurrences of a query per statement (or per value of a metadata column) as bars.

    ``table`` is a :func:`~textanalytics.compare.kwic` table (``Concordance.table``);
    ``group_by`` is ``statement_id`` (default) or one of its metadata columns
    (``year``, ``speaker``, ...); rows without a value are left out. Groups are
    in sorted order (numbers numerically), only groups with occurrences shown.
    """
    if not isinstance(table, pd.DataFrame) or group_by not in table.columns:
        raise InputError(f"group_by: {group_by!r} is not a column of the kwic table; "
                         f"columns: {', '.join(map(str, getattr(table, 'columns', [])))}")
    codes, uniques = factorize_labels(table[group_by].to_numpy(dtype=object))
    counts = np.bincount(codes[codes >= 0], minlength=len(uniques))
    names = [label_str(u) for u in uniques]
    fig, ax = new_axes(ax, figsize=(7.0, max(2.5, 0.26 * len(names) + 1.4)))
    y = np.arange(len(names))[::-1]
    ax.barh(y, counts, color=PALETTE[0], height=0.72)
    ax.set_yticks(y, [_short(x, 32) for x in names], fontsize=8)
    ax.set_ylim(-0.7, max(len(names), 1) - 0.3)
    ax.set_xlabel("occurrences", fontsize=9)
    ax.spines[["top", "right"]].set_visible(False)
    what = f"{query!r}" if query else "the query"
    ax.set_title(f"Occurrences of {what} per {group_by.removesuffix('_id')} ({len(table)} in all)",
                 fontsize=9, loc="left")
    if not names:
        ax.text(0.5, 0.5, "no occurrences", ha="center", va="center", transform=ax.transAxes)
    return fig


def _wrap(text: str, width: int, lines: int = 2) -> str:
    """At most ``lines`` lines of ``width`` characters (the last one shortened with …)."""
    parts = textwrap.wrap(text, width) or [""]
    if len(parts) > lines:
        parts = parts[: lines - 1] + [_short(" ".join(parts[lines - 1:]), width)]
    return "\n".join(parts)


def _short(text: Any, width: int) -> str:
    s = str(text)
    return s if len(s) <= width else s[: width - 1] + "…"
