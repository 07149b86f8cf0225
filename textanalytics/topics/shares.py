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

Differences between groups, their permutation test and its calibration:
:mod:`.differences`; the bootstrap and permutation machinery: :mod:`.resampling`.

Results
-------
:func:`topic_shares` returns :class:`TopicShares`: the tidy ``table`` plus the
``params`` that made it (seed, seeds, replicates, confidence, weighting,
resampling, statements without a group), with ``summary()`` and ``plot()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..grouping import REST, label_str
from ..results import TableResult
from .config import TopicConfig
from .describe import topic_labels
from .model import TopicEnsemble, TopicModel, make_ensemble
from .resampling import Design, design, interval, replicates

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["topic_shares", "TopicShares", "REST", "Models", "as_ensemble", "estimate_settings", "topic_columns",
           "estimate_params"]

Models = TopicModel | TopicEnsemble | Sequence[TopicModel]


def as_ensemble(models: Models) -> TopicEnsemble:
    if isinstance(models, TopicEnsemble):
        return models
    if isinstance(models, TopicModel):
        return TopicEnsemble(reference=models)
    if isinstance(models, Sequence) and models and all(isinstance(m, TopicModel) for m in models):
        return make_ensemble(list(models))
    raise InputError("models: expected a TopicModel, a TopicEnsemble or a list of TopicModels "
                     "(fits of one K with different seeds)")


def estimate_settings(models: Models, seed: int | None, config: TopicConfig | None) -> tuple[TopicEnsemble, int, TopicConfig]:
    ens = as_ensemble(models)
    config = config or TopicConfig()
    if seed is None:
        seed = int(ens.reference.params.get("seed", 0))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed: must be an integer, got {seed!r}")
    return ens, int(seed), config


def topic_columns(ens: TopicEnsemble, config: TopicConfig) -> pd.DataFrame:
    """Labels as in the report's topic table (the config's ranking and weights)."""
    return topic_labels(ens, lambda_=config.relevance_lambda, label_by=config.label_by,
                        frexweight=config.frexweight,
                        min_statements=config.label_min_statements)[["topic", "label", "stability", "unstable"]]


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
        0 in 87 % of simulated corpora; see :mod:`.differences`).

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
    ens, seed, config = estimate_settings(models, seed, config)
    d = design(ens, corpus, group_by, config.group_weight)
    rep = replicates(d, seed=seed, n_bootstrap=config.n_bootstrap, resample_statements=resample_statements)
    share = rep.a / rep.b[:, None]
    lower, upper = interval(rep.a_rep / rep.b_rep[:, :, None], config.confidence)
    g, k = share.shape
    topics = topic_columns(ens, config)
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
    return TopicShares(table=out, params=estimate_params(d, ens, seed, config, resample_statements))


def estimate_params(d: Design, ens: TopicEnsemble, seed: int, config: TopicConfig,
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

