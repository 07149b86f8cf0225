"""The result of :func:`~textanalytics.compare.keyness`: its tables, columns and parameters."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from ..deprecation import renamed_keywords
from ..errors import InputError
from ..grouping import REST, label_str

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["KeynessResult", "KEYNESS_COLUMNS", "COMPARISON_COLUMNS", "OMNIBUS_COLUMNS", "TREND_COLUMNS"]

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
        of the reference last), then ``term``.
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
        groups, ordered_scores, n_statements_without_group`` and the matrix's own
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
        table runs to millions of rows on a large corpus; the report keeps this.
        """
        table = self.table
        if table.empty:
            return table
        order = {(a, b): i for i, (a, b) in enumerate(zip(self.comparisons["target"], self.comparisons["reference"]))}
        t = table.assign(
            _c=[order.get((a, b), -1) for a, b in zip(table["target"], table["reference"])],
            _d=table["direction"].map({"target": 0, "reference": 1}).fillna(2).to_numpy(),
            _k=~table["key"].to_numpy(dtype=bool),
            _p=table["p_adjusted"].fillna(2.0).to_numpy(),
            _z=-table["fw_z"].abs().to_numpy(),
        ).sort_values(["_c", "_d", "_k", "_p", "_z", "term"], kind="stable")
        rank = t.groupby(["_c", "_d"], sort=False).cumcount()
        keep = (~t["_k"]) | (rank < n)
        return t[keep.to_numpy()].drop(columns=["_c", "_d", "_k", "_p", "_z"]).reset_index(drop=True)

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
