"""Ubiquitous terms: found in more than a share of the units of every group; left out of topic models only."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from textanalytics.config import AnalysisConfig
from textanalytics.errors import InputError
from textanalytics.features import VocabularyConfig, dtm_from_texts, ubiquitous_terms
from textanalytics.pipeline import run_analysis
from textanalytics.report import content

# Six units in two groups; counted by hand:
#   hon: A 3/3, B 2/3 -> share_min 2/3, overall 5/6 (the unlabelled unit "g" lacks it: 5/7)
#   tax: A 1/3, B 3/3 -> share_min 1/3, overall 4/7
#   war: A 2/3, B 0/3 -> share_min 0
TEXTS = [["hon", "war"], ["hon", "tax", "war"], ["hon"], ["hon", "tax"], ["tax"], ["hon", "tax"], ["peace"]]
LABELS = ["A", "A", "A", "B", "B", "B", None]


def table(share: float, labels=LABELS, **kwargs) -> pd.DataFrame:
    dtm = dtm_from_texts(list("abcdefg"), TEXTS)
    return ubiquitous_terms(dtm, labels=labels, share=share, min_units=kwargs.pop("min_units", 1), **kwargs)


def test_terms_above_the_share_in_every_group_computed_by_hand():
    found = table(0.5)
    assert list(found.columns) == ["term", "share_min", "share_overall", "groups"]
    assert found["term"].tolist() == ["hon"]
    assert found["share_min"].tolist() == pytest.approx([2 / 3])
    assert found["share_overall"].tolist() == pytest.approx([5 / 7])  # unlabelled units count overall
    assert found["groups"].tolist() == [2]
    lower = table(0.3)
    assert lower["term"].tolist() == ["hon", "tax"] and lower["share_min"].tolist() == pytest.approx([2 / 3, 1 / 3])
    assert table(2 / 3).empty  # more than the share, not equal to it


def test_without_groups_the_corpus_is_one_group():
    found = table(0.5, labels=None)
    assert found["term"].tolist() == ["hon", "tax"]
    assert found["share_min"].tolist() == pytest.approx([5 / 7, 4 / 7]) and found["groups"].tolist() == [1, 1]


def test_small_groups_are_not_checked_unless_all_are_small():
    labels = ["A", "A", "A", "B", "B", "B", "C"]  # C: one unit, without hon
    assert table(0.5, labels=labels, min_units=1).empty
    found = table(0.5, labels=labels, min_units=2)
    assert found["term"].tolist() == ["hon"] and found["groups"].tolist() == [2]
    assert table(0.5, labels=labels, min_units=10).empty  # no group of 10: all three checked


def test_zero_is_off_and_the_result_is_deterministic():
    assert table(0.0).empty and list(table(0.0).columns) == ["term", "share_min", "share_overall", "groups"]
    pd.testing.assert_frame_equal(table(0.3), table(0.3))


@pytest.mark.parametrize("value", [-0.1, 1.0, 1.5, "0.4", True])
def test_the_share_is_checked_in_one_line(value):
    with pytest.raises(InputError) as exc:
        VocabularyConfig(ubiquitous_share=value)
    assert str(exc.value).startswith("[vocabulary] ubiquitous_share = ") and "\n" not in str(exc.value)


def _corpus(tmp_path) -> str:
    """Twelve statements of two parties; every one opens with the same courtesy."""
    topics = {"A": "farmers harvest wheat fields rain barley", "B": "sailors navigate ships harbour storm cargo"}
    rows = []
    for i in range(12):
        party = "AB"[i % 2]
        words = topics[party].split()
        body = " ".join(words[(i + j) % len(words)] for j in range(8))
        rows.append({"id": i, "party": party, "text": f"Greetings colleagues. {body.capitalize()}."})
    path = tmp_path / "speeches.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


def test_the_pipeline_leaves_ubiquitous_terms_out_of_topics_only(tmp_path):
    cfg = AnalysisConfig()
    cfg = cfg.replace(
        corpus=dataclasses.replace(cfg.corpus, path=_corpus(tmp_path), id_col="id"),
        preprocess=dataclasses.replace(cfg.preprocess, cache_dir="", phrases=False, unit="statement"),
        vocabulary=dataclasses.replace(cfg.vocabulary, min_df=1, max_df=1.0, ubiquitous_share=0.9),
        compare=dataclasses.replace(cfg.compare, group_by=("party",), unit="statement"),
        topics=dataclasses.replace(cfg.topics, k=2, n_seeds=2, n_bootstrap=10, n_permutations=20, n_jobs=1))
    res = run_analysis(cfg)
    found = res.tables["ubiquitous_terms"]
    assert found["term"].tolist() == ["colleague", "greeting"] and (found["share_min"] == 1.0).all()
    assert found["groups"].tolist() == [2, 2]
    assert {"colleague", "greeting"} <= set(res.full_dtm.vocabulary)  # comparisons keep them
    assert not {"colleague", "greeting"} & set(res.dtm.vocabulary)
    assert not {"colleague", "greeting"} & set(res.tables["topics"]["term"])
    blocks = [b for s in content.sections(res, figures={}) for b in s["blocks"] if b.get("name") == "ubiquitous_terms"]
    assert len(blocks) == 1 and "more than 0.9 of the statements of every party group" in blocks[0]["caption"]
    off = run_analysis(cfg.replace(vocabulary=dataclasses.replace(cfg.vocabulary, ubiquitous_share=0.0)))
    assert "ubiquitous_terms" not in off.tables and {"colleague", "greeting"} <= set(off.dtm.vocabulary)
    assert np.array_equal(off.full_dtm.counts.toarray(), res.full_dtm.counts.toarray())
