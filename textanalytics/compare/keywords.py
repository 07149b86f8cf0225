"""Keyness: which terms are typical of one group of statements against another."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..deprecation import renamed_keywords
from ..errors import InputError
from ..features import DocumentTermMatrix
from ..grouping import REST, Grouping, group_units, label_str, statement_indicator
from . import stats

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["keyness", "KeynessResult", "KEYNESS_COLUMNS", "REST"]

logger = logging.getLogger(__name__)

#: Columns of :attr:`KeynessResult.table`, in order.
KEYNESS_COLUMNS = (
    "group_by", "target", "reference", "term",
    "freq_target", "freq_reference", "rel_freq_target", "rel_freq_reference",
    "g2", "direction", "log_ratio", "p_value", "p_adjusted",
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
    "n_terms", "n_terms_shown", "n_significant_target", "n_significant_reference",
    "small_group", "warning",
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
        (shown terms with ``p_adjusted < alpha`` on each side), ``small_group``
        and ``warning``.
    params:
        ``group_by, target, reference, min_dispersion, alpha, g2_cells, per,
        zero_frequency, unit, groups, n_statements_without_group`` and the
        matrix's own ``params`` under ``dtm_params``.
    """

    table: pd.DataFrame
    comparisons: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)

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
        """The ``top_n`` terms with the largest G² on one side of every comparison.

        ``significant=True`` keeps only terms with ``p_adjusted < alpha``.
        """
        if direction not in ("target", "reference"):
            raise InputError(f"direction: expected 'target' or 'reference', got {direction!r}")
        t = self.table[self.table["direction"] == direction]
        if significant:
            t = t[t["p_adjusted"] < self.params.get("alpha", 0.05)]
        order = {(a, b): i for i, (a, b) in enumerate(zip(self.comparisons["target"], self.comparisons["reference"]))}
        t = t.assign(_c=[order[(a, b)] for a, b in zip(t["target"], t["reference"])], _k=-t["g2"].abs())
        t = t.sort_values(["_c", "_k", "term"], kind="stable").groupby("_c", sort=False).head(top_n)
        return t.drop(columns=["_c", "_k"]).reset_index(drop=True)

    def shortlist(self, n: int = 50) -> pd.DataFrame:
        """Rows with ``p_adjusted < alpha`` plus the ``n`` largest |G²| per comparison and side, in table order.

        The full table (every term of every comparison) runs to millions of rows
        on a large corpus; the report keeps this shortlist.
        """
        table = self.table
        if table.empty:
            return table
        keys = ["group_by", "target", "reference", "direction"]
        rank = (table.assign(_s=table["g2"].abs()).groupby(keys, sort=False, dropna=False)["_s"]
                .rank(method="first", ascending=False))
        keep = (table["p_adjusted"] < self.params.get("alpha", 0.05)) | (rank <= n)
        return table[keep.to_numpy()].reset_index(drop=True)

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


