"""Plots of covariate effects (stm's ``plot.estimateEffect`` methods), drawn from result tables.

:func:`plot_continuous` (``method = "continuous"``): expected share over a covariate with its
band, one panel per topic. :func:`plot_differences` (``"difference"``): a forest plot of
adjusted differences per topic. :func:`plot_point_estimates` (``"pointestimate"``): expected
share at each level of a factor. Each takes the result (or its ``table``), draws on ``ax``
(one axes; a new figure when None) and returns the Figure; nothing is written.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any, Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..errors import InputError
from ..plotting import color, new_axes

__all__ = ["plot_continuous", "plot_differences", "plot_point_estimates"]


def _table(result: Any, needed: set[str], what: str) -> pd.DataFrame:
    table = getattr(result, "table", result)
    if not isinstance(table, pd.DataFrame) or not needed <= set(table.columns):
        raise InputError(f"{what}: expected a result or table with columns {', '.join(sorted(needed))}")
    return table


def _title(topic: Any, label: Any) -> str:
    return textwrap.shorten(f"{topic}: {label}" if str(label) else f"topic {topic}", 40, placeholder="…")


def plot_continuous(predictions: Any, *, topics: Sequence[int] | None = None, ncols: int = 4,
                    ax: Any = None) -> Figure:
    """Expected share over a numeric covariate with its band, a small panel per topic
    (all topics on ``ax`` when one is given)."""
    t = _table(predictions, {"topic", "value", "estimate", "lower", "upper"}, "plot_continuous")
    chosen = list(topics) if topics is not None else sorted(t["topic"].unique())
    covariate = str(t["covariate"].iloc[0]) if "covariate" in t and len(t) else "value"
    if ax is not None or len(chosen) == 1:
        fig, ax = new_axes(ax)
        axes = [ax] * len(chosen)
    else:
        nrows = math.ceil(len(chosen) / ncols)
        fig = Figure(figsize=(3.2 * min(ncols, len(chosen)), 2.4 * nrows), layout="constrained")
        grid = fig.subplots(nrows, min(ncols, len(chosen)), squeeze=False, sharex=True)
        axes = list(grid.ravel())
        for extra in axes[len(chosen):]:
            extra.set_visible(False)
    for i, (topic, a) in enumerate(zip(chosen, axes)):
        rows = t[t["topic"] == topic]
        x = rows["value"].to_numpy(dtype=np.float64)
        c = color(i) if len(set(map(id, axes))) == 1 else color(0)
        label = rows["label"].iloc[0] if "label" in rows and len(rows) else ""
        a.fill_between(x, rows["lower"], rows["upper"], color=c, alpha=0.25, linewidth=0)
        a.plot(x, rows["estimate"], color=c, label=_title(topic, label))
        a.axhline(0, color="0.6", linewidth=0.6)
        if len(set(map(id, axes))) > 1:
            a.set_title(_title(topic, label), fontsize=8)
    axes[0].figure.supxlabel(covariate) if len(set(map(id, axes))) > 1 else axes[0].set_xlabel(covariate)
    if len(set(map(id, axes))) == 1:
        axes[0].set_ylabel("expected share")
        if len(chosen) > 1:
            axes[0].legend(fontsize=7)
    else:
        fig.supylabel("expected share")
    return fig


def plot_differences(contrasts: Any, *, contrast: str | None = None, ax: Any = None) -> Figure:
    """Forest plot: each topic's adjusted difference with its interval (one ``contrast``;
    default the first), topics with adjusted p < 0.05 drawn filled."""
    t = _table(contrasts, {"topic", "contrast", "difference", "lower", "upper"}, "plot_differences")
    contrast = contrast if contrast is not None else str(t["contrast"].iloc[0])
    rows = t[t["contrast"] == contrast].sort_values("difference")
    if rows.empty:
        raise InputError(f"contrast: {contrast!r} is not in the table ({', '.join(t['contrast'].unique())})")
    fig, ax = new_axes(ax, figsize=(6.5, 0.3 * len(rows) + 1.5))
    y = np.arange(len(rows))
    sig = rows["p_adjusted"].to_numpy() < 0.05 if "p_adjusted" in rows else np.zeros(len(rows), bool)
    ax.hlines(y, rows["lower"], rows["upper"], color=color(0))
    ax.scatter(rows["difference"], y, s=25, color=[color(0) if s else "white" for s in sig],
               edgecolors=color(0), zorder=3)
    ax.axvline(0, color="0.5", linewidth=0.8)
    labels = rows["label"] if "label" in rows else [""] * len(rows)
    ax.set_yticks(y, [_title(tp, lb) for tp, lb in zip(rows["topic"], labels)], fontsize=7)
    ax.set_xlabel(f"adjusted difference in share: {contrast}")
    ax.set_title("filled: adjusted p < 0.05", fontsize=8)
    return fig


def plot_point_estimates(predictions: Any, *, topic: int, ax: Any = None) -> Figure:
    """Expected share of one topic at each level of a factor, with intervals."""
    t = _table(predictions, {"topic", "value", "estimate", "lower", "upper"}, "plot_point_estimates")
    rows = t[t["topic"] == topic]
    if rows.empty:
        raise InputError(f"topic: {topic} is not in the predictions")
    fig, ax = new_axes(ax, figsize=(5.5, 0.3 * len(rows) + 1.5))
    y = np.arange(len(rows))
    ax.hlines(y, rows["lower"], rows["upper"], color=color(0))
    ax.plot(rows["estimate"], y, "o", color=color(0))
    ax.set_yticks(y, [str(v) for v in rows["value"]], fontsize=8)
    label = rows["label"].iloc[0] if "label" in rows else ""
    ax.set_xlabel("expected share")
    ax.set_title(_title(topic, label), fontsize=9)
    return fig
