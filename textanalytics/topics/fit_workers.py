"""Fitting several ``(K, seed)`` jobs in forked worker processes, when that pays."""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import sys
import time
from typing import Sequence

import numpy as np

from ..workers import available_cores, worker_pool
from .config import TopicConfig
from .fit_cache import cache_files, cached_fit
from .prepare import PreparedMatrix

logger = logging.getLogger(__name__)

__all__ = ["fit_in_workers", "n_workers"]

#: (prepared matrices, config, cache folder) of a worker process, set by its initializer.
_WORKER_STATE: tuple[Sequence[PreparedMatrix], TopicConfig, str | None] | None = None


def _init_worker(preps: Sequence[PreparedMatrix], config: TopicConfig, cache_dir: str | None) -> None:
    global _WORKER_STATE
    _WORKER_STATE = (preps, config, cache_dir)  # forked: inherited, never pickled


def _fit_in_worker(job: tuple[int, int, int]) -> tuple[np.ndarray, np.ndarray, dict]:
    preps, config, cache_dir = _WORKER_STATE  # type: ignore[misc]
    p, k, seed = job
    return cached_fit(preps[p], k=k, seed=seed, config=config, cache_dir=cache_dir)


def n_workers(config: TopicConfig, n_fits: int) -> int:
    """Worker processes for ``n_fits`` independent fits: ``config.n_jobs`` (0: every core), at most
    ``n_fits``; 1 (fit in this process) off Linux, where forking is unsafe or missing, and for MLlib."""
    if config.engine == "mllib":
        return 1  # the Spark session lives in this process (a forked child cannot use its JVM gateway)
    wanted = config.n_jobs or available_cores()
    if wanted > 1 and not sys.platform.startswith("linux"):
        # Forking is the only start method that shares the matrix without copying it, and it is
        # unsafe on macOS (system frameworks) and missing on Windows.
        logger.info("topics: n_jobs=%d uses forked worker processes, available on Linux only; "
                    "fitting in this process", wanted)
        return 1
    return max(1, min(wanted, n_fits))


def fit_in_workers(preps: Sequence[PreparedMatrix], jobs: Sequence[tuple[int, int, int]], *, config: TopicConfig,
                   cache_dir: str | None) -> dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray, dict]]:
    """``{(p, k, seed): (topic_term, doc_topic, info)}`` of the jobs not in the cache (``p`` indexes
    ``preps``: the search for K fits several matrices in one pool), fitted on ``config.n_jobs``
    forked workers; empty when fewer than two workers would run (the caller then fits, or
    reads from the cache, in this process).

    Each fit depends only on the matrix, K, seed and config, so the results are
    identical whatever the number of workers (tested). Fits already in the
    cache are read by the caller, not in a worker. Workers share the parent's memory
    copy-on-write (the garbage collector is frozen while they run so that it
    does not touch, and so copy, the parent's objects); each still needs memory
    of its own: the fit's arrays and the pages it happens to write.
    """
    pending = []
    for job in jobs:
        files = cache_files(preps[job[0]], k=job[1], seed=job[2], config=config, cache_dir=cache_dir)
        if files is None or not (files[0].is_file() and files[1].is_file()):
            pending.append(job)
    workers = n_workers(config, len(pending))
    results: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray, dict]] = {}
    if workers > 1:
        start = time.perf_counter()
        froze = gc.get_freeze_count() == 0  # leave a caller's own frozen objects alone
        if froze:
            gc.freeze()
        try:
            with worker_pool(max_workers=workers, mp_context=mp.get_context("fork"),
                             initializer=_init_worker, initargs=(tuple(preps), config, cache_dir)) as pool:
                for i, (job, result) in enumerate(zip(pending, pool.map(_fit_in_worker, pending)), 1):
                    results[job] = result
                    logger.info("topics: fit %d/%d (K=%d, seed %d) done, %.1f s elapsed",
                                i, len(pending), *job[1:], time.perf_counter() - start)
        finally:
            if froze:
                gc.unfreeze()
    return results
