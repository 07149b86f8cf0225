"""The report's "Effects" section: covariate effects on topic shares (``[effects] formulas``).

Narrates only ADJUSTED results: differences between levels of a factor with the other
covariates held fixed, Benjamini-Hochberg adjusted p (across topics × contrasts of a
formula), levels with fewer than 10 statements left out of the sentences (they stay in
the table, flagged); and says what an observational sample allows. Text only: the
renderers escape it.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from ..effects import plots as eplots
from .figures import FigureSpec

__all__ = ["effects_figures", "effects_section", "effect_items", "theme_effect_items"]


def _fmt_p(p: float) -> str:
    return "adjusted p < 0.001" if p < 0.001 else f"adjusted p = {p:.3f}"


def _slug(formula: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in formula).strip("_")


def effects_figures(res: Any) -> dict[str, FigureSpec]:
    """One band plot per formula and numeric covariate, one forest plot per formula and factor."""
    figs: dict[str, FigureSpec] = {}
    pred, con = res.tables.get("effects_predictions"), res.tables.get("effects_contrasts")
    for t, kind in ((pred, "continuous"), (con, "differences")):
        if t is None or not len(t):
            continue
        for (formula, covariate), sub in t.groupby(["formula", "covariate"], sort=False):
            name = f"effects_{_slug(formula)}_{covariate}"
            if kind == "continuous":
                figs[name] = FigureSpec(eplots.plot_continuous, {"predictions": sub.reset_index(drop=True)})
            else:
                first = sub.loc[sub["note"] == "", "contrast"]
                figs[name] = FigureSpec(eplots.plot_differences, {
                    "contrasts": sub.reset_index(drop=True),
                    "contrast": first.iloc[0] if len(first) else sub["contrast"].iloc[0]})
    return figs


def effect_items(contrasts: pd.DataFrame | None, params: pd.Series, *, alpha: float, top: int = 8) -> list[str]:
    """Sentences on one formula's adjusted differences (levels with enough statements only)."""
    items = [f"Formula {params['formula']}: {params['n_statements']} statements, "
             f"{params['n_coefficients']} coefficients ({params['statements_per_coefficient']:g} statements per "
             f"coefficient), {params['n_draws']} draws of the topic shares across {len(json.loads(params['seeds']))} "
             f"fit(s); {params['n_statements_dropped']} statements without a value were left out."]
    sparse = json.loads(params["sparse_levels"])
    if sparse:
        listed = "; ".join(f"{col}: " + ", ".join(f"{lv} ({n})" for lv, n in levels.items())
                           for col, levels in sparse.items())
        items.append(f"Too few statements to say anything about: {listed}. Their contrasts are in the table, "
                     "flagged, and not described here.")
    if params["statements_per_coefficient"] < 10:
        items.append("Few statements per coefficient: estimates are imprecise and the model may be too rich "
                     "for this sample.")
    if contrasts is None or not len(contrasts):
        return items
    held = json.loads(params["held_at"])
    usable = contrasts[contrasts["note"] == ""]
    for covariate, sub in usable.groupby("covariate", sort=False):
        found = sub[sub["p_adjusted"] < alpha].sort_values(["p_adjusted", "topic"]).head(top)
        others = ", ".join(f"{k} at {v}" for k, v in held.get(covariate, {}).items())
        base = sub["baseline"].iloc[0]
        if not len(found):
            items.append(f"No adjusted difference between {covariate} levels and {base} reaches adjusted "
                         f"p < {alpha:g} ({len(sub)} comparisons{', ' + others if others else ''}).")
            continue
        for r in found.itertuples():
            items.append(f"Topic {r.topic} ({r.label}): {r.level} {r.difference * 100:+.1f} points vs {base} "
                         f"[{r.lower * 100:+.1f}, {r.upper * 100:+.1f}], {_fmt_p(r.p_adjusted)}, holding "
                         f"{others or 'the other covariates'} fixed ({r.n_level} vs {r.n_baseline} statements).")
    return items


