"""Report writing primitives: safe names, rounding, atomic output."""

from __future__ import annotations

import pandas as pd
import pytest

from textanalytics.output_folder import atomic_output_folder
from textanalytics.plotting import new_axes
from textanalytics.report.io import format_frame, markdown_table, safe_filename, save_figure


@pytest.mark.parametrize("value, expected", [
    ("../../x", "x"),
    ("Sergey Lavrov", "sergey_lavrov"),
    ("/etc/passwd", "etc_passwd"),
    ("..", "unnamed"),
    ("FSB/NAC", "fsb_nac"),
    ("Émile Zola", "emile_zola"),
])
def test_safe_filename(value, expected):
    assert safe_filename(value) == expected
    assert "/" not in safe_filename(value) and not safe_filename(value).startswith(".")


def test_floats_rounded_to_significant_digits():
    df = pd.DataFrame({"x": [0.1 + 0.2, 1e-12 / 3, float("nan")], "s": ["a", "b", "c"]})
    out = format_frame(df, float_digits=6)
    assert out["x"].tolist() == ["0.3", "3.33333e-13", ""]


def test_markdown_escapes_pipes():
    md = markdown_table(pd.DataFrame({"a": ["x|y"], "b": [1]}))
    assert "x\\|y" in md and md.startswith("| a | b |")


def test_atomic_dir_keeps_previous_output_on_failure(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "old.txt").write_text("previous", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_output_folder(out) as tmp:
            (tmp / "half.txt").write_text("half", encoding="utf-8")
            raise RuntimeError("boom")
    assert sorted(p.name for p in out.iterdir()) == ["old.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name != "reports"]


def test_atomic_dir_swaps_in_on_success(tmp_path):
    out = tmp_path / "reports"
    out.mkdir()
    (out / "old.txt").write_text("previous", encoding="utf-8")
    with atomic_output_folder(out) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in out.iterdir()) == ["new.txt"]


def test_figures_are_byte_identical(tmp_path):
    def draw():
        fig, ax = new_axes()
        ax.plot([1, 2, 3], [3, 1, 2], label="a<b")
        ax.set_title("t")
        return fig

    a = save_figure(draw(), tmp_path / "a")
    b = save_figure(draw(), tmp_path / "b")
    for pa, pb in zip(a, b):
        assert pa.read_bytes() == pb.read_bytes()
