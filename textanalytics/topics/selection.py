"""Choosing the number of topics as stm's ``searchK`` does, then by a rule: :func:`search_k`
runs the whole search for :func:`~textanalytics.topics.select_k`.

Per K: held-out likelihood by document completion (:mod:`.heldout`), c_npmi
and c_v, stm's semantic coherence and exclusivity, and stability over
subsamples against random topics (:mod:`.selection_metrics`); the rule that
uses them together: :func:`~textanalytics.topics.selection_rule.gated_frontier`
(:data:`K_RULE`, ``docs/choosing_k.md``).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError, StepSkipped
from . import stats
from .coherence import coherence
from .config import TopicConfig
from .heldout import HeldoutSplit, eval_heldout, make_heldout
from .model import ModelSelection, TopicModel
from .selection_metrics import matched_agreement, matched_null, semantic_coherence, subsample_rows, exclusivity
from .selection_rule import K_RULE, balance_scores, default_k_grid, extend_k_grid, gated_frontier

logger = logging.getLogger(__name__)

__all__ = ["K_RULE", "search_k"]

# ---------------------------------------------------------------------------------------------
# The search
# ---------------------------------------------------------------------------------------------
#: ``fit([(jobs, counts, rows), ...], search)``: per batch, fit every ``(k, seed)`` job on the prepared matrix
#: with its counts replaced by ``counts`` (same shape, or None) and/or only the units ``rows`` (or None);
#: columns left empty are dropped. All batches share one pool of workers; one list of fits per batch.
#: ``search`` is True for the grid's fits (``[topics] search_iterations``), False for the chosen K's.
FitFunction = Callable[..., list[list[TopicModel]]]


@dataclasses.dataclass
class _Grid:
    """Fits and per-fit rows of the Ks scored so far."""

    rows: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    per_k: dict[int, dict[str, Any]] = dataclasses.field(default_factory=dict)
    models: list[TopicModel] = dataclasses.field(default_factory=list)


def _on_vocabulary(model: TopicModel, position: dict[str, int], n_terms: int) -> tuple[np.ndarray, np.ndarray]:
    """``(columns, topic_term)``: the fit's columns in the full vocabulary and its topics on it (0 elsewhere)."""
    cols = np.fromiter((position[t] for t in model.vocabulary), dtype=np.int64, count=len(model.vocabulary))
    full = np.zeros((model.k, n_terms))
    full[:, cols] = model.topic_term
    return cols, full


def _heldout_per_document(model: TopicModel, topic_term: np.ndarray, cols: np.ndarray, rows: np.ndarray | None,
                          split: HeldoutSplit) -> np.ndarray:
    """``(H,)`` held-out log likelihood per document of the split; NaN for documents the fit did not see.

    Held-out tokens of terms the fit did not see (a subsample can lack some) are not scored.
    """
    per = np.full(split.n_docs, np.nan)
    if rows is None:
        take, theta_rows = np.arange(split.n_docs), split.rows
    else:
        pos = np.minimum(np.searchsorted(rows, split.rows), len(rows) - 1)
        take = np.flatnonzero(rows[pos] == split.rows)
        theta_rows = pos[take]
    keep = np.zeros(split.missing.shape[1])
    keep[cols] = 1.0
    missing = (split.missing[take] @ sp.diags(keep)).tocsr()
    with np.errstate(invalid="ignore"):
        per[take] = eval_heldout(model.doc_topic, topic_term, theta_rows, missing)[2]
    return per


