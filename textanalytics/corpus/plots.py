"""Overview figure of a corpus: statements and words per year and speaker.

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
from matplotlib.figure import Figure

from ..plotting import PALETTE, new_axes
from .model import Corpus

__all__ = ["corpus_overview_figure"]

_MAX_SPEAKERS = len(PALETTE) - 1  # the rest are pooled as "other speakers"
_LABEL_CHARS = 56  # long institutional speaker names are shortened in the legend


def corpus_overview_figure(corpus: Corpus, ax: Any = None) -> Figure:
    """Stacked bars of statements per year, one colour per speaker, labelled with words per year.

    The speakers with most statements get their own colour (Okabe–Ito
    palette); the rest are pooled as "other speakers". Long names are
    shortened in the legend. Statements without a
    year are shown as "no date"; without a speaker as "(no speaker)".

    Parameters
    ----------
    corpus:
        A loaded :class:`Corpus`.
    ax:
        Matplotlib axes to draw on; a new figure is created when None.
    """
    fig, ax = new_axes(ax, figsize=(9.0, 4.5))
    st = corpus.statements
    if not len(st):
        ax.text(0.5, 0.5, "empty corpus", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return fig
    year = st["year"].astype("string").fillna("no date").astype(str)
    speaker = st["speaker"].astype(str).replace("", "(no speaker)")
    counts = speaker.value_counts()
    top = sorted(counts.index, key=lambda s: (-counts[s], s))[:_MAX_SPEAKERS]
    if len(counts) > _MAX_SPEAKERS:
        speaker = speaker.where(speaker.isin(top), "other speakers")
        top = top + ["other speakers"]
    years = sorted(year.unique(), key=lambda y: (y == "no date", y))
    x = np.arange(len(years))
    bottom = np.zeros(len(years))
    for i, who in enumerate(top):
        heights = np.array([int(((year == y) & (speaker == who)).sum()) for y in years], dtype=float)
        label = textwrap.fill(textwrap.shorten(who, _LABEL_CHARS, placeholder="…"), 28)
        ax.bar(x, heights, bottom=bottom, color=PALETTE[i % len(PALETTE)], label=label,
               edgecolor="white", linewidth=0.5)
        bottom += heights
    words = st.groupby(year)["n_words"].sum()
    for xi, y in zip(x, years):
        ax.annotate(f"{int(words.get(y, 0)):,} words", (xi, bottom[xi]), xytext=(0, 3),
                    textcoords="offset points", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(x, years)
    ax.set_xlabel("year")
    ax.set_ylabel("statements")
    ax.set_ylim(0, max(bottom.max() * 1.15, 1))
    ax.set_title(f"{len(st)} statements, {int(st['n_words'].sum()):,} words by year and speaker")
    ax.legend(title="speaker", fontsize=8, title_fontsize=8, frameon=False,
              loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig
