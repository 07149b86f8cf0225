"""Fitting, choosing K, stable topic ids, description (textanalytics.topics)."""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textanalytics.errors import InputError, StepSkipped
from textanalytics.features import DocumentTermMatrix
from textanalytics.topics import (ModelSelection, TopicConfig, TopicEnsemble, TopicModel, describe_topics,
                                  fit_topic_ensemble, fit_topics, representative_passages, select_k,
                                  topic_labels)
from textanalytics.topics import stats
from textanalytics.topics.fit import _topic_order
from textanalytics.topics.selection import TABLE_COLUMNS
from textanalytics.topics.synthetic import simulate_corpus

FAST = TopicConfig(passes=5)


@pytest.fixture(scope="module")
def sim():
    return simulate_corpus(k=3, n_terms=80, n_statements=6, paragraphs=6, length=40, seed=11)


@pytest.fixture(scope="module")
def ensemble(sim):
    return fit_topic_ensemble(sim.dtm, k=3, seeds=[1, 2, 3], texts=sim.texts, config=FAST)


def test_same_seed_gives_identical_arrays_and_labels(sim):
    a = fit_topics(sim.dtm, k=3, seed=4, config=FAST)
    b = fit_topics(sim.dtm, k=3, seed=4, config=FAST)
    assert np.array_equal(a.topic_term, b.topic_term) and np.array_equal(a.doc_topic, b.doc_topic)
    assert a.params == b.params
    pd.testing.assert_frame_equal(topic_labels(a), topic_labels(b))
    c = fit_topics(sim.dtm, k=3, seed=5, config=FAST)
    assert not np.array_equal(a.doc_topic, c.doc_topic)


@pytest.mark.parametrize("engine", ["vb", "gensim", "nmf"])
def test_model_arrays_and_topic_order(sim, engine):
    m = fit_topics(sim.dtm, k=3, seed=1, config=dataclasses.replace(FAST, engine=engine))
    assert m.topic_term.shape == (3, len(m.vocabulary)) and m.doc_topic.shape == (len(m.units), 3)
    assert np.allclose(m.topic_term.sum(axis=1), 1) and np.allclose(m.doc_topic.sum(axis=1), 1)
    # Stable ids: topic 1 has the largest overall share.
    assert np.all(np.diff(m.share) <= 0)
    assert m.params["engine"] == engine and m.params["seed"] == 1 and m.params["k"] == 3
    assert not m.topic_term.flags.writeable
    assert list(m.topic_table().columns) == ["topic", "share", "c_npmi", "c_v", "stability", "unstable"]
    assert len(m.topic_terms()) == 3 * len(m.vocabulary)
    assert m.doc_topics().groupby("unit_id")["weight"].sum().to_numpy() == pytest.approx(1.0)


def test_topic_order_ties_broken_by_top_term():
    topic_term = np.array([[0.1, 0.9], [0.9, 0.1], [0.5, 0.5]])
    doc_topic = np.array([[0.4, 0.4, 0.2]])
    # Topics 0 and 1 tie on share; topic 1's top term ("a") sorts before topic 0's ("b").
    assert _topic_order(topic_term, doc_topic, np.array([1]), ("a", "b")).tolist() == [1, 0, 2]


def test_empty_units_are_dropped_and_recorded():
    counts = sp.csr_matrix(np.array([[2, 1, 0], [0, 0, 0], [0, 3, 1], [1, 0, 2]]))
    units = pd.DataFrame({"unit_id": ["s:1", "s:2", "s:3", "t:1"], "statement_id": ["s", "s", "s", "t"],
                          "paragraph": pd.array([1, 2, 3, 1], dtype="Int64"), "n_tokens": [3, 0, 4, 3]})
    dtm = DocumentTermMatrix(counts=counts, vocabulary=("a", "b", "c"), units=units)
    m = fit_topics(dtm, k=2, seed=1, config=FAST)
    assert m.params["n_dropped_units"] == 1 and m.params["dropped_units"] == ["s:2"]
    assert m.units["unit_id"].tolist() == ["s:1", "s:3", "t:1"]
    assert m.units["n_terms"].tolist() == [3, 4, 3]


