"""Fitting topic models: one K (:func:`fit_topics`), several seeds
(:func:`fit_topic_ensemble`) and a grid of K × seeds (:func:`select_k`)."""

from __future__ import annotations

import dataclasses
import functools
import gc
import json
import logging
import multiprocessing as mp
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from .. import __version__
import scipy.sparse as sp

from ..errors import InputError, StepSkipped
from ..features import DocumentTermMatrix
from ..files import atomic_write
from ..provenance import digest, package_versions
from ..workers import available_cores, worker_pool
from . import stats
from .coherence import coherence
from .config import TopicConfig
from .engines import fit_engine
from .model import ModelSelection, TopicEnsemble, TopicModel, make_ensemble
from .selection import K_RULE, SEARCH_SETTINGS, search_k

logger = logging.getLogger(__name__)

__all__ = ["fit_topics", "fit_topic_ensemble", "select_k", "make_ensemble", "K_RULE"]

# ---------------------------------------------------------------------------------------------
# Preparing the matrix
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Prepared:
    """The matrix as the engines see it: pruned columns, no empty rows."""

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    units: pd.DataFrame
    term_counts: np.ndarray
    dropped_units: tuple[str, ...]
    n_terms_before_pruning: int

    @functools.cached_property
    def digest(self) -> str:
        """SHA-256 of the matrix and vocabulary (computed once; part of every fit's cache key)."""
        c = self.counts.tocsr()
        return digest([*(np.ascontiguousarray(arr).tobytes() for arr in (c.data, c.indices, c.indptr)),
                       "\x1f".join(self.vocabulary)])


def _prepare(dtm: DocumentTermMatrix, config: TopicConfig) -> _Prepared:
    if not isinstance(dtm, DocumentTermMatrix):
        raise InputError("dtm: expected a DocumentTermMatrix; build one with "
                         "textanalytics.build_dtm(tokens) or features.dtm_from_texts(units, texts)")
    if (config.min_df, config.max_df, config.max_features) != (1, 1.0, 0):
        dtm = dtm.prune(min_df=config.min_df, max_df=config.max_df, max_features=config.max_features)
    counts = dtm.counts
    n_terms = np.asarray(counts.sum(axis=1)).ravel()
    rows = np.flatnonzero(n_terms > 0)
    dropped = tuple(dtm.units["unit_id"].astype(str).to_numpy()[n_terms == 0])
    if dropped:
        logger.info("topics: dropped %d units with no modelled term", len(dropped))
    counts = counts[rows]
    # Terms left without any count (their units pruned away) cannot be modelled.
    totals = np.asarray(counts.sum(axis=0)).ravel()
    cols = np.flatnonzero(totals > 0)
    counts = sp.csr_matrix(counts[:, cols], dtype=np.float64)
    counts.sort_indices()
    units = dtm.units.iloc[rows].reset_index(drop=True)
    units = pd.DataFrame({
        "unit_id": units["unit_id"].astype(str).to_numpy(),
        "statement_id": units["statement_id"].astype(str).to_numpy(),
        "paragraph": pd.array(units["paragraph"] if "paragraph" in units else [pd.NA] * len(units),
                              dtype="Int64"),
        "n_tokens": units["n_tokens"].to_numpy(dtype=np.int64) if "n_tokens" in units
        else n_terms[rows].astype(np.int64),
        "n_terms": n_terms[rows].astype(np.int64),
    })
    return _Prepared(
        counts=counts,
        vocabulary=tuple(dtm.vocabulary[j] for j in cols),
        units=units,
        term_counts=totals[cols],
        dropped_units=dropped,
        n_terms_before_pruning=int(dtm.params.get("n_terms_before_pruning", len(dtm.vocabulary))),
    )


def _check_size(prep: _Prepared, k: int) -> None:
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise InputError(f"k: the number of topics must be an integer of at least 2, got {k!r}")
    n, v = prep.counts.shape
    if n < k:
        raise StepSkipped(
            f"a topic model with K={k} needs at least {k} non-empty units, but the matrix has {n} "
            f"({len(prep.dropped_units)} empty units dropped); use a smaller K or paragraph units")
    if v < k:
        raise StepSkipped(f"a topic model with K={k} needs at least {k} terms, but the pruned "
                          f"vocabulary has {v}; relax the vocabulary pruning")


