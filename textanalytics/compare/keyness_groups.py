"""Keyness across all groups at once: the omnibus test (k > 2 groups) and the trend test
(ordered groups), at the level of statements. Tables for :func:`~textanalytics.compare.keyness`."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special

from ..grouping import indicator, label_str, statement_indicator, time_positions
from . import inference
from .keyness_result import OMNIBUS_COLUMNS, TREND_COLUMNS
from .stats import bh_adjust

__all__ = ["ordered_scores", "sub_seed", "KeynessSums", "keyness_sums", "tested_terms", "omnibus_table", "trend_table"]



def sub_seed(seed: int, *parts: Any) -> np.random.Generator:
    """A generator for one test, derived from the master ``seed`` and the test's labels."""
    tag = zlib.crc32("\x1f".join(label_str(p) for p in parts).encode("utf-8"))
    return np.random.default_rng([int(seed), 2, tag])


def ordered_scores(values: Any) -> np.ndarray | None:
    """Numeric scores of ordered group labels (three or more), or None when the groups have no order.

    Numbers score as themselves and datetimes as fractional years; text labels by
    :func:`~textanalytics.grouping.time_positions`, the rule topic trends use: ``"2017"``
    as 2017, ``"1990s"`` as 1990, ``"2017-03"`` (month) as 2017 + 2/12, ``"2017-Q2"`` as
    2017.25, a period named by its first year (``"1997–2007 Blair"``) as that year.

    >>> ordered_scores([2017, 2018, 2020]).tolist(), ordered_scores(["1990s", "2000s", "2010s"]).tolist()
    ([2017.0, 2018.0, 2020.0], [1990.0, 2000.0, 2010.0])
    >>> ordered_scores(["Lab", "Con", "SNP"]) is None
    True
    """
    vals = list(values)
    if len(vals) < 3:
        return None
    if all(isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) for v in vals):
        return np.asarray(vals, dtype=np.float64)
    if all(isinstance(v, pd.Timestamp) for v in vals):
        return np.array([v.year + (v.dayofyear - 1) / 365.25 for v in vals])
    return time_positions(vals)


class KeynessSums:
    """What keyness reads, per group (rows, in ``grouping.names`` order) and term (columns, ``vocabulary``):

    ``a`` = Σx (the term's kept tokens), ``x2`` = Σx², ``xl`` = Σx·L (L: a statement's kept tokens),
    ``statements`` and ``paragraphs`` (paragraph level; else None) using the term, all ``(k x V)``
    int64 CSR; per group ``n`` = ΣL, ``l2`` = ΣL², ``s`` statements, ``n_paragraphs`` (or None);
    per statement (sorted by id) ``codes`` (-1: no group) and ``lengths``; ``unit_df``: units (of every
    group or none) using each term, of ``n_units`` (TF-IDF's idf over units, distinctive terms). ``rows(members, cols)``
    gives the statement x term counts (float64 CSR) of the statements ``members`` (a mask) and the
    terms ``cols``, in statement order: only the permutation tests call it. Integer sums, so the
    tests equal those of the matrix whichever backend summed them (:func:`keyness_sums` on the
    driver's matrix, :func:`textanalytics.spark.sums.keyness_sums_on_spark` from a token store).
    """

    __slots__ = ("grouping", "vocabulary", "unit", "params", "a", "x2", "xl", "statements", "paragraphs",
                 "n", "l2", "s", "n_paragraphs", "codes", "lengths", "unit_df", "n_units", "rows")

    def __init__(self, **fields: Any) -> None:
        for name in self.__slots__:
            setattr(self, name, fields[name])

    def sides(self, sides: list[np.ndarray], cols: np.ndarray) -> inference.GroupSums:
        """The observed :class:`~textanalytics.compare.inference.GroupSums` (R = 1) of groups pooled into
        ``sides`` (arrays of group indices), for the terms ``cols``."""
        def pooled(m: sp.csr_matrix) -> np.ndarray:
            sub = m[:, cols]
            return np.stack([np.asarray(sub[idx].sum(axis=0), dtype=np.int64).ravel() for idx in sides])

        def per_side(v: np.ndarray) -> np.ndarray:
            return np.array([[int(v[idx].sum()) for idx in sides]], dtype=np.float64)

        a, x2, xl = (pooled(m).astype(np.float64)[None] for m in (self.a, self.x2, self.xl))
        return inference.GroupSums(a, x2, xl, per_side(self.n), per_side(self.l2), per_side(self.s))


