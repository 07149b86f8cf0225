"""Covariate effects on counts: quasi-Poisson and negative binomial with a length offset, term_effects."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textanalytics.effects import estimate_count_effects, term_effects
from textanalytics.errors import InputError
from textanalytics.features import DocumentTermMatrix


def planted(n=400, seed=0):
    """'deficit' per token is 2x as frequent for lab after 2010; 'tax' depends on nothing."""
    rng = np.random.default_rng(seed)
    meta = pd.DataFrame({"statement_id": [f"s{i:04d}" for i in range(n)],
                         "party": rng.choice(["con", "lab"], n), "year": rng.integers(2000, 2020, n),
                         "government": rng.choice(["yes", "no"], n), "speaker": rng.integers(0, 40, n).astype(str)})
    meta["after_2010"] = (meta["year"] > 2010).astype(int)
    tokens = rng.integers(50, 400, n)
    rate = 0.01 * np.where((meta["party"] == "lab") & (meta["after_2010"] == 1), 2.0, 1.0)
    counts = pd.DataFrame({"deficit": rng.negative_binomial(5, 5 / (5 + rate * tokens)),
                           "tax": rng.poisson(0.02 * tokens)}, index=meta["statement_id"])
    return counts, pd.Series(tokens, index=meta["statement_id"]), meta


@pytest.mark.parametrize("family", ["quasi_poisson", "negative_binomial"])
def test_planted_rate_ratio_recovered(family):
    counts, exposure, meta = planted()
    res = estimate_count_effects(counts, exposure=exposure, metadata=meta, family=family,
                                 formula="~ party * after_2010 + government")
    row = res.table.query("outcome == 'deficit' and term == 'party[T.lab]:after_2010'").iloc[0]
    assert row.lower < np.log(2.0) < row.upper and row.p_adjusted < 0.05
    tax = res.table.query("outcome == 'tax' and term != 'Intercept'")
    assert (tax["p_adjusted"] > 0.05).all()
    assert res.table.query("outcome == 'tax' and term == 'Intercept'")["rate_ratio"].iloc[0] == pytest.approx(0.02, rel=0.1)
    assert res.params["offset"] == "log(exposure)" and res.params["family"] == family


def test_cluster_and_errors():
    counts, exposure, meta = planted()
    res = estimate_count_effects(counts, exposure=exposure, metadata=meta, formula="~ party + year",
                                 cluster="speaker")
    assert res.params["n_clusters"] == 40 and res.params["cov_type"] == "cluster"
    with pytest.raises(InputError, match="exposure"):
        estimate_count_effects(counts, exposure=exposure * 0, metadata=meta, formula="~ party")
    with pytest.raises(InputError, match="never occurs"):
        estimate_count_effects(counts.assign(none=0), exposure=exposure, metadata=meta, formula="~ party")
    with pytest.raises(InputError, match="family"):
        estimate_count_effects(counts, exposure=exposure, metadata=meta, formula="~ party", family="poisson")


def test_rare_and_separated_outcomes_are_flagged_not_estimated():
    counts, exposure, meta = planted()
    rare = np.zeros(len(counts), dtype=int)
    rare[:4] = 1                                               # 4 occurrences for 3 coefficients
    only_lab = np.where(meta["party"].to_numpy() == "lab", counts["tax"].to_numpy(), 0)   # never in con
    res = estimate_count_effects(counts.assign(rare=rare, only_lab=only_lab), exposure=exposure, metadata=meta,
                                 formula="~ party + year")
    r = res.table[res.table["outcome"] == "rare"]
    assert r["estimate"].isna().all() and r["p_adjusted"].isna().all()
    assert r["note"].iloc[0].startswith("4 occurrences for 3 coefficients: need at least 15")
    assert res.table.query("outcome == 'only_lab'")["note"].str.contains("separation").all()
    assert (res.table.query("outcome == 'tax'")["note"] == "").all()
    assert res.table.query("outcome == 'tax' and term != 'Intercept'")["p_adjusted"].notna().all()


def test_term_effects_from_a_matrix_sums_units_per_statement():
    counts, exposure, meta = planted(n=200)
    # Two paragraphs per statement: the counts split between them.
    first = counts // 2
    rows = np.vstack([first.to_numpy(), (counts - first).to_numpy()])
    sids = list(counts.index) * 2
    units = pd.DataFrame({"unit_id": [f"{s}:{j // len(counts) + 1}" for j, s in enumerate(sids)],
                          "statement_id": sids, "paragraph": pd.array([1] * len(counts) + [2] * len(counts), dtype="Int64"),
                          "n_tokens": np.r_[exposure.to_numpy() // 2, exposure.to_numpy() - exposure.to_numpy() // 2]})
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(rows.astype(np.int64)), vocabulary=("deficit", "tax"), units=units,
                             unit="paragraph", params={})
    via_dtm = term_effects(dtm, terms=["deficit"], metadata=meta, formula="~ party * after_2010")
    direct = estimate_count_effects(counts[["deficit"]], exposure=exposure, metadata=meta,
                                    formula="~ party * after_2010")
    np.testing.assert_allclose(via_dtm.table["estimate"], direct.table["estimate"], rtol=1e-8)
    with pytest.raises(InputError, match="'surplus' is not in the matrix' vocabulary"):
        term_effects(dtm, terms=["surplus"], metadata=meta, formula="~ party")


def test_poisson_hc3_is_the_sandwich_with_leverage_corrected_residuals():
    import statsmodels.api as sm

    from textanalytics.effects.regression import poisson_hc3

    rng = np.random.default_rng(5)
    n = 60
    x = np.c_[np.ones(n), rng.integers(0, 2, n), rng.normal(size=n)]
    exposure = rng.integers(50, 300, n)
    y = rng.poisson(0.02 * exposure * np.exp(0.3 * x[:, 1]))
    fit = sm.GLM(y, x, family=sm.families.Poisson(), offset=np.log(exposure)).fit(cov_type="HC0")
    mu = np.asarray(fit.mu)
    bread = np.linalg.inv(x.T @ np.diag(mu) @ x)
    expected = np.zeros((3, 3))
    for i in range(n):  # the textbook formula, one statement at a time
        h = mu[i] * x[i] @ bread @ x[i]
        expected += ((y[i] - mu[i]) / (1 - h)) ** 2 * np.outer(x[i], x[i])
    np.testing.assert_allclose(poisson_hc3(x, y, mu), bread @ expected @ bread, rtol=1e-10)
    assert np.all(np.diag(poisson_hc3(x, y, mu)) >= np.diag(np.asarray(fit.cov_params())))  # HC0 is smaller


def test_a_group_rate_carried_by_one_statement_is_not_called_a_habit():
    """20 SNP speeches at the others' rate, one of which repeats a word 27 times (Commons: 'scam')."""
    rng = np.random.default_rng(2)
    n = 300
    meta = pd.DataFrame({"statement_id": [f"s{i:03d}" for i in range(n)],
                         "party": np.where(np.arange(n) < 20, "snp", np.where(np.arange(n) % 2, "lab", "con"))})
    exposure = pd.Series(rng.integers(300, 1500, n), index=meta["statement_id"])
    word = rng.poisson(0.001 * exposure.to_numpy())
    word[0] += 27
    counts = pd.DataFrame({"fairness_vice": word}, index=meta["statement_id"])
    res = estimate_count_effects(counts, exposure=exposure, metadata=meta, formula="~ party")
    snp = res.table.query("term == 'party[T.snp]'").iloc[0]
    assert snp.rate_ratio > 2 and snp.p_adjusted > 0.05  # large in this sample, resting on one speech
    assert res.params["cov_type"] == "HC3"
