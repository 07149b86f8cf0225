"""Topic shares over every kept token: pruned terms are folded back in (textanalytics.topics.kept_tokens)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import scipy.sparse as sp

from textanalytics.features import dtm_from_texts
from textanalytics.topics import TopicConfig, fit_topic_ensemble, fit_topics, topic_differences, topic_shares
from textanalytics.topics.kept_tokens import kept_token_proportions
from textanalytics.topics.model import TopicEnsemble
from textanalytics.topics.synthetic import recovery, simulate_corpus

FAST = TopicConfig(passes=5, n_bootstrap=50, n_permutations=200)


def test_prune_keeps_the_counts_it_removes():
    dtm = dtm_from_texts(["a", "b", "c"], [["x", "y", "y", "z"], ["x", "w"], ["x", "y", "v"]])
    assert dtm.pruned is None
    once = dtm.prune(max_df=2)          # x is in all three units
    twice = once.prune(min_df=2)        # then w, v and z are in one unit each
    assert once.vocabulary == ("v", "w", "y", "z") and once.pruned.shape == (3, 1)
    assert twice.vocabulary == ("y",) and twice.pruned.shape == (3, 4)
    kept = np.asarray(twice.counts.sum(axis=1)).ravel() + np.asarray(twice.pruned.sum(axis=1)).ravel()
    assert kept.tolist() == twice.units["n_tokens"].tolist() == [4, 2, 3]
    assert dtm.prune(min_df=1).pruned is None


def test_no_pruned_token_leaves_the_engine_proportions():
    theta = np.array([[0.7, 0.3], [0.2, 0.8]])
    p, kept = kept_token_proportions(theta, np.array([5.0, 3.0]), None)
    assert np.array_equal(p, theta) and kept.tolist() == [5.0, 3.0]
    p, _ = kept_token_proportions(theta, np.array([5.0, 3.0]), sp.csr_matrix((2, 4)))
    assert np.array_equal(p, theta)


def test_a_term_every_topic_uses_alike_moves_nothing():
    """Counts proportional to unit length, whatever the unit's topics: the proportions stay."""
    rng = np.random.default_rng(2)
    theta = rng.dirichlet([0.5, 0.5, 0.5], size=30)
    n = rng.integers(10, 60, size=30).astype(float)
    pruned = sp.csr_matrix((0.2 * n)[:, None])
    p, kept = kept_token_proportions(theta, n, pruned)
    assert np.allclose(p, theta, atol=1e-3) and np.allclose(kept, 1.2 * n)


def test_a_term_seen_once_follows_its_unit_instead_of_reinforcing_its_largest_topic():
    theta = np.array([[0.6, 0.4]] * 3)
    p, _ = kept_token_proportions(theta, np.array([10.0, 10.0, 10.0]), sp.csr_matrix(np.eye(3)))
    assert np.allclose(p, p[0]) and abs(p[0, 0] - 0.6) < 0.02      # not pushed to topic 0


def test_a_term_of_one_topic_goes_to_that_topic():
    rng = np.random.default_rng(3)
    theta = rng.dirichlet([0.3, 0.3], size=200)
    n = np.full(200, 40.0)
    # A pruned term drawn from topic 0 only: expected count 8 * theta_0 per unit.
    pruned = sp.csr_matrix(rng.poisson(8 * theta[:, :1]).astype(float))
    p, kept = kept_token_proportions(theta, n, pruned)
    assert np.allclose(p.sum(axis=1), 1.0)
    truth = (n[:, None] * theta + np.c_[pruned.toarray(), np.zeros(200)]) / kept[:, None]
    assert np.abs(p - truth).mean() < 0.2 * np.abs(theta - truth).mean()


@pytest.fixture(scope="module")
def planted():
    """A planted difference in topic 0, and max_df = 0.5 pruning (which removes frequent topic words)."""
    sim = simulate_corpus(k=4, n_terms=200, n_statements=20, paragraphs=8, length=50, shift=1.0, seed=30_000)
    return sim, sim.dtm.prune(min_df=2, max_df=0.5)


def test_model_and_ensemble_carry_kept_token_proportions(planted):
    sim, dtm = planted
    ens = fit_topic_ensemble(dtm, k=4, seeds=[1, 2], config=FAST)
    ref = ens.reference
    assert ref.kept_doc_topic.shape == ref.doc_topic.shape and not ref.kept_doc_topic.flags.writeable
    assert np.allclose(ref.kept_tokens, ref.units["n_tokens"])
    assert np.allclose(ref.share, np.average(ref.kept_doc_topic, axis=0, weights=ref.kept_tokens))
    # Refits are reordered to the reference; the fold-in treats topics alike, so it follows their order.
    assert len(ref.units) == dtm.n_units
    perm = np.array([2, 0, 3, 1])
    again, _ = kept_token_proportions(ref.doc_topic[:, perm], ref.units["n_terms"].to_numpy(), dtm.pruned,
                                      eta=FAST.eta)
    assert np.allclose(again, ref.kept_doc_topic[:, perm], atol=1e-12)
    table = topic_shares(ens, corpus=sim.corpus, group_by="group", config=FAST).table
    assert table.groupby("group")["n_tokens"].first().sum() == sim.dtm.counts.sum()
    unpruned = fit_topics(sim.dtm, k=4, seed=1, config=FAST)
    assert unpruned.pruned is None and np.array_equal(unpruned.kept_doc_topic, unpruned.doc_topic)


def test_pruning_no_longer_shrinks_a_planted_difference(planted):
    """Shares over the modelled tokens only shrink the planted difference; over every kept token they do not."""
    sim, dtm = planted
    ens = fit_topic_ensemble(dtm, k=4, seeds=[1, 2], config=FAST)
    planted_topic = int(recovery(ens, sim)[0][0]) + 1
    realised = sim.realised_share("A")[0] - sim.realised_share("B")[0]
    strip = lambda m: dataclasses.replace(m, pruned=None)   # noqa: E731
    modelled = TopicEnsemble(reference=strip(ens.reference), refits=tuple(map(strip, ens.refits)),
                             alignment=ens.alignment)
    diff = {}
    for name, e in (("kept", ens), ("modelled", modelled)):
        t = topic_differences(e, corpus=sim.corpus, group_by="group", group_a="A", group_b="B", config=FAST,
                              resample_statements=False).table
        diff[name] = t[t["topic"] == planted_topic].iloc[0]
    assert abs(diff["kept"]["difference"] - realised) < 0.5 * abs(diff["modelled"]["difference"] - realised)
    assert diff["kept"]["lower"] <= realised <= diff["kept"]["upper"]
