"""Covariate effects on topic shares: stm's ``estimateEffect(uncertainty = "Global")``, then some.

For every statement the outcome is its share of each topic (units' kept-token proportions,
weighted by kept tokens, as in :mod:`textanalytics.topics.shares`). The method of
composition (Treier & Jackman 2008; stm): ``n_draws`` times, draw every statement's shares
from the posterior of one fit of the ensemble (:mod:`.draws`), regress each topic's share on
the design of the formula (:mod:`.formula`), keep the coefficients and their covariance.
The draws are combined by Rubin's rules (:func:`.regression.rubin`): the estimate is the
mean; the variance is the mean within-draw variance plus (1 + 1/m) times the variance of the
estimates between draws (the topic model's measurement and seed uncertainty); degrees of
freedom by Barnard & Rubin. stm instead samples from each draw's normal and takes the
variance of the pooled samples (the same up to the 1/m term).

Beyond stm: heteroskedasticity-robust (HC3) standard errors by default (a share's variance
depends on its mean), cluster-robust ones by a column (``cluster="speaker"``), a fractional
logit (``family="fractional_logit"``: a Binomial GLM with logit link on the shares, robust
errors; coefficients on the log-odds scale) and Benjamini-Hochberg adjustment across topics ×
terms (the intercept excluded).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from scipy import stats as sstats

from ..compare.stats import bh_adjust
from ..errors import InputError
from ..results import TableResult
from ..topics.describe import topic_labels
from ..topics.model import TopicEnsemble, TopicModel
from ..topics.shares import as_ensemble
from . import predict
from .draws import draw_theta, statement_theta, statement_units
from .formula import MIN_PER_COEFFICIENT, Design, build_design
from .regression import cluster_codes, glm_one, ols_many, rubin

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

logger = logging.getLogger(__name__)

__all__ = ["estimate_effects", "EffectsResult", "metadata_frame", "coefficient_table", "FAMILIES"]

FAMILIES = ("ols", "fractional_logit")
#: A factor level with fewer statements is flagged: its contrasts rest on a handful of statements.
MIN_LEVEL_STATEMENTS = 10
#: Fewer clusters than this: cluster-robust standard errors are too small (Cameron & Miller 2015); noted.
FEW_CLUSTERS = 20


def metadata_frame(corpus: Any) -> pd.DataFrame:
    """The statements' metadata indexed by ``statement_id`` (str), from a Corpus or a DataFrame."""
    frame = getattr(corpus, "statements", corpus)
    if not isinstance(frame, pd.DataFrame):
        raise InputError("corpus: expected a Corpus or a DataFrame of statements with a statement_id column")
    if "statement_id" in frame.columns:
        frame = frame.set_index("statement_id", drop=False)
    frame = frame.copy()
    frame.index = frame.index.astype(str)
    if frame.index.has_duplicates:
        raise InputError("corpus: statement_id values repeat; one row per statement is needed")
    return frame


def _labels(ens: TopicEnsemble) -> list[str]:
    try:
        # The labels of the report's tables: the fit's own [topics] label settings.
        cfg = ens.reference.params.get("config", {})
        return topic_labels(ens, lambda_=cfg.get("relevance_lambda", 0.6), label_by=cfg.get("label_by", "frex"),
                            frexweight=cfg.get("frexweight", 0.5),
                            min_statements=cfg.get("label_min_statements", 5))["label"].astype(str).tolist()
    except Exception:  # labels are decoration; a model without terms still gets effects
        return [f"topic {t}" for t in range(1, ens.k + 1)]


