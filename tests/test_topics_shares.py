"""Topic shares and differences: weighting, intervals, permutation test, small-group flags."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from textanalytics.errors import InputError
from textanalytics.topics import (REST, TopicConfig, TopicEnsemble, TopicModel, topic_differences,
                                  topic_shares)
from textanalytics.compare.stats import bh_adjust
from textanalytics.topics.resampling import permutation_test


def _model(doc_topic, statement_ids, n_terms, *, seed=1, stability=None) -> TopicModel:
    """A hand-made fitted model: units = (statement, paragraph) rows."""
    doc_topic = np.asarray(doc_topic, dtype=float)
    k = doc_topic.shape[1]
    paragraph = pd.Series(statement_ids).groupby(statement_ids).cumcount() + 1
    units = pd.DataFrame({
        "unit_id": [f"{s}:{p}" for s, p in zip(statement_ids, paragraph)],
        "statement_id": statement_ids,
        "paragraph": pd.array(paragraph, dtype="Int64"),
        "n_tokens": n_terms,
        "n_terms": np.asarray(n_terms, dtype=np.int64),
    })
    topic_term = np.eye(k, k + 1) * 0.9 + 0.1 / (k + 1)
    topic_term /= topic_term.sum(axis=1, keepdims=True)
    return TopicModel(topic_term=topic_term, doc_topic=doc_topic,
                      vocabulary=tuple(f"t{j}" for j in range(k + 1)), units=units,
                      term_counts=np.ones(k + 1), params={"engine": "hand", "k": k, "seed": seed,
                                                          "config": {"stability_threshold": 0.5}},
                      stability=stability)


def _statements(ids, groups, column="group"):
    return pd.DataFrame({"statement_id": ids, column: groups, "text": ""})


CFG = TopicConfig(n_bootstrap=50, n_permutations=2000)


def test_statement_share_weights_paragraphs_by_tokens():
    # s1: paragraphs of 3 tokens (topic 1) and 1 token (topic 2); s2: 6 tokens of topic 2.
    model = _model([[1, 0], [0, 1], [0, 1]], ["s1", "s1", "s2"], [3, 1, 6])
    corpus = _statements(["s1", "s2"], ["A", "A"])
    per_statement = topic_shares(model, corpus=corpus, group_by="statement_id", config=CFG).table
    s1 = per_statement[per_statement["group"] == "s1"]["share"].to_numpy()
    assert s1 == pytest.approx([0.75, 0.25])
    tokens = topic_shares(model, corpus=corpus, group_by="group", config=CFG).table
    assert tokens["share"].to_numpy() == pytest.approx([3 / 10, 7 / 10])
    equal = topic_shares(model, corpus=corpus, group_by="group",
                         config=TopicConfig(n_bootstrap=50, group_weight="statements")).table
    assert equal["share"].to_numpy() == pytest.approx([(0.75 + 0) / 2, (0.25 + 1) / 2])
    assert tokens["n_statements"].tolist() == [2, 2] and tokens["n_tokens"].tolist() == [10, 10]


def test_shares_table_schema_order_and_single_statement_note():
    model = _model([[.7, .3], [.6, .4], [.2, .8], [.1, .9]], ["a", "b", "c", "d"], [5, 5, 5, 5])
    corpus = _statements(["a", "b", "c", "d"], [2019, 2017, 2018, 2018], column="year")
    out = topic_shares(model, corpus=corpus, group_by="year", config=CFG).table
    assert list(out.columns) == ["group_by", "group", "topic", "label", "share", "lower", "upper",
                                 "n_statements", "n_units", "n_tokens", "unstable", "note"]
    assert out["group"].tolist() == [2017, 2017, 2018, 2018, 2019, 2019]
    assert out.groupby("group")["share"].sum().to_numpy() == pytest.approx(1.0)
    assert (out["lower"] <= out["share"] + 1e-12).all() and (out["share"] <= out["upper"] + 1e-12).all()
    assert out["note"].str.contains("only 1 statement").tolist() == [True, True, False, False, True, True]
    # A single fit: stability unknown, so unstable is <NA>.
    assert out["unstable"].isna().all()


def test_missing_group_values_are_left_out_and_counted():
    model = _model([[1, 0], [0, 1], [.5, .5]], ["a", "b", "c"], [2, 2, 2])
    corpus = _statements(["a", "b", "c"], ["X", "", None])
    res = topic_shares(model, corpus=corpus, group_by="group", config=CFG)
    assert res.table["group"].unique().tolist() == ["X"]
    assert res.params["n_statements_without_group"] == 2


def test_unknown_group_column_is_a_clear_error():
    model = _model([[1, 0]], ["a"], [2])
    with pytest.raises(InputError, match="column 'speaker' not found"):
        topic_shares(model, corpus=_statements(["a"], ["X"]), group_by="speaker")


def test_shares_are_deterministic_and_seed_dependent():
    rng = np.random.default_rng(0)
    theta = rng.dirichlet([1, 1, 1], size=12)
    model = _model(theta, [f"s{i // 3}" for i in range(12)], rng.integers(3, 9, 12).tolist())
    corpus = _statements([f"s{i}" for i in range(4)], ["A", "B", "A", "B"])
    a = topic_shares(model, corpus=corpus, group_by="group", config=CFG).table
    b = topic_shares(model, corpus=corpus, group_by="group", config=CFG).table
    c = topic_shares(model, corpus=corpus, group_by="group", config=CFG, seed=99).table
    pd.testing.assert_frame_equal(a, b)
    assert not np.array_equal(a["lower"], c["lower"])
    assert np.array_equal(a["share"], c["share"])


def test_intervals_include_seed_variation():
    ids = ["s1", "s1", "s2", "s2"]
    ref = _model([[.9, .1], [.9, .1], [.1, .9], [.1, .9]], ids, [4, 4, 4, 4], seed=1)
    other = _model([[.5, .5], [.5, .5], [.1, .9], [.1, .9]], ids, [4, 4, 4, 4], seed=2)
    corpus = _statements(["s1", "s2"], ["A", "B"])
    alone = topic_shares(ref, corpus=corpus, group_by="group", config=CFG).table
    both = topic_shares(TopicEnsemble(reference=ref, refits=(other,)), corpus=corpus, group_by="group",
                        config=CFG).table
    # Identical paragraphs within a statement: without refits the interval is a point.
    assert (alone["upper"] - alone["lower"]).max() == pytest.approx(0.0)
    a1 = both[(both["group"] == "A") & (both["topic"] == 1)].iloc[0]
    assert a1["lower"] == pytest.approx(0.5) and a1["upper"] == pytest.approx(0.9)


def test_exact_permutation_two_against_two_by_hand():
    # Shares of topic 1: A = {0.9, 0.8}, B = {0.1, 0.2}, equal lengths.
    a = np.array([[.9, .1], [.8, .2], [.1, .9], [.2, .8]])
    b = np.ones(4)
    p, min_p, test, n = permutation_test(a, b, 2, n_permutations=100, rng=np.random.default_rng(0))
    # C(4, 2) = 6 relabelings; the observed one and its mirror image are the most extreme.
    assert test == "exact" and n == 6
    assert p == pytest.approx([2 / 6, 2 / 6]) and min_p == pytest.approx([2 / 6, 2 / 6])


def test_exact_permutation_one_against_three_by_hand():
    # A = {0.9}; B = {0.1, 0.2, 0.3}. |diff| per choice of A: 0.9 -> 0.7, 0.1 -> 0.367,
    # 0.2 -> 0.233, 0.3 -> 0.1: the observed labeling is the most extreme of 4.
    a = np.array([[.9, .1], [.1, .9], [.2, .8], [.3, .7]])
    p, min_p, test, n = permutation_test(a, np.ones(4), 1, n_permutations=100, rng=np.random.default_rng(0))
    assert (test, n) == ("exact", 4)
    assert p == pytest.approx([0.25, 0.25]) and min_p == pytest.approx([0.25, 0.25])
    # Observed is the mildest: p = 1.
    a2 = np.array([[.3, .7], [.1, .9], [.2, .8], [.9, .1]])
    p2, *_ = permutation_test(a2, np.ones(4), 1, n_permutations=100, rng=np.random.default_rng(0))
    assert p2[0] == pytest.approx(1.0)


def test_monte_carlo_permutation_uses_plus_one_correction():
    rng = np.random.default_rng(1)
    a = np.c_[np.r_[np.full(15, 0.9), np.full(15, 0.1)], np.zeros(30)]
    p, min_p, test, n = permutation_test(a, np.ones(30), 15, n_permutations=199, rng=rng)
    assert test == "monte carlo" and n == 199
    assert p[0] == pytest.approx(1 / 200) and min_p[0] == pytest.approx(1 / 200)


def test_permutation_false_positive_rate_under_the_null():
    """Null: statement shares independent of the label. P(p <= 0.05) must stay <= 0.05."""
    rng = np.random.default_rng(2024)
    exact, mc = [], []
    for _ in range(400):
        shares = rng.beta(2, 5, size=8)
        weights = rng.integers(20, 200, size=8).astype(float)
        a = np.c_[shares * weights, (1 - shares) * weights]
        exact.append(permutation_test(a, weights, 4, n_permutations=2000, rng=rng)[0][0])
    for _ in range(150):
        shares = rng.beta(2, 5, size=24)
        weights = rng.integers(20, 200, size=24).astype(float)
        a = np.c_[shares * weights, (1 - shares) * weights]
        mc.append(permutation_test(a, weights, 12, n_permutations=199, rng=rng)[0][0])
    # Exact test with C(8,4) = 70 relabelings: P(p <= 0.05) = 2/70 = 0.029 in theory.
    assert np.mean(np.array(exact) <= 0.05) <= 0.05
    assert np.mean(np.array(mc) <= 0.05) <= 0.075  # 0.05 + ~1.5 binomial SD for 150 draws


def test_differences_by_hand_with_notes():
    ids = ["a1", "b1", "b2", "b3"]
    model = _model([[.9, .1], [.1, .9], [.2, .8], [.3, .7]], ids, [10, 10, 10, 10])
    corpus = _statements(ids, ["A", "B", "B", "B"])
    out = topic_differences(model, corpus=corpus, group_by="group", config=CFG, min_statements=1).table
    assert list(out.columns) == ["group_by", "group_a", "group_b", "topic", "label", "difference", "lower",
                                 "upper", "p_value", "p_adjusted", "lower_adjusted", "upper_adjusted", "verdict",
                                 "min_p_value", "test", "n_relabelings", "n_a", "n_b", "unstable", "note"]
    row = out[out["topic"] == 1].iloc[0]
    assert row["difference"] == pytest.approx(0.9 - 0.2)
    assert row["p_value"] == pytest.approx(0.25) and row["min_p_value"] == pytest.approx(0.25)
    assert (row["n_a"], row["n_b"], row["test"], row["n_relabelings"]) == (1, 3, "exact", 4)
    assert "only 1 statement in A" in row["note"] and "smallest attainable p = 0.25" in row["note"]


def test_a_side_with_one_statement_gets_the_estimate_but_no_interval_or_test_by_default():
    ids = ["a1", "b1", "b2", "b3"]
    model = _model([[.9, .1], [.1, .9], [.2, .8], [.3, .7]], ids, [10, 10, 10, 10])
    corpus = _statements(ids, ["A", "B", "B", "B"])
    out = topic_differences(model, corpus=corpus, group_by="group", config=CFG).table
    assert out["difference"].tolist() == pytest.approx([0.7, -0.7])
    for col in ("lower", "upper", "p_value", "p_adjusted", "lower_adjusted", "upper_adjusted", "min_p_value"):
        assert out[col].isna().all(), col
    assert set(out["verdict"]) == {"not_tested"} and set(out["test"]) == {"none"}
    assert "fewer than 2 statements in A (1)" in out["note"].iloc[0] and "no interval and no test" in out["note"].iloc[0]


def test_the_verdict_never_contradicts_the_adjusted_test_or_the_family_interval():
    rng = np.random.default_rng(11)
    ids = [f"s{i}" for i in range(24)]
    groups = np.repeat(["A", "B", "C", "D"], 6)
    theta = rng.dirichlet([2, 2, 2], size=24)
    theta[:6] = rng.dirichlet([12, 2, 2], size=6)  # A leans to topic 1
    model = _model(theta, ids, rng.integers(5, 40, size=24))
    res = topic_differences(model, corpus=_statements(ids, groups), group_by="group", versus="rest",
                            alpha=0.05, config=TopicConfig(n_bootstrap=400, n_permutations=999))
    t = res.table
    tested = t["p_value"].notna()
    m, r = int(tested.sum()), int((t["p_adjusted"] <= 0.05).sum())
    assert res.params["fcr_level"] == pytest.approx(1 - max(r, 1) * 0.05 / m)
    assert ((t["upper_adjusted"] - t["lower_adjusted"]) >= (t["upper"] - t["lower"]) - 1e-12).all()
    higher = t["verdict"] == "a_higher"
    assert (t.loc[higher, "p_adjusted"] <= 0.05).all() and (t.loc[higher, "lower_adjusted"] > 0).all()
    lower = t["verdict"] == "b_higher"
    assert (t.loc[lower, "p_adjusted"] <= 0.05).all() and (t.loc[lower, "upper_adjusted"] < 0).all()
    none = t["verdict"] == "no_evidence"
    assert (t.loc[none, "p_adjusted"] > 0.05).all()
    assert ((t.loc[none, "lower_adjusted"] <= 0) & (t.loc[none, "upper_adjusted"] >= 0)).all()
    assert t.loc[(t["group_a"] == "A") & (t["topic"] == 1), "verdict"].item() == "a_higher"  # the planted lean


def test_explicit_pairs_come_first_each_once_and_two_groups_give_one_pair():
    ids = [f"s{i}" for i in range(6)]
    model = _model(np.full((6, 2), 0.5), ids, [5] * 6)
    corpus = _statements(ids, ["A", "A", "B", "B", "C", "C"])
    t = topic_differences(model, corpus=corpus, group_by="group", config=CFG,
                          pairs=[("C", "A"), ("A", "C"), ("A", REST), ("B", REST)]).table
    assert t[["group_a", "group_b"]].drop_duplicates().values.tolist() == [["C", "A"], ["A", REST], ["B", REST]]
    two = _statements(ids[:4], ["A", "A", "B", "B"])
    rest = topic_differences(_model(np.full((4, 2), 0.5), ids[:4], [5] * 4), corpus=two, group_by="group",
                             versus="rest", config=CFG).table
    assert rest[["group_a", "group_b"]].drop_duplicates().values.tolist() == [["A", "B"]]  # not A-rest and B-rest
    with pytest.raises(InputError, match="either pairs or group_a"):
        topic_differences(model, corpus=corpus, group_by="group", group_a="A", pairs=[("A", "B")], config=CFG)


def test_difference_pairs_rest_and_labels():
    rng = np.random.default_rng(5)
    ids = [f"s{i}" for i in range(6)]
    model = _model(rng.dirichlet([1, 1], size=6), ids, [5] * 6, stability=np.array([0.9, 0.2]))
    corpus = _statements(ids, [2017, 2018, 2019, 2017, 2018, 2019], column="year")
    pairs = topic_differences(model, corpus=corpus, group_by="year", config=CFG).table
    assert pairs[["group_a", "group_b"]].drop_duplicates().values.tolist() == [[2017, 2018], [2017, 2019], [2018, 2019]]
    rest = topic_differences(model, corpus=corpus, group_by="year", versus="rest", config=CFG).table
    assert set(rest["group_b"]) == {REST} and rest["n_b"].unique().tolist() == [4]
    one = topic_differences(model, corpus=corpus, group_by="year", group_a="2017", group_b=2019, config=CFG).table
    assert one[["group_a", "group_b"]].drop_duplicates().values.tolist() == [[2017, 2019]]
    # Unstable topic 2 is flagged in the table and the note.
    assert one["unstable"].tolist() == [False, True]
    assert "unstable" in one["note"].iloc[1] and "unstable" not in one["note"].iloc[0]
    # A pair's result does not depend on which other pairs were computed.
    same = pairs[(pairs["group_a"] == 2017) & (pairs["group_b"] == 2019)].reset_index(drop=True)
    family = ["p_adjusted", "lower_adjusted", "upper_adjusted", "verdict"]  # these depend on the family
    pd.testing.assert_frame_equal(one.drop(columns=family), same.drop(columns=family))
    with pytest.raises(InputError, match="group_a: group '2016' not found in column 'year'"):
        topic_differences(model, corpus=corpus, group_by="year", group_a=2016, config=CFG)


def test_benjamini_hochberg_by_hand():
    # Sorted p: 0.01, 0.03, 0.04, 0.5 -> p * 4 / rank = 0.04, 0.06, 0.0533, 0.5 -> running minimum from the top.
    # One adjustment for keyness and topic differences: compare.stats.bh_adjust (equal to scipy's).
    assert bh_adjust(np.array([0.01, 0.04, 0.03, 0.5])) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, 0.5])


def test_intervals_resample_statements_by_default_as_the_report_does():
    # Two statements per group, each with identical paragraphs: resampling paragraphs alone
    # gives a point; resampling statements (the default) spreads the interval.
    ids = ["a1", "a1", "a2", "a2", "b1", "b1", "b2", "b2"]
    model = _model([[.9, .1]] * 2 + [[.3, .7]] * 2 + [[.5, .5]] * 4, ids, [4] * 8)
    corpus = _statements(["a1", "a2", "b1", "b2"], ["A", "A", "B", "B"])
    default = topic_shares(model, corpus=corpus, group_by="group", config=CFG)
    paragraphs_only = topic_shares(model, corpus=corpus, group_by="group", config=CFG, resample_statements=False)
    assert default.params["resample_statements"] is True
    pd.testing.assert_frame_equal(default.table, topic_shares(model, corpus=corpus, group_by="group", config=CFG,
                                                              resample_statements=True).table)
    a = default.table[default.table["group"] == "A"]
    assert (a["upper"] - a["lower"]).min() > 0.2
    assert (paragraphs_only.table["upper"] - paragraphs_only.table["lower"]).max() == pytest.approx(0.0)
    diffs = topic_differences(model, corpus=corpus, group_by="group", config=CFG)
    assert diffs.params["resample_statements"] is True and (diffs.table["upper"] - diffs.table["lower"]).min() > 0.2


def test_result_objects_keep_parameters_through_concat_and_plot():
    rng = np.random.default_rng(7)
    ids = [f"s{i}" for i in range(6)]
    model = _model(rng.dirichlet([1, 1], size=6), ids, [5] * 6)
    corpus = _statements(ids, [2017, 2018, 2019, 2017, 2018, 2019], column="year")
    cfg = TopicConfig(n_bootstrap=50, confidence=0.8)
    shares = topic_shares(model, corpus=corpus, group_by="year", config=cfg)
    assert {k: shares.params[k] for k in ("group_by", "confidence", "n_bootstrap", "seed")} == {
        "group_by": "year", "confidence": 0.8, "n_bootstrap": 50, "seed": 1}
    grid = shares.summary()
    assert list(grid.columns) == ["2017", "2018", "2019"]
    assert grid.to_numpy().sum(axis=0) == pytest.approx(1.0)
    assert "TopicShares(group_by='year', confidence=0.8" in repr(shares) and "<table" in shares._repr_html_()
    # Numbered groups draw lines over time; the title states the result's confidence, not 95 %.
    assert "80% intervals" in shares.plot()._suptitle.get_text()
    assert shares.plot(kind="heatmap").axes[0].get_title().startswith("Topic shares by year")
    diffs = topic_differences(model, corpus=corpus, group_by="year", config=cfg)
    summary = diffs.summary()
    assert summary[["group_a", "group_b"]].values.tolist() == [[2017, 2018], [2017, 2019], [2018, 2019]]
    assert (summary["p_min"] >= summary["min_p_value"] - 1e-12).all()
    assert "80% interval" in diffs.plot().axes[0].get_xlabel()
    # Parameters live on the result, not in DataFrame.attrs.
    assert shares.table.attrs == {} and diffs.table.attrs == {}
