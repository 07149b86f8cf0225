"""The intertopic distance map of LDAvis, written against plain arrays.

LDAvis (Sievert & Shirley 2014, ``createJSON``'s default ``jsPCA``) places
topics by classical multidimensional scaling of the Jensen–Shannon divergence
between their term distributions; circles are then sized by topic share. Any
engine's ``(K, V)`` topic-term matrix works.

>>> import numpy as np
>>> phi = np.array([[0.5, 0.5, 0.0], [0.0, 0.5, 0.5], [0.5, 0.0, 0.5]])
>>> xy = intertopic_map(phi)
>>> xy.shape, bool(np.allclose(np.linalg.norm(xy, axis=1), np.linalg.norm(xy[0])))
((3, 2), True)
"""

from __future__ import annotations

import numpy as np

__all__ = ["jensen_shannon", "classical_scaling", "intertopic_map"]


def jensen_shannon(topic_term: np.ndarray) -> np.ndarray:
    """``(K, K)`` Jensen–Shannon divergences (natural log) between the rows of ``topic_term``.

    Rows are normalised to sum to 1; ``0 log 0`` counts as 0, as in LDAvis.
    """
    phi = np.asarray(topic_term, dtype=np.float64)
    phi = phi / phi.sum(axis=1, keepdims=True)
    k = phi.shape[0]
    out = np.zeros((k, k))
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.where(phi > 0, np.log(phi), 0.0)
        for i in range(k):
            m = 0.5 * (phi[i] + phi)
            log_m = np.where(m > 0, np.log(m), 0.0)
            left = np.where(phi[i] > 0, phi[i] * (logs[i] - log_m), 0.0).sum(axis=1)
            right = np.where(phi > 0, phi * (logs - log_m), 0.0).sum(axis=1)
            out[i] = 0.5 * left + 0.5 * right
    np.fill_diagonal(out, 0.0)
    return np.maximum((out + out.T) / 2, 0.0)


def classical_scaling(distance: np.ndarray, *, dims: int = 2) -> np.ndarray:
    """Classical (Torgerson) scaling, R's ``cmdscale(d, k=dims)``: ``(n, dims)`` coordinates.

    Double-centres ``-d²/2``, keeps the ``dims`` largest eigenvalues (negative
    ones as 0). Each axis' sign is fixed so its largest coordinate in absolute
    value is positive, so the map is the same on every machine.
    """
    d = np.asarray(distance, dtype=np.float64)
    n = d.shape[0]
    if n == 1:
        return np.zeros((1, dims))
    centre = np.eye(n) - np.full((n, n), 1.0 / n)
    b = -0.5 * centre @ (d ** 2) @ centre
    values, vectors = np.linalg.eigh((b + b.T) / 2)
    order = np.argsort(values)[::-1][:dims]
    coords = vectors[:, order] * np.sqrt(np.maximum(values[order], 0.0))
    if coords.shape[1] < dims:
        coords = np.hstack([coords, np.zeros((n, dims - coords.shape[1]))])
    flip = np.sign(coords[np.argmax(np.abs(coords), axis=0), np.arange(dims)])
    return coords * np.where(flip == 0, 1.0, flip)


def intertopic_map(topic_term: np.ndarray) -> np.ndarray:
    """``(K, 2)`` LDAvis positions: classical scaling of the Jensen–Shannon divergences between topics."""
    return classical_scaling(jensen_shannon(topic_term), dims=2)