def coefficient_table(combined: dict[str, np.ndarray], columns: tuple[str, ...], outcomes: list[Any], *,
                      outcome: str, confidence: float) -> pd.DataFrame:
    """Tidy rows ``outcome, term, estimate, std_error, lower, upper, df, p_value, p_adjusted,
    within_var, between_var`` from Rubin's combination."""
    k, p = combined["estimate"].shape
    se = np.sqrt(np.diagonal(combined["total"], axis1=1, axis2=2))
    df = combined["df"]
    q = sstats.t.ppf(0.5 + confidence / 2.0, np.where(np.isfinite(df), df, 1e9))
    est = combined["estimate"]
    pval = 2.0 * sstats.t.sf(np.abs(est / np.maximum(se, 1e-300)), np.where(np.isfinite(df), df, 1e9))
    table = pd.DataFrame({
        outcome: np.repeat(np.asarray(outcomes, dtype=object), p),
        "term": np.tile(np.asarray(columns, dtype=object), k),
        "estimate": est.ravel(), "std_error": se.ravel(),
        "lower": (est - q * se).ravel(), "upper": (est + q * se).ravel(),
        "df": df.ravel(), "p_value": pval.ravel(),
        "within_var": combined["within_var"].ravel(), "between_var": combined["between_var"].ravel(),
    })
    slope = ((table["term"] != "Intercept") & table["p_value"].notna()).to_numpy()
    adjusted = np.full(len(table), np.nan)
    adjusted[slope] = bh_adjust(table.loc[slope, "p_value"].to_numpy())
    table.insert(table.columns.get_loc("p_value") + 1, "p_adjusted", adjusted)
    return table


def _check(n_draws: int, seed: Any, family: str, confidence: float, cov_type: str) -> None:
    if isinstance(n_draws, bool) or not isinstance(n_draws, (int, np.integer)) or n_draws < 1:
        raise InputError(f"n_draws: expected a positive integer, got {n_draws!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed: expected an integer, got {seed!r}")
    if cov_type not in ("HC3", "HC1", "nonrobust"):
        raise InputError(f"cov_type: expected 'HC3', 'HC1' or 'nonrobust', got {cov_type!r}")
    if family not in FAMILIES:
        raise InputError(f"family: expected one of {', '.join(FAMILIES)}, got {family!r}")
    if not 0 < confidence < 1:
        raise InputError(f"confidence: expected a number between 0 and 1, got {confidence!r}")


def cluster_groups(design: Design, metadata: pd.DataFrame, cluster: str | None) -> np.ndarray | None:
    if cluster is None:
        return None
    if cluster not in metadata.columns:
        raise InputError(f"cluster: no column {cluster!r} in the metadata; available columns: "
                         f"{', '.join(map(str, metadata.columns))}")
    values = metadata.loc[design.data.index, cluster]
    codes = cluster_codes(values.where(values.notna(), "<missing>"))
    if codes.max() + 1 < 2:
        raise InputError(f"cluster: column {cluster!r} has a single value; clustering needs several")
    return codes


