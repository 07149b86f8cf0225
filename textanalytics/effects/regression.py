"""Regression fits of many outcomes on one design, and Rubin's rules over draws.

OLS is solved for every outcome at once (one QR of the design, as stm's ``qr.lm``) with
the covariance statsmodels would report: ``"nonrobust"``, ``"HC1"``, ``"HC3"`` or cluster-robust
(``cov_type="cluster"``, statsmodels' default small-sample correction); tests check the
equality. The fractional logit and the count families are statsmodels GLMs.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm

__all__ = ["ols_many", "glm_one", "rubin", "cluster_codes"]


def cluster_codes(values: Any) -> np.ndarray:
    codes, _ = pd.factorize(pd.Series(values).astype(str), sort=True)
    return codes


def ols_many(x: np.ndarray, y: np.ndarray, *, cov_type: str = "HC3",
             groups: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """OLS of every column of ``y`` (n, K) on ``x`` (n, p): ``(coef (K, p), cov (K, p, p))``."""
    n, p = x.shape
    q, r = np.linalg.qr(x)
    coef = np.linalg.solve(r, q.T @ y).T                      # (K, p)
    resid = y - x @ coef.T                                     # (n, K)
    xtx_inv = np.linalg.inv(r.T @ r)
    if cov_type == "nonrobust":
        sigma2 = (resid ** 2).sum(axis=0) / (n - p)
        return coef, sigma2[:, None, None] * xtx_inv[None]
    if groups is None and cov_type == "HC3":
        # HC3: residuals scaled by 1/(1 - leverage) (MacKinnon & White 1985); sound in small samples
        # and for levels with few statements, where HC1 is too small.
        leverage = (q ** 2).sum(axis=1)
        scores = x[:, None, :] * (resid / np.maximum(1.0 - leverage, 1e-12)[:, None])[:, :, None]
        factor = 1.0
    elif groups is None:
        # HC1: (X'X)^-1 X' diag(e^2) X (X'X)^-1 · n/(n-p)
        scores = x[:, None, :] * resid[:, :, None]             # (n, K, p)
        factor = n / (n - p)
    else:
        g = int(groups.max()) + 1
        scores = np.zeros((g, y.shape[1], p))
        np.add.at(scores, groups, x[:, None, :] * resid[:, :, None])
        factor = g / (g - 1) * (n - 1) / (n - p)
    meat = np.einsum("gki,gkj->kij", scores, scores)
    return coef, factor * np.einsum("ij,kjl,lm->kim", xtx_inv, meat, xtx_inv)


def glm_one(y: np.ndarray, x: np.ndarray, *, family: str, groups: np.ndarray | None = None,
            offset: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """One GLM: ``family`` ``"fractional_logit"`` (Binomial, logit link, robust), ``"quasi_poisson"``
    (Poisson, scale by Pearson χ²) or ``"negative_binomial"`` (NB2 with its dispersion estimated).
    Standard errors: cluster-robust by ``groups``, else sandwich: HC0 for the fractional logit, HC3
    for quasi-Poisson (:func:`poisson_hc3`), HC1 for the negative binomial. Returns ``(coef, cov, info)``."""

    # Counts: sandwich standard errors without a cluster column. A model-based quasi-Poisson error
    # scales one dispersion over all statements, so a group whose count comes from one statement
    # (a speech repeating "scam" 27 times) got an interval as if its words were spread out.
    cov_kw: dict[str, Any] = ({"cov_type": "cluster", "cov_kwds": {"groups": groups}} if groups is not None
                              else {"cov_type": "HC1"})
    info: dict[str, Any] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")      # perfect-separation and domain notes; convergence is recorded
        if family == "fractional_logit":
            model = sm.GLM(y, x, family=sm.families.Binomial())
            res = model.fit(**(cov_kw if groups is not None else {"cov_type": "HC0"}))
        elif family == "quasi_poisson":
            model = sm.GLM(y, x, family=sm.families.Poisson(), offset=offset)
            if groups is None:
                res = model.fit(scale="X2")
                info["dispersion"] = float(res.scale)
                info["converged"] = bool(getattr(res, "converged", True))
                return np.asarray(res.params), poisson_hc3(x, y, np.asarray(res.mu)), info
            res = model.fit(scale="X2", **cov_kw)
            info["dispersion"] = float(res.scale)
        elif family == "negative_binomial":
            model = sm.NegativeBinomial(y, x, offset=offset, loglike_method="nb2")
            res = model.fit(disp=0, maxiter=200, **cov_kw)
            info["dispersion"] = float(np.asarray(res.params)[-1])
            info["converged"] = bool(res.mle_retvals.get("converged", True))
            return np.asarray(res.params)[:-1], np.asarray(res.cov_params())[:-1, :-1], info
        else:  # pragma: no cover - checked by callers
            raise ValueError(family)
    info["converged"] = bool(getattr(res, "converged", True))
    return np.asarray(res.params), np.asarray(res.cov_params()), info


def poisson_hc3(x: np.ndarray, y: np.ndarray, mu: np.ndarray) -> np.ndarray:
    """HC3 sandwich covariance of a Poisson (log link) GLM's coefficients at its fitted means ``mu``.

    ``B M B`` with bread ``B = (X' diag(mu) X)^-1`` and meat ``M = X' diag(r_i^2 / (1 - h_i)^2) X``,
    ``r = y - mu`` and ``h_i = mu_i x_i' B x_i`` (the leverages of the weighted fit): MacKinnon &
    White's HC3, which does not shrink the residual of a statement that alone carries its
    group's count (HC0 would). statsmodels' GLM gives HC0's figures for ``cov_type="HC3"``.
    """
    bread = np.linalg.pinv(x.T @ (mu[:, None] * x))
    h = mu * np.einsum("ij,jk,ik->i", x, bread, x)
    r = (y - mu) / np.clip(1.0 - h, 1e-8, None)
    meat = x.T @ ((r * r)[:, None] * x)
    return bread @ meat @ bread


def rubin(coefs: np.ndarray, covs: np.ndarray, *, df_complete: float) -> dict[str, np.ndarray]:
    """Rubin's rules over ``m`` draws: ``coefs`` (m, K, p), ``covs`` (m, K, p, p).

    ``estimate`` = mean; ``within`` W = mean of the covariances; ``between`` B = covariance of
    the estimates over draws; ``total`` T = W + (1 + 1/m) B (matrices, (K, p, p)); ``df``
    (K, p): Barnard & Rubin's (1999) small-sample degrees of freedom.
    """
    m = coefs.shape[0]
    est = coefs.mean(axis=0)
    within = covs.mean(axis=0)
    if m > 1:
        dev = coefs - est[None]
        between = np.einsum("mki,mkj->kij", dev, dev) / (m - 1)
    else:
        between = np.zeros_like(within)
    total = within + (1.0 + 1.0 / m) * between
    w_d = np.diagonal(within, axis1=1, axis2=2)
    b_d = np.diagonal(between, axis1=1, axis2=2)
    t_d = np.diagonal(total, axis1=1, axis2=2)
    lam = np.where(t_d > 0, (1.0 + 1.0 / m) * b_d / np.maximum(t_d, 1e-300), 0.0)
    df_obs = (df_complete + 1.0) / (df_complete + 3.0) * df_complete * (1.0 - lam)
    df_obs = np.maximum(df_obs, 1e-12)
    varies = (lam > 1e-12) & (m > 1)
    df = df_obs.copy()
    safe = np.where(varies, lam, 1.0)
    df_old = (m - 1) / safe ** 2
    df[varies] = 1.0 / (1.0 / df_old[varies] + 1.0 / df_obs[varies])
    return {"estimate": est, "within": within, "between": between, "total": total,
            "within_var": w_d, "between_var": (1.0 + 1.0 / m) * b_d, "df": df}