def _score(ks: Sequence[int], *, fit: FitFunction, split: HeldoutSplit, samples: list[np.ndarray], texts: Any,
           seeds: list[int], vocabulary: tuple[str, ...], config: TopicConfig, grid: _Grid) -> None:
    """Fit the reference and subsample fits of ``ks`` and add their metrics to ``grid``."""
    start = time.perf_counter()
    # A vocabulary smaller than top_n (a tiny corpus) has topics of every term.
    seed, top_n, measure = seeds[0], min(config.top_n, len(vocabulary)), config.stability_measure
    fits = fit([([(k, seed) for k in ks], split.train, None)]
               + [([(k, seed + r) for k in ks], split.train, rows) for r, rows in enumerate(samples, 1)], True)
    fitted = time.perf_counter()
    flat = [m for sample in fits for m in sample]
    scores = coherence([t for m in flat for t in m.top_terms(top_n)], texts=texts)
    at = np.cumsum([0] + [m.k for m in flat])
    flat = [dataclasses.replace(m, c_npmi=scores["c_npmi"][a:b], c_v=scores["c_v"][a:b])
            for m, a, b in zip(flat, at[:-1], at[1:])]
    scored = time.perf_counter()
    position = {t: j for j, t in enumerate(vocabulary)}
    n_terms = len(vocabulary)
    train = split.train.tocsr()
    for i, k in enumerate(ks):
        models = [flat[r * len(ks) + i] for r in range(len(fits))]
        on_vocab = [_on_vocabulary(m, position, n_terms) for m in models]
        ref = on_vocab[0][1]
        tops = [stats.top_term_indices(tt, top_n) for _, tt in on_vocab]
        per_topic = [matched_agreement(tops[0], top, ref, tt, measure=measure) for top, (_, tt) in zip(tops[1:], on_vocab[1:])]
        agree = [float(a.mean()) for a in per_topic]
        reproducible = int((np.mean(per_topic, axis=0) >= config.stability_threshold).sum()) if agree else None
        if config.engine == "nmf":  # TF-IDF factors: the figure would not be a likelihood
            per_doc = np.full((len(models), split.n_docs), np.nan)
        else:
            per_doc = np.vstack([_heldout_per_document(m, tt, cols, None if r == 0 else samples[r - 1], split)
                                 for r, (m, (cols, tt)) in enumerate(zip(models, on_vocab))])
        pool = np.unique(np.concatenate([top.ravel() for top in tops]))
        if agree:
            base_mean, base_q95 = matched_null(pool, top_n=top_n, k=k, reps=config.baseline_draws,
                                               seed=[seed, k], measure=measure)
        else:
            base_mean = base_q95 = math.nan
        grid.per_k[k] = {"per_doc": per_doc, "pool": len(pool)}
        for r, (m, (cols, _)) in enumerate(zip(models, on_vocab)):
            rows = slice(None) if r == 0 else samples[r - 1]
            m = dataclasses.replace(m, params={**m.params, "sample": r})
            grid.models.append(m)
            grid.rows.append({
                "k": k, "seed": seed + r, "sample": r, "n_units": int(m.doc_topic.shape[0]),
                "heldout": _nanmean(per_doc[r]), "heldout_se": _nanse(per_doc[r]),
                "c_npmi": float(np.nanmean(m.c_npmi)), "c_v": float(np.nanmean(m.c_v)),
                "semantic_coherence": float(semantic_coherence(m.topic_term, train[rows][:, cols],
                                                               top_n=top_n).mean()),
                "exclusivity": float(exclusivity(m.topic_term, top_n=top_n).mean()),
                "stability": (float(np.mean(agree)) if agree else math.nan) if r == 0 else agree[r - 1],
                "baseline": base_q95, "baseline_mean": base_mean,
                "reproducible": reproducible if r == 0 else None,
            })
    logger.info("topics: K %s x %d fits: fitting %.1f s, coherence %.1f s, other metrics %.1f s",
                list(ks), len(fits), fitted - start, scored - fitted, time.perf_counter() - scored)


TABLE_COLUMNS = ["k", "seed", "sample", "n_units", "heldout", "heldout_se", "c_npmi", "c_v",
                 "semantic_coherence", "exclusivity", "stability", "baseline", "baseline_mean", "reproducible"]


def _nanmean(a: np.ndarray) -> float:
    return float(np.nanmean(a)) if np.isfinite(a).any() else math.nan


def _column_means(a: np.ndarray) -> np.ndarray:
    """Mean of each column's finite values (NaN where there is none)."""
    finite = np.isfinite(a)
    n = finite.sum(axis=0)
    return np.where(n > 0, np.where(finite, a, 0.0).sum(axis=0) / np.maximum(n, 1), np.nan)


