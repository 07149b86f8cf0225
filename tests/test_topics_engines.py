"""Engines: "vb" reproduces stock gensim wherever gensim does not skip its alpha step; every engine is deterministic."""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textanalytics.errors import InputError
from textanalytics.topics.config import TopicConfig
from textanalytics.topics.engines import fit_engine
from textanalytics.topics.engines_gensim import vectorised_lda_class


def _counts(seed: int = 0, n: int = 60, v: int = 40) -> sp.csr_matrix:
    rng = np.random.default_rng(seed)
    dense = rng.poisson(0.4, size=(n, v))
    dense[:, 0] += 1  # no empty rows
    return sp.csr_matrix(dense.astype(np.float64))


@pytest.mark.parametrize("kwargs", [
    {"alpha": "auto", "eta": 0.01, "passes": 4},
    {"alpha": "symmetric", "eta": None, "passes": 3, "chunksize": 17},
    {"alpha": "asymmetric", "eta": "auto", "passes": 2, "update_every": 0, "decay": 0.0},
])
def test_vectorised_estep_equals_gensim(kwargs):
    from gensim.models import LdaModel

    x = _counts()
    bows = [list(zip(x.indices[a:b].tolist(), x.data[a:b].tolist())) for a, b in zip(x.indptr[:-1], x.indptr[1:])]
    common = dict(num_topics=4, id2word={j: f"t{j}" for j in range(x.shape[1])}, random_state=7,
                  eval_every=None, dtype=np.float64, **kwargs)
    ref = LdaModel(bows, **common)
    fast = vectorised_lda_class()(**common)
    fast.matrix = x
    fast.update(list(range(x.shape[0])))
    assert np.allclose(fast.get_topics(), ref.get_topics(), rtol=1e-9, atol=1e-12)
    assert np.allclose(fast.alpha, ref.alpha, rtol=1e-9)
    # Inference on plain bag-of-words documents follows the same code path.
    state = fast.random_state.get_state()
    g1, _ = fast.inference(bows)
    fast.random_state.set_state(state)
    g2, _ = LdaModel.inference(fast, bows)
    assert np.allclose(g1, g2, rtol=1e-9)


@pytest.mark.parametrize("engine", ["vb", "gensim", "nmf", "tomotopy", "sklearn_lda"])
def test_engines_are_deterministic_and_normalised(engine):
    if engine == "tomotopy":
        pytest.importorskip("tomotopy")
    x = _counts(1)
    vocab = tuple(f"t{j:02d}" for j in range(x.shape[1]))
    cfg = TopicConfig(engine=engine, passes=3, sampling_iterations=50)
    a = fit_engine(x, vocabulary=vocab, k=3, seed=5, config=cfg)
    b = fit_engine(x, vocabulary=vocab, k=3, seed=5, config=cfg)
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    assert a[0].shape == (3, x.shape[1]) and a[1].shape == (x.shape[0], 3)
    assert np.allclose(a[0].sum(axis=1), 1) and np.allclose(a[1].sum(axis=1), 1)


