"""Covariate effects on counts: terms or dictionary categories per statement, with a length offset.

Each outcome (a column of a statement × outcome table) is a GLM with a log link and
``log(exposure)`` as offset, so coefficients are log rate ratios (per token):
``"quasi_poisson"`` (Poisson with the variance scaled by Pearson's χ² / df) or
``"negative_binomial"`` (NB2, dispersion estimated). Standard errors are robust (HC3 sandwich;
HC1 for the negative binomial),
or cluster-robust by a column (``cluster="speaker"``): a model-based error would spread one
dispersion over every statement, so a group's rate resting on a single statement looked precise. ``p_adjusted`` is Benjamini-Hochberg
across outcomes × terms (the intercept excluded). :func:`term_effects` builds the table
from a document-term matrix, so "did Labour say *deficit* more after 2010, holding
government status fixed" is one call.
"""

from __future__ import annotations

import logging
from typing import Any, Literal, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .estimate import EffectsResult, cluster_groups, coefficient_table, metadata_frame
from .formula import MIN_PER_COEFFICIENT, build_design
from .regression import glm_one

logger = logging.getLogger(__name__)

__all__ = ["estimate_count_effects", "term_effects", "COUNT_FAMILIES"]

COUNT_FAMILIES = ("quasi_poisson", "negative_binomial")
#: A standard error above this (log rate ratio) means a coefficient the data do not identify.
SEPARATION_SE = 50.0
#: ... and so does a log rate ratio beyond this (e^15: over a million-fold). Under separation the
#: sandwich error of the runaway coefficient is near 0, so the size of the estimate tells it.
SEPARATION_COEF = 15.0


def estimate_count_effects(counts: pd.DataFrame, *, exposure: pd.Series | Sequence[float], metadata: Any,
                           formula: str, family: Literal["quasi_poisson", "negative_binomial"] = "quasi_poisson",
                           cluster: str | None = None, confidence: float = 0.95,
                           min_per_coefficient: int = MIN_PER_COEFFICIENT) -> EffectsResult:
    """Rate of every outcome per token as a function of covariates.

    Parameters
    ----------
    counts:
        DataFrame indexed by ``statement_id``, one column per outcome (term, dictionary
        category), non-negative integer counts.
    exposure:
        Tokens per statement (same index, or same order): the offset ``log(exposure)``.
    metadata:
        A Corpus or a DataFrame of statements with the formula's columns.
    formula, family, cluster, confidence:
        As in :func:`~textanalytics.effects.estimate_effects`; families: :data:`COUNT_FAMILIES`.

    Returns
    -------
    EffectsResult
        ``table``: ``outcome, term, estimate`` (log rate ratio), ``std_error, lower, upper, df,
        p_value, p_adjusted, within_var, between_var`` (0: no draws), ``rate_ratio`` (exp of the
        estimate), ``n_events`` (the outcome's total count), ``note``: why an outcome was not
        estimated (fewer than ``min_per_coefficient`` occurrences per coefficient: NaN estimates)
        or is not identified (separation).
    """
    if family not in COUNT_FAMILIES:
        raise InputError(f"family: expected one of {', '.join(COUNT_FAMILIES)}, got {family!r}")
    if not isinstance(counts, pd.DataFrame) or counts.shape[1] == 0:
        raise InputError("counts: expected a DataFrame indexed by statement_id with one column per outcome")
    counts = counts.copy()
    counts.index = counts.index.astype(str)
    values = counts.to_numpy(dtype=np.float64)
    if np.isnan(values).any() or (values < 0).any():
        raise InputError("counts: every count must be a non-negative number (no missing values)")
    exposure = (pd.Series(np.asarray(exposure, dtype=np.float64), index=counts.index)
                if not isinstance(exposure, pd.Series) else exposure.set_axis(exposure.index.astype(str)))
    exposure = exposure.reindex(counts.index)
    if exposure.isna().any() or (exposure <= 0).any():
        raise InputError("exposure: every statement of counts needs a positive number of tokens")
    meta = metadata_frame(metadata)
    absent = counts.index.difference(meta.index)
    if len(absent):
        raise InputError(f"counts: {len(absent)} statements are not in the metadata (e.g. {absent[0]!r})")
    design = build_design(formula, meta.loc[counts.index], min_per_coefficient=min_per_coefficient)
    if design.n_dropped:
        logger.info("count effects: %d statements without a value for %s left out", design.n_dropped,
                    ", ".join(design.variables))
    rows = counts.index.get_indexer(design.data.index)
    y_all, offset = values[rows], np.log(exposure.to_numpy()[rows])
    groups = cluster_groups(design, meta, cluster)
    outcomes = [str(c) for c in counts.columns]
    empty = [o for o, total in zip(outcomes, y_all.sum(axis=0)) if total == 0]
    if empty:
        raise InputError(f"counts: outcome {empty[0]!r} never occurs in the statements used; drop it")
    n, p = design.matrix.shape
    coefs, covs, dispersion, notes = [], [], [], []
    for j in range(y_all.shape[1]):
        events = int(y_all[:, j].sum())
        if events < min_per_coefficient * p:
            # Too rare to estimate p coefficients: NaN rows with the reason, not numbers from separation.
            coefs.append(np.full(p, np.nan))
            covs.append(np.full((p, p), np.nan))
            dispersion.append(None)
            notes.append(f"{events} occurrences for {p} coefficients: need at least {min_per_coefficient * p} "
                         f"({min_per_coefficient} per coefficient); not estimated")
            continue
        c, v, info = glm_one(y_all[:, j], design.matrix, family=family, groups=groups, offset=offset)
        slopes = np.asarray([name != "Intercept" for name in design.columns])  # a rare word's intercept is large
        se = np.sqrt(np.clip(np.diag(v), 0, None))
        # A coefficient of a level or period without any occurrence runs away (separation): its estimate
        # and error are artefacts of where the fit stopped, so it gets no number and no test.
        runaway = ~np.isfinite(se) | (se >= SEPARATION_SE) | ~np.isfinite(c) | (slopes & (np.abs(c) >= SEPARATION_COEF))
        if runaway.any():
            c, v = c.copy(), v.copy()
            c[runaway] = np.nan
            v[runaway, :] = np.nan
            v[:, runaway] = np.nan
        identified = not runaway.any() and info.get("converged", True)
        notes.append("" if identified
                     else "not identified (a level or period without any occurrence: separation); drop or merge it")
        coefs.append(c)
        covs.append(v)
        dispersion.append(info.get("dispersion"))
    coef, cov = np.stack(coefs), np.stack(covs)
    df = float(groups.max()) if groups is not None else float(n - p)
    combined = {"estimate": coef, "total": cov, "df": np.full(coef.shape, df),
                "within_var": np.diagonal(cov, axis1=1, axis2=2), "between_var": np.zeros(coef.shape)}
    table = coefficient_table(combined, design.columns, outcomes, outcome="outcome", confidence=confidence)
    table["rate_ratio"] = np.exp(table["estimate"])
    table["n_events"] = np.repeat(y_all.sum(axis=0).astype(np.int64), p)
    table["note"] = np.repeat(np.asarray(notes, dtype=object), p)
    params = {"formula": formula, "expanded_formula": design.expanded, "family": family,
              "scale": "log rate ratio per token", "offset": "log(exposure)",
              "cov_type": "cluster" if cluster else ("HC3" if family == "quasi_poisson" else "HC1"), "cluster": cluster,
              "n_clusters": None if groups is None else int(groups.max() + 1),
              "n_statements": int(n), "n_statements_dropped": design.n_dropped, "n_coefficients": p,
              "statements_per_coefficient": round(n / p, 1), "splines": design.splines,
              "confidence": confidence, "dispersion": dict(zip(outcomes, dispersion)),
              "adjustment": "Benjamini-Hochberg across outcomes x terms (intercept excluded)"}
    return EffectsResult(table=table, params=params, design=design, coef=coef, cov=cov, labels=tuple(outcomes))


