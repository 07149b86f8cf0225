"""Shared plotting helpers: a colour-blind-safe palette and figure creation.

Plot functions elsewhere take results, draw on ``ax=None`` and return a Figure;
they never write files (only :mod:`textanalytics.report` writes).
"""

from __future__ import annotations

import math
import re
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.category import StrCategoryLocator
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator

#: Okabe & Ito (2008) colour-blind-safe qualitative palette.
PALETTE: tuple[str, ...] = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7",
    "#56B4E9", "#F0E442", "#000000",
)

#: Sequential colormap for heatmaps (perceptually uniform, colour-blind safe).
SEQUENTIAL_CMAP = "viridis"
#: Diverging colormap for signed values.
DIVERGING_CMAP = "PuOr"


def new_axes(ax: Any = None, *, figsize: tuple[float, float] = (7.0, 4.5)) -> tuple[Figure, Any]:
    """Return ``(fig, ax)``: the given axes' figure, or a new figure and axes.

    Uses :class:`matplotlib.figure.Figure` directly (not pyplot) so figures are
    never registered globally and need no closing.
    """
    if ax is not None:
        return ax.figure, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def color(i: int) -> str:
    """The ``i``-th palette colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


#: The largest figure the report draws, in inches: 3,000 × 4,000 px at the report's 110 dpi (less a margin).
MAX_FIGSIZE: tuple[float, float] = (27.0, 36.0)


def capped_size(width: float, height: float) -> tuple[float, float]:
    """``(width, height)`` in inches, each capped at :data:`MAX_FIGSIZE`."""
    return min(float(width), MAX_FIGSIZE[0]), min(float(height), MAX_FIGSIZE[1])


def facet_columns(n_panels: int, *, preferred: int, max_columns: int = 6) -> int:
    """How many columns a grid of ``n_panels`` small multiples gets: ``preferred`` for a few, more for many.

    Columns grow with the square root of the panel count (a 40-panel grid is 6 wide,
    not 20 rows of 2), never past ``max_columns`` nor the number of panels.
    """
    wanted = max(preferred, math.ceil(math.sqrt(max(n_panels, 1) * 0.8)))
    return max(1, min(n_panels, wanted, max(max_columns, preferred)))


def declutter_ticks(fig: Figure, *, pad: float = 2.0, min_fontsize: float = 5.0) -> Figure:
    """Rotate, shrink or thin tick labels that would overlap; returns ``fig``.

    Lays the figure out once, then for every axis whose visible tick labels
    overlap: x labels are first turned 45° (anchored at their tick), then 90°.
    Labels that name things (groups, terms, topics: a fixed list of labels that
    are not all numbers or dates) are never hidden: their font shrinks, step by
    step down to ``min_fontsize``, until they fit. Number and date labels (an
    automatic scale, years, months) are thinned instead: every k-th kept for the
    smallest k that leaves a gap of ``pad`` pixels; labels hidden this way stay as ticks.
    """
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: measure text with the Agg renderer
        FigureCanvasAgg(fig)
    renderer = fig.canvas.get_renderer()
    _lay_out(fig, renderer)
    changed = False
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        for which in ("x", "y"):
            axis = ax.xaxis if which == "x" else ax.yaxis
            labels = [t for t in (ax.get_xticklabels() if which == "x" else ax.get_yticklabels())
                      if t.get_visible() and t.get_text()]
            if len(labels) < 2 or not _overlapping(labels, renderer, pad=pad):
                continue
            changed = True
            if which == "x" and all(t.get_rotation() == 0 for t in labels):
                for t in labels:
                    t.set_rotation(45)
                    t.set_horizontalalignment("right")
                    t.set_rotation_mode("anchor")
                if not _overlapping(labels, renderer, pad=pad):
                    continue
                if _names(axis, labels):
                    for t in labels:
                        t.set_rotation(90)
                    if not _overlapping(labels, renderer, pad=pad):
                        continue
            if _names(axis, labels):
                size = min(t.get_fontsize() for t in labels)
                while size > min_fontsize and _overlapping(labels, renderer, pad=pad):
                    size = max(min_fontsize, size - 0.5)
                    for t in labels:
                        t.set_fontsize(size)
                continue
            for step in range(2, len(labels) + 1):
                for i, t in enumerate(labels):
                    t.set_visible(i % step == 0)
                if not _overlapping([t for t in labels if t.get_visible()], renderer, pad=pad):
                    break
    if changed:  # turned, shrunk or thinned labels take other room: place the axes again
        _lay_out(fig, renderer)
    # The layout is final: the report's save_figure need not compute it again (laid_out).
    fig._textanalytics_layout = _layout_state(fig)
    return fig


def _layout_state(fig: Figure) -> tuple:
    return tuple(fig.get_size_inches().tolist()), len(fig.axes)


def laid_out(fig: Figure) -> bool:
    """True when :func:`declutter_ticks` laid ``fig`` out last and its size and axes are as they were then."""
    return getattr(fig, "_textanalytics_layout", None) == _layout_state(fig)


_NUMBER_OR_DATE = re.compile(r"[\u2212+-]?[\d.,]+%?|\d{4}(-\d{2}){0,2}|\d{4}-Q\d|\d{3}0s")


def _names(axis: Any, labels: list) -> bool:
    """True when the labels name things: set as a fixed list (not an automatic scale) and not all numbers or dates."""
    if not isinstance(axis.get_major_locator(), (FixedLocator, StrCategoryLocator)):
        return False
    return not all(_NUMBER_OR_DATE.fullmatch(t.get_text().strip()) for t in labels)


def _lay_out(fig: Figure, renderer: Any) -> None:
    """Place the axes as a draw would (layout engine, then each axes' aspect) without drawing anything.

    Tick labels get their positions when they are asked for (``get_xticklabels`` updates the
    ticks), so their extents can be measured after this; a full ``draw_without_rendering`` walked
    every artist too and cost about twice as much.
    """
    engine = fig.get_layout_engine()
    if engine is not None:
        engine.execute(fig)
    for ax in fig.axes:
        locator = ax.get_axes_locator()
        ax.apply_aspect(locator(ax, renderer) if locator else None)


def _overlapping(labels: list, renderer: Any, *, pad: float) -> bool:
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            if (a.x0 - pad < b.x1 and b.x0 - pad < a.x1) and (a.y0 - pad < b.y1 and b.y0 - pad < a.y1):
                return True
    return False


__all__ = ["PALETTE", "SEQUENTIAL_CMAP", "DIVERGING_CMAP", "MAX_FIGSIZE", "new_axes", "color", "capped_size",
           "facet_columns", "declutter_ticks"]