@pytest.mark.parametrize("settings", [
    {"alpha": "symmetric", "learning": "batch"},
    {"alpha": 0.2, "learning": "batch", "eta": "auto"},
    {"alpha": "asymmetric", "learning": "online", "chunksize": 25},
    {"alpha": "auto", "learning": "online", "chunksize": 25},
])
def test_vb_engine_equals_stock_gensim_where_gensim_does_not_skip_the_alpha_step(settings):
    x = _counts(3, n=50, v=30)
    vocab = tuple(f"t{j:02d}" for j in range(x.shape[1]))
    cfg = TopicConfig(passes=4, **settings)
    vb = fit_engine(x, vocabulary=vocab, k=3, seed=11, config=dataclasses.replace(cfg, engine="vb"))
    stock = fit_engine(x, vocabulary=vocab, k=3, seed=11, config=dataclasses.replace(cfg, engine="gensim"))
    # float32 arithmetic in both, summed in different orders: equal to float32 rounding.
    np.testing.assert_allclose(vb[0], stock[0], rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(vb[1], stock[1], rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(vb[2]["alpha_fitted"], stock[2]["alpha_fitted"], rtol=1e-3)
    assert (vb[2]["estep"], stock[2]["estep"]) == ("vectorised", "gensim")


def _one_topic_documents(n: int = 40, v: int = 30, k: int = 3, length: int = 80) -> sp.csr_matrix:
    """Long documents, each drawing all its words from one of k disjoint blocks of the vocabulary."""
    rng = np.random.default_rng(1)
    dense = np.zeros((n, v))
    for i in range(n):
        block = i % k
        np.add.at(dense[i], rng.integers(block * (v // k), (block + 1) * (v // k), size=length), 1)
    return sp.csr_matrix(dense)


def test_engines_part_only_where_gensim_skips_its_alpha_step(caplog):
    """vb with the package's defaults (batch, alpha = "auto") on documents that each hold one topic:
    gensim's full Newton step would make alpha non-positive, so gensim skips it (and logs so);
    vb halves the step and learns the small alpha such documents call for."""
    x = _one_topic_documents()
    vocab = tuple(f"t{j:02d}" for j in range(x.shape[1]))
    cfg = TopicConfig(engine="vb", eta=0.01, passes=4)
    assert (cfg.alpha, cfg.learning) == ("auto", "auto")
    vb = fit_engine(x, vocabulary=vocab, k=3, seed=11, config=cfg)
    with caplog.at_level(logging.WARNING, logger="gensim"):
        stock = fit_engine(x, vocabulary=vocab, k=3, seed=11, config=dataclasses.replace(cfg, engine="gensim"))
    assert vb[2]["learning"] == stock[2]["learning"] == "batch"
    assert "updated prior is not positive" in caplog.text
    assert max(vb[2]["alpha_fitted"]) < min(stock[2]["alpha_fitted"])
    # With alpha fixed the same documents give the same fit from both engines.
    fixed = dataclasses.replace(cfg, alpha="symmetric")
    a = fit_engine(x, vocabulary=vocab, k=3, seed=11, config=fixed)
    b = fit_engine(x, vocabulary=vocab, k=3, seed=11, config=dataclasses.replace(fixed, engine="gensim"))
    np.testing.assert_allclose(a[0], b[0], rtol=1e-3, atol=1e-5)


@pytest.mark.parametrize("engine", ["tomotopy", "sklearn_lda", "vb"])
def test_same_seed_same_fits_whatever_n_jobs(engine):
    """A seed's fit is the same in this process (n_jobs=1) as in forked workers (n_jobs=2)."""
    from textanalytics.features import DocumentTermMatrix
    from textanalytics.topics import fit_topic_ensemble

    x = _counts(2, n=80, v=50)
    units = pd.DataFrame({"unit_id": [f"u{i}" for i in range(80)], "statement_id": [f"s{i // 4}" for i in range(80)]})
    dtm = DocumentTermMatrix(counts=x, vocabulary=tuple(f"t{j:02d}" for j in range(50)), units=units)
    fits = {}
    for n_jobs in (1, 2):
        cfg = TopicConfig(engine=engine, passes=3, sampling_iterations=60, n_jobs=n_jobs)
        fits[n_jobs] = fit_topic_ensemble(dtm, k=4, seeds=[3, 4, 5], config=cfg).models
    for a, b in zip(fits[1], fits[2]):
        assert np.array_equal(a.topic_term, b.topic_term) and np.array_equal(a.doc_topic, b.doc_topic)


@pytest.mark.skipif(platform.machine().lower() not in ("x86_64", "amd64"), reason="tomotopy builds per x86 ISA")
def test_tomotopy_runs_its_sse2_build_so_every_x86_cpu_samples_the_same_chain():
    """tomotopy's AVX2 build samples another chain from the same seed; the engine pins the SSE2 build."""
    pytest.importorskip("tomotopy")
    code = ("import numpy as np, scipy.sparse as sp\n"
            "from textanalytics.topics.config import TopicConfig\n"
            "from textanalytics.topics.engines import fit_engine\n"
            "x = sp.csr_matrix(np.random.default_rng(0).poisson(0.5, (30, 20)).astype(float) + np.eye(30, 20))\n"
            "tt, _, info = fit_engine(x, vocabulary=tuple(f't{j}' for j in range(20)), k=3, seed=1,\n"
            "                         config=TopicConfig(engine='tomotopy', sampling_iterations=30))\n"
            "print(info['isa'], tt.sum().round(6))\n")
    env = {k: v for k, v in os.environ.items() if k != "TOMOTOPY_ISA"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.split()[0] == "sse2"
    chosen = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={**env, "TOMOTOPY_ISA": "avx2"}, check=True)
    assert chosen.stdout.split()[0] in ("avx2", "sse2")   # the user's choice wins where the CPU has it


def test_mllib_engine_takes_its_own_defaults_only_for_settings_left_unset():
    # spark/lda.py MLLIB_DEFAULTS (no Spark needed): a value equal to the package default counts as unset.
    from textanalytics.spark.lda import mllib_config

    used = mllib_config(TopicConfig(engine="mllib"))
    assert (used.learning, used.passes, used.eta, used.alpha) == ("batch", 50, 0.005, "symmetric")
    mine = mllib_config(TopicConfig(engine="mllib", learning="online", eta=0.01, alpha=0.2, chunksize=500))
    assert (mine.learning, mine.passes, mine.eta, mine.alpha, mine.chunksize) == ("online", 10, 0.01, 0.2, 500)
    assert mllib_config(TopicConfig(engine="mllib", passes=3)).passes == 3
    # Written equal to the package default, a value counts as unset, unless mllib_defaults = false.
    assert mllib_config(TopicConfig(engine="mllib", alpha="auto")).alpha == "symmetric"
    exact = TopicConfig(engine="mllib", alpha="auto", mllib_defaults=False)
    assert mllib_config(exact) == exact
    with pytest.raises(InputError, match="mllib_defaults"):
        TopicConfig(mllib_defaults="no")


def test_tomotopy_gives_terms_no_unit_uses_the_prior_mass_of_an_unseen_term():
    # A sample of a larger matrix's units ([spark] topic_sample) leaves some vocabulary columns empty: tomotopy never
    # sees them, and each gets what it gives a seen term with no count in the topic, never 0 (log(0) ranks).
    rng = np.random.default_rng(4)
    counts = sp.csr_matrix(rng.poisson(0.6, size=(40, 30)).astype(np.int64))
    counts = sp.csr_matrix(counts.toarray() * (np.arange(30) % 7 != 3))  # columns 3, 10, 17, 24 empty
    vocabulary = tuple(f"w{i:02d}" for i in range(30))
    config = dataclasses.replace(TopicConfig(), sampling_iterations=100)
    topic_term, _, info = fit_engine(counts, vocabulary=vocabulary, k=3, seed=1, config=config)
    assert (topic_term > 0).all() and np.allclose(topic_term.sum(axis=1), 1.0)
    empty = [3, 10, 17, 24]
    assert np.allclose(topic_term[:, empty], topic_term[:, [3]])  # the same within a topic
    # ... equal to a seen term's with no count in that topic: tomotopy's (0 + eta) / (n_k + V eta), rescaled.
    seen = np.setdiff1d(np.arange(30), empty)
    assert np.allclose(topic_term[:, 3], topic_term[:, seen].min(axis=1))
    # Used terms keep their proportions to each other (the same fit on the matrix without the empty columns).
    kept, _, _ = fit_engine(counts[:, seen], vocabulary=tuple(vocabulary[j] for j in seen), k=3, seed=1, config=config)
    assert np.allclose(topic_term[:, seen] / topic_term[:, seen].sum(axis=1, keepdims=True), kept)
