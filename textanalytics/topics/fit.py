"""Fitting topic models: one K (:func:`fit_topics`), several seeds
(:func:`fit_topic_ensemble`) and a grid of K × seeds (:func:`select_k`).

Modules beside this one: :mod:`.prepare` (the matrix the engines see, checks),
:mod:`.fit_cache` (fits on disk), :mod:`.fit_workers` (forked worker processes).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..features import DocumentTermMatrix
from . import stats
from .coherence import coherence
from .config import TopicConfig
from .fit_cache import cached_fit
from .fit_workers import fit_in_workers
from .model import ModelSelection, TopicEnsemble, TopicModel, make_ensemble
from .prepare import PreparedMatrix, check_seed, check_seeds, check_size, prepare

logger = logging.getLogger(__name__)

__all__ = ["fit_topics", "fit_topic_ensemble", "select_k", "make_ensemble", "K_RULE"]

#: The documented rule :func:`select_k` applies.
K_RULE = (
    "Among the Ks whose mean stability across seeds is at least stability_threshold, "
    "choose the one with the highest mean c_npmi (ties go to the smaller K). If no K is "
    "stable enough, choose the most stable K (ties to the smaller K). With a single seed "
    "stability is unknown and the highest mean c_npmi decides."
)


# ---------------------------------------------------------------------------------------------
# One fit
# ---------------------------------------------------------------------------------------------
def _topic_order(topic_term: np.ndarray, doc_topic: np.ndarray, n_terms: np.ndarray,
                 vocabulary: tuple[str, ...]) -> np.ndarray:
    """Deterministic topic order: overall share descending, ties by most probable term."""
    share = np.round(stats.topic_share(doc_topic, n_terms), 12)
    top = [vocabulary[j] for j in stats.top_term_indices(topic_term, 1)[:, 0]]
    return np.array(sorted(range(len(share)), key=lambda i: (-share[i], top[i], i)), dtype=int)


def _fit_many(prep: PreparedMatrix, jobs: Sequence[tuple[int, int]], *, config: TopicConfig,
              cache_dir: str | None) -> list[TopicModel]:
    """Fit every ``(k, seed)`` job; on ``config.n_jobs`` forked workers when several need fitting
    (:func:`~textanalytics.topics.fit_workers.fit_in_workers`)."""
    for k, s in jobs:
        check_seed(s)
        check_size(prep, int(k))
    jobs = [(int(k), int(s)) for k, s in jobs]
    results = fit_in_workers(prep, jobs, config=config, cache_dir=cache_dir)
    return [_fit_prepared(prep, k=k, seed=s, config=config, cache_dir=cache_dir, fitted=results.get((k, s)))
            for k, s in jobs]


def _fit_prepared(prep: PreparedMatrix, *, k: int, seed: int, config: TopicConfig,
                  cache_dir: str | None = None,
                  fitted: tuple[np.ndarray, np.ndarray, dict] | None = None) -> TopicModel:
    # Imported here: textanalytics.config imports this package's TopicConfig.
    from ..config import to_dict  # deferred: config imports topics (pandas, numpy, scipy)

    check_size(prep, k)
    check_seed(seed)
    start = time.perf_counter()
    topic_term, doc_topic, info = fitted or cached_fit(prep, k=int(k), seed=int(seed), config=config,
                                                       cache_dir=cache_dir)
    logger.debug("topics: %s K=%d seed=%d fitted in %.2f s", config.engine, k, seed,
                 time.perf_counter() - start)
    order = _topic_order(topic_term, doc_topic, prep.units["n_terms"].to_numpy(), prep.vocabulary)
    params = {
        "engine": config.engine,
        "k": int(k),
        "seed": int(seed),
        "config": to_dict(config),
        "n_units": int(prep.counts.shape[0]),
        "n_dropped_units": len(prep.dropped_units),
        "dropped_units": list(prep.dropped_units),
        "n_terms": len(prep.vocabulary),
        "n_terms_before_pruning": prep.n_terms_before_pruning,
        "engine_info": info,
    }
    return TopicModel(
        topic_term=topic_term[order],
        doc_topic=doc_topic[:, order],
        vocabulary=prep.vocabulary,
        units=prep.units,
        term_counts=prep.term_counts,
        params=params,
        pruned=prep.pruned,    # shares count the pruned tokens too (topics/kept_tokens.py)
    )


def fit_topics(dtm: DocumentTermMatrix, *, k: int, seed: int, config: TopicConfig | None = None,
               cache_dir: str | None = None,
               texts: Sequence[Sequence[str]] | None = None) -> TopicModel:
    """Fit one topic model with ``k`` topics.

    Parameters
    ----------
    dtm:
        A :class:`~textanalytics.features.DocumentTermMatrix` (paragraph units
        recommended: statements are too few to model).
    k:
        Number of topics (>= 2).
    seed:
        Seed of the engine; the same matrix, config and seed give identical
        arrays and topic numbering.
    config:
        :class:`TopicConfig` (engine, priors, passes, pruning); defaults if None.
    texts:
        The modelling texts (term lists, e.g. ``tokens.documents()[1]``); when
        given, each topic's ``c_npmi`` and ``c_v`` coherence is computed.

    Returns
    -------
    TopicModel
        Plain arrays (``topic_term``, ``doc_topic``) plus ``units``,
        ``vocabulary`` and ``params``. Units with no modelled term are dropped
        and counted in ``params["n_dropped_units"]``.

    Raises
    ------
    StepSkipped
        Fewer non-empty units (or terms) than ``k``.

    Example
    -------
    >>> model = fit_topics(dtm, k=6, seed=1)                 # doctest: +SKIP
    >>> model.top_terms(5)[0]                                # doctest: +SKIP
    ['terrorism', 'international', 'un', 'cooperation', 'counter']
    """
    config = config or TopicConfig()
    prep = prepare(dtm, config)
    model = _fit_prepared(prep, k=k, seed=seed, config=config, cache_dir=cache_dir)
    if texts is not None:
        (model,) = _with_coherence([model], texts=texts, top_n=config.top_n)
    return model


# ---------------------------------------------------------------------------------------------
# Coherence
# ---------------------------------------------------------------------------------------------
def _with_coherence(models: Sequence[TopicModel], *, texts: Sequence[Sequence[str]],
                    top_n: int) -> list[TopicModel]:
    """Attach per-topic c_npmi and c_v to each model (one pass over the texts for all)."""
    topics = [t for m in models for t in m.top_terms(top_n)]
    scores = coherence(topics, texts=texts)
    out, start = [], 0
    for m in models:
        sl = slice(start, start + m.k)
        out.append(dataclasses.replace(m, c_npmi=scores["c_npmi"][sl], c_v=scores["c_v"][sl]))
        start += m.k
    return out


# ---------------------------------------------------------------------------------------------
# Several seeds
# ---------------------------------------------------------------------------------------------
def fit_topic_ensemble(dtm: DocumentTermMatrix, *, k: int, seeds: Sequence[int], config: TopicConfig | None = None,
                       cache_dir: str | None = None,
                       texts: Sequence[Sequence[str]] | None = None) -> TopicEnsemble:
    """Fit ``k`` topics once per seed and align the refits to the first seed's fit.

    The first seed's fit is the reference (its numbering and labels are used
    everywhere); the others are reordered to match it and give each topic its
    ``stability`` and the between-seed part of every share interval.

    Example
    -------
    >>> ens = fit_topic_ensemble(dtm, k=6, seeds=[1, 2, 3], texts=texts)      # doctest: +SKIP
    >>> ens.reference.stability.round(2)                                      # doctest: +SKIP
    array([0.82, 0.67, 1.  , 0.54, 0.43, 0.67])
    """
    config = config or TopicConfig()
    seeds = check_seeds(seeds)
    prep = prepare(dtm, config)
    models = _fit_many(prep, [(k, s) for s in seeds], config=config, cache_dir=cache_dir)
    if texts is not None:
        models = _with_coherence(models, texts=texts, top_n=config.top_n)
    return make_ensemble(models)




# ---------------------------------------------------------------------------------------------
# Choosing K
# ---------------------------------------------------------------------------------------------
def _pair_stability(models: Sequence[TopicModel], top_n: int) -> np.ndarray:
    """Per fit: mean agreement with every other fit of the same K (NaN for one fit)."""
    n = len(models)
    agree = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i + 1, n):
            _, jac = stats.agreement(models[i].topic_term, models[j].topic_term, top_n=top_n)
            agree[i, j] = agree[j, i] = jac.mean()
    if n < 2:
        return np.full(n, np.nan)
    return np.nanmean(agree, axis=1)


def _apply_rule(summary: pd.DataFrame, threshold: float) -> tuple[int, str]:
    """The documented K rule (see :data:`K_RULE`). ``summary`` is sorted by k."""
    s = summary.sort_values("k")
    if s["stability"].isna().all():
        best = s.loc[s["c_npmi"].idxmax()]
        return int(best["k"]), (f"K={int(best['k'])} has the highest mean c_npmi "
                                f"({best['c_npmi']:.3f}); stability is unknown with a single seed")
    eligible = s[s["stability"] >= threshold]
    if len(eligible):
        # idxmax returns the first maximum: with rows sorted by k, ties go to the smaller K.
        best = eligible.loc[eligible["c_npmi"].idxmax()]
        return int(best["k"]), (
            f"K={int(best['k'])} has the highest mean c_npmi ({best['c_npmi']:.3f}) among the "
            f"{len(eligible)} of {len(s)} Ks whose mean stability across seeds is at least "
            f"{threshold:g} (its stability: {best['stability']:.2f})")
    best = s.loc[s["stability"].idxmax()]
    return int(best["k"]), (
        f"no K reaches a mean stability of {threshold:g}; K={int(best['k'])} is the most stable "
        f"({best['stability']:.2f}, c_npmi {best['c_npmi']:.3f}): treat its topics with caution")


def select_k(dtm: DocumentTermMatrix, *, texts: Sequence[Sequence[str]], seeds: Sequence[int],
             cache_dir: str | None = None,
             k_grid: Sequence[int] | None = None, config: TopicConfig | None = None) -> ModelSelection:
    """Fit every K of a grid with several seeds; score coherence and stability; pick K.

    For each K and seed: mean c_npmi and c_v of the topics' top ``config.top_n``
    terms on ``texts`` (gensim's definitions, see :func:`coherence`), and stability: the mean
    Jaccard agreement of top terms with the fits of the other seeds of the same
    K, after matching topics one to one (Greene, O'Callaghan & Cunningham 2014).

    The rule (:data:`K_RULE`): among the Ks whose mean stability is at least
    ``config.stability_threshold``, the highest mean c_npmi wins, ties to the
    smaller K; if none is stable enough, the most stable K. ``config.k > 0``
    overrides the rule (the reason then says what the rule would have chosen).
    Ks larger than the number of non-empty units are skipped (logged, and listed
    in ``params["skipped_k"]``).

    Parameters
    ----------
    dtm:
        The document-term matrix (paragraph units recommended).
    texts:
        The modelling texts (term lists), e.g. ``tokens.documents()[1]``.
    seeds:
        One fit per seed and K; stability needs at least two.
    k_grid:
        The Ks to compare (default ``config.k_grid``).
    config:
        :class:`TopicConfig`.

    Example
    -------
    >>> sel = select_k(dtm, texts=texts, seeds=[1, 2, 3], k_grid=range(2, 13))   # doctest: +SKIP
    >>> sel.chosen_k, sel.reason                                                  # doctest: +SKIP
    >>> ens = sel.ensemble()          # the chosen K's fits, aligned              # doctest: +SKIP
    """
    config = config or TopicConfig()
    seeds = check_seeds(seeds)
    grid = sorted({int(k) for k in (config.k_grid if k_grid is None else k_grid)})
    if not grid or grid[0] < 2:
        raise InputError(f"k_grid: needs Ks of at least 2, got {grid}")
    if config.k and config.k not in grid:
        grid = sorted([*grid, config.k])
    prep = prepare(dtm, config)
    limit = min(prep.counts.shape)
    skipped = [k for k in grid if k > limit]
    grid = [k for k in grid if k <= limit]
    if skipped:
        logger.warning("topics: skipping K=%s: only %d non-empty units / %d terms",
                       skipped, *prep.counts.shape)
    if not grid:
        check_size(prep, min(skipped))  # raises StepSkipped with the reason
    if config.k in skipped:
        check_size(prep, config.k)
    start = time.perf_counter()
    models = _fit_many(prep, [(k, s) for k in grid for s in seeds], config=config, cache_dir=cache_dir)
    fitted = time.perf_counter()
    models = _with_coherence(models, texts=texts, top_n=config.top_n)
    scored = time.perf_counter()
    rows = []
    for k in grid:
        fits = [m for m in models if m.k == k]
        for m, stab in zip(fits, _pair_stability(fits, config.top_n)):
            rows.append({"k": k, "seed": m.params["seed"], "c_npmi": float(np.nanmean(m.c_npmi)),
                         "c_v": float(np.nanmean(m.c_v)), "stability": float(stab)})
    table = pd.DataFrame(rows, columns=["k", "seed", "c_npmi", "c_v", "stability"])
    logger.info("topics: K grid %s x %d seeds: fits %.1f s, coherence %.1f s, stability %.1f s",
                grid, len(seeds), fitted - start, scored - fitted, time.perf_counter() - scored)

    g = table.groupby("k", sort=True)
    summary = pd.DataFrame({
        "k": grid,
        "c_npmi": g["c_npmi"].mean().to_numpy(),
        "c_npmi_sd": g["c_npmi"].std(ddof=1).to_numpy(),
        "c_v": g["c_v"].mean().to_numpy(),
        "stability": g["stability"].mean().to_numpy(),
        "stability_sd": g["stability"].std(ddof=1).to_numpy(),
    })
    summary["eligible"] = summary["stability"] >= config.stability_threshold
    rule_k, reason = _apply_rule(summary, config.stability_threshold)
    chosen = rule_k
    if config.k:
        chosen = config.k
        reason = (f"K={config.k} was set by the researcher (topics.k); "
                  f"the rule would have chosen K={rule_k}: {reason}")
    summary["chosen"] = summary["k"] == chosen
    return ModelSelection(
        table=table,
        summary=summary,
        chosen_k=int(chosen),
        rule_k=int(rule_k),
        reason=reason,
        params={
            "rule": K_RULE,
            "stability_threshold": config.stability_threshold,
            "seeds": seeds,
            "k_grid": grid,
            "skipped_k": skipped,
            "top_n": config.top_n,
            "config": models[0].params["config"],
        },
        models=tuple(models),
    )
