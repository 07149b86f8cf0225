"""Statement-level keyness inference, Fightin' Words, omnibus and trend tests, c-TF-IDF."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textanalytics.compare import inference, stats
from textanalytics.compare.keyness_groups import ordered_scores
from textanalytics.compare.keywords import keyness
from textanalytics.features import DocumentTermMatrix


def synthetic(rng, *, n_statements=60, n_terms=300, groups=("A", "B"), planted=(), ratio=1.0, dispersion=1.5,
              column="party"):
    """Negative-binomial statements (lengths like speeches) and labels; ``planted`` terms have
    ``ratio`` times the rate in the first group."""
    lengths = np.maximum(20, rng.lognormal(5.0, 0.8, n_statements)).astype(int)
    base = 1.0 / np.arange(1, n_terms + 1) ** 1.05
    base /= base.sum()
    labels = np.array([groups[i % len(groups)] for i in range(n_statements)], dtype=object)
    rng.shuffle(labels)
    rate = np.outer(lengths, base)
    if planted:
        boost = np.ones(n_terms)
        boost[list(planted)] = ratio
        rate[labels == groups[0]] *= boost
    gamma = rng.gamma(1.0 / dispersion, dispersion, size=rate.shape)
    counts = rng.poisson(rate * gamma)
    ids = [f"s{i:04d}" for i in range(n_statements)]
    units = pd.DataFrame({"unit_id": ids, "statement_id": ids, "paragraph": pd.array([pd.NA] * n_statements, "Int64"),
                          "n_tokens": counts.sum(axis=1)})
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(counts), vocabulary=tuple(f"t{j:04d}" for j in range(n_terms)),
                             units=units, unit="statement")
    statements = pd.DataFrame({"statement_id": ids, column: labels, "text": [""] * n_statements})
    return dtm, statements


# -- Fightin' Words against the paper's equations -------------------------------------------------


def fightin_words_oracle(y_i, y_j, alpha):
    """Monroe, Colaresi & Quinn (2008), eqs. 16 and 18-20, written out term by term."""
    n_i, n_j, a0 = sum(y_i), sum(y_j), sum(alpha)
    out = []
    for yi, yj, aw in zip(y_i, y_j, alpha):
        if yi + yj + aw == 0:              # a term with no count anywhere: undefined
            out.append(float("nan"))
            continue
        omega_i = (yi + aw) / (n_i + a0 - yi - aw)
        omega_j = (yj + aw) / (n_j + a0 - yj - aw)
        delta = math.log(omega_i) - math.log(omega_j)
        var = 1.0 / (yi + aw) + 1.0 / (yj + aw)
        out.append(delta / math.sqrt(var))
    return out


def test_fightin_words_equals_the_papers_formulas():
    rng = np.random.default_rng(3)
    y_i, y_j = rng.poisson(3, 500), rng.poisson(3, 500)
    alpha = (y_i + y_j + rng.poisson(5, 500)) * 0.7 + 0.01
    _, z = inference.fightin_words(y_i, y_j, alpha)
    np.testing.assert_allclose(z, fightin_words_oracle(y_i.tolist(), y_j.tolist(), alpha.tolist()), rtol=0, atol=1e-9)


def test_keyness_fw_z_uses_the_whole_grouping_as_prior():
    dtm, st = synthetic(np.random.default_rng(1), groups=("A", "B", "C"))
    res = keyness(dtm, corpus=st, group_by="party", target="A", reference="B")
    counts = dtm.counts.toarray()
    lab = st.set_index("statement_id").loc[dtm.units["statement_id"], "party"].to_numpy()
    y_i, y_j = counts[lab == "A"].sum(axis=0), counts[lab == "B"].sum(axis=0)
    prior = counts.sum(axis=0).astype(float)           # fw_prior = 1: each term's count over all groups
    want = dict(zip(dtm.vocabulary, fightin_words_oracle(y_i.tolist(), y_j.tolist(), prior.tolist())))
    got = res.table.set_index("term")["fw_z"]
    assert len(got) > 200
    np.testing.assert_allclose(got.to_numpy(), [want[t] for t in got.index], rtol=0, atol=1e-9)
    assert (np.sign(got) == np.sign(res.table.set_index("term")["fw_log_odds"])).all()


# -- the statement-level statistic and its permutation reference ----------------------------------


def direct_score(x, lengths, labels):
    """Robust score statistic of one term, statement by statement: U_g = Σ_{s in g} x_s - n_g r,
    Cov(U_g, U_h) = Σ_s (1[s in g] - w_g)(1[s in h] - w_h) e_s² f_s, e_s = x_s - r L_s."""
    k, s = labels.max() + 1, len(labels)
    r = x.sum() / lengths.sum()
    n = np.array([lengths[labels == g].sum() for g in range(k)])
    w = n / n.sum()
    size = np.bincount(labels, minlength=k)
    u = np.array([x[labels == g].sum() - n[g] * r for g in range(k)])
    cov = np.zeros((k, k))
    for i in range(s):
        e2 = (x[i] - r * lengths[i]) ** 2 * size[labels[i]] / (size[labels[i]] - 1)
        ind = (np.arange(k) == labels[i]).astype(float) - w
        cov += np.outer(ind, ind) * e2
    return float(u[:-1] @ np.linalg.solve(cov[:-1, :-1], u[:-1])) if cov[0, 0] > 0 else 0.0


def test_robust_score_equals_statement_by_statement_computation():
    rng = np.random.default_rng(5)
    x = rng.poisson(2, size=(12, 4)).astype(float)
    x[:, 3] = 0
    x[0, 3] = 7                                            # one bursty statement
    lengths = rng.integers(50, 300, 12).astype(float)
    for labels in (np.array([0, 1, 2] * 4), np.array([0, 1] * 6)):
        res = inference.statement_test(sp.csr_matrix(x), lengths, labels, n_permutations=1, rng=rng,
                                       method="robust_score")
        for j in range(4):
            assert res["statistic"][j] == pytest.approx(direct_score(x[:, j], lengths, labels), rel=1e-9)
    # The one-statement term: a huge residual there, so nothing like its token-level G².
    assert res["p_value"][3] > 0.05


def test_exact_permutation_enumerates_every_relabeling():
    rng = np.random.default_rng(0)
    x = rng.poisson(1.5, size=(7, 5)).astype(float)
    lengths = rng.integers(20, 80, 7).astype(float)
    labels = np.array([0, 0, 0, 1, 1, 1, 1])
    res = inference.statement_test(sp.csr_matrix(x), lengths, labels, n_permutations=1000, rng=rng)
    assert res["test"] == "exact permutation" and res["n_relabelings"] == math.comb(7, 3)
    obs = [direct_score(x[:, j], lengths, labels) if x[:, j].sum() else 0.0 for j in range(5)]
    for j in range(5):
        stats_ = []
        for combo in itertools.combinations(range(7), 3):
            lab = np.ones(7, dtype=int)
            lab[list(combo)] = 0
            stats_.append(direct_score(x[:, j], lengths, lab) if x[:, j].sum() else 0.0)
        want = np.mean(np.asarray(stats_) >= obs[j] - 1e-9 * max(1, obs[j]))
        assert res["p_value"][j] == pytest.approx(want)


def test_k_group_enumeration_counts_multinomial():
    labs, exact = inference.relabelings(np.array([0, 0, 1, 1, 2]), n_permutations=100, rng=np.random.default_rng(0))
    assert exact and len(labs) == 30 == inference.relabeling_count([2, 2, 1])
    assert len({tuple(r) for r in labs}) == 30 and all(np.bincount(r).tolist() == [2, 2, 1] for r in labs)


def test_monte_carlo_permutation_is_seeded():
    dtm, st = synthetic(np.random.default_rng(2), n_statements=40, n_terms=80)
    a = keyness(dtm, corpus=st, group_by="party", test="permutation", n_permutations=199, seed=7)
    b = keyness(dtm, corpus=st, group_by="party", test="permutation", n_permutations=199, seed=7)
    c = keyness(dtm, corpus=st, group_by="party", test="permutation", n_permutations=199, seed=8)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not a.table["p_value"].equals(c.table["p_value"])
    p = a.table["p_value"].dropna().to_numpy()
    assert np.allclose(p * 200, np.round(p * 200)) and p.min() >= 1 / 200
    assert set(a.table["test"]) == {"monte carlo permutation (B = 199)"} and a.params["seed"] == 7


# -- calibration and power (fast versions of benchmarks/validate_compare.py) ----------------------


def test_null_false_positive_rate_and_no_key_terms():
    rng = np.random.default_rng(11)
    rejected = tested = any_key = 0
    for _ in range(8):
        dtm, st = synthetic(rng, n_statements=80, n_terms=400)
        res = keyness(dtm, corpus=st, group_by="party", target="A", reference="B")
        p = res.table["p_value"].dropna()
        rejected += int((p < 0.05).sum())
        tested += len(p)
        any_key += bool(res.table["key"].any())
        # The token-level test, on the same data, rejects far more often.
    assert rejected / tested <= 0.06
    assert any_key <= 1
    tokens = res.table["p_value_tokens"]
    assert (tokens < 0.05).mean() > 2 * (res.table["p_value"].dropna() < 0.05).mean()


def test_planted_difference_is_found():
    rng = np.random.default_rng(12)
    found = []
    for _ in range(5):
        dtm, st = synthetic(rng, n_statements=400, n_terms=400, planted=range(20, 30), ratio=2.0, dispersion=0.5)
        res = keyness(dtm, corpus=st, group_by="party", target="A", reference="B")
        key = set(res.table.loc[res.table["key"] & (res.table["direction"] == "target"), "term"])
        found.append(np.mean([f"t{j:04d}" in key for j in range(20, 30)]))
    assert np.mean(found) >= 0.8


def test_a_term_from_one_statement_is_never_key():
    dtm, st = synthetic(np.random.default_rng(4), n_statements=100, n_terms=200)
    counts = dtm.counts.toarray()
    first_a = int(np.flatnonzero(st["party"].to_numpy() == "A")[0])
    counts[:, 150] = 0
    counts[first_a, 150] = 60                               # war_widow: 60 times in one speech
    units = dtm.units.assign(n_tokens=counts.sum(axis=1))
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(counts), vocabulary=dtm.vocabulary, units=units, unit="statement")
    res = keyness(dtm, corpus=st, group_by="party", target="A", reference="B")
    row = res.table.set_index("term").loc["t0150"]
    assert row["p_value_tokens"] < 1e-10 and not row["key"] and np.isnan(row["p_value"])
    assert res.shortlist(5)["term"].iloc[0] != "t0150"


# -- k groups and ordered groups ---------------------------------------------------------------------


def test_omnibus_and_trend_find_a_rising_term():
    rng = np.random.default_rng(21)
    dtm, st = synthetic(rng, n_statements=240, n_terms=300, groups=(2001, 2002, 2003, 2004))
    counts = dtm.counts.toarray()
    year = st["party"].to_numpy().astype(int)
    counts[:, 40] = rng.poisson(dtm.units["n_tokens"].to_numpy() * 0.004 * (year - 2000))  # rises by year
    units = dtm.units.assign(n_tokens=counts.sum(axis=1))
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(counts), vocabulary=dtm.vocabulary, units=units, unit="statement")
    st = st.assign(party=year)
    res = keyness(dtm, corpus=st, group_by="party")
    assert res.params["ordered_scores"] == [2001.0, 2002.0, 2003.0, 2004.0]
    trend = res.trend.set_index("term")
    assert trend.loc["t0040", "p_adjusted"] < 0.05 and trend.loc["t0040", "direction"] == "increasing"
    assert (trend["p_value"] < 0.05).mean() < 0.1
    omni = res.omnibus.set_index("term")
    assert omni.loc["t0040", "p_adjusted"] < 0.05
    assert (omni["p_value"] < 0.05).mean() < 0.1
    # BH over the family: all comparisons x tested terms of the call together.
    tested = res.table.dropna(subset=["p_value"])
    np.testing.assert_allclose(tested["p_adjusted"], stats.bh_adjust(tested["p_value"].to_numpy()))
    # With dates, years sit at their statements' mean date (as topic trends place them); the term still rises.
    day = {2001: "2001-12-31", 2002: "2002-07-02", 2003: "2003-07-02", 2004: "2004-01-01"}
    dated = keyness(dtm, corpus=st.assign(date=st["party"].map(day)), group_by="party")
    assert np.allclose(dated.params["ordered_scores"], [2001.997, 2002.5, 2003.5, 2004.0], atol=1e-3)
    assert dated.trend.set_index("term").loc["t0040", "direction"] == "increasing"


@pytest.mark.parametrize(("labels", "want"), [
    ([1990, 2000, 2010], [1990, 2000, 2010]),
    (["1990s", "2000s", "2010s"], [1990, 2000, 2010]),
    (["2017-01", "2017-02", "2018-01"], [2017, 2017 + 1 / 12, 2018]),
    (["2017-Q1", "2017-Q3", "2018-Q1"], [2017, 2017.5, 2018]),
    (["1997–2007 Blair", "1990–1997 Major", "2007–2010 Brown"], [1997, 1990, 2007]),
    (["2016", "2017", "2019"], [2016, 2017, 2019]),  # spacing kept: the same positions as topic trends
    (["Lab", "Con", "SNP"], None),
    ([2017, 2018], None),
])
def test_ordered_scores(labels, want):
    got = ordered_scores(labels)
    assert (got is None) if want is None else np.allclose(got, want)


def test_shortlist_ranks_key_terms_first():
    dtm, st = synthetic(np.random.default_rng(12), n_statements=400, n_terms=300, planted=range(20, 30), ratio=2.5,
                        dispersion=0.5)
    res = keyness(dtm, corpus=st, group_by="party", target="A", reference="B")
    short = res.shortlist(5)
    target = short[short["direction"] == "target"]
    n_key = int(target["key"].sum())
    assert n_key >= 5 and target["key"].iloc[:n_key].all()
    assert (np.diff(target["p_adjusted"].iloc[:n_key].to_numpy()) >= 0).all()


# -- c-TF-IDF ------------------------------------------------------------------------------------


def test_ctfidf_is_bertopics_formula():
    counts = np.array([[5, 1, 0, 2], [0, 3, 3, 2], [1, 0, 4, 8]], dtype=float)
    avg = counts.sum(axis=1).mean()
    want = counts / counts.sum(axis=1, keepdims=True) * np.log(1 + avg / counts.sum(axis=0))
    np.testing.assert_allclose(stats.ctfidf(sp.csr_matrix(counts)).toarray(), want, rtol=1e-12)


def test_rare_terms_get_fishers_exact_test_on_statements():
    # Hypergeometric by hand: 10 statements, 3 in group 0; the term in 2 of group 0 and 1 other.
    x = sp.csr_matrix(np.array([[1], [2], [0], [1], [0], [0], [0], [0], [0], [0]], dtype=float))
    labels = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 1])
    pmf = {j: math.comb(3, j) * math.comb(7, 3 - j) / math.comb(10, 3) for j in range(4)}
    upper, lower = pmf[2] + pmf[3], pmf[0] + pmf[1] + pmf[2]
    assert inference.presence_p(x, labels)[0] == pytest.approx(min(1.0, 2 * min(upper, lower)), rel=1e-12)
    # A small party's own word: in 4 of its 7 speeches and 3 of 493 others. A Monte Carlo
    # permutation could not go below 1 / (B + 1); the exact test can, and the term is key.
    rng = np.random.default_rng(5)
    dtm, st = synthetic(rng, n_statements=500, n_terms=300)
    labels = np.where(np.arange(500) < 7, "PC", "other")
    st = st.assign(party=labels)
    counts = dtm.counts.toarray()
    counts[:, 299] = 0
    counts[[0, 1, 2, 3, 100, 200, 300], 299] = 3
    units = dtm.units.assign(n_tokens=counts.sum(axis=1))
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(counts), vocabulary=dtm.vocabulary, units=units, unit="statement")
    res = keyness(dtm, corpus=st, group_by="party", target="PC", reference="other")
    row = res.table.set_index("term").loc["t0299"]
    assert row["test"] == "exact statement presence (fisher)" and row["p_value"] < 1e-5 and row["key"]


def test_fishers_exact_test_on_rare_null_terms_is_calibrated():
    rng = np.random.default_rng(21)
    p = []
    for _ in range(200):
        used = rng.random((300, 40)) < rng.uniform(0.002, 0.03, size=40)
        p.append(inference.presence_p(sp.csr_matrix(used.astype(float)), (np.arange(300) >= 20).astype(int)))
    p = np.concatenate(p)
    assert (p < 0.05).mean() <= 0.05 and (p < 0.01).mean() <= 0.01
