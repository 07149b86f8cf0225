"""Comparison statistics written against plain arrays.

Everything here takes NumPy arrays (or sequences) and returns arrays, so any
backend — our document-term matrix, a topic model, a spreadsheet — can use it.
The table-building functions (:func:`~textanalytics.compare.keyness` and
friends) are thin layers over these.

Notation for one comparison of a term: ``a`` = its frequency in the target,
``b`` in the reference; ``n1``, ``n2`` = the token totals of target and reference.

>>> import numpy as np
>>> round(float(g2([10], [0], 1000, 1000)[0]), 4)            # full 2x2 table
13.9132
>>> round(float(g2([10], [0], 1000, 1000, cells=2)[0]), 4)   # Rayson & Garside: 20 ln 2
13.8629
>>> log_ratio([10], [0], 1000, 1000).tolist()    # half a token's rate added to both sides
[4.392317422778761]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from scipy import special

from ..errors import InputError

__all__ = ["PER", "ZERO_FREQUENCY", "relative_frequency", "g2", "log_ratio", "p_value",
           "bh_adjust", "tfidf", "ctfidf", "mattr", "ttr", "LINKAGES", "similarity_arrays", "cluster_similarity"]

#: Relative frequencies are given per this many tokens.
PER = 10_000
#: Zero rule of the log ratio: half a token's rate (at the mean side size) added to both sides.
ZERO_FREQUENCY = 0.5


def _f(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=np.float64)


def relative_frequency(freq: Any, total: Any, *, per: float = PER) -> np.ndarray:
    """``freq / total * per`` (NaN where ``total`` is 0). Default: per 10,000 tokens."""
    freq, total = _f(freq), _f(total)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(total > 0, freq / np.where(total > 0, total, 1.0) * per, np.nan)


def _xlogx_over_e(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    """``o * ln(o / e)`` with the convention ``0 * ln 0 = 0``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, o * np.log(np.where(o > 0, o, 1.0) / np.where(e > 0, e, 1.0)), 0.0)


def g2(a: Any, b: Any, n1: Any, n2: Any, *, cells: Literal[4, 2] = 4) -> np.ndarray:
    """Log-likelihood G² of each term (non-negative; see :func:`keyness` for the sign).

    ``cells=4`` (default) is the likelihood-ratio statistic of the full 2×2
    contingency table (term / other tokens × target / reference; Dunning 1993):
    ``2 Σ O ln(O/E)`` over the four cells, with ``E`` from the margins. It equals
    ``scipy.stats.chi2_contingency(table, correction=False,
    lambda_="log-likelihood")`` and is χ²-distributed with 1 df under the null.

    ``cells=2`` is the two-term formula printed by Rayson & Garside (2000) and
    used by the UCREL log-likelihood wizard: ``2 (a ln(a/E1) + b ln(b/E2))``
    with ``E1 = n1 (a+b)/(n1+n2)``, ``E2 = n2 (a+b)/(n1+n2)``. It omits the two
    "other tokens" cells; the difference is negligible when the term is rare
    relative to the corpora, and ``cells=2`` reproduces published tables.

    Both use ``0 · ln 0 = 0``, so a term absent from one side has a finite G².
    """
    a, b, n1, n2 = np.broadcast_arrays(_f(a), _f(b), _f(n1), _f(n2))
    n = n1 + n2
    k = a + b
    with np.errstate(divide="ignore", invalid="ignore"):
        e1 = np.where(n > 0, n1 * k / np.where(n > 0, n, 1.0), 0.0)
        e2 = np.where(n > 0, n2 * k / np.where(n > 0, n, 1.0), 0.0)
    out = _xlogx_over_e(a, e1) + _xlogx_over_e(b, e2)
    if cells == 4:
        out = out + _xlogx_over_e(n1 - a, n1 - e1) + _xlogx_over_e(n2 - b, n2 - e2)
    elif cells != 2:
        raise ValueError(f"cells must be 4 or 2, got {cells!r}")
    # Rounding can leave -1e-13 for identical proportions; G² is non-negative by construction.
    return np.maximum(2.0 * out, 0.0)


