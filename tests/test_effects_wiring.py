"""Effects wired into the package: [effects] config, the pipeline stage's tables, the report section, the CLI."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import textanalytics as ta
from textanalytics.cli import main
from textanalytics.config import AnalysisConfig, load_config
from textanalytics.effects.config import EffectsConfig
from textanalytics.effects.stage import effect_tables
from textanalytics.errors import InputError
from textanalytics.report.effects import effects_figures, effects_section

from test_effects import hand_model

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def corpus_with_parties(n=240, seed=0):
    rng = np.random.default_rng(seed)
    year = rng.integers(2000, 2020, n)
    party = rng.choice(["Con", "Lab", "SNP", "Tiny"], n, p=[0.5, 0.33, 0.15, 0.02])
    s1 = np.clip(0.2 + 0.25 * (party == "SNP") + rng.normal(0, 0.05, n), 0.01, 0.9)
    theta = np.column_stack([s1, 1 - s1])
    meta = pd.DataFrame({"statement_id": [f"s{i:04d}" for i in range(n)], "year": year, "party": party})
    return hand_model(theta), meta


def test_config_section_reads_and_checks():
    assert AnalysisConfig().effects == EffectsConfig()
    with pytest.raises(InputError, match=r"\[effects\] n_draws = 0: must be at least 1"):
        EffectsConfig(n_draws=0)
    with pytest.raises(InputError, match="not a formula"):
        EffectsConfig(formulas=("party + year",))


def test_config_file_section(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('[effects]\nformulas = ["~ party + s(year)"]\nn_draws = 5\ncluster = "speaker"\n')
    cfg = load_config(path)
    assert cfg.effects.formulas == ("~ party + s(year)",) and cfg.effects.n_draws == 5
    path.write_text('[effects]\nformula = ["~ party"]\n')
    with pytest.raises(InputError, match="unknown key 'formula'"):
        load_config(path)


def test_stage_tables_and_skipped_formula():
    model, meta = corpus_with_parties()
    config = EffectsConfig(formulas=("~ party + s(year)", "~ nothere"), n_draws=3)
    tables, skipped, results = effect_tables(model, corpus=meta, config=config, seed=1)
    assert len(results) == 1 and len(skipped) == 1 and "no column 'nothere'" in skipped[0]
    con = tables["effects_contrasts"]
    assert set(con["baseline"]) == {"Con"}                      # the most frequent level
    snp = con.query("topic == 1 and level == 'SNP'").iloc[0]
    assert snp.lower < 0.25 < snp.upper and snp.p_adjusted < 0.05
    assert con.query("level == 'Tiny'")["note"].str.contains("fewer than 10").all()
    assert set(tables["effects_predictions"]["covariate"]) == {"year"}
    assert (tables["effects_coefficients"]["formula"] == "~ party + s(year)").all()
    assert tables["effects_params"]["held_at"].iloc[0].startswith('{"party"')


def test_report_section_narrates_adjusted_results_only():
    model, meta = corpus_with_parties()
    tables, _, _ = effect_tables(model, corpus=meta, config=EffectsConfig(formulas=("~ party + s(year)",),
                                                                         n_draws=3), seed=1)
    res = SimpleNamespace(tables=tables, config=AnalysisConfig())
    section = effects_section(res, alpha=0.05)
    text = " ".join(b.get("text", "") + " ".join(b.get("items", [])) for b in section["blocks"])
    assert "observational" in text and "adjusted p" in text
    assert "SNP +25" in text.replace("+24", "+25") or "SNP +2" in text
    assert "Tiny (" in text                                      # named as too few, not narrated
    assert "Topic 1 (" in text and "Tiny -" not in text and "Tiny +" not in text
    figs = effects_figures(res)
    assert {n.rsplit("_", 1)[-1] for n in figs} == {"year", "party"}
    assert all(spec.render().axes for spec in figs.values())
    assert effects_section(SimpleNamespace(tables={}, config=AnalysisConfig()), alpha=0.05) is None


def test_package_exports():
    assert ta.estimate_effects.__module__ == "textanalytics.effects.estimate"
    assert ta.term_effects.__module__ == "textanalytics.effects.counts"


def test_cli_effects_prints_and_refuses_too_few_statements(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default cache folder (.textanalytics_cache) is made in the working folder
    code = main(["effects", "--corpus", str(SEEDS), "-k", "2", "--formula", "~ year", "-q"])
    out, err = capsys.readouterr()
    assert code == 2 and "need at least 10 (5 per coefficient)" in err and len(err.strip().splitlines()) == 1
    cfg = tmp_path / "a.toml"
    cfg.write_text(f'[corpus]\npath = "{SEEDS}"\n[effects]\nmin_per_coefficient = 1\nn_draws = 3\n')
    target = tmp_path / "eff.csv"
    code = main(["effects", "--config", str(cfg), "-k", "2", "--formula", "~ year", "-o", str(target), "-q"])
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "## ~ year: 8 statements, 3 draws" in out and "year" in out
    written = pd.read_csv(target)
    assert list(written.columns[:4]) == ["topic", "label", "term", "estimate"] and len(written) == 4
    code = main(["effects", "--config", str(cfg), "-k", "2", "--formula", "~ year", "-o", str(target), "-q"])
    assert code == 2 and "already exists" in capsys.readouterr().err
