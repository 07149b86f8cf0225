"""The narrative states what the tables say, by the rules of issue 15 (tested on fixed tables)."""

from __future__ import annotations

import pandas as pd

from textanalytics.report import narrative


def _keyness_rows(rows: list[dict], **base) -> pd.DataFrame:
    defaults = {"group_by": "year", "target": "2017", "reference": "rest", "total_statements_target": 3,
                "total_statements_reference": 9, "n_statements_target": 3, "n_statements_reference": 4}
    return pd.DataFrame([{**defaults, **base, **r} for r in rows])


def test_keyness_items_take_the_side_from_direction_not_the_log_ratio_sign():
    # "sanctions" is absent from the large reference: its zero frequency counts as 0.5 there, so
    # its log ratio can be negative although the term is relatively more frequent in the target.
    table = _keyness_rows([
        {"term": "sanctions", "g2": 12.0, "direction": "target", "log_ratio": -0.4, "p_adjusted": 0.001},
        {"term": "peace", "g2": -9.0, "direction": "reference", "log_ratio": 0.3, "p_adjusted": 0.002},
        {"term": "law", "g2": 4.0, "direction": "target", "log_ratio": 1.2, "p_adjusted": 0.2},
    ])
    summary, item = narrative.keyness_items(table, alpha=0.05)
    assert summary.startswith("1 comparison of term frequencies was made; 1 found key terms")
    assert item.startswith("year = 2017 (3 statements) vs the rest: more in 2017: sanctions (G² 12.0, in 3")
    # A term the group uses less than the rest is key too, and said so (the table flags it).
    assert "; less in 2017 than in the rest: peace (G² 9.0" in item and "law" not in item


def test_keyness_uses_the_key_flag_ranks_by_adjusted_p_and_says_when_nothing_passes():
    table = _keyness_rows([
        {"term": "big", "g2": 50.0, "direction": "target", "p_adjusted": 0.01, "key": True},
        {"term": "surer", "g2": 20.0, "direction": "target", "p_adjusted": 0.001, "key": True},
        {"term": "one_speech", "g2": 90.0, "direction": "target", "p_adjusted": 0.0001, "key": False},
    ])
    _, item = narrative.keyness_items(table, alpha=0.05)
    assert item.index("surer") < item.index("big") and "one_speech" not in item
    nothing = _keyness_rows([{"term": "peace", "g2": -9.0, "direction": "reference", "p_adjusted": 0.002,
                              "key": True}])
    summary, item = narrative.keyness_items(nothing, alpha=0.05)
    assert summary.startswith("1 comparison of term frequencies was made; 1 found key terms")
    assert item.endswith("vs the rest: less in 2017 than in the rest: peace (G² 9.0, in 4 statements).")
    none = nothing.assign(key=False)
    assert narrative.keyness_items(none, alpha=0.05)[1].endswith(": no key term at α = 0.05 after adjustment.")
    assert narrative.keyness_items(table.iloc[:0], alpha=0.05) == []


def test_keyness_narrates_configured_pairs_first_with_both_sides_and_single_texts_as_texts():
    rest = _keyness_rows([{"term": "growth", "g2": 30.0, "direction": "target", "p_adjusted": 0.001, "key": True}],
                         group_by="party", target="Con")
    pair = _keyness_rows([
        {"term": "regeneration", "g2": 49.1, "direction": "target", "p_adjusted": 0.001, "key": True},
        {"term": "enterprise", "g2": -20.0, "direction": "reference", "p_adjusted": 0.002, "key": True},
    ], group_by="party", target="Lab", reference="Con")
    single = _keyness_rows([{"term": "wales", "g2": 80.0, "direction": "target", "p_adjusted": 0.0001, "key": False}],
                           group_by="party", target="PC", total_statements_target=1)
    items = narrative.keyness_items(pd.concat([rest, pair, single]), alpha=0.05, pairs=(("party", "Lab", "Con"),))
    assert items[0].startswith("3 comparisons of term frequencies were made; 2 found key terms")
    assert items[1].startswith("party = Lab (3 statements) vs Con (9 statements): more in Lab: regeneration")
    assert "; more in Con: enterprise" in items[1]
    assert not any("regeneration" in i for i in items[2:])  # the pair is not merged into a vs-rest bullet
    (pc,) = [i for i in items if "PC" in i]
    assert "PC is a single text" in pc and "wales" not in pc


def _diff_rows(rows: list[dict], **base) -> pd.DataFrame:
    defaults = {"group_by": "party", "group_a": "Lab", "group_b": "rest", "label": "x", "n_a": 5, "n_b": 20,
                "lower": -0.1, "upper": 0.1, "unstable": False}
    return pd.DataFrame([{**defaults, **base, **r} for r in rows])


