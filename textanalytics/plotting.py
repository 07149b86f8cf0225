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


__all__ = ["PALETTE", "SEQUENTIAL_CMAP", "DIVERGING_CMAP", "new_axes", "color", "FigureSpec", "fingerprint"]


# --------------------------------------------------------------------- lazy figures

import dataclasses as _dc  # noqa: E402
import hashlib as _hashlib  # noqa: E402
from typing import Callable as _Callable  # noqa: E402

import numpy as _np  # noqa: E402
import pandas as _pd  # noqa: E402


def fingerprint(obj: Any, _h: Any = None) -> str:
    """SHA-256 of the *content* of ``obj`` (DataFrames, arrays, dataclasses, containers, scalars).

    Used to key cached figures: the same data and parameters give the same key.
    """
    h = _h or _hashlib.sha256()
    if isinstance(obj, _pd.DataFrame):
        h.update(b"df")
        h.update(obj.to_csv(lineterminator="\n").encode("utf-8"))
    elif isinstance(obj, _pd.Series):
        h.update(b"s")
        h.update(obj.to_csv(lineterminator="\n").encode("utf-8"))
    elif isinstance(obj, _np.ndarray):
        h.update(f"nd{obj.dtype}{obj.shape}".encode())
        h.update(_np.ascontiguousarray(obj).tobytes() if obj.dtype != object else repr(obj.tolist()).encode())
    elif _dc.is_dataclass(obj) and not isinstance(obj, type):
        h.update(type(obj).__qualname__.encode())
        for f in _dc.fields(obj):
            h.update(f.name.encode())
            fingerprint(getattr(obj, f.name), h)
    elif isinstance(obj, dict):
        h.update(b"{")
        for k in sorted(obj, key=repr):
            h.update(repr(k).encode())
            fingerprint(obj[k], h)
    elif isinstance(obj, (list, tuple)):
        h.update(b"[")
        for v in obj:
            fingerprint(v, h)
    elif hasattr(obj, "toarray") and hasattr(obj, "shape"):  # scipy sparse
        fingerprint(obj.toarray() if _np.prod(obj.shape) < 1e6 else _np.asarray(obj.sum(axis=0)), h)
    else:
        h.update(repr(obj).encode("utf-8"))
    return h.hexdigest()


@_dc.dataclass(frozen=True)
class FigureSpec:
    """A figure not yet drawn: a plot function and its keyword arguments.

    ``render()`` draws it; ``key()`` identifies its content, so the report can
    reuse a previously rendered file when nothing it depends on changed.
    """

    plot: _Callable[..., Figure]
    kwargs: dict = _dc.field(default_factory=dict)

    def render(self) -> Figure:
        return self.plot(**self.kwargs)

    def key(self) -> str:
        import matplotlib as _mpl

        from . import __version__

        ident = f"{self.plot.__module__}.{self.plot.__qualname__}|{__version__}|{_mpl.__version__}"
        return fingerprint([ident, self.kwargs])
