"""Topic shares per statement and per group, and differences between groups, with uncertainty.

Estimates
---------
The estimand is the share of a group's **kept tokens** (its words after
stopwords, lemmas and phrases: ``units.n_tokens``) that the model assigns to
topic k -- every kept token, not only those of the terms the model was fitted
on. Vocabulary pruning for the fit (``min_df``, ``max_df``, ``max_features``)
removes words of some topics more than of others; a share over the modelled
tokens alone would shrink those topics and every difference in their share.
Each unit's topic proportions are therefore extended to its pruned tokens with
the fitted topics held fixed (:mod:`textanalytics.topics.kept_tokens`; the
model's own proportions when nothing was pruned). A statement's share of topic
k is the mean of its units' proportions weighted by their kept tokens. A
group's share combines its statements by ``config.group_weight``: ``"tokens"``
(default) weights each statement by its kept tokens -- the share of all the
group's words, so long statements weigh more; ``"statements"`` gives every
statement the same weight. Point estimates use the reference fit on all units;
units with no modelled token at all are left out (``params["dropped_units"]``
of the fit).

Intervals
---------
Percentile intervals (``config.confidence``, default 95 %) from
``config.n_bootstrap`` replicates; each replicate draws one of the fits (the
reference and the refits with other seeds, aligned to it), resamples the
statements of every group with replacement and the units of every statement
(``resample_statements=True``, the default, as in the report). They so combine
the uncertainty of the model (seeds) with that of the sample of statements and
paragraphs. With ``resample_statements=False`` only paragraphs are resampled:
the interval then describes the statements at hand, not other statements by
the same speaker or year. A group with a single statement has no
between-statement variation to resample, and the output says so.

Differences
-----------
``difference = share_a - share_b`` with an interval from the same replicates,
and a permutation test of "the group label does not matter": the labels of the
statements of the two groups are shuffled (statements are the exchangeable
units, not paragraphs), keeping the group sizes, and the two-sided statistic
``|share_a - share_b|`` (reference fit) is recomputed. When the number of
distinct relabelings C(n_a + n_b, n_a) is at most ``config.n_permutations``,
all of them are enumerated and ``p`` is exact: the fraction of relabelings at
least as extreme as the observed one (which is among them, so p >= 1/C).
Otherwise ``n_permutations`` random relabelings give
``p = (1 + #{at least as extreme}) / (n_permutations + 1)`` (Phipson & Smyth
2010). ``min_p_value`` is the smallest p the test can give for these group
sizes: with one statement against three it is 0.25, so nothing can be
"significant". ``p_adjusted`` applies Benjamini-Hochberg over all rows.

Calibration (``benchmarks/validate_topics.py``, 2,000 simulated corpora of 20
statements with no group difference, one pre-specified topic each): the
permutation test gave p < 0.05 in 5.0 % (95 % CI 4.1-6.0 %; p-values uniform),
as a valid test should; the paragraph-and-seed interval excluded 0 in 87 % --
it answers "how precisely are these statements' shares measured", not "does
the group label matter" -- and the interval with ``resample_statements=True``
(the default) in 8.6 %. Read a difference as evidence about the groups only
through ``p_value``.

Results
-------
:func:`topic_shares` returns :class:`TopicShares`, :func:`topic_differences`
:class:`TopicDifferences`: the tidy ``table`` plus the ``params`` that made it
(seed, seeds, replicates, confidence, weighting, resampling, statements
without a group), with ``summary()`` and ``plot()``.
"""

from __future__ import annotations

import itertools
import logging
import math
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..grouping import REST, Grouping, group_units, label_str
from ..results import TableResult
from .config import TopicConfig
from .describe import topic_labels
from .model import TopicEnsemble, TopicModel, make_ensemble

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

__all__ = ["topic_shares", "topic_differences", "TopicShares", "TopicDifferences", "REST"]

Models = TopicModel | TopicEnsemble | Sequence[TopicModel]


