"""The document-term matrix: building, pruning, aggregation, converters."""

from __future__ import annotations

import doctest
import logging

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import textanalytics.features as features
from textanalytics.errors import InputError
from textanalytics.features import (DocumentTermMatrix, VocabularyConfig, build_dtm, dtm_from_texts,
                                    group_counts, group_labels)



@pytest.fixture(scope="module")
def corpus(tiny):
    return tiny.tiny_corpus()


@pytest.fixture(scope="module")
def tokens(tiny, corpus):
    return tiny.tiny_tokens(corpus)


def test_doctests():
    from textanalytics.features import build, config, dtm, groups, pruning

    for module in (features, build, config, dtm, groups, pruning):
        assert doctest.testmod(module).failed == 0, module.__name__


def test_dtm_from_texts_counts_vocabulary_units():
    dtm = dtm_from_texts(["a", "b", "c"], [["war", "law", "law"], ["law", "peace"], []])
    assert dtm.vocabulary == ("law", "peace", "war")
    assert isinstance(dtm.counts, sp.csr_matrix) and dtm.counts.dtype == np.int64
    assert dtm.counts.toarray().tolist() == [[2, 0, 1], [1, 1, 0], [0, 0, 0]]
    assert list(dtm.units.columns[:4]) == ["unit_id", "statement_id", "paragraph", "n_tokens"]
    assert dtm.units["n_tokens"].tolist() == [3, 2, 0]
    assert dtm.units["statement_id"].tolist() == ["a", "b", "c"]
    assert dtm.units["paragraph"].isna().all() and dtm.unit == "statement"


def test_dtm_from_texts_streams_a_generator_once():
    consumed = []

    def stream():
        for i in range(1000):
            consumed.append(i)
            yield [f"t{i % 7}", f"t{i % 3}"]

    dtm = dtm_from_texts((f"u{i}" for i in range(1000)), stream())
    assert len(consumed) == 1000 and dtm.shape == (1000, 7)
    assert int(dtm.counts.sum()) == 2000


def test_dtm_from_texts_length_mismatch():
    with pytest.raises(InputError, match="2 documents for 3 units"):
        dtm_from_texts(["a", "b", "c"], [["x"], ["y"]])


@pytest.mark.parametrize("unit", ["paragraph", "statement"])
def test_build_dtm_equals_documents(tokens, unit):
    dtm = build_dtm(tokens, unit=unit)
    units, texts = tokens.documents(unit=unit)
    ref = dtm_from_texts(units, texts)
    assert dtm.vocabulary == ref.vocabulary == tuple(sorted(ref.vocabulary))
    assert (dtm.counts != ref.counts).nnz == 0
    assert dtm.units["unit_id"].tolist() == units["unit_id"].tolist()
    assert dtm.units["n_tokens"].tolist() == [len(t) for t in texts]
    assert dtm.unit == unit
    if unit == "paragraph":
        assert dtm.units["unit_id"].iloc[0] == "s1:1" and dtm.units["paragraph"].dtype == "Int64"
    else:
        assert dtm.units["paragraph"].isna().all()


def test_build_dtm_keeps_units_without_terms(tiny):
    table = pd.DataFrame({
        "statement_id": ["a", "a", "b"], "paragraph": [1, 2, 1], "sentence": [1, 1, 1],
        "position": [1, 1, 1], "token": ["War", "the", "law"], "lemma": ["war", "the", "law"],
        "term": ["war", "the", "law"], "keep": [True, False, True], "reason": ["", "stopword", ""],
    })
    toks = tiny.Tokens(table=table, phrases=pd.DataFrame())
    dtm = build_dtm(toks, unit="paragraph")
    assert dtm.units["unit_id"].tolist() == ["a:1", "a:2", "b:1"]
    assert dtm.counts.toarray().tolist() == [[0, 1], [0, 0], [1, 0]]
    assert dtm.units["n_tokens"].tolist() == [1, 0, 1]


