"""The canonical document-term matrix, and converters to scikit-learn / gensim.

One matrix serves every later stage: sparse int64 counts, the sorted
vocabulary, and one row of ``units`` per matrix row. Models and comparisons
take it as it is; gensim's and scikit-learn's forms are produced only at the
edge (:meth:`DocumentTermMatrix.to_gensim`, :meth:`DocumentTermMatrix.to_sklearn`).
Built by :mod:`.build`; pruned by the rules of :mod:`.pruning`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..grouping import factorize_labels, indicator, label_str
from .pruning import prune_mask

__all__ = ["DocumentTermMatrix", "BowCorpus", "UNIT_COLUMNS"]

logger = logging.getLogger(__name__)

#: Columns every ``DocumentTermMatrix.units`` table starts with.
UNIT_COLUMNS = ("unit_id", "statement_id", "paragraph", "n_tokens")


@dataclass(frozen=True, eq=False)
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
        tokens before pruning). An aggregated matrix (:meth:`aggregate`) adds
        ``group`` (the label) and ``n_units`` (how many units were summed).
    unit:
        ``"paragraph"`` or ``"statement"``; for an aggregated matrix, the name
        of the grouping (e.g. ``"year"``).
    params:
        The pruning parameters that produced the matrix.
    pruned:
        Counts of the terms pruning removed (same rows, int64; None when
        nothing was removed). Topic models fit on ``counts`` but estimate topic
        shares over every kept token (``counts`` and ``pruned``): see
        :mod:`textanalytics.topics.kept_tokens`.

    Matrices are immutable values: every method returns a new matrix. Equality
    is identity (comparing two sparse matrices element-wise is rarely what is
    meant); compare ``counts``, ``vocabulary`` and ``units`` explicitly.
    """

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    units: pd.DataFrame
    unit: str = "paragraph"
    params: dict[str, Any] = field(default_factory=dict)
    pruned: sp.csr_matrix | None = None

    def __post_init__(self) -> None:
        counts = self.counts
        if not sp.issparse(counts):
            raise TypeError("DocumentTermMatrix.counts must be a scipy.sparse matrix")
        if not isinstance(counts, sp.csr_matrix) or counts.dtype != np.int64:
            object.__setattr__(self, "counts", sp.csr_matrix(counts, dtype=np.int64))
        if not isinstance(self.vocabulary, tuple):
            object.__setattr__(self, "vocabulary", tuple(self.vocabulary))
        n_units, n_terms = self.counts.shape
        if n_terms != len(self.vocabulary):
            raise ValueError(f"counts has {n_terms} columns but the vocabulary {len(self.vocabulary)} terms")
        if n_units != len(self.units):
            raise ValueError(f"counts has {n_units} rows but units {len(self.units)} rows")
        if self.pruned is not None and self.pruned.shape[0] != n_units:
            raise ValueError(f"pruned has {self.pruned.shape[0]} rows but counts {n_units}")
        missing = [c for c in ("unit_id", "statement_id") if c not in self.units.columns]
        if missing:
            raise ValueError(f"units lacks column(s) {missing}")

    # -- inspection ---------------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """``(n_units, n_terms)``."""
        return self.counts.shape

    @property
    def n_units(self) -> int:
        return self.counts.shape[0]

    @property
    def n_terms(self) -> int:
        return self.counts.shape[1]

    def term_index(self) -> dict[str, int]:
        """Map term -> column index."""
        return {t: i for i, t in enumerate(self.vocabulary)}

    def document_frequencies(self) -> np.ndarray:
        """Number of units containing each term (int64, column order)."""
        return np.bincount(self.counts.indices, minlength=self.n_terms).astype(np.int64)

    def term_frequencies(self) -> np.ndarray:
        """Total count of each term (int64, column order)."""
        return np.asarray(self.counts.sum(axis=0), dtype=np.int64).ravel()

    def token_totals(self) -> np.ndarray:
        """Kept tokens per unit before pruning (``units.n_tokens``; row sums if absent)."""
        if "n_tokens" in self.units.columns:
            return self.units["n_tokens"].to_numpy(dtype=np.int64)
        return np.asarray(self.counts.sum(axis=1), dtype=np.int64).ravel()

    def to_frame(self) -> pd.DataFrame:
        """Long, tidy form of the non-zero cells: ``unit_id, term, count``."""
        coo = self.counts.tocoo()
        order = np.lexsort((coo.col, coo.row))
        vocab = np.asarray(self.vocabulary, dtype=object)
        return pd.DataFrame({
            "unit_id": self.units["unit_id"].to_numpy(dtype=object)[coo.row[order]],
            "term": vocab[coo.col[order]] if len(vocab) else np.array([], dtype=object),
            "count": coo.data[order].astype(np.int64),
        })

    def __repr__(self) -> str:
        return (f"DocumentTermMatrix({self.n_units} {self.unit} units x {self.n_terms} terms, "
                f"{self.counts.nnz} non-zero, {int(self.counts.sum())} counts)")

    def _repr_html_(self) -> str:
        head = self.units.head(10)._repr_html_()
        return f"<p><b>{self.__repr__()}</b></p>{head}"

    # -- transformations ----------------------------------------------------------------------

    def prune(self, *, min_df: int | float = 1, max_df: int | float = 1.0,
              max_features: int = 0) -> "DocumentTermMatrix":
        """Keep terms by document frequency, then the ``max_features`` most frequent.

        ``min_df``/``max_df``: an ``int`` is a number of units, a ``float`` in
        [0, 1] a proportion of units (scikit-learn's convention). A term is kept
        when ``min_df <= df <= max_df``. ``max_features > 0`` then keeps the
        terms with the largest total count; ties are broken alphabetically, so
        pruning is deterministic. ``units.n_tokens`` is left unchanged (it counts
        tokens before pruning, the denominator of relative frequencies).
        """
        keep = prune_mask(self.counts, min_df=min_df, max_df=max_df, max_features=max_features)
        params = {**self.params, "min_df": min_df, "max_df": max_df, "max_features": max_features,
                  "n_terms_before_pruning": self.params.get("n_terms_before_pruning", self.n_terms)}
        if keep.all():
            return DocumentTermMatrix(counts=self.counts, vocabulary=self.vocabulary, units=self.units.copy(),
                                      unit=self.unit, params=params, pruned=self.pruned)
        return self.select_terms(keep, params=params)

    def select_terms(self, keep: np.ndarray | Sequence[str],
                     *, params: dict[str, Any] | None = None) -> "DocumentTermMatrix":
        """Matrix restricted to some columns: a boolean mask, or a list of terms.

        Unknown terms in a list are ignored. Vocabulary order is kept. The counts
        of the columns left out are added to :attr:`pruned`.
        """
        if isinstance(keep, np.ndarray) and keep.dtype == bool:
            mask = keep
        else:
            wanted = set(keep)
            mask = np.fromiter((t in wanted for t in self.vocabulary), dtype=bool, count=self.n_terms)
        cols = np.flatnonzero(mask)
        vocab = tuple(self.vocabulary[i] for i in cols)
        pruned = self.pruned
        if len(cols) < self.n_terms:
            dropped = self.counts[:, np.flatnonzero(~mask)].tocsr()
            pruned = dropped if pruned is None else sp.hstack([pruned, dropped], format="csr")
        return DocumentTermMatrix(counts=self.counts[:, cols].tocsr(), vocabulary=vocab,
                                  units=self.units.copy(), unit=self.unit,
                                  params=dict(self.params if params is None else params), pruned=pruned)

    def aggregate(self, labels: Sequence[Any] | pd.Series | np.ndarray, *,
                  unit: str = "group") -> "DocumentTermMatrix":
        """Sum the units that share a label: one row per label.

        ``labels`` has one value per unit (row). Missing labels (None, NaN,
        <NA>, blank strings) belong to no group: those units are left out, and
        their number is logged and recorded in ``params["n_units_without_label"]``.
        Rows are in sorted label order (numbers numerically, otherwise as
        strings). ``units`` of the result: ``unit_id`` (the label as a string),
        ``statement_id`` (the label when ``unit="statement"``, else <NA>),
        ``paragraph`` (<NA>), ``n_tokens`` (summed), ``group`` (the label) and
        ``n_units`` (how many units were summed).
        """
        values = labels.to_numpy(dtype=object) if isinstance(labels, pd.Series) else np.asarray(labels, dtype=object)
        if len(values) != self.n_units:
            raise ValueError(f"aggregate: {len(values)} labels for {self.n_units} units")
        codes, uniques = factorize_labels(values)
        n_missing = int((codes < 0).sum())
        if n_missing:
            logger.info("aggregate(%s): %d of %d units have no label and form no group",
                        unit, n_missing, self.n_units)
        groups = indicator(codes, n_groups=len(uniques))
        counts = (groups @ self.counts).tocsr()
        counts.sort_indices()
        n_tokens = groups @ self.token_totals()
        n_units = np.asarray(groups.sum(axis=1), dtype=np.int64).ravel()
        ids = [label_str(u) for u in uniques]
        units = pd.DataFrame({
            "unit_id": ids,
            "statement_id": pd.array(ids if unit == "statement" else [pd.NA] * len(ids), dtype="object"),
            "paragraph": pd.array([pd.NA] * len(ids), dtype="Int64"),
            "n_tokens": np.asarray(n_tokens, dtype=np.int64),
            "group": pd.Series(list(uniques), dtype=object),
            "n_units": n_units,
        })
        params = {**self.params, "aggregated_from": self.unit, "n_units_without_label": n_missing}
        return DocumentTermMatrix(counts=counts, vocabulary=self.vocabulary, units=units,
                                  unit=unit, params=params)

    # -- converters (the edge) ----------------------------------------------------------------

    def to_sklearn(self) -> sp.csr_matrix:
        """A copy of ``counts`` as the ``(n_samples, n_features)`` CSR matrix scikit-learn expects.

        Column ``j`` is ``vocabulary[j]``; e.g. ``TfidfTransformer().fit_transform(dtm.to_sklearn())``.
        """
        out = self.counts.copy()
        out.sort_indices()
        return out

    def to_gensim(self) -> tuple[Any, "BowCorpus"]:
        """``(dictionary, corpus)`` for gensim.

        ``dictionary`` is a :class:`gensim.corpora.Dictionary` whose ids are the
        column indices (``dictionary[j] == vocabulary[j]``), with ``dfs``/``cfs``
        filled from the matrix. ``corpus`` is a :class:`BowCorpus`: a re-iterable,
        indexable sequence of bags of words ``[(term_id, count), ...]`` read
        lazily from the sparse matrix, so memory stays flat on any corpus size
        (``list(corpus)`` materialises it).
        """
        from gensim.corpora import Dictionary  # deferred: gensim, only for this converter

        dictionary = Dictionary()
        dictionary.token2id = {t: i for i, t in enumerate(self.vocabulary)}
        dictionary.id2token = {}
        dictionary.dfs = {i: int(v) for i, v in enumerate(self.document_frequencies())}
        dictionary.cfs = {i: int(v) for i, v in enumerate(self.term_frequencies())}
        dictionary.num_docs = self.n_units
        dictionary.num_pos = int(self.counts.sum())
        dictionary.num_nnz = int(self.counts.nnz)
        return dictionary, BowCorpus(self.counts)


class BowCorpus(Sequence):
    """A gensim corpus view of a CSR matrix: ``corpus[i] == [(term_id, count), ...]``."""

    def __init__(self, counts: sp.csr_matrix) -> None:
        self._counts = sp.csr_matrix(counts)
        self._counts.sort_indices()

    def __len__(self) -> int:
        return self._counts.shape[0]

    def __getitem__(self, i: int) -> list[tuple[int, int]]:  # type: ignore[override]
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        n = len(self)
        if i < 0:
            i += n
        if not 0 <= i < n:
            raise IndexError(i)
        lo, hi = self._counts.indptr[i], self._counts.indptr[i + 1]
        return list(zip(self._counts.indices[lo:hi].tolist(), self._counts.data[lo:hi].tolist()))

    def __iter__(self) -> Iterator[list[tuple[int, int]]]:
        for i in range(len(self)):
            yield self[i]

    def __repr__(self) -> str:
        return f"BowCorpus({len(self)} documents)"

