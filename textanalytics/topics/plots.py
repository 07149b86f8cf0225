"""Plots of topic-model results. Each takes a result's table and options, returns a Figure, writes nothing.

The first argument is always ``table``: a tidy table of :func:`select_k`
(``ModelSelection.table``), :func:`describe_topics`, :func:`topic_shares` or
:func:`topic_differences` (``.table``), so a saved CSV can be plotted again
without the model; the result objects' ``.plot()`` call these functions with
their tables. Single-panel plots accept ``ax=None``; multi-panel plots accept
``fig=None`` (an empty :class:`~matplotlib.figure.Figure` to draw into).
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..deprecation import renamed_keywords
from ..errors import InputError
from ..grouping import label_str
from ..plotting import MAX_FIGSIZE, PALETTE, SEQUENTIAL_CMAP, capped_size, declutter_ticks, facet_columns, new_axes

__all__ = [
    "plot_model_selection",
    "plot_top_terms",
    "plot_shares_over_time",
    "plot_share_heatmap",
    "plot_differences",
]

_GREY = "#999999"


def _wrap(text: str, width: int, lines: int = 2) -> str:
    parts = textwrap.wrap(str(text), width) or [""]
    if len(parts) > lines:
        rest = " ".join(parts[lines - 1:])
        parts = parts[: lines - 1] + [rest if len(rest) <= width else rest[: width - 1] + "…"]
    return "\n".join(parts)


def _require(table: pd.DataFrame, columns: set[str], what: str) -> None:
    if not isinstance(table, pd.DataFrame) or not columns <= set(table.columns):
        raise InputError(f"table: expected a {what} table with columns {sorted(columns)}")
    if table.empty:
        raise InputError(f"table: the {what} table is empty; nothing to plot")


def _is_true(value: Any) -> bool:
    return not pd.isna(value) and bool(value)


def _topic_title(topic: int, label: Any, unstable: Any, width: int) -> str:
    flag = " (unstable)" if _is_true(unstable) else ""
    text = f"{topic}. {label}{flag}" if isinstance(label, str) and label else f"Topic {topic}{flag}"
    return _wrap(text, width)


# ---------------------------------------------------------------------------------------------
def plot_model_selection(table: pd.DataFrame, *, chosen_k: int | None = None,
                         threshold: float | None = None, fig: Figure | None = None) -> Figure:
    """Choosing K: coherence against exclusivity per K, held-out likelihood, stability above chance.

    ``table`` is a :class:`ModelSelection`'s ``table`` (one row per fit: ``k,
    c_npmi, exclusivity, heldout, stability, baseline``); ``chosen_k`` marks the
    choice (``ModelSelection.plot()`` passes it). Panels: (1) mean c_npmi
    against mean exclusivity, one point per K joined in order of K -- the plot
    stm users read to pick K, "towards the upper right"; (2) held-out log
    likelihood per token (document completion) with ± 1 standard error; (3)
    stability over subsamples against the agreement of random topics (95th
    percentile, dashed); ``threshold`` (the per-topic flag across seeds) is
    drawn dotted; (4) c_npmi and stm's semantic coherence by K. Dots are single fits.
    """
    _require(table, {"k", "c_npmi", "exclusivity", "heldout", "stability", "baseline"}, "select_k()")
    if fig is None:
        fig = Figure(figsize=(10.5, 7.4), layout="constrained")
    (ax_front, ax_held), (ax_stab, ax_coh) = fig.subplots(2, 2)
    means = table.groupby("k", sort=True).mean(numeric_only=True)
    ks = means.index.to_numpy()
    ticks = list(ks) if len(ks) <= 15 else list(ks[:: math.ceil(len(ks) / 15)])
    # (1) the coherence-exclusivity frontier
    ax_front.plot(means["exclusivity"], means["c_npmi"], color=_GREY, lw=1, zorder=1)
    ax_front.scatter(table["exclusivity"], table["c_npmi"], s=8, color=PALETTE[0], alpha=0.25, linewidths=0)
    ax_front.scatter(means["exclusivity"], means["c_npmi"], s=26, color=PALETTE[0], zorder=2)
    for k, row in means.iterrows():
        bold = chosen_k is not None and k == chosen_k
        ax_front.annotate(str(k), (row["exclusivity"], row["c_npmi"]), xytext=(4, 3), textcoords="offset points",
                          fontsize=9 if bold else 7, fontweight="bold" if bold else "normal")
    if chosen_k is not None and chosen_k in means.index:
        ax_front.scatter([means.at[chosen_k, "exclusivity"]], [means.at[chosen_k, "c_npmi"]], s=110,
                         facecolor="none", edgecolor="black", lw=1.2, zorder=3)
    ax_front.set_xlabel("exclusivity (stm, FREX of the top terms)")
    ax_front.set_ylabel("coherence (c_npmi)")
    ax_front.set_title("Coherence against exclusivity, one point per K", fontsize=10)
    # (2) held-out likelihood
    held = table.dropna(subset=["heldout"])
    if len(held):
        ax_held.scatter(held["k"], held["heldout"], s=12, color=PALETTE[1], alpha=0.4, linewidths=0)
        ax_held.plot(ks, means["heldout"], color=PALETTE[1], marker="o", lw=1.8)
        if "heldout_se" in table:
            se = held.groupby("k")["heldout_se"].mean().reindex(ks)
            ax_held.fill_between(ks, means["heldout"] - se, means["heldout"] + se, color=PALETTE[1], alpha=0.15, lw=0)
    else:
        ax_held.text(0.5, 0.5, "not a likelihood for this engine", ha="center", va="center",
                     transform=ax_held.transAxes, color=_GREY)
    ax_held.set_ylabel("log likelihood per held-out token")
    ax_held.set_title("Held-out likelihood (document completion)", fontsize=10)
    # (3) stability against chance
    ax_stab.scatter(table["k"], table["stability"], s=12, color=PALETTE[2], alpha=0.4, linewidths=0)
    ax_stab.plot(ks, means["stability"], color=PALETTE[2], marker="o", lw=1.8)
    ax_stab.plot(ks, means["baseline"], color=_GREY, lw=1.2, ls="--")
    ax_stab.fill_between(ks, means["baseline"], np.maximum(means["stability"], means["baseline"]),
                         color=PALETTE[2], alpha=0.12, lw=0)
    if threshold is not None:
        ax_stab.axhline(threshold, color=_GREY, lw=1, ls=":")
    ax_stab.set_ylim(0, 1.02)
    ax_stab.set_ylabel("agreement of top terms")
    ax_stab.set_title("Stability over subsamples vs random topics", fontsize=10)
    # (4) coherence by K
    ax_coh.scatter(table["k"], table["c_npmi"], s=12, color=PALETTE[3], alpha=0.4, linewidths=0)
    ax_coh.plot(ks, means["c_npmi"], color=PALETTE[3], marker="o", lw=1.8, label="c_npmi")
    ax_coh.set_ylabel("c_npmi")
    if "semantic_coherence" in means:
        twin = ax_coh.twinx()
        twin.plot(ks, means["semantic_coherence"], color=PALETTE[4], marker="s", ms=4, lw=1.2, ls="-.")
        twin.set_ylabel("semantic coherence (stm)", color=PALETTE[4])
        twin.spines[["top"]].set_visible(False)
    ax_coh.set_title("Coherence by K", fontsize=10)
    for ax in (ax_held, ax_stab, ax_coh):
        ax.set_xticks(ticks)
        ax.set_xlabel("number of topics K")
        if chosen_k is not None:
            ax.axvline(chosen_k, color="black", lw=1, ls=":")
    for ax in (ax_front, ax_held, ax_stab, ax_coh):
        ax.spines[["top", "right"]].set_visible(False)
    handles = [Line2D([], [], color="black", marker="o", lw=1.8, label="mean over the K's fits"),
               Line2D([], [], color="black", marker="o", lw=0, alpha=0.4, label="one fit"),
               Line2D([], [], color=_GREY, ls="--", lw=1.2, label="random topics (95th percentile)")]
    if "semantic_coherence" in means:
        handles.append(Line2D([], [], color=PALETTE[4], marker="s", ms=4, ls="-.", lw=1.2,
                              label="stm semantic coherence (right axis)"))
    if chosen_k is not None:
        handles.append(Line2D([], [], color="black", ls=":", lw=1, label=f"chosen K = {chosen_k}"))
    if threshold is not None:
        handles.append(Line2D([], [], color=_GREY, ls=":", lw=1, label=f"topic stability flag {threshold:g}"))
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=8, frameon=False)
    fig.suptitle("Choosing the number of topics", fontsize=11)
    return declutter_ticks(fig)


# ---------------------------------------------------------------------------------------------
@renamed_keywords(n="top_n")
def plot_top_terms(table: pd.DataFrame, *, top_n: int = 10, score: str = "weight", ncols: int = 4,
                   topics: Sequence[int] | None = None, labels: pd.DataFrame | None = None,
                   fig: Figure | None = None) -> Figure:
    """Small multiples: the top ``top_n`` terms of each topic as horizontal bars.

    ``table`` is a :func:`describe_topics` table (its ``rank`` order is kept,
    best at the top); ``score`` is the bar length (``weight`` = P(term|topic),
    ``relevance`` or ``frex``). ``labels`` (a :func:`topic_labels` table) adds
    each topic's label and share to its panel title; unstable topics are grey.
    """
    _require(table, {"topic", "rank", "term", score}, "describe_topics()")
    order = sorted(table["topic"].unique()) if topics is None else list(topics)
    unknown = [t for t in order if t not in set(table["topic"])]
    if unknown:
        raise InputError(f"topics: {unknown[0]!r} is not in the table")
    info = labels.set_index("topic") if labels is not None else None
    ncols = facet_columns(len(order), preferred=ncols, max_columns=8)
    nrows = math.ceil(len(order) / ncols)
    top_n = max(3, min(top_n, int(((MAX_FIGSIZE[1] - 0.5) / nrows - 1.1) / 0.22)))
    if fig is None:
        fig = Figure(figsize=capped_size(3.3 * ncols, (0.22 * top_n + 1.1) * nrows + 0.5), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    for i, (ax, topic) in enumerate(zip(axes, order)):
        part = table[(table["topic"] == topic) & (table["rank"] <= top_n)].sort_values("rank")
        unstable = part["unstable"].iloc[0] if "unstable" in part and len(part) else pd.NA
        label, share = None, None
        if info is not None and topic in info.index:
            label, share = info.at[topic, "label"], info.at[topic, "share"]
            unstable = info.at[topic, "unstable"] if "unstable" in info else unstable
        y = np.arange(len(part))[::-1]
        ax.barh(y, part[score], color=PALETTE[i % len(PALETTE)], height=0.7,
                alpha=0.45 if _is_true(unstable) else 1.0)
        ax.set_yticks(y, [_wrap(t, 22, 1) for t in part["term"]], fontsize=8)
        ax.set_ylim(-0.6, top_n - 0.4)
        title = _topic_title(topic, label, unstable, 30)
        if share is not None:
            title += f"\n{share:.0%} of words"
        ax.set_title(title, fontsize=9)
        ax.tick_params(axis="x", labelsize=7)
        ax.xaxis.set_major_locator(MaxNLocator(3))
        ax.spines[["top", "right"]].set_visible(False)
        if i >= len(order) - ncols:
            ax.set_xlabel({"weight": "P(term | topic)"}.get(score, score), fontsize=8)
    for ax in axes[len(order):]:
        ax.set_visible(False)
    ranked_by = "relevance" if "relevance" in table else score
    fig.suptitle(f"Top {top_n} terms per topic (ranked by {ranked_by}; pale bars = unstable across seeds)",
                 fontsize=11)
    return declutter_ticks(fig)


# ---------------------------------------------------------------------------------------------
def _numeric_groups(groups: pd.Series) -> tuple[np.ndarray, list[str]]:
    values = list(dict.fromkeys(groups))
    try:
        x = np.array([float(v) for v in values])
    except (TypeError, ValueError):
        x = np.arange(len(values), dtype=float)
    return x, [label_str(v) for v in values]


def plot_shares_over_time(table: pd.DataFrame, *, topics: Sequence[int] | None = None, ncols: int = 4,
                          confidence: float = 0.95, fig: Figure | None = None) -> Figure:
    """Topic shares across ordered groups (years, months) with their intervals, one panel per topic.

    ``table`` is a :func:`topic_shares` table grouped by an ordered column
    (numbers are placed on a numeric axis); ``confidence`` is the coverage of
    its intervals, for the title (``TopicShares.plot()`` passes its own). Points from a single statement are
    drawn hollow: their interval does not cover variation between statements.
    Panels share the y axis so shares are comparable across topics.
    """
    _require(table, {"group", "topic", "share", "lower", "upper", "n_statements"}, "topic_shares()")
    order = sorted(table["topic"].unique()) if topics is None else list(topics)
    group_by = str(table["group_by"].iloc[0]) if "group_by" in table else "group"
    n_groups = table["group"].nunique()
    # Long series (31 years, 40 months) get wider panels, so fewer per row.
    ncols = facet_columns(len(order), preferred=min(ncols, 4 if n_groups <= 12 else 3 if n_groups <= 24 else 2),
                          max_columns=4 if n_groups <= 12 else 3)
    nrows = math.ceil(len(order) / ncols)
    panel_width = 3.2 if n_groups <= 12 else min(0.16 * n_groups + 2.0, MAX_FIGSIZE[0] / ncols)
    if fig is None:
        fig = Figure(figsize=capped_size(panel_width * ncols, 2.5 * nrows + 0.8), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False, sharey=True)).ravel()
    x_all, names = _numeric_groups(table["group"])
    position = dict(zip(names, x_all))
    top = float(table.loc[table["topic"].isin(order), "upper"].max())
    for i, (ax, topic) in enumerate(zip(axes, order)):
        part = table[table["topic"] == topic]
        x = np.array([position[label_str(g)] for g in part["group"]])
        colour = PALETTE[i % len(PALETTE)]
        ax.fill_between(x, part["lower"], part["upper"], color=colour, alpha=0.18, lw=0)
        ax.plot(x, part["share"], color=colour, lw=1.5)
        single = part["n_statements"].to_numpy() == 1
        ax.scatter(x[~single], part["share"].to_numpy()[~single], color=colour, s=22, zorder=3)
        ax.scatter(x[single], part["share"].to_numpy()[single], facecolor="white", edgecolor=colour,
                   s=22, zorder=3)
        ax.vlines(x, part["lower"], part["upper"], color=colour, lw=1)
        label = part["label"].iloc[0] if "label" in part else None
        unstable = part["unstable"].iloc[0] if "unstable" in part else pd.NA
        ax.set_title(_topic_title(topic, label, unstable, 32), fontsize=9)
        ax.set_xticks(x_all, names, fontsize=8)
        ax.set_ylim(0, max(top * 1.05, 0.05))
        ax.yaxis.set_major_formatter(lambda v, _: f"{v:.0%}")
        ax.spines[["top", "right"]].set_visible(False)
        if i % ncols == 0:
            ax.set_ylabel("share of words")
    for ax in axes[len(order):]:
        ax.set_visible(False)
    fig.suptitle(f"Topic shares by {group_by} with {confidence:.0%} intervals "
                 f"(hollow = a single statement)", fontsize=11)
    return declutter_ticks(fig)


# ---------------------------------------------------------------------------------------------
def plot_share_heatmap(table: pd.DataFrame, *, kind: str = "topic", ax: Any = None) -> Figure:
    """Topic × group heatmap of table, values printed in the cells.

    ``table`` is a :func:`topic_shares` table; columns are its groups with their number of
    statements; rows the topics with their labels (``*`` = unstable). ``kind = "theme"``: a
    theme-share table drawn as topics (:func:`~textanalytics.themes.analysis.as_topic_table`):
    rows named by category, title and scale say "themes". Values are printed with as many
    decimals as their size needs (0.4 %, not 0 %).
    """
    if kind not in ("topic", "theme"):
        raise InputError(f"kind: expected 'topic' or 'theme', got {kind!r}")
    _require(table, {"group", "topic", "share", "n_statements"}, "topic_shares()")
    groups = list(dict.fromkeys(table["group"]))
    topics = sorted(table["topic"].unique())
    grid = (table.assign(g=table["group"].map(label_str))
            .pivot_table(index="topic", columns="g", values="share", sort=False)
            .reindex(index=topics, columns=[label_str(g) for g in groups]))
    n_stat = table.drop_duplicates("group").set_index(table.drop_duplicates("group")["group"].map(label_str))["n_statements"]
    first = table.drop_duplicates("topic").set_index("topic")
    # Many groups (31 years, 40 speakers): groups become the rows, topics the columns.
    transpose = len(groups) > 12
    values = grid.to_numpy().T if transpose else grid.to_numpy()
    group_labels = [f"{_wrap(label_str(g), 18, 1 if transpose else 2)}{' ' if transpose else chr(10)}"
                    f"(n={int(n_stat[label_str(g)])})" for g in groups]
    topic_labels = []
    for t in topics:
        label = first.at[t, "label"] if "label" in first else ""
        star = "*" if "unstable" in first and _is_true(first.at[t, "unstable"]) else ""
        name = label if kind == "theme" else f"{t}. {label}{star}"
        topic_labels.append(_wrap(name, 30) if not transpose else (label if kind == "theme" else f"{t}{star}"))
    rows, cols = values.shape
    cell_w = 0.55 if transpose else 1.0
    fig, ax = new_axes(ax, figsize=capped_size(max(5.0, cell_w * cols + 3.5), max(3.0, (0.3 if transpose else 0.42) * rows + 1.6)))
    im = ax.imshow(values, cmap=SEQUENTIAL_CMAP, aspect="auto", vmin=0)
    ax.set_xticks(range(cols), topic_labels if transpose else group_labels, fontsize=8)
    ax.set_yticks(range(rows), group_labels if transpose else topic_labels, fontsize=8)
    if transpose and kind == "topic":
        ax.set_xlabel("topic (numbers as in the tables; * = unstable)", fontsize=8)
    vmax = np.nanmax(values) if np.isfinite(values).any() else 1.0
    digits = _percent_digits(vmax)
    for (r, c), v in np.ndenumerate(values):
        if np.isfinite(v):
            ax.text(c, r, f"{v:.{digits}%}", ha="center", va="center", fontsize=7 if cols <= 20 else 5,
                    color="black" if v > 0.6 * vmax else "white")
    scale = "share of words" if kind == "topic" else "share of words matched by the theme's entries"
    ax.figure.colorbar(im, ax=ax, label=scale, format=lambda v, _: f"{v:.{digits + 1 if digits else 0}%}")
    group_by = str(table["group_by"].iloc[0]) if "group_by" in table else "group"
    note = " (* = unstable topic)" if "unstable" in first and first["unstable"].fillna(False).astype(bool).any() else ""
    heading = f"Topic shares by {group_by}{note}" if kind == "topic" else f"Theme rates by {group_by}"
    ax.set_title(heading, fontsize=10)
    return declutter_ticks(fig)


def _percent_digits(vmax: float) -> int:
    """Decimals of a percentage that tell values up to ``vmax`` apart: 0 from 10 %, 1 from 1 %, else 2."""
    return 0 if not np.isfinite(vmax) or vmax >= 0.1 else 1 if vmax >= 0.01 else 2


# ---------------------------------------------------------------------------------------------
def plot_differences(table: pd.DataFrame, *, group_a: Any = None, group_b: Any = None,
                     alpha: float = 0.05, confidence: float = 0.95, ax: Any = None) -> Figure:
    """Forest plot: difference in share between two groups per topic, with interval and p-value.

    ``table`` is a :func:`topic_differences` table; ``group_a``/``group_b``
    pick the pair (default: its first pair); ``confidence`` is the coverage of
    its intervals, for the axis label (``TopicDifferences.plot()`` passes its own). Filled markers: permutation
    p < ``alpha``; the p-value and the smallest attainable p are printed on the
    right, because with few statements even a large difference cannot reach
    ``alpha``.
    """
    _require(table, {"group_a", "group_b", "topic", "difference", "lower", "upper", "p_value"},
             "topic_differences()")
    d = table
    if group_a is None:
        group_a, group_b = d["group_a"].iloc[0], d["group_b"].iloc[0]
    sel = d[(d["group_a"].map(label_str) == label_str(group_a))
            & (d["group_b"].map(label_str) == label_str(group_b))]
    if sel.empty:
        raise InputError(f"group_a/group_b: the pair {label_str(group_a)!r} / {label_str(group_b)!r} "
                         "is not in the table")
    sel = sel.sort_values("topic")
    n = len(sel)
    own = ax is None
    fig, ax = new_axes(ax, figsize=capped_size(7.5, max(2.6, 0.36 * n + 1.5)))
    y = np.arange(n)[::-1]
    adjusted = "p_adjusted" in sel and "lower_adjusted" in sel
    p_col = "p_adjusted" if adjusted else "p_value"
    sig = sel[p_col].to_numpy() < alpha
    colour = np.where(sig, PALETTE[0], _GREY)
    if adjusted:  # the interval the adjusted test is read with (false coverage rate), the row's own inside it
        ax.hlines(y, sel["lower_adjusted"], sel["upper_adjusted"], color=colour, lw=0.8)
    ax.hlines(y, sel["lower"], sel["upper"], color=colour, lw=1.6)
    ax.scatter(sel["difference"].to_numpy()[sig], y[sig], color=PALETTE[0], s=30, zorder=3,
               label=f"{'adjusted ' if adjusted else ''}p < {alpha:g}")
    ax.scatter(sel["difference"].to_numpy()[~sig], y[~sig], facecolor="white", edgecolor=_GREY, s=30,
               zorder=3, label=f"{'adjusted ' if adjusted else ''}p ≥ {alpha:g}")
    ax.axvline(0, color="black", lw=0.8)
    labels = []
    for row in sel.itertuples(index=False):
        label = getattr(row, "label", "")
        star = "*" if _is_true(getattr(row, "unstable", pd.NA)) else ""
        labels.append(_wrap(f"{row.topic}. {label}{star}", 30))
    ax.set_yticks(y, labels, fontsize=8)
    ax.xaxis.set_major_formatter(lambda v, _: f"{v:+.0%}" if v else "0")
    text_x = 1.01
    for yi, row in zip(y, sel.itertuples(index=False)):
        min_p = getattr(row, "min_p_value", np.nan)
        extra = f" (min {min_p:.2g})" if np.isfinite(min_p) and min_p > alpha else ""
        value = getattr(row, p_col)
        text = f"{'adj. ' if adjusted else ''}p = {value:.2g}{extra}" if np.isfinite(value) else "not tested"
        ax.text(text_x, yi, text, transform=ax.get_yaxis_transform(), fontsize=7, va="center")
    n_a = int(sel["n_a"].iloc[0]) if "n_a" in sel else None
    n_b = int(sel["n_b"].iloc[0]) if "n_b" in sel else None
    sizes = f" ({n_a} vs {n_b} statements)" if n_a is not None else ""
    group_by = str(sel["group_by"].iloc[0]) if "group_by" in sel else "group"
    ax.set_title(_wrap(f"Topic share in {label_str(group_a)} minus {label_str(group_b)} "
                       f"({group_by}){sizes}", 70), fontsize=10)
    ax.set_xlabel(_wrap(f"difference in share of words ({'thick: ' if adjusted else ''}{confidence:.0%} interval"
                        f"{'; thin: the family’s false-coverage-rate interval' if adjusted else ''}); "
                        "* = unstable topic", 80))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncols=2, fontsize=7, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return declutter_ticks(fig) if own else fig
