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
    f = stats.frex(PHI, weight=0.5)
    assert f[0] == pytest.approx([1.0, 2 / 3, 1 / 3])
    # Topic 1: frequency ECDF of 0.1, 0.3, 0.6 -> 1/3, 2/3, 1; exclusivity 1/6, 1/2, 3/4 -> 1/3, 2/3, 1.
    assert f[1] == pytest.approx([1 / 3, 2 / 3, 1.0])


def test_frex_weighted_harmonic_mean_with_ties():
    phi = np.array([[0.4, 0.4, 0.2], [0.2, 0.2, 0.6]])
    # Topic 0 frequency ECDF with average ranks: 2.5/3, 2.5/3, 1/3.
    # Exclusivity: 0.4/0.6, 0.4/0.6, 0.2/0.8 -> the same ranks.
    w = 0.3
    f = stats.frex(phi, weight=w)
    e, q = 2.5 / 3, 2.5 / 3
    assert f[0, 0] == pytest.approx(1.0 / (w / e + (1 - w) / q))
    assert f[0, 2] == pytest.approx(1 / 3)


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