def _subset(prep: _Prepared, *, counts: sp.spmatrix | None = None, rows: np.ndarray | None = None) -> _Prepared:
    """``prep`` with its counts replaced (same shape) and/or only ``rows``; columns left empty are dropped."""
    if counts is None and rows is None:
        return prep
    c = prep.counts if counts is None else sp.csr_matrix(counts, dtype=np.float64)
    units = prep.units
    if rows is not None:
        c, units = c[rows], units.iloc[rows].reset_index(drop=True)
    totals = np.asarray(c.sum(axis=0)).ravel()
    cols = np.flatnonzero(totals > 0)
    c = sp.csr_matrix(c[:, cols])
    c.sort_indices()
    return _Prepared(counts=c, vocabulary=tuple(prep.vocabulary[j] for j in cols),
                     units=units.assign(n_terms=np.asarray(c.sum(axis=1)).ravel().astype(np.int64)),
                     term_counts=totals[cols], dropped_units=prep.dropped_units,
                     n_terms_before_pruning=prep.n_terms_before_pruning)


# ---------------------------------------------------------------------------------------------
# One fit
# ---------------------------------------------------------------------------------------------
def _topic_order(topic_term: np.ndarray, doc_topic: np.ndarray, n_terms: np.ndarray,
                 vocabulary: tuple[str, ...]) -> np.ndarray:
    """Deterministic topic order: overall share descending, ties by most probable term."""
    share = np.round(stats.topic_share(doc_topic, n_terms), 12)
    top = [vocabulary[j] for j in stats.top_term_indices(topic_term, 1)[:, 0]]
    return np.array(sorted(range(len(share)), key=lambda i: (-share[i], top[i], i)), dtype=int)


def _fit_key(prep: _Prepared, *, k: int, seed: int, config: TopicConfig) -> str:
    """Content hash of one fit's inputs: matrix, vocabulary, K, seed, config, versions."""
    from ..config import to_dict  # deferred: config imports topics (pandas, numpy, scipy)

    versions = package_versions(("gensim", "scikit-learn", "numpy", "scipy", "tomotopy"), missing="")
    # Settings that leave the fit unchanged (workers; how K is searched) stay out of the key.
    settings = {name: v for name, v in to_dict(config).items() if name not in ("n_jobs", *SEARCH_SETTINGS)}
    return digest([prep.digest, json.dumps({"k": int(k), "seed": int(seed), "config": settings,
                                            "version": __version__, "versions": versions}, sort_keys=True)])


def _cache_files(prep: _Prepared, *, k: int, seed: int, config: TopicConfig,
                 cache_dir: str | None) -> tuple[Path, Path] | None:
    if not cache_dir:
        return None
    key = _fit_key(prep, k=k, seed=seed, config=config)
    folder = Path(cache_dir)
    return folder / f"{key}.npz", folder / f"{key}.json"


def _engine_cached(prep: _Prepared, *, k: int, seed: int, config: TopicConfig,
                   cache_dir: str | None) -> tuple[np.ndarray, np.ndarray, dict]:
    """``fit_engine`` with an optional on-disk cache (``.npz`` without pickle + JSON)."""
    files = _cache_files(prep, k=k, seed=seed, config=config, cache_dir=cache_dir)
    if files is None:
        return fit_engine(prep.counts, vocabulary=prep.vocabulary, k=int(k), seed=int(seed), config=config)
    arrays, meta = files
    if arrays.is_file() and meta.is_file():
        with np.load(arrays, allow_pickle=False) as z:
            topic_term, doc_topic = z["topic_term"], z["doc_topic"]
        return topic_term, doc_topic, json.loads(meta.read_text(encoding="utf-8"))
    topic_term, doc_topic, info = fit_engine(prep.counts, vocabulary=prep.vocabulary, k=int(k),
                                             seed=int(seed), config=config)
    with atomic_write(arrays) as tmp:
        np.savez(tmp, topic_term=topic_term, doc_topic=doc_topic)
    with atomic_write(meta) as tmp:
        tmp.write_text(json.dumps(info, sort_keys=True, default=str), encoding="utf-8")
    return topic_term, doc_topic, info


# ---------------------------------------------------------------------------------------------
# Several fits, in worker processes when that pays
# ---------------------------------------------------------------------------------------------
#: (prepared matrix, config, cache folder) of a worker process, set by its initializer.
_WORKER_STATE: tuple[_Prepared, TopicConfig, str | None] | None = None


def _init_worker(prep: _Prepared, config: TopicConfig, cache_dir: str | None) -> None:
    global _WORKER_STATE
    _WORKER_STATE = (prep, config, cache_dir)  # forked: inherited, never pickled


def _fit_in_worker(job: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, dict]:
    prep, config, cache_dir = _WORKER_STATE  # type: ignore[misc]
    k, seed = job
    return _engine_cached(prep, k=k, seed=seed, config=config, cache_dir=cache_dir)


