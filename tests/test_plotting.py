"""Shared figure helpers (textanalytics/plotting.py): tick labels that would overlap."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from textanalytics.plotting import declutter_ticks  # noqa: E402

OUTLETS = ["aljazeera", "bbc", "cnn", "chinadaily", "rte", "reuters", "guardian", "dw", "nytimes"]


def _labels(ax, which="x"):
    ticks = ax.xaxis.get_major_ticks() if which == "x" else ax.yaxis.get_major_ticks()
    return [t.label1 for t in ticks]


def test_names_on_a_crowded_axis_are_turned_and_shrunk_never_hidden():
    fig, ax = plt.subplots(figsize=(2.5, 2), layout="constrained")
    ax.bar(range(9), range(9))
    ax.set_xticks(range(9), OUTLETS)
    declutter_ticks(fig)
    labels = _labels(ax)
    assert [t.get_text() for t in labels if t.get_visible()] == OUTLETS  # every outlet still named
    assert all(t.get_rotation() == 90 for t in labels)
    # Terms down a short y axis: smaller type, every term kept.
    fig, ax = plt.subplots(figsize=(3, 1.2), layout="constrained")
    terms = [f"term_{i}" for i in range(14)]
    ax.barh(range(14), range(14))
    ax.set_yticks(range(14), terms)
    declutter_ticks(fig)
    labels = _labels(ax, "y")
    assert [t.get_text() for t in labels if t.get_visible()] == terms
    assert labels[0].get_fontsize() < plt.rcParams["font.size"]
    plt.close("all")


def test_years_and_automatic_scales_are_thinned():
    fig, ax = plt.subplots(figsize=(2, 2))
    years = [str(1990 + i) for i in range(30)]
    ax.bar(range(30), range(30))
    ax.set_xticks(range(30), years)
    declutter_ticks(fig)
    shown = [t.get_text() for t in _labels(ax) if t.get_visible()]
    assert 2 <= len(shown) < 30 and shown[0] == "1990"
    plt.close("all")


def test_labels_that_fit_are_left_alone():
    fig, ax = plt.subplots(figsize=(8, 3))
    ax.bar(range(3), range(3))
    ax.set_xticks(range(3), OUTLETS[:3])
    declutter_ticks(fig)
    assert all(t.get_visible() and t.get_rotation() == 0 for t in _labels(ax))
    plt.close("all")


def test_theme_heatmap_is_titled_for_themes_and_prints_small_rates_with_decimals():
    import pandas as pd

    from textanalytics.themes.analysis import as_topic_table
    from textanalytics.topics.plots import plot_share_heatmap

    t = pd.DataFrame({"group_by": "party", "group": ["Con", "Lab"] * 2, "n_statements": [10, 12] * 2,
                      "category": ["care.virtue"] * 2 + ["fairness.vice"] * 2,
                      "share": [0.0042, 0.0061, 0.0008, 0.0013]})
    fig = plot_share_heatmap(as_topic_table(t), kind="theme")
    ax = fig.axes[0]
    assert ax.get_title() == "Theme rates by party"
    assert sorted(x.get_text() for x in ax.texts) == ["0.08%", "0.13%", "0.42%", "0.61%"]
    assert [x.get_text() for x in ax.get_yticklabels()] == ["care.virtue", "fairness.vice"]  # no topic numbers
    topic = plot_share_heatmap(as_topic_table(t.assign(share=t["share"] * 100)))
    assert topic.axes[0].get_title().startswith("Topic shares by party")
    assert sorted(x.get_text() for x in topic.axes[0].texts) == ["13%", "42%", "61%", "8%"]
    plt.close("all")


def test_a_decluttered_figure_is_saved_in_its_final_layout_without_laying_it_out_again(tmp_path, monkeypatch):
    from textanalytics.plotting import laid_out
    from textanalytics.report.io import save_figure

    def crowded():
        fig, ax = plt.subplots(figsize=(2.5, 2), layout="constrained")
        ax.bar(range(9), range(9))
        ax.set_xticks(range(9), OUTLETS)
        return declutter_ticks(fig), ax

    fig, ax = crowded()
    assert laid_out(fig)
    # The labels were turned, so the axes were placed again: where a fresh layout puts them.
    placed = ax.get_position().bounds
    fig.get_layout_engine().execute(fig)
    assert ax.get_position().bounds == placed
    fig, ax = crowded()
    calls = []
    engine = type(fig.get_layout_engine())
    monkeypatch.setattr(engine, "execute", lambda self, f: calls.append(f))
    save_figure(fig, tmp_path / "f", formats=("png", "svg"))
    assert calls == [] and (tmp_path / "f.png").is_file() and isinstance(fig.get_layout_engine(), engine)
    # Resized after declutter (or never decluttered): the first save lays it out.
    fig.set_size_inches(4, 3)
    assert not laid_out(fig)
    save_figure(fig, tmp_path / "g", formats=("png", "svg"))
    assert calls == [fig]
