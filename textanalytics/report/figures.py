"""Figures the report draws lazily: a plot function and its arguments, keyed by content.

:class:`FigureSpec` lets :mod:`textanalytics.report.build` reuse a previously
rendered file when nothing the figure depends on changed (the figure cache).
"""

from __future__ import annotations

from matplotlib.figure import Figure
import dataclasses as _dc
import hashlib as _hashlib
from typing import Any, Callable as _Callable

import numpy as _np
import pandas as _pd


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

        from .. import __version__

        ident = f"{self.plot.__module__}.{self.plot.__qualname__}|{__version__}|{_mpl.__version__}"
        return fingerprint([ident, self.kwargs])
