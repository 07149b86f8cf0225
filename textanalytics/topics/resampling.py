"""The machinery behind topic shares and differences: the design, bootstrap replicates,
percentile intervals and the permutation test.

Internal to :mod:`textanalytics.topics`: :mod:`.shares` and :mod:`.differences`
describe the estimates and their calibration; this module holds the arrays.
"""

from __future__ import annotations

import itertools
import math
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..grouping import Grouping, group_units, label_str
from .model import TopicEnsemble

__all__ = ["Design", "design", "Replicates", "replicates", "interval", "permutation_test", "crc",
           "segment_sum", "statement_parts"]


def crc(*parts: Any) -> int:
    """A stable 32-bit number from labels, to derive independent sub-seeds."""
    return zlib.crc32("\x1f".join(label_str(p) for p in parts).encode("utf-8"))



# ---------------------------------------------------------------------------------------------
# The data every estimate needs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Design:
    """Units sorted by group then statement, with per-fit topic proportions."""

    grouping: Grouping                # the groups (sorted) and their lookup by name
    groups: list[Any]                 # sorted labels, as found in the column
    statement_ids: np.ndarray         # (S,) in block order
    statement_group: np.ndarray       # (S,) group code
    unit_lengths: np.ndarray          # (S,) units per statement
    group_sizes: np.ndarray           # (G,) statements per group
    weights: np.ndarray               # (P,) kept tokens per unit
    theta: np.ndarray                 # (F, P, K)
    n_missing: int                    # statements with units but no group
    mode: str                         # "tokens" | "statements"

    @property
    def n_statements(self) -> int:
        return len(self.statement_ids)

    @property
    def group_by(self) -> str:
        return self.grouping.group_by


def design(ens: TopicEnsemble, corpus: Any, group_by: str, mode: str) -> Design:
    units = ens.reference.units
    g = group_units(units, corpus=corpus, group_by=group_by)
    sids = units["statement_id"].astype(str).to_numpy()
    codes, groups = g.codes, list(g.values)
    with_group = codes >= 0
    if not with_group.any():
        raise InputError(f"group_by: no statement of the model has a value in column {group_by!r}")
    # Units ordered by (group, statement, original order): statements and groups are blocks.
    rows = np.flatnonzero(with_group)
    s_codes, s_uniques = pd.factorize(sids[rows], sort=True)
    order = rows[np.lexsort((rows, s_codes, codes[rows]))]
    sid_sorted = sids[order]
    starts = np.flatnonzero(np.r_[True, sid_sorted[1:] != sid_sorted[:-1]])
    lengths = np.diff(np.r_[starts, len(order)])
    statement_group = codes[order][starts]
    theta = np.stack([m.kept_doc_topic[order] for m in ens.models])
    return Design(
        grouping=g,
        groups=groups,
        statement_ids=sid_sorted[starts],
        statement_group=statement_group,
        unit_lengths=lengths,
        group_sizes=np.bincount(statement_group, minlength=len(groups)),
        weights=ens.reference.kept_tokens[order],
        theta=theta,
        n_missing=g.n_statements_without_group,
        mode=mode,
    )


