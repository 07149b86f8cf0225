"""TF-IDF distinctive terms and document similarity, against manual computations."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import squareform

from textanalytics.compare import SimilarityResult, distinctive_terms, nearest_neighbours, similarity
from textanalytics.errors import InputError
from textanalytics.features import build_dtm, dtm_from_texts



@pytest.fixture(scope="module")
def corpus(tiny):
    return tiny.tiny_corpus()


@pytest.fixture(scope="module")
def dtm(tiny, corpus):
    return build_dtm(tiny.tiny_tokens(corpus), unit="paragraph")


def manual_tfidf(counts: np.ndarray, idf_counts: np.ndarray) -> np.ndarray:
    """scikit-learn's smooth idf, written out: ln((1 + n) / (1 + df)) + 1, then L2 rows."""
    n = idf_counts.shape[0]
    df = (idf_counts > 0).sum(axis=0)
    idf = np.log((1 + n) / (1 + df)) + 1
    w = counts * idf
    norms = np.linalg.norm(w, axis=1, keepdims=True)
    return np.divide(w, norms, out=np.zeros_like(w), where=norms > 0)


def test_tfidf_equals_scikit_learn_bitwise(dtm):
    """compare.stats.tfidf is scikit-learn's TfidfTransformer (l2, smooth idf), bit for bit and entry for entry."""
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfTransformer

    from textanalytics.compare.stats import tfidf

    def same(a, b):
        return (np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
                and np.array_equal(a.data, b.data))

    def sklearn():
        return TfidfTransformer(norm="l2", use_idf=True, smooth_idf=True, sublinear_tf=False)

    rng = np.random.default_rng(3)
    matrices = [dtm.counts, dtm.aggregate(dtm.units["statement_id"]).counts]
    for _ in range(40):
        n, v = int(rng.integers(1, 40)), int(rng.integers(1, 200))
        dense = rng.poisson(2 * rng.random(), size=(n, v)) * (rng.random((n, v)) < rng.random())
        matrices.append(sp.csr_matrix(dense.astype(np.int64)))
    for counts in matrices:
        assert same(tfidf(counts), sklearn().fit_transform(counts))
        other = sp.csr_matrix(rng.poisson(1, size=(5, counts.shape[1])).astype(np.int64))
        assert same(tfidf(other, idf_counts=counts), sklearn().fit(counts).transform(other))


def group_matrix(dtm, corpus, column):
    labels = corpus.statements.set_index("statement_id")[column]
    lab = dtm.units["statement_id"].map(labels)
    groups = sorted(set(lab) - {""})
    dense = dtm.counts.toarray()
    return groups, np.array([dense[(lab == g).to_numpy()].sum(axis=0) for g in groups], dtype=float)


# -- distinctive terms --------------------------------------------------------------------------


def test_group_vectors_equal_manual_tfidf_idf_over_groups(dtm, corpus):
    out = distinctive_terms(dtm, corpus=corpus, group_by="organisation", top_n=100, idf="groups").table
    assert list(out.columns) == ["group_by", "group", "term", "score", "rank", "count", "n_statements",
                                 "total_statements"]
    groups, counts = group_matrix(dtm, corpus, "organisation")
    assert groups == ["FSB/NAC", "MFA"]
    expected = manual_tfidf(counts, counts)
    vocab = dtm.vocabulary
    for g, row in zip(groups, expected):
        part = out[out["group"] == g]
        got = dict(zip(part["term"], part["score"]))
        want = {vocab[j]: row[j] for j in np.flatnonzero(row)}
        assert got.keys() == want.keys()
        for term, value in want.items():
            assert got[term] == pytest.approx(value)
    fsb = out[out["group"] == "FSB/NAC"]
    assert fsb["term"].tolist() == ["financing", "terrorism", "crime", "terrorist"]
    assert fsb["count"].tolist() == [3, 2, 1, 1] and set(fsb["n_statements"]) == {1}
    assert fsb["rank"].tolist() == [1, 2, 3, 4]
    mfa = out[out["group"] == "MFA"]
    assert set(mfa["total_statements"]) == {3} and mfa["n_statements"].between(1, 3).all()


