"""Plots return Figures, draw on given axes, write no files, and keep labels apart."""

from __future__ import annotations

import os

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from textanalytics.compare import (distinctive_terms, keyness, kwic, lexical_stats, plot_distinctive_terms,
                                   plot_keyness, plot_kwic, plot_lexical_stats, plot_similarity, similarity)
from textanalytics.errors import InputError
from textanalytics.features import build_dtm



@pytest.fixture(scope="module")
def corpus(tiny):
    return tiny.tiny_corpus()


@pytest.fixture(scope="module")
def dtm(tiny, corpus):
    return build_dtm(tiny.tiny_tokens(corpus), unit="paragraph")


def no_overlap(labels, renderer):
    boxes = [t.get_window_extent(renderer) for t in labels if t.get_visible() and t.get_text()]
    return all(not a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])


def rendered(fig):
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def test_plots_return_figures_and_write_nothing(dtm, corpus, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    figs = [
        plot_distinctive_terms(distinctive_terms(dtm, corpus=corpus, group_by="year", top_n=5).table),
        plot_keyness(keyness(dtm, corpus=corpus, group_by="organisation").table),
        plot_similarity(similarity(dtm, corpus=corpus).matrix),
        plot_lexical_stats(lexical_stats(corpus).table),
        plot_kwic(kwic(corpus, "terror*").table),
    ]
    for fig in figs:
        assert isinstance(fig, Figure)
        rendered(fig)
    assert os.listdir(tmp_path) == []


def test_keyness_chart_labels_title_and_small_group_caution(dtm, corpus):
    res = keyness(dtm, corpus=corpus, group_by="organisation")
    fig = res.plot(target="FSB/NAC", top_n=5)
    ax = fig.axes[0]
    renderer = rendered(fig)
    title = ax.get_title(loc="left")
    assert "FSB/NAC vs rest" in title and "Caution" in title and "1 statement" in title
    assert ax.get_xlabel().startswith("Log ratio")
    assert no_overlap(ax.get_yticklabels(), renderer)
    terms = {t.get_text() for t in ax.get_yticklabels()}
    assert "financing" in terms
    # MFA vs rest: the rest is the single FSB statement, and the chart says so.
    assert "reference 'rest' holds 1 statement" in plot_keyness(res.table, target="MFA").axes[0].get_title(loc="left")
    years = keyness(dtm, corpus=corpus, group_by="year", target=2018)      # s2, s3 vs s1, s4
    g2 = years.plot(measure="g2")
    assert "G²" in g2.axes[0].get_xlabel() and "Caution" not in g2.axes[0].get_title(loc="left")


def test_keyness_chart_on_given_axes(dtm, corpus):
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    out = keyness(dtm, corpus=corpus, group_by="year", target=2018).plot(ax=ax)
    assert out is fig and ax.get_title(loc="left").startswith("Keyness by year: 2018 vs rest")


def test_distinctive_small_multiples(dtm, corpus):
    table = distinctive_terms(dtm, corpus=corpus, group_by="statement", top_n=4).table
    fig = plot_distinctive_terms(table, top_n=4, ncols=2)
    renderer = rendered(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["s1 (1 st.)", "s2 (1 st.)", "s3 (1 st.)", "s4 (1 st.)"]
    assert all(no_overlap(ax.get_yticklabels(), renderer) for ax in visible)
    assert "Distinctive terms by statement" in fig._suptitle.get_text()
    with pytest.raises(InputError, match="groups"):
        plot_distinctive_terms(table, groups=["nope"])


def test_similarity_heatmap_with_dendrogram(dtm, corpus):
    sim = similarity(dtm, corpus=corpus)
    fig = sim.plot()
    renderer = rendered(fig)
    heat = fig.axes[0]
    assert [t.get_text() for t in heat.get_xticklabels()] == [sim.labels()[list(sim.matrix.index).index(i)]
                                                              for i in sim.order]
    assert no_overlap(heat.get_yticklabels(), renderer)
    assert no_overlap(heat.get_xticklabels(), renderer)
    assert "average-linkage" in fig.axes[1].get_title()


def test_plots_from_saved_tables(dtm, corpus):
    import pandas as pd

    tables = pd.concat([keyness(dtm, corpus=corpus, group_by=g).table for g in ("organisation", "year")],
                       ignore_index=True)
    fig = plot_keyness(tables, group_by="year", target="2018")
    title = fig.axes[0].get_title(loc="left")
    assert title.startswith("Keyness by year: 2018 vs rest") and "2 vs 2 statements" in title
    assert "Caution" in plot_keyness(tables).axes[0].get_title(loc="left")    # FSB/NAC first
    with pytest.raises(InputError, match="not in this result"):
        plot_keyness(tables, group_by="year", target="1999")
    with pytest.raises(InputError, match="not a keyness table"):
        plot_keyness(tables.drop(columns=["g2"]))
    sim = similarity(dtm, corpus=corpus)
    for saved in (sim.matrix, sim.table):
        again = plot_similarity(saved)
        assert [t.get_text() for t in again.axes[0].get_xticklabels()] == list(sim.order)


def test_plot_functions_take_tables_not_results(dtm, corpus):
    res = keyness(dtm, corpus=corpus, group_by="organisation")
    with pytest.raises(InputError, match="result.table"):
        plot_keyness(res)
    with pytest.raises(InputError, match="result.matrix"):
        plot_similarity(similarity(dtm, corpus=corpus))
    # The result's plot is the plot function on its table, with the result's alpha.
    strict = keyness(dtm, corpus=corpus, group_by="year", target=2018, alpha=0.5)
    drawn = strict.plot().axes[0]
    by_hand = plot_keyness(strict.table, alpha=0.5).axes[0]
    assert [p.get_alpha() for p in drawn.patches] == [p.get_alpha() for p in by_hand.patches]
    assert "0.5" in drawn.get_legend().get_texts()[2].get_text()


def test_old_keyword_n_warns_and_still_works(dtm, corpus):
    table = distinctive_terms(dtm, corpus=corpus, group_by="statement", top_n=4).table
    with pytest.warns(DeprecationWarning, match="top_n"):
        fig = plot_distinctive_terms(table, n=2)
    assert "top 2" in fig._suptitle.get_text()
