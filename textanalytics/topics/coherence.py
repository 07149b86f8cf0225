"""Topic coherence: gensim's ``c_npmi`` and ``c_v``, computed with arrays.

gensim's ``CoherenceModel(topics=..., texts=..., dictionary=..., coherence=...)``
is the definition we follow (Röder, Both & Hinneburg 2015 as implemented by
gensim, including its defaults: sliding windows of 10 tokens for c_npmi and
110 for c_v, ε = 1e-12, γ = 1). Its implementation loops in Python over every
window and every pair of top terms in it, which takes minutes for a grid of
K × seeds on a few thousand paragraphs. :func:`coherence` therefore computes
the same counts and the same formulas with array operations
(``method="fast"``, the default); ``method="gensim"`` calls
``CoherenceModel`` itself. ``tests/test_topics_coherence.py`` checks that both
agree to floating-point rounding, so the figures are gensim's.

The counts reproduce a quirk of gensim's sliding window (see
:func:`_window_presence`), so that the scores are exactly gensim's.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any, Callable, Iterable, Iterator, Literal, Sequence

import numpy as np
import scipy.sparse as sp

from ..errors import InputError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["coherence", "WINDOW_SIZES", "PieceTexts", "piece_window_counts"]

#: gensim's default sliding-window sizes.
WINDOW_SIZES = {"c_npmi": 10, "c_v": 110}
#: gensim's ``direct_confirmation_measure.EPSILON``.
_EPSILON = 1e-12


def _window_presence(ids: np.ndarray, n_relevant: int, window: int) -> sp.csr_matrix:
    """Which relevant words gensim counts as present in each window of one text.

    ``ids`` holds the contiguous id of each token (``n_relevant`` for the
    others). gensim's ``WordOccurrenceAccumulator`` yields one window for a
    text shorter than ``window`` (even an empty one), otherwise
    ``len - window + 1`` sliding windows. It marks the words of the first window
    present, then per step marks the token that left the window absent and the
    token that entered present (in that order) -- so a word that leaves the
    window while another occurrence of it is still inside is counted absent
    until it enters again. The closed form of that update: word ``w`` is present
    in window ``j`` iff its last occurrence ``p`` at or before the window's end
    exists and either ``j == 0`` or ``max(0, p - window + 1) >= q + 1``, where
    ``q`` is its last occurrence before position ``j`` (none: present).
    Returns an ``(n_windows, n_relevant)`` boolean CSR matrix.
    """
    n = len(ids)
    n_windows = max(1, n - window + 1)
    relevant = ids < n_relevant
    words = np.unique(ids[relevant])
    if n == 0 or len(words) == 0:
        return sp.csr_matrix((n_windows, n_relevant), dtype=bool)
    pos = np.flatnonzero(relevant)
    col = np.searchsorted(words, ids[relevant])
    # last[t, c]: last position <= t of word c (-1 if none).
    last = np.full((n, len(words)), -1, dtype=np.int64)
    last[pos, col] = pos
    np.maximum.accumulate(last, axis=0, out=last)
    j = np.arange(n_windows)
    p = last[np.minimum(j + window - 1, n - 1)]
    q = np.full_like(p, -1)
    q[1:] = last[j[1:] - 1]
    present = (p >= 0) & ((q < 0) | (np.maximum(0, p - window + 1) >= q + 1))
    r, c = np.nonzero(present)
    return sp.csr_matrix((np.ones(len(r), dtype=bool), (r, words[c])), shape=(n_windows, n_relevant))


def _window_counts(texts: Sequence[Sequence[str]], words: Sequence[str],
                   window: int) -> tuple[np.ndarray, np.ndarray, int]:
    """gensim's boolean sliding-window counts for ``words``.

    Returns ``(occurrences (r,), co_occurrences (r, r), n_windows)``; the
    diagonal of ``co_occurrences`` equals ``occurrences``.
    """
    index = {w: i for i, w in enumerate(words)}
    r = len(words)
    co = sp.csr_matrix((r, r), dtype=np.int64)
    n_windows = 0
    batch: list[sp.csr_matrix] = []
    size = 0

    def flush(co: sp.csr_matrix) -> sp.csr_matrix:
        p = sp.vstack(batch, format="csr").astype(np.int64)
        return co + (p.T @ p).tocsr()

    for text in texts:
        ids = np.fromiter((index.get(w, r) for w in text), dtype=np.int64, count=len(text))
        presence = _window_presence(ids, r, window)
        n_windows += presence.shape[0]
        if presence.nnz:
            batch.append(presence)
            size += presence.nnz
        if size > 2_000_000:
            co, batch, size = flush(co), [], 0
    if batch:
        co = flush(co)
    co = co.toarray()
    return np.diag(co).copy(), co, n_windows


def piece_window_counts(piece: Any, tokens: Any, *, words: tuple[str, ...], window: int,
                        unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One piece's share of :func:`_window_counts`, as two small tables (run where the piece is).

    ``tokens``: the piece's :class:`~textanalytics.preprocessing.Tokens`; its modelling texts
    (``tokens.documents(unit=unit)``) are counted. Returns ``(cells, windows)``: ``cells`` holds
    ``i, j, count`` for every nonzero co-occurrence count of ``words`` (the diagonal is the
    occurrences), ``windows`` one row with ``n_windows``. Counts over pieces add up to the
    counts over the whole corpus: windows never cross a unit, and a unit is in one piece.
    """
    import pandas as pd  # deferred: only the pieces' tables need pandas

    _, texts = tokens.documents(unit=unit)
    occ, co, n = _window_counts(texts, list(words), window)
    i, j = np.nonzero(co)
    cells = pd.DataFrame({"i": i.astype(np.int64), "j": j.astype(np.int64), "count": co[i, j].astype(np.int64)})
    return cells, pd.DataFrame({"n_windows": [int(n)]})