def test_group_vectors_idf_over_units(dtm, corpus):
    out = distinctive_terms(dtm, corpus=corpus, group_by="year", top_n=100, idf="units").table
    groups, counts = group_matrix(dtm, corpus, "year")
    expected = manual_tfidf(counts, dtm.counts.toarray())
    for g, row in zip(groups, expected):
        part = out[out["group"] == str(g)].set_index("term")["score"]
        for j in np.flatnonzero(row):
            assert part[dtm.vocabulary[j]] == pytest.approx(row[j])


def test_statement_groups_ties_alphabetical_and_top_n(dtm, corpus):
    out = distinctive_terms(dtm, corpus=corpus, top_n=2).table
    assert out["group_by"].unique().tolist() == ["statement"]
    assert out["group"].unique().tolist() == ["s1", "s2", "s3", "s4"]
    assert out.groupby("group").size().max() == 2
    s4 = out[out["group"] == "s4"]
    # peace is unique to s4; law and world tie (each in 2 statements, count 1): alphabetical.
    assert s4["term"].tolist() == ["peace", "law"]


def test_missing_group_values_form_no_group(dtm, corpus, caplog):
    with caplog.at_level(logging.WARNING, logger="textanalytics"):
        res = distinctive_terms(dtm, corpus=corpus, group_by="speaker")
    out = res.table
    assert out["group"].unique().tolist() == ["Lavrov", "Sirotkin"]
    assert res.params["n_statements_without_group"] == 1
    assert "no value" in caplog.text


def test_distinctive_errors(dtm, corpus):
    with pytest.raises(InputError, match="column 'colour' not found"):
        distinctive_terms(dtm, corpus=corpus, group_by="colour")
    with pytest.raises(InputError, match="top_n"):
        distinctive_terms(dtm, corpus=corpus, top_n=0)
    with pytest.raises(InputError, match="idf"):
        distinctive_terms(dtm, corpus=corpus, idf="docs")


# -- similarity ---------------------------------------------------------------------------------


def test_cosine_equals_manual(dtm, corpus):
    sim = similarity(dtm, corpus=corpus)
    assert isinstance(sim, SimilarityResult)
    stmt = dtm.aggregate(dtm.units["statement_id"], unit="statement").counts.toarray().astype(float)
    x = manual_tfidf(stmt, stmt)
    expected = x @ x.T
    np.fill_diagonal(expected, 1.0)
    np.testing.assert_allclose(sim.matrix.to_numpy(), expected, atol=1e-12)
    assert list(sim.matrix.index) == ["s1", "s2", "s3", "s4"]
    assert list(sim.pairs.columns) == ["statement_a", "statement_b", "cosine"]
    assert len(sim.pairs) == 6 and (sim.pairs["statement_a"] < sim.pairs["statement_b"]).all()
    row = sim.pairs[(sim.pairs["statement_a"] == "s1") & (sim.pairs["statement_b"] == "s3")]
    assert row["cosine"].iloc[0] == pytest.approx(expected[0, 2])


def test_linkage_is_average_on_one_minus_cosine(dtm, corpus):
    sim = similarity(dtm, corpus=corpus)
    d = 1 - sim.matrix.to_numpy()
    np.fill_diagonal(d, 0)
    np.testing.assert_allclose(sim.linkage, linkage(squareform(d, checks=False), method="average"))
    assert sorted(sim.order) == ["s1", "s2", "s3", "s4"]
    assert sim.labels()[0] == "s1 (Lavrov, 2017)"
    assert sim.metadata["statement_id"].tolist() == ["s1", "s2", "s3", "s4"]