def effects_section(res: Any, *, alpha: float) -> dict[str, Any] | None:
    """The "Effects" section, or None when no formula was estimated."""
    params = res.tables.get("effects_params")
    if params is None or not len(params):
        return None
    con = res.tables.get("effects_contrasts")
    blocks: list[dict[str, Any]] = [{"kind": "text", "text": (
        "Each topic's share of a statement is regressed on the covariates of a formula (stm's estimateEffect). "
        "The topic model's uncertainty enters by the method of composition: every draw takes each statement's "
        "shares from the model's posterior, across the seeds' fits, and the regressions are combined by "
        "Rubin's rules. Differences between levels hold the other covariates fixed (numbers at their median, "
        "factors at their most frequent level); p-values are Benjamini–Hochberg adjusted across topics and "
        "contrasts. These are associations in an observational sample of statements: who speaks, when and "
        "on which occasion is not assigned at random, so an adjusted difference is not the effect of being in "
        "a party, only a difference that the listed covariates do not account for.")}]
    for row in params.itertuples(index=False):
        row = pd.Series(row._asdict())
        sub = con[con["formula"] == row["formula"]] if con is not None and len(con) else None
        blocks.append({"kind": "list", "items": effect_items(sub, row, alpha=alpha)})
    for name in effects_figures(res):
        covariate = name.rsplit("_", 1)[-1]
        blocks.append({"kind": "figure", "name": name, "caption": (
            f"Expected topic share over {covariate}, others held fixed, with {int(res.config.topics.confidence * 100)} % band."
            if name in _continuous_names(res) else f"Adjusted differences in topic share by {covariate} (forest plot).")})
    blocks.append({"kind": "table", "name": "effects_contrasts", "caption": "Adjusted differences between levels"})
    blocks.append({"kind": "table", "name": "effects_coefficients", "caption": "Regression coefficients (Rubin's rules)"})
    blocks.append({"kind": "table", "name": "effects_predictions", "caption": "Expected shares over covariates"})
    return {"heading": "Effects of speaker, party and time", "blocks": blocks}


def theme_effect_items(table: pd.DataFrame | None, statements: pd.DataFrame, *, alpha: float,
                       top: int = 8) -> list[str]:
    """Sentences on the codebook categories' adjusted rate ratios between factor levels.

    Only factor-level coefficients (``col[T.level]``) are narrated: spline and numeric terms
    have no reading on their own (they are in the table). The reference level is the factor's
    level that has no coefficient.
    """
    if table is None or not len(table):
        return []
    items: list[str] = []
    for formula, sub in table.groupby("formula", sort=False):
        terms = sub[sub["term"].str.contains(r"\[T\.", regex=True) & sub["estimate"].notna()]
        found = terms[terms["p_adjusted"] < alpha].sort_values(["p_adjusted", "outcome", "term"]).head(top)
        if not len(found):
            items.append(f"Themes, formula {formula}: no adjusted difference in a theme's rate between levels "
                         f"reaches adjusted p < {alpha:g} ({len(terms)} comparisons).")
            continue
        for r in found.itertuples():
            col, level = r.term.split("[T.", 1)
            level = level[:-1] if level.endswith("]") else level
            levels = {str(v) for v in statements[col].dropna().astype(str)} if col in statements else set()
            named = {t.split("[T.", 1)[1].rstrip("]") for t in sub["term"] if t.startswith(col + "[T.")}
            ref = sorted(levels - named)
            base = ref[0] if len(ref) == 1 else "the reference level"
            items.append(f"Theme {r.outcome}, formula {formula}: {col} {level} uses it {r.rate_ratio:.2f} times as "
                         f"often per word as {base} [{np.exp(r.lower):.2f}, {np.exp(r.upper):.2f}], "
                         f"{_fmt_p(r.p_adjusted)} ({r.n_events} hits in all).")
    items.append("Rate ratios come from a quasi-Poisson regression of each theme's count per statement with the "
                 "statement's words as offset, other covariates held fixed; associations in an observational "
                 "sample, not effects of group membership.")
    return items


def _continuous_names(res: Any) -> set[str]:
    pred = res.tables.get("effects_predictions")
    if pred is None or not len(pred):
        return set()
    return {f"effects_{_slug(f)}_{c}" for f, c in pred[["formula", "covariate"]].drop_duplicates().itertuples(index=False)}
