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
from .grouping import STATEMENT, factorize_labels, group_labels, indicator, label_str, unit_labels

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
]

logger = logging.getLogger(__name__)

#: Columns every ``DocumentTermMatrix.units`` table starts with.
UNIT_COLUMNS = ("unit_id", "statement_id", "paragraph", "n_tokens")


@dataclass(frozen=True)
class VocabularyConfig:
    """``[vocabulary]`` section: pruning of the document-term matrix.

    ``min_df``/``max_df`` are counts when ``int`` / fractions when ``float`` in
    [0, 1], as in scikit-learn. ``max_features=0`` keeps all terms.

    ``max_df = 0.7`` (it was 0.5): topic shares count every kept token, pruned
    or not (:mod:`textanalytics.topics.kept_tokens`), so pruning no longer
    biases them, but it still decides which words the topics are made of. On
    simulated corpora whose topics' main words are in most units
    (``benchmarks/validate_topics.py``, pruning check) 0.5 removed 47 % of the
    tokens and lowered the recovery of the planted topics (cosine 0.94), while
    0.7 recovered them as well as no pruning (0.996 against 0.998) with the
    same bias and coverage of a planted difference. On news_articles 0.7
    removes only "say" (in more than 70 % of articles), on the Commons sample
    and the seeds nothing.
    Words used everywhere are better removed by stopwords than by ``max_df``.

    Checked when
    made: an int ``max_df`` below 2 (``1`` for "every unit" is ``1.0``) and a
    ``min_df`` above a ``max_df`` of the same kind are errors.

    >>> VocabularyConfig(max_df=1)
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [vocabulary] max_df = 1: keeps only terms found in a single unit; a proportion needs a decimal point (1.0 = every unit) or give a number of units of at least 2
    """

    min_df: int | float = 2
    max_df: int | float = 0.7
    max_features: int = 0

    def __post_init__(self) -> None:
        from .corpus.config import FieldChecks  # deferred: corpus imports features (pandas, numpy)

        check = FieldChecks(self, "vocabulary")
        check.document_frequency("min_df")
        check.document_frequency("max_df")
        check.df_pair()
        check.integer("max_features", minimum=0, problem="must be 0 (all) or positive")


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
        keep = _prune_mask(self.counts, min_df=min_df, max_df=max_df, max_features=max_features)
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
    sid_codes, sids = sorted_id_codes(t["statement_id"])
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


# -- groups -----------------------------------------------------------------------------------


def group_counts(dtm: DocumentTermMatrix, *, corpus: "Corpus | pd.DataFrame",
                 group_by: str) -> DocumentTermMatrix:
    """Sum the units of each group of statements (``group_by`` column of the corpus).

    Units are mapped to groups through ``statement_id`` (:mod:`textanalytics.grouping`);
    a unit whose statement has no value in the column belongs to no group (logged;
    recorded in ``params["n_units_without_label"]``). See :meth:`DocumentTermMatrix.aggregate`.
    """
    return dtm.aggregate(unit_labels(dtm, corpus=corpus, group_by=group_by),
                         unit=STATEMENT if group_by in (STATEMENT, "statement_id") else group_by)


# -- helpers ----------------------------------------------------------------------------------


def sorted_id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of every row's id, codes in sorted-string order, and the sorted ids (object array).

    A categorical column (the token table's) is recoded through its categories,
    so no string is created per row (``astype(str)`` on 10 M rows costs
    about 600 MB and 15 s). A missing id is an error.
    """
    from .preprocessing.model import column_codes  # deferred: preprocessing imports features (pandas, numpy)

    codes, names = column_codes(ids)
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
