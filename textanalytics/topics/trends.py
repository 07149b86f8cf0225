"""Trends in topic share over ordered groups (years, decades, quarters, months, periods).

Pairwise differences between 31 years answer the wrong question; a researcher
asks whether a topic rises or falls over time. :func:`topic_trends` fits, per
topic, the weighted least-squares line of the statements' topic shares on
the group's position in time, and tests it by permuting the statements'
positions (statements, not paragraphs or tokens, are the exchangeable units).

The slope
---------
Each statement ``i`` has a share ``s_i`` of topic ``t`` (its modelled tokens
assigned to ``t`` over its modelled tokens, reference fit) and a weight
``w_i``: its modelled tokens with ``group_weight = "tokens"`` (the default,
so the line passes through the same token-weighted shares as
:func:`~textanalytics.topics.topic_shares`), 1 with ``"statements"``. The
slope is ``sum w (x - x̄)(s - s̄) / sum w (x - x̄)²`` with ``x`` the group's
position in years: the mean date of its statements
(:func:`~textanalytics.grouping.dated_positions`) when the corpus has dates; else its label's (:func:`~textanalytics.grouping.time_positions`:
a year label is that year, ``1990s`` is 1990, ``2016-Q2`` is 2016.25, ``2016-03`` is
2016 + 2/12, a period named by its first year, ``1997–2007 Blair``, is that year).
The labels must name times either way; dates only place the groups where their
data are (a "1980s" holding only 1989 at 1989.5, not 1980).
``params["positioned_by"]`` says which rule applied, ``params["positions"]`` gives
each group's. Slopes are per year; ``change`` is the
slope times the span from ``change_from`` to ``change_to`` (the change of share
the line implies between them): the first and last groups, except that end
groups holding together fewer than :data:`SPAN_END_SHARE` of the statements are
left out of the span (still in the fit), so two stray articles months before the
rest do not stretch the change over months without data.

Uncertainty
-----------
``lower``/``upper``: percentile interval of the slope over the same
hierarchical bootstrap replicates as shares (statements within groups,
paragraphs within statements, seed refits); the slope of group sums equals
the slope over statements, so each replicate is cheap. ``p_value``: the share
of ``n_permutations`` random relabelings of the statements' positions whose
|slope| is at least the observed one, ``(1 + b) / (B + 1)``; ``p_adjusted``:
Benjamini-Hochberg over the topics of the call. Needs at least 3 groups with a
position and 4 statements; groups whose labels do not start with a year give
an :class:`~textanalytics.errors.InputError`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..compare.stats import bh_adjust
from ..errors import InputError
from ..grouping import dated_positions, label_str, time_positions
from ..results import TableResult
from .config import TopicConfig
from .resampling import crc, design, interval, replicates
from .shares import Models, estimate_params, estimate_settings, topic_columns

__all__ = ["TopicTrends", "topic_trends", "change_span", "TREND_COLUMNS", "SPAN_END_SHARE"]

#: Columns of :attr:`TopicTrends.table`.
TREND_COLUMNS = ("group_by", "topic", "label", "slope", "lower", "upper", "change", "change_from", "change_to",
                 "p_value", "p_adjusted",
                 "first", "last", "n_groups", "n_statements", "min_group_statements", "max_group_statements",
                 "unstable")

#: End groups holding together fewer than this share of the statements are left out of the span of ``change``.
SPAN_END_SHARE = 0.025


def change_span(x_group: np.ndarray, sizes: np.ndarray, *, end_share: float = SPAN_END_SHARE) -> tuple[int, int]:
    """Indices of the first and last group of the span ``change`` is reported over.

    Groups in time order; from each end, groups are left out while they hold, together with the groups
    already left out at that end, fewer than ``end_share`` of the statements. At least two groups stay
    (else the whole range is the span).

    >>> change_span(np.array([2016.25, 2016.92, 2017.0, 2017.08]), np.array([2, 900, 1000, 1100]))
    (1, 3)
    >>> change_span(np.array([2016.0, 2017.0, 2018.0]), np.array([1, 2, 1]))
    (0, 2)
    """
    order = np.argsort(x_group, kind="stable")
    share = np.asarray(sizes, dtype=float)[order] / max(float(np.sum(sizes)), 1.0)
    lo, hi = 0, len(order) - 1
    while lo < hi - 1 and share[:lo + 1].sum() < end_share:
        lo += 1
    while hi > lo + 1 and share[hi:].sum() < end_share:
        hi -= 1
    return int(order[lo]), int(order[hi])


@dataclass(frozen=True, eq=False, repr=False)
class TopicTrends(TableResult):
    """Per-topic trend of share over an ordered grouping (:func:`topic_trends`).

    ``table`` columns: ``group_by``, ``topic``, ``label``; ``slope`` (share per
    year) with ``lower``/``upper`` (bootstrap interval at ``config.confidence``);
    ``change`` (slope × the span from ``change_from`` to ``change_to``: :func:`change_span`);
    ``p_value`` (permutation) and ``p_adjusted`` (BH over the topics); ``first``/``last`` (the first and last groups);
    ``n_groups``, ``n_statements``, ``min_group_statements`` and
    ``max_group_statements`` (how unevenly time is covered); ``unstable``.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("group_by", "confidence", "n_permutations")

    def summary(self) -> pd.DataFrame:
        """Topics by adjusted p then |change|: slope, interval, change over the span, p-values."""
        t = self.table.assign(abs_change=self.table["change"].abs())
        t = t.sort_values(["p_adjusted", "abs_change", "topic"], ascending=[True, False, True], kind="stable")
        return t[["topic", "label", "slope", "lower", "upper", "change", "p_value", "p_adjusted"]].reset_index(drop=True)


