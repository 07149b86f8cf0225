"""The effects stage of the pipeline: ``[effects] formulas`` -> the report's effect tables.

For each formula: the coefficients (:func:`~.estimate.estimate_effects`), the expected
share over every numeric covariate (:func:`~.predict.predict_effects`) and the adjusted
differences of every level of each factor from its most frequent level
(:func:`~.predict.contrasts`). Tables (one row set per formula, column ``formula``):
``effects_coefficients``, ``effects_predictions``, ``effects_contrasts``; and
``effects_params`` (one row per formula: what the sample allows, the held values). A
formula the data cannot support (a missing column, too few statements, collinear
covariates) is skipped with its one-line reason, not fatal: topics took minutes to fit.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd

from ..errors import InputError
from .config import EffectsConfig
from .counts import estimate_count_effects
from .estimate import EffectsResult, estimate_effects, metadata_frame
from .predict import contrasts, predict_effects

log = logging.getLogger(__name__)

__all__ = ["effect_tables", "run_effects", "theme_effect_table", "EFFECT_TABLES"]

EFFECT_TABLES = ("effects_coefficients", "effects_predictions", "effects_contrasts", "effects_params")


def _most_frequent(values: pd.Series) -> str:
    counts = values.astype(str).value_counts()
    return sorted(counts[counts == counts.max()].index)[0]


def effect_tables(ensemble: Any, *, corpus: Any, config: EffectsConfig, seed: int
                  ) -> tuple[dict[str, pd.DataFrame], list[str], list[EffectsResult]]:
    """``(tables, skipped reasons, results)`` for every formula of ``config``."""
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in EFFECT_TABLES}
    skipped, results = [], []
    meta = metadata_frame(corpus)
    for formula in config.formulas:
        try:
            res = estimate_effects(ensemble, corpus=meta, formula=formula, n_draws=config.n_draws, seed=seed,
                                   cluster=config.cluster or None, family=config.family,
                                   min_per_coefficient=config.min_per_coefficient)
        except InputError as exc:
            skipped.append(f"effects {formula!r}: {exc}")
            log.warning("effects: %s skipped: %s", formula, exc)
            continue
        results.append(res)
        parts["effects_coefficients"].append(res.table.assign(formula=formula))
        data = res.design.data
        held: dict[str, Any] = {}
        for col in data.columns:
            if pd.api.types.is_numeric_dtype(data[col]):
                pred = predict_effects(res, covariate=col, seed=seed)
                parts["effects_predictions"].append(pred.table.assign(formula=formula))
                held[col] = pred.params["held_at"]
            else:
                con = contrasts(res, covariate=col, reference=_most_frequent(data[col]), seed=seed)
                parts["effects_contrasts"].append(con.table.assign(covariate=col, formula=formula))
                held[col] = con.params["held_at"]
        p = res.params
        parts["effects_params"].append(pd.DataFrame([{
            "formula": formula, "family": p["family"], "scale": p["scale"], "cov_type": p["cov_type"],
            "cluster": p["cluster"] or "", "n_draws": p["n_draws"], "seeds": json.dumps(p["seeds"]),
            "n_statements": p["n_statements"], "n_statements_dropped": p["n_statements_dropped"],
            "n_coefficients": p["n_coefficients"], "statements_per_coefficient": p["statements_per_coefficient"],
            "sparse_levels": json.dumps(p["sparse_levels"], sort_keys=True),
            "held_at": json.dumps(held, sort_keys=True, default=str), "notes": "; ".join(p["notes"]),
        }]))
    tables = {name: pd.concat(v, ignore_index=True) for name, v in parts.items() if v}
    return tables, skipped, results


def run_effects(cfg: Any, res: Any) -> None:
    """The pipeline's call: effect tables into ``res.tables``, skipped formulas into ``res.skipped``."""
    if not cfg.effects.formulas:
        return
    run = getattr(res, "topic_run", None)
    if run is None:
        res.skipped.append("effects: no topic model was fitted")
        return
    tables, skipped, _ = effect_tables(run.ensemble, corpus=res.corpus, config=cfg.effects, seed=cfg.seed)
    res.tables.update(tables)
    res.skipped.extend(skipped)


def theme_effect_table(counts: pd.DataFrame, *, tokens: pd.Series, corpus: Any, config: EffectsConfig
                       ) -> tuple[pd.DataFrame | None, list[str]]:
    """Covariate effects on dictionary categories: ``(table, skipped reasons)``.

    Each category's count per statement is a quasi-Poisson regression with ``log(tokens)`` as
    offset on every formula of ``config`` (:func:`~.counts.estimate_count_effects`), so a
    coefficient is a log rate ratio holding the formula's other covariates fixed. Statements
    without words carry no information on a rate and are left out (their number is in
    ``n_statements_dropped``). ``table``: the count-effects columns plus ``formula`` and
    ``n_statements_dropped``; None when no formula could be estimated.
    """
    tokens = tokens.reindex(counts.index).fillna(0)
    keep = tokens.to_numpy() > 0
    counts, tokens = counts[keep], tokens[keep]
    parts, skipped = [], []
    meta = metadata_frame(corpus)
    for formula in config.formulas:
        try:
            res = estimate_count_effects(counts, exposure=tokens, metadata=meta, formula=formula,
                                         cluster=config.cluster or None,
                                         min_per_coefficient=config.min_per_coefficient)
        except InputError as exc:
            skipped.append(f"theme effects {formula!r}: {exc}")
            log.warning("theme effects: %s skipped: %s", formula, exc)
            continue
        parts.append(res.table.assign(formula=formula, n_statements_dropped=int((~keep).sum())))
    return (pd.concat(parts, ignore_index=True) if parts else None), skipped