def test_too_few_units_raise_step_skipped():
    counts = sp.csr_matrix(np.array([[2, 1, 0], [0, 0, 0], [0, 3, 1]]))
    units = pd.DataFrame({"unit_id": ["a", "b", "c"], "statement_id": ["a", "b", "c"]})
    dtm = DocumentTermMatrix(counts=counts, vocabulary=("x", "y", "z"), units=units)
    with pytest.raises(StepSkipped, match="K=3 needs at least 3 non-empty units, but the matrix has 2"):
        fit_topics(dtm, k=3, seed=1)
    with pytest.raises(StepSkipped, match="needs at least 4"):
        select_k(dtm, texts=[["x"]], seeds=[1, 2], k_grid=[4, 5])
    with pytest.raises(InputError, match="at least 2"):
        fit_topics(dtm, k=1, seed=1)
    with pytest.raises(InputError, match="DocumentTermMatrix"):
        fit_topics(counts, k=2, seed=1)


def test_ensemble_alignment_and_stability(ensemble):
    ref = ensemble.reference
    assert ensemble.seeds == [1, 2, 3] and len(ensemble.refits) == 2
    assert ref.stability.shape == (3,) and np.all((ref.stability >= 0) & (ref.stability <= 1))
    assert np.allclose(ref.stability, ensemble.alignment.mean(axis=0))
    # Refits are reordered so that topic i matches topic i: the diagonal of the top-term
    # Jaccard matrix is the best one-to-one matching (brute force over the 3! matchings).
    for m, jac_aligned in zip(ensemble.refits, ensemble.alignment):
        jac = stats.jaccard_matrix(stats.top_term_indices(ref.topic_term, 10),
                                   stats.top_term_indices(m.topic_term, 10))
        best = max(sum(jac[i, p[i]] for i in range(3)) for p in itertools.permutations(range(3)))
        assert np.trace(jac) == pytest.approx(best)
        assert np.allclose(np.diag(jac), jac_aligned)
    assert ref.c_npmi.shape == (3,) and np.isfinite(ref.c_v).all()


def test_describe_topics_rankings(ensemble):
    out = describe_topics(ensemble, top_n=5)
    assert list(out.columns) == ["topic", "rank", "term", "weight", "relevance", "frex", "lift", "score",
                                 "unstable"]
    assert len(out) == 15 and out["rank"].tolist()[:5] == [1, 2, 3, 4, 5]
    for _, part in out.groupby("topic"):
        assert np.all(np.diff(part["relevance"].to_numpy()) <= 0)
    by_weight = describe_topics(ensemble, top_n=5, rank_by="weight")
    for _, part in by_weight.groupby("topic"):
        assert np.all(np.diff(part["weight"].to_numpy()) <= 0)
    for rank_by in ("frex", "lift", "score"):
        ranked = describe_topics(ensemble, top_n=5, rank_by=rank_by)
        for _, part in ranked.groupby("topic"):
            assert np.all(np.diff(part[rank_by].to_numpy()) <= 0)
    # λ = 1: relevance is the log probability, so both rankings agree.
    same = describe_topics(ensemble, top_n=5, lambda_=1.0)
    assert same["term"].tolist() == by_weight["term"].tolist()
    with pytest.raises(InputError):
        describe_topics(ensemble, rank_by="saliency")
    with pytest.warns(DeprecationWarning, match="rank_by"):
        old = describe_topics(ensemble, top_n=5, by="weight")
    pd.testing.assert_frame_equal(old, by_weight)


