"""Fitting topic models: one K (:func:`fit_topics`), several seeds
(:func:`fit_topic_ensemble`) and a grid of K × seeds (:func:`select_k`).

Modules beside this one: :mod:`.prepare` (the matrix the engines see, checks),
:mod:`.fit_cache` (fits on disk), :mod:`.fit_workers` (forked worker processes).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Callable, Sequence

import numpy as np
import scipy.sparse as sp

from ..features import DocumentTermMatrix
from . import stats
from .coherence import coherence
from .config import TopicConfig
from .fit_cache import cached_fit
from .fit_workers import fit_in_workers
from .model import ModelSelection, TopicEnsemble, TopicModel, make_ensemble
from .prepare import PreparedMatrix, check_seed, check_seeds, check_size, prepare, subset
from .selection import K_RULE, search_k

logger = logging.getLogger(__name__)

__all__ = ["fit_topics", "fit_topic_ensemble", "fit_prepared_ensemble", "select_k", "select_k_prepared", "make_ensemble",
           "K_RULE"]

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
    return _fit_batches([(prep, jobs)], config=config, cache_dir=cache_dir)[0]


def _fit_batches(batches: Sequence[tuple[PreparedMatrix, Sequence[tuple[int, int]]]], *, config: TopicConfig,
                 cache_dir: str | None) -> list[list[TopicModel]]:
    """:func:`_fit_many` for several matrices at once: one pool of workers for all their jobs."""
    flat = []
    for p, (prep, jobs) in enumerate(batches):
        for k, s in jobs:
            check_seed(s)
            check_size(prep, int(k))
            flat.append((p, int(k), int(s)))
    results = fit_in_workers([prep for prep, _ in batches], flat, config=config, cache_dir=cache_dir)
    out: list[list[TopicModel]] = [[] for _ in batches]
    for p, k, s in flat:
        out[p].append(_fit_prepared(batches[p][0], k=k, seed=s, config=config, cache_dir=cache_dir,
                                    fitted=results.get((p, k, s))))
    return out


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
        "n_units": int(prep.shape[0]),
        "n_dropped_units": len(prep.dropped_units),
        "dropped_units": list(prep.dropped_units),
        "n_terms": len(prep.vocabulary),
        "n_terms_before_pruning": prep.n_terms_before_pruning,
        "engine_info": info,
        # The engine's topic of each topic here (engine_info's per-topic values, e.g. alpha_fitted, are in its order).
        "topic_order": [int(i) for i in order],
    }
    return TopicModel(
        topic_term=topic_term[order],
        doc_topic=doc_topic[:, order],
        vocabulary=prep.vocabulary,
        units=prep.units,
        term_counts=prep.term_counts,
        params=params,
        pruned=prep.pruned,    # shares count the pruned tokens too (topics/kept_tokens.py)
        term_statements=prep.term_statements,
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
    return fit_prepared_ensemble(prepare(dtm, config), k=k, seeds=seeds, config=config, cache_dir=cache_dir,
                                 texts=texts)


def fit_prepared_ensemble(prep: PreparedMatrix, *, k: int, seeds: Sequence[int], config: TopicConfig,
                          cache_dir: str | None = None, texts: Sequence[Sequence[str]] | None = None,
                          fit: Callable[[int, int], tuple[np.ndarray, np.ndarray, dict]] | None = None
                          ) -> TopicEnsemble:
    """:func:`fit_topic_ensemble` of a prepared matrix (:func:`~textanalytics.topics.prepare.prepare`).

    ``fit(k, seed)``, when given, fits in place of the ``[topics]`` engine on ``prep.counts`` and
    returns its ``(topic_term, doc_topic, info)``, rows in ``prep.units`` order and columns in
    ``prep.vocabulary`` order: the Spark backend fits there on vectors that never reach this
    process (``prep.counts`` is then None; :mod:`textanalytics.spark.prepare`). Everything
    after the fit (topic order, kept-token shares, coherence, alignment) is the same code.
    """
    seeds = check_seeds(seeds)
    if fit is None:
        models = _fit_many(prep, [(k, s) for s in seeds], config=config, cache_dir=cache_dir)
    else:
        check_size(prep, int(k))  # before any fit starts
        models = [_fit_prepared(prep, k=k, seed=s, config=config, fitted=fit(int(k), s)) for s in seeds]
    if texts is not None:
        models = _with_coherence(models, texts=texts, top_n=config.top_n)
    return make_ensemble(models)




# ---------------------------------------------------------------------------------------------
# Choosing K
# ---------------------------------------------------------------------------------------------
def select_k(dtm: DocumentTermMatrix, *, texts: Sequence[Sequence[str]], seeds: Sequence[int],
             cache_dir: str | None = None,
             k_grid: Sequence[int] | str | None = None, config: TopicConfig | None = None) -> ModelSelection:
    """Choose the number of topics as stm's ``searchK`` does, then by a rule; fit the chosen K.

    One held-out split (stm's document completion: 10 % of the units lose half
    their tokens, drawn from ``seeds[0]``) serves every K. Per K: a reference
    fit (seed ``seeds[0]``) on the split's training matrix and
    ``config.n_subsamples`` fits on 80 % subsamples of its units (seeds
    ``seeds[0] + r``), each scored for held-out likelihood (reference),
    c_npmi and c_v on ``texts``, stm's semantic coherence and exclusivity, and
    stability: matched top-term agreement of the subsample fits with the
    reference (Greene, O'Callaghan & Cunningham 2014), next to the agreement of
    random topics drawn from the same terms (its baseline). Every fit is cached
    like any other (``cache_dir``).

    The rule (:data:`K_RULE`, :func:`~textanalytics.topics.selection_rule.gated_frontier`):
    Ks stable beyond chance; then no K whose held-out fit is clearly worse
    than the best (one-standard-error rule, a lower bound) and none beyond the
    Ks as stable relative to chance as the most stable one (an upper bound);
    then the best balance of c_npmi and exclusivity on their frontier
    (``docs/choosing_k.md``). With the automatic grid (``k_grid =
    "auto"``, scaled to the number of units), a choice at its largest K extends
    it once; a choice at an edge is flagged in ``reason``. ``config.k > 0``
    overrides the rule (the reason then says what the rule would have chosen).
    Ks larger than a subsample's units or the terms are skipped (logged, and
    listed in ``params["skipped_k"]``). The chosen K is then fitted with every
    seed on the whole matrix (``ensemble()``).

    Parameters
    ----------
    dtm:
        The document-term matrix (paragraph units recommended).
    texts:
        The modelling texts (term lists), e.g. ``tokens.documents()[1]``.
    seeds:
        ``seeds[0]`` seeds the split, the subsamples and the grid's fits; the
        chosen K is fitted once per seed.
    k_grid:
        The Ks to compare (default ``config.k_grid``; ``"auto"``: the automatic
        grid); a list given here or in the config is never extended.
    config:
        :class:`TopicConfig`.

    Example
    -------
    >>> sel = select_k(dtm, texts=texts, seeds=[1, 2, 3])                         # doctest: +SKIP
    >>> sel.chosen_k, sel.reason                                                  # doctest: +SKIP
    >>> sel.summary[["k", "heldout", "c_npmi", "exclusivity", "stability", "baseline"]]  # doctest: +SKIP
    >>> ens = sel.ensemble()          # the chosen K's fits, aligned              # doctest: +SKIP
    """
    config = config or TopicConfig()
    return select_k_prepared(prepare(dtm, config), texts=texts, seeds=seeds, cache_dir=cache_dir, k_grid=k_grid,
                             config=config)


def select_k_prepared(prep: PreparedMatrix, *, texts: Sequence[Sequence[str]], seeds: Sequence[int],
                      cache_dir: str | None = None, k_grid: Sequence[int] | str | None = None,
                      config: TopicConfig | None = None) -> ModelSelection:
    """:func:`select_k` of a prepared matrix (:func:`~textanalytics.topics.prepare.prepare`), e.g. the
    Spark backend's sample of units (``[spark] topic_sample``); ``texts`` may be every unit's (coherence
    reads them as its reference corpus)."""
    config = config or TopicConfig()
    seeds = check_seeds(seeds)

    searching = (dataclasses.replace(config, sampling_iterations=config.search_iterations)
                 if config.engine == "tomotopy" and config.search_iterations else config)

    def fit(batches: Sequence[tuple[Sequence[tuple[int, int]], sp.spmatrix | None, np.ndarray | None]],
            search: bool) -> list[list[TopicModel]]:
        return _fit_batches([(subset(prep, counts=counts, rows=rows), jobs) for jobs, counts, rows in batches],
                            config=searching if search else config, cache_dir=cache_dir)

    return search_k(fit, counts=prep.counts, vocabulary=prep.vocabulary, texts=texts, seeds=seeds,
                    k_grid=k_grid, config=config)
