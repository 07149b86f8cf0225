"""Figures the report draws lazily: a plot function and its arguments, keyed by content.

:class:`FigureSpec` lets :mod:`textanalytics.report.build` reuse a previously
rendered file when nothing the figure depends on changed (the figure cache).
"""

from __future__ import annotations

import dataclasses as _dc
import functools as _functools
import sys as _sys
from typing import TYPE_CHECKING, Callable as _Callable

from .. import __version__
from ..provenance import digest, file_digest, fingerprint, package_versions

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
        return fingerprint([ident, _code_digest(self.plot.__module__), self.kwargs])


@_functools.lru_cache(maxsize=None)
def _code_digest(module: str) -> str:
    """SHA-256 of the source of the plot's module and of the shared style module, so an edit redraws.

    (A released version changes with its code; a checkout being worked on does not.)
    """
    paths = [getattr(_sys.modules.get(name), "__file__", None) for name in (module, "textanalytics.plotting")]
    return digest([file_digest(path) for path in paths if path])
