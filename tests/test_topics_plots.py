"""Topic plots return titled Figures drawn from the result tables, and write nothing."""

from __future__ import annotations

import matplotlib
import pytest
from matplotlib.figure import Figure

from textanalytics.errors import InputError
from textanalytics.plotting import new_axes
from textanalytics.topics import (TopicConfig, describe_topics, fit_topic_ensemble, plot_differences,
                                  plot_model_selection, plot_share_heatmap, plot_shares_over_time,
                                  plot_top_terms, select_k, topic_differences, topic_labels, topic_shares)
from textanalytics.topics.synthetic import simulate_corpus

matplotlib.use("Agg")
CFG = TopicConfig(passes=5, n_bootstrap=30, n_permutations=200)


@pytest.fixture(scope="module")
def results():
    sim = simulate_corpus(k=3, n_terms=60, n_statements=6, paragraphs=4, length=30, seed=2)
    sel = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2], k_grid=[2, 3], config=CFG)
    ens = fit_topic_ensemble(sim.dtm, k=3, seeds=[1, 2], config=CFG)
    return {
        "selection": sel,
        "terms": describe_topics(ens),
        "labels": topic_labels(ens),
        "years": topic_shares(ens, corpus=sim.corpus, group_by="year", config=CFG),
        "groups": topic_shares(ens, corpus=sim.corpus, group_by="group", config=CFG),
        "diff": topic_differences(ens, corpus=sim.corpus, group_by="group", config=CFG),
    }


def _titles(fig: Figure) -> list[str]:
    return [t for t in [fig._suptitle.get_text() if fig._suptitle else ""] + [a.get_title() for a in fig.axes] if t]


def test_every_plot_returns_a_titled_figure(results, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figs = [
        results["selection"].plot(),
        plot_top_terms(results["terms"], labels=results["labels"]),
        plot_shares_over_time(results["years"].table),
        plot_share_heatmap(results["groups"].table),
        plot_differences(results["diff"].table),
        results["years"].plot(),
        results["groups"].plot(),
        results["diff"].plot(),
    ]
    for fig in figs:
        assert isinstance(fig, Figure) and _titles(fig)
        fig.canvas.draw()  # renders without error
    assert list(tmp_path.iterdir()) == []
    assert "chosen K" in " ".join(t.get_text() for t in figs[0].legends[0].get_texts())


def test_single_panel_plots_draw_on_given_axes(results):
    fig, ax = new_axes()
    assert plot_share_heatmap(results["groups"].table, ax=ax) is fig
    fig2, ax2 = new_axes()
    assert results["diff"].plot(group_a="A", group_b="B", ax=ax2) is fig2
    assert "A minus B" in ax2.get_title()


def test_plots_reject_wrong_tables(results):
    with pytest.raises(InputError, match="topic_shares"):
        plot_share_heatmap(results["terms"])
    with pytest.raises(InputError, match="not in the table"):
        plot_differences(results["diff"].table, group_a="A", group_b="Z")


def test_plot_functions_take_the_table_as_first_argument(results):
    sel = results["selection"]
    by_table = plot_model_selection(sel.table, chosen_k=sel.chosen_k, threshold=0.5)
    assert "chosen K = %d" % sel.chosen_k in " ".join(t.get_text() for t in by_table.legends[0].get_texts())
    with pytest.raises(InputError, match="select_k"):
        plot_model_selection(sel)           # a result, not its table
    # Years are numbers: the shares result draws them over time, the groups as a heatmap.
    assert len(results["years"].plot().axes) >= results["years"].table["topic"].nunique()
    assert results["groups"].plot().axes[0].images
    with pytest.warns(DeprecationWarning, match="top_n"):
        fig = plot_top_terms(results["terms"], n=3)
    assert fig._suptitle.get_text().startswith("Top 3 terms")
