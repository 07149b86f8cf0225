"""One grouping for every comparison: the same groups, the same missing-value rule, the same error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from textanalytics.compare import distinctive_terms, keyness, lexical_stats
from textanalytics.errors import InputError
from textanalytics.features import build_dtm
from textanalytics.grouping import check_group_by, factorize_labels, group_labels, group_units
from textanalytics.topics import TopicModel, topic_shares


@pytest.fixture(scope="module")
def data(tiny):
    """The tiny corpus and its unpruned paragraph matrix."""
    corpus = tiny.tiny_corpus()
    return corpus, build_dtm(tiny.tiny_tokens(corpus), unit="paragraph")


def _model(dtm) -> TopicModel:
    """A two-topic model on the matrix' units (proportions made up)."""
    n = dtm.n_units
    theta = np.c_[np.linspace(0.1, 0.9, n), np.linspace(0.9, 0.1, n)]
    units = dtm.units.assign(n_terms=np.asarray(dtm.counts.sum(axis=1)).ravel())
    topic_term = np.full((2, dtm.n_terms), 1.0 / dtm.n_terms)
    return TopicModel(topic_term=topic_term, doc_topic=theta, vocabulary=dtm.vocabulary, units=units,
                      term_counts=np.ones(dtm.n_terms), params={"engine": "hand", "k": 2, "seed": 1})


def test_every_comparison_raises_the_same_error_for_an_unknown_column(data):
    corpus, dtm = data
    calls = [
        lambda: keyness(dtm, corpus=corpus, group_by="party"),
        lambda: distinctive_terms(dtm, corpus=corpus, group_by="party"),
        lambda: lexical_stats(corpus, group_by="party"),
        lambda: topic_shares(_model(dtm), corpus=corpus, group_by="party"),
        lambda: check_group_by(corpus.statements.columns, group_by="party"),
    ]
    messages = set()
    for call in calls:
        with pytest.raises(InputError) as err:
            call()
        messages.add(str(err.value))
    (message,) = messages
    assert message.startswith("group_by: column 'party' not found in corpus.statements; available: statement, ")
    assert "speaker" in message and "organisation" in message and "text" not in message.split("available")[1]
    with pytest.raises(InputError, match=r"^\[compare\] group_by: column 'party'"):
        check_group_by(corpus.statements.columns, group_by="party", field="[compare] group_by")


def test_every_comparison_leaves_out_and_counts_the_same_statements(data):
    corpus, dtm = data
    # One statement has no speaker: it forms no group in every comparison.
    expected = int(group_labels(corpus, group_by="speaker").isna().sum())
    assert expected == 1
    counts = {
        "keyness": keyness(dtm, corpus=corpus, group_by="speaker").params["n_statements_without_group"],
        "distinctive": distinctive_terms(dtm, corpus=corpus, group_by="speaker").params["n_statements_without_group"],
        "lexical": lexical_stats(corpus, group_by="speaker").params["n_statements_without_group"],
        "shares": topic_shares(_model(dtm), corpus=corpus, group_by="speaker").params["n_statements_without_group"],
    }
    assert set(counts.values()) == {expected}, counts
    g = group_units(dtm, corpus=corpus, group_by="speaker")
    missing = group_labels(corpus, group_by="speaker").isna()
    left_out = dtm.units["statement_id"].isin(missing[missing].index).to_numpy()
    assert (g.codes[left_out] == -1).all() and (g.codes[~left_out] >= 0).all()


def test_labels_numbers_and_strings_are_one_group_in_sorted_order():
    codes, uniques = factorize_labels(np.array([2019, "2017", None, 2017.0, " ", 2018], dtype=object))
    assert codes.tolist() == [2, 0, -1, 0, -1, 1]
    assert [str(u) for u in uniques] == ["2017", "2018", "2019"]
    statements = pd.DataFrame({"statement_id": ["a", "b"], "year": [2017, 2019]})
    g = group_units(pd.DataFrame({"statement_id": ["b", "a", "b"]}), corpus=statements, group_by="year")
    assert g.names == ("2017", "2019") and g.values == (2017, 2019) and g.codes.tolist() == [1, 0, 1]
    assert g.resolve("2019", role="group_a") == g.resolve(2019, role="group_a") == 1
    with pytest.raises(InputError, match="group_a: group '2016' not found in column 'year'; groups are: 2017, 2019"):
        g.resolve(2016, role="group_a")
    each = group_units(pd.DataFrame({"statement_id": ["b", "a"]}), corpus=statements, group_by="statement")
    assert each.names == ("a", "b") and each.codes.tolist() == [1, 0]