def term_effects(dtm: Any, *, terms: Sequence[str], metadata: Any, formula: str,
                 family: Literal["quasi_poisson", "negative_binomial"] = "quasi_poisson",
                 cluster: str | None = None, confidence: float = 0.95) -> EffectsResult:
    """:func:`estimate_count_effects` of chosen ``terms`` of a document-term matrix.

    Units are summed per statement; the exposure is the statements' kept tokens
    (``units.n_tokens``, pruned terms included). A term not in the matrix' vocabulary is an
    error (a pruned term: build the matrix without pruning it).

    >>> term_effects(dtm, terms=["deficit"], metadata=corpus,                 # doctest: +SKIP
    ...              formula="~ party * after_2010 + government").table
    """
    vocab = {t: j for j, t in enumerate(dtm.vocabulary)}
    terms = [str(t) for t in terms]
    if not terms:
        raise InputError("terms: give at least one term")
    missing = [t for t in terms if t not in vocab]
    if missing:
        raise InputError(f"terms: {missing[0]!r} is not in the matrix' vocabulary (misspelt, a stopword, or "
                         "pruned: build the matrix with a lower min_df)")
    sids = dtm.units["statement_id"].astype(str).to_numpy()
    codes, uniques = pd.factorize(sids, sort=True)
    cols = dtm.counts.tocsc()[:, [vocab[t] for t in terms]].toarray()
    per_statement = np.zeros((len(uniques), len(terms)))
    np.add.at(per_statement, codes, cols)
    tokens = np.bincount(codes, weights=dtm.units["n_tokens"].to_numpy(dtype=np.float64), minlength=len(uniques))
    keep = tokens > 0
    frame = pd.DataFrame(per_statement[keep], index=pd.Index(uniques[keep], name="statement_id"), columns=terms)
    result = estimate_count_effects(frame, exposure=pd.Series(tokens[keep], index=frame.index), metadata=metadata,
                                    formula=formula, family=family, cluster=cluster, confidence=confidence)
    result.params["n_statements_without_tokens"] = int((~keep).sum())
    return result
