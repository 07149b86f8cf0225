"""Statement-level tests for term frequencies: statements, not tokens, are the sampled units.

Written against plain arrays, vectorised over terms. The data of one test are the
statements' term counts ``x_s`` (statements × terms, sparse), their token totals ``L_s``
and their group ``labels`` (0 .. k-1). Every statistic is a function of group sums per
term (so a relabeling of statements only needs new sums: one sparse product):
``a_g = Σ x``, ``n_g = Σ L``, ``Σ x²``, ``Σ x L``, ``Σ L²`` and the statement count ``S_g``.

**Robust score test** (:func:`robust_score`): under "one rate for all groups" the rate is
``r = Σa / Σn``; the score of group g is ``U_g = a_g − n_g r`` (the term's excess count in
g). Its covariance is estimated from the statements' own residuals ``e_s = x_s − r L_s``
(the sandwich, or cluster-robust, variance with statements as clusters; each group's
``Σ e²`` times ``S_g / (S_g − 1)``): with ``w = n / Σn`` and ``B_g`` those sums,
``C = diag(B) − B w' − w B' + (Σ B) w w'``. The statistic ``W = U' C⁺ U`` is χ² with
k − 1 df for many statements; for two groups ``W = z²`` with
``z = (a_1/n_1 − a_2/n_2) / sqrt(B_1/n_1² + B_2/n_2²)``. A term repeated in one long
statement has a huge residual there and gets no significance — what the token-level G²,
which treats tokens as independent, cannot see. Unlike a quasi-Poisson F (one dispersion
per term), it does not assume the variance is proportional to the mean: text is bursty
(variance grows with the square of the mean, Church & Gale 1995), and on simulated bursty
null corpora the quasi-Poisson F rejected 8–18 % at 5 %, this test 3.5–4 %
(benchmarks/validate_compare.py).

**Trend** (:func:`trend_score`): the score for a log-linear slope on ordered group scores
``z_g`` is ``Σ_g (z_g − z̄) U_g``; its robust variance ``c' C c``; χ² with 1 df.

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

__all__ = ["GroupSums", "group_sums", "robust_score", "welch_df", "trend_score", "relabeling_count",
           "relabelings", "permutation_p", "presence_p", "presence_counts_p", "statement_test", "statement_test_sums",
           "fightin_words"]

#: Two groups: terms expected in fewer statements of the smaller side than this get Fisher's exact test.
MIN_EXPECTED = 5.0
#: Elements of one block of permuted sums (relabelings × groups × terms), to bound memory.
BLOCK = 2_000_000


class GroupSums:
    """Per relabeling (...), group (k) and term (V): ``a`` = Σx, ``x2`` = Σx², ``xl`` = ΣxL;
    per group: ``n`` = ΣL, ``l2`` = ΣL², ``s`` = statements."""

    __slots__ = ("a", "x2", "xl", "n", "l2", "s")

    def __init__(self, a: np.ndarray, x2: np.ndarray, xl: np.ndarray, n: np.ndarray, l2: np.ndarray,
                 s: np.ndarray) -> None:
        self.a, self.x2, self.xl, self.n, self.l2, self.s = a, x2, xl, n, l2, s


def group_sums(x: sp.csr_matrix, lengths: np.ndarray, labels: np.ndarray, *, k: int,
               x2: sp.csr_matrix | None = None, xl: sp.csr_matrix | None = None) -> GroupSums:
    """Sums per relabeling: ``labels`` is (R, S) (or (S,)); arrays (R, k, V) and (R, k)."""
    lab = np.atleast_2d(labels)
    r, s = lab.shape
    # One-hot (S, R*k) dense: a sparse x dense product costs nnz(x) * R * k, with no symbolic pass.
    m = np.zeros((s, r * k))
    m[np.tile(np.arange(s), r), (np.arange(r)[:, None] * k + lab).ravel()] = 1.0
    v = x.shape[1]
    x2 = x.multiply(x).tocsr() if x2 is None else x2
    xl = sp.csr_matrix(sp.diags(lengths) @ x) if xl is None else xl
    stacked = sp.vstack([x.T, x2.T, xl.T]).tocsr() @ m                # (3V, R*k)
    a, sq, cross = (stacked[i * v:(i + 1) * v].T.reshape(r, k, v) for i in range(3))
    per = np.stack([lengths, lengths**2, np.ones(s)], axis=1).T @ m    # (3, R*k)
    return GroupSums(a, sq, cross, per[0].reshape(r, k), per[1].reshape(r, k), per[2].reshape(r, k))


def _scores_and_cov(g: GroupSums) -> tuple[np.ndarray, np.ndarray]:
    """``U`` (..., V, k) and its robust covariance ``C`` (..., V, k, k)."""
    total_n = g.n.sum(axis=-1)[..., None, None]                       # (..., 1, 1)
    rate = g.a.sum(axis=-2, keepdims=True) / total_n                  # (..., 1, V)
    u = g.a - g.n[..., None] * rate                                   # (..., k, V)
    resid = g.x2 - 2.0 * rate * g.xl + rate**2 * g.l2[..., None]      # Σ e² per group
    with np.errstate(divide="ignore", invalid="ignore"):
        small = np.where(g.s > 1, g.s / np.where(g.s > 1, g.s - 1.0, 1.0), 1.0)
    b = np.maximum(resid, 0.0) * small[..., None]                    # (..., k, V)
    w = (g.n / g.n.sum(axis=-1, keepdims=True))[..., None]            # (..., k, 1)
    b, w, u = np.swapaxes(b, -1, -2), np.swapaxes(w, -1, -2), np.swapaxes(u, -1, -2)  # (..., V, k)
    cov = (b[..., :, None] * np.eye(b.shape[-1]) - b[..., :, None] * w[..., None, :]
           - w[..., :, None] * b[..., None, :] + b.sum(axis=-1)[..., None, None] * w[..., :, None] * w[..., None, :])
    return u, cov


def robust_score(g: GroupSums) -> np.ndarray:
    """The robust score statistic of "one rate per group" against "one rate" (..., V); χ²(k − 1)."""
    k = g.a.shape[-2]
    if k == 2:  # U_2 = -U_1: Var(U_1) = B_1 w_2² + B_2 w_1², no matrix (the permutation hot path)
        total_n = g.n.sum(axis=-1, keepdims=True)                     # (..., 1)
        rate = g.a.sum(axis=-2) / total_n                             # (..., V)
        w = g.n / total_n                                             # (..., 2)
        with np.errstate(divide="ignore", invalid="ignore"):
            small = np.where(g.s > 1, g.s / np.where(g.s > 1, g.s - 1.0, 1.0), 1.0)

        def b(i: int) -> np.ndarray:
            resid = g.x2[..., i, :] - 2.0 * rate * g.xl[..., i, :] + rate**2 * g.l2[..., i, None]
            return np.maximum(resid, 0.0) * small[..., i, None]

        u1 = g.a[..., 0, :] - g.n[..., 0, None] * rate
        var = b(0) * w[..., 1, None] ** 2 + b(1) * w[..., 0, None] ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(var > 0, u1**2 / np.where(var > 0, var, 1.0), 0.0)
    u, cov = _scores_and_cov(g)
    # Drop the last group (the scores sum to 0) and solve the (k-1) x (k-1) system per term.
    c = cov[..., :-1, :-1] + np.eye(k - 1) * 1e-12 * (np.trace(cov, axis1=-2, axis2=-1)[..., None, None] + 1e-300)
    sol = np.linalg.solve(c, u[..., :-1, None])[..., 0]
    return np.maximum((u[..., :-1] * sol).sum(axis=-1), 0.0)


def welch_df(g: GroupSums) -> np.ndarray:
    """Two groups: Welch–Satterthwaite degrees of freedom of the robust variance (..., V).

    ``Var(U_1) = B_1 w_2² + B_2 w_1²``; each part is estimated from ``S_g`` statements, so
    ``df = (v_1 + v_2)² / (v_1² / (S_1 − 1) + v_2² / (S_2 − 1))``. With a small group (a
    party of five speeches against the rest) its few residuals dominate the variance and the
    t reference with these df keeps the test honest where χ²(1) rejected 7 % of null terms.
    """
    total_n = g.n.sum(axis=-1)[..., None, None]
    rate = g.a.sum(axis=-2, keepdims=True) / total_n
    resid = np.maximum(g.x2 - 2.0 * rate * g.xl + rate**2 * g.l2[..., None], 0.0)
    s = g.s[..., None]
    b = resid * np.where(s > 1, s / np.maximum(s - 1.0, 1.0), 1.0)
    w = (g.n / g.n.sum(axis=-1, keepdims=True))[..., None]
    v1, v2 = b[..., 0, :] * w[..., 1, :] ** 2, b[..., 1, :] * w[..., 0, :] ** 2
    den = v1**2 / np.maximum(s[..., 0, :] - 1.0, 1.0) + v2**2 / np.maximum(s[..., 1, :] - 1.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, (v1 + v2) ** 2 / np.where(den > 0, den, 1.0), 1.0)


def trend_score(g: GroupSums, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(T, slope)`` of the trend test on group ``scores`` (k,): ``T`` is χ²(1); ``slope`` a
    one-step estimate of the change of the log rate per unit of score (its sign: the direction)."""
    z = np.asarray(scores, dtype=np.float64)
    u, cov = _scores_and_cov(g)
    zbar = (g.n * z).sum(axis=-1, keepdims=True) / g.n.sum(axis=-1, keepdims=True)   # (..., 1)
    c = (z - zbar)[..., None, :]                                                        # (..., 1, k)
    score = (u * c).sum(axis=-1)                                                        # (..., V)
    var = np.einsum("...vk,...vkl,...vl->...v", np.broadcast_to(c, u.shape), cov, np.broadcast_to(c, u.shape))
    rate = g.a.sum(axis=-2) / g.n.sum(axis=-1, keepdims=True)
    info = rate * (g.n * (z - zbar) ** 2).sum(axis=-1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(var > 0, score**2 / np.where(var > 0, var, 1.0), 0.0)
        slope = np.where(info > 0, score / np.where(info > 0, info, 1.0), 0.0)
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


def permutation_p(statistic: Callable[[GroupSums], np.ndarray], x: sp.csr_matrix, lengths: np.ndarray,
                  labels: np.ndarray, *, observed: np.ndarray, n_permutations: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, bool, int]:
    """``(p (V,), exact, R)``: how often a relabeling's statistic reaches the observed one."""
    k = int(labels.max()) + 1
    perms, exact = relabelings(labels, n_permutations=n_permutations, rng=rng)
    r, v = len(perms), x.shape[1]
    hits = np.zeros(v, dtype=np.int64)
    tol = 1e-9 * np.maximum(np.abs(observed), 1.0)  # float noise: an equal table ties
    step = max(1, BLOCK // max(1, k * k * v))
    x2, xl = x.multiply(x).tocsr(), sp.csr_matrix(sp.diags(lengths) @ x)
    for lo in range(0, r, step):
        t = statistic(group_sums(x, lengths, perms[lo:lo + step], k=k, x2=x2, xl=xl))
        hits += (t >= observed - tol).sum(axis=0)
    if exact:
        return hits / r, True, r
    return (hits + 1.0) / (r + 1.0), False, r


def presence_p(x: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    """Two-sided Fisher exact p per term: statements of group 0 using the term, given how many use it.

    Under exchangeable statements the count is hypergeometric; the two-sided p doubles
    the smaller tail (capped at 1).
    """
    used = sp.csc_matrix(x) != 0
    total = np.asarray(used.sum(axis=0)).ravel()
    first = np.asarray(used[labels == 0].sum(axis=0)).ravel()
    return presence_counts_p(first, total, m=len(labels), n0=int((labels == 0).sum()))


def presence_counts_p(first: np.ndarray, total: np.ndarray, *, m: int, n0: int) -> np.ndarray:
    """:func:`presence_p` from its counts: ``first`` of the ``total`` statements using each term are
    among the ``n0`` of group 0, of ``m`` statements."""
    from scipy.stats import hypergeom  # deferred: scipy.stats is slow to import (start-up)

    upper = hypergeom.sf(first - 1, m, total, n0)
    lower = hypergeom.cdf(first, m, total, n0)
    return np.minimum(1.0, 2.0 * np.minimum(upper, lower))


def statement_test(x: sp.csr_matrix, lengths: np.ndarray, labels: np.ndarray, *,
                   scores: np.ndarray | None = None, n_permutations: int, rng: np.random.Generator,
                   method: str = "auto") -> dict[str, Any]:
    """One statement-level test per term (column of ``x``) for groups ``labels`` (0 .. k-1).

    ``scores=None``: the k-group robust score test (k = 2: the two-group test); else the
    trend test on the groups' ``scores``. ``method``: ``"auto"`` (exact permutation when
    the relabelings number at most ``n_permutations``, else the χ² reference),
    ``"permutation"`` (exact or Monte Carlo) or ``"robust_score"`` (χ² reference; for two
    groups t with Welch–Satterthwaite df, :func:`welch_df`).
    Returns ``statistic``, ``p_value`` (V,), ``slope`` (trend only), ``test`` (a label)
    and ``n_relabelings``.
    """
    lengths = np.asarray(lengths, dtype=np.float64)
    x = sp.csr_matrix(x, dtype=np.float64)
    k = int(labels.max()) + 1
    used = sp.csc_matrix(x) != 0

    def permute(statistic: Callable[[GroupSums], np.ndarray], observed: np.ndarray) -> tuple[np.ndarray, bool, int]:
        return permutation_p(statistic, x, lengths, labels, observed=observed, n_permutations=n_permutations, rng=rng)

    return statement_test_sums(group_sums(x, lengths, labels, k=k), sizes=np.bincount(labels, minlength=k),
                          used=np.asarray(used.sum(axis=0)).ravel(),
                          used_first=np.asarray(used[labels == 0].sum(axis=0)).ravel(), permute=permute,
                          scores=scores, n_permutations=n_permutations, method=method)


def statement_test_sums(obs_sums: GroupSums, *, sizes: np.ndarray, used: np.ndarray, used_first: np.ndarray,
                   permute: Callable[[Callable[[GroupSums], np.ndarray], np.ndarray], tuple[np.ndarray, bool, int]],
                   scores: np.ndarray | None, n_permutations: int, method: str) -> dict[str, Any]:
    """:func:`statement_test` from the observed group sums (R = 1) and, per term, the statements using
    it (``used``; ``used_first``: of group 0); ``sizes``: statements per group. ``permute(statistic,
    observed)`` gives ``(p, exact, R)`` (:func:`permutation_p`): the only step that reads the
    statement x term rows, called only when the test permutes."""
    k = len(sizes)

    def statistic(sums: GroupSums) -> np.ndarray:
        return robust_score(sums) if scores is None else trend_score(sums, scores)[0]

    observed = statistic(obs_sums)[0]
    slope = trend_score(obs_sums, scores)[1][0] if scores is not None else None
    n_rel = relabeling_count(sizes)
    if method == "permutation" or (method == "auto" and n_rel <= n_permutations):
        p, exact, r = permute(statistic, observed)
        test = "exact permutation" if exact else f"monte carlo permutation (B = {r})"
    elif scores is None and k == 2:
        p = special.fdtrc(1.0, np.maximum(welch_df(obs_sums)[0], 1.0), observed)  # t² with Welch df
        test = np.full(len(p), "robust score (welch t)", dtype=object)
        # Rare terms against a small side: fewer than MIN_EXPECTED statements of that side are
        # expected to hold the term, the score is skewed and t is anti-conservative (10-18 % of
        # null terms at 5 % for Commons null "parties" of 22-58 speeches), so those are permuted.
        # They get Fisher's exact test on the statements that use the term (hypergeometric,
        # exact under exchangeable statements): unlike a Monte Carlo permutation, whose p
        # cannot fall below 1 / (B + 1), it can pass a Benjamini-Hochberg family of
        # thousands of terms (Plaid Cymru's "welsh", in 4 of its 7 speeches and few others).
        m = int(np.sum(sizes))
        expected = used * int(np.min(sizes)) / m
        rare = np.flatnonzero(expected < MIN_EXPECTED)
        if len(rare):
            p[rare] = presence_counts_p(used_first[rare], used[rare], m=m, n0=int(sizes[0]))
            test[rare] = "exact statement presence (fisher)"
    else:
        p = special.chdtrc(1 if scores is not None else k - 1, observed)
        test = "robust score" if scores is None else "robust score trend"
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
    with np.errstate(divide="ignore", invalid="ignore"):  # a term with no count and no prior: NaN
        delta = (np.log(a + alpha) - np.log(na + a0 - a - alpha)
                 - np.log(b + alpha) + np.log(nb + a0 - b - alpha))
        z = delta / np.sqrt(1.0 / (a + alpha) + 1.0 / (b + alpha))
    return delta, z