def test_describe_topics_frex_is_stm_labeltopics(ensemble):
    """The frex column is stm's calcfrex with labelTopics' word-count shrinkage; the old keyword is mapped."""
    ref = ensemble.reference
    out = describe_topics(ensemble, top_n=ref.topic_term.shape[1], rank_by="frex", frexweight=0.3)
    expected = stats.frex(ref.topic_term, w=0.3, wordcounts=ref.term_counts)
    col = {t: j for j, t in enumerate(ref.vocabulary)}
    got = expected[out["topic"].to_numpy() - 1, [col[t] for t in out["term"]]]
    assert np.allclose(out["frex"], got)
    with pytest.warns(DeprecationWarning, match="exclusivity"):
        old = describe_topics(ensemble, top_n=5, rank_by="frex", frex_weight=0.7)
    pd.testing.assert_frame_equal(old, describe_topics(ensemble, top_n=5, rank_by="frex", frexweight=0.3))


def test_describe_and_labels_leave_out_excluded_terms(ensemble):
    ref = ensemble.reference
    common = [ref.vocabulary[j] for j in stats.top_term_indices(ref.topic_term, 2)[:, 0]]
    for rank_by in ("relevance", "weight", "frex"):
        out = describe_topics(ensemble, top_n=10, rank_by=rank_by, exclude=common)
        assert not set(out["term"]) & set(common) and len(out) == 30
    labels = topic_labels(ensemble, exclude=set(common))
    for col in ("label", "frex_terms", "relevance_terms", "lift_terms", "score_terms"):
        assert not any(t in common for cell in labels[col] for t in cell.replace(" / ", ", ").split(", "))
    # The most probable terms are listed as the model has them.
    assert [cell.split(", ")[0] for cell in labels["prob_terms"]] == common
    with pytest.raises(InputError, match="exclude"):
        topic_labels(ensemble, exclude="t01")


def test_topic_labels(ensemble):
    labels = topic_labels(ensemble)
    assert list(labels.columns) == ["topic", "label", "share", "stability", "unstable", "c_npmi", "c_v",
                                    "frex_terms", "relevance_terms", "prob_terms", "lift_terms", "score_terms"]
    assert labels["label"].is_unique
    first = describe_topics(ensemble, top_n=3, rank_by="frex").query("topic == 1")["term"].tolist()
    assert labels["label"].iloc[0] == " / ".join(first)
    by_prob = describe_topics(ensemble, top_n=7, rank_by="weight").query("topic == 1")["term"].tolist()
    assert labels["prob_terms"].iloc[0] == ", ".join(by_prob)
    assert labels["frex_terms"].iloc[0].startswith(", ".join(first))
    rel = topic_labels(ensemble, label_by="relevance")
    assert rel["label"].iloc[0] == " / ".join(describe_topics(ensemble, top_n=3).query("topic == 1")["term"])
    assert labels["unstable"].tolist() == (labels["stability"] < 0.5).tolist()
    assert labels["share"].sum() == pytest.approx(1.0)
    with pytest.raises(InputError, match="label_by"):
        topic_labels(ensemble, label_by="saliency")


def test_representative_passages(sim, ensemble):
    out = representative_passages(ensemble, corpus=sim.corpus, top_n=2)
    with pytest.warns(DeprecationWarning, match="corpus="):
        old = representative_passages(ensemble, sim.corpus, top_n=2)
    pd.testing.assert_frame_equal(old, out)
    with pytest.warns(DeprecationWarning, match="top_n"):
        assert len(representative_passages(ensemble, corpus=sim.corpus, n=1)) == 3
    assert out.columns[:8].tolist() == ["topic", "rank", "statement_id", "paragraph", "weight", "n_terms",
                                        "unstable", "text"]
    assert {"title", "year", "group"} <= set(out.columns) and "n_words" not in out.columns
    assert len(out) == 6
    ref = ensemble.reference
    top = ref.units.iloc[int(np.argmax(ref.doc_topic[:, 0]))]
    row = out.iloc[0]
    assert (row["statement_id"], row["paragraph"]) == (top["statement_id"], top["paragraph"])
    para = sim.corpus.paragraphs
    expected = para[(para["statement_id"] == row["statement_id"]) & (para["paragraph"] == row["paragraph"])]
    assert row["text"] == expected["text"].iloc[0]