def test_nearest_neighbours_order_and_ties():
    dtm = dtm_from_texts(["a", "c", "b", "d"], [["x", "y"], ["x", "y", "z"], ["x", "y", "z"], ["q"]])
    sim = similarity(dtm)
    nn = nearest_neighbours(sim, top_n=2)
    assert list(nn.columns) == ["statement_id", "rank", "neighbour", "cosine"]
    a = nn[nn["statement_id"] == "a"]
    assert a["neighbour"].tolist() == ["b", "c"]                  # equal cosine: by id
    assert a["cosine"].iloc[0] == pytest.approx(a["cosine"].iloc[1])
    b = nn[nn["statement_id"] == "b"]
    assert b["neighbour"].tolist()[0] == "c" and b["cosine"].iloc[0] == pytest.approx(1.0)
    assert nn.equals(sim.nearest_neighbours(top_n=2))
    assert sim.clusters(n_clusters=2).set_index("statement_id")["cluster"].to_dict() in (
        {"a": 1, "b": 1, "c": 1, "d": 2}, {"a": 2, "b": 2, "c": 2, "d": 1})


def test_empty_statement_is_similar_to_nothing(caplog):
    dtm = dtm_from_texts(["a", "b", "e"], [["x"], ["x", "y"], []])
    with caplog.at_level(logging.WARNING, logger="textanalytics"):
        sim = similarity(dtm)
    assert sim.matrix.loc["e", "a"] == 0.0 and sim.matrix.loc["e", "e"] == 1.0
    assert sim.params["empty"] == ["e"] and "no term" in caplog.text


def test_paragraph_level(dtm):
    sim = similarity(dtm, unit="paragraph")
    assert list(sim.pairs.columns) == ["paragraph_a", "paragraph_b", "cosine"]
    assert len(sim.matrix) == dtm.n_units


def test_similarity_errors(dtm):
    stmt = dtm.aggregate(dtm.units["statement_id"], unit="statement")
    with pytest.raises(InputError, match="paragraph-level matrix"):
        similarity(stmt, unit="paragraph")
    with pytest.raises(InputError, match="unit"):
        similarity(dtm, unit="sentence")
    with pytest.raises(InputError, match="at least 2"):
        similarity(dtm_from_texts(["a"], [["x"]]))
    with pytest.raises(InputError, match="max_units"):
        similarity(dtm, max_units=3)
    with pytest.raises(InputError, match="top_n:"):
        nearest_neighbours(similarity(dtm), top_n=0)


def test_result_rebuilt_from_saved_tables(dtm, corpus):
    sim = similarity(dtm, corpus=corpus)
    assert sim.table is sim.pairs
    for saved in (sim.matrix, sim.pairs):
        again = SimilarityResult.from_matrix(saved)
        np.testing.assert_allclose(again.matrix.to_numpy(), sim.matrix.to_numpy())
        np.testing.assert_allclose(again.linkage, sim.linkage)
        assert again.order == sim.order and again.unit == "statement"


def test_distinctive_result_keeps_parameters_and_plots(dtm, corpus):
    res = distinctive_terms(dtm, corpus=corpus, group_by="organisation", top_n=3)
    assert res.params["top_n"] == 3 and res.params["group_by"] == "organisation"
    summary = res.summary()
    assert summary["group"].tolist() == list(dict.fromkeys(res.table["group"]))
    first = res.table[res.table["group"] == summary["group"].iat[0]]["term"].tolist()
    assert summary["terms"].iat[0] == ", ".join(first)
    assert "DistinctiveTerms(group_by='organisation', top_n=3" in repr(res) and "<table" in res._repr_html_()
    fig = res.plot()
    assert len([ax for ax in fig.axes if ax.get_visible()]) == res.table["group"].nunique()


def test_old_keyword_names_still_work_with_a_warning(dtm):
    sim = similarity(dtm)
    with pytest.warns(DeprecationWarning, match="top_n"):
        old = nearest_neighbours(sim, n=2)
    assert old.equals(nearest_neighbours(sim, top_n=2))
    with pytest.warns(DeprecationWarning, match="unit"):
        assert similarity(dtm, level="paragraph").unit == "paragraph"
    with pytest.warns(DeprecationWarning):
        assert sim.level == "statement"
