"""The canonical document-term matrix, and converters to scikit-learn / gensim.

Stage 3 of the pipeline: tokens -> :class:`DocumentTermMatrix`.

One matrix serves every later stage: sparse int64 counts, the sorted
vocabulary, and one row of ``units`` per matrix row. Models and comparisons
take it as it is; gensim's and scikit-learn's forms are produced only at the
edge (:meth:`DocumentTermMatrix.to_gensim`, :meth:`DocumentTermMatrix.to_sklearn`).

Example
-------
>>> units = ["a", "b", "c"]
>>> texts = [["war", "law", "law"], ["law", "peace"], ["war"]]
>>> dtm = dtm_from_texts(units, texts)
>>> dtm.vocabulary
('law', 'peace', 'war')
>>> dtm.counts.toarray().tolist()
[[2, 0, 1], [1, 1, 0], [0, 0, 1]]
>>> dtm.prune(min_df=2).vocabulary
('law', 'war')
>>> dtm.aggregate(["x", "x", "y"]).counts.toarray().tolist()
[[3, 1, 1], [0, 0, 1]]
"""

from __future__ import annotations

import logging
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, Iterator

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .errors import InputError

if TYPE_CHECKING:  # pragma: no cover
    from .corpus.model import Corpus
    from .preprocessing.model import Tokens

__all__ = [
    "VocabularyConfig",
    "DocumentTermMatrix",
    "BowCorpus",
    "build_dtm",
    "dtm_from_texts",
    "group_counts",
    "group_labels",
    "ubiquitous_terms",
]

logger = logging.getLogger(__name__)

#: Columns every ``DocumentTermMatrix.units`` table starts with.
UNIT_COLUMNS = ("unit_id", "statement_id", "paragraph", "n_tokens")


