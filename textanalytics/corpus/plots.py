"""Overview figure of a corpus: statements and words per year and speaker (or any two metadata columns).

Draws only; never writes files (the report does).

Example
-------
>>> from textanalytics.corpus import load_corpus
>>> fig = corpus_overview_figure(load_corpus("seeds"))    # doctest: +SKIP
"""

from __future__ import annotations

import textwrap
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ..plotting import PALETTE, capped_size, declutter_ticks, new_axes
from .model import Corpus

__all__ = ["corpus_overview_figure"]

_MAX_SPEAKERS = len(PALETTE) - 1  # the rest are pooled as "other speakers"
_LABEL_CHARS = 56  # long institutional speaker names are shortened in the legend


def corpus_overview_figure(corpus: Corpus, ax: Any = None, *, x: str = "year",
                           colour: str | None = "speaker") -> Figure:
    """Stacked bars of statements per ``x`` value, one colour per ``colour`` value, labelled with words per bar.

    By default statements per year, one colour per speaker; the report passes
    the groupings configured in ``[compare] group_by`` (a time column on the
    x axis when there is one). The values with most statements get their own
    colour (Okabe–Ito palette); the rest are pooled as "other". Long names are
    shortened in the legend. A statement without an ``x`` value is shown as
    "no value" ("no date" for year); without a ``colour`` value as "(none)".
    Many bars: labels thinned, word counts left to the table.

    Parameters
    ----------
    corpus:
        A loaded :class:`Corpus`.
    ax:
        Matplotlib axes to draw on; a new figure is created when None.
    x, colour:
        Metadata columns for the bars and their colours (``colour=None``: one colour).
    """
    st = corpus.statements
    missing = "no date" if x == "year" else "no value"
    xs = (st[x].astype("string").fillna(missing).astype(str) if x in st
          else np.full(len(st), missing, dtype=object))
    bars = sorted(set(xs), key=lambda v: (v == missing, _sort_key(v)))
    fig, ax = new_axes(ax, figsize=capped_size(max(9.0, 0.32 * len(bars) + 4.0), 4.5))
    if not len(st):
        ax.text(0.5, 0.5, "empty corpus", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    what = colour if colour is not None and colour in st else None
    who_all = (st[what].astype("string").fillna("").astype(str).replace("", "(none)") if what
               else np.full(len(st), "all statements", dtype=object))
    frame = pd.DataFrame({"x": np.asarray(xs, dtype=object), "who": np.asarray(who_all, dtype=object),
                          "words": st["n_words"].to_numpy()})
    counts = frame["who"].value_counts()
    top = sorted(counts.index, key=lambda s: (-counts[s], s))[:_MAX_SPEAKERS]
    if len(counts) > _MAX_SPEAKERS:
        frame["who"] = frame["who"].where(frame["who"].isin(top), "other")
        top = top + ["other"]
    position = np.arange(len(bars))
    table = frame.groupby(["x", "who"]).size().unstack(fill_value=0).reindex(index=bars, columns=top, fill_value=0)
    bottom = np.zeros(len(bars))
    for i, who in enumerate(top):
        heights = table[who].to_numpy(dtype=float)
        label = textwrap.fill(textwrap.shorten(str(who), _LABEL_CHARS, placeholder="…"), 28)
        ax.bar(position, heights, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=label,
               edgecolor="white", linewidth=0.5)
        bottom += heights
    words = frame.groupby("x")["words"].sum()
    if len(bars) <= 12:
        for xi, v in zip(position, bars):
            ax.annotate(f"{int(words.get(v, 0)):,} words", (xi, bottom[xi]), xytext=(0, 3),
                        textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(position, [textwrap.shorten(str(v), 24, placeholder="…") for v in bars])
    ax.set_xlabel(x)
    ax.set_ylabel("statements")
    ax.set_ylim(0, max(bottom.max() * 1.15, 1))
    by = f"by {x} and {what}" if what else f"by {x}"
    ax.set_title(f"{len(st)} statements, {int(st['n_words'].sum()):,} words {by}")
    if what:
        ax.legend(title=what, fontsize=8, title_fontsize=8, frameon=False,
                  loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return declutter_ticks(fig)


def _sort_key(value: str) -> tuple:
    """Numbers in numeric order, then text."""
    try:
        return (0, float(value), "")
    except ValueError:
        return (1, 0.0, value)