def estimate_effects(models: TopicModel | TopicEnsemble | Any, *, corpus: Any,
                     formula: str = "~ party + s(year)", n_draws: int = 25, seed: int = 0,
                     cluster: str | None = None, family: Literal["ols", "fractional_logit"] = "ols",
                     confidence: float = 0.95, cov_type: Literal["HC3", "HC1", "nonrobust"] = "HC3",
                     min_per_coefficient: int = MIN_PER_COEFFICIENT) -> "EffectsResult":
    """Regress every topic's statement share on covariates, with the topic model's uncertainty.

    Parameters
    ----------
    models:
        A :class:`~textanalytics.topics.TopicEnsemble` (draws cycle through its aligned
        seed refits), a single :class:`~textanalytics.topics.TopicModel` or a list of fits.
    corpus:
        The :class:`~textanalytics.corpus.Corpus` or a DataFrame of statements (``statement_id``
        plus the formula's columns). Statements of the model without a value in a column the
        formula reads are left out (logged; ``params["n_statements_dropped"]``).
    formula:
        Right-hand side, e.g. ``"~ party + s(year)"``, ``"~ party * government"``,
        ``"~ C(year)"``; ``s(x)``/``s(x, df=n)`` is stm's spline (:mod:`.formula`).
    n_draws:
        Draws of the composition (stm's ``nsims``, default 25); 1 with a single fit uses
        the point estimates (stm's ``uncertainty = "None"`` when ``n_draws=0`` is wanted).
    seed:
        Seed of the draws.
    cluster:
        A metadata column (``"speaker"``): cluster-robust standard errors by it.
    family:
        ``"ols"`` (stm's linear model on shares) or ``"fractional_logit"``.
    cov_type:
        OLS without ``cluster``: ``"HC3"`` (default: robust, and sound for levels with few
        statements, where HC1 is too small), ``"HC1"`` or ``"nonrobust"`` (stm's).

    Returns
    -------
    EffectsResult
        ``table``: ``topic, label, term, estimate, std_error, lower, upper, df, p_value,
        p_adjusted, within_var, between_var`` (``between_var`` = (1 + 1/m)·B: the part of the
        variance from the topic model); ``params`` and the combined coefficients for
        :func:`~textanalytics.effects.predict_effects` and :func:`~textanalytics.effects.contrasts`.

    Example
    -------
    >>> res = estimate_effects(ens, corpus=corpus, formula="~ party + s(year)")   # doctest: +SKIP
    >>> res.table.query("term.str.startswith('party')")                           # doctest: +SKIP
    """
    _check(n_draws, seed, family, confidence, cov_type)
    ens = as_ensemble(models)
    su = statement_units(ens)
    meta = metadata_frame(corpus)
    missing = [s for s in su.statement_ids if s not in meta.index]
    if missing:
        raise InputError(f"corpus: {len(missing)} statements of the model are not in the metadata "
                         f"(e.g. {missing[0]!r}); pass the corpus the model was fitted on")
    design = build_design(formula, meta.loc[list(su.statement_ids)], min_per_coefficient=min_per_coefficient)
    if design.n_dropped:
        logger.info("effects: %d statements without a value for %s left out", design.n_dropped,
                    ", ".join(design.variables))
    rows = pd.Index(su.statement_ids).get_indexer(design.data.index)
    groups = cluster_groups(design, meta, cluster)
    rng = np.random.default_rng(seed)
    coefs, covs, notes = [], [], []
    for d in range(n_draws):
        model = ens.models[d % len(ens.models)]
        theta = (draw_theta(model, su, rng) if n_draws > 1 else statement_theta(model, su))[rows]
        c, v = _fit(design.matrix, theta, family=family, groups=groups, cov_type=cov_type, notes=notes)
        coefs.append(c)
        covs.append(v)
    n = design.matrix.shape[0]
    if groups is not None and groups.max() + 1 < FEW_CLUSTERS:
        notes.append(f"only {int(groups.max() + 1)} clusters of {cluster!r}: cluster-robust standard errors "
                     f"are unreliable below about {FEW_CLUSTERS}")
    df_complete = float(groups.max() if groups is not None else n - design.matrix.shape[1])
    combined = rubin(np.stack(coefs), np.stack(covs), df_complete=max(df_complete, 1.0))
    labels = _labels(ens)
    table = coefficient_table(combined, design.columns, list(range(1, ens.k + 1)), outcome="topic",
                              confidence=confidence)
    table.insert(1, "label", np.repeat(np.asarray(labels, dtype=object), len(design.columns)))
    params = {
        "formula": formula, "expanded_formula": design.expanded, "family": family,
        "scale": "share" if family == "ols" else "log-odds of the share",
        "cov_type": "cluster" if cluster else ("HC0" if family == "fractional_logit" else cov_type),
        "cluster": cluster, "n_clusters": None if groups is None else int(groups.max() + 1),
        "n_draws": int(n_draws), "seeds": ens.seeds, "seed": int(seed), "engine": ens.reference.params.get("engine"),
        "posterior": _posterior(ens.reference.params.get("engine"), n_draws),
        "n_statements": int(n), "n_statements_dropped": design.n_dropped, "n_coefficients": len(design.columns),
        "statements_per_coefficient": round(n / len(design.columns), 1), "splines": design.splines,
        "confidence": confidence, "combination": "Rubin's rules, Barnard-Rubin df",
        "adjustment": "Benjamini-Hochberg across topics x terms (intercept excluded)",
        "units_of_statement": "kept-token weighted mean of the units' proportions",
        "sparse_levels": sparse_levels(design), "min_level_statements": MIN_LEVEL_STATEMENTS,
        "notes": sorted(set(notes)),
    }
    return EffectsResult(table=table, params=params, design=design,
                         coef=combined["estimate"], cov=combined["total"], labels=tuple(labels))