def keyness_sums(dtm: Any, *, grouping: Any) -> KeynessSums:
    """:class:`KeynessSums` of a paragraph- or statement-level matrix, its units grouped by ``grouping``."""
    counts = dtm.counts
    _, s_ind = statement_indicator(dtm)
    # Every unit of a statement shares its group: take the group of each statement's first unit.
    codes = grouping.codes[s_ind.indices[s_ind.indptr[:-1]]]
    x = (s_ind @ counts).tocsr()
    lengths = np.asarray(s_ind @ dtm.token_totals(), dtype=np.int64)
    k = len(grouping.names)
    gs = indicator(codes, n_groups=k)

    def used(m: sp.csr_matrix) -> sp.csr_matrix:
        out = m.copy()
        out.eliminate_zeros()
        out.data[:] = 1
        return out

    def rows(members: np.ndarray, cols: np.ndarray) -> sp.csr_matrix:
        return sp.csr_matrix(x[members][:, cols], dtype=np.float64)

    def summed(m: sp.csr_matrix) -> sp.csr_matrix:  # entries in column order, as a matrix built from triplets
        out = sp.csr_matrix(m)
        out.sort_indices()
        return out

    paragraph = dtm.unit == "paragraph"
    gi = grouping.indicator()
    return KeynessSums(grouping=grouping, vocabulary=np.asarray(dtm.vocabulary, dtype=object), unit=dtm.unit,
                       params=dict(dtm.params), a=summed(gs @ x), x2=summed(gs @ x.multiply(x)),
                       xl=summed(gs @ sp.csr_matrix(sp.diags(lengths, dtype=np.int64) @ x)), statements=summed(gs @ used(x)),
                       paragraphs=summed(gi @ used(counts)) if paragraph else None,
                       n=np.asarray(gs @ lengths, dtype=np.int64), l2=np.asarray(gs @ (lengths * lengths), dtype=np.int64),
                       s=np.asarray(gs.sum(axis=1), dtype=np.int64).ravel(),
                       n_paragraphs=np.asarray(gi.sum(axis=1), dtype=np.int64).ravel() if paragraph else None,
                       codes=codes, lengths=lengths, unit_df=np.diff(sp.csc_matrix(counts).indptr).astype(np.int64),
                       n_units=counts.shape[0], rows=rows)


def tested_terms(df: np.ndarray, *, min_df: int) -> np.ndarray:
    """Terms given a statement-level test: in at least ``max(2, min_df)`` of the compared statements.

    ``df`` counts statements over all compared groups, which a relabeling of statements
    does not change: filtering on it leaves every test valid (independent filtering,
    Bourgon, Gentleman & Huber 2010) and spares the adjustment terms that could never be key.
    """
    return np.flatnonzero(df >= max(2, int(min_df)))