def _nanse(a: np.ndarray) -> float:
    """Standard error of the mean of the finite values (NaN for fewer than two)."""
    a = a[np.isfinite(a)]
    return float(a.std(ddof=1) / np.sqrt(len(a))) if len(a) > 1 else math.nan


def _summarise(grid: _Grid, config: TopicConfig) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    table = pd.DataFrame(grid.rows, columns=TABLE_COLUMNS).sort_values(["k", "sample"], kind="stable")
    table = table.reset_index(drop=True)
    table["reproducible"] = table["reproducible"].astype("Int64")
    g = table.groupby("k", sort=True)
    ref = table[table["sample"] == 0].set_index("k")
    ks = np.array(sorted(grid.per_k))
    # Per held-out document, its mean over the fits that saw it; then over documents (stm's average).
    per_doc = [_column_means(grid.per_k[k]["per_doc"]) for k in ks]
    summary = pd.DataFrame({
        "k": ks,
        "heldout": [_nanmean(d) for d in per_doc],
        "heldout_se": [_nanse(d) for d in per_doc],
        "c_npmi": g["c_npmi"].mean().to_numpy(),
        "c_npmi_sd": g["c_npmi"].std(ddof=1).to_numpy(),
        "c_v": g["c_v"].mean().to_numpy(),
        "semantic_coherence": g["semantic_coherence"].mean().to_numpy(),
        "exclusivity": g["exclusivity"].mean().to_numpy(),
        "exclusivity_sd": g["exclusivity"].std(ddof=1).to_numpy(),
        "stability": ref["stability"].to_numpy(),
        "stability_sd": table[table["sample"] > 0].groupby("k")["stability"].std(ddof=1)
        .reindex(ks).to_numpy(),
        "baseline": ref["baseline"].to_numpy(),
    })
    summary["excess"] = summary["stability"] - summary["baseline"]
    summary["reproducible"] = ref["reproducible"].to_numpy()
    summary["stability_ratio"] = summary["stability"] / summary["baseline"]
    n_sub = max(1, config.n_subsamples)
    res = gated_frontier(ks, summary["heldout"], summary["heldout_se"], summary["c_npmi"], summary["exclusivity"],
                         summary["stability"], summary["baseline"], summary["stability_sd"] / np.sqrt(n_sub),
                         margin=config.stability_margin)
    summary["stable"] = res["stable"]
    summary["fit_gate"] = res["fit_gate"]
    summary["capped"] = res["capped"]
    summary["frontier"] = res["frontier"]
    summary["score"] = res["score"]
    # How firmly the fits separate the Ks' balance: each fit's own score, standardised as the means are
    # (K x sample; fit r of every K has the same rows and seed, so Ks are compared fit by fit).
    res["fit_scores"] = None
    summary["score_se"] = np.nan
    if np.asarray(res["stable"]).any():
        fit_score = balance_scores(summary["c_npmi"], summary["exclusivity"], res["stable"],
                                   fit_coherence=table["c_npmi"], fit_exclusivity=table["exclusivity"])
        wide = pd.DataFrame({"k": table["k"], "sample": table["sample"], "score": fit_score})
        res["fit_scores"] = wide.pivot(index="k", columns="sample", values="score").reindex(ks)
        summary["score_se"] = [_nanse(row) for row in res["fit_scores"].to_numpy(dtype=float)]
    return table, summary, res


def _span(ks: Sequence[int]) -> str:
    ks = [int(k) for k in ks]
    if not ks:
        return "none"
    if len(ks) <= 3:
        return ", ".join(map(str, ks))
    return f"{ks[0]}–{ks[-1]} ({len(ks)} Ks)"


