"""Every report figure type stays within 3,000 × 4,000 px at the report dpi, its tick labels apart, for 2, 8 and 40 groups."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from textanalytics.compare import plots as cplots
from textanalytics.corpus.plots import corpus_overview_figure
from textanalytics.report.config import ReportConfig
from textanalytics.topics import plots as tplots

DPI = ReportConfig().dpi
K = 8


def _names(n: int) -> list[str]:
    if n == 40:  # speakers with long names
        return [f"The Right Honourable Member for Constituency Number {i}" for i in range(n)]
    return [str(1989 + i) for i in range(n)]


def _keyness(groups: list[str]) -> pd.DataFrame:
    rows = []
    for g in groups:
        for j in range(30):
            up = j % 2 == 0
            rows.append({"group_by": "speaker", "target": g, "reference": "rest", "term": f"term_{j}_{g[-2:]}",
                         "g2": 30.0 - j, "log_ratio": (1 if up else -1) * (3 - j / 10), "fw_z": 5 - j / 5,
                         "direction": "target" if up else "reference", "p_adjusted": 0.01 * j,
                         "total_statements_target": 5, "total_statements_reference": 50, "small_group": False})
    return pd.DataFrame(rows)


def _shares(groups: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for g in groups:
        share = rng.dirichlet(np.ones(K))
        for t in range(K):
            rows.append({"group_by": "year", "group": g, "topic": t + 1, "label": f"word{t} / other{t} / third",
                         "share": share[t], "lower": share[t] * 0.8, "upper": share[t] * 1.2,
                         "n_statements": 1 + t, "unstable": t == 2})
    return pd.DataFrame(rows)


def _figures(n: int) -> dict:
    groups = _names(n)
    kt = _keyness(groups)
    distinctive = pd.DataFrame([{"group_by": "speaker", "group": g, "term": f"term_{r}", "score": 1 / r, "rank": r,
                                 "total_statements": 4} for g in groups for r in range(1, 11)])
    topics = pd.DataFrame([{"topic": t, "rank": r, "term": f"term_{t}_{r}", "weight": 1 / r, "relevance": -r,
                            "unstable": False} for t in range(1, K + 1) for r in range(1, 11)])
    diffs = pd.DataFrame([{"group_by": "speaker", "group_a": groups[0], "group_b": "rest", "topic": t,
                           "label": "a / b / c", "difference": 0.01 * t, "lower": 0.0, "upper": 0.02 * t,
                           "p_value": 0.5, "n_a": 3, "n_b": 9} for t in range(1, K + 1)])
    selection = pd.DataFrame([{"k": k, "c_npmi": 0.01 * k, "exclusivity": 9 + k / 10, "heldout": -6.0,
                               "heldout_se": 0.1, "stability": 0.6, "baseline": 0.2} for k in range(2, 21)])
    rng = np.random.default_rng(1)
    ids = [f"s{i}" for i in range(min(n, 40))]
    m = rng.uniform(0, 1, (len(ids), len(ids)))
    sim = pd.DataFrame((m + m.T) / 2, index=pd.Index(ids, name="statement_id"), columns=ids)
    statements = pd.DataFrame({"statement_id": [str(i) for i in range(3 * n)], "year": [groups[i % n] for i in range(3 * n)],
                               "speaker": [f"Member {i % 11}" for i in range(3 * n)], "n_words": 1000})
    return {
        "corpus_overview": corpus_overview_figure(SimpleNamespace(statements=statements), x="year", colour="speaker"),
        "distinctive_terms": cplots.plot_distinctive_terms(distinctive),
        "keyness_grid": cplots.plot_keyness_grid(kt),
        "keyness_pair": cplots.plot_keyness(kt[kt["target"] == groups[0]]),
        "similarity": cplots.plot_similarity(sim),
        "model_selection": tplots.plot_model_selection(selection, chosen_k=8),
        "topic_terms": tplots.plot_top_terms(topics),
        "topic_shares": tplots.plot_shares_over_time(_shares(groups)),
        "topic_heatmap": tplots.plot_share_heatmap(_shares(groups)),
        "topic_differences": tplots.plot_differences(diffs),
    }


def _overlaps(labels: list, renderer) -> list[tuple[str, str]]:
    boxes = [(t.get_text(), t.get_window_extent(renderer)) for t in labels]
    return [(a, b) for i, (a, ba) in enumerate(boxes) for b, bb in boxes[i + 1:] if ba.overlaps(bb)]


@pytest.mark.parametrize("n_groups", [2, 8, 40])
def test_figures_fit_and_tick_labels_do_not_overlap(n_groups):
    for name, fig in _figures(n_groups).items():
        width, height = fig.get_size_inches() * DPI
        assert width <= 3000 and height <= 4000, (name, n_groups, width, height)
        fig.set_dpi(DPI)
        fig.draw_without_rendering()
        renderer = fig.canvas.get_renderer()
        for ax in fig.axes:
            if not ax.get_visible():
                continue
            for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
                shown = [t for t in labels if t.get_visible() and t.get_text()]
                assert not _overlaps(shown, renderer), (name, n_groups, _overlaps(shown, renderer)[:3])


def test_many_groups_transpose_the_heatmap_and_thin_year_labels():
    fig = tplots.plot_share_heatmap(_shares(_names(40)))
    ax = fig.axes[0]
    assert len(ax.get_yticklabels()) == 40 and len(ax.get_xticklabels()) == K  # groups are rows
    fig = tplots.plot_shares_over_time(_shares([str(1989 + i) for i in range(31)]))
    shown = [t for t in fig.axes[0].get_xticklabels() if t.get_visible()]
    assert 2 <= len(shown) < 31  # thinned, and still labelled