def test_select_k_table_rule_and_override(sim):
    sel = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3, 4], config=FAST)
    assert isinstance(sel, ModelSelection)
    assert list(sel.table.columns) == TABLE_COLUMNS
    # Per K: the reference fit (sample 0, seed 1) and four subsample fits (seeds 2..5).
    assert sel.table[["k", "sample", "seed"]].values.tolist() == [[k, r, 1 + r] for k in (2, 3, 4) for r in range(5)]
    assert (sel.table["n_units"] == [36, 28, 28, 28, 28] * 3).all()
    assert sel.chosen_k == sel.rule_k and sel.summary["chosen"].sum() == 1 and f"K={sel.chosen_k}" in sel.reason
    assert sel.summary["heldout"].lt(0).all() and sel.summary["exclusivity"].between(0, 10).all()
    assert sel.summary["stability"].between(0, 1).all() and (sel.summary["baseline"] > 0).all()
    assert sel.params["heldout"]["documents"] == 3 and not sel.params["k_grid_automatic"]
    # The balance's standard error per K: the spread of its five fits' own scores around the rule's score.
    assert (sel.summary["score_se"] > 0).all()
    ens = sel.ensemble()
    assert isinstance(ens, TopicEnsemble) and ens.k == sel.chosen_k and ens.seeds == [1, 2]
    assert len(ens.reference.units) == 36 and ens.reference.c_npmi is not None  # the whole matrix
    with pytest.raises(KeyError, match="fit_topic_ensemble"):
        sel.ensemble(k=[k for k in (2, 3, 4) if k != sel.chosen_k][0])
    forced = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3],
                      config=dataclasses.replace(FAST, k=5))
    assert forced.chosen_k == 5 and "set by the researcher" in forced.reason
    assert forced.ensemble().k == 5


def test_automatic_grid_is_extended_once_when_the_rule_picks_its_top(sim, monkeypatch):
    from textanalytics.topics import selection

    real = selection.gated_frontier

    def top(k, *args, **kwargs):  # a rule that always prefers the largest K
        return {**real(k, *args, **kwargs), "k": int(max(k))}

    monkeypatch.setattr(selection, "gated_frontier", top)
    # The pipeline passes the config's grid, "auto", explicitly.
    sel = select_k(sim.dtm, texts=sim.texts, seeds=[1], k_grid="auto", config=dataclasses.replace(FAST, n_subsamples=1))
    assert sel.params["k_grid_automatic"] and sel.params["extended_k"] == [8, 10]
    assert sel.params["k_grid"] == [2, 3, 4, 5, 6, 7, 8, 10] and sel.chosen_k == 10
    assert "extended once (K = 8, 10)" in sel.reason and "K=10 is the largest K searched" in sel.reason
    fixed = select_k(sim.dtm, texts=sim.texts, seeds=[1], k_grid=[2, 3],
                     config=dataclasses.replace(FAST, n_subsamples=1))
    assert fixed.params["extended_k"] == [] and "widen [topics] k_grid" in fixed.reason


def test_config_validation_is_one_line():
    with pytest.raises(InputError, match=r"\[topics\] alpha"):
        TopicConfig(alpha="bogus")
    with pytest.raises(InputError, match=r"\[topics\] k"):
        TopicConfig(k=1)
    with pytest.raises(InputError, match=r"\[topics\] decay"):
        TopicConfig(decay=0.1)
    with pytest.raises(InputError, match="duplicates"):
        fit_topic_ensemble(simulate_corpus(k=2, n_terms=10, n_statements=2, paragraphs=2, length=5).dtm,
                           k=2, seeds=[1, 1])


def test_model_repr_and_html(ensemble):
    assert "TopicModel(engine='tomotopy', k=3" in repr(ensemble.reference)
    assert "<table" in ensemble._repr_html_()
    assert isinstance(ensemble.reference, TopicModel)