def test_build_dtm_default_unit_from_tokens_config(tokens):
    assert build_dtm(tokens).unit == tokens.config.unit


def test_prune_min_max_df_and_max_features_ties():
    # df: a=3, b=2, c=2, d=1 over 3 units; tf: a=3, b=4, c=4, d=5
    dtm = dtm_from_texts(["u1", "u2", "u3"], [["a", "b", "b", "c", "d"] + ["d"] * 4,
                                               ["a", "b", "b", "c", "c", "c"], ["a"]])
    assert dtm.prune(min_df=2).vocabulary == ("a", "b", "c")
    assert dtm.prune(min_df=0.6).vocabulary == ("a", "b", "c")          # 0.6*3 = 1.8 units
    assert dtm.prune(max_df=2).vocabulary == ("b", "c", "d")
    assert dtm.prune(max_df=0.5).vocabulary == ("d",)                 # df <= 1.5
    # b and c tie on tf=4: kept alphabetically, so max_features=2 keeps d (5) and b.
    assert dtm.prune(max_features=2).vocabulary == ("b", "d")
    assert dtm.prune(max_features=3).vocabulary == ("b", "c", "d")
    pruned = dtm.prune(min_df=2)
    assert pruned.units["n_tokens"].tolist() == dtm.units["n_tokens"].tolist()
    assert pruned.params["n_terms_before_pruning"] == 4
    assert dtm.vocabulary == ("a", "b", "c", "d")                      # input untouched


def test_pruning_arguments_config_precedence(tokens):
    cfg = VocabularyConfig(min_df=2, max_df=1.0, max_features=0)
    by_config = build_dtm(tokens, unit="paragraph", config=cfg)
    assert by_config.vocabulary == ("double", "financing", "law", "standard", "terrorism", "terrorist", "world")
    override = build_dtm(tokens, unit="paragraph", config=cfg, min_df=1)
    assert override.n_terms == build_dtm(tokens, unit="paragraph").n_terms
    assert override.params["min_df"] == 1 and by_config.params["min_df"] == 2


@pytest.mark.parametrize("kwargs", [{"min_df": -1}, {"max_df": 1.5}, {"min_df": True},
                                    {"max_features": -2}, {"min_df": "2"}])
def test_pruning_bad_values(kwargs):
    dtm = dtm_from_texts(["u"], [["a"]])
    with pytest.raises(InputError):
        dtm.prune(**{"min_df": 1, "max_df": 1.0, "max_features": 0, **kwargs})


def test_pruning_everything_or_inconsistent_is_an_error():
    dtm = dtm_from_texts(["u1", "u2"], [["a"], ["b"]])
    with pytest.raises(InputError, match="removed every term"):
        dtm.prune(min_df=2)
    with pytest.raises(InputError, match="lower min_df"):
        dtm.prune(min_df=2, max_df=1)


def test_to_sklearn_is_a_csr_copy():
    from sklearn.feature_extraction.text import TfidfTransformer

    dtm = dtm_from_texts(["a", "b"], [["x", "y"], ["y"]])
    x = dtm.to_sklearn()
    assert isinstance(x, sp.csr_matrix) and x.shape == (2, 2)
    x[0, 0] = 99
    assert dtm.counts[0, 0] == 1
    assert TfidfTransformer().fit_transform(dtm.to_sklearn()).shape == (2, 2)


def test_to_gensim_dictionary_and_stream():
    from gensim.models import TfidfModel

    dtm = dtm_from_texts(["a", "b", "c"], [["war", "law", "law"], ["law", "peace"], []])
    dictionary, bow = dtm.to_gensim()
    assert [dictionary[i] for i in range(3)] == ["law", "peace", "war"]
    assert dictionary.token2id["war"] == 2
    assert dictionary.dfs == {0: 2, 1: 1, 2: 1} and dictionary.cfs == {0: 3, 1: 1, 2: 1}
    assert dictionary.num_docs == 3 and dictionary.num_pos == 5 and dictionary.num_nnz == 4
    assert list(bow) == [[(0, 2), (2, 1)], [(0, 1), (1, 1)], []]
    assert list(bow) == list(bow)                       # re-iterable
    assert len(bow) == 3 and bow[-1] == [] and all(type(c) is int for _, c in bow[0])
    model = TfidfModel(bow, dictionary=dictionary)
    assert len(model[bow[0]]) == 2