def _reason(summary: pd.DataFrame, res: dict[str, Any], *, config: TopicConfig, extended: Sequence[int],
            fixed: bool) -> str:
    k = res["k"]
    row = summary.set_index("k").loc[k]
    ks = summary["k"].tolist()
    if res["fallback"]:
        text = (f"K={k}: no K is stable beyond chance (stability over {config.subsample_fraction:.0%} "
                f"subsamples exceeds the 95th percentile of random topics by less than {config.stability_margin:g} "
                f"everywhere); K={k} has the largest excess ({row['excess']:+.2f}): treat its topics with caution")
    else:
        stable = summary.loc[summary["stable"], "k"].tolist()
        parts = [f"K={k} chosen by the gated frontier among K = {_span(ks)}"]
        if not np.isnan(summary["stability"]).all():
            parts.append(f"stable beyond chance: K = {_span(stable)}")
        if res["k_1se"] is not None:
            parts.append(f"held-out likelihood best at K={res['best_heldout_k']} and within one standard error "
                         f"of it from K={res['k_1se']}")
        if res["k_cap"] is not None:
            parts.append(f"stability relative to chance best at K={res['most_stable_k']}, so no K above "
                         f"K={res['k_cap']}")
        front = summary.loc[summary["frontier"], "k"].tolist()
        facts = [f"c_npmi {row['c_npmi']:.3f}", f"exclusivity {row['exclusivity']:.2f} of {config.top_n}"]
        if not np.isnan(row["heldout"]):
            facts.append(f"held-out {row['heldout']:.3f} nats/token")
        if not np.isnan(row["stability"]):
            facts.append(f"stability {row['stability']:.2f} vs {row['baseline']:.2f} by chance")
        parts.append(f"of the coherence–exclusivity frontier K = {_span(front)}, K={k} has the best balance "
                     f"({', '.join(facts)})")
        close = _not_separated(summary, k, res.get("fit_scores"))
        if close:
            parts.append(f"but compared fit by fit (same rows, same seeds), K = {', '.join(map(str, close))} "
                         f"{'is' if len(close) == 1 else 'are'} within one standard error of that balance, so the "
                         f"data fit {'it' if len(close) == 1 else 'them'} about as well as "
                         f"K={k}: compare their topics (model_selection) before settling on K={k}")
        text = "; ".join(parts)
    if extended:
        text += (f". The automatic grid was extended once (K = {', '.join(map(str, extended))}) because the "
                 f"first choice was its largest K")
    if len(ks) > 1 and k in (ks[0], ks[-1]):
        side = "smallest" if k == ks[0] else "largest"
        text += f". Caution: K={k} is the {side} K searched"
        if not (side == "smallest" and k == 2):
            text += "; widen [topics] k_grid to look further"
    return text


def _not_separated(summary: pd.DataFrame, k: int, fit_scores: pd.DataFrame | None) -> list[int]:
    """Other frontier Ks whose balance is within one standard error of the chosen K's: the mean of the
    fit-by-fit differences (fit r of each K: same rows, same seed) against its standard error. None
    without two paired fits."""
    if fit_scores is None:
        return []
    front = summary.loc[summary["frontier"] & (summary["k"] != k), "k"].tolist()
    close = []
    for j in front:
        diff = (fit_scores.loc[k] - fit_scores.loc[j]).to_numpy(dtype=float)
        diff = diff[np.isfinite(diff)]
        if len(diff) >= 2 and diff.mean() <= diff.std(ddof=1) / np.sqrt(len(diff)):
            close.append(int(j))
    return close


