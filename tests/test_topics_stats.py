"""Topic statistics on hand-computable examples (textanalytics.topics.stats)."""

from __future__ import annotations

import numpy as np
import pytest

from textanalytics.topics import stats

PHI = np.array([
    [0.5, 0.3, 0.2],
    [0.1, 0.3, 0.6],
])


def test_relevance_matches_formula_and_limits():
    pw = np.array([0.3, 0.3, 0.4])
    r = stats.relevance(PHI, pw, lambda_=0.6)
    # By hand: 0.6 * log 0.5 + 0.4 * log(0.5 / 0.3)
    assert r[0, 0] == pytest.approx(0.6 * np.log(0.5) + 0.4 * np.log(0.5 / 0.3))
    # λ = 1: log probability; λ = 0: log lift.
    assert np.allclose(stats.relevance(PHI, pw, lambda_=1.0), np.log(PHI))
    assert np.allclose(stats.relevance(PHI, pw, lambda_=0.0), np.log(PHI / pw))


def test_relevance_ranks_exclusive_term_above_common_one():
    # Term 0 is frequent everywhere; term 1 is rarer but typical of topic 0.
    phi = np.array([[0.40, 0.35, 0.25], [0.60, 0.05, 0.35]])
    pw = np.array([0.5, 0.2, 0.3])
    by_prob = stats.top_term_indices(phi, 3)[0]
    by_rel = stats.top_term_indices(stats.relevance(phi, pw, lambda_=0.3), 3)[0]
    assert by_prob[0] == 0 and by_rel[0] == 1


def test_frex_hand_example():
    # Topic 0: frequency ranks (ECDF) of 0.5, 0.3, 0.2 -> 3/3, 2/3, 1/3.
    # Exclusivity φ_kw / Σ_j φ_jw: 0.5/0.6, 0.3/0.6, 0.2/0.8 -> ranks 3/3, 2/3, 1/3.
    f = stats.frex(PHI, w=0.5)
    assert f[0] == pytest.approx([1.0, 2 / 3, 1 / 3])
    # Topic 1: frequency ECDF of 0.1, 0.3, 0.6 -> 1/3, 2/3, 1; exclusivity 1/6, 1/2, 3/4 -> 1/3, 2/3, 1.
    assert f[1] == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_frex_weighted_harmonic_mean_with_ties():
    phi = np.array([[0.4, 0.4, 0.2], [0.2, 0.2, 0.6]])
    # Topic 0 frequency ECDF with average ranks: 2.5/3, 2.5/3, 1/3.
    # Exclusivity: 0.4/0.6, 0.4/0.6, 0.2/0.8 -> the same ranks.
    w = 0.3
    f = stats.frex(phi, w=w)
    q, e = 2.5 / 3, 2.5 / 3
    assert f[0, 0] == pytest.approx(1.0 / (w / q + (1 - w) / e))
    assert f[0, 2] == pytest.approx(1 / 3)


# ---- stm's calcfrex, ported line by line (bstewart/stm R/STMfunctions.R), as the oracle ----
def _js_estimate_stm(prob, ct):
    prob = np.asarray(prob, float)
    k = prob.size
    unif = np.full(k, 1.0 / k)
    if ct <= 1:
        return unif
    mlvar = prob * (1 - prob) / (ct - 1)
    deviation = np.sum((prob - unif) ** 2)
    if deviation == 0:
        return prob
    lam = mlvar.sum() / deviation
    if np.isnan(lam):
        return unif
    lam = min(max(lam, 0.0), 1.0)
    return lam * unif + (1 - lam) * prob


def _calcfrex_scores_stm(logbeta, w=0.5, wordcounts=None):
    from scipy.special import logsumexp
    from scipy.stats import rankdata

    logbeta = np.asarray(logbeta, float)
    v = logbeta.shape[1]
    excl = logbeta - logsumexp(logbeta, axis=0, keepdims=True)
    if wordcounts is not None:
        p = np.exp(excl)
        shr = np.column_stack([_js_estimate_stm(p[:, j], wordcounts[j]) for j in range(v)])
        with np.errstate(divide="ignore"):
            excl = np.maximum(np.log(shr), -1000.0)
    freq = rankdata(logbeta, axis=1) / v
    ex = rankdata(excl, axis=1) / v
    return 1.0 / (w / freq + (1 - w) / ex)


# The research memo's 3 topics x 5 words (row 3 has a tie between words 2 and 4).
COUNTS = np.array([[19, 20, 30, 38, 2], [6, 33, 37, 10, 13], [34, 17, 11, 33, 11]], float)
BETA = COUNTS / COUNTS.sum(1, keepdims=True)


@pytest.mark.parametrize("w, scores, order", [
    (0.5, [[.48, .48, .8, 1., .2], [.2, .6857, .8889, .4, .75], [1., .48, .24, .6857, .4364]],
     [[3, 2, 0, 1, 4], [2, 4, 1, 3, 0], [0, 3, 1, 4, 2]]),
    (0.3, [[.5217, .4444, .8, 1., .2], [.2, .6486, .8511, .4, .8333], [1., .4444, .2222, .6486, .5333]],
     [[3, 2, 0, 1, 4], [2, 4, 1, 3, 0], [0, 3, 4, 1, 2]]),
    (0.7, [[.4444, .5217, .8, 1., .2], [.2, .7273, .9302, .4, .6818], [1., .5217, .2609, .7273, .3692]],
     [[3, 2, 1, 0, 4], [2, 1, 4, 3, 0], [0, 3, 1, 4, 2]]),
])
def test_frex_equals_stm_calcfrex(w, scores, order):
    """w weighs frequency, as in stm: w = .3 favours the rare but exclusive word 4 in topic 2."""
    ours = stats.frex(BETA, w=w)
    assert np.allclose(ours, _calcfrex_scores_stm(np.log(BETA), w))
    assert np.allclose(ours, scores, atol=5e-5)
    assert stats.top_term_indices(ours, 5).tolist() == order


