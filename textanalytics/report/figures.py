"""Figures the report draws lazily: a plot function and its arguments, keyed by content.

:class:`FigureSpec` lets :mod:`textanalytics.report.build` reuse a previously
rendered file when nothing the figure depends on changed (the figure cache).
"""

from __future__ import annotations

import dataclasses as _dc
from typing import TYPE_CHECKING, Callable as _Callable

from .. import __version__
from ..provenance import fingerprint, package_versions

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["FigureSpec", "fingerprint"]


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
        matplotlib = package_versions(["matplotlib"])["matplotlib"]  # without importing it
        ident = f"{self.plot.__module__}.{self.plot.__qualname__}|{__version__}|{matplotlib}"
        return fingerprint([ident, self.kwargs])