def search_k(fit: FitFunction, *, counts: sp.spmatrix, vocabulary: tuple[str, ...], texts: Any,
             seeds: list[int], config: TopicConfig, k_grid: Sequence[int] | str | None = None) -> ModelSelection:
    """Fit every K of the grid, score it and choose K by :data:`K_RULE` (the body of ``select_k``).

    ``fit`` fits jobs on the prepared matrix (see :data:`FitFunction`);
    ``counts``/``vocabulary`` are that matrix. Per K: a reference fit (seed
    ``seeds[0]``) on every document of the held-out split's training matrix and
    ``config.n_subsamples`` fits (seeds ``seeds[0] + r``) on subsamples of it,
    subsample ``r`` drawn from ``default_rng([seeds[0], r])``; the split is drawn
    from ``default_rng(seeds[0])``. The chosen K is then fitted with every seed
    on the whole matrix (``ModelSelection.models``).
    """
    counts = sp.csr_matrix(counts)
    n, v = counts.shape
    if isinstance(k_grid, str):
        if k_grid != "auto":
            raise InputError(f'k_grid: must be "auto" or a list of Ks, got {k_grid!r}')
        k_grid = None
    fixed = k_grid is not None or config.k_grid != "auto"
    requested = k_grid if k_grid is not None else (config.k_grid if fixed else default_k_grid(n))
    grid = sorted({int(k) for k in requested})
    if not grid or grid[0] < 2:
        raise InputError(f"k_grid: needs Ks of at least 2, got {grid}")
    if config.k and config.k not in grid:
        grid = sorted([*grid, config.k])
    samples = [subsample_rows(n, config.subsample_fraction, [seeds[0], r])
               for r in range(1, config.n_subsamples + 1)]
    limit = min(min((len(s) for s in samples), default=n), v)
    skipped = [k for k in grid if k > limit]
    grid = [k for k in grid if k <= limit]
    if skipped:
        logger.warning("topics: skipping K=%s: only %d units (%d in a subsample) / %d terms", skipped, n, limit, v)
    if not grid or config.k in skipped:
        k = config.k if config.k in skipped else min(skipped)
        raise StepSkipped(f"a topic model with K={k} needs at least {k} units in each "
                          f"{config.subsample_fraction:.0%} subsample and {k} terms, but the matrix has {n} units "
                          f"and {v} terms; use a smaller K, fewer subsamples ([topics] n_subsamples) or paragraph units")
    split = make_heldout(counts, n_docs=int(np.floor(config.heldout_documents * n)),
                         proportion=config.heldout_proportion, seed=seeds[0])
    scored = _Grid()
    common = dict(fit=fit, split=split, samples=samples, texts=texts, seeds=seeds, vocabulary=vocabulary,
                  config=config, grid=scored)
    _score(grid, **common)
    table, summary, res = _summarise(scored, config)
    extended: list[int] = []
    if not fixed and res["k"] == grid[-1]:
        extended = [k for k in extend_k_grid(grid) if k <= limit]
        if extended:
            logger.info("topics: K=%d is the largest K of the grid; extending it once to %s", res["k"], extended)
            _score(extended, **common)
            grid = sorted([*grid, *extended])
            table, summary, res = _summarise(scored, config)
    rule_k = res["k"]
    reason = _reason(summary, res, config=config, extended=extended, fixed=fixed)
    chosen = rule_k
    if config.k:
        chosen = config.k
        reason = f"K={config.k} was set by the researcher (topics.k); the rule would have chosen K={rule_k}: {reason}"
    summary["chosen"] = summary["k"] == chosen
    final = fit([([(chosen, s) for s in seeds], None, None)], False)[0]
    scores = coherence([t for m in final for t in m.top_terms(config.top_n)], texts=texts)
    final = [dataclasses.replace(m, c_npmi=scores["c_npmi"][i * chosen:(i + 1) * chosen],
                                 c_v=scores["c_v"][i * chosen:(i + 1) * chosen]) for i, m in enumerate(final)]
    return ModelSelection(
        table=table,
        summary=summary,
        chosen_k=int(chosen),
        rule_k=int(rule_k),
        reason=reason,
        params={
            "rule": K_RULE,
            "stability_margin": config.stability_margin,
            "stability_threshold": config.stability_threshold,
            "stability_measure": config.stability_measure,
            "seeds": seeds,
            "k_grid": grid,
            "k_grid_automatic": not fixed,
            "extended_k": extended,
            "skipped_k": skipped,
            "top_n": config.top_n,
            "heldout": {"seed": split.seed, "documents": split.n_docs, "tokens": split.n_tokens,
                        "dropped_tokens": split.n_dropped_tokens, "proportion": split.proportion},
            "subsamples": {"n": len(samples), "fraction": config.subsample_fraction,
                           "seeds": [[seeds[0], r] for r in range(1, len(samples) + 1)]},
            "baseline": {"draws": config.baseline_draws, "pool_terms": {int(k): int(scored.per_k[k]["pool"])
                                                                        for k in grid}},
            "config": final[0].params["config"],
        },
        models=tuple(final),
        grid_models=tuple(scored.models),
    )