def segment_sum(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sums of consecutive blocks (all lengths > 0) along the first axis."""
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    return np.add.reduceat(values, starts, axis=0)


def statement_parts(d: Design, theta: np.ndarray, idx: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per statement ``(a (S, K), b (S,))`` with group share = sum(a) / sum(b)."""
    w = d.weights if idx is None else d.weights[idx]
    th = theta if idx is None else theta[idx]
    num = segment_sum(w[:, None] * th, d.unit_lengths)
    den = segment_sum(w, d.unit_lengths)
    if d.mode == "statements":
        return num / den[:, None], np.ones_like(den)
    return num, den


@dataclass(frozen=True)
class Replicates:
    """Group sums of the point estimate and of every bootstrap replicate."""

    a: np.ndarray       # (G, K)     point estimate numerators
    b: np.ndarray       # (G,)
    a_rep: np.ndarray   # (B, G, K)
    b_rep: np.ndarray   # (B, G)
    stmt_a: np.ndarray  # (S, K)     reference fit, all units: for the permutation test
    stmt_b: np.ndarray  # (S,)


def replicates(d: Design, *, seed: int, n_bootstrap: int, resample_statements: bool) -> Replicates:
    rng = np.random.default_rng([seed, 1, crc(d.group_by)])
    n_fits, n_units, k = d.theta.shape
    s = d.n_statements
    g = len(d.groups)
    unit_start = np.r_[0, np.cumsum(d.unit_lengths)[:-1]]
    unit_stmt = np.repeat(np.arange(s), d.unit_lengths)
    stmt_start = np.r_[0, np.cumsum(d.group_sizes)[:-1]]
    stmt_a, stmt_b = statement_parts(d, d.theta[0], None)
    a_rep = np.empty((n_bootstrap, g, k))
    b_rep = np.empty((n_bootstrap, g))
    for r in range(n_bootstrap):
        fit = rng.integers(n_fits)
        idx = unit_start[unit_stmt] + np.floor(rng.random(n_units) * d.unit_lengths[unit_stmt]).astype(np.int64)
        sa, sb = statement_parts(d, d.theta[fit], idx)
        if resample_statements:
            grp = d.statement_group
            pick = stmt_start[grp] + np.floor(rng.random(s) * d.group_sizes[grp]).astype(np.int64)
            mult = np.bincount(pick, minlength=s).astype(float)
            sa, sb = sa * mult[:, None], sb * mult
        a_rep[r] = segment_sum(sa, d.group_sizes)
        b_rep[r] = segment_sum(sb, d.group_sizes)
    return Replicates(
        a=segment_sum(stmt_a, d.group_sizes), b=segment_sum(stmt_b, d.group_sizes),
        a_rep=a_rep, b_rep=b_rep, stmt_a=stmt_a, stmt_b=stmt_b,
    )


def interval(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(values, [tail, 1.0 - tail], axis=0)
    return lower, upper



# ---------------------------------------------------------------------------------------------
# The permutation test (its p-values are adjusted by compare.stats.bh_adjust)
# ---------------------------------------------------------------------------------------------
def permutation_test(a: np.ndarray, b: np.ndarray, n_a: int, *, n_permutations: int,
                      rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, str, int]:
    """Two-sided permutation test of the difference in group share, per topic.

    ``a`` (n, K) and ``b`` (n,) are the statements' parts (group share =
    sum(a) / sum(b)); the first ``n_a`` statements form group A. Returns
    ``(p_value (K,), min_p_value (K,), test, n_relabelings)``.
    """
    n = len(b)
    total_a, total_b = a.sum(axis=0), b.sum()

    def stat(member: np.ndarray) -> np.ndarray:
        sa = member @ a
        sb = member @ b
        return np.abs(sa / sb[:, None] - (total_a - sa) / (total_b - sb)[:, None])

    observed = stat(np.r_[np.ones(n_a), np.zeros(n - n_a)][None, :])[0]
    n_distinct = math.comb(n, n_a)
    # Shares lie in [0, 1]: anything within 1e-10 of the observed statistic ties with it.
    tol = 1e-10
    if n_distinct <= n_permutations:
        member = np.zeros((n_distinct, n))
        for row, combo in enumerate(itertools.combinations(range(n), n_a)):
            member[row, list(combo)] = 1.0
        t = stat(member)
        p = (t >= observed - tol).mean(axis=0)
        min_p = (t >= t.max(axis=0) - tol).mean(axis=0)
        return p, min_p, "exact", n_distinct
    member = np.zeros((n_permutations, n))
    picks = np.argsort(rng.random((n_permutations, n)), axis=1)[:, :n_a]
    np.put_along_axis(member, picks, 1.0, axis=1)
    t = stat(member)
    p = (1.0 + (t >= observed - tol).sum(axis=0)) / (n_permutations + 1.0)
    return p, np.full(a.shape[1], 1.0 / (n_permutations + 1.0)), "monte carlo", n_permutations
