"""End-to-end topics on the real seeds (8 statements, paragraph units): seconds, not minutes."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

import textanalytics as ta
from textanalytics.features import VocabularyConfig, build_dtm
from textanalytics.topics import (TopicConfig, describe_topics, fit_topic_ensemble, representative_passages,
                                  topic_differences, topic_labels, topic_shares)

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
CFG = TopicConfig(n_bootstrap=100)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    corpus = ta.load_corpus(SEEDS)
    tokens = ta.preprocess(corpus, cache_dir=tmp_path_factory.mktemp("cache"))  # not the working folder's
    dtm = build_dtm(tokens, unit="paragraph", config=VocabularyConfig())
    _, texts = tokens.documents(unit="paragraph")
    ens = fit_topic_ensemble(dtm, k=5, seeds=[1, 2, 3], texts=texts, config=CFG)
    return corpus, dtm, texts, ens


def test_seeds_end_to_end(pipeline):
    corpus, dtm, texts, ens = pipeline
    ref = ens.reference
    assert len(ref.units) + ref.params["n_dropped_units"] == dtm.n_units
    assert set(ref.units["statement_id"]) <= set(corpus.statements["statement_id"])
    labels = topic_labels(ens)
    assert labels["label"].is_unique and labels["unstable"].notna().all()
    terms = describe_topics(ens)
    assert len(terms) == 5 * 10 and terms["unstable"].notna().all()
    passages = representative_passages(ens, corpus=corpus, top_n=2)
    assert passages["text"].str.len().gt(0).all() and passages["speaker"].notna().all()
    by_year = topic_shares(ens, corpus=corpus, group_by="year", config=CFG).table
    assert sorted(by_year["group"].unique()) == sorted(corpus.statements["year"].dropna().unique())
    assert by_year.groupby("group")["share"].sum().to_numpy() == pytest.approx(1.0)
    per_statement = topic_shares(ens, corpus=corpus, group_by="statement_id", config=CFG).table
    assert per_statement["note"].str.contains("only 1 statement").all()
    diff = topic_differences(ens, corpus=corpus, group_by="year", group_a=2017, group_b=2019, config=CFG).table
    assert (diff["test"] == "exact").all()
    n_a, n_b = int(diff["n_a"].iloc[0]), int(diff["n_b"].iloc[0])
    assert diff["n_relabelings"].iloc[0] == math.comb(n_a + n_b, n_a)


def test_seeds_results_are_reproducible(pipeline):
    corpus, dtm, texts, ens = pipeline
    again = fit_topic_ensemble(dtm, k=5, seeds=[1, 2, 3], texts=texts, config=CFG)
    pd.testing.assert_frame_equal(topic_labels(ens), topic_labels(again))
    pd.testing.assert_frame_equal(topic_shares(ens, corpus=corpus, group_by="speaker", config=CFG).table,
                                  topic_shares(again, corpus=corpus, group_by="speaker", config=CFG).table)
