"""Cosine similarity of statements, hierarchical clustering and nearest neighbours."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from ..deprecation import renamed_keywords
from ..errors import InputError
from ..features import DocumentTermMatrix
from .stats import LINKAGES, cluster_similarity, similarity_arrays, tfidf

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["similarity", "nearest_neighbours", "SimilarityResult"]

logger = logging.getLogger(__name__)

Linkage = Literal["average", "complete", "single", "weighted"]


@dataclass(frozen=True, eq=False)
class SimilarityResult:
    """Pairwise cosine similarity of statements (or paragraphs) and their clustering.

    Attributes
    ----------
    matrix:
        Square DataFrame of cosine similarities, index and columns the ids
        (sorted), 1.0 on the diagonal.
    pairs:
        Tidy form, one row per unordered pair: ``<unit>_a``, ``<unit>_b``
        (``statement_a``, ``statement_b`` at statement level; ``a < b``),
        ``cosine``. Sorted by ``<unit>_a, <unit>_b``.
    linkage:
        SciPy linkage matrix of the hierarchical clustering (``(n-1, 4)``) on the
        distance ``1 - cosine``.
    order:
        The ids in dendrogram leaf order (used by the heatmap).
    unit:
        ``"statement"`` or ``"paragraph"`` (was ``level``).
    metadata:
        ``corpus.statements`` without ``text`` for the ids (statement level, when
        a corpus was given), else None; used for plot labels.
    params:
        ``unit``, ``method``, ``tfidf`` settings, ``empty`` (ids with no term).
    """

    matrix: pd.DataFrame
    pairs: pd.DataFrame
    linkage: np.ndarray
    order: tuple[str, ...]
    unit: str = "statement"
    metadata: pd.DataFrame | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def level(self) -> str:
        """Deprecated name of :attr:`unit`."""
        warnings.warn("SimilarityResult.level is deprecated; use .unit", DeprecationWarning, stacklevel=2)
        return self.unit

    @property
    def table(self) -> pd.DataFrame:
        """The tidy ``pairs`` table (named like :attr:`KeynessResult.table`)."""
        return self.pairs

    @classmethod
    def from_matrix(cls, matrix: pd.DataFrame, *, method: Linkage = "average",
                    metadata: pd.DataFrame | None = None,
                    params: dict[str, Any] | None = None) -> "SimilarityResult":
        """Rebuild a result (pairs, clustering) from a saved square similarity matrix,
        or from a saved tidy ``pairs`` table (``<unit>_a, <unit>_b, cosine``)."""
        ids, sim, unit = similarity_arrays(matrix)
        z, leaves = cluster_similarity(sim, method=method)
        order = tuple(ids[i] for i in leaves)
        name = unit + "_id"
        out = pd.DataFrame(sim, index=pd.Index(ids, name=name), columns=pd.Index(ids, name=name))
        iu, ju = np.triu_indices(len(ids), k=1)
        arr = np.asarray(ids, dtype=object)
        pairs = pd.DataFrame({f"{unit}_a": arr[iu], f"{unit}_b": arr[ju], "cosine": sim[iu, ju]})
        return cls(matrix=out, pairs=pairs, linkage=z, order=order, unit=unit, metadata=metadata,
                   params={"unit": unit, "method": method, **(params or {})})

    @renamed_keywords(n="top_n")
    def nearest_neighbours(self, *, top_n: int = 3) -> pd.DataFrame:
        """See :func:`nearest_neighbours`."""
        return nearest_neighbours(self, top_n=top_n)

    def clusters(self, *, n_clusters: int) -> pd.DataFrame:
        """Cut the dendrogram into ``n_clusters`` groups: ``<unit>_id, cluster`` (from 1).

        Clusters are numbered in dendrogram leaf order, so the numbering is stable.
        """
        from scipy.cluster.hierarchy import fcluster  # scipy.cluster is slow to import; only this needs it

        ids = list(self.matrix.index)
        if not 1 <= n_clusters <= len(ids):
            raise InputError(f"n_clusters: expected 1..{len(ids)}, got {n_clusters!r}")
        raw = fcluster(self.linkage, t=n_clusters, criterion="maxclust")
        by_id = dict(zip(ids, raw))
        renumber: dict[int, int] = {}
        for i in self.order:
            renumber.setdefault(int(by_id[i]), len(renumber) + 1)
        return pd.DataFrame({f"{self.unit}_id": ids, "cluster": [renumber[int(by_id[i])] for i in ids]})

    def labels(self, columns: tuple[str, ...] = ("speaker", "year")) -> list[str]:
        """Readable labels for the ids in ``matrix`` order (id plus metadata when known)."""
        ids = [str(i) for i in self.matrix.index]
        if self.metadata is None:
            return ids
        meta = self.metadata.set_index("statement_id")
        cols = [c for c in columns if c in meta.columns]
        out = []
        for i in ids:
            extra = [str(meta.at[i, c]) for c in cols if i in meta.index and not pd.isna(meta.at[i, c])
                     and str(meta.at[i, c]).strip()]
            out.append(f"{i} ({', '.join(extra)})" if extra else i)
        return out

    def summary(self) -> pd.DataFrame:
        """Each id's most similar other id (:func:`nearest_neighbours` with ``top_n=1``)."""
        return nearest_neighbours(self, top_n=1)

    def plot(self, **kwargs: Any) -> "Figure":
        """Heatmap with dendrogram; see :func:`~textanalytics.compare.plot_similarity`."""
        from .plots import plot_similarity  # matplotlib is imported on first plot

        kwargs.setdefault("labels", self.labels())
        return plot_similarity(self.matrix, method=self.params.get("method", "average"), **kwargs)

    def __repr__(self) -> str:
        return (f"SimilarityResult({len(self.matrix)} {self.unit}s, "
                f"linkage={self.params.get('method')!r})")

    def _repr_html_(self) -> str:
        return f"<p><b>{self.__repr__()}</b></p>" + self.matrix.round(3)._repr_html_()