@dataclass(frozen=True)
class VocabularyConfig:
    """``[vocabulary]`` section: pruning of the document-term matrix.

    ``min_df``/``max_df`` are counts when ``int`` / fractions when ``float`` in
    [0, 1], as in scikit-learn. ``max_features=0`` keeps all terms. Checked when
    made: an int ``max_df`` below 2 (``1`` for "every unit" is ``1.0``) and a
    ``min_df`` above a ``max_df`` of the same kind are errors.

    ``ubiquitous_share`` (0 = off) removes from the topic-model matrix, before
    the document-frequency pruning, the terms found in more than this share of
    the units of every group (of at least :data:`UBIQUITOUS_MIN_UNITS` units)
    of the first usable ``[compare] group_by`` column, or of the whole corpus
    without one: see :func:`ubiquitous_terms`. Comparisons keep them.

    >>> VocabularyConfig(max_df=1)
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [vocabulary] max_df = 1: keeps only terms found in a single unit; a proportion needs a decimal point (1.0 = every unit) or give a number of units of at least 2
    """

    min_df: int | float = 2
    max_df: int | float = 0.5
    max_features: int = 0
    ubiquitous_share: float = 0.4

    def __post_init__(self) -> None:
        from .corpus.config import FieldChecks

        check = FieldChecks(self, "vocabulary")
        check.document_frequency("min_df")
        check.document_frequency("max_df")
        check.df_pair()
        check.integer("max_features", minimum=0, problem="must be 0 (all) or positive")
        check.number("ubiquitous_share", minimum=0.0, maximum=1.0, max_open=True,
                     problem="must be a share in [0, 1): 0 turns the list off, 0.4 leaves out of the topic "
                             "model the terms found in more than 40 % of the units of every group")


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

    Matrices are immutable values: every method returns a new matrix. Equality
    is identity (comparing two sparse matrices element-wise is rarely what is
    meant); compare ``counts``, ``vocabulary`` and ``units`` explicitly.
    """

    counts: sp.csr_matrix
    vocabulary: tuple[str, ...]
    units: pd.DataFrame
    unit: str = "paragraph"
    params: dict[str, Any] = field(default_factory=dict)

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
        keep = _prune_mask(self.counts, min_df=min_df, max_df=max_df, max_features=max_features)
        params = {**self.params, "min_df": min_df, "max_df": max_df, "max_features": max_features,
                  "n_terms_before_pruning": self.params.get("n_terms_before_pruning", self.n_terms)}
        if keep.all():
            return DocumentTermMatrix(counts=self.counts, vocabulary=self.vocabulary, units=self.units.copy(),
                                      unit=self.unit, params=params)
        return self.select_terms(keep, params=params)

    def select_terms(self, keep: np.ndarray | Sequence[str],
                     *, params: dict[str, Any] | None = None) -> "DocumentTermMatrix":
        """Matrix restricted to some columns: a boolean mask, or a list of terms.

        Unknown terms in a list are ignored. Vocabulary order is kept.
        """
        if isinstance(keep, np.ndarray) and keep.dtype == bool:
            mask = keep
        else:
            wanted = set(keep)
            mask = np.fromiter((t in wanted for t in self.vocabulary), dtype=bool, count=self.n_terms)
        cols = np.flatnonzero(mask)
        vocab = tuple(self.vocabulary[i] for i in cols)
        return DocumentTermMatrix(counts=self.counts[:, cols].tocsr(), vocabulary=vocab,
                                  units=self.units.copy(), unit=self.unit,
                                  params=dict(self.params if params is None else params))

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
        indicator = _indicator(codes, len(uniques))
        counts = (indicator @ self.counts).tocsr()
        counts.sort_indices()
        n_tokens = indicator @ self.token_totals()
        n_units = np.asarray(indicator.sum(axis=1), dtype=np.int64).ravel()
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
        from gensim.corpora import Dictionary

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


# -- building ---------------------------------------------------------------------------------


def build_dtm(tokens: "Tokens", *, unit: str | None = None,
              min_df: int | float | None = None, max_df: int | float | None = None,
              max_features: int | None = None,
              config: VocabularyConfig | None = None) -> DocumentTermMatrix:
    """Count the kept ``term`` values of ``tokens`` per unit.

    Parameters
    ----------
    tokens:
        The :class:`~textanalytics.preprocessing.Tokens` of a corpus, or a
        :class:`~textanalytics.preprocessing.TokenStore` on disk: anything whose
        ``chunk_tokens()`` yields Tokens. Chunks are counted one at a time and
        merged, so memory is the matrix plus one chunk's tokens.
    unit:
        ``"paragraph"`` or ``"statement"``; defaults to ``tokens.config.unit``.
    min_df, max_df, max_features:
        Pruning, see :meth:`DocumentTermMatrix.prune`. An argument given here
        wins; otherwise the value comes from ``config``; with neither, nothing
        is pruned (``min_df=1, max_df=1.0, max_features=0``) — the right input
        for keyness and KWIC-style counts. Topic models pass
        ``config=analysis_config.vocabulary``.

    Returns
    -------
    DocumentTermMatrix
        Rows in ``Tokens.documents(unit=...)`` order (every unit of the corpus,
        even one with no kept token); columns sorted alphabetically;
        ``units.n_tokens`` counts kept tokens before pruning.

    The counting is vectorised over the token table (a few int arrays of the
    number of kept tokens; the matrix is never dense). For term lists that do
    not fit in memory, stream them through :func:`dtm_from_texts`.

    Example
    -------
    >>> dtm = build_dtm(tokens, unit="statement")                # doctest: +SKIP
    >>> X = dtm.to_sklearn(); dictionary, bow = dtm.to_gensim()   # doctest: +SKIP
    """
    unit = unit or tokens.config.unit
    if unit not in ("paragraph", "statement"):
        raise InputError(f"unit: expected 'paragraph' or 'statement', got {unit!r}")
    pruning = _resolve_pruning(min_df, max_df, max_features, config)
    parts = [_chunk_counts(chunk, unit=unit) for chunk in tokens.chunk_tokens()]
    if not parts:  # a token store of an empty table
        parts = [DocumentTermMatrix(counts=sp.csr_matrix((0, 0), dtype=np.int64), vocabulary=(), unit=unit,
                                    units=pd.DataFrame({"unit_id": [], "statement_id": [],
                                                        "paragraph": pd.array([], dtype="Int64"), "n_tokens": []}),
                                    params={"unit": unit, "n_terms_before_pruning": 0})]
    dtm = parts[0] if len(parts) == 1 else _stack(parts, unit=unit)
    return _apply_pruning(dtm, pruning)


def _chunk_counts(tokens: "Tokens", *, unit: str) -> DocumentTermMatrix:
    """The unpruned matrix of one chunk of tokens (vectorised over its token table)."""
    t = tokens.table
    # Units in (statement_id, paragraph) order, as Tokens.documents() gives them: factorize the
    # ids sorted, then one integer key per unit, so no string comparison touches every token.
    sid_codes, sids = _sorted_id_codes(t["statement_id"])
    if unit == "paragraph":
        par = t["paragraph"].to_numpy(dtype=np.int64)
        base = int(par.max()) + 1 if len(par) else 1
        key = sid_codes.astype(np.int64) * base + par
    else:
        key = sid_codes.astype(np.int64)
    unit_codes, unit_keys = pd.factorize(key, sort=True)
    unit_keys = np.asarray(unit_keys, dtype=np.int64)
    kept = t["keep"].to_numpy(dtype=bool)
    rows = unit_codes[kept]
    term_codes, vocabulary = _sorted_codes(t["term"][kept])
    n_units = len(unit_keys)
    counts = _coo_counts(rows, term_codes, (n_units, len(vocabulary)))
    n_tokens = np.bincount(rows, minlength=n_units).astype(np.int64)
    if unit == "paragraph":
        ids = sids[unit_keys // base].tolist()
        paras = (unit_keys % base).tolist()
        table = pd.DataFrame({
            "unit_id": [f"{s}:{p}" for s, p in zip(ids, paras)],
            "statement_id": ids,
            "paragraph": pd.array(paras, dtype="Int64"),
            "n_tokens": n_tokens,
        })
    else:
        ids = sids[unit_keys].tolist()
        table = pd.DataFrame({"unit_id": ids, "statement_id": ids,
                              "paragraph": pd.array([pd.NA] * n_units, dtype="Int64"),
                              "n_tokens": n_tokens})
    return DocumentTermMatrix(counts=counts, vocabulary=vocabulary, units=table, unit=unit,
                              params={"unit": unit, "n_terms_before_pruning": len(vocabulary)})


def _stack(parts: list[DocumentTermMatrix], *, unit: str) -> DocumentTermMatrix:
    """One matrix from the matrices of several token chunks: vocabularies merged, units in id order.

    Equal to counting all tokens at once (tests compare the two); memory is the
    merged matrix plus the parts.
    """
    columns: dict[str, int] = {}
    rows, cols, data = [], [], []
    offset = 0
    for part in parts:
        remap = np.fromiter((columns.setdefault(t, len(columns)) for t in part.vocabulary),
                            dtype=np.int64, count=len(part.vocabulary))
        coo = part.counts.tocoo()
        rows.append(coo.row.astype(np.int64) + offset)
        cols.append(remap[coo.col])
        data.append(coo.data)
        offset += part.counts.shape[0]
    terms = np.asarray(list(columns), dtype=object)
    order = np.argsort(terms, kind="stable") if len(terms) else np.zeros(0, np.int64)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[order] = np.arange(len(terms))
    units = pd.concat([part.units for part in parts], ignore_index=True)
    cols_all = np.concatenate(cols)
    counts = sp.csr_matrix((np.concatenate(data), (np.concatenate(rows), rank[cols_all] if len(terms) else cols_all)),
                           shape=(offset, len(terms)), dtype=np.int64)
    # Units in (statement_id, paragraph) order whatever order the chunks came in.
    par = units["paragraph"].fillna(0).to_numpy(dtype=np.int64)
    row_order = np.lexsort((par, units["statement_id"].astype(str).to_numpy()))
    if not np.array_equal(row_order, np.arange(len(units))):
        counts, units = counts[row_order], units.iloc[row_order].reset_index(drop=True)
    counts.sort_indices()
    return DocumentTermMatrix(counts=counts, vocabulary=tuple(terms[order].tolist()), units=units, unit=unit,
                              params={"unit": unit, "n_terms_before_pruning": len(terms)})


def dtm_from_texts(units: pd.DataFrame | Iterable[str], texts: Iterable[Iterable[str]], *,
                   unit: str | None = None, min_df: int | float | None = None,
                   max_df: int | float | None = None, max_features: int | None = None,
                   config: VocabularyConfig | None = None) -> DocumentTermMatrix:
    """Build a matrix from any iterable of term lists, one pass, memory ∝ non-zero cells.

    ``units`` is a DataFrame with ``unit_id`` (and optionally ``statement_id``,
    ``paragraph``; other columns are kept), or an iterable of unit ids (then
    ``statement_id = unit_id``). ``texts`` yields one iterable of terms per unit
    and may be a generator: it is read once, document by document, so a corpus
    streamed from disk never needs to be in memory. ``unit`` defaults to
    ``"paragraph"`` when ``units`` has non-missing ``paragraph`` values, else
    ``"statement"``. Pruning as in :func:`build_dtm` (default: none).

    >>> dtm_from_texts(["s1", "s2"], (t.split() for t in ["a b a", "b c"])).counts.toarray().tolist()
    [[2, 1, 0], [0, 1, 1]]
    """
    pruning = _resolve_pruning(min_df, max_df, max_features, config)
    if isinstance(units, pd.DataFrame):
        if "unit_id" not in units.columns:
            raise InputError(f"units: column 'unit_id' is missing; available columns: {', '.join(map(str, units.columns))}")
        table = units.reset_index(drop=True).copy()
        table["unit_id"] = table["unit_id"].astype(str)
    else:
        table = pd.DataFrame({"unit_id": [str(u) for u in units]})
    if "statement_id" not in table.columns:
        table["statement_id"] = table["unit_id"]
    if "paragraph" not in table.columns:
        table["paragraph"] = pd.array([pd.NA] * len(table), dtype="Int64")
    else:
        table["paragraph"] = pd.array(table["paragraph"], dtype="Int64")

    vocab: dict[str, int] = {}
    indices = array("q")
    data = array("q")
    indptr = array("q", [0])
    n_tokens = array("q")
    for doc in texts:
        c = Counter(doc)
        for term, n in c.items():
            j = vocab.get(term)
            if j is None:
                j = vocab[term] = len(vocab)
            indices.append(j)
            data.append(n)
        indptr.append(len(indices))
        n_tokens.append(sum(c.values()))
    n_docs = len(indptr) - 1
    if n_docs != len(table):
        raise InputError(f"texts: {n_docs} documents for {len(table)} units; give one term list per unit")
    terms = np.array(list(vocab), dtype=object)
    order = np.argsort(terms, kind="stable") if len(terms) else np.array([], dtype=np.int64)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[order] = np.arange(len(terms))
    cols = rank[np.frombuffer(indices, dtype=np.int64)] if len(indices) else np.array([], dtype=np.int64)
    counts = sp.csr_matrix((np.frombuffer(data, dtype=np.int64).copy(), cols,
                            np.frombuffer(indptr, dtype=np.int64).copy()),
                           shape=(n_docs, len(terms)), dtype=np.int64)
    counts.sort_indices()
    table["n_tokens"] = np.frombuffer(n_tokens, dtype=np.int64).copy() if n_docs else np.array([], dtype=np.int64)
    front = list(UNIT_COLUMNS)
    table = table[front + [c for c in table.columns if c not in front]]
    if unit is None:
        unit = "paragraph" if table["paragraph"].notna().any() else "statement"
    dtm = DocumentTermMatrix(counts=counts, vocabulary=tuple(terms[order].tolist()), units=table,
                             unit=unit, params={"unit": unit, "n_terms_before_pruning": len(terms)})
    return _apply_pruning(dtm, pruning)


# -- ubiquitous terms -------------------------------------------------------------------------

#: Columns of :func:`ubiquitous_terms`' table.
UBIQUITOUS_COLUMNS = ("term", "share_min", "share_overall", "groups")

#: Groups with fewer units are not checked by :func:`ubiquitous_terms`: one unit moves their share by
#: a tenth or more (in the Commons sample a party with two speeches vetoed every term).
UBIQUITOUS_MIN_UNITS = 10


def ubiquitous_terms(dtm: DocumentTermMatrix, *, labels: Sequence[Any] | np.ndarray | None, share: float,
                     min_units: int = UBIQUITOUS_MIN_UNITS) -> pd.DataFrame:
    """Terms found in more than ``share`` of the units of every group.

    ``labels`` holds one group label per unit (row) of ``dtm``; a missing
    label (None, NaN, "") puts the unit in no group. Groups with fewer than
    ``min_units`` units are not checked, unless no group has that many;
    ``labels=None`` makes the whole corpus one group. ``share <= 0`` finds
    nothing (the list is off).

    Returns one row per term, ``share_min`` descending then ``term``:
    ``term``; ``share_min``, the smallest share of a checked group's units
    that contain the term; ``share_overall``, the share of all units;
    ``groups``, how many groups were checked (the term exceeds ``share`` in each).

    >>> dtm = dtm_from_texts(["a", "b", "c", "d"], [["hon", "war"], ["hon"], ["hon", "tax"], ["tax"]])
    >>> ubiquitous_terms(dtm, labels=["x", "x", "y", "y"], share=0.4, min_units=1)
      term  share_min  share_overall  groups
    0  hon        0.5           0.75       2
    """
    found = pd.DataFrame({"term": pd.Series([], dtype=object), "share_min": pd.Series([], dtype=float),
                          "share_overall": pd.Series([], dtype=float), "groups": pd.Series([], dtype=np.int64)})
    if share <= 0 or dtm.n_units == 0:
        return found
    codes = (np.zeros(dtm.n_units, dtype=np.int64) if labels is None
             else factorize_labels(np.asarray(labels, dtype=object))[0])
    sizes = np.bincount(codes[codes >= 0], minlength=int(codes.max()) + 1 if len(codes) else 0)
    checked = np.flatnonzero(sizes >= min_units) if (sizes >= min_units).any() else np.flatnonzero(sizes)
    if not len(checked):
        return found
    position = np.full(len(sizes) + 1, -1, dtype=np.int64)
    position[checked] = np.arange(len(checked))
    indicator = _indicator(position[codes], len(checked))  # code -1 maps to the last slot: -1
    presence = (dtm.counts > 0).astype(np.int64)
    units = sizes[checked].astype(np.float64)
    # A term above the share in every checked group is above it in those groups pooled: only those are candidates.
    pooled = np.asarray(indicator.sum(axis=0) @ presence).ravel() / units.sum()
    candidates = np.flatnonzero(pooled > share)
    share_min = ((indicator @ presence[:, candidates]).toarray() / units[:, None]).min(axis=0)
    hit = candidates[share_min > share]
    overall = np.asarray(presence[:, hit].sum(axis=0), dtype=np.float64).ravel() / dtm.n_units
    found = pd.DataFrame({"term": pd.Series([dtm.vocabulary[i] for i in hit], dtype=object),
                          "share_min": share_min[share_min > share], "share_overall": overall,
                          "groups": np.full(len(hit), len(checked), dtype=np.int64)})
    return found.sort_values(["share_min", "term"], ascending=[False, True], kind="stable").reset_index(drop=True)


# -- grouping ---------------------------------------------------------------------------------


def group_labels(corpus: "Corpus | pd.DataFrame", *, group_by: str) -> pd.Series:
    """The group of every statement: a Series indexed by ``statement_id``.

    ``corpus`` is a :class:`~textanalytics.corpus.Corpus` or its ``statements``
    DataFrame. ``group_by`` is a column of it, or ``"statement"`` (each
    statement its own group). Missing values (NaN, <NA>, None, blank strings:
    the corpus writes "" for an unknown speaker) are returned as ``None``.

    Raises :class:`InputError` when the column does not exist, naming the
    available ones.
    """
    statements = corpus.statements if hasattr(corpus, "statements") else corpus
    if not isinstance(statements, pd.DataFrame) or "statement_id" not in statements.columns:
        raise InputError("corpus: expected a Corpus or a statements DataFrame with a 'statement_id' column")
    ids = statements["statement_id"].astype(str)
    if group_by in ("statement", "statement_id"):
        values = ids.to_numpy(dtype=object)
    elif group_by in statements.columns:
        values = statements[group_by].to_numpy(dtype=object)
    else:
        available = ", ".join(["statement"] + [str(c) for c in statements.columns
                                                if c not in ("statement_id", "text")])
        raise InputError(f"group_by: column {group_by!r} not found in corpus.statements; "
                         f"available: {available}")
    clean = [None if is_missing(v) else v for v in values]
    return pd.Series(clean, index=pd.Index(ids.to_numpy(), name="statement_id"), name=group_by, dtype=object)


def group_counts(dtm: DocumentTermMatrix, *, corpus: "Corpus | pd.DataFrame",
                 group_by: str) -> DocumentTermMatrix:
    """Sum the units of each group of statements (``group_by`` column of the corpus).

    Units are mapped to groups through ``statement_id``; a unit whose statement
    has no value in the column belongs to no group (logged; recorded in
    ``params["n_units_without_label"]``). See :meth:`DocumentTermMatrix.aggregate`.
    """
    return dtm.aggregate(unit_labels(dtm, corpus=corpus, group_by=group_by),
                         unit="statement" if group_by in ("statement", "statement_id") else group_by)


def unit_labels(dtm: DocumentTermMatrix, *, corpus: "Corpus | pd.DataFrame",
                group_by: str) -> np.ndarray:
    """One group label per unit of ``dtm`` (object array, ``None`` = no group)."""
    labels = group_labels(corpus, group_by=group_by)
    sids = dtm.units["statement_id"].astype(str)
    unknown = sorted(set(sids) - set(labels.index))
    if unknown:
        raise InputError(f"corpus: {len(unknown)} statement_id(s) of the matrix are not in the corpus "
                         f"(e.g. {unknown[0]!r}); pass the corpus the matrix was built from")
    return labels.reindex(sids.to_numpy()).to_numpy(dtype=object)


# -- helpers ----------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT, <NA> and blank strings."""
    if value is None:
        return True
    if isinstance(value, str):
        return value.strip() == ""
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def label_str(value: Any) -> str:
    """A group label as text: ``2017`` (also from ``2017.0``), ``"MFA"``."""
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, Real) and not isinstance(value, Integral) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def factorize_labels(values: np.ndarray) -> tuple[np.ndarray, list[Any]]:
    """``(codes, uniques)``: codes -1 for missing labels; uniques sorted.

    Numbers sort numerically, everything else by its string form, so
    ``2017 < 2018`` and ``"FSB/NAC" < "MFA"``; mixed types sort as strings.
    Values with the same string form (``2017`` and ``"2017"``) are one label.
    """
    raw_codes, raw_uniques = pd.factorize(pd.Series(np.asarray(values, dtype=object), dtype=object),
                                          use_na_sentinel=True)
    raw_uniques = list(raw_uniques)
    distinct: dict[str, Any] = {}
    keys_of: list[str | None] = []
    for v in raw_uniques:
        if is_missing(v):
            keys_of.append(None)
            continue
        k = label_str(v)
        distinct.setdefault(k, v)
        keys_of.append(k)
    keys = list(distinct)
    if all(isinstance(distinct[k], Real) and not isinstance(distinct[k], (bool, np.bool_)) for k in keys):
        keys.sort(key=lambda k: (float(distinct[k]), k))
    else:
        keys.sort()
    position = {k: i for i, k in enumerate(keys)}
    mapping = np.array([position[k] if k is not None else -1 for k in keys_of] + [-1], dtype=np.int64)
    codes = mapping[np.where(raw_codes < 0, len(keys_of), raw_codes)]
    return codes, [distinct[k] for k in keys]