def test_aggregate_sums_sorts_and_drops_missing(caplog):
    dtm = dtm_from_texts(["u1", "u2", "u3", "u4"], [["a"], ["a", "b"], ["b"], ["c"]])
    with caplog.at_level(logging.INFO, logger="textanalytics.features"):
        agg = dtm.aggregate([10, 9, 10, None], unit="year")
    assert agg.units["unit_id"].tolist() == ["9", "10"]                   # numeric order
    assert agg.counts.toarray().tolist() == [[1, 1, 0], [1, 1, 0]]
    assert agg.units["n_units"].tolist() == [1, 2]
    assert agg.units["n_tokens"].tolist() == [2, 2]
    assert agg.params["n_units_without_label"] == 1
    assert "no label" in caplog.text
    assert dtm.aggregate(["x", "", "x", "y"]).units["unit_id"].tolist() == ["x", "y"]


def test_group_labels_and_group_counts(corpus, tokens):
    dtm = build_dtm(tokens, unit="paragraph")
    labels = group_labels(corpus, group_by="speaker")
    assert labels.to_dict() == {"s1": "Lavrov", "s2": "Lavrov", "s3": "Sirotkin", "s4": None}
    by_year = group_counts(dtm, corpus=corpus, group_by="year")
    assert by_year.units["unit_id"].tolist() == ["2017", "2018", "2019"]
    assert by_year.unit == "year"
    np.testing.assert_array_equal(by_year.counts.sum(axis=0), dtm.counts.sum(axis=0))
    by_statement = group_counts(dtm, corpus=corpus, group_by="statement")
    stmt = build_dtm(tokens, unit="statement")
    assert (by_statement.counts != stmt.counts).nnz == 0
    assert by_statement.units["statement_id"].tolist() == ["s1", "s2", "s3", "s4"]
    by_speaker = group_counts(dtm, corpus=corpus.statements, group_by="speaker")
    assert by_speaker.units["unit_id"].tolist() == ["Lavrov", "Sirotkin"]
    assert by_speaker.params["n_units_without_label"] == 1


def test_group_by_unknown_column_names_it_and_lists_available(corpus, tokens):
    dtm = build_dtm(tokens, unit="paragraph")
    with pytest.raises(InputError) as err:
        group_counts(dtm, corpus=corpus, group_by="party")
    msg = str(err.value)
    assert "'party'" in msg and "organisation" in msg and "speaker" in msg and "\n" not in msg


def test_matrix_statements_missing_from_corpus(corpus):
    dtm = dtm_from_texts(["zz"], [["a"]])
    with pytest.raises(InputError, match="not in the corpus"):
        group_counts(dtm, corpus=corpus, group_by="year")


def test_matrix_validation_and_frame():
    with pytest.raises(ValueError):
        DocumentTermMatrix(counts=sp.csr_matrix((2, 2)), vocabulary=("a",),
                           units=pd.DataFrame({"unit_id": ["x", "y"], "statement_id": ["x", "y"]}))
    dtm = dtm_from_texts(["a", "b"], [["x", "y", "y"], ["y"]])
    assert dtm.to_frame().to_dict("list") == {"unit_id": ["a", "a", "b"], "term": ["x", "y", "y"],
                                              "count": [1, 2, 1]}
    assert "2 statement units x 2 terms" in repr(dtm)
    assert dtm.select_terms(["y", "nope"]).vocabulary == ("y",)
