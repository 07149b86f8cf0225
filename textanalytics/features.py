"""The canonical document-term matrix, and converters to scikit-learn / gensim.

Stage 3 of the pipeline: tokens -> :class:`DocumentTermMatrix`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass(frozen=True)
class VocabularyConfig:
    """``[vocabulary]`` section: pruning of the document-term matrix.

    ``min_df``/``max_df`` are counts when ``int`` >= 1 / fractions when ``float`` <= 1.0,
    as in scikit-learn. ``max_features=0`` keeps all terms.
    """

    min_df: int | float = 2
    max_df: int | float = 0.5
    max_features: int = 0


@dataclass(frozen=True)
class DocumentTermMatrix:
    """Sparse counts with their vocabulary and unit ids.

    Attributes
    ----------
    counts:
        ``scipy.sparse.csr_matrix`` of shape ``(n_units, n_terms)``, int64.
    vocabulary:
        Tuple of terms, column order of ``counts`` (sorted alphabetically).
    units:
        One row per row of ``counts``: ``unit_id``, ``statement_id``,
        ``paragraph`` (Int64, <NA> at statement level), ``n_tokens`` (kept
        tokens before pruning).
    unit:
        ``"paragraph"`` or ``"statement"``.
    params:
        The pruning parameters that produced the matrix.
    """

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    units: pd.DataFrame
    unit: str = "paragraph"
    params: dict[str, Any] = field(default_factory=dict)
