"""Building document-term matrices: from tokens (:func:`build_dtm`) or any term lists (:func:`dtm_from_texts`).

>>> dtm = dtm_from_texts(["a", "b", "c"], [["war", "law", "law"], ["law", "peace"], ["war"]])
>>> dtm.vocabulary, dtm.counts.toarray().tolist()
(('law', 'peace', 'war'), [[2, 0, 1], [1, 1, 0], [0, 0, 1]])
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from ..preprocessing.model import column_codes
from .config import VocabularyConfig
from .dtm import UNIT_COLUMNS, DocumentTermMatrix
from .pruning import apply_pruning, resolve_pruning

if TYPE_CHECKING:  # pragma: no cover
    from ..preprocessing.model import Tokens

__all__ = ["build_dtm", "dtm_from_texts", "sorted_id_codes"]


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
    pruning = resolve_pruning(min_df, max_df, max_features, config)
    dtm = _stack((_chunk_counts(chunk, unit=unit) for chunk in tokens.chunk_tokens()), unit=unit)
    if dtm is None:  # a token store of an empty table
        dtm = DocumentTermMatrix(counts=sp.csr_matrix((0, 0), dtype=np.int64), vocabulary=(), unit=unit,
                                 units=pd.DataFrame({"unit_id": [], "statement_id": [],
                                                     "paragraph": pd.array([], dtype="Int64"), "n_tokens": []}),
                                 params={"unit": unit, "n_terms_before_pruning": 0})
    return apply_pruning(dtm, pruning)


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


def _stack(parts: Iterator[DocumentTermMatrix], *, unit: str) -> DocumentTermMatrix | None:
    """One matrix from the matrices of several token chunks: vocabularies merged, units in id order.

    Equal to counting all tokens at once (tests compare the two). Each chunk's matrix is
    kept only as its CSR arrays, columns renumbered into the merged vocabulary, and dropped:
    memory is about twice the merged matrix (the stacked rows and their reordered copy), not
    the chunks' matrices plus their triplets. None when there is no chunk; one chunk is
    returned as it is.
    """
    columns: dict[str, int] = {}
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    units_parts: list[pd.DataFrame] = []
    first = None
    for part in parts:
        if first is None:
            first = part
        remap = np.fromiter((columns.setdefault(t, len(columns)) for t in part.vocabulary),
                            dtype=np.int64, count=len(part.vocabulary))
        blocks.append((part.counts.data, remap[part.counts.indices], part.counts.indptr))
        units_parts.append(part.units)
        del part
    if len(blocks) <= 1:
        return first
    first = None
    terms = np.asarray(list(columns), dtype=object)
    order = np.argsort(terms, kind="stable") if len(terms) else np.zeros(0, np.int64)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[order] = np.arange(len(terms))
    n_terms = len(terms)
    stacked = []
    while blocks:  # renumber to the sorted vocabulary block by block, freeing each block's arrays
        data, cols, indptr = blocks.pop(0)
        stacked.append(sp.csr_matrix((data, rank[cols], indptr), shape=(len(indptr) - 1, n_terms), dtype=np.int64))
        del data, cols, indptr
    counts = sp.vstack(stacked, format="csr", dtype=np.int64)
    del stacked
    units = pd.concat(units_parts, ignore_index=True)
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
    pruning = resolve_pruning(min_df, max_df, max_features, config)
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
    return apply_pruning(dtm, pruning)


def sorted_id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code of every row's id, codes in sorted-string order, and the sorted ids (object array).

    A categorical column (the token table's) is recoded through its categories,
    so no string is created per row (``astype(str)`` on 10 M rows costs
    about 600 MB and 15 s). A missing id is an error.
    """
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

