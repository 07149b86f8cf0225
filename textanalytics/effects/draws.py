"""Statement topic proportions and draws from the model's posterior, for the method of composition.

A statement's share of topic k is, as in :mod:`textanalytics.topics.shares`, the mean of its
units' proportions over their kept tokens (``TopicModel.kept_doc_topic``), weighted by the
units' kept tokens. One draw of the composition takes one fit of the ensemble (draw ``d``
uses fit ``d mod F``: the seeds' variation) and draws every unit's proportions from that
fit's posterior before aggregating:

* LDA by Gibbs sampling (``tomotopy``) or variational Bayes (``vb``, ``gensim``,
  ``sklearn_lda``): ``θ_u ~ Dirichlet(n_u · θ̂_u + α)`` written as
  ``Dirichlet(θ̂_u · (n_u + Σα))`` -- for Gibbs the posterior of the unit's topic counts,
  for VB the variational Dirichlet (``γ = α + Σ φ n``, so ``Σγ = n_u + Σα``); ``n_u`` the
  unit's kept tokens, ``α`` the fitted prior (``engine_info["alpha_fitted"]``).
  stm draws from its logistic-normal posterior instead; the Dirichlet is the LDA analogue.
* NMF (no posterior): the units of each statement are resampled with replacement; a
  statement of one unit then has no measurement variation (``params`` says how many).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..topics.foldin import document_prior
from ..topics.model import TopicEnsemble, TopicModel

__all__ = ["StatementUnits", "statement_units", "statement_theta", "draw_theta", "alpha_sum"]

LDA_ENGINES = ("tomotopy", "vb", "gensim", "sklearn_lda", "mllib")


class StatementUnits:
    """Units of the model grouped by statement (sorted statement ids), with their kept tokens."""

    def __init__(self, model: TopicModel) -> None:
        sids = model.units["statement_id"].astype(str).to_numpy()
        codes, uniques = pd.factorize(sids, sort=True)
        self.statement_ids = np.asarray(uniques, dtype=object)
        self.codes = codes
        self.weights = np.asarray(model.kept_tokens, dtype=np.float64)
        self.n = len(uniques)
        self.tokens = np.bincount(codes, weights=self.weights, minlength=self.n)
        self.units_per_statement = np.bincount(codes, minlength=self.n)

    def aggregate(self, theta: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
        """``(S, K)`` token-weighted mean of unit rows ``theta`` (P, K) per statement."""
        w = self.weights if weights is None else weights
        out = np.zeros((self.n, theta.shape[1]))
        np.add.at(out, self.codes, theta * w[:, None])
        total = np.bincount(self.codes, weights=w, minlength=self.n)
        return out / np.maximum(total, 1e-300)[:, None]


def statement_units(ens: TopicEnsemble) -> StatementUnits:
    return StatementUnits(ens.reference)


def statement_theta(model: TopicModel, su: StatementUnits) -> np.ndarray:
    """``(S, K)`` the statements' topic shares under one fit (no draw)."""
    return su.aggregate(np.asarray(model.kept_doc_topic))


def alpha_sum(model: TopicModel) -> float:
    """Σα of the fit's document-topic prior (fitted when learned); 1.0 when the engine does not say."""
    return float(document_prior(model.params.get("engine_info", {}) or {}, model.k).sum())


def draw_theta(model: TopicModel, su: StatementUnits, rng: np.random.Generator) -> np.ndarray:
    """One posterior draw of the statements' topic shares ``(S, K)`` under ``model``."""
    theta = np.asarray(model.kept_doc_topic)
    if model.params.get("engine") in LDA_ENGINES:
        conc = theta * (su.weights + alpha_sum(model))[:, None]
        # Dirichlet by normalised gammas (vectorised; a zero parameter gives a zero share).
        g = rng.standard_gamma(np.maximum(conc, 1e-12))
        unit_draw = g / np.maximum(g.sum(axis=1, keepdims=True), 1e-300)
        return su.aggregate(unit_draw)
    # No posterior (NMF): resample units within statements; weights count how often a unit is drawn.
    order = np.argsort(su.codes, kind="stable")
    starts = np.r_[0, np.cumsum(su.units_per_statement)[:-1]]
    sizes = su.units_per_statement[su.codes[order]]
    picked = order[starts[su.codes[order]] + (rng.random(len(order)) * sizes).astype(np.int64)]
    times = np.bincount(picked, minlength=len(su.codes)).astype(np.float64)
    return su.aggregate(theta, weights=su.weights * times)
