"""Marginal predictions and adjusted contrasts from an :class:`~.estimate.EffectsResult`.

Both simulate ``n_sim`` coefficient vectors per topic from the normal with the combined
(Rubin) estimate and total covariance -- stm's ``plot.estimateEffect`` simulates from each
draw's normal and pools; the combined normal carries the same within- and between-draw
variance -- and evaluate the design at chosen covariate values. Covariates not varied are
held at their **median** (numbers) or **most frequent level** (factors) in the
statements used (``params["held_at"]``), unless given in ``at``. For the fractional logit,
predictions are back-transformed to shares before intervals and differences are taken.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import stats as sstats

from ..compare.stats import bh_adjust
from ..errors import InputError
from ..results import TableResult

if TYPE_CHECKING:  # pragma: no cover
    from .estimate import EffectsResult

__all__ = ["predict_effects", "contrasts", "Predictions", "Contrasts", "typical_row"]

from dataclasses import dataclass, field


def typical_row(result: "EffectsResult", at: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The value every covariate is held at: ``at`` when given, else median / most frequent level."""
    data = result.design.data
    at = dict(at or {})
    unknown = [k for k in at if k not in data.columns]
    if unknown:
        raise InputError(f"at: {unknown[0]!r} is not a covariate of the formula "
                         f"({', '.join(data.columns)})")
    row = {}
    for col in data.columns:
        if col in at:
            row[col] = at[col]
        elif pd.api.types.is_numeric_dtype(data[col]):
            row[col] = float(data[col].median())
        else:
            counts = data[col].astype(str).value_counts()
            row[col] = sorted(counts[counts == counts.max()].index)[0]
    return row


def _simulate(result: "EffectsResult", x: np.ndarray, n_sim: int, seed: int) -> np.ndarray:
    """``(n_sim, K, rows)`` simulated expected shares at design rows ``x``."""
    rng = np.random.default_rng(seed)
    k, p = result.coef.shape
    out = np.empty((n_sim, k, x.shape[0]))
    for t in range(k):
        cov = (result.cov[t] + result.cov[t].T) / 2.0
        beta = rng.multivariate_normal(result.coef[t], cov, size=n_sim, method="eigh")
        out[:, t, :] = beta @ x.T
    if result.params.get("family") == "fractional_logit":
        out = 1.0 / (1.0 + np.exp(-out))
    return out


def _point(result: "EffectsResult", x: np.ndarray) -> np.ndarray:
    eta = result.coef @ x.T                                              # (K, rows)
    return 1.0 / (1.0 + np.exp(-eta)) if result.params.get("family") == "fractional_logit" else eta


def _check_covariate(result: "EffectsResult", covariate: str) -> pd.Series:
    if result.design is None or result.coef is None:
        raise InputError("result: needs an EffectsResult from estimate_effects")
    data = result.design.data
    if covariate not in data.columns:
        raise InputError(f"covariate: {covariate!r} is not in the formula; covariates: {', '.join(data.columns)}")
    return data[covariate]


def predict_effects(result: "EffectsResult", *, covariate: str, at: Mapping[str, Any] | None = None,
                    values: Sequence[Any] | None = None, n_points: int = 50, n_sim: int = 1000,
                    seed: int = 0) -> "Predictions":
    """Expected topic share over the values of ``covariate``, the others held fixed.

    ``values``: where to predict (default: ``n_points`` evenly spaced over the observed range
    of a numeric covariate, every level of a factor). Returns :class:`Predictions`:
    ``topic, label, covariate, value, estimate, lower, upper`` (``estimate`` at the combined
    coefficients; the interval the ``params["confidence"]`` percentiles of the simulations).
    """
    col = _check_covariate(result, covariate)
    numeric = pd.api.types.is_numeric_dtype(col)
    if values is None:
        values = (np.linspace(float(col.min()), float(col.max()), int(n_points)) if numeric
                  else sorted(col.astype(str).unique()))
    row = typical_row(result, at)
    frame = pd.DataFrame([{**row, covariate: v} for v in values])
    for c in result.design.data.columns:
        if pd.api.types.is_numeric_dtype(result.design.data[c]):
            frame[c] = frame[c].astype(np.float64)
    x = result.design.rebuild(frame)
    sims = _simulate(result, x, n_sim, seed)
    conf = float(result.params.get("confidence", 0.95))
    lower, upper = np.quantile(sims, [(1 - conf) / 2, (1 + conf) / 2], axis=0)
    point = _point(result, x)
    k, n = point.shape
    table = pd.DataFrame({
        "topic": np.repeat(np.arange(1, k + 1), n),
        "label": np.repeat(np.asarray(result.labels or [""] * k, dtype=object), n),
        "covariate": covariate,
        "value": np.tile(np.asarray(values, dtype=object if not numeric else np.float64), k),
        "estimate": point.ravel(), "lower": lower.ravel(), "upper": upper.ravel(),
    })
    held = {c: v for c, v in row.items() if c != covariate}
    params = {"covariate": covariate, "held_at": held, "n_sim": n_sim, "seed": seed, "confidence": conf,
              "held_rule": "given in at, else median (numbers) or most frequent level (factors)",
              "formula": result.params.get("formula")}
    return Predictions(table=table, params=params)


