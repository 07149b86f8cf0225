"""Keyness across all groups at once: the omnibus test (k > 2 groups) and the trend test
(ordered groups), at the level of statements. Tables for :func:`~textanalytics.compare.keyness`."""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import special

from ..grouping import label_str, time_positions
from . import inference
from .keyness_result import OMNIBUS_COLUMNS, TREND_COLUMNS
from .stats import bh_adjust

__all__ = ["ordered_scores", "sub_seed", "StatementData", "tested_terms", "omnibus_table", "trend_table"]



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


class StatementData:
    """Statement × term counts, statement token totals and each statement's group code."""

    __slots__ = ("x", "lengths", "codes", "presence")

    def __init__(self, x: sp.csr_matrix, lengths: np.ndarray, codes: np.ndarray) -> None:
        self.x, self.lengths, self.codes = x, lengths, codes
        presence = x.copy()
        presence.eliminate_zeros()
        presence.data[:] = 1
        self.presence = presence


def tested_terms(df: np.ndarray, *, min_df: int) -> np.ndarray:
    """Terms given a statement-level test: in at least ``max(2, min_df)`` of the compared statements.

    ``df`` counts statements over all compared groups, which a relabeling of statements
    does not change: filtering on it leaves every test valid (independent filtering,
    Bourgon, Gentleman & Huber 2010) and spares the adjustment terms that could never be key.
    """
    return np.flatnonzero(df >= max(2, int(min_df)))


def _table(group_by: str, data: StatementData, vocab: np.ndarray, *, scores: np.ndarray | None, alpha: float,
           min_df: int, seed: int, n_permutations: int, method: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    ok = data.codes >= 0
    x, pres = data.x[ok], data.presence[ok]
    labels = data.codes[ok]
    k = int(labels.max()) + 1
    df = np.asarray(pres.sum(axis=0)).ravel().astype(np.int64)
    cols = tested_terms(df, min_df=min_df)
    freq = np.asarray(x.sum(axis=0)).ravel().astype(np.int64)
    rng = sub_seed(seed, group_by, "trend" if scores is not None else "omnibus")
    res = inference.statement_test(x[:, cols], data.lengths[ok], labels, scores=scores,
                                   n_permutations=n_permutations, rng=rng, method=method)
    sums = inference.group_sums(x[:, cols], data.lengths[ok], labels, k=k)
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


def omnibus_table(group_by: str, data: StatementData, vocab: np.ndarray, **options: Any) -> pd.DataFrame:
    """Per term, the k-group statement-level test (robust score test, or exact permutation for few
    statements) that the term's rate differs between groups; BH over the tested terms.

    Columns :data:`OMNIBUS_COLUMNS`: ``freq`` and ``n_statements`` (count of the term, and
    statements containing it, over all groups), ``n_groups``, ``total_statements``, ``statistic``
    (robust score, χ²(k−1)), ``p_value``, ``p_adjusted`` (BH over the terms), ``p_value_tokens`` (χ²(k−1) of the
    token-level G², for comparison only), ``test``. Sorted by ``p_adjusted`` then term.
    """
    return _table(group_by, data, vocab, scores=None, **options)[0]


def trend_table(group_by: str, data: StatementData, vocab: np.ndarray, *, scores: np.ndarray,
                **options: Any) -> pd.DataFrame:
    """Per term, the statement-level trend test over ordered groups (group ``scores``).

    Columns :data:`TREND_COLUMNS`: as :func:`omnibus_table`, plus ``slope`` (change of the
    log rate per unit of score, e.g. per year; a one-step estimate at the common rate) and
    ``direction`` (``"increasing"``/``"decreasing"``); ``statistic`` is the score statistic
    with its statement-level (robust) variance, ``p_value_tokens`` the Cochran–Armitage test
    that treats tokens as independent.
    """
    return _table(group_by, data, vocab, scores=scores, **options)[0]
