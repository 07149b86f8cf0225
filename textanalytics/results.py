"""What every result object shares: a tidy table, the parameters that made it, and how it shows.

Functions that compute tables with parameters worth keeping (``topic_shares``,
``lexical_stats``, ``distinctive_terms``, ``kwic``, ...) return a frozen
dataclass holding ``table`` (a tidy DataFrame) and ``params`` (a dict), with
``summary()`` (a small DataFrame), ``_repr_html_`` (the notebook view) and
``plot(...)`` (a :class:`matplotlib.figure.Figure` drawn from the table by the
stage's plot function). Parameters never ride in ``DataFrame.attrs``, which
pandas drops on ``concat``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

__all__ = ["TableResult"]


class TableResult:
    """Mixin for frozen result dataclasses with ``table`` and ``params`` fields.

    Subclasses define ``summary()`` and ``plot()``; the text and notebook
    views come from here: ``Name(<params shown>, <rows> rows)`` and that line
    above the summary.
    """

    table: pd.DataFrame
    params: dict[str, Any]
    #: Parameters named in ``repr``.
    _shown: tuple[str, ...] = ()

    def summary(self) -> pd.DataFrame:  # pragma: no cover - every subclass overrides it
        return self.table.head(10)

    def __repr__(self) -> str:
        shown = [f"{k}={self.params[k]!r}" for k in self._shown if k in self.params]
        return f"{type(self).__name__}({', '.join([*shown, f'{len(self.table)} rows'])})"

    def _repr_html_(self) -> str:
        return f"<p><b>{self!r}</b></p>" + self.summary()._repr_html_()