def _as_ensemble(models: Models) -> TopicEnsemble:
    if isinstance(models, TopicEnsemble):
        return models
    if isinstance(models, TopicModel):
        return TopicEnsemble(reference=models)
    if isinstance(models, Sequence) and models and all(isinstance(m, TopicModel) for m in models):
        return make_ensemble(list(models))
    raise InputError("models: expected a TopicModel, a TopicEnsemble or a list of TopicModels "
                     "(fits of one K with different seeds)")


def _crc(*parts: Any) -> int:
    """A stable 32-bit number from labels, to derive independent sub-seeds."""
    return zlib.crc32("\x1f".join(label_str(p) for p in parts).encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# The data every estimate needs
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Design:
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


def _design(ens: TopicEnsemble, corpus: Any, group_by: str, mode: str) -> _Design:
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
    return _Design(
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


def _segment_sum(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Sums of consecutive blocks (all lengths > 0) along the first axis."""
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    return np.add.reduceat(values, starts, axis=0)


def _statement_parts(d: _Design, theta: np.ndarray, idx: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Per statement ``(a (S, K), b (S,))`` with group share = sum(a) / sum(b)."""
    w = d.weights if idx is None else d.weights[idx]
    th = theta if idx is None else theta[idx]
    num = _segment_sum(w[:, None] * th, d.unit_lengths)
    den = _segment_sum(w, d.unit_lengths)
    if d.mode == "statements":
        return num / den[:, None], np.ones_like(den)
    return num, den


@dataclass(frozen=True)
class _Replicates:
    """Group sums of the point estimate and of every bootstrap replicate."""

    a: np.ndarray       # (G, K)     point estimate numerators
    b: np.ndarray       # (G,)
    a_rep: np.ndarray   # (B, G, K)
    b_rep: np.ndarray   # (B, G)
    stmt_a: np.ndarray  # (S, K)     reference fit, all units: for the permutation test
    stmt_b: np.ndarray  # (S,)


def _replicates(d: _Design, *, seed: int, n_bootstrap: int, resample_statements: bool) -> _Replicates:
    rng = np.random.default_rng([seed, 1, _crc(d.group_by)])
    n_fits, n_units, k = d.theta.shape
    s = d.n_statements
    g = len(d.groups)
    unit_start = np.r_[0, np.cumsum(d.unit_lengths)[:-1]]
    unit_stmt = np.repeat(np.arange(s), d.unit_lengths)
    stmt_start = np.r_[0, np.cumsum(d.group_sizes)[:-1]]
    stmt_a, stmt_b = _statement_parts(d, d.theta[0], None)
    a_rep = np.empty((n_bootstrap, g, k))
    b_rep = np.empty((n_bootstrap, g))
    for r in range(n_bootstrap):
        fit = rng.integers(n_fits)
        idx = unit_start[unit_stmt] + np.floor(rng.random(n_units) * d.unit_lengths[unit_stmt]).astype(np.int64)
        sa, sb = _statement_parts(d, d.theta[fit], idx)
        if resample_statements:
            grp = d.statement_group
            pick = stmt_start[grp] + np.floor(rng.random(s) * d.group_sizes[grp]).astype(np.int64)
            mult = np.bincount(pick, minlength=s).astype(float)
            sa, sb = sa * mult[:, None], sb * mult
        a_rep[r] = _segment_sum(sa, d.group_sizes)
        b_rep[r] = _segment_sum(sb, d.group_sizes)
    return _Replicates(
        a=_segment_sum(stmt_a, d.group_sizes), b=_segment_sum(stmt_b, d.group_sizes),
        a_rep=a_rep, b_rep=b_rep, stmt_a=stmt_a, stmt_b=stmt_b,
    )


def _interval(values: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1.0 - confidence) / 2.0
    lower, upper = np.quantile(values, [tail, 1.0 - tail], axis=0)
    return lower, upper


def _settings(models: Models, seed: int | None, config: TopicConfig | None) -> tuple[TopicEnsemble, int, TopicConfig]:
    ens = _as_ensemble(models)
    config = config or TopicConfig()
    if seed is None:
        seed = int(ens.reference.params.get("seed", 0))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed: must be an integer, got {seed!r}")
    return ens, int(seed), config


def _topic_columns(ens: TopicEnsemble, config: TopicConfig) -> pd.DataFrame:
    """Labels as in the report's topic table (the config's ranking and weights)."""
    return topic_labels(ens, lambda_=config.relevance_lambda, label_by=config.label_by,
                        frexweight=config.frexweight)[["topic", "label", "stability", "unstable"]]


def _single_note(n: int, seeds: int) -> str:
    source = "paragraphs and seeds" if seeds > 1 else "paragraphs"
    return (f"only {n} statement: the interval reflects {source}, "
            "not variation between statements")


# ---------------------------------------------------------------------------------------------
# Shares
# ---------------------------------------------------------------------------------------------
def topic_shares(models: Models, *, corpus: Any, group_by: str, seed: int | None = None,
                 config: TopicConfig | None = None, resample_statements: bool = True) -> "TopicShares":
    """Share of every topic in every group of statements, with an interval.

    Parameters
    ----------
    models:
        A :class:`TopicEnsemble` (intervals include the variation between
        seeds), a list of fits of one K with different seeds (aligned to the
        first), or a single :class:`TopicModel` (no seed variation).
    corpus:
        The :class:`~textanalytics.corpus.Corpus` (or its ``statements``
        DataFrame) holding the ``group_by`` column.
    group_by:
        A column of ``corpus.statements`` (``"year"``, ``"speaker"``, ...) or
        ``"statement_id"`` for one row per statement. Statements with no value
        form no group; their number is logged and stored in
        ``result.params["n_statements_without_group"]``.
    seed:
        Seed of the bootstrap (default: the reference fit's seed).
    config:
        :class:`TopicConfig` for ``n_bootstrap``, ``confidence`` and ``group_weight``.
    resample_statements:
        True (default, as in the report): resample statements within groups as
        well as paragraphs within statements -- an interval for "statements like
        these". False: paragraphs only -- how precisely *these* statements'
        shares are measured (under no group difference such intervals excluded
        0 in 87 % of simulated corpora; see the module docstring).

    Returns
    -------
    TopicShares
        ``table``: ``group_by, group, topic, label, share, lower, upper,
        n_statements, n_units, n_tokens, unstable, note``; one row per group ×
        topic, sorted by group (numbers numerically) then topic. Shares of a
        group sum to 1. ``note`` says when a group has a single statement.
        ``params``: ``group_by, n_statements_without_group, seed, seeds,
        n_bootstrap, confidence, group_weight, resample_statements``.

    Example
    -------
    >>> ens = fit_topic_ensemble(dtm, k=6, seeds=[1, 2, 3])                            # doctest: +SKIP
    >>> topic_shares(ens, corpus=corpus, group_by="year").table.query("topic == 1")  # doctest: +SKIP
    """
    ens, seed, config = _settings(models, seed, config)
    d = _design(ens, corpus, group_by, config.group_weight)
    rep = _replicates(d, seed=seed, n_bootstrap=config.n_bootstrap, resample_statements=resample_statements)
    share = rep.a / rep.b[:, None]
    lower, upper = _interval(rep.a_rep / rep.b_rep[:, :, None], config.confidence)
    g, k = share.shape
    topics = _topic_columns(ens, config)
    n_units = np.bincount(np.repeat(d.statement_group, d.unit_lengths), minlength=g)
    n_tokens = np.bincount(np.repeat(d.statement_group, d.unit_lengths), weights=d.weights, minlength=g)
    notes = [_single_note(1, len(ens.models)) if n == 1 else "" for n in d.group_sizes]
    out = pd.DataFrame({
        "group_by": group_by,
        "group": pd.Series(np.repeat(np.array(d.groups, dtype=object), k), dtype=object),
        "topic": np.tile(topics["topic"].to_numpy(), g),
        "label": np.tile(topics["label"].to_numpy(dtype=object), g),
        "share": share.ravel(),
        "lower": lower.ravel(),
        "upper": upper.ravel(),
        "n_statements": np.repeat(d.group_sizes, k),
        "n_units": np.repeat(n_units, k),
        "n_tokens": np.repeat(n_tokens.astype(np.int64), k),
        "unstable": pd.array(np.tile(topics["unstable"].to_numpy(dtype=object), g), dtype="boolean"),
        "note": np.repeat(np.array(notes, dtype=object), k),
    })
    return TopicShares(table=out, params=_params(d, ens, seed, config, resample_statements))


def _params(d: _Design, ens: TopicEnsemble, seed: int, config: TopicConfig,
            resample_statements: bool) -> dict[str, Any]:
    return {
        "group_by": d.group_by,
        "n_statements_without_group": d.n_missing,
        "seed": seed,
        "seeds": ens.seeds,
        "n_bootstrap": config.n_bootstrap,
        "confidence": config.confidence,
        "group_weight": config.group_weight,
        "resample_statements": bool(resample_statements),
    }


@dataclass(frozen=True, eq=False, repr=False)
class TopicShares(TableResult):
    """Topic shares per group of statements (:func:`topic_shares`).

    Attributes
    ----------
    table:
        One row per group × topic; columns described in :func:`topic_shares`.
    params:
        ``group_by, n_statements_without_group, seed, seeds, n_bootstrap,
        confidence, group_weight, resample_statements``.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("group_by", "confidence", "resample_statements")

    def summary(self) -> pd.DataFrame:
        """Shares as a grid: one row per topic (with its label), one column per group."""
        t = self.table.assign(group=self.table["group"].map(label_str))
        return t.pivot(index=["topic", "label"], columns="group", values="share")[
            list(dict.fromkeys(t["group"]))]

    def plot(self, *, kind: Literal["auto", "lines", "heatmap"] = "auto", **kwargs: Any) -> "Figure":
        """Shares with intervals per topic across groups (``"lines"``, for ordered groups such
        as years) or a topic × group heatmap (``"heatmap"``); ``"auto"`` draws lines when every
        group is a number. Other options go to :func:`~textanalytics.topics.plot_shares_over_time`
        or :func:`~textanalytics.topics.plot_share_heatmap`.
        """
        from . import plots  # matplotlib is imported on first plot, not with the results

        if kind not in ("auto", "lines", "heatmap"):
            raise InputError(f"kind: expected 'auto', 'lines' or 'heatmap', got {kind!r}")
        if kind == "auto":
            numbers = pd.to_numeric(self.table["group"].map(label_str), errors="coerce")
            kind = "lines" if numbers.notna().all() else "heatmap"
        if kind == "heatmap":
            return plots.plot_share_heatmap(self.table, **kwargs)
        return plots.plot_shares_over_time(self.table, confidence=self.params.get("confidence", 0.95), **kwargs)


@dataclass(frozen=True, eq=False, repr=False)
class TopicDifferences(TableResult):
    """Differences in topic share between groups (:func:`topic_differences`).

    Attributes
    ----------
    table:
        One row per comparison × topic; columns described in :func:`topic_differences`.
    params:
        Those of :class:`TopicShares` plus ``group_a, group_b, versus, n_permutations``.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("group_by", "versus", "confidence", "resample_statements")

    def summary(self) -> pd.DataFrame:
        """One row per comparison: sizes, the test, its smallest attainable p, the smallest p
        found (``p_min``) and the largest absolute difference."""
        keys = ["group_by", "group_a", "group_b"]
        t = self.table.assign(abs_difference=self.table["difference"].abs())
        out = t.groupby(keys, sort=False).agg(
            n_a=("n_a", "first"), n_b=("n_b", "first"), test=("test", "first"),
            n_relabelings=("n_relabelings", "first"), min_p_value=("min_p_value", "min"),
            p_min=("p_value", "min"), max_abs_difference=("abs_difference", "max"))
        return out.reset_index()

    def plot(self, **kwargs: Any) -> "Figure":
        """Forest plot of one pair; see :func:`~textanalytics.topics.plot_differences`."""
        from .plots import plot_differences  # matplotlib is imported on first plot

        return plot_differences(self.table, confidence=self.params.get("confidence", 0.95), **kwargs)


# ---------------------------------------------------------------------------------------------
# Differences
# ---------------------------------------------------------------------------------------------
def _permutation_test(a: np.ndarray, b: np.ndarray, n_a: int, *, n_permutations: int,
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


def _benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    p = np.asarray(p, dtype=float)
    n = len(p)
    if n == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * n / np.arange(1, n + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adjusted, 1.0)
    return out


def _pairs(d: _Design, group_a: Any, group_b: Any, versus: str) -> list[tuple[int, int | None]]:
    """Pairs of group codes; ``None`` as the second element means "every other statement"."""
    if versus not in ("pairs", "rest"):
        raise InputError(f"versus: expected 'pairs' or 'rest', got {versus!r}")
    g = len(d.groups)
    if group_a is not None and group_b is not None:
        ia = d.grouping.resolve(group_a, role="group_a")
        if label_str(group_b) == REST:
            return [(ia, None)]
        ib = d.grouping.resolve(group_b, role="group_b")
        if ia == ib:
            raise InputError("group_b: must differ from group_a")
        return [(ia, ib)]
    if group_b is not None:
        raise InputError("group_a: give group_a when giving group_b")
    firsts = [d.grouping.resolve(group_a, role="group_a")] if group_a is not None else list(range(g))
    if versus == "rest":
        return [(i, None) for i in firsts]
    if group_a is not None:
        return [(firsts[0], j) for j in range(g) if j != firsts[0]]
    return [(i, j) for i in range(g) for j in range(i + 1, g)]


def topic_differences(models: Models, *, corpus: Any, group_by: str, group_a: Any = None,
                      group_b: Any = None, versus: Literal["pairs", "rest"] = "pairs",
                      seed: int | None = None, config: TopicConfig | None = None,
                      resample_statements: bool = True) -> TopicDifferences:
    """Difference in topic share between groups, with an interval and a permutation p-value.

    Which comparisons: ``group_a`` and ``group_b`` given -> that pair
    (``group_b=REST`` = every other statement); only ``group_a`` -> it against
    each other group (``versus="pairs"``) or against all others
    (``versus="rest"``); neither -> every pair of groups (``"pairs"``, the
    default) or each group against the rest (``"rest"``).

    Parameters as in :func:`topic_shares`; ``config.n_permutations`` bounds the
    permutation test (exact enumeration up to that many relabelings).

    Returns
    -------
    TopicDifferences
        ``table``: ``group_by, group_a, group_b, topic, label, difference, lower, upper,
        p_value, p_adjusted, min_p_value, test, n_relabelings, n_a, n_b,
        unstable, note``; ``difference = share(group_a) - share(group_b)``.
        Sorted by the order of the pairs (groups in sorted order) then topic.
        ``note`` flags groups with a single statement (the interval then has no
        between-statement part and the test little resolution: see
        ``min_p_value``) and unstable topics. The interval describes these
        statements (paragraphs and seeds); evidence that the groups differ is
        ``p_value`` (see the module docstring for its calibration).
        ``params``: those of :func:`topic_shares` plus ``group_a, group_b,
        versus, n_permutations``.

    Example
    -------
    >>> topic_differences(ens, corpus=corpus, group_by="year", group_a=2017, group_b=2019).table  # doctest: +SKIP
    """
    ens, seed, config = _settings(models, seed, config)
    d = _design(ens, corpus, group_by, config.group_weight)
    pairs = _pairs(d, group_a, group_b, versus)
    rep = _replicates(d, seed=seed, n_bootstrap=config.n_bootstrap, resample_statements=resample_statements)
    topics = _topic_columns(ens, config)
    k = ens.k
    stmt_start = np.r_[0, np.cumsum(d.group_sizes)[:-1]]
    total_a_rep, total_b_rep = rep.a_rep.sum(axis=1), rep.b_rep.sum(axis=1)
    frames = []
    for ia, ib in pairs:
        in_a = np.arange(stmt_start[ia], stmt_start[ia] + d.group_sizes[ia])
        if ib is None:
            in_b = np.setdiff1d(np.arange(d.n_statements), in_a)
            a_b, b_b = rep.a.sum(axis=0) - rep.a[ia], rep.b.sum() - rep.b[ia]
            a_b_rep, b_b_rep = total_a_rep - rep.a_rep[:, ia], total_b_rep - rep.b_rep[:, ia]
            label_b: Any = REST
        else:
            in_b = np.arange(stmt_start[ib], stmt_start[ib] + d.group_sizes[ib])
            a_b, b_b, a_b_rep, b_b_rep = rep.a[ib], rep.b[ib], rep.a_rep[:, ib], rep.b_rep[:, ib]
            label_b = d.groups[ib]
        n_a, n_b = len(in_a), len(in_b)
        if n_b == 0:
            logger.info("topics: %s has no other group to compare with", label_str(d.groups[ia]))
            continue
        diff = rep.a[ia] / rep.b[ia] - a_b / b_b
        diff_rep = rep.a_rep[:, ia] / rep.b_rep[:, ia, None] - a_b_rep / b_b_rep[:, None]
        lower, upper = _interval(diff_rep, config.confidence)
        both = np.r_[in_a, in_b]
        rng = np.random.default_rng([seed, 2, _crc(group_by, d.groups[ia], label_b)])
        p, min_p, test, n_rel = _permutation_test(rep.stmt_a[both], rep.stmt_b[both], n_a,
                                                  n_permutations=config.n_permutations, rng=rng)
        frames.append(pd.DataFrame({
            "group_by": group_by,
            "group_a": pd.Series([d.groups[ia]] * k, dtype=object),
            "group_b": pd.Series([label_b] * k, dtype=object),
            "topic": topics["topic"].to_numpy(),
            "label": topics["label"].to_numpy(dtype=object),
            "difference": diff,
            "lower": lower,
            "upper": upper,
            "p_value": p,
            "min_p_value": min_p,
            "test": test,
            "n_relabelings": n_rel,
            "n_a": n_a,
            "n_b": n_b,
            "unstable": topics["unstable"].array,
            "stability": topics["stability"].to_numpy(),
        }))
    if not frames:
        raise InputError(f"group_by: {group_by!r} has a single group; nothing to compare")
    out = pd.concat(frames, ignore_index=True)
    out.insert(out.columns.get_loc("min_p_value"), "p_adjusted", _benjamini_hochberg(out["p_value"].to_numpy()))
    out["note"] = [_difference_note(r, len(ens.models), ens.reference.stability_threshold)
                   for r in out.itertuples(index=False)]
    out = out.drop(columns=["stability"])
    params = {**_params(d, ens, seed, config, resample_statements), "group_a": group_a, "group_b": group_b,
              "versus": versus, "n_permutations": config.n_permutations}
    return TopicDifferences(table=out, params=params)


def _difference_note(row: Any, n_fits: int, threshold: float) -> str:
    notes = []
    singles = [label_str(g) for g, n in ((row.group_a, row.n_a), (row.group_b, row.n_b)) if n == 1]
    if singles:
        source = "paragraphs and seeds" if n_fits > 1 else "paragraphs"
        notes.append(
            f"only 1 statement in {' and '.join(singles)}: the interval reflects {source}, not "
            f"variation between statements; the {row.test} test has {row.n_relabelings} relabelings, "
            f"smallest attainable p = {row.min_p_value:.3g}")
    elif row.min_p_value > 0.05:
        notes.append(f"few statements: smallest attainable p = {row.min_p_value:.3g}")
    if not pd.isna(row.unstable) and bool(row.unstable):
        notes.append(f"topic unstable across seeds (stability {row.stability:.2f} < {threshold:g})")
    return "; ".join(notes)
