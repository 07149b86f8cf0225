"""Folding units into fixed topics (textanalytics.topics.foldin): planted proportions, independence of blocks."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from textanalytics.errors import InputError
from textanalytics.topics.foldin import document_prior, fold_in


def _planted(seed: int = 0, *, k: int = 6, v: int = 400, n: int = 300, length: int = 250):
    rng = np.random.default_rng(seed)
    phi = rng.dirichlet(np.full(v, 0.05), k)
    theta = rng.dirichlet(np.full(k, 0.3), n)
    counts = np.array([rng.multinomial(length, theta[d] @ phi) for d in range(n)])
    return phi, theta, sp.csr_matrix(counts)


def test_planted_proportions_are_recovered():
    phi, theta, counts = _planted()
    est = fold_in(counts, phi, alpha=0.3)
    assert est.shape == theta.shape and np.allclose(est.sum(axis=1), 1.0)
    assert np.abs(est - theta).mean() < 0.02
    # Better than reading each token's most likely topic alone (the fold-in uses the unit's other tokens).
    naive = (counts @ (phi / phi.sum(axis=0)).T)
    naive = np.asarray(naive) / np.asarray(naive).sum(axis=1, keepdims=True)
    assert np.abs(est - theta).mean() < 0.5 * np.abs(naive - theta).mean()


@pytest.mark.parametrize("k", [6, 20])
def test_a_unit_depends_on_its_own_counts_only(k):
    # Exact equality whatever the blocks and the order of the units: partitions on Spark cannot change a number
    # (K = 20 also takes numpy's pairwise sums).
    phi, _, counts = _planted(1, k=k)
    alpha = np.linspace(0.1, 0.3, k)
    whole = fold_in(counts, phi, alpha=alpha)
    perm = np.random.default_rng(2).permutation(counts.shape[0])
    for block in (1, 37):
        assert (fold_in(counts[perm], phi, alpha=alpha, block=block) == whole[perm]).all()


def test_terms_no_topic_uses_and_empty_units():
    phi = np.array([[0.5, 0.5, 0.0, 0.0], [0.0, 0.5, 0.5, 0.0]])  # term 3: in no topic
    counts = sp.csr_matrix(np.array([[6, 0, 0, 0], [6, 0, 0, 50], [0, 0, 0, 0]]))
    est = fold_in(counts, phi, alpha=[0.5, 0.5])
    # Term 3's tokens follow the unit's other topics, so they do not dilute a clear unit toward uniform.
    assert est[1, 0] > 0.9 and abs(est[1, 0] - est[0, 0]) < 0.02
    assert est[2].tolist() == [0.5, 0.5]  # no tokens: the prior


def test_bad_shapes_and_priors_are_one_line_errors():
    phi = np.full((2, 3), 1 / 3)
    with pytest.raises(InputError, match="3 terms"):
        fold_in(sp.csr_matrix(np.ones((2, 4))), phi, alpha=0.1)
    with pytest.raises(InputError, match="alpha must be positive"):
        fold_in(sp.csr_matrix(np.ones((2, 3))), phi, alpha=0.0)
    with pytest.raises(InputError, match="alpha has 3 values for 2 topics"):
        fold_in(sp.csr_matrix(np.ones((2, 3))), phi, alpha=[0.1, 0.2, 0.3])
    for block in (0, 1.5):
        with pytest.raises(InputError, match="block must be a positive integer"):
            fold_in(sp.csr_matrix(np.ones((2, 3))), phi, alpha=0.1, block=block)


def test_the_units_of_a_gibbs_fit_folded_in_agree_with_the_sampler():
    # tomotopy's own proportions of its units (its last state) and the fold-in of the same units: one estimand.
    import dataclasses

    from textanalytics.topics.config import TopicConfig
    from textanalytics.topics.engines import fit_engine

    _, theta, counts = _planted(3, k=5, v=300, n=150, length=200)
    vocabulary = tuple(f"w{i}" for i in range(counts.shape[1]))
    config = dataclasses.replace(TopicConfig(), sampling_iterations=300)
    topic_term, doc_topic, info = fit_engine(counts, vocabulary=vocabulary, k=5, seed=1, config=config)
    folded = fold_in(counts, topic_term, alpha=document_prior(info, 5))
    assert np.abs(folded - doc_topic).mean() < 0.02
    # ... and shares of a group of units (what the report compares) agree closer still.
    assert np.abs(folded[:50].mean(axis=0) - doc_topic[:50].mean(axis=0)).max() < 0.01
