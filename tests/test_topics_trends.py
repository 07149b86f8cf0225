"""Trends of topic share over ordered groups: the slope by hand, a planted trend, a null, positions."""

from __future__ import annotations

import numpy as np
import pytest

from textanalytics.errors import InputError
from textanalytics.topics import TopicConfig, time_positions, topic_trends
from test_topics_shares import _model, _statements

CFG = TopicConfig(n_bootstrap=200, n_permutations=999)


def test_the_slope_is_the_token_weighted_least_squares_line_of_statement_shares():
    ids = ["a", "b", "c", "d", "e"]
    years = [2016, 2017, 2017, 2018, 2019]
    share = np.array([0.1, 0.3, 0.2, 0.5, 0.6])
    weights = np.array([10, 20, 5, 8, 12])
    model = _model(np.c_[share, 1 - share], ids, weights)
    t = topic_trends(model, corpus=_statements(ids, years, column="year"), group_by="year", config=CFG).table
    x = np.array(years, dtype=float)
    xb = np.average(x, weights=weights)
    slope = np.sum(weights * (x - xb) * share) / np.sum(weights * (x - xb) ** 2)
    assert t["slope"].tolist() == pytest.approx([slope, -slope])
    assert t["change"].tolist() == pytest.approx([3 * slope, -3 * slope])
    assert (t["first"].iloc[0], t["last"].iloc[0], t["n_groups"].iloc[0]) == ("2016", "2019", 4)


def test_a_planted_trend_is_found_and_a_null_is_not():
    rng = np.random.default_rng(3)
    n = 40
    ids = [f"s{i}" for i in range(n)]
    years = np.repeat(np.arange(2010, 2020), 4)
    rising = np.clip(0.2 + 0.05 * (years - 2010) + rng.normal(0, 0.05, n), 0.01, 0.99)
    model = _model(np.c_[rising, 1 - rising], ids, rng.integers(20, 60, n))
    t = topic_trends(model, corpus=_statements(ids, years, column="year"), group_by="year", seed=1, config=CFG).table
    assert t["p_adjusted"].max() < 0.01 and t["lower"].iloc[0] > 0 and t["slope"].iloc[0] == pytest.approx(0.05, abs=0.01)
    hits = 0
    for rep in range(40):
        flat = np.clip(0.4 + rng.normal(0, 0.1, n), 0.01, 0.99)
        null = _model(np.c_[flat, 1 - flat], ids, rng.integers(20, 60, n))
        res = topic_trends(null, corpus=_statements(ids, years, column="year"), group_by="year", seed=rep,
                           config=TopicConfig(n_bootstrap=50, n_permutations=199)).table
        hits += bool(res["p_value"].iloc[0] < 0.05)
    assert hits <= 6  # 5 % of 40 is 2; 6 or more has probability < 0.02 under a valid test


def test_positions_and_refusals():
    assert time_positions(["1990s", "2000s"]).tolist() == [1990.0, 2000.0]
    assert time_positions(["2016-Q4", "2017-Q1"]).tolist() == [2016.75, 2017.0]
    assert time_positions(["20160", "2017"]) is None and time_positions(["2016-13"]) is None
    ids = ["a", "b", "c", "d"]
    model = _model(np.full((4, 2), 0.5), ids, [5] * 4)
    with pytest.raises(InputError, match="do not start with a year"):
        topic_trends(model, corpus=_statements(ids, ["Lab", "Con", "Lab", "SNP"]), group_by="group", config=CFG)
    with pytest.raises(InputError, match="at least 3 groups"):
        topic_trends(model, corpus=_statements(ids, [2016, 2017, 2016, 2017], column="year"), group_by="year",
                     config=CFG)


def test_change_leaves_thin_end_groups_out_of_its_span_but_not_out_of_the_fit():
    # Two statements eight months before 98 others (news_articles' 2016-04): the line is fitted on all
    # 100, but its change is reported between the groups that hold the data, not across empty months.
    rng = np.random.default_rng(5)
    months = ["2016-04"] * 2 + ["2016-12"] * 33 + ["2017-01"] * 33 + ["2017-02"] * 32
    ids = [f"s{i}" for i in range(len(months))]
    share = np.clip(rng.uniform(0.2, 0.6, len(ids)), 0.01, 0.99)
    model = _model(np.c_[share, 1 - share], ids, np.full(len(ids), 30))
    t = topic_trends(model, corpus=_statements(ids, months, column="month"), group_by="month", seed=1,
                     config=CFG).table
    x = time_positions(months)
    slope = np.sum((x - x.mean()) * share) / np.sum((x - x.mean()) ** 2)  # equal weights: every statement
    assert t["slope"].iloc[0] == pytest.approx(slope)
    assert (t["first"].iloc[0], t["change_from"].iloc[0], t["change_to"].iloc[0]) == ("2016-04", "2016-12", "2017-02")
    assert t["change"].iloc[0] == pytest.approx(slope * 2 / 12)
    # Ends that hold their share of the statements stay: the span is the whole range.
    even = topic_trends(model, corpus=_statements(ids, ["2016-04"] * 25 + months[25:], column="month"),
                        group_by="month", seed=1, config=CFG).table
    assert (even["change_from"].iloc[0], even["change_to"].iloc[0]) == ("2016-04", "2017-02")


def test_groups_sit_at_their_statements_mean_date_when_the_corpus_has_dates():
    # Decades as on the Commons sample: the "1980s" hold only 1989. By label the decade sits at 1980,
    # nine years before its data; by date at 1989.5, and the slope is the line through the dates.
    ids = [f"s{i}" for i in range(12)]
    decades = ["1980s"] * 3 + ["1990s"] * 3 + ["2000s"] * 3 + ["2010s"] * 3
    dates = ["1989-07-02"] * 3 + ["1995-07-02"] * 3 + ["2005-07-02"] * 3 + ["2015-07-02"] * 3
    share = np.array([0.1, 0.12, 0.08, 0.3, 0.28, 0.32, 0.5, 0.52, 0.48, 0.7, 0.72, 0.68])
    model = _model(np.c_[share, 1 - share], ids, np.full(12, 10))
    corpus = _statements(ids, decades, column="decade").assign(date=dates)
    res = topic_trends(model, corpus=corpus, group_by="decade", seed=1, config=CFG)
    x = np.repeat([1989.5, 1995.5, 2005.5, 2015.5], 3)
    slope = np.sum((x - x.mean()) * share) / np.sum((x - x.mean()) ** 2)
    assert res.params["positioned_by"] == "date" and res.params["positions"]["1980s"] == pytest.approx(1989.5, abs=0.01)
    assert res.table["slope"].iloc[0] == pytest.approx(slope, rel=1e-3)
    assert res.table["change"].iloc[0] == pytest.approx(slope * 26, rel=1e-3)
    # Without dates (or with a group of none) the labels place them: 1980, 1990, ...
    undated = topic_trends(model, corpus=corpus.assign(date=[None] * 3 + dates[3:]), group_by="decade", seed=1,
                           config=CFG)
    assert undated.params["positioned_by"] == "label" and undated.params["positions"]["1980s"] == 1980.0
