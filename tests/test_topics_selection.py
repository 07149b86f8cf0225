"""Choosing K: stm's searchK metrics against the research memo's oracles (ports of stm's R code,
issue 14 notes §0-§3, §7), the held-out split, the stability baseline and the K rule."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from scipy.special import logsumexp
from scipy.stats import rankdata

from textanalytics.errors import InputError
from textanalytics.topics import selection as sel
from textanalytics.topics import selection_metrics as metrics
from textanalytics.topics import selection_rule as rule
from textanalytics.topics.heldout import eval_heldout, make_heldout

COUNTS = np.array([[19, 20, 30, 38, 2], [6, 33, 37, 10, 13], [34, 17, 11, 33, 11]], float)
BETA = COUNTS / COUNTS.sum(1, keepdims=True)
DTM = np.array([[2, 1, 0, 1, 0], [1, 0, 1, 0, 0], [0, 3, 1, 1, 0], [0, 1, 1, 0, 1], [1, 0, 0, 2, 0],
                [0, 1, 1, 0, 0]])


# ---------------------------------------------------------------- reference ports (the memo's §0, verbatim logic)
def exclusivity_port(logbeta, M=10, frexw=0.7):
    beta = np.exp(np.asarray(logbeta, float))
    K, V = beta.shape
    mat = beta / beta.sum(axis=0, keepdims=True)
    ex = rankdata(mat, axis=1) / V
    fr = rankdata(beta, axis=1) / V
    frex = 1.0 / (frexw / ex + (1 - frexw) / fr)
    idx = np.argsort(-beta, axis=1, kind="stable")[:, :M]
    return np.take_along_axis(frex, idx, axis=1).sum(axis=1)


def semantic_coherence_port(logbeta, dtm, M=10):
    logbeta = np.asarray(logbeta, float)
    K, V = logbeta.shape
    top = np.argsort(-logbeta, axis=1, kind="stable")[:, :M]
    flat = top.ravel()
    _, first = np.unique(flat, return_index=True)
    wordlist = flat[np.sort(first)]
    pos = {int(w): i for i, w in enumerate(wordlist)}
    X = np.minimum(np.asarray(dtm, float)[:, wordlist], 1.0)
    cross = X.T @ X
    out = np.zeros(K)
    for k in range(K):
        lab = [pos[int(w)] for w in top[k]]
        s = 0.0
        for m in lab:
            for l in lab:
                if m > l:
                    s += np.log(0.01 + cross[m, l]) - np.log(cross[l, l] + 0.01)
        out[k] = s
    return out


def eval_heldout_port(theta, beta, index, docs):
    per = []
    for d, (ids, cts) in zip(index, docs):
        probs = theta[d] @ beta[:, ids]
        per.append(np.sum(np.asarray(cts) * np.log(probs)) / np.sum(cts))
    per = np.array(per)
    return np.nanmean(per), per


# ---------------------------------------------------------------- metrics vs oracles
def test_exclusivity_matches_stm_oracle_and_port():
    assert np.allclose(metrics.exclusivity(BETA, top_n=3), [2.2444, 2.3330, 2.0931], atol=5e-5)
    assert np.isclose(metrics.exclusivity(BETA, top_n=3).mean(), 2.22353, atol=5e-5)
    assert np.allclose(metrics.exclusivity(BETA, top_n=5), [2.9662, 2.9330, 2.8486], atol=5e-5)
    rng = np.random.default_rng(3)
    phi = rng.dirichlet(np.full(40, 0.1), size=6)
    for m, w in [(10, 0.7), (5, 0.5), (20, 0.3)]:
        assert np.allclose(metrics.exclusivity(phi, top_n=m, weight=w), exclusivity_port(np.log(phi), m, w))


def test_semantic_coherence_matches_stm_oracle_with_its_pair_order():
    got = metrics.semantic_coherence(BETA, sp.csr_matrix(DTM), top_n=3)
    assert np.allclose(got, [-1.7826, -3.0445, -2.1865], atol=5e-5)  # not Mimno's rank order: -1.8996
    rng = np.random.default_rng(4)
    phi = rng.dirichlet(np.full(30, 0.2), size=5)
    dtm = rng.poisson(0.4, size=(50, 30))
    dtm[:, dtm.sum(0) == 0] = 1
    assert np.allclose(metrics.semantic_coherence(phi, sp.csr_matrix(dtm), top_n=8),
                       semantic_coherence_port(np.log(phi), dtm, 8))


def test_eval_heldout_matches_stm_oracle():
    theta = np.array([[.7, .2, .1], [.1, .1, .8]])
    missing = sp.csr_matrix(np.array([[2, 0, 1, 0, 0], [0, 0, 0, 0, 3]], float))
    expected, pooled, per_doc = eval_heldout(theta, BETA, np.array([0, 1]), missing)
    assert np.isclose(expected, -1.97311, atol=5e-6)
    assert np.allclose(per_doc, [-1.62328, -2.32294], atol=5e-6)
    assert np.isclose(pooled, (3 * per_doc[0] + 3 * per_doc[1]) / 6)
    port, _ = eval_heldout_port(theta, BETA, [0, 1], [([0, 2], [2, 1]), ([4], [3])])
    assert np.isclose(expected, port)


# ---------------------------------------------------------------- held-out split
def _docs(seed=0, n=20, v=12):
    rng = np.random.default_rng(seed)
    m = rng.poisson(1.2, size=(n, v)).astype(float)
    m[np.arange(n), rng.integers(0, v, n)] += 1  # no empty row
    return sp.csr_matrix(m)


def test_make_heldout_properties_and_determinism():
    counts = _docs()
    split = make_heldout(counts, seed=7)
    assert split.n_docs == 2 == len(split.rows)  # floor(0.1 * 20)
    # Tokens are conserved between the two halves, and half of each document is held out.
    assert split.n_dropped_tokens == 0
    assert split.train.sum() + split.missing.sum() == counts.sum()
    lengths = np.asarray(counts.sum(1)).ravel()
    assert np.array_equal(np.asarray(split.missing.sum(1)).ravel(), np.floor(lengths[split.rows] / 2))
    full = split.train.toarray()
    full[split.rows] += split.missing.toarray()
    assert np.array_equal(full, counts.toarray())
    again = make_heldout(counts, seed=7)
    assert np.array_equal(again.rows, split.rows)
    assert (again.missing != split.missing).nnz == 0 and (again.train != split.train).nnz == 0
    other = make_heldout(counts, seed=8)
    assert not ((other.missing.shape == split.missing.shape) and (other.missing != split.missing).nnz == 0
                and np.array_equal(other.rows, split.rows))


def test_make_heldout_skips_one_term_documents_and_drops_terms_left_unseen():
    # Document 0 is the only one with term 3; holding out its tokens of term 3 drops them.
    m = np.array([[1, 0, 0, 5], [2, 2, 0, 0], [1, 1, 1, 0], [0, 0, 4, 0]], float)
    split = make_heldout(sp.csr_matrix(m), n_docs=4, proportion=0.5, seed=0)
    assert 3 not in split.rows  # one distinct term: skipped
    assert split.train[3].toarray().tolist() == [[0, 0, 4, 0]]
    held = int(split.missing.sum()) + split.n_dropped_tokens
    assert held == 3 + 2 + 1  # floor(L / 2) of documents 0, 1, 2
    assert set(np.flatnonzero(split.missing.sum(0))) <= set(split.columns)
    with pytest.raises(InputError):
        make_heldout(sp.csr_matrix(m), proportion=1.0)


# ---------------------------------------------------------------- stability and its baseline
def test_average_jaccard_and_matched_agreement_oracles():
    assert metrics.average_jaccard(list("abcd"), list("bade")) == pytest.approx(0.525)
    terms = {t: i for i, t in enumerate("abcdefg")}
    s0 = np.array([[terms[t] for t in "abc"], [terms[t] for t in "def"]])
    s1 = np.array([[terms[t] for t in "dfg"], [terms[t] for t in "acb"]])
    aj = metrics.similarity_matrix(s0, s1, measure="average_jaccard")
    assert np.allclose(aj, [[0, 7 / 9], [11 / 18, 0]])
    # As topic_term rows: a ranking is recovered from decreasing weights.
    phi0, phi1 = np.zeros((2, 7)), np.zeros((2, 7))
    for phi, s in ((phi0, s0), (phi1, s1)):
        for k, row in enumerate(s):
            phi[k, row] = [0.5, 0.3, 0.2]
    agree = metrics.topic_agreement(phi0, phi1, top_n=3, measure="average_jaccard")
    assert agree.mean() == pytest.approx(0.69444, abs=5e-6)
    assert metrics.topic_agreement(phi0, phi1, top_n=3).mean() == pytest.approx((1 + 2 / 4) / 2)  # sets


def test_expected_jaccard_closed_form_and_monte_carlo_baseline():
    assert metrics.expected_jaccard(20, 2) == pytest.approx(13 / 190)
    assert metrics.expected_jaccard(200, 10) == pytest.approx(0.02692, abs=5e-5)
    assert metrics.expected_average_jaccard(200, 10) == pytest.approx(0.01549, abs=5e-5)
    mean2, q2 = metrics.matched_null(200, top_n=10, k=2, reps=400, seed=1)
    mean10, q10 = metrics.matched_null(200, top_n=10, k=10, reps=400, seed=1)
    assert mean2 >= metrics.expected_jaccard(200, 10) and q2 >= mean2
    assert mean10 > mean2  # more topics, more chances to match
    assert metrics.matched_null(200, top_n=10, k=5, reps=50, seed=[3, 5]) == metrics.matched_null(
        200, top_n=10, k=5, reps=50, seed=[3, 5])
    # The pool null (terms topics actually use) is far stricter than the whole vocabulary.
    assert metrics.matched_null(np.arange(30), top_n=10, k=2, reps=200, seed=1)[0] > 0.2


def test_subsample_rows_are_seeded_and_without_replacement():
    rows = metrics.subsample_rows(50, 0.8, [1, 2])
    assert len(rows) == 40 == len(set(rows)) and np.all(np.diff(rows) > 0)
    assert np.array_equal(rows, metrics.subsample_rows(50, 0.8, [1, 2]))
    assert not np.array_equal(rows, metrics.subsample_rows(50, 0.8, [1, 3]))


# ---------------------------------------------------------------- the grid
def test_default_grid_scales_with_the_corpus_and_extends_upward():
    assert rule.default_k_grid(230) == (2, 3, 4, 5, 6, 7, 8, 10, 12)
    assert rule.default_k_grid(1000)[-1] == 20 and rule.default_k_grid(3788)[-1] == 30
    assert rule.default_k_grid(5)[-1] == 6  # never below 6
    sizes = [rule.default_k_grid(n)[-1] for n in (100, 1000, 10_000, 100_000)]
    assert sizes == sorted(sizes)
    assert rule.extend_k_grid((2, 3, 4, 5, 6, 7, 8, 10, 12)) == (14, 16)
    assert rule.extend_k_grid((5, 30)) == (35, 40)


# ---------------------------------------------------------------- the rule
MEMO = dict(k=[2, 3, 4, 5, 6, 7, 8], heldout=[-6.90, -6.80, -6.74, -6.71, -6.70, -6.695, -6.69],
            heldout_se=[.02] * 7, coherence=[-60, -65, -70, -74, -80, -85, -90],
            exclusivity=[7.0, 7.8, 8.4, 8.8, 9.1, 9.3, 9.4], stability=[.62, .55, .47, .40, .31, .25, .21],
            baseline=[.17, .17, .17, .18, .19, .17, .16])


def test_gated_frontier_reproduces_the_memo_oracle():
    res = rule.gated_frontier(**MEMO)  # no stability standard errors: the memo's rule, without the cap
    assert res["k"] == 5 and not res["fallback"]
    k = np.array(MEMO["k"])
    assert k[res["stable"]].tolist() == [2, 3, 4, 5, 6]
    assert res["best_heldout_k"] == 6 and res["k_1se"] == 5
    assert k[res["frontier"]].tolist() == [5, 6] and res["k_cap"] is None
    assert res["score"][3] == pytest.approx(0.1687, abs=5e-5) and res["score"][4] == pytest.approx(-0.2955, abs=5e-5)
    fallback = rule.gated_frontier(**{**MEMO, "baseline": [.60] * 7})
    assert fallback["k"] == 2 and fallback["fallback"]


def _table(stability, heldout, coherence, exclusivity, se=0.02):
    k = [2, 3, 4, 5, 6, 7, 8, 10, 12]
    return dict(k=k, heldout=heldout, heldout_se=[se] * len(k), coherence=coherence, exclusivity=exclusivity,
                stability=stability, baseline=[.30, .25, .22, .20, .18, .16, .15, .13, .12],
                stability_se=[.02] * len(k))


def test_rule_picks_the_interior_optimum_not_the_edges():
    # Planted-corpus shape: fit improves up to K = 6 then flattens, stability peaks at 6, exclusivity saturates.
    # Coherence says nothing (as c_npmi on simulated text, whose word order is random).
    t = _table(stability=[.55, .58, .65, .75, .90, .70, .60, .55, .50],
               heldout=[-6.0, -5.8, -5.6, -5.45, -5.35, -5.34, -5.34, -5.35, -5.36],
               coherence=[-.41] * 9, exclusivity=[8.0, 8.8, 9.1, 9.3, 9.40, 9.42, 9.44, 9.46, 9.50])
    res = rule.gated_frontier(**t)
    assert res["k"] == 6 and res["k_1se"] == 6 and res["k_cap"] == 6 and res["most_stable_k"] == 6
    # Without the cap exclusivity (still growing) would drag the choice to the top of the grid.
    assert rule.gated_frontier(**{**t, "stability_se": None})["k"] == 12


def test_rule_does_not_drift_down_when_small_k_is_most_stable():
    # Real-corpus shape: stability highest at K = 2 in absolute terms, flat relative to chance; held-out
    # likelihood falls with K (short documents); coherence falls, exclusivity rises.
    t = _table(stability=[.64, .59, .47, .43, .39, .39, .36, .36, .34],
               heldout=[-7.42, -7.52, -7.59, -7.65, -7.68, -7.73, -7.77, -7.84, -7.89],
               coherence=[.014, .015, .019, .012, .013, .002, .011, .004, .000],
               exclusivity=[6.3, 7.2, 7.6, 7.9, 8.1, 8.3, 8.5, 8.7, 8.9], se=0.09)
    res = rule.gated_frontier(**t)
    assert res["k"] not in (2, 12) and res["k_cap"] == 12
    # ... and with fit improving with K (long documents) it does not drift up to the edge either.
    t["heldout"] = [-8.66, -8.59, -8.55, -8.50, -8.47, -8.42, -8.37, -8.36, -8.35]
    t["coherence"] = [.004, -.006, .013, .020, .043, .038, .053, .059, .040]
    assert rule.gated_frontier(**{**t, "heldout_se": [.03] * 9})["k"] == 10


def test_rule_without_heldout_or_stability():
    t = _table(stability=[.55, .58, .65, .75, .90, .70, .60, .55, .50], heldout=[np.nan] * 9,
               coherence=[-.40, -.41, -.40, -.41, -.40, -.42, -.41, -.42, -.43],
               exclusivity=[8.0, 8.8, 9.1, 9.3, 9.40, 9.42, 9.44, 9.46, 9.50])
    res = rule.gated_frontier(**t)  # NMF: no likelihood, the fit gate is skipped
    assert res["k_1se"] is None and res["k"] == 6
    res = rule.gated_frontier(**{**t, "stability": [np.nan] * 9, "stability_se": [np.nan] * 9})
    assert res["stable"].all() and res["k"] in t["k"]


def test_reason_names_the_winner_and_flags_an_edge():
    t = _table(stability=[.55, .58, .65, .75, .90, .70, .60, .55, .50],
               heldout=[-6.0, -5.8, -5.6, -5.45, -5.35, -5.34, -5.34, -5.35, -5.36],
               coherence=[-.40, -.41, -.40, -.41, -.40, -.42, -.41, -.42, -.43],
               exclusivity=[8.0, 8.8, 9.1, 9.3, 9.40, 9.42, 9.44, 9.46, 9.50])
    summary = pd.DataFrame({"k": t["k"], "heldout": t["heldout"], "c_npmi": t["coherence"],
                            "exclusivity": t["exclusivity"], "stability": t["stability"], "baseline": t["baseline"]})
    summary["excess"] = summary["stability"] - summary["baseline"]
    res = rule.gated_frontier(**t)
    for key in ("stable", "frontier"):
        summary[key] = res[key]
    cfg = sel.TopicConfig()
    text = sel._reason(summary, res, config=cfg, extended=[], fixed=False)
    assert text.startswith("K=6 chosen") and "within one standard error" in text and "Caution" not in text
    edge = sel._reason(summary, {**res, "k": 12}, config=cfg, extended=[14, 16], fixed=False)
    assert "extended once (K = 14, 16)" in edge and "K=12 is the largest K searched" in edge


def test_stability_cap_stops_at_the_most_stable_k():
    # The search table (K >= 8) of a planted corpus with 15 topics (benchmarks/validate_topics.py, true K = 15,
    # corpus 2, tomotopy): stability relative to chance peaks at K = 16. A cap reaching one standard error above
    # K° (the rule before 2026-12) let exclusivity, which keeps growing, carry the choice to K = 18.
    t = dict(k=[8, 10, 12, 14, 16, 18, 20, 23],
             heldout=[-6.1619, -6.1072, -6.0455, -5.9953, -5.9674, -5.9678, -5.9675, -5.9713],
             heldout_se=[0.0248, 0.025, 0.0279, 0.0301, 0.031, 0.0314, 0.0311, 0.0311],
             coherence=[-0.4549, -0.4679, -0.4635, -0.4591, -0.4608, -0.4527, -0.4477, -0.4472],
             exclusivity=[9.6668, 9.7174, 9.7621, 9.7962, 9.8401, 9.8607, 9.826, 9.8614],
             stability=[0.3449, 0.4039, 0.574, 0.7514, 0.801, 0.7382, 0.6743, 0.5752],
             stability_se=np.array([0.0681, 0.0324, 0.0562, 0.0329, 0.0429, 0.0126, 0.0081, 0.0056]) / 2,
             baseline=[0.1072, 0.1077, 0.0998, 0.1107, 0.0959, 0.0902, 0.0872, 0.0802])
    res = rule.gated_frontier(**t)
    assert res["most_stable_k"] == 16 and res["k_cap"] == 16 and abs(res["k"] - 15) <= 2
    old = rule.gated_frontier(**t, cap_tolerance=1.0)
    assert old["k_cap"] == 18 and old["k"] == 18


def test_fit_balance_scores_average_to_the_rules_score():
    # The frontier's score is affine in coherence and exclusivity, so the mean of a K's fit scores is its score.
    rng = np.random.default_rng(3)
    k = np.repeat([2, 3, 4, 5], 5)
    fit_c, fit_x = rng.normal(0.05, 0.02, len(k)), rng.normal(9.0, 0.3, len(k)) + k / 10
    c = pd.Series(fit_c).groupby(k).mean().to_numpy()
    x = pd.Series(fit_x).groupby(k).mean().to_numpy()
    stable = np.array([True, True, False, True])
    fits = rule.balance_scores(c, x, stable, fit_coherence=fit_c, fit_exclusivity=fit_x)
    res = rule.gated_frontier([2, 3, 4, 5], [np.nan] * 4, [np.nan] * 4, c, x, [.6, .6, .1, .6], [.2] * 4)
    np.testing.assert_allclose(pd.Series(fits).groupby(k).mean().to_numpy(), res["score"])


def test_reason_says_when_the_fits_do_not_separate_the_frontier():
    summary = pd.DataFrame({"k": [6, 8, 10], "heldout": [-7.3] * 3, "c_npmi": [0.010, 0.013, 0.012],
                            "exclusivity": [9.2, 9.5, 9.6], "stability": [.4] * 3, "baseline": [.1] * 3,
                            "stable": True, "frontier": [False, True, True], "score": [-1.0, 0.6, 0.4]})
    summary["excess"] = summary["stability"] - summary["baseline"]
    # Fit r of every K (same rows, same seed): K = 10 trails K = 8 by 0.2 on average, fit by fit.
    noisy = pd.DataFrame([[-1.0, -1.2, -0.8, -1.1, -0.9], [0.6, 1.4, -0.2, 0.9, 0.3], [0.4, 0.5, 0.6, 0.1, 0.4]],
                         index=[6, 8, 10])
    res = {"k": 8, "fallback": False, "k_1se": None, "k_cap": None, "fit_scores": noisy}
    cfg = sel.TopicConfig()
    text = sel._reason(summary, res, config=cfg, extended=[], fixed=False)
    assert "K = 10 is within one standard error of that balance" in text and "K = 6" not in text.split("but")[-1]
    # The same gap with fits that agree (paired differences 0.2 each time), or a single fit per K: no sentence.
    firm = pd.DataFrame([[-1.0] * 5, [0.6] * 5, [0.4] * 5], index=[6, 8, 10]) + np.linspace(0, 0.4, 5)
    for scores in (firm, noisy.iloc[:, :1], None):
        assert "of that balance" not in sel._reason(summary, {**res, "fit_scores": scores}, config=cfg,
                                                    extended=[], fixed=False)