def contrasts(result: "EffectsResult", *, covariate: str, reference: Any = None, pairs: str = "reference",
              at: Mapping[str, Any] | None = None, n_sim: int = 2000, seed: int = 0) -> "Contrasts":
    """Adjusted differences in expected share between levels of ``covariate``, the others held fixed.

    ``pairs="reference"`` (default): every level minus ``reference`` (default the first level,
    the formula's baseline); ``"all"``: every pair. Returns :class:`Contrasts`: ``topic, label,
    contrast, level, baseline, difference, std_error, lower, upper, p_value, p_adjusted, n_level,
    n_baseline, note`` (``note`` flags a level with fewer than 10 statements). The
    difference is at the combined coefficients; its standard error that of the simulations,
    p from the t distribution with the smallest Rubin df of the topic's coefficients; p adjusted
    by Benjamini-Hochberg across topics × contrasts. For a numeric covariate give the two
    values to compare as ``reference`` and ``at={covariate: value}``.
    """
    col = _check_covariate(result, covariate)
    if pd.api.types.is_numeric_dtype(col):
        if reference is None or at is None or covariate not in at:
            raise InputError(f"covariate: {covariate!r} is numeric; give reference=<value> and "
                             f"at={{{covariate!r}: <value>}} to compare two values")
        levels = [float(reference), float(at[covariate])]
    else:
        levels = sorted(col.astype(str).unique())
        if reference is not None and str(reference) not in levels:
            raise InputError(f"reference: {reference!r} is not a level of {covariate!r} ({', '.join(levels)})")
        base = str(reference) if reference is not None else levels[0]
        levels = [base] + [lv for lv in levels if lv != base]
    if pairs not in ("reference", "all"):
        raise InputError(f"pairs: expected 'reference' or 'all', got {pairs!r}")
    pred_at = {c: v for c, v in (at or {}).items() if c != covariate}
    row = typical_row(result, pred_at)
    frame = pd.DataFrame([{**row, covariate: v} for v in levels])
    x = result.design.rebuild(frame)
    sims = _simulate(result, x, n_sim, seed)
    point = _point(result, x)
    todo = ([(i, 0) for i in range(1, len(levels))] if pairs == "reference"
            else [(i, j) for j in range(len(levels)) for i in range(j + 1, len(levels))])
    df_topic = np.nanmin(result.table.pivot(index="topic", columns="term", values="df").to_numpy(), axis=1)
    conf = float(result.params.get("confidence", 0.95))
    sizes = col.astype(str).value_counts() if not pd.api.types.is_numeric_dtype(col) else pd.Series(dtype=int)
    few = int(result.params.get("min_level_statements", 10))
    rows = []
    for t in range(point.shape[0]):
        for i, j in todo:
            diff = sims[:, t, i] - sims[:, t, j]
            est = point[t, i] - point[t, j]
            se = float(diff.std(ddof=1))
            df = float(df_topic[t]) if np.isfinite(df_topic[t]) else 1e9
            q = sstats.t.ppf(0.5 + conf / 2, df)
            rows.append({"topic": t + 1, "label": (result.labels or [""] * (t + 1))[t],
                         "contrast": f"{levels[i]} - {levels[j]}", "level": levels[i], "baseline": levels[j],
                         "difference": est, "std_error": se, "lower": est - q * se, "upper": est + q * se,
                         "p_value": float(2 * sstats.t.sf(abs(est) / max(se, 1e-300), df)),
                         "n_level": int(sizes.get(str(levels[i]), 0)), "n_baseline": int(sizes.get(str(levels[j]), 0))})
    table = pd.DataFrame(rows)
    if not sizes.empty:
        small = [min(a, b) < few for a, b in zip(table["n_level"], table["n_baseline"])]
        table["note"] = [f"fewer than {few} statements in a level: fragile" if s else "" for s in small]
    else:
        table = table.drop(columns=["n_level", "n_baseline"])
        table["note"] = ""
    table.insert(table.columns.get_loc("p_value") + 1, "p_adjusted", bh_adjust(table["p_value"].to_numpy()))
    held = {c: v for c, v in row.items() if c != covariate}
    params = {"covariate": covariate, "reference": levels[0], "pairs": pairs, "held_at": held, "n_sim": n_sim,
              "seed": seed, "confidence": conf, "formula": result.params.get("formula"),
              "held_rule": "given in at, else median (numbers) or most frequent level (factors)",
              "scale": "difference in expected share"}
    return Contrasts(table=table, params=params)


@dataclass(frozen=True, eq=False, repr=False)
class Predictions(TableResult):
    """Expected shares over a covariate (:func:`predict_effects`)."""

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("covariate", "held_at")

    def summary(self) -> pd.DataFrame:
        return self.table.pivot(index=["topic", "label"], columns="value", values="estimate")

    def plot(self, **kwargs: Any) -> Any:
        from .plots import plot_continuous  # deferred: matplotlib, on first plot

        return plot_continuous(self, **kwargs)


@dataclass(frozen=True, eq=False, repr=False)
class Contrasts(TableResult):
    """Adjusted differences between levels (:func:`contrasts`)."""

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("covariate", "reference", "held_at")

    def summary(self) -> pd.DataFrame:
        return self.table.sort_values(["p_adjusted", "topic"], kind="stable")[
            ["topic", "label", "contrast", "difference", "lower", "upper", "p_adjusted"]].reset_index(drop=True)

    def plot(self, **kwargs: Any) -> Any:
        from .plots import plot_differences  # deferred: matplotlib, on first plot

        return plot_differences(self, **kwargs)
