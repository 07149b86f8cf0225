"""Covariate effects: how topic shares and term rates move with speaker, party and time,
holding the other covariates fixed (R stm's ``estimateEffect`` with the method of
composition, plus robust and clustered errors, a fractional logit and count models).

Modules: :mod:`.formula` (formula -> design, guard rails), :mod:`.draws` (posterior draws of
statement shares), :mod:`.regression` (fits, Rubin's rules), :mod:`.estimate`
(:func:`estimate_effects`), :mod:`.predict` (:func:`predict_effects`, :func:`contrasts`),
:mod:`.counts` (:func:`estimate_count_effects`, :func:`term_effects`), :mod:`.plots`,
:mod:`.config` (``[effects]``), :mod:`.stage` (the pipeline's tables).
"""

from __future__ import annotations

from .._lazy import lazy_exports

_EXPORTS = {
    "estimate_effects": "textanalytics.effects.estimate",
    "EffectsResult": "textanalytics.effects.estimate",
    "predict_effects": "textanalytics.effects.predict",
    "contrasts": "textanalytics.effects.predict",
    "Predictions": "textanalytics.effects.predict",
    "Contrasts": "textanalytics.effects.predict",
    "estimate_count_effects": "textanalytics.effects.counts",
    "term_effects": "textanalytics.effects.counts",
    "plot_continuous": "textanalytics.effects.plots",
    "plot_differences": "textanalytics.effects.plots",
    "plot_point_estimates": "textanalytics.effects.plots",
    "EffectsConfig": "textanalytics.effects.config",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS)
