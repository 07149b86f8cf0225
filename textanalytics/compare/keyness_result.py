"""The result of :func:`~textanalytics.compare.keyness`: its tables, columns and parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..deprecation import renamed_keywords
from ..errors import InputError
from ..grouping import REST, label_str

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["KeynessResult", "KEYNESS_COLUMNS", "COMPARISON_COLUMNS", "OMNIBUS_COLUMNS", "TREND_COLUMNS",
           "shortlist_rows"]

#: Columns of :attr:`KeynessResult.table`, in order.
KEYNESS_COLUMNS = (
    "group_by", "target", "reference", "term",
    "freq_target", "freq_reference", "rel_freq_target", "rel_freq_reference",
    "g2", "direction", "log_ratio", "fw_z", "fw_log_odds",
    "p_value", "p_adjusted", "p_value_tokens", "test", "key",
    "n_statements_target", "n_statements_reference",
    "n_paragraphs_target", "n_paragraphs_reference",
    "total_statements_target", "total_statements_reference",
    "total_paragraphs_target", "total_paragraphs_reference",
    "total_tokens_target", "total_tokens_reference",
    "small_group", "warning",
)

COMPARISON_COLUMNS = (
    "group_by", "target", "reference", "reference_groups",
    "total_statements_target", "total_statements_reference",
    "total_paragraphs_target", "total_paragraphs_reference",
    "total_tokens_target", "total_tokens_reference",
    "n_terms", "n_terms_tested", "n_terms_shown", "n_significant_target", "n_significant_reference",
    "n_key_target", "n_key_reference", "test",
    "small_group", "warning",
)

#: The sides of a comparison in the shortlist's order; any other ``direction`` ("none") comes last.
SIDES = {"target": 0, "reference": 1}

#: Columns of :attr:`KeynessResult.omnibus`.
OMNIBUS_COLUMNS = (
    "group_by", "term", "freq", "n_statements", "n_groups", "total_statements",
    "statistic", "p_value", "p_adjusted", "p_value_tokens", "test",
)

#: Columns of :attr:`KeynessResult.trend`.
TREND_COLUMNS = (
    "group_by", "term", "freq", "n_statements", "n_groups", "total_statements",
    "slope", "direction", "statistic", "p_value", "p_adjusted", "p_value_tokens", "test",
)


@dataclass(frozen=True, eq=False)
class KeynessResult:
    """The keyness tables of one grouping, plus the parameters that made them.

    Attributes
    ----------
    table:
        One row per (comparison, term); columns :data:`KEYNESS_COLUMNS`, described
        in :func:`keyness`. Sorted by comparison (groups in sorted order), then
        signed ``g2`` descending (terms typical of the target first, those typical
        of the reference last), then ``term``. Made with ``keyness(..., shortlist=n)``:
        only the rows of :meth:`shortlist` ``(n)``, in its order.
    comparisons:
        One row per comparison: ``group_by, target, reference, reference_groups``
        (the groups pooled in the reference, comma-separated), the totals of
        each side, ``n_terms`` (terms tested), ``n_terms_shown`` (after the
        dispersion filter), ``n_significant_target`` / ``n_significant_reference``
        (shown terms with statement-level ``p_adjusted < alpha`` on each side),
        ``n_terms_tested`` (terms given a statement-level test), ``n_key_target`` /
        ``n_key_reference`` (``key`` terms on each side), ``test`` (how the
        statement-level p-values were obtained), ``small_group``
        and ``warning``.
    omnibus:
        k > 2 groups compared each against the rest: one row per term, the k-group
        statement-level test (:data:`OMNIBUS_COLUMNS`; empty otherwise).
    trend:
        Ordered groups (years, decades, months, quarters, periods named by their years):
        one row per term, the trend test (:data:`TREND_COLUMNS`; empty otherwise).
    params:
        ``group_by, target, reference, min_dispersion, min_dispersion_share, alpha,
        g2_cells, seed, n_permutations, test, fw_prior, per, zero_frequency, unit,
        groups, ordered_scores, n_statements_without_group, shortlist`` and the matrix's own
        ``params`` under ``dtm_params``.
    """

    table: pd.DataFrame
    comparisons: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    omnibus: pd.DataFrame = field(default_factory=pd.DataFrame)
    trend: pd.DataFrame = field(default_factory=pd.DataFrame)

    def comparison(self, target: Any, reference: Any = REST) -> pd.DataFrame:
        """The rows of one comparison (``reference="rest"``: target vs the rest)."""
        t, r = label_str(target), label_str(reference)
        rows = self.table[(self.table["target"] == t) & (self.table["reference"] == r)]
        if rows.empty and not ((self.comparisons["target"] == t) & (self.comparisons["reference"] == r)).any():
            pairs = "; ".join(f"{a} vs {b}" for a, b in zip(self.comparisons["target"], self.comparisons["reference"]))
            raise InputError(f"comparison {t!r} vs {r!r} not in this result; it holds: {pairs}")
        return rows.reset_index(drop=True)

    @renamed_keywords(n="top_n")
    def top(self, top_n: int = 10, *, direction: Literal["target", "reference"] = "target",
            significant: bool = False) -> pd.DataFrame:
        """The ``top_n`` terms with the largest Fightin' Words |z| on one side of every comparison.

        ``significant=True`` keeps only ``key`` terms (see :func:`keyness`).
        """
        if direction not in ("target", "reference"):
            raise InputError(f"direction: expected 'target' or 'reference', got {direction!r}")
        t = self.table[self.table["direction"] == direction]
        if significant:
            t = t[t["key"].to_numpy(dtype=bool)]
        order = {(a, b): i for i, (a, b) in enumerate(zip(self.comparisons["target"], self.comparisons["reference"]))}
        t = t.assign(_c=[order[(a, b)] for a, b in zip(t["target"], t["reference"])], _k=-t["fw_z"].abs())
        t = t.sort_values(["_c", "_k", "term"], kind="stable").groupby("_c", sort=False).head(top_n)
        return t.drop(columns=["_c", "_k"]).reset_index(drop=True)

    def shortlist(self, n: int = 50) -> pd.DataFrame:
        """The ``key`` rows plus the ``n`` best-ranked rows per comparison and side, ranked.

        Within a comparison and side, rows are ranked by ``key`` first, then
        statement-level ``p_adjusted`` (untested terms last), then |``fw_z``|, then
        term; the shortlist keeps every ``key`` row and the first ``n`` of each side,
        sorted by comparison (table order), side (target first) and that rank. The full
        table runs to millions of rows on a large corpus; the report keeps this, made
        without the full table by ``keyness(..., shortlist=n)`` (:func:`shortlist_rows`).
        On a result made with ``shortlist=m`` it is that table again for any ``n <= m``.
        """
        table = self.table
        if table.empty:
            return table
        order = {(a, b): i for i, (a, b) in enumerate(zip(self.comparisons["target"], self.comparisons["reference"]))}
        comparison = np.array([order.get((a, b), -1) for a, b in zip(table["target"], table["reference"])])
        side = table["direction"].map(SIDES).fillna(2).to_numpy(dtype=np.int64)
        rows = shortlist_rows(block=comparison * 3 + side, key=table["key"].to_numpy(dtype=bool),
                              p_adjusted=table["p_adjusted"].to_numpy(dtype=np.float64),
                              fw_z=table["fw_z"].to_numpy(dtype=np.float64),
                              term_rank=pd.factorize(table["term"], sort=True)[0], n=n)
        return table.iloc[rows].reset_index(drop=True)

    def summary(self) -> pd.DataFrame:
        """One row per comparison: sizes, terms tested and shown, significant terms per side."""
        return self.comparisons

    def plot(self, **kwargs: Any) -> "Figure":
        """Keyness chart of one comparison; see :func:`~textanalytics.compare.plot_keyness`.

        ``alpha`` defaults to the result's.
        """
        from .plots import plot_keyness  # matplotlib is imported on first plot

        kwargs.setdefault("alpha", self.params.get("alpha", 0.05))
        return plot_keyness(self.table, **kwargs)

    def __repr__(self) -> str:
        warn = int(self.comparisons["small_group"].sum()) if len(self.comparisons) else 0
        return (f"KeynessResult(group_by={self.params.get('group_by')!r}, "
                f"{len(self.comparisons)} comparison(s), {len(self.table)} rows"
                + (f", {warn} with a group of fewer than 2 statements" if warn else "") + ")")

    def _repr_html_(self) -> str:
        return (f"<p><b>{self.__repr__()}</b></p>" + self.comparisons._repr_html_()
                + self.top(10)._repr_html_())


def shortlist_rows(*, block: np.ndarray, key: np.ndarray, p_adjusted: np.ndarray, fw_z: np.ndarray,
                   term_rank: np.ndarray, n: int) -> np.ndarray:
    """Positions of the shortlisted rows, in shortlist order (:meth:`KeynessResult.shortlist`).

    ``block`` numbers each row's comparison and side (blocks come out in ascending
    order); within a block rows are ranked ``key`` first, then ``p_adjusted`` (NaN
    last), then ``-|fw_z|``, then ``term_rank`` (the term's place in sorted order), and
    every ``key`` row plus the first ``n`` are kept. All arrays are one value per row.

    >>> shortlist_rows(block=np.array([0, 0, 0, 1]), key=np.array([False, True, False, False]),
    ...                p_adjusted=np.array([0.2, 0.01, np.nan, 0.5]), fw_z=np.array([1.0, 3.0, -2.0, 0.5]),
    ...                term_rank=np.arange(4), n=2).tolist()
    [1, 0, 3]
    """
    p = np.where(np.isnan(p_adjusted), 2.0, p_adjusted)  # untested terms after every tested one
    order = np.lexsort((term_rank, -np.abs(fw_z), p, ~key, block))
    ranked = block[order]
    rank = np.arange(len(order)) - np.searchsorted(ranked, ranked, side="left")
    return order[key[order] | (rank < n)]