def test_fit_cache_returns_identical_fits_without_pickle(sim, tmp_path):
    fresh = fit_topics(sim.dtm, k=3, seed=2, config=FAST)
    first = fit_topics(sim.dtm, k=3, seed=2, config=FAST, cache_dir=str(tmp_path))
    again = fit_topics(sim.dtm, k=3, seed=2, config=FAST, cache_dir=str(tmp_path))
    for m in (first, again):
        assert np.array_equal(m.topic_term, fresh.topic_term) and np.array_equal(m.doc_topic, fresh.doc_topic)
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".json", ".npz"]
    other = fit_topics(sim.dtm, k=3, seed=3, config=FAST, cache_dir=str(tmp_path))
    assert not np.array_equal(other.doc_topic, fresh.doc_topic) and len(list(tmp_path.iterdir())) == 4


def test_fit_key_covers_spark_version_only_for_the_mllib_engine(sim, monkeypatch):
    from textanalytics.topics import fit_cache
    from textanalytics.topics.prepare import prepare

    prep = prepare(sim.dtm, FAST)
    mllib = dataclasses.replace(FAST, engine="mllib")
    real = fit_cache.package_versions

    def keys():
        return fit_cache.fit_key(prep, k=3, seed=1, config=FAST), fit_cache.fit_key(prep, k=3, seed=1, config=mllib)

    before = keys()
    monkeypatch.setattr(fit_cache, "package_versions",
                        lambda names, **kw: {**real(names, **kw), **({"pyspark": "9.9"} if "pyspark" in names else {})})
    after = keys()
    assert after[0] == before[0]          # a local engine's fit does not depend on Spark
    assert after[1] != before[1]          # MLlib's does: another Spark version fits again
    from textanalytics.spark import lda

    monkeypatch.setattr(lda, "MLLIB_DEFAULTS", {**lda.MLLIB_DEFAULTS, "eta": 0.002})
    assert keys()[1] != after[1]          # and so do the engine's own defaults for unset settings


def test_grid_in_worker_processes_gives_identical_results(sim, tmp_path, caplog):
    serial = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3, 4],
                      config=dataclasses.replace(FAST, n_jobs=1))
    with caplog.at_level("INFO", logger="textanalytics.topics"):
        parallel = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3, 4],
                            config=dataclasses.replace(FAST, n_jobs=2), cache_dir=str(tmp_path))
    # 3 Ks x (reference + 4 subsamples) + the chosen K with 2 seeds were fitted by workers (logged per fit) ...
    assert sum("topics: fit " in r.getMessage() for r in caplog.records) == 17
    pd.testing.assert_frame_equal(serial.table, parallel.table)
    pd.testing.assert_frame_equal(serial.summary, parallel.summary)
    for a, b in zip(serial.models, parallel.models):
        assert np.array_equal(a.topic_term, b.topic_term) and np.array_equal(a.doc_topic, b.doc_topic)
    # ... which wrote the cache; a rerun reads it and starts no worker, though it may.
    assert len(list(tmp_path.glob("*.npz"))) == 17
    caplog.clear()
    with caplog.at_level("INFO", logger="textanalytics.topics"):
        again = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3, 4],
                         config=dataclasses.replace(FAST, n_jobs=2), cache_dir=str(tmp_path))
    assert not any("topics: fit " in r.getMessage() for r in caplog.records)
    pd.testing.assert_frame_equal(serial.table, again.table)
    with pytest.raises(InputError, match=r"\[topics\] n_jobs"):
        TopicConfig(n_jobs=-1)


@pytest.mark.parametrize("seed", [1.7, True, "1"])
def test_seeds_must_be_integers(sim, seed):
    with pytest.raises(InputError, match="seed: must be an integer"):
        fit_topic_ensemble(sim.dtm, k=2, seeds=[1, seed], config=FAST)