def _n_workers(config: TopicConfig, n_fits: int) -> int:
    wanted = config.n_jobs or available_cores()
    if wanted > 1 and not sys.platform.startswith("linux"):
        # Forking is the only start method that shares the matrix without copying it, and it is
        # unsafe on macOS (system frameworks) and missing on Windows.
        logger.info("topics: n_jobs=%d uses forked worker processes, available on Linux only; "
                    "fitting in this process", wanted)
        return 1
    return max(1, min(wanted, n_fits))


def _fit_many(prep: _Prepared, jobs: Sequence[tuple[int, int]], *, config: TopicConfig,
              cache_dir: str | None) -> list[TopicModel]:
    """Fit every ``(k, seed)`` job; on ``config.n_jobs`` forked workers when several need fitting.

    Each fit depends only on the matrix, K, seed and config, so the results are
    identical whatever the number of workers (tested). Fits already in the
    cache are read here, not in a worker. Workers share the parent's memory
    copy-on-write (the garbage collector is frozen while they run so that it
    does not touch, and so copy, the parent's objects); each still needs memory
    of its own: the fit's arrays and the pages it happens to write.
    """
    for k, s in jobs:
        _check_seed(s)
        _check_size(prep, int(k))
    jobs = [(int(k), int(s)) for k, s in jobs]
    pending = []
    for job in jobs:
        files = _cache_files(prep, k=job[0], seed=job[1], config=config, cache_dir=cache_dir)
        if files is None or not (files[0].is_file() and files[1].is_file()):
            pending.append(job)
    workers = _n_workers(config, len(pending))
    results: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, dict]] = {}
    if workers > 1:
        start = time.perf_counter()
        froze = gc.get_freeze_count() == 0  # leave a caller's own frozen objects alone
        if froze:
            gc.freeze()
        try:
            with worker_pool(max_workers=workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker, initargs=(prep, config, cache_dir)) as pool:
                for i, (job, result) in enumerate(zip(pending, pool.map(_fit_in_worker, pending)), 1):
                    results[job] = result
                    logger.info("topics: fit %d/%d (K=%d, seed %d) done, %.1f s elapsed",
                                i, len(pending), *job, time.perf_counter() - start)
        finally:
            if froze:
                gc.unfreeze()
    return [_fit_prepared(prep, k=k, seed=s, config=config, cache_dir=cache_dir, fitted=results.get((k, s)))
            for k, s in jobs]


def _check_seed(seed: object) -> None:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise InputError(f"seed: must be an integer, got {seed!r}")


def _fit_prepared(prep: _Prepared, *, k: int, seed: int, config: TopicConfig,
                  cache_dir: str | None = None,
                  fitted: tuple[np.ndarray, np.ndarray, dict] | None = None) -> TopicModel:
    # Imported here: textanalytics.config imports this package's TopicConfig.
    from ..config import to_dict  # deferred: config imports topics (pandas, numpy, scipy)

    _check_size(prep, k)
    _check_seed(seed)
    start = time.perf_counter()
    topic_term, doc_topic, info = fitted or _engine_cached(prep, k=int(k), seed=int(seed), config=config,
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
    prep = _prepare(dtm, config)
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
    seeds = _check_seeds(seeds)
    prep = _prepare(dtm, config)
    models = _fit_many(prep, [(k, s) for s in seeds], config=config, cache_dir=cache_dir)
    if texts is not None:
        models = _with_coherence(models, texts=texts, top_n=config.top_n)
    return make_ensemble(models)


def _check_seeds(seeds: Sequence[int]) -> list[int]:
    if isinstance(seeds, (int, np.integer)) or not len(seeds):
        raise InputError(f"seeds: expected a non-empty list of integers, got {seeds!r}")
    for s in seeds:
        _check_seed(s)
    out = [int(s) for s in seeds]
    if len(set(out)) != len(out):
        raise InputError(f"seeds: contains duplicates: {out}")
    return out


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

    The rule (:data:`K_RULE`, :func:`~textanalytics.topics.selection.gated_frontier`):
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
    seeds = _check_seeds(seeds)
    prep = _prepare(dtm, config)

    def fit(jobs: Sequence[tuple[int, int]], *, counts: sp.spmatrix | None = None,
            rows: np.ndarray | None = None) -> list[TopicModel]:
        return _fit_many(_subset(prep, counts=counts, rows=rows), jobs, config=config, cache_dir=cache_dir)

    return search_k(fit, counts=prep.counts, vocabulary=prep.vocabulary, texts=texts, seeds=seeds,
                    k_grid=k_grid, config=config)