def test_differences_pairs_first_no_mirrors_no_inconclusive_no_unstable_and_counts():
    rows = _diff_rows([
        # configured pair, both sides
        {"group_b": "Con", "topic": 1, "difference": 0.05, "p_adjusted": 0.01, "lower_adjusted": 0.01,
         "upper_adjusted": 0.09, "verdict": "a_higher"},
        {"group_b": "Con", "topic": 2, "difference": -0.04, "p_adjusted": 0.02, "lower_adjusted": -0.08,
         "upper_adjusted": -0.01, "verdict": "b_higher"},
        {"group_b": "Con", "topic": 3, "difference": -0.01, "p_adjusted": 0.5, "lower_adjusted": -0.05,
         "upper_adjusted": 0.03, "verdict": "no_evidence"},
        # vs rest: a finding, an inconclusive row, an unstable finding, a single statement
        {"topic": 1, "difference": 0.06, "p_adjusted": 0.001, "lower_adjusted": 0.02, "upper_adjusted": 0.1,
         "verdict": "a_higher"},
        {"topic": 2, "difference": 0.03, "p_adjusted": 0.2, "lower_adjusted": 0.001, "upper_adjusted": 0.06,
         "verdict": "inconclusive"},
        {"topic": 3, "difference": 0.08, "p_adjusted": 0.001, "lower_adjusted": 0.03, "upper_adjusted": 0.1,
         "verdict": "a_higher", "unstable": True},
        {"group_a": "PC", "n_a": 1, "topic": 1, "difference": 0.3, "p_adjusted": float("nan"),
         "lower_adjusted": float("nan"), "upper_adjusted": float("nan"), "verdict": "not_tested"},
    ])
    items = narrative.difference_items(rows, alpha=0.05, pairs=(("party", "Lab", "Con"),))
    assert items[0].startswith("party: 6 differences tested (2 comparisons × 3 topics")
    assert "; 3 pass both" in items[0] and "1 more is on topics unstable" in items[0]
    assert "1 is inconclusive (the test and the interval disagree)" in items[0]
    assert "Not tested (a single statement, one text): PC." in items[0]
    assert items[1].startswith("Lab (5 statements) vs Con (20 statements): Lab higher on topic 1 (x): +5.0 points")
    assert "; Con higher on topic 2 (x): +4.0 points [+1.0, +8.0]" in items[1]
    assert items[2].startswith("Lab (5 statements) is higher than the rest on topic 1 (x): +6.0 points")
    assert len(items) == 3  # no inconclusive, unstable or untested row narrated
    # With two topics, topic 2's difference mirrors topic 1's: narrated once.
    mirror = _diff_rows([
        {"topic": 1, "difference": 0.06, "p_adjusted": 0.001, "lower_adjusted": 0.02, "upper_adjusted": 0.1,
         "verdict": "a_higher"},
        {"topic": 2, "difference": -0.06, "p_adjusted": 0.001, "lower_adjusted": -0.1, "upper_adjusted": -0.02,
         "verdict": "b_higher"},
    ])
    items = narrative.difference_items(mirror, alpha=0.05)
    assert "1 passes both" in items[0] and len(items) == 2 and "topic 1" in items[1]


def test_trend_items_narrate_only_adjusted_trends_with_an_interval_that_excludes_zero():
    t = pd.DataFrame({"group_by": "year", "topic": [1, 2, 3], "label": ["a", "b", "c"],
                      "slope": [0.01, -0.02, 0.03], "lower": [0.005, -0.03, -0.01], "upper": [0.02, -0.01, 0.05],
                      "change": [0.1, -0.2, 0.3], "p_adjusted": [0.01, 0.02, 0.01], "first": "2010",
                      "last": "2020", "change_from": "2010", "change_to": "2020", "n_groups": 11, "n_statements": 50, "min_group_statements": 1,
                      "max_group_statements": 12, "unstable": [False, False, False]})
    items = narrative.trend_items(t, alpha=0.05)
    assert items[0].startswith("Trend over year (2010–2020, 50 statements in 11 groups of 1 to 12 statements): "
                               "3 topics tested, 2 with")
    assert items[1].startswith("Topic 1 (a) rises: +10.0 points from 2010 to 2020 (+1.00 points a year")
    assert items[2].startswith("Topic 2 (b) falls: -20.0 points") and len(items) == 3  # ranked by adjusted p
    # A thin first group is left out of the change's span: the items say so and give the span's ends.
    thin = narrative.trend_items(t.assign(change_from="2012", change_to="2020"), alpha=0.05)
    assert thin[0].endswith("Changes are given from 2012 to 2020: the groups before 2012 hold fewer than 2.5% of "
                            "the statements, too few to carry the line that far (they are still in the fit).")
    assert thin[1].startswith("Topic 1 (a) rises: +10.0 points from 2012 to 2020")
    assert not items[0].endswith("fit).")  # the span is the whole range: nothing to say


def test_repeated_passages_are_quoted_most_widespread_first_and_the_way_to_drop_them_given():
    passages = pd.DataFrame({"passage": ["Send Facebook Twitter Google Whatsapp Tumblr linkedin stumble Digg reddit",
                                         "The views expressed in this article are the author's own " * 3],
                             "n_words": [10, 36], "n_statements": [156, 50], "groups": ["dw.com 156", ""]})
    text = narrative.passage_paragraph(passages, n_statements=3788)
    assert text.startswith("2 passages of eight or more words recur across statements (each in at least 50 of the "
                           "3788), most widely “Send Facebook Twitter Google Whatsapp Tumblr linkedin stumble Digg "
                           "reddit” (156 statements: dw.com 156); “The views")
    assert "…” (50 statements)" in text and "stopword_files" in text
