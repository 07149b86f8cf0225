"""Shared plotting helpers: a colour-blind-safe palette and figure creation.

Plot functions elsewhere take results, draw on ``ax=None`` and return a Figure;
they never write files (only :mod:`textanalytics.report` writes).
"""

from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

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


__all__ = ["PALETTE", "SEQUENTIAL_CMAP", "DIVERGING_CMAP", "new_axes", "color"]