def log_ratio(a: Any, b: Any, n1: Any, n2: Any, *, zero: float = ZERO_FREQUENCY) -> np.ndarray:
    """Hardie's (2014) Log Ratio: ``log2((a/n1) / (b/n2))``, finite and sign-correct.

    Each unit is a doubling: 1 means twice as frequent in the target, -1 half as
    frequent. When either frequency is 0 the same small rate ``c = zero / ((n1 + n2) / 2)``
    (half a token at the mean side size) is added to *both* relative frequencies:
    ``log2((a/n1 + c) / (b/n2 + c))``. Adding one constant to both rates keeps
    their order, so the sign always agrees with the observed direction (Hardie's
    rule of counting a zero as 0.5 tokens does not when the sides differ in size:
    ``a=0, n1=4`` vs ``b=1, n2=11`` gave +0.46). Read the value of a term with a
    zero frequency as a bound, not an estimate. NaN when both frequencies are 0 or
    a total is 0.
    """
    a, b, n1, n2 = np.broadcast_arrays(_f(a), _f(b), _f(n1), _f(n2))
    both_zero = (a == 0) & (b == 0)
    bad = both_zero | (n1 <= 0) | (n2 <= 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where((a == 0) | (b == 0), zero / ((n1 + n2) / 2.0), 0.0)
        out = np.log2((a / n1 + c) / (b / n2 + c))
    return np.where(bad, np.nan, out)


def p_value(g2_values: Any) -> np.ndarray:
    """Upper-tail probability of χ² with 1 degree of freedom at ``|G²|``."""
    # For 1 df, P(χ² > x) = erfc(sqrt(x / 2)) exactly; erfc is ~50x faster than chi2.sf.
    return special.erfc(np.sqrt(np.abs(_f(g2_values)) / 2.0))


def bh_adjust(p: Any) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values of a 1-d array, in its order.

    ``scipy.stats.false_discovery_control(np.clip(p, 0, 1), method="bh")``
    step for step, so the values are bitwise equal (tested), without importing
    ``scipy.stats`` (half a second of start-up): p-values sorted, the ``i``-th
    smallest times ``m / i``, the running minimum from the largest down,
    clipped to [0, 1].

    >>> bh_adjust([0.01, 0.04, 0.03, 0.5]).round(4).tolist()
    [0.04, 0.0533, 0.0533, 0.5]
    """
    p = np.clip(_f(p), 0.0, 1.0)
    if p.ndim > 1:
        raise ValueError(f"bh_adjust: expected a 1-d array of p-values, got shape {p.shape}")
    m = p.size
    if m <= 1:  # nothing to adjust (a scalar stays a scalar, as in scipy)
        return p
    order = np.argsort(p)
    adjusted = p[order] * (m / np.arange(1, m + 1, dtype=np.float64))
    np.minimum.accumulate(adjusted[::-1], out=adjusted[::-1])
    out = np.empty(m)
    out[order] = adjusted
    return np.clip(out, 0.0, 1.0)


def tfidf(counts: Any, *, idf_counts: Any = None, document_frequency: tuple[np.ndarray, int] | None = None) -> sp.csr_matrix:
    """L2-normalised TF-IDF weights of the rows of a sparse count matrix (CSR, float64).

    What scikit-learn's ``TfidfTransformer(norm="l2", use_idf=True,
    smooth_idf=True, sublinear_tf=False)`` gives, step for step, so the weights
    are bitwise equal (tested), without importing scikit-learn (about a second
    of start-up): ``idf(t) = ln((1 + n) / (1 + df(t))) + 1`` over the ``n``
    rows of ``idf_counts`` (default: ``counts`` itself; ``df`` counts stored
    entries, as scikit-learn does), each count times its term's idf, then every
    non-empty row divided by its Euclidean norm (squares summed in storage order).
    The result has the structure (entry order) of ``counts``. ``document_frequency``:
    ``(df per term, n)`` instead of ``idf_counts`` (the same weights).

    >>> tfidf(sp.csr_matrix([[1, 1], [0, 2]])).toarray().round(4).tolist()
    [[0.8148, 0.5797], [0.0, 1.0]]
    """
    x = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    if document_frequency is None:
        fit = x if idf_counts is None else sp.csr_matrix(idf_counts)
        document_frequency = np.bincount(fit.indices, minlength=fit.shape[1]), fit.shape[0]
    df = np.asarray(document_frequency[0]).astype(np.float64) + 1.0
    idf = np.full_like(df, fill_value=document_frequency[1] + 1, dtype=np.float64)
    idf /= df
    np.log(idf, out=idf)
    idf += 1.0
    x.data *= idf[x.indices]
    # Row sums of squares by a sparse product: a sequential sum per row, as scikit-learn's loop.
    squares = sp.csr_matrix((x.data * x.data, x.indices, x.indptr), shape=x.shape)
    norms = np.sqrt(squares @ np.ones(x.shape[1]))
    norms[norms == 0.0] = 1.0  # empty rows stay empty
    x.data /= np.repeat(norms, np.diff(x.indptr))
    return x


def ctfidf(counts: Any) -> sp.csr_matrix:
    """c-TF-IDF of the rows (classes) of a sparse count matrix (CSR, float64).

    BERTopic's class-based TF-IDF (Grootendorst 2022, eq. 1; ``ClassTfidfTransformer``
    with its defaults): each row divided by its sum (L1), each term then weighted by
    ``ln(1 + A / f(t))``, ``A`` = mean row sum (tokens per class), ``f(t)`` = the term's
    total count over all rows. (BERTopic truncates ``A`` to an integer; here it is not.)

    >>> ctfidf(sp.csr_matrix([[3, 1], [0, 2]])).toarray().round(4).tolist()
    [[0.5199, 0.1733], [0.0, 0.6931]]
    """
    x = sp.csr_matrix(counts, dtype=np.float64, copy=True)
    f = np.asarray(x.sum(axis=0)).ravel()
    rows = np.asarray(x.sum(axis=1)).ravel()
    avg = rows.mean() if len(rows) else 0.0
    with np.errstate(divide="ignore", invalid="ignore"):
        idf = np.where(f > 0, np.log1p(avg / np.where(f > 0, f, 1.0)), 0.0)
    x.data /= np.repeat(np.where(rows > 0, rows, 1.0), np.diff(x.indptr))
    x.data *= idf[x.indices]
    return x


def ttr(tokens: Sequence[Any]) -> float:
    """Type-token ratio (NaN for an empty text). ``tokens``: strings, or integer type codes."""
    if not len(tokens):
        return float("nan")
    if isinstance(tokens, np.ndarray) and tokens.dtype.kind in "iu":
        return len(np.unique(tokens)) / len(tokens)
    return len(set(tokens)) / len(tokens)


def mattr(tokens: Sequence[Any], *, window: int = 50) -> tuple[float, bool]:
    """Moving-average type-token ratio (Covington & McFall 2010).

    The mean TTR of every window of ``window`` consecutive tokens, the window
    moving one token at a time (``len(tokens) - window + 1`` windows). Returns
    ``(value, is_ttr)``: a text shorter than the window has no full window, so
    the value is its plain TTR and ``is_ttr`` is True. NaN for an empty text.

    Computed exactly in O(n log n): a token contributes a new type to every
    window that contains it but not its previous occurrence.

    >>> mattr("a b a c".split(), window=2)
    (1.0, False)
    >>> mattr("a a b".split(), window=2)
    (0.75, False)
    >>> mattr("a a b".split(), window=5)
    (0.6666666666666666, True)
    """
    if window < 1:
        raise ValueError(f"window must be >= 1, got {window}")
    n = len(tokens)
    if n == 0:
        return float("nan"), True
    if n < window:
        return ttr(tokens), True
    if isinstance(tokens, np.ndarray) and tokens.dtype.kind in "iu":
        codes = tokens.astype(np.int64, copy=False)  # integer type codes: no strings needed
    else:
        codes = np.unique(np.asarray(tokens, dtype=object).astype(str), return_inverse=True)[1].ravel()
    idx = np.arange(n)
    order = np.lexsort((idx, codes))
    prev = np.full(n, -1, dtype=np.int64)
    same = codes[order][1:] == codes[order][:-1]
    prev[order[1:][same]] = order[:-1][same]
    # Windows start at s in [0, n - window]; token j is a new type in window s when
    # s <= j < s + window and its previous occurrence is before s.
    lo = np.maximum(prev + 1, idx - window + 1)
    hi = np.minimum(idx, n - window)
    total = np.clip(hi - lo + 1, 0, None).sum()
    return float(total / ((n - window + 1) * window)), False


#: Linkage methods offered for cosine distances (not Euclidean, so no Ward).
LINKAGES = ("average", "complete", "single", "weighted")


def similarity_arrays(table: Any) -> tuple[list[str], np.ndarray, str]:
    """``(ids, similarity, unit)`` from a saved similarity table.

    ``table`` is a square DataFrame (ids as index and columns, index named
    ``<unit>_id``) or a tidy pairs table (``<unit>_a, <unit>_b, cosine``).
    ``ids`` are sorted; the matrix is symmetrised, clipped to [0, 1], with 1 on
    the diagonal; ``unit`` is ``"statement"`` unless the names say otherwise.

    >>> import pandas as pd
    >>> ids, sim, unit = similarity_arrays(pd.DataFrame({"statement_a": ["a"], "statement_b": ["b"], "cosine": [0.5]}))
    >>> ids, sim.tolist(), unit
    (['a', 'b'], [[1.0, 0.5], [0.5, 1.0]], 'statement')
    """
    if "cosine" in table.columns and len(table.columns) == 3:
        a, b = [c for c in table.columns if c != "cosine"]
        unit = str(a)[:-2] if str(a).endswith("_a") else "statement"
        left, right = table[a].astype(str).to_numpy(), table[b].astype(str).to_numpy()
        ids = sorted(set(left) | set(right))
        pos = {i: n for n, i in enumerate(ids)}
        sim = np.eye(len(ids))
        ia, ib = [pos[x] for x in left], [pos[x] for x in right]
        values = table["cosine"].to_numpy(dtype=np.float64)
        sim[ia, ib] = values
        sim[ib, ia] = values
    else:
        name = str(table.index.name)
        unit = name[:-3] if name.endswith("_id") else "statement"
        ids = sorted(str(i) for i in table.index)
        if sorted(str(c) for c in table.columns) != ids:
            raise InputError("table: expected a square similarity matrix with the same ids as index and "
                             "columns, or a pairs table (<unit>_a, <unit>_b, cosine)")
        square = table.set_axis(table.index.astype(str), axis=0).set_axis(table.columns.astype(str), axis=1)
        sim = square.loc[ids, ids].to_numpy(dtype=np.float64)
    if len(ids) < 2:
        raise InputError(f"similarity needs at least 2 {unit}s, got {len(ids)}")
    sim = np.clip((sim + sim.T) / 2.0, 0.0, 1.0)
    np.fill_diagonal(sim, 1.0)
    return ids, sim, unit


def cluster_similarity(sim: np.ndarray, *, method: str = "average") -> tuple[np.ndarray, np.ndarray]:
    """``(linkage, leaf_order)``: hierarchical clustering on the distance ``1 - sim``.

    :func:`scipy.cluster.hierarchy.linkage` with ``method`` (one of
    :data:`LINKAGES`); ``leaf_order`` are row indices in dendrogram order.
    """
    # scipy.cluster is imported on use: it is slow to import and only similarity needs it.
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import squareform  # deferred: scipy

    if method not in LINKAGES:
        raise InputError(f"method: expected {', '.join(LINKAGES)}, got {method!r}")
    dist = 1.0 - np.asarray(sim, dtype=np.float64)
    np.fill_diagonal(dist, 0.0)
    z = linkage(squareform(dist, checks=False), method=method)
    return z, leaves_list(z)