def _table(group_by: str, data: KeynessSums, *, scores: np.ndarray | None, alpha: float,
           min_df: int, seed: int, n_permutations: int, method: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    ok = data.codes >= 0
    labels = data.codes[ok]
    k = len(data.s)
    df = np.asarray(data.statements.sum(axis=0)).ravel().astype(np.int64)
    cols = tested_terms(df, min_df=min_df)
    freq = np.asarray(data.a.sum(axis=0)).ravel().astype(np.int64)
    rng = sub_seed(seed, group_by, "trend" if scores is not None else "omnibus")
    sums = data.sides([np.array([g]) for g in range(k)], cols)

    def permute(statistic: Any, observed: np.ndarray) -> tuple[np.ndarray, bool, int]:
        return inference.permutation_p(statistic, data.rows(ok, cols), data.lengths[ok].astype(np.float64), labels,
                                       observed=observed, n_permutations=n_permutations, rng=rng)

    first = np.asarray(data.statements[0, cols].toarray(), dtype=np.int64).ravel()
    res = inference.statement_test_sums(sums, sizes=data.s, used=df[cols], used_first=first, permute=permute,
                                        scores=scores, n_permutations=n_permutations, method=method)
    vocab = data.vocabulary
    out: dict[str, Any] = {
        "group_by": [group_by] * len(cols), "term": vocab[cols], "freq": freq[cols], "n_statements": df[cols],
        "n_groups": np.full(len(cols), k, dtype=np.int64), "total_statements": np.full(len(cols), len(labels)),
    }
    if scores is not None:
        t_tokens, _ = inference.trend_score(_token_level(sums), scores)
        out["slope"] = res["slope"]
        out["direction"] = np.where(res["slope"] > 0, "increasing", np.where(res["slope"] < 0, "decreasing", "none"))
        p_tokens = special.chdtrc(1, t_tokens[0])
        columns = TREND_COLUMNS
    else:
        p_tokens = special.chdtrc(k - 1, _token_g2(sums))
        columns = OMNIBUS_COLUMNS
    out.update(statistic=res["statistic"], p_value=res["p_value"], p_adjusted=bh_adjust(res["p_value"]),
               p_value_tokens=p_tokens, test=[res["test"]] * len(cols))
    table = pd.DataFrame(out, columns=list(columns))
    table = table.sort_values(["p_adjusted", "term"], kind="stable").reset_index(drop=True)
    info = {"test": res["test"], "n_terms_tested": len(cols), "n_significant": int((table["p_adjusted"] < alpha).sum())}
    return table, info


def _token_level(s: inference.GroupSums) -> inference.GroupSums:
    """Sums as if every token were its own statement (Poisson variance): Σx² = Σx, Σ xL = 0 ... with
    L = 1 per token, so Σ e² = a(1 − r)² + (n − a) r² — the variance of independent tokens."""
    return inference.GroupSums(s.a, s.a, s.a, s.n, s.n, s.n)


def _token_g2(s: inference.GroupSums) -> np.ndarray:
    """The k × 2 likelihood-ratio G² (Poisson deviance of one rate per group against one rate)."""
    expected = s.n[..., None] * s.a.sum(axis=-2, keepdims=True) / s.n.sum(axis=-1)[..., None, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(s.a > 0, s.a * np.log(np.where(s.a > 0, s.a, 1.0) / np.where(expected > 0, expected, 1.0)), 0.0)
    return np.maximum(2.0 * terms.sum(axis=-2), 0.0)[0]


def omnibus_table(group_by: str, data: KeynessSums, **options: Any) -> pd.DataFrame:
    """Per term, the k-group statement-level test (robust score test, or exact permutation for few
    statements) that the term's rate differs between groups; BH over the tested terms.

    Columns :data:`OMNIBUS_COLUMNS`: ``freq`` and ``n_statements`` (count of the term, and
    statements containing it, over all groups), ``n_groups``, ``total_statements``, ``statistic``
    (robust score, χ²(k−1)), ``p_value``, ``p_adjusted`` (BH over the terms), ``p_value_tokens`` (χ²(k−1) of the
    token-level G², for comparison only), ``test``. Sorted by ``p_adjusted`` then term.
    """
    return _table(group_by, data, scores=None, **options)[0]


def trend_table(group_by: str, data: KeynessSums, *, scores: np.ndarray,
                **options: Any) -> pd.DataFrame:
    """Per term, the statement-level trend test over ordered groups (group ``scores``).

    Columns :data:`TREND_COLUMNS`: as :func:`omnibus_table`, plus ``slope`` (change of the
    log rate per unit of score, e.g. per year; a one-step estimate at the common rate) and
    ``direction`` (``"increasing"``/``"decreasing"``); ``statistic`` is the score statistic
    with its statement-level (robust) variance, ``p_value_tokens`` the Cochran–Armitage test
    that treats tokens as independent.
    """
    return _table(group_by, data, scores=scores, **options)[0]