def keyness(dtm: DocumentTermMatrix, *, corpus: Any, group_by: str,
            target: Any = None, reference: Any = None, min_dispersion: int = 1,
            alpha: float = 0.05, g2_cells: Literal[4, 2] = 4) -> KeynessResult:
    """Keyness of every term for groups of statements.

    Parameters
    ----------
    dtm:
        A paragraph- or statement-level :class:`~textanalytics.features.DocumentTermMatrix`
        (paragraph level gives paragraph dispersion too). Build it unpruned for
        keyness: pruned terms are simply absent.
    corpus:
        The :class:`~textanalytics.corpus.Corpus` (or its ``statements``) that
        gives each statement its group.
    group_by:
        A column of ``corpus.statements`` (``year``, ``speaker``, ``organisation``,
        ``genre``, your own) or ``"statement"``. Needs at least 2 groups.
        Statements with a missing value form no group: logged, and counted in
        ``params["n_statements_without_group"]``.
    target, reference:
        ``None, None`` (default): each group against all other groups pooled
        (``reference == "rest"``). ``target=g``: only ``g`` vs the rest.
        ``target=g, reference=h``: the pair ``g`` vs ``h`` (other groups left
        out). ``reference=h`` alone: every other group vs ``h``.
    min_dispersion:
        Show a term only if it occurs in at least this many statements of the
        side it is typical of (the target when ``direction == "target"``, else
        the reference), so a word repeated in one long text is not called
        typical of a group. The default 1 shows every term. The filter does not
        change ``p_adjusted``.
    alpha:
        Significance level used for the ``n_significant_*`` counts and plots.
    g2_cells:
        4 (default): G² of the full 2×2 table; 2: Rayson & Garside's two-term
        formula. See :func:`textanalytics.compare.stats.g2`.

    Returns
    -------
    KeynessResult
        ``table`` columns (one row per comparison × term occurring on either side):

        - ``group_by``; ``target``, ``reference``: group names as strings
          (``reference`` is ``"rest"`` for a group-vs-rest comparison);
        - ``term``;
        - ``freq_target``, ``freq_reference``: counts of the term (int);
        - ``rel_freq_target``, ``rel_freq_reference``: per 10,000 tokens, where
          the token total of a side is the sum of its units' ``n_tokens`` (kept
          tokens before pruning);
        - ``g2``: log-likelihood G², signed: positive when the term is relatively
          more frequent in the target, negative when in the reference;
          ``direction``: ``"target"``, ``"reference"`` or ``"none"`` (equal);
        - ``log_ratio``: Hardie's (2014) ``log2`` of the ratio of relative
          frequencies; a zero frequency counts as 0.5 (so absent terms get a
          finite value; with very unequal sides its sign can then disagree with
          ``direction`` — see :func:`textanalytics.compare.stats.log_ratio`);
        - ``p_value``: χ² (1 df) upper tail at ``|g2|``; ``p_adjusted``:
          Benjamini–Hochberg across all terms tested in this comparison
          (``scipy.stats.false_discovery_control``), before the dispersion filter;
        - ``n_statements_target/reference``, ``n_paragraphs_target/reference``:
          how many statements / paragraphs of each side contain the term
          (paragraph columns are <NA> for a statement-level matrix);
        - ``total_statements_*``, ``total_paragraphs_*``, ``total_tokens_*``:
          the size of each side;
        - ``small_group``: True when a side holds fewer than 2 statements;
          ``warning`` then says which (else "").

    Raises
    ------
    InputError
        Unknown ``group_by`` column (listing the available ones), unknown
        ``target``/``reference`` group (listing the groups), fewer than two
        groups, ``target == reference``.

    Example
    -------
    >>> res = keyness(dtm, corpus=corpus, group_by="organisation")   # doctest: +SKIP
    >>> res.top(10)                                                   # doctest: +SKIP
    >>> res.comparison("MFA", "FSB/NAC")                              # doctest: +SKIP
    """
    if dtm.unit not in ("paragraph", "statement"):
        raise InputError(f"dtm: keyness needs a paragraph- or statement-level matrix, got unit={dtm.unit!r}")
    if isinstance(min_dispersion, bool) or not isinstance(min_dispersion, (int, np.integer)) or min_dispersion < 0:
        raise InputError(f"min_dispersion: expected an integer >= 0, got {min_dispersion!r}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    if g2_cells not in (2, 4):
        raise InputError(f"g2_cells: expected 4 (full 2x2 table) or 2 (Rayson & Garside), got {g2_cells!r}")
    g = group_units(dtm, corpus=corpus, group_by=group_by)
    k = len(g.names)
    if k < 2:
        raise InputError(f"group_by {group_by!r}: keyness needs at least 2 groups, found {k}"
                         + (f" ({', '.join(g.names)})" if k else "") + "; choose another column")
    comparisons = _plan(g, target=target, reference=reference)

    counts = dtm.counts
    gi = g.indicator()
    group_counts = (gi @ counts).tocsr()
    group_tokens = gi @ dtm.token_totals()
    total_counts = np.asarray(group_counts.sum(axis=0), dtype=np.int64).ravel()

    _, s_ind = statement_indicator(dtm)
    presence = (s_ind @ counts).tocsr()
    presence.eliminate_zeros()
    presence.data[:] = 1
    # Every unit of a statement shares its group: take the group of each statement's first unit.
    first_unit = s_ind.indices[s_ind.indptr[:-1]]
    s_codes = g.codes[first_unit]
    s_ok = s_codes >= 0
    gs = sp.csr_matrix((np.ones(int(s_ok.sum()), dtype=np.int64), (s_codes[s_ok], np.flatnonzero(s_ok))),
                       shape=(k, s_ind.shape[0]))
    group_stmt_df = (gs @ presence).tocsr()
    group_n_stmt = np.asarray(gs.sum(axis=1), dtype=np.int64).ravel()
    stmt_df_all = np.asarray(group_stmt_df.sum(axis=0), dtype=np.int64).ravel()

    paragraph_level = dtm.unit == "paragraph"
    if paragraph_level:
        upresence = counts.copy()
        upresence.eliminate_zeros()
        upresence.data[:] = 1
        group_par_df = (gi @ upresence).tocsr()
        group_n_par = np.asarray(gi.sum(axis=1), dtype=np.int64).ravel()
        par_df_all = np.asarray(group_par_df.sum(axis=0), dtype=np.int64).ravel()

    vocab = np.asarray(dtm.vocabulary, dtype=object)
    frames, summary = [], []
    for ti, ref_idx, ref_name in comparisons:
        t_name = g.names[ti]
        a = _row(group_counts, ti)
        a_st = _row(group_stmt_df, ti)
        n1 = int(group_tokens[ti])
        st1 = int(group_n_stmt[ti])
        if ref_name == REST:
            b = total_counts - a
            b_st = stmt_df_all - a_st
        else:
            b = _row(group_counts, ref_idx[0])
            b_st = _row(group_stmt_df, ref_idx[0])
        n2 = int(group_tokens[ref_idx].sum())
        st2 = int(group_n_stmt[ref_idx].sum())
        if paragraph_level:
            a_par = _row(group_par_df, ti)
            b_par = par_df_all - a_par if ref_name == REST else _row(group_par_df, ref_idx[0])
            par1, par2 = int(group_n_par[ti]), int(group_n_par[ref_idx].sum())

        idx = np.flatnonzero((a + b) > 0)
        a, b, a_st, b_st = a[idx], b[idx], a_st[idx], b_st[idx]
        rf1 = stats.relative_frequency(a, n1)
        rf2 = stats.relative_frequency(b, n2)
        g2v = stats.g2(a, b, n1, n2, cells=g2_cells)
        # Compare a*n2 with b*n1 in integers: the sign must not depend on float rounding.
        diff = a.astype(object) * n2 - b.astype(object) * n1 if max(n1, n2) > 2**31 else a * n2 - b * n1
        sign = np.sign(np.asarray(diff, dtype=np.float64))
        direction = np.where(sign > 0, "target", np.where(sign < 0, "reference", "none")).astype(object)
        p = stats.p_value(g2v)
        p_adj = stats.bh_adjust(p)
        lr = stats.log_ratio(a, b, n1, n2)
        disp = np.where(sign < 0, b_st, a_st)
        shown = disp >= min_dispersion
        small = st1 < 2 or st2 < 2
        warning = _warning(t_name, st1, ref_name, st2)
        if small:
            logger.warning("keyness %s=%s vs %s: %s", group_by, t_name, ref_name, warning)
        order = np.lexsort((idx[shown], -(sign * g2v)[shown]))
        sel = np.flatnonzero(shown)[order]
        n = len(sel)

        def na_int(values: Any) -> Any:
            return pd.array(values, dtype="Int64")

        frame = pd.DataFrame({
            "group_by": [group_by] * n,
            "target": [t_name] * n,
            "reference": [ref_name] * n,
            "term": vocab[idx[sel]] if n else np.array([], dtype=object),
            "freq_target": a[sel].astype(np.int64),
            "freq_reference": b[sel].astype(np.int64),
            "rel_freq_target": rf1[sel],
            "rel_freq_reference": rf2[sel],
            "g2": (sign * g2v)[sel] + 0.0,
            "direction": direction[sel],
            "log_ratio": lr[sel],
            "p_value": p[sel],
            "p_adjusted": p_adj[sel],
            "n_statements_target": a_st[sel].astype(np.int64),
            "n_statements_reference": b_st[sel].astype(np.int64),
            "n_paragraphs_target": na_int(a_par[idx][sel] if paragraph_level else [pd.NA] * n),
            "n_paragraphs_reference": na_int(b_par[idx][sel] if paragraph_level else [pd.NA] * n),
            "total_statements_target": np.full(n, st1, dtype=np.int64),
            "total_statements_reference": np.full(n, st2, dtype=np.int64),
            "total_paragraphs_target": na_int([par1 if paragraph_level else pd.NA] * n),
            "total_paragraphs_reference": na_int([par2 if paragraph_level else pd.NA] * n),
            "total_tokens_target": np.full(n, n1, dtype=np.int64),
            "total_tokens_reference": np.full(n, n2, dtype=np.int64),
            "small_group": np.full(n, small, dtype=bool),
            "warning": [warning] * n,
        })
        frames.append(frame)
        sig = frame["p_adjusted"] < alpha
        summary.append({
            "group_by": group_by, "target": t_name, "reference": ref_name,
            "reference_groups": ", ".join(g.names[i] for i in ref_idx),
            "total_statements_target": st1, "total_statements_reference": st2,
            "total_paragraphs_target": par1 if paragraph_level else pd.NA,
            "total_paragraphs_reference": par2 if paragraph_level else pd.NA,
            "total_tokens_target": n1, "total_tokens_reference": n2,
            "n_terms": len(idx), "n_terms_shown": n,
            "n_significant_target": int((sig & (frame["direction"] == "target")).sum()),
            "n_significant_reference": int((sig & (frame["direction"] == "reference")).sum()),
            "small_group": small, "warning": warning,
        })

    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(KEYNESS_COLUMNS))
    comp = pd.DataFrame(summary, columns=list(COMPARISON_COLUMNS))
    for col in ("total_paragraphs_target", "total_paragraphs_reference"):
        comp[col] = pd.array(comp[col], dtype="Int64")
    params = {
        "group_by": group_by, "target": target, "reference": reference,
        "min_dispersion": int(min_dispersion), "alpha": float(alpha), "g2_cells": int(g2_cells),
        "per": stats.PER, "zero_frequency": stats.ZERO_FREQUENCY, "unit": dtm.unit,
        "groups": list(g.names), "n_statements_without_group": g.n_statements_without_group,
        "dtm_params": dict(dtm.params),
    }
    return KeynessResult(table=table, comparisons=comp, params=params)


