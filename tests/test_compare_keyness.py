"""Keyness: G², log ratio, BH, dispersion, groupings — against independent computations."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sst

from textanalytics.compare import KeynessResult, keyness
from textanalytics.compare import stats
from textanalytics.compare.keywords import KEYNESS_COLUMNS
from textanalytics.errors import InputError
from textanalytics.features import dtm_from_texts

# Paragraph units of five statements; X1 has no group.
UNITS = pd.DataFrame({
    "unit_id": ["A1:1", "A1:2", "A2:1", "B1:1", "B1:2", "C1:1", "X1:1"],
    "statement_id": ["A1", "A1", "A2", "B1", "B1", "C1", "X1"],
    "paragraph": [1, 2, 1, 1, 2, 1, 1],
})
TEXTS = [["war", "war", "law"], ["war", "peace"], ["law", "law", "order"],
         ["war", "crime", "crime"], ["crime"], ["peace", "peace", "law"], ["war"]]
STATEMENTS = pd.DataFrame({"statement_id": ["A1", "A2", "B1", "C1", "X1"],
                           "bloc": ["A", "A", "B", "C", None],
                           "text": [""] * 5})


@pytest.fixture(scope="module")
def dtm():
    return dtm_from_texts(UNITS, TEXTS)


@pytest.fixture(scope="module")
def result(dtm):
    return keyness(dtm, corpus=STATEMENTS, group_by="bloc")


def contingency_g2(a, b, n1, n2):
    table = np.array([[a, b], [n1 - a, n2 - b]], dtype=float)
    return sst.chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]


def manual_bh(p):
    p = np.asarray(p, dtype=float)
    m = len(p)
    order = np.argsort(p)
    adj = np.empty(m)
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p[i] * m / rank)
        adj[i] = running
    return adj


# -- array statistics ---------------------------------------------------------------------------


def test_g2_equals_chi2_contingency_log_likelihood():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 60, 200)
    b = rng.integers(0, 60, 200)
    n1, n2 = 5_000, 12_345
    ours = stats.g2(a, b, n1, n2)
    ref = [contingency_g2(x, y, n1, n2) if x + y else 0.0 for x, y in zip(a, b)]
    np.testing.assert_allclose(ours, ref, rtol=1e-9, atol=1e-9)


def test_g2_two_cell_rayson_garside_formula():
    # Worked by hand: a=10, b=0, n1=n2=1000 -> E1=E2=5; 2*(10 ln 2 + 0) = 20 ln 2.
    assert stats.g2([10], [0], 1000, 1000, cells=2)[0] == pytest.approx(20 * np.log(2))
    a, b, n1, n2 = 25.0, 40.0, 10_000.0, 30_000.0
    e1, e2 = n1 * (a + b) / (n1 + n2), n2 * (a + b) / (n1 + n2)
    manual = 2 * (a * np.log(a / e1) + b * np.log(b / e2))
    assert float(stats.g2(a, b, n1, n2, cells=2)) == pytest.approx(manual)
    # The four-cell value differs slightly (it adds the "other tokens" cells).
    assert float(stats.g2(a, b, n1, n2, cells=4)) == pytest.approx(contingency_g2(a, b, n1, n2))
    assert abs(float(stats.g2(a, b, n1, n2, cells=4)) - manual) < 0.05 * manual


def test_g2_zero_convention_and_identical_proportions():
    # 0 ln 0 = 0: a term absent from one side has a finite G² equal to scipy's.
    assert np.isfinite(stats.g2([0], [7], 100, 100)[0])
    assert stats.g2([0], [7], 100, 100)[0] == pytest.approx(contingency_g2(0, 7, 100, 100))
    assert stats.g2([5], [10], 100, 200)[0] == pytest.approx(0.0, abs=1e-12)


def test_log_ratio_and_zero_rule():
    assert stats.log_ratio([20], [10], 1000, 1000)[0] == pytest.approx(1.0)
    assert stats.log_ratio([10], [10], 1000, 4000)[0] == pytest.approx(2.0)
    assert stats.log_ratio([5], [20], 100, 100)[0] == pytest.approx(-2.0)
    # With a zero, half a token's rate at the mean side size is added to both rates.
    assert stats.log_ratio([8], [0], 100, 100)[0] == pytest.approx(np.log2((8 / 100 + 0.005) / 0.005))
    c = 0.5 / 150
    assert stats.log_ratio([0], [8], 100, 200)[0] == pytest.approx(np.log2(c / (8 / 200 + c)))
    assert np.isnan(stats.log_ratio([0], [0], 100, 100)[0])
    # Hardie's 0.5-count rule gave +0.46 here (0.5/4 > 1/11): the sign now follows the rates.
    assert stats.log_ratio([0], [1], 4, 11)[0] < 0
    assert stats.log_ratio([1], [0], 100, 1)[0] > 0


def test_log_ratio_sign_never_contradicts_direction():
    rng = np.random.default_rng(0)
    a, b = rng.poisson(0.7, 5000), rng.poisson(0.7, 5000)
    n1, n2 = rng.integers(1, 2000, 5000), rng.integers(1, 2000, 5000)
    lr = stats.log_ratio(a, b, n1, n2)
    rate = np.sign(a * n2 - b * n1)
    ok = ~((a == 0) & (b == 0))
    assert np.isfinite(lr[ok]).all()
    assert (np.sign(lr[ok]) == rate[ok]).all()


def test_relative_frequency_per_10000():
    assert stats.relative_frequency([3], [600])[0] == pytest.approx(50.0)
    assert np.isnan(stats.relative_frequency([0], [0])[0])


def test_bh_matches_manual_computation():
    p = np.array([0.01, 0.04, 0.03, 0.005, 0.5, 0.2, 0.04])
    np.testing.assert_allclose(stats.bh_adjust(p), manual_bh(p))
    assert stats.bh_adjust([]).size == 0


def test_bh_equals_scipy_bitwise():
    """The numpy BH adjustment is scipy's ``false_discovery_control(method="bh")``, bit for bit."""
    from scipy.stats import false_discovery_control

    rng = np.random.default_rng(12)
    cases = [np.array([0.5]), np.array([0.0, 1.0, 1.0, 0.0]), np.array([0.04] * 5 + [0.01, 0.2])]
    for n in (2, 3, 10, 257, 5000):
        p = rng.random(n) ** 3
        p[rng.integers(n, size=n // 3)] = p[0]  # ties
        cases += [p, np.round(p, 2), np.where(rng.random(n) < 0.1, 1.0, p)]
    for p in cases:
        ours = stats.bh_adjust(p)
        assert ours.dtype == np.float64 and ours.shape == p.shape
        np.testing.assert_array_equal(ours, false_discovery_control(p, method="bh"))
    np.testing.assert_array_equal(stats.bh_adjust([1.5, -0.1, 0.2]),
                                  false_discovery_control(np.clip([1.5, -0.1, 0.2], 0, 1), method="bh"))


# -- keyness tables -----------------------------------------------------------------------------


def test_columns_and_comparisons(result):
    assert isinstance(result, KeynessResult)
    assert tuple(result.table.columns) == KEYNESS_COLUMNS
    assert result.comparisons[["target", "reference"]].values.tolist() == [["A", "rest"], ["B", "rest"], ["C", "rest"]]
    assert result.comparisons["reference_groups"].tolist() == ["B, C", "A, C", "A, B"]
    assert result.params["n_statements_without_group"] == 1
    assert result.params["groups"] == ["A", "B", "C"]


def test_group_vs_rest_numbers_equal_independent_computation(result):
    a_rest = result.comparison("A")
    n1, n2 = 8, 7          # tokens of A (A1, A2) and of B+C; X1 is in no group
    assert set(a_rest["total_tokens_target"]) == {n1} and set(a_rest["total_tokens_reference"]) == {n2}
    expected = {"war": (3, 1), "law": (3, 1), "crime": (0, 3), "order": (1, 0), "peace": (1, 2)}
    assert set(a_rest["term"]) == set(expected)
    for row in a_rest.itertuples():
        a, b = expected[row.term]
        assert (row.freq_target, row.freq_reference) == (a, b)
        assert row.rel_freq_target == pytest.approx(a / n1 * 10_000)
        assert row.rel_freq_reference == pytest.approx(b / n2 * 10_000)
        g = contingency_g2(a, b, n1, n2)
        assert abs(row.g2) == pytest.approx(g, rel=1e-9)
        assert np.sign(row.g2) == np.sign(a / n1 - b / n2)
        assert row.direction == ("target" if a / n1 > b / n2 else "reference")
        assert row.p_value_tokens == pytest.approx(sst.chi2.sf(g, 1))
        c = 0.5 / ((n1 + n2) / 2) if 0 in (a, b) else 0.0
        assert row.log_ratio == pytest.approx(np.log2((a / n1 + c) / (b / n2 + c)))
    # Statement level: A (2 statements) vs B + C (2): 6 relabelings, enumerated.
    assert set(a_rest.dropna(subset=["p_value"])["test"]) == {"exact permutation"}
    assert set(a_rest[a_rest["p_value"].isna()]["test"]) <= {"none: in too few statements to be key"}
    # Family-wide BH: every tested (comparison, term) of the call in one adjustment.
    tested = result.table.dropna(subset=["p_value"])
    np.testing.assert_allclose(tested["p_adjusted"], manual_bh(tested["p_value"]))


def test_dispersion_counts_and_totals(result):
    rows = result.comparison("A").set_index("term")
    assert rows.loc["war", ["n_statements_target", "n_paragraphs_target"]].tolist() == [1, 2]
    assert rows.loc["law", ["n_statements_target", "n_paragraphs_target"]].tolist() == [2, 2]
    assert rows.loc["war", ["n_statements_reference", "n_paragraphs_reference"]].tolist() == [1, 1]
    assert rows.loc["crime", ["n_statements_reference", "n_paragraphs_reference"]].tolist() == [1, 2]
    assert rows.loc["crime", "n_statements_target"] == 0
    assert set(rows["total_statements_target"]) == {2} and set(rows["total_statements_reference"]) == {2}
    assert set(rows["total_paragraphs_target"]) == {3} and set(rows["total_paragraphs_reference"]) == {3}


def test_sort_is_fightin_words_z_then_term(result):
    for _, part in result.table.groupby(["target", "reference"], sort=False):
        keys = list(zip(-part["fw_z"], part["term"]))
        assert keys == sorted(keys)
    # law and war tie exactly in A vs rest (3 vs 1 each): alphabetical.
    a = result.comparison("A")
    assert a["term"].tolist()[:2] == ["law", "war"] and a["term"].tolist()[-1] == "crime"


def test_small_group_flag_and_warning(result, caplog):
    comps = result.comparisons.set_index("target")
    assert not comps.loc["A", "small_group"] and comps.loc["A", "warning"] == ""
    assert comps.loc["B", "small_group"] and "target 'B' holds 1 statement" in comps.loc["B", "warning"]
    b_rows = result.comparison("B")
    assert b_rows["small_group"].all() and b_rows["warning"].str.contains("single text").all()
    assert "fewer than 2 statements" in repr(result)


def test_small_group_is_logged(dtm, caplog):
    with caplog.at_level(logging.WARNING, logger="textanalytics"):
        keyness(dtm, corpus=STATEMENTS, group_by="bloc", target="C")
    assert "holds 1 statement" in caplog.text and "no value" in caplog.text


def test_pair_comparison_excludes_other_groups_and_absent_terms(dtm):
    res = keyness(dtm, corpus=STATEMENTS, group_by="bloc", target="A", reference="C")
    assert res.comparisons[["target", "reference"]].values.tolist() == [["A", "C"]]
    t = res.table.set_index("term")
    assert "crime" not in t.index                         # only in B: absent from both sides
    assert t.loc["war", ["freq_target", "freq_reference"]].tolist() == [3, 0]
    assert np.isfinite(t.loc["war", "g2"]) and t.loc["war", "g2"] > 0
    assert t.loc["war", "g2"] == pytest.approx(contingency_g2(3, 0, 8, 3))
    assert t.loc["war", "log_ratio"] == pytest.approx(np.log2((3 / 8 + 0.5 / 5.5) / (0.5 / 5.5)))
    assert set(t["total_tokens_reference"]) == {3}
    assert res.comparisons.loc[0, "small_group"]          # C is one statement


def test_reference_only_compares_every_other_group(dtm):
    res = keyness(dtm, corpus=STATEMENTS, group_by="bloc", reference="A")
    assert res.comparisons[["target", "reference"]].values.tolist() == [["B", "A"], ["C", "A"]]


def test_min_dispersion_filters_rows_not_adjusted_p(dtm, result):
    filtered = keyness(dtm, corpus=STATEMENTS, group_by="bloc", target="A", min_dispersion=2)
    assert filtered.table["term"].tolist() == ["law"]
    full = result.comparison("A").set_index("term")
    assert filtered.table.loc[0, "p_adjusted"] == pytest.approx(full.loc["law", "p_adjusted"])
    assert filtered.comparisons.loc[0, ["n_terms", "n_terms_shown"]].tolist() == [5, 1]


def test_statement_level_matrix_has_no_paragraph_dispersion(dtm):
    stmt = dtm.aggregate(dtm.units["statement_id"], unit="statement")
    res = keyness(stmt, corpus=STATEMENTS, group_by="bloc", target="A")
    assert res.table["n_paragraphs_target"].isna().all()
    para = keyness(dtm, corpus=STATEMENTS, group_by="bloc", target="A")
    np.testing.assert_allclose(res.table["g2"], para.table["g2"])
    assert res.table["n_statements_target"].tolist() == para.table["n_statements_target"].tolist()


def test_two_cell_option(dtm):
    res = keyness(dtm, corpus=STATEMENTS, group_by="bloc", target="A", g2_cells=2)
    row = res.table.set_index("term").loc["war"]
    e1, e2 = 8 * 4 / 15, 7 * 4 / 15
    assert row["g2"] == pytest.approx(2 * (3 * np.log(3 / e1) + 1 * np.log(1 / e2)))
    assert res.params["g2_cells"] == 2


def test_top_and_significance(result):
    top = result.top(1)
    assert top[["target", "term"]].values.tolist() == [["A", "law"], ["B", "crime"], ["C", "peace"]]
    low = result.top(1, direction="reference")
    assert low.loc[0, "term"] == "crime" and low.loc[0, "direction"] == "reference"
    assert result.top(5, significant=True).empty or result.top(5, significant=True)["key"].all()


def test_year_groups_accept_int_or_str(tiny):
    from textanalytics.features import build_dtm

    corpus = tiny.tiny_corpus()
    dtm = build_dtm(tiny.tiny_tokens(corpus), unit="paragraph")
    a = keyness(dtm, corpus=corpus, group_by="year", target=2017, reference="2018")
    b = keyness(dtm, corpus=corpus, group_by="year", target="2017", reference=2018)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert a.comparisons.loc[0, ["target", "reference"]].tolist() == ["2017", "2018"]
    everything = keyness(dtm, corpus=corpus, group_by="year")
    assert everything.comparisons["target"].tolist() == ["2017", "2018", "2019"]


def test_deterministic(dtm):
    a = keyness(dtm, corpus=STATEMENTS, group_by="bloc")
    b = keyness(dtm, corpus=STATEMENTS, group_by="bloc")
    pd.testing.assert_frame_equal(a.table, b.table)


def test_inputs_not_mutated(dtm):
    before_units, before_counts = dtm.units.copy(), dtm.counts.copy()
    st = STATEMENTS.copy()
    keyness(dtm, corpus=st, group_by="bloc")
    pd.testing.assert_frame_equal(dtm.units, before_units)
    assert (dtm.counts != before_counts).nnz == 0
    pd.testing.assert_frame_equal(st, STATEMENTS)


@pytest.mark.parametrize("kwargs, message", [
    ({"group_by": "party"}, "column 'party' not found.*available: statement, bloc"),
    ({"group_by": "bloc", "target": "Z"}, "target: group 'Z' not found in column 'bloc'; groups are: A, B, C"),
    ({"group_by": "bloc", "target": "A", "reference": "Q"}, "reference: group 'Q'"),
    ({"group_by": "bloc", "target": "A", "reference": "A"}, "same group"),
    ({"group_by": "bloc", "min_dispersion": -1}, "min_dispersion"),
    ({"group_by": "bloc", "g2_cells": 3}, "g2_cells"),
])
def test_errors(dtm, kwargs, message):
    with pytest.raises(InputError, match=message):
        keyness(dtm, corpus=STATEMENTS, **kwargs)


def test_fewer_than_two_groups(dtm):
    one = STATEMENTS.assign(bloc=["A", "A", "A", "A", None])
    with pytest.raises(InputError, match="at least 2 groups, found 1 \\(A\\)"):
        keyness(dtm, corpus=one, group_by="bloc")


def test_module_doctests():
    import doctest

    from textanalytics.compare import concordance
    from textanalytics.compare import stats as stats_module

    for module in (stats_module, concordance):
        assert doctest.testmod(module).failed == 0


def test_compare_config_section_loads_and_rejects_bad_values():
    from textanalytics.compare import CompareConfig
    from textanalytics.config import from_mapping

    cfg = from_mapping(CompareConfig, {"g2_cells": 2, "unit": "statement", "pairs": [["year", "2017", "2019"]]})
    assert cfg.g2_cells == 2 and cfg.pairs == (("year", "2017", "2019"),)
    with pytest.raises(InputError, match="g2_cells"):
        from_mapping(CompareConfig, {"g2_cells": 3})
