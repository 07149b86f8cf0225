"""The on-disk cache of topic fits: one ``.npz`` (no pickle) and one JSON file per fit,
named by the content hash of its inputs (matrix, vocabulary, K, seed, config, versions)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from .. import __version__
from ..files import atomic_write
from ..provenance import digest, package_versions
from .config import TopicConfig
from .engines import fit_engine
from .prepare import PreparedMatrix
from .selection_rule import SEARCH_SETTINGS

__all__ = ["fit_key", "cache_files", "cached_fit", "read_fit", "store_fit", "FIT_REVISION"]

#: What the engines return for the same inputs; part of every key, raised when that changes so older
#: caches are not read as current (2: tomotopy gives vocabulary terms no unit uses eta's mass, not 0).
FIT_REVISION = 2


def fit_key(prep: PreparedMatrix, *, k: int, seed: int, config: TopicConfig) -> str:
    """Content hash of one fit's inputs: matrix, vocabulary, K, seed, config, versions."""
    from ..config import to_dict  # deferred: config imports topics (pandas, numpy, scipy)

    packages = ("gensim", "scikit-learn", "numpy", "scipy", "tomotopy")
    if config.engine == "mllib":  # keyed on the values the engine fits with (its own defaults applied)
        from ..spark.lda import mllib_config  # deferred: the Spark backend (numpy, scipy; pyspark on use)

        config = mllib_config(config)
    # MLlib's fit can change with Spark's version (its aggregation order); local engines never use Spark.
    versions = package_versions(packages + (("pyspark",) if config.engine == "mllib" else ()), missing="")
    # Settings that leave the fit unchanged (workers; how K is searched; mllib_defaults, already applied
    # above for the one engine it concerns) stay out of the key.
    settings = {name: v for name, v in to_dict(config).items()
                if name not in ("n_jobs", "mllib_defaults", *SEARCH_SETTINGS)}
    return digest([prep.digest, json.dumps({"k": int(k), "seed": int(seed), "config": settings,
                                            "version": __version__, "versions": versions,
                                            "revision": FIT_REVISION}, sort_keys=True)])


def cache_files(prep: PreparedMatrix, *, k: int, seed: int, config: TopicConfig,
                cache_dir: str | None) -> tuple[Path, Path] | None:
    if not cache_dir:
        return None
    key = fit_key(prep, k=k, seed=seed, config=config)
    folder = Path(cache_dir)
    return folder / f"{key}.npz", folder / f"{key}.json"


def read_fit(files: tuple[Path, Path]) -> tuple[np.ndarray, np.ndarray, dict] | None:
    """``(topic_term, doc_topic, info)`` stored at ``files`` (``.npz``, ``.json``), or None when absent."""
    arrays, meta = files
    if not (arrays.is_file() and meta.is_file()):
        return None
    with np.load(arrays, allow_pickle=False) as z:
        topic_term, doc_topic = z["topic_term"], z["doc_topic"]
    return topic_term, doc_topic, json.loads(meta.read_text(encoding="utf-8"))


def store_fit(files: tuple[Path, Path], topic_term: np.ndarray, doc_topic: np.ndarray, info: dict) -> None:
    """Write a fit's arrays (``.npz``, no pickle) and info (JSON) atomically to ``files``."""
    arrays, meta = files
    arrays.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(arrays) as tmp:
        np.savez(tmp, topic_term=topic_term, doc_topic=doc_topic)
    with atomic_write(meta) as tmp:
        tmp.write_text(json.dumps(info, sort_keys=True, default=str), encoding="utf-8")


def cached_fit(prep: PreparedMatrix, *, k: int, seed: int, config: TopicConfig,
               cache_dir: str | None) -> tuple[np.ndarray, np.ndarray, dict]:
    """``fit_engine`` with an optional on-disk cache (``.npz`` without pickle + JSON)."""
    files = cache_files(prep, k=k, seed=seed, config=config, cache_dir=cache_dir)
    if files is None:
        return fit_engine(prep.counts, vocabulary=prep.vocabulary, k=int(k), seed=int(seed), config=config)
    cached = read_fit(files)
    if cached is not None:
        return cached
    topic_term, doc_topic, info = fit_engine(prep.counts, vocabulary=prep.vocabulary, k=int(k),
                                             seed=int(seed), config=config)
    store_fit(files, topic_term, doc_topic, info)
    return topic_term, doc_topic, info