class PieceTexts:
    """Modelling texts whose coherence counts are made piece by piece where the pieces are.

    ``texts``: the re-iterable texts (a token store's :class:`~textanalytics.preprocessing.store.StreamedTexts`),
    iterated as usual by anything but :func:`coherence`; ``map_pieces(fn)`` runs ``fn(piece, tokens)``
    on every piece and yields its tables (the Spark backend's
    :meth:`~textanalytics.spark.run.SparkRun.map_pieces`, on the executors). :func:`coherence`
    then sums each piece's :func:`piece_window_counts` instead of reading every text here: the
    same integers, so the same scores, and only ``words`` x ``words`` counts reach this process.
    """

    def __init__(self, texts: Iterable[Sequence[str]], *, unit: str,
                 map_pieces: Callable[[Callable[..., tuple[pd.DataFrame, ...]]], Iterator[tuple[pd.DataFrame, ...]]]
                 ) -> None:
        self.texts, self.unit, self.map_pieces = texts, unit, map_pieces

    def __iter__(self) -> Iterator[Sequence[str]]:
        return iter(self.texts)

    def window_counts(self, words: Sequence[str], window: int) -> tuple[np.ndarray, np.ndarray, int]:
        """:func:`_window_counts` of the texts, summed over the pieces' :func:`piece_window_counts`."""
        r = len(words)
        co = np.zeros((r, r), dtype=np.int64)
        n = 0
        fn = functools.partial(piece_window_counts, words=tuple(words), window=int(window), unit=self.unit)
        for cells, windows in self.map_pieces(fn):
            np.add.at(co, (cells["i"].to_numpy(dtype=np.int64), cells["j"].to_numpy(dtype=np.int64)),
                      cells["count"].to_numpy(dtype=np.int64))
            n += int(windows["n_windows"].sum())
        return np.diag(co).copy(), co, n

    def __repr__(self) -> str:
        return f"PieceTexts({self.texts!r}, unit={self.unit!r})"


def _npmi(co_sub: np.ndarray, occ_a: np.ndarray, occ_b: np.ndarray, n: int) -> np.ndarray:
    """gensim's normalised log-ratio measure, elementwise (``log_ratio_measure(normalize=True)``)."""
    joint = co_sub / n
    numerator = np.log((joint + _EPSILON) / ((occ_a / n) * (occ_b / n)))
    return numerator / (-np.log(joint + _EPSILON))