def _slopes(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weighted least-squares slopes of a/b on x, weights b: x (..., n), a (n, K) or (..., n, K), b (..., n)."""
    total_b = b.sum(axis=-1)
    x_bar = (x * b).sum(axis=-1) / total_b
    centred = x - x_bar[..., None]
    num = np.einsum("...n,...nk->...k", centred, a) if a.ndim == x.ndim + 1 else centred @ a
    den = (centred ** 2 * b).sum(axis=-1)
    return num / den[..., None]


def topic_trends(models: Models, *, corpus: Any, group_by: str, seed: int | None = None,
                 config: TopicConfig | None = None, resample_statements: bool = True) -> TopicTrends:
    """Slope of each topic's share over the ordered groups of ``group_by``, with interval and permutation p.

    ``models``, ``seed``, ``config`` and ``resample_statements`` as in
    :func:`~textanalytics.topics.topic_shares`. See the module docstring for
    the estimate and its tests.

    Example
    -------
    >>> topic_trends(ens, corpus=corpus, group_by="year").table  # doctest: +SKIP
    """
    ens, seed, config = estimate_settings(models, seed, config)
    d = design(ens, corpus, group_by, config.group_weight)
    x_group = time_positions(d.groups)
    if x_group is None:
        raise InputError(f"group_by: the groups of {group_by!r} ({', '.join(label_str(g) for g in d.groups[:3])}, "
                         "...) do not start with a year; a trend needs years, decades, quarters, months or "
                         "periods named by their first year")
    if len(d.groups) < 3 or d.n_statements < 4:
        raise InputError(f"group_by: {group_by!r} has {len(d.groups)} group(s) and {d.n_statements} statement(s); "
                         "a trend needs at least 3 groups and 4 statements (compare two groups instead)")
    # Where the data are: each group at its statements' mean date.
    dated = dated_positions(d.groups, corpus=corpus, group_by=group_by)
    positioned_by = "label" if dated is None else "date"
    x_group = x_group if dated is None else dated
    rep = replicates(d, seed=seed, n_bootstrap=config.n_bootstrap, resample_statements=resample_statements)
    slope = _slopes(x_group, rep.a, rep.b)
    lower, upper = interval(_slopes(np.broadcast_to(x_group, rep.b_rep.shape), rep.a_rep, rep.b_rep),
                            config.confidence)
    x_stmt = x_group[d.statement_group]
    rng = np.random.default_rng([seed, 3, crc(group_by)])
    n_perm = config.n_permutations
    extreme = np.zeros(len(slope))
    batch = max(1, min(n_perm, 20_000_000 // (8 * d.n_statements)))  # about 20 MB of positions at a time
    for start in range(0, n_perm, batch):
        size = min(batch, n_perm - start)
        perm = x_stmt[np.argsort(rng.random((size, d.n_statements)), axis=1)]
        null = _slopes(perm, rep.stmt_a, np.broadcast_to(rep.stmt_b, perm.shape))
        extreme += (np.abs(null) >= np.abs(slope) - 1e-12).sum(axis=0)
    p = (1.0 + extreme) / (n_perm + 1.0)
    topics = topic_columns(ens, config)
    order = np.argsort(x_group, kind="stable")
    lo, hi = change_span(x_group, d.group_sizes)
    table = pd.DataFrame({
        "group_by": group_by,
        "topic": topics["topic"].to_numpy(),
        "label": topics["label"].to_numpy(dtype=object),
        "slope": slope,
        "lower": lower,
        "upper": upper,
        "change": slope * float(x_group[hi] - x_group[lo]),
        "change_from": label_str(d.groups[lo]),
        "change_to": label_str(d.groups[hi]),
        "p_value": p,
        "p_adjusted": bh_adjust(p),
        "first": label_str(d.groups[order[0]]),
        "last": label_str(d.groups[order[-1]]),
        "n_groups": len(d.groups),
        "n_statements": d.n_statements,
        "min_group_statements": int(d.group_sizes.min()),
        "max_group_statements": int(d.group_sizes.max()),
        "unstable": topics["unstable"].array,
    })
    params = {**estimate_params(d, ens, seed, config, resample_statements), "n_permutations": n_perm,
              "positioned_by": positioned_by,
              "positions": {label_str(g): round(float(x), 6) for g, x in zip(d.groups, x_group)}}
    return TopicTrends(table=table, params=params)
