"""Config: TOML mapped onto frozen dataclasses, with one-line errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from textanalytics.config import AnalysisConfig, config_hash, load_config, to_dict
from textanalytics.errors import InputError

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_frozen():
    cfg = AnalysisConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.seed = 3  # type: ignore[misc]


#: The keys of analysis.toml that are the seeds' own, not defaults: their domain tables.
SEEDS_OWN = {"aliases": "seeds/aliases.csv",
             "curated_phrases": ["international law", "double standards", "organized crime", "information space",
                                 "terrorist financing"]}


def test_repository_config_matches_defaults():
    """analysis.toml documents the defaults: loading it gives the default config but for the seeds' domain tables."""
    cfg = to_dict(load_config(ROOT / "analysis.toml"))
    assert {k: cfg["preprocess"][k] for k in SEEDS_OWN} == SEEDS_OWN
    cfg["preprocess"].update({k: to_dict(AnalysisConfig())["preprocess"][k] for k in SEEDS_OWN})
    # The seeds' codebook ([themes] codebook, marked "Seeds:") is theirs too; the default is none.
    assert cfg["themes"]["codebook"] == "seeds/themes.toml" and AnalysisConfig().themes.codebook == ""
    cfg["themes"]["codebook"] = ""
    assert cfg == to_dict(AnalysisConfig())
    assert AnalysisConfig().preprocess.aliases == "" and AnalysisConfig().preprocess.curated_phrases == ()


def test_every_default_is_documented_in_analysis_toml():
    text = (ROOT / "analysis.toml").read_text(encoding="utf-8")
    for section, value in to_dict(AnalysisConfig()).items():
        if isinstance(value, dict):
            assert f"[{section}]" in text
            for key in value:
                assert f"\n{key} =" in text or f"\n# {key} =" in text, f"{section}.{key} undocumented"


def test_unknown_key_names_file_and_key(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text("[topics]\npases = 3\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"a\.toml\.topics: unknown key 'pases'"):
        load_config(p)


def test_wrong_type_is_one_line(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text("seed = \"one\"\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_config(p)
    assert "seed" in str(exc.value) and "\n" not in str(exc.value)


def test_invalid_toml_and_missing_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[topics\n", encoding="utf-8")
    with pytest.raises(InputError, match="invalid TOML"):
        load_config(p)
    with pytest.raises(InputError, match="not found"):
        load_config(tmp_path / "missing.toml")


def test_lists_become_tuples_and_hash_changes(tmp_path):
    p = tmp_path / "a.toml"
    p.write_text("[topics]\nk_grid = [3, 4]\n", encoding="utf-8")
    cfg = load_config(p)
    assert cfg.topics.k_grid == (3, 4)
    assert config_hash(cfg) != config_hash(AnalysisConfig())
    assert config_hash(cfg) == config_hash(load_config(p))
