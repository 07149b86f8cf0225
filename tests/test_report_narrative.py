"""The narrative states what the tables say: the side of a keyness term is the table's direction."""

from __future__ import annotations

import pandas as pd

from textanalytics.report import narrative


def _keyness_rows(rows: list[dict]) -> pd.DataFrame:
    base = {"group_by": "year", "target": "2017", "reference": "rest", "total_statements_target": 2}
    return pd.DataFrame([{**base, **r} for r in rows])


def test_keyness_items_take_the_side_from_direction_not_the_log_ratio_sign():
    # "sanctions" is absent from the large reference: its zero frequency counts as 0.5 there, so
    # its log ratio can be negative although the term is relatively more frequent in the target.
    table = _keyness_rows([
        {"term": "sanctions", "g2": 12.0, "direction": "target", "log_ratio": -0.4, "p_adjusted": 0.001},
        {"term": "peace", "g2": -9.0, "direction": "reference", "log_ratio": 0.3, "p_adjusted": 0.002},
        {"term": "law", "g2": 4.0, "direction": "target", "log_ratio": 1.2, "p_adjusted": 0.2},
    ])
    (item,) = narrative.keyness_items(table, alpha=0.05)
    assert item.startswith("year = 2017 (2 statements): sanctions (G² 12.0")
    assert "peace" not in item and "law" not in item


def test_keyness_items_say_when_nothing_is_significant_on_the_target_side():
    table = _keyness_rows([
        {"term": "peace", "g2": -9.0, "direction": "reference", "log_ratio": 0.3, "p_adjusted": 0.002},
    ])
    (item,) = narrative.keyness_items(table, alpha=0.05)
    assert "no term is significantly over-used" in item
    assert narrative.keyness_items(table.iloc[:0], alpha=0.05) == []
