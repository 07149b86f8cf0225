"""Validity on corpora generated from known topics (fast versions of benchmarks/validate_topics.py)."""

from __future__ import annotations

from textanalytics.topics import TopicConfig, fit_topic_ensemble, fit_topics, topic_differences, topic_shares
from textanalytics.topics.synthetic import recovery, simulate_corpus


def test_planted_topics_are_recovered():
    """K = 5, V = 500, 300 documents of 100 words: matched cosine >= 0.9."""
    sim = simulate_corpus(k=5, n_terms=500, n_statements=30, paragraphs=10, length=100, seed=42)
    model = fit_topics(sim.dtm, k=5, seed=1)
    _, cosine = recovery(model, sim)
    assert cosine.mean() >= 0.9, cosine


def test_planted_difference_is_detected():
    sim = simulate_corpus(k=4, n_terms=200, n_statements=16, paragraphs=8, length=50, shift=3.0,
                          shift_topic=0, seed=3)
    ens = fit_topic_ensemble(sim.dtm, k=4, seeds=[1, 2], config=TopicConfig(n_bootstrap=100))
    match, cosine = recovery(ens, sim)
    assert cosine.min() > 0.8
    planted = int(match[0]) + 1
    diff = topic_differences(ens, corpus=sim.corpus, group_by="group", group_a="A", group_b="B",
                             config=TopicConfig(n_bootstrap=100, n_permutations=999)).table
    row = diff[diff["topic"] == planted].iloc[0]
    assert row["lower"] > 0 and row["p_value"] < 0.05
    assert row["test"] == "monte carlo" and row["n_a"] == row["n_b"] == 8
    # The estimated group shares track the planted ones.
    shares = topic_shares(ens, corpus=sim.corpus, group_by="group", config=TopicConfig(n_bootstrap=50)).table
    est = shares[shares["topic"] == planted].set_index("group")["share"]
    truth_a = sim.statement_topic[0::2, 0].mean()
    truth_b = sim.statement_topic[1::2, 0].mean()
    assert abs(est["A"] - truth_a) < 0.1 and abs(est["B"] - truth_b) < 0.1