def sparse_levels(design: Design) -> dict[str, dict[str, int]]:
    """``{column: {level: statements}}`` of factor levels with fewer than :data:`MIN_LEVEL_STATEMENTS`."""
    out = {}
    for col in design.data.columns:
        if not pd.api.types.is_numeric_dtype(design.data[col]):
            counts = design.data[col].astype(str).value_counts()
            few = counts[counts < MIN_LEVEL_STATEMENTS]
            if len(few):
                out[col] = {str(k): int(v) for k, v in sorted(few.items())}
    return out


def _posterior(engine: Any, n_draws: int) -> str:
    if n_draws <= 1:
        return "none (point estimates)"
    if engine == "nmf":
        return "bootstrap of each statement's units (NMF has no posterior)"
    return "Dirichlet(theta * (kept tokens + sum alpha)) per unit"


def _fit(x: np.ndarray, theta: np.ndarray, *, family: str, groups: np.ndarray | None, cov_type: str,
         notes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    if family == "ols":
        return ols_many(x, theta, cov_type=cov_type if groups is None else "cluster", groups=groups)
    c, v = [], []
    y = np.clip(theta, 0.0, 1.0)
    for k in range(theta.shape[1]):
        ck, vk, info = glm_one(y[:, k], x, family="fractional_logit", groups=groups)
        if not info.get("converged", True):
            notes.append(f"fractional logit of topic {k + 1} did not converge in a draw")
        c.append(ck)
        v.append(vk)
    return np.stack(c), np.stack(v)


@dataclass(frozen=True, eq=False, repr=False)
class EffectsResult(TableResult):
    """Covariate effects on topic shares (:func:`estimate_effects`).

    ``table`` one row per topic × design column; ``params`` how it was made; ``design`` the
    formula's design (rebuilds rows for predictions); ``coef`` (K, p) and ``cov`` (K, p, p)
    the combined coefficients and their total covariance; ``labels`` the topics' labels.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    design: Design | None = None
    coef: np.ndarray | None = None
    cov: np.ndarray | None = None
    labels: tuple[str, ...] = ()
    _shown = ("formula", "family", "n_draws", "n_statements")

    def summary(self) -> pd.DataFrame:
        """Slope rows (no intercept, no spline basis) with adjusted p < 0.05 first, then the rest."""
        t = self.table[(self.table["term"] != "Intercept") & ~self.table["term"].str.startswith("bs(")]
        return t.sort_values(["p_adjusted", "topic"], kind="stable")[
            ["topic", "label", "term", "estimate", "lower", "upper", "p_adjusted"]].reset_index(drop=True)

    def plot(self, *, covariate: str, **kwargs: Any) -> "Figure":
        """Continuous covariate: expected share with band; a factor: adjusted differences (forest)."""
        from . import plots  # deferred: matplotlib, on first plot

        if covariate in (self.design.splines if self.design else {}) or _numeric(self, covariate):
            return plots.plot_continuous(predict.predict_effects(self, covariate=covariate), **kwargs)
        return plots.plot_differences(predict.contrasts(self, covariate=covariate), **kwargs)


def _numeric(result: EffectsResult, covariate: str) -> bool:
    data = result.design.data if result.design is not None else pd.DataFrame()
    return covariate in data.columns and pd.api.types.is_numeric_dtype(data[covariate])