@renamed_keywords(level="unit")
def similarity(dtm: DocumentTermMatrix, *, corpus: Any = None,
               unit: Literal["statement", "paragraph"] = "statement",
               method: Linkage = "average", max_units: int = 5000) -> SimilarityResult:
    """Cosine similarity of TF-IDF vectors, with average-linkage clustering.

    Each statement's vector is the sum of its units' counts (a paragraph-unit
    matrix is summed per statement; ``unit="paragraph"`` keeps paragraphs),
    weighted by scikit-learn's :class:`TfidfTransformer` fitted on these
    vectors (computed by :func:`~textanalytics.compare.stats.tfidf`, equal to it;
    ``smooth_idf=True``, ``sublinear_tf=False``, L2 norm; idf over the
    statements compared). The cosine of two L2-normalised vectors is their dot
    product, in [0, 1] since weights are non-negative. A statement with no term
    has similarity 0 to every other (logged, listed in ``params["empty"]``).

    Clustering: :func:`scipy.cluster.hierarchy.linkage` on the condensed
    distance ``1 - cosine`` with ``method="average"`` (UPGMA: the distance of
    two clusters is the mean distance of their members — a natural fit for
    cosine distances, which are not Euclidean, so Ward is not offered).

    Parameters
    ----------
    dtm:
        A paragraph- or statement-level matrix.
    corpus:
        Optional: adds the statements' metadata (``result.metadata``) for labels.
    unit:
        ``"statement"`` (default) or ``"paragraph"`` (needs a paragraph matrix).
    method:
        Linkage method: ``average`` (default), ``complete``, ``single``, ``weighted``.
    max_units:
        Refuse more units than this: the result is a dense n × n matrix.

    Returns
    -------
    SimilarityResult
        ``matrix`` (square DataFrame), ``pairs`` (tidy ``statement_a,
        statement_b, cosine``), ``linkage``, ``order``; see the class.

    Example
    -------
    >>> sim = similarity(dtm, corpus=corpus)           # doctest: +SKIP
    >>> sim.nearest_neighbours(top_n=3)                  # doctest: +SKIP
    """
    if unit not in ("statement", "paragraph"):
        raise InputError(f"unit: expected 'statement' or 'paragraph', got {unit!r}")
    if method not in LINKAGES:
        raise InputError(f"method: expected {', '.join(LINKAGES)}, got {method!r}")
    if dtm.unit not in ("paragraph", "statement"):
        raise InputError(f"dtm: similarity needs a paragraph- or statement-level matrix, got unit={dtm.unit!r}")
    if unit == "paragraph" and dtm.unit != "paragraph":
        raise InputError("unit: 'paragraph' needs a paragraph-level matrix; build_dtm(tokens, unit='paragraph')")
    m = dtm if unit == dtm.unit else dtm.aggregate(dtm.units["statement_id"].astype(str), unit="statement")
    ids = m.units["unit_id"].astype(str).tolist()
    n = len(ids)
    if n < 2:
        raise InputError(f"similarity needs at least 2 {unit}s, got {n}")
    if n > max_units:
        raise InputError(f"similarity of {n} {unit}s needs a {n}x{n} matrix; pass a subset of the "
                         f"matrix or raise max_units (now {max_units})")
    x = tfidf(m.counts)
    # Sorted ids: pairs then satisfy a < b and ties can be broken by id.
    perm = np.argsort(np.asarray(ids, dtype=object), kind="stable")
    ids = [ids[i] for i in perm]
    x = x[perm]
    sim = np.asarray((x @ x.T).toarray(), dtype=np.float64)
    empty = [ids[i] for i in np.flatnonzero(np.diff(x.tocsr().indptr) == 0)]
    if empty:
        logger.warning("similarity: %d %s(s) have no term and are similar to nothing: %s",
                       len(empty), unit, ", ".join(empty[:5]))
    metadata = None
    if corpus is not None and unit == "statement":
        statements = corpus.statements if hasattr(corpus, "statements") else corpus
        meta = statements.drop(columns=[c for c in ("text",) if c in statements.columns])
        meta = meta.assign(statement_id=meta["statement_id"].astype(str))
        metadata = meta.set_index("statement_id").reindex(ids).reset_index()
    matrix = pd.DataFrame(sim, index=pd.Index(ids, name=unit + "_id"), columns=pd.Index(ids, name=unit + "_id"))
    params = {"tfidf": {"norm": "l2", "smooth_idf": True, "sublinear_tf": False, "idf_over": unit},
              "empty": empty, "dtm_params": dict(dtm.params)}
    return SimilarityResult.from_matrix(matrix, method=method, metadata=metadata, params=params)


@renamed_keywords(n="top_n")
def nearest_neighbours(result: SimilarityResult, *, top_n: int = 3) -> pd.DataFrame:
    """Each statement's ``top_n`` most similar other statements.

    Returns columns ``<unit>_id``, ``rank`` (1 = most similar), ``neighbour``,
    ``cosine``; sorted by id then rank; equal similarities are ranked by
    neighbour id.
    """
    if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)) or top_n < 1:
        raise InputError(f"top_n: expected an integer >= 1, got {top_n!r}")
    ids = np.asarray(result.matrix.index, dtype=object)
    sim = result.matrix.to_numpy()
    rows: dict[str, list[Any]] = {f"{result.unit}_id": [], "rank": [], "neighbour": [], "cosine": []}
    others = np.arange(len(ids))
    for i, sid in enumerate(ids):
        j = others[others != i]
        # ids are sorted, so the index breaks ties by neighbour id.
        order = j[np.lexsort((j, -sim[i, j]))][:top_n]
        rows[f"{result.unit}_id"] += [sid] * len(order)
        rows["rank"] += list(range(1, len(order) + 1))
        rows["neighbour"] += ids[order].tolist()
        rows["cosine"] += sim[i, order].tolist()
    return pd.DataFrame(rows)
