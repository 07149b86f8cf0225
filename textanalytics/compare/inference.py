"""Statement-level tests for term frequencies: statements, not tokens, are the sampled units.

Written against plain arrays, vectorised over terms. The data of one test are the
statements' term counts ``x`` (statements × terms, sparse), their token totals ``lengths``
and their group ``labels`` (0 .. k-1). Every statistic is a function of three group sums
per term (so a relabelling of statements only needs new sums, one sparse product):

- ``a_g = Σ x_s`` (the term's count in group g), ``n_g = Σ L_s`` (tokens of group g),
- ``q_g = Σ x_s² / L_s`` (for the dispersion).

**Quasi-Poisson F** (:func:`quasi_poisson_f`): a Poisson model per term with one rate per
group and ``log L_s`` as offset. Its deviance against one common rate is the two-cell G²
``D = 2 Σ_g a_g ln(a_g / E_g)``, ``E_g = n_g Σa / Σn``; the dispersion ``φ`` is the
Pearson χ² of the group model over its residual df, ``Σ_g (q_g n_g / a_g − a_g) / (S − k)``
(floored at 1: no underdispersion is claimed). ``F = D / ((k − 1) φ)`` with F(k − 1, S − k)
as reference (McCullagh & Nelder 1989, §6.2). A term repeated in one long speech gets a huge
φ and no significance: what the token-level G² cannot see.

**Trend** (:func:`trend_score`): the score test of a log-linear slope on an ordered group
score ``z_g`` at the common rate, ``U = Σ_g a_g (z_g − z̄)`` with ``z̄`` the token-weighted
mean score, scaled by the same φ: ``T = U² / (φ p Σ_g n_g (z_g − z̄)²)``, F(1, S − k);
Cochran–Armitage's test with statement-level dispersion.

**Permutation** (:func:`permutation_p`): the same statistic over relabelings of the
statements (group sizes fixed): every relabeling when there are at most ``n_permutations``
of them (exact), else ``n_permutations`` seeded random ones and ``(b + 1) / (B + 1)``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy import special

__all__ = ["GroupSums", "group_sums", "quasi_poisson_f", "trend_score", "relabeling_count",
           "relabelings", "permutation_p", "statement_test", "fightin_words"]

#: Elements of one block of permuted sums (relabelings × groups × terms), to bound memory.
BLOCK = 4_000_000


class GroupSums:
    """``a`` (..., k, V), ``q`` (..., k, V), ``n`` (..., k): the sums every statistic needs."""

    __slots__ = ("a", "q", "n")

    def __init__(self, a: np.ndarray, q: np.ndarray, n: np.ndarray) -> None:
        self.a, self.q, self.n = a, q, n


def group_sums(x: sp.csr_matrix, q: sp.csr_matrix, lengths: np.ndarray, labels: np.ndarray,
               *, k: int) -> GroupSums:
    """Sums per relabeling: ``labels`` is (R, S) (or (S,)); returns arrays (R, k, V) and (R, k)."""
    lab = np.atleast_2d(labels)
    r, s = lab.shape
    rows = (np.arange(r)[:, None] * k + lab).ravel()
    m = sp.csr_matrix((np.ones(r * s), (rows, np.tile(np.arange(s), r))), shape=(r * k, s))
    v = x.shape[1]
    a = (m @ x).toarray().reshape(r, k, v)
    qq = (m @ q).toarray().reshape(r, k, v)
    n = (m @ lengths).reshape(r, k)
    return GroupSums(a, qq, n)


def _xlogx(o: np.ndarray, e: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(o > 0, o * np.log(np.where(o > 0, o, 1.0) / np.where(e > 0, e, 1.0)), 0.0)


def _dispersion(s: GroupSums, n_statements: int) -> np.ndarray:
    k = s.a.shape[-2]
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = np.where(s.a > 0, s.q * s.n[..., None] / np.where(s.a > 0, s.a, 1.0) - s.a, 0.0).sum(axis=-2)
    df = max(n_statements - k, 1)
    return np.maximum(pearson / df, 1.0)


def quasi_poisson_f(s: GroupSums, *, n_statements: int) -> np.ndarray:
    """The quasi-Poisson F statistic of "one rate per group" against "one rate" (..., V)."""
    k = s.a.shape[-2]
    total_a = s.a.sum(axis=-2, keepdims=True)
    total_n = s.n.sum(axis=-1)[..., None, None]
    expected = s.n[..., None] * total_a / total_n
    deviance = np.maximum(2.0 * _xlogx(s.a, expected).sum(axis=-2), 0.0)
    return deviance / ((k - 1) * _dispersion(s, n_statements))


def trend_score(s: GroupSums, scores: np.ndarray, *, n_statements: int) -> tuple[np.ndarray, np.ndarray]:
    """``(T, slope)`` of the trend test on group ``scores`` (k,); ``slope``: one-step
    estimate of the change of the log rate per unit of score (sign = direction of the trend)."""
    z = np.asarray(scores, dtype=np.float64)
    total_n = s.n.sum(axis=-1, keepdims=True)
    zbar = (s.n * z).sum(axis=-1, keepdims=True) / total_n
    centred = z - zbar                                      # (..., k)
    u = (s.a * centred[..., None]).sum(axis=-2)             # (..., V)
    rate = s.a.sum(axis=-2) / total_n                       # (..., V)
    info = rate * (s.n * centred**2).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(info > 0, u**2 / (_dispersion(s, n_statements) * np.where(info > 0, info, 1.0)), 0.0)
        slope = np.where(info > 0, u / np.where(info > 0, info, 1.0), 0.0)
    return t, slope


def relabeling_count(sizes: Any) -> int:
    """The number of distinct relabelings of statements with these group sizes (multinomial)."""
    sizes = [int(x) for x in sizes]
    out, left = 1, sum(sizes)
    for size in sizes:
        out *= math.comb(left, size)
        left -= size
    return out


def _enumerate(sizes: list[int]) -> Iterator[np.ndarray]:
    n = sum(sizes)

    def rec(free: tuple[int, ...], g: int, lab: np.ndarray) -> Iterator[np.ndarray]:
        if g == len(sizes) - 1:
            out = lab.copy()
            out[list(free)] = g
            yield out
            return
        for combo in itertools.combinations(free, sizes[g]):
            lab[list(combo)] = g
            rest = tuple(i for i in free if i not in set(combo))
            yield from rec(rest, g + 1, lab)

    yield from rec(tuple(range(n)), 0, np.zeros(n, dtype=np.int64))


def relabelings(labels: np.ndarray, *, n_permutations: int,
                rng: np.random.Generator) -> tuple[np.ndarray, bool]:
    """``(relabelings (R, S), exact)``: all distinct ones when at most ``n_permutations``,
    else ``n_permutations`` random permutations of ``labels`` (the observed one not included)."""
    labels = np.asarray(labels, dtype=np.int64)
    k = int(labels.max()) + 1 if labels.size else 0
    sizes = np.bincount(labels, minlength=k).tolist()
    if relabeling_count(sizes) <= n_permutations:
        return np.array(list(_enumerate(sizes)), dtype=np.int64), True
    return rng.permuted(np.tile(labels, (n_permutations, 1)), axis=1), False


def permutation_p(statistic: Callable[[GroupSums], np.ndarray], x: sp.csr_matrix, q: sp.csr_matrix,
                  lengths: np.ndarray, labels: np.ndarray, *, observed: np.ndarray,
                  n_permutations: int, rng: np.random.Generator) -> tuple[np.ndarray, bool, int]:
    """``(p (V,), exact, R)``: how often a relabeling's statistic reaches the observed one."""
    k = int(labels.max()) + 1
    perms, exact = relabelings(labels, n_permutations=n_permutations, rng=rng)
    r, v = len(perms), x.shape[1]
    hits = np.zeros(v, dtype=np.int64)
    tol = 1e-9 * np.maximum(np.abs(observed), 1.0)  # float noise: an equal table ties
    step = max(1, BLOCK // max(1, k * v))
    for lo in range(0, r, step):
        t = statistic(group_sums(x, q, lengths, perms[lo:lo + step], k=k))
        hits += (t >= observed - tol).sum(axis=0)
    if exact:
        return hits / r, True, r
    return (hits + 1.0) / (r + 1.0), False, r


def statement_test(x: sp.csr_matrix, lengths: np.ndarray, labels: np.ndarray, *,
                   scores: np.ndarray | None = None, n_permutations: int, rng: np.random.Generator,
                   method: str = "auto") -> dict[str, Any]:
    """One statement-level test per term (column of ``x``) for groups ``labels`` (0 .. k-1).

    ``scores=None``: the k-group quasi-Poisson F test (k = 2: the two-group test); else the
    trend test on the groups' ``scores``. ``method``: ``"auto"`` (exact permutation when
    the relabelings number at most ``n_permutations``, else the F distribution),
    ``"permutation"`` (exact or Monte Carlo) or ``"quasi_poisson"`` (F distribution).
    Returns ``statistic``, ``p_value`` (V,), ``slope`` (trend only), ``test`` (a label)
    and ``n_relabelings``.
    """
    lengths = np.asarray(lengths, dtype=np.float64)
    x = sp.csr_matrix(x, dtype=np.float64)
    inv = np.divide(1.0, lengths, out=np.zeros_like(lengths), where=lengths > 0)
    q = sp.csr_matrix(sp.diags(inv) @ x.multiply(x))
    k = int(labels.max()) + 1
    s_count = len(labels)
    if scores is None:
        def statistic(sums: GroupSums) -> np.ndarray:
            return quasi_poisson_f(sums, n_statements=s_count)
    else:
        def statistic(sums: GroupSums) -> np.ndarray:
            return trend_score(sums, scores, n_statements=s_count)[0]
    obs_sums = group_sums(x, q, lengths, labels, k=k)
    observed = statistic(obs_sums)[0]
    slope = trend_score(obs_sums, scores, n_statements=s_count)[1][0] if scores is not None else None
    n_rel = relabeling_count(np.bincount(labels, minlength=k))
    exact_possible = n_rel <= n_permutations
    if method == "permutation" or (method == "auto" and exact_possible):
        p, exact, r = permutation_p(statistic, x, q, lengths, labels, observed=observed,
                                    n_permutations=n_permutations, rng=rng)
        test = "exact permutation" if exact else f"monte carlo permutation (B = {r})"
    else:
        df1 = 1 if scores is not None else k - 1
        p = special.fdtrc(df1, max(s_count - k, 1), observed)
        test = "quasi-poisson F" if scores is None else "quasi-poisson trend"
    return {"statistic": observed, "p_value": np.clip(p, 0.0, 1.0), "slope": slope, "test": test,
            "n_relabelings": n_rel}


def fightin_words(a: Any, b: Any, prior: Any) -> tuple[np.ndarray, np.ndarray]:
    """Monroe, Colaresi & Quinn (2008): ``(delta, z)`` per term, target ``a`` vs reference ``b``.

    Log-odds ratio with an informative Dirichlet prior ``prior`` (α_w, per term; α0 = Σα_w):
    ``δ_w = ln((a_w + α_w) / (n_a + α0 − a_w − α_w)) − ln((b_w + α_w) / (n_b + α0 − b_w − α_w))``,
    ``σ²(δ_w) ≈ 1/(a_w + α_w) + 1/(b_w + α_w)``, ``z = δ / σ`` (their equations 16, 18–20).
    ``n_a``, ``n_b`` are the sums of ``a`` and ``b`` over the terms given.
    """
    a, b, alpha = (np.asarray(v, dtype=np.float64) for v in (a, b, prior))
    a0, na, nb = alpha.sum(), a.sum(), b.sum()
    delta = (np.log(a + alpha) - np.log(na + a0 - a - alpha)
             - np.log(b + alpha) + np.log(nb + a0 - b - alpha))
    z = delta / np.sqrt(1.0 / (a + alpha) + 1.0 / (b + alpha))
    return delta, z
