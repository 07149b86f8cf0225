"""How the report shows its tables and overview: excerpts, selected columns, numeric order, configured groupings.

The CSV files always hold every row and column in full; these functions only
shape what ``report.md`` and ``index.html`` show inline.

>>> import pandas as pd
>>> block_view(pd.DataFrame({"statement_id": ["1000109", "101221", "99"]}), {"sort_numeric": "statement_id"})["statement_id"].tolist()
['99', '101221', '1000109']
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd

__all__ = ["block_view", "excerpt", "overview_axes", "passage_columns", "TIME_COLUMNS", "EXCERPT_CHARS"]

#: Metadata columns read as time when choosing the overview's x axis.
TIME_COLUMNS = ("year", "month", "quarter", "week", "date", "decade", "period", "session")
#: Characters of a passage shown inline (whole words, then "…").
EXCERPT_CHARS = 200


def excerpt(text: Any, *, chars: int = EXCERPT_CHARS) -> str:
    """The first ``chars`` characters of ``text`` on whole words, whitespace collapsed, "…" when cut."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return ""
    flat = " ".join(str(text).split())
    if len(flat) <= chars:
        return flat
    cut = flat[: chars - 1]
    return (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"


def block_view(table: pd.DataFrame, block: dict[str, Any]) -> pd.DataFrame:
    """The rows and columns a table block shows: ``columns`` (those present), ``excerpt`` (characters
    of its ``text`` column) and ``sort_numeric`` (a column of ids sorted as numbers when every id is one)."""
    columns = [c for c in (block.get("columns") or list(table.columns)) if c in table.columns]
    view = table[columns]
    chars = block.get("excerpt")
    if chars and "text" in view.columns:
        view = view.assign(text=[excerpt(t, chars=int(chars)) for t in view["text"]])
    key = block.get("sort_numeric")
    if key and key in view.columns:
        as_numbers = pd.to_numeric(view[key].astype(str), errors="coerce")
        if as_numbers.notna().all():
            view = view.iloc[as_numbers.argsort(kind="stable").to_numpy()]
    return view


def passage_columns(passages: pd.DataFrame, *, groupings: Iterable[str]) -> list[str]:
    """The columns shown for representative passages: position, weight, the configured groupings, the text."""
    wanted = ["topic", "rank", "statement_id", "paragraph", "weight", *groupings, "text"]
    return [c for c in dict.fromkeys(wanted) if c in passages.columns]


def overview_axes(statements: pd.DataFrame, *, group_by: Iterable[str]) -> dict[str, Any]:
    """``{"x": column, "colour": column or None}`` for the corpus overview from ``[compare] group_by``.

    A time column (:data:`TIME_COLUMNS`) goes on the x axis; the first other
    grouping gives the colours. Without configured groupings: year and speaker
    when the corpus has them.
    """
    cols = [c for c in group_by if c in statements.columns]
    if not cols:
        cols = [c for c in ("year", "speaker") if c in statements.columns] or ["year"]
    time = [c for c in cols if c in TIME_COLUMNS]
    x = time[0] if time else cols[0]
    rest = [c for c in cols if c != x]
    return {"x": x, "colour": rest[0] if rest else None}