def test_frex_with_wordcounts_equals_labeltopics_shrinkage():
    wc = np.array([40, 3, 60, 1, 12])
    ours = stats.frex(BETA, w=0.5, wordcounts=wc)
    assert np.allclose(ours, _calcfrex_scores_stm(np.log(BETA), 0.5, wc))
    assert np.allclose(ours, [[.4, .6462, .8889, .8235, .2], [.2, .6154, 1., .4444, .6857],
                              [1., .5455, .24, .6154, .4364]], atol=5e-5)
    assert stats.top_term_indices(ours, 5).tolist() == [[2, 3, 1, 0, 4], [2, 4, 1, 3, 0], [0, 3, 1, 4, 2]]
    # Random topics and counts, including terms seen 0 or 1 times and exact ties.
    rng = np.random.default_rng(5)
    beta = rng.dirichlet(np.full(60, 0.2), size=6)
    beta[:, 7] = beta[:, 8]
    counts = rng.integers(0, 40, size=60)
    counts[:3] = [0, 1, 2]
    for w in (0.2, 0.5, 0.9):
        assert np.allclose(stats.frex(beta, w=w, wordcounts=counts),
                           _calcfrex_scores_stm(np.log(beta), w, counts))


def test_js_estimate_matches_stm_column_by_column():
    p = BETA / BETA.sum(0, keepdims=True)
    wc = np.array([40, 3, 60, 1, 12])
    expected = np.column_stack([_js_estimate_stm(p[:, j], wc[j]) for j in range(5)])
    assert np.allclose(stats.js_estimate(p, wc), expected)
    assert np.allclose(stats.js_estimate(p, wc)[:, [1, 3]], 1 / 3)    # ct = 3 (λ clipped to 1), ct = 1
    flat = np.full((3, 1), 1 / 3)
    assert np.allclose(stats.js_estimate(flat, np.array([50])), flat)   # deviation 0: unchanged


def test_frex_old_weight_keyword_meant_exclusivity():
    """The old ``weight=`` put its weight on exclusivity: weight=.7 is stm's calcfrex(w=.3)."""
    with pytest.warns(DeprecationWarning, match="exclusivity"):
        old = stats.frex(BETA, weight=0.7)
    assert np.allclose(old, _calcfrex_scores_stm(np.log(BETA), 0.3))


def test_lift_and_score_match_stm():
    wc = np.array([40, 3, 60, 1, 12])
    lift = stats.lift(BETA, wc)
    assert np.allclose(lift, np.log(BETA) - np.log(wc / wc.sum()))
    score = stats.term_score(BETA)
    logb = np.log(BETA)
    assert np.allclose(score, BETA * (logb - logb.mean(axis=0)))
    # The lda package's top.topic.words score ranks topic 0's word 3 first (0.35 there, 0.10 and 0.31 elsewhere).
    assert stats.top_term_indices(score, 1)[:, 0].tolist() == [3, 2, 0]


def test_jaccard_matrix_hand_example():
    a = np.array([[0, 1, 2, 3], [4, 5, 6, 7]])
    b = np.array([[4, 5, 6, 8], [0, 1, 2, 3]])
    jac = stats.jaccard_matrix(a, b)
    assert jac[0, 1] == pytest.approx(1.0)
    assert jac[1, 0] == pytest.approx(3 / 5)    # {4,5,6} of {4,5,6,7,8}
    assert jac[0, 0] == pytest.approx(0.0)


def test_agreement_matches_permuted_topics_one_to_one():
    rng = np.random.default_rng(3)
    phi = rng.dirichlet(np.full(40, 0.1), size=4)
    perm = np.array([2, 0, 3, 1])
    match, jac = stats.agreement(phi, phi[perm], top_n=5)
    # Topic i of a is topic match[i] of b.
    assert np.array_equal(perm[match], np.arange(4))
    assert np.allclose(jac, 1.0)


def test_agreement_hand_example_partial_overlap():
    # V = 6, top-2 terms: a = {0,1}, {2,3}; b = {2,4}, {0,1}.
    a = np.array([[.4, .3, .1, .1, .05, .05], [.05, .05, .4, .3, .1, .1]])
    b = np.array([[.05, .05, .4, .1, .3, .1], [.4, .3, .1, .1, .05, .05]])
    match, jac = stats.agreement(a, b, top_n=2)
    assert match.tolist() == [1, 0]
    assert jac == pytest.approx([1.0, 1 / 3])


def test_top_term_ties_go_to_earlier_column():
    scores = np.array([[0.2, 0.4, 0.4, 0.0]])
    assert stats.top_term_indices(scores, 3).tolist() == [[1, 2, 0]]


def test_topic_share_weights_by_length():
    theta = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert stats.topic_share(theta, np.array([3, 1])) == pytest.approx([0.75, 0.25])
