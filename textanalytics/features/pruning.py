"""Pruning rules of the document-term matrix: document-frequency bounds and ``max_features``.

``min_df``/``max_df``: an ``int`` is a number of units, a ``float`` in [0, 1] a
proportion of units (scikit-learn's convention); checked here with one-line
:class:`~textanalytics.errors.InputError` messages.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ..errors import InputError
from .config import VocabularyConfig

if TYPE_CHECKING:  # pragma: no cover
    from .dtm import DocumentTermMatrix

__all__ = ["check_df", "resolve_pruning", "apply_pruning", "prune_mask", "prune_terms"]


def check_df(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name}: expected a number of units (int) or a proportion (float), got {value!r}")
    if isinstance(value, Integral):
        if value < 0:
            raise InputError(f"{name}: must be >= 0, got {value}")
    elif not 0.0 <= float(value) <= 1.0:
        raise InputError(f"{name}: a proportion must be between 0.0 and 1.0, got {value}")


def resolve_pruning(min_df: Any, max_df: Any, max_features: Any,
                    config: VocabularyConfig | None) -> dict[str, Any]:
    base = config if config is not None else VocabularyConfig(min_df=1, max_df=1.0, max_features=0)
    out = {
        "min_df": base.min_df if min_df is None else min_df,
        "max_df": base.max_df if max_df is None else max_df,
        "max_features": base.max_features if max_features is None else max_features,
    }
    check_df("min_df", out["min_df"])
    check_df("max_df", out["max_df"])
    mf = out["max_features"]
    if isinstance(mf, bool) or not isinstance(mf, Integral) or mf < 0:
        raise InputError(f"max_features: expected an integer >= 0 (0 keeps all terms), got {mf!r}")
    return out


def apply_pruning(dtm: DocumentTermMatrix, pruning: dict[str, Any]) -> DocumentTermMatrix:
    return dtm.prune(**pruning)


def prune_mask(counts: sp.csr_matrix, *, min_df: Any, max_df: Any, max_features: Any) -> np.ndarray:
    """Terms (columns of ``counts``) kept by the pruning rules: :func:`prune_terms` of its frequencies."""
    n_docs, n_terms = counts.shape
    return prune_terms(np.bincount(counts.indices, minlength=n_terms), n_docs=n_docs,
                       tf=lambda: np.asarray(counts.sum(axis=0)).ravel(),
                       min_df=min_df, max_df=max_df, max_features=max_features)


def prune_terms(df: np.ndarray, *, n_docs: int, tf: Any, min_df: Any, max_df: Any, max_features: Any) -> np.ndarray:
    """Terms kept by the pruning rules, from their document frequencies ``df`` over ``n_docs`` units.

    ``tf``: the terms' total counts, or a function giving them (called only when
    ``max_features`` has to choose); terms in alphabetical order, so the index breaks ties.
    The Spark backend passes frequencies summed on the executors (:mod:`textanalytics.spark.prepare`).
    """
    check_df("min_df", min_df)
    check_df("max_df", max_df)
    n_terms = len(df)
    min_count = min_df if isinstance(min_df, Integral) else min_df * n_docs
    max_count = max_df if isinstance(max_df, Integral) else max_df * n_docs
    if max_count < min_count:
        raise InputError(f"max_df={max_df!r} keeps fewer units than min_df={min_df!r} on {n_docs} units; "
                         "lower min_df or raise max_df")
    mask = (df >= min_count) & (df <= max_count)
    if max_features and mask.sum() > max_features:
        tf = np.asarray(tf() if callable(tf) else tf)
        candidates = np.flatnonzero(mask)
        # lexsort: last key is primary. Columns are alphabetical, so the index breaks ties by term.
        order = np.lexsort((candidates, -tf[candidates]))[:max_features]
        mask = np.zeros(n_terms, dtype=bool)
        mask[candidates[order]] = True
    if n_terms and not mask.any():
        raise InputError(f"pruning removed every term (min_df={min_df!r}, max_df={max_df!r} on {n_docs} units); "
                         "lower min_df or raise max_df")
    return mask