def _indicator(codes: np.ndarray, n_groups: int) -> sp.csr_matrix:
    """``(n_groups, n_units)`` 0/1 matrix; units with code -1 belong to no row."""
    ok = codes >= 0
    cols = np.flatnonzero(ok)
    return sp.csr_matrix((np.ones(len(cols), dtype=np.int64), (codes[ok], cols)),
                         shape=(n_groups, len(codes)))


def _sorted_id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of every row's id, codes in sorted-string order, and the sorted ids (object array).

    A categorical column (the token table's) is recoded through its categories,
    so no string is created per row (``astype(str)`` on 10 M rows costs
    about 600 MB and 15 s). A missing id is an error.
    """
    from .preprocessing.model import _codes

    codes, names = _codes(ids)
    names = np.asarray(names, dtype=object)
    order = np.argsort(names, kind="stable") if len(names) else np.zeros(0, np.int64)
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    return rank[codes], names[order]


def _sorted_codes(terms: pd.Series) -> tuple[np.ndarray, tuple[str, ...]]:
    """Column code of every term, with the vocabulary sorted like Python's ``sorted``."""
    codes, uniques = pd.factorize(terms, sort=False)
    uniques = np.asarray(uniques, dtype=object).astype(str).astype(object)
    order = np.argsort(uniques, kind="stable") if len(uniques) else np.array([], dtype=np.int64)
    rank = np.empty(len(uniques), dtype=np.int64)
    rank[order] = np.arange(len(uniques))
    return rank[codes], tuple(uniques[order].tolist())


def _coo_counts(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    data = np.ones(len(rows), dtype=np.int64)
    counts = sp.coo_matrix((data, (rows, cols)), shape=shape).tocsr()  # sums duplicates
    counts.sum_duplicates()
    counts.sort_indices()
    return sp.csr_matrix(counts, dtype=np.int64)


def _check_df(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise InputError(f"{name}: expected a number of units (int) or a proportion (float), got {value!r}")
    if isinstance(value, Integral):
        if value < 0:
            raise InputError(f"{name}: must be >= 0, got {value}")
    elif not 0.0 <= float(value) <= 1.0:
        raise InputError(f"{name}: a proportion must be between 0.0 and 1.0, got {value}")


def _resolve_pruning(min_df: Any, max_df: Any, max_features: Any,
                     config: VocabularyConfig | None) -> dict[str, Any]:
    base = config if config is not None else VocabularyConfig(min_df=1, max_df=1.0, max_features=0)
    out = {
        "min_df": base.min_df if min_df is None else min_df,
        "max_df": base.max_df if max_df is None else max_df,
        "max_features": base.max_features if max_features is None else max_features,
    }
    _check_df("min_df", out["min_df"])
    _check_df("max_df", out["max_df"])
    mf = out["max_features"]
    if isinstance(mf, bool) or not isinstance(mf, Integral) or mf < 0:
        raise InputError(f"max_features: expected an integer >= 0 (0 keeps all terms), got {mf!r}")
    return out


def _apply_pruning(dtm: DocumentTermMatrix, pruning: dict[str, Any]) -> DocumentTermMatrix:
    return dtm.prune(**pruning)


def _prune_mask(counts: sp.csr_matrix, *, min_df: Any, max_df: Any, max_features: Any) -> np.ndarray:
    _check_df("min_df", min_df)
    _check_df("max_df", max_df)
    n_docs, n_terms = counts.shape
    df = np.bincount(counts.indices, minlength=n_terms)
    min_count = min_df if isinstance(min_df, Integral) else min_df * n_docs
    max_count = max_df if isinstance(max_df, Integral) else max_df * n_docs
    if max_count < min_count:
        raise InputError(f"max_df={max_df!r} keeps fewer units than min_df={min_df!r} on {n_docs} units; "
                         "lower min_df or raise max_df")
    mask = (df >= min_count) & (df <= max_count)
    if max_features and mask.sum() > max_features:
        tf = np.asarray(counts.sum(axis=0)).ravel()
        candidates = np.flatnonzero(mask)
        # lexsort: last key is primary. Columns are alphabetical, so the index breaks ties by term.
        order = np.lexsort((candidates, -tf[candidates]))[:max_features]
        mask = np.zeros(n_terms, dtype=bool)
        mask[candidates[order]] = True
    if n_terms and not mask.any():
        raise InputError(f"pruning removed every term (min_df={min_df!r}, max_df={max_df!r} on {n_docs} units); "
                         "lower min_df or raise max_df")
    return mask