def _fast_scores(topics: list[list[str]], texts: Iterable[Sequence[str]], measure: str) -> np.ndarray:
    words = sorted({w for t in topics for w in t})
    counter = getattr(texts, "window_counts", None)  # PieceTexts: counted piece by piece where the pieces are
    occ, co, n = (counter(words, WINDOW_SIZES[measure]) if counter is not None
                  else _window_counts(texts, words, WINDOW_SIZES[measure]))
    missing = [w for w, o in zip(words, occ) if o == 0]  # a word that occurs is in some window
    if missing:
        raise InputError(f"texts: topic term {missing[0]!r} does not occur in the texts given for "
                         f"coherence; pass the modelling texts (tokens.documents()[1])")
    index = {w: i for i, w in enumerate(words)}
    out = np.empty(len(topics))
    for t, topic in enumerate(topics):
        ids = np.array([index[w] for w in topic])
        m = _npmi(co[np.ix_(ids, ids)], occ[ids][:, None], occ[ids][None, :], n)
        if measure == "c_npmi":
            # s_one_one segmentation: every ordered pair of distinct words; arithmetic mean.
            out[t] = m[~np.eye(len(ids), dtype=bool)].mean()
        else:
            # s_one_set: context vector of each word (its NPMI with every topic word)
            # against the sum of all of them; cosine; arithmetic mean.
            star = m.sum(axis=0)
            with np.errstate(invalid="ignore", divide="ignore"):
                cos = (m @ star) / (np.linalg.norm(m, axis=1) * np.linalg.norm(star))
            out[t] = cos.mean()
    return out


def _gensim_scores(topics: list[list[str]], texts: list[list[str]], measure: str) -> np.ndarray:
    # gensim is imported on use: only method="gensim" (a cross-check) needs it.
    from gensim.corpora import Dictionary
    from gensim.models import CoherenceModel  # deferred: gensim

    cm = CoherenceModel(topics=topics, texts=texts, dictionary=Dictionary(texts), coherence=measure,
                        topn=max(len(t) for t in topics), processes=1)
    return np.asarray(cm.get_coherence_per_topic(), dtype=float)


def coherence(topics: Sequence[Sequence[str]], *, texts: Sequence[Sequence[str]],
              measures: Sequence[str] = ("c_npmi", "c_v"),
              method: Literal["fast", "gensim"] = "fast") -> dict[str, np.ndarray]:
    """Coherence of each topic (a list of top terms) on ``texts``.

    Parameters
    ----------
    topics:
        One list of (distinct) terms per topic, e.g. ``model.top_terms(10)``.
    texts:
        The modelling texts: one list of terms per unit, in text order. Any
        re-iterable works (a list, or :meth:`TokenStore.texts()
        <textanalytics.preprocessing.TokenStore.texts>`, which reads them from disk
        chunk by chunk): the ``"fast"`` method makes one pass per measure and
        never holds them all.
    measures:
        ``"c_npmi"`` and/or ``"c_v"``, as defined by gensim's ``CoherenceModel``.
    method:
        ``"fast"`` (array implementation, same figures) or ``"gensim"``.

    Returns ``{measure: (n_topics,) array}``; the mean of a model's topics is
    what ``CoherenceModel.get_coherence()`` reports.

    Example
    -------
    >>> texts = [["tax", "budget", "debt"], ["war", "army"], ["tax", "debt"], ["army", "war", "peace"]]
    >>> coherence([["tax", "debt"], ["war", "army"]], texts=texts, measures=["c_npmi"])["c_npmi"].round(2)
    array([1., 1.])
    """
    topics = [[str(w) for w in t] for t in topics]
    unknown = [m for m in measures if m not in WINDOW_SIZES]
    if unknown:
        raise InputError(f"measures: {unknown[0]!r} is not one of {', '.join(map(repr, WINDOW_SIZES))}")
    if not topics:
        return {m: np.zeros(0) for m in measures}
    if any(len(set(t)) != len(t) or len(t) < 2 for t in topics):
        raise InputError("topics: each topic needs at least 2 distinct terms")
    if method == "fast":
        if not hasattr(texts, "window_counts") and iter(texts) is texts:  # one-shot: each measure needs a pass
            texts = [list(t) for t in texts]
        return {m: _fast_scores(topics, texts, m) for m in measures}
    texts = [[str(w) for w in t] for t in texts]
    vocabulary = {w for t in texts for w in t}
    missing = sorted({w for t in topics for w in t} - vocabulary)
    if missing:
        raise InputError(f"texts: topic term {missing[0]!r} does not occur in the texts given for "
                         f"coherence; pass the modelling texts (tokens.documents()[1])")
    return {m: _gensim_scores(topics, texts, m) for m in measures}