def _plan(g: Grouping, *, target: Any, reference: Any) -> list[tuple[int, np.ndarray, str]]:
    """``[(target index, reference indices, reference name), ...]``."""
    k = len(g.names)
    ti = g.resolve(target, role="target") if target is not None else None
    ri = g.resolve(reference, role="reference") if reference is not None else None
    if ti is not None and ti == ri:
        raise InputError(f"reference: the same group as target ({g.names[ti]!r}); choose two different groups")
    if ri is None:
        targets = [ti] if ti is not None else list(range(k))
        return [(t, np.array([j for j in range(k) if j != t]), REST) for t in targets]
    targets = [ti] if ti is not None else [j for j in range(k) if j != ri]
    return [(t, np.array([ri]), g.names[ri]) for t in targets]


def _row(m: sp.csr_matrix, i: int) -> np.ndarray:
    return np.asarray(m[i].toarray(), dtype=np.int64).ravel()


def _warning(target: str, n_target: int, reference: str, n_reference: int) -> str:
    parts = []
    for role, name, n in (("target", target, n_target), ("reference", reference, n_reference)):
        if n < 2:
            parts.append(f"{role} {name!r} holds {n} statement{'s' if n != 1 else ''}: "
                         "its keywords describe a single text, not a group")
    return "; ".join(parts)
