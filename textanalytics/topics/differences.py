"""Differences in topic share between groups of statements, with an interval and a permutation test.

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
"significant". ``p_adjusted`` applies Benjamini-Hochberg over all rows
(:func:`~textanalytics.compare.stats.bh_adjust`, as keyness does).

Calibration (``benchmarks/validate_topics.py``, 2,000 simulated corpora of 20
statements with no group difference, one pre-specified topic each): the
permutation test gave p < 0.05 in 5.0 % (95 % CI 4.1-6.0 %; p-values uniform),
as a valid test should; the paragraph-and-seed interval excluded 0 in 87 % --
it answers "how precisely are these statements' shares measured", not "does
the group label matter" -- and the interval with ``resample_statements=True``
(the default) in 8.6 %. Read a difference as evidence about the groups only
through ``p_value``.

Families, small groups and adjusted intervals
--------------------------------------------
``p_adjusted`` is Benjamini-Hochberg over every tested row of one call: the
family a grouping shows (the pipeline makes one call per grouping with the
configured pairs and each group against the rest). A side with fewer than
``min_statements`` statements (default 2) gets the estimate only: no
interval, no test, and the reason in ``note``. ``lower_adjusted`` and
``upper_adjusted`` are false-coverage-rate intervals (Benjamini & Yekutieli
2005): with R of the m tested rows passing BH at ``alpha``, each interval is
taken at level ``1 - max(R, 1) * alpha / m`` from the same replicates, so a
row the test selects is covered at the rate the adjustment promises.
``verdict`` reads the two together and is what the report narrates:
``a_higher`` / ``b_higher`` (the adjusted test passes and the adjusted
interval excludes 0 on that side), ``no_evidence`` (neither),
``inconclusive`` (they disagree: never narrated as a finding), or
``not_tested``. The adjusted level can sit beyond the bootstrap's resolution
(``n_bootstrap`` replicates give quantiles down to 1 / n_bootstrap): the
interval is then the replicates' range.

Shares and their intervals: :mod:`.shares`; the machinery: :mod:`.resampling`.

:func:`topic_differences` returns :class:`TopicDifferences`: the tidy
``table`` plus the ``params`` that made it, with ``summary()`` and ``plot()``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..grouping import REST, label_str
from ..results import TableResult
from .config import TopicConfig
from ..compare.stats import bh_adjust
from .resampling import Design, crc, design, interval, permutation_test, replicates
from .shares import Models, estimate_params, estimate_settings, topic_columns

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

__all__ = ["topic_differences", "TopicDifferences"]


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
def _explicit_pairs(d: Design, pairs: Any) -> list[tuple[int, int | None]]:
    """``pairs`` as group codes, in order, each comparison once (a mirror ``(b, a)`` of a listed pair is dropped)."""
    out: list[tuple[int, int | None]] = []
    for pair in pairs:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise InputError(f"pairs: each comparison is (group_a, group_b), got {pair!r}")
        a, b = pair
        found = _pairs(d, a, b, "pairs")[0]
        if found not in out and (found[1] is None or (found[1], found[0]) not in out):
            out.append(found)
    return out


def _pairs(d: Design, group_a: Any, group_b: Any, versus: str) -> list[tuple[int, int | None]]:
    """Pairs of group codes; ``None`` as the second element means "every other statement".

    With two groups, "each against the rest" is the single pair (the second
    row would be its mirror image).
    """
    if versus not in ("pairs", "rest"):
        raise InputError(f"versus: expected 'pairs' or 'rest', got {versus!r}")
    g = len(d.groups)
    if g == 2 and group_a is None and group_b is None:
        return [(0, 1)]
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
                      pairs: Any = None, alpha: float = 0.05, min_statements: int = 2,
                      seed: int | None = None, config: TopicConfig | None = None,
                      resample_statements: bool = True) -> TopicDifferences:
    """Difference in topic share between groups, with an interval and a permutation p-value.

    Which comparisons: ``group_a`` and ``group_b`` given -> that pair
    (``group_b=REST`` = every other statement); only ``group_a`` -> it against
    each other group (``versus="pairs"``) or against all others
    (``versus="rest"``); neither -> every pair of groups (``"pairs"``, the
    default) or each group against the rest (``"rest"``; with two groups, the
    one pair). ``pairs``: an explicit list of ``(group_a, group_b)``
    comparisons instead (``group_b`` may be ``REST``), in the order given, each
    once -- the report passes the configured pairs and then each group against
    the rest.

    ``alpha``: level of the Benjamini-Hochberg family and of the ``verdict``;
    ``min_statements``: a side with fewer statements gets no interval and no
    test (module docstring).

    Parameters as in :func:`topic_shares`; ``config.n_permutations`` bounds the
    permutation test (exact enumeration up to that many relabelings).

    Returns
    -------
    TopicDifferences
        ``table``: ``group_by, group_a, group_b, topic, label, difference, lower, upper,
        p_value, p_adjusted, lower_adjusted, upper_adjusted, verdict, min_p_value,
        test, n_relabelings, n_a, n_b, unstable, note``;
        ``difference = share(group_a) - share(group_b)``; ``lower``/``upper``
        at ``config.confidence`` for each row alone, ``*_adjusted`` at the
        false-coverage-rate level of the family; ``verdict`` as in the module
        docstring.
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
    ens, seed, config = estimate_settings(models, seed, config)
    d = design(ens, corpus, group_by, config.group_weight)
    if pairs is not None:
        if group_a is not None or group_b is not None:
            raise InputError("pairs: give either pairs or group_a/group_b, not both")
        pairs = _explicit_pairs(d, pairs)
    else:
        pairs = _pairs(d, group_a, group_b, versus)
    rep = replicates(d, seed=seed, n_bootstrap=config.n_bootstrap, resample_statements=resample_statements)
    topics = topic_columns(ens, config)
    k = ens.k
    stmt_start = np.r_[0, np.cumsum(d.group_sizes)[:-1]]
    total_a_rep, total_b_rep = rep.a_rep.sum(axis=1), rep.b_rep.sum(axis=1)
    frames, draws = [], []
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
        if min(n_a, n_b) < min_statements:
            lower = upper = p = min_p = np.full(k, np.nan)
            test, n_rel, diff_rep = "none", 0, None
        else:
            lower, upper = interval(diff_rep, config.confidence)
            both = np.r_[in_a, in_b]
            rng = np.random.default_rng([seed, 2, crc(group_by, d.groups[ia], label_b)])
            p, min_p, test, n_rel = permutation_test(rep.stmt_a[both], rep.stmt_b[both], n_a,
                                                      n_permutations=config.n_permutations, rng=rng)
        draws.append(diff_rep)
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
    adjusted = _adjust_family(out["p_value"].to_numpy(), draws, k=k, alpha=alpha)
    fcr_level = adjusted.pop("fcr_level")
    at = out.columns.get_loc("min_p_value")
    for offset, (name, values) in enumerate(adjusted.items()):
        out.insert(at + offset, name, values)
    out["note"] = [_difference_note(r, len(ens.models), ens.reference.stability_threshold, min_statements)
                   for r in out.itertuples(index=False)]
    out = out.drop(columns=["stability"])
    params = {**estimate_params(d, ens, seed, config, resample_statements), "group_a": group_a, "group_b": group_b,
              "versus": versus, "pairs": None if pairs is None else [(label_str(d.groups[a]), REST if b is None
                                                                     else label_str(d.groups[b])) for a, b in pairs],
              "alpha": alpha, "min_statements": min_statements, "n_permutations": config.n_permutations,
              "fcr_level": fcr_level}
    return TopicDifferences(table=out, params=params)


