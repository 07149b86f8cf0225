"""What the report shows (textanalytics.report.content): figures, sections, notes, from an analysis' results."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from types import SimpleNamespace

import pandas as pd

import pytest

from textanalytics.config import AnalysisConfig
from textanalytics.pipeline import run_analysis
from textanalytics.report import content, narrative

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "notebooks" / "sample_news.csv"
PAIR = "keyness_outlet_harbourgazette.example_vs_northwire.example"


def _config(cache: Path, *, unit: str = "statement", k: int = 0, pairs: tuple = ()) -> AnalysisConfig:
    cfg = AnalysisConfig()
    return cfg.replace(
        corpus=dataclasses.replace(cfg.corpus, path=str(SAMPLE), id_col="article_id", date_col="publish_date",
                                   derive={"outlet": "url_host:article_source_link"}, on_error="skip"),
        preprocess=dataclasses.replace(cfg.preprocess, cache_dir=str(cache), unit=unit),
        compare=dataclasses.replace(cfg.compare, group_by=("outlet",), pairs=pairs),
        topics=dataclasses.replace(cfg.topics, k=k, k_grid=(2, 3), n_seeds=2, n_bootstrap=20, n_permutations=50,
                                   n_jobs=1),
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    outlets = ("harbourgazette.example", "northwire.example")
    return run_analysis(_config(tmp_path_factory.mktemp("cache"), pairs=(("outlet", *outlets),)))


def _blocks(sections, kind):
    return [b for s in sections for b in s["blocks"] if b["kind"] == kind]


def test_every_block_names_a_figure_or_table_that_exists(results):
    figures = content.figure_specs(results)
    sections = content.sections(results, figures=figures)
    assert [s["heading"] for s in sections][0] == "Corpus" and sections[-1]["heading"] == "Caveats"
    shown = {b["name"] for b in _blocks(sections, "figure")}
    assert shown and shown <= set(figures)
    assert {b["name"] for b in _blocks(sections, "table")} <= set(results.tables)


def test_figures_follow_the_groupings_and_the_configured_pairs(results):
    figures = content.figure_specs(results)
    assert results.groupings == ["outlet"]
    for name in ("corpus_overview", "keyness_outlet", "distinctive_terms_outlet", PAIR,
                 "topic_terms", "topic_heatmap_outlet"):
        assert name in figures
    assert "topic_shares_year" not in figures  # no year grouping here
    pair = figures[PAIR].kwargs["table"]
    assert set(pair["target"]) == {"harbourgazette.example"} and set(pair["reference"]) == {"northwire.example"}
    # Figures are drawn only on demand, from the results' own tables.
    fig = figures["keyness_outlet"].render()
    assert fig.axes


def test_a_skipped_topic_model_leaves_no_topic_blocks(tmp_path):
    res = run_analysis(_config(tmp_path, k=500))  # more topics than statements: skipped with a reason
    assert res.topic_run is None and any(s.startswith("topic models:") for s in res.skipped)
    figures = content.figure_specs(res)
    sections = content.sections(res, figures=figures)
    headings = [s["heading"] for s in sections]
    assert "Topics" not in headings and "Changes across years" not in headings
    assert not any(n.startswith("topic") for n in figures)
    caveats = [b["text"] for b in sections[-1]["blocks"]]
    assert any("topic models:" in c for c in caveats)
    assert content.method_notes(res) == []


def test_method_notes_say_when_units_are_statements(results, tmp_path):
    notes = content.method_notes(results)
    assert any("resample statements within groups" in n for n in notes)
    ref = results.topic_run.ensemble.reference
    pruned = 1 - ref.units["n_terms"].sum() / ref.kept_tokens.sum()
    assert f"{pruned:.1%} of them belong to terms pruned from the model's vocabulary" in notes[0]
    assert any("about one modelling unit each" in n for n in notes)  # unit = statement
    # Paragraph units, but one paragraph per article: still about one unit per statement.
    by_paragraph = run_analysis(_config(tmp_path, unit="paragraph"))
    assert len(by_paragraph.dtm.units) == by_paragraph.dtm.units["statement_id"].nunique()
    assert any("about one modelling unit each" in n for n in content.method_notes(by_paragraph))
    # Two paragraphs per statement: the intervals also resample paragraphs, so no such note.
    units = pd.DataFrame({"statement_id": ["a", "a", "b", "b"], "paragraph": [1, 2, 1, 2]})
    two = SimpleNamespace(topic_run=results.topic_run, dtm=SimpleNamespace(unit="paragraph", units=units))
    notes = content.method_notes(two)
    assert len(notes) == 2 and "resample statements within groups" in notes[1]
    assert notes[0].startswith("A topic's share is the share of a group's kept tokens")


def test_subtitle_counts_statements_and_words(results):
    st = results.corpus.statements
    line = content.subtitle(results)
    assert line.startswith(f"{len(st)} statements, {int(st['n_words'].sum()):,} words; seed {results.config.seed}")


def test_caveats_count_statements_without_a_group_value():
    st = pd.DataFrame({"party": ["Lab", "Con", "", None, "Lab", "Con"], "year": [2001] * 6})
    cav = narrative.caveats(statements=st, group_by=("party", "year"), labels=None, skipped=[], unit="statement")
    missing = [c for c in cav if "without a value" in c]
    assert missing == ['2 statements without a value for party (empty, or an NA string such as "NA") form no party '
                       'group and are left out of comparisons by party.']