def test_select_k_without_subsamples_or_likelihood(sim):
    cheap = select_k(sim.dtm, texts=sim.texts, seeds=[1], k_grid=[2, 3], config=dataclasses.replace(FAST, n_subsamples=0))
    assert len(cheap.table) == 2 and cheap.summary["stability"].isna().all() and cheap.summary["stable"].all()
    assert "stable beyond chance" not in cheap.reason and cheap.chosen_k in (2, 3)
    assert cheap.summary["score_se"].isna().all() and "of that balance" not in cheap.reason  # one fit per K
    nmf = select_k(sim.dtm, texts=sim.texts, seeds=[1], k_grid=[2, 3],
                   config=dataclasses.replace(FAST, engine="nmf", n_subsamples=2))
    assert nmf.table["heldout"].isna().all() and "held-out" not in nmf.reason and "nan" not in nmf.reason


def test_the_k_search_fits_with_search_iterations_and_the_chosen_k_with_sampling_iterations(sim):
    cfg = dataclasses.replace(FAST, engine="tomotopy", sampling_iterations=60, search_iterations=20, n_subsamples=1)
    sel = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3], config=cfg)
    assert {m.params["engine_info"]["sampling_iterations"] for m in sel.grid_models} == {20}
    assert {m.params["engine_info"]["sampling_iterations"] for m in sel.models} == {60}
    same = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3],
                    config=dataclasses.replace(cfg, search_iterations=0))
    assert {m.params["engine_info"]["sampling_iterations"] for m in same.grid_models} == {60}


def test_labels_leave_out_terms_of_too_few_statements():
    # Topic 1 is shared by many statements; "scam" is repeated in one speech of 300, so FREX would put it first.
    vocab = ("crime", "police", "court", "scam", "school", "teacher")
    topic_term = np.array([[0.30, 0.25, 0.15, 0.30, 0.0, 0.0], [0.1, 0.1, 0.1, 0.0, 0.4, 0.3]])
    n = 300
    units = pd.DataFrame({"unit_id": [f"s{i}" for i in range(n)], "statement_id": [f"s{i}" for i in range(n)],
                          "paragraph": pd.array([pd.NA] * n, dtype="Int64"), "n_tokens": 10, "n_terms": 10})
    model = TopicModel(topic_term=topic_term, doc_topic=np.full((n, 2), 0.5), vocabulary=vocab, units=units,
                       term_counts=np.array([300.0, 250, 160, 300, 500, 450]),
                       term_statements=np.array([150, 140, 90, 1, 200, 190]))
    assert "scam" in topic_labels(model, min_statements=0)["label"].iloc[0]
    labels = topic_labels(model)  # 5 statements asked, but at most 1 % of 300: a term must be in 3
    assert "scam" not in labels["label"].iloc[0] and "scam" not in labels["frex_terms"].iloc[0]
    assert "scam" in labels["prob_terms"].iloc[0]  # the most probable terms are listed as they are
    # 100 statements or fewer: 1 % is at most 1 statement, so nothing is left out.
    small = dataclasses.replace(model, units=units.iloc[:100], doc_topic=model.doc_topic[:100])
    assert "scam" in topic_labels(small)["label"].iloc[0]
    with pytest.raises(InputError, match="min_statements"):
        topic_labels(model, min_statements=-1)
    # The topics table (and the report's top-terms figure drawn from it) leaves them out too, except by weight.
    for rank_by in ("relevance", "frex", "lift", "score"):
        assert "scam" in describe_topics(model, top_n=3, rank_by=rank_by, min_statements=0)["term"].tolist()
        assert "scam" not in describe_topics(model, top_n=3, rank_by=rank_by)["term"].tolist()
    assert "scam" in describe_topics(model, top_n=3, rank_by="weight")["term"].tolist()
    assert "scam" in describe_topics(small, top_n=3, rank_by="frex")["term"].tolist()
    with pytest.raises(InputError, match="min_statements"):
        describe_topics(model, min_statements=-1)


def test_the_label_floor_setting_is_checked_with_a_one_line_error():
    with pytest.raises(InputError, match=r"\[topics\] label_min_statements = -1: must be a number of statements"):
        TopicConfig(label_min_statements=-1)
    assert TopicConfig(label_min_statements=0).label_min_statements == 0