def _adjust_family(p: np.ndarray, draws: list[np.ndarray | None], *, k: int, alpha: float) -> dict[str, Any]:
    """BH over the tested rows, false-coverage-rate intervals from each row's replicates, and the verdict."""
    tested = np.isfinite(p)
    p_adj = np.full(len(p), np.nan)
    p_adj[tested] = bh_adjust(p[tested])
    m = int(tested.sum())
    selected = int((p_adj[tested] <= alpha).sum())
    level = 1.0 - max(selected, 1) * alpha / m if m else np.nan
    lower, upper = np.full(len(p), np.nan), np.full(len(p), np.nan)
    for i, rep in enumerate(draws):  # one block of k rows (topics) per comparison
        if rep is not None:
            lower[i * k:(i + 1) * k], upper[i * k:(i + 1) * k] = interval(rep, level)
    passes = p_adj <= alpha
    verdict = np.where(~tested, "not_tested",
                       np.where(passes & (lower > 0), "a_higher",
                                np.where(passes & (upper < 0), "b_higher",
                                         np.where(~passes & (lower <= 0) & (upper >= 0), "no_evidence",
                                                  "inconclusive"))))
    return {"p_adjusted": p_adj, "lower_adjusted": lower, "upper_adjusted": upper,
            "verdict": pd.Series(verdict, dtype=object).to_numpy(), "fcr_level": level}


def _difference_note(row: Any, n_fits: int, threshold: float, min_statements: int) -> str:
    notes = []
    small = [f"{label_str(g)} ({n})" for g, n in ((row.group_a, row.n_a), (row.group_b, row.n_b))
             if n < min_statements]
    singles = [label_str(g) for g, n in ((row.group_a, row.n_a), (row.group_b, row.n_b)) if n == 1]
    if small:
        notes.append(f"fewer than {min_statements} statements in {' and '.join(small)}: the estimate "
                     "describes those texts; no interval and no test")
    elif singles:
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
