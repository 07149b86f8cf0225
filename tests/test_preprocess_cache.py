"""The preprocessing cache: keys, hits, misses, invalidation, format."""

from __future__ import annotations

import dataclasses
import json
import typing
from pathlib import Path

import pandas as pd
import pytest

import textanalytics
from textanalytics.corpus.model import Corpus
from textanalytics.preprocessing import PreprocessConfig, cache_key, preprocess
from textanalytics.preprocessing import steps as pipeline
from textanalytics.preprocessing.cache import key_document

DATA = Path(__file__).parent / "data" / "preprocess"
TEXTS = ["ISIL's fighters met the UN Security Council. They left.", "Resolution 2178 (2014) matters."]


def make_corpus(texts=TEXTS, ids=("s1", "s1")) -> Corpus:
    paragraphs = pd.DataFrame({"statement_id": list(ids), "paragraph": list(range(1, len(texts) + 1)),
                               "text": list(texts)})
    return Corpus(statements=pd.DataFrame({"statement_id": sorted(set(ids))}), paragraphs=paragraphs)


def _changed(name: str, value, tp):
    """A different valid value for a config field."""
    origin = typing.get_origin(tp)
    if origin is typing.Literal:
        return next(v for v in typing.get_args(tp) if v != value)
    if tp is bool:
        return not value
    if tp is int:
        return value + 1
    if tp is float:
        return value / 2
    if tp is str:
        return {"cache_dir": "elsewhere", "stopwords": "", "aliases": str(DATA / "aliases_custom.csv"),
                "lemma_exceptions": "", "abbreviations": ""}[name]
    if origin is tuple:
        if name == "alias_presets":  # one preset is packaged: on by default, so off is the change
            return ()
        return tuple(value) + {"stopword_presets": ("parliament",),
                               "stopword_files": (str(DATA / "stopwords_custom.txt"),)}.get(name, ("extra entry",))
    raise AssertionError(f"no change rule for {name}: {tp}")


def test_every_config_field_changes_the_key():
    paragraphs = make_corpus()
    base = PreprocessConfig()
    hints = typing.get_type_hints(PreprocessConfig)
    keys = {cache_key(paragraphs, config=base)}
    for field in dataclasses.fields(PreprocessConfig):
        other = dataclasses.replace(base, **{field.name: _changed(field.name, getattr(base, field.name),
                                                                  hints[field.name])})
        key = cache_key(paragraphs, config=other)
        assert key not in keys, f"changing {field.name} does not change the cache key"
        keys.add(key)


@pytest.mark.parametrize("change", [
    lambda p: p.assign(text=[TEXTS[0], TEXTS[1] + "!"]),
    lambda p: p.assign(paragraph=[1, 3]),
    lambda p: p.assign(statement_id=["s1", "s2"]),
    lambda p: p.iloc[:1],
])
def test_a_changed_corpus_changes_the_key(change):
    corpus = make_corpus()
    changed = Corpus(statements=corpus.statements, paragraphs=change(corpus.paragraphs))
    assert cache_key(changed, config=PreprocessConfig()) != cache_key(corpus, config=PreprocessConfig())
    same = Corpus(statements=corpus.statements, paragraphs=corpus.paragraphs.iloc[::-1])  # order-free
    assert cache_key(same) == cache_key(corpus)


def test_version_and_resource_files_are_part_of_the_key(monkeypatch, tmp_path):
    paragraphs = make_corpus()
    key = cache_key(paragraphs, config=PreprocessConfig())
    monkeypatch.setattr(textanalytics, "__version__", "99.0")
    assert cache_key(paragraphs, config=PreprocessConfig()) != key
    monkeypatch.undo()
    aliases = tmp_path / "aliases.csv"
    aliases.write_text((DATA / "aliases_custom.csv").read_text(encoding="utf-8"), encoding="utf-8")
    cfg = PreprocessConfig(aliases=str(aliases))
    before = cache_key(paragraphs, config=cfg)
    aliases.write_text(aliases.read_text(encoding="utf-8") + "Da'ish,islamic_state_group,\n", encoding="utf-8")
    assert cache_key(paragraphs, config=cfg) != before   # the researcher edited the table
    assert set(key_document(paragraphs.paragraphs, cfg)["resources"]) == {
        "stopwords", "aliases", "lemma_exceptions", "abbreviations", "stopword_presets", "alias_presets",
        "stopword_files"}
    mine = tmp_path / "my_stopwords.txt"
    mine.write_text("hon\n", encoding="utf-8")
    cfg = PreprocessConfig(stopword_files=(str(mine),))
    before = cache_key(paragraphs, config=cfg)
    mine.write_text("hon\nfriend\n", encoding="utf-8")
    assert cache_key(paragraphs, config=cfg) != before   # the researcher edited the stopword file


def _count_runs(monkeypatch) -> list[int]:
    calls = []
    real = pipeline._run

    def counting(paragraphs, config):
        calls.append(1)
        return real(paragraphs, config)

    monkeypatch.setattr(pipeline, "_run", counting)
    return calls


def test_hit_returns_the_same_tokens(tmp_path, monkeypatch):
    calls = _count_runs(monkeypatch)
    cfg = PreprocessConfig(cache_dir=str(tmp_path))
    first = preprocess(make_corpus(), config=cfg)
    second = preprocess(make_corpus(), config=cfg)
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first.table, second.table)
    pd.testing.assert_frame_equal(first.phrases, second.phrases)
    pd.testing.assert_frame_equal(first.units, second.units)
    pd.testing.assert_frame_equal(first.aliases, second.aliases)
    assert second.config == cfg
    (u1, t1), (u2, t2) = first.documents(), second.documents()
    pd.testing.assert_frame_equal(u1, u2)
    assert t1 == t2
    # Only open formats, and no temporary folders left behind.
    entries = list((tmp_path / "preprocess").iterdir())
    assert len(entries) == 1 and not entries[0].name.startswith(".")
    assert sorted(p.suffix for p in entries[0].iterdir()) == [".json"] + [".parquet"] * 4
    manifest = json.loads((entries[0] / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["key"] == entries[0].name and manifest["config"]["cache_dir"] == str(tmp_path)


def test_miss_on_changed_corpus_or_config(tmp_path, monkeypatch):
    calls = _count_runs(monkeypatch)
    cfg = PreprocessConfig(cache_dir=str(tmp_path))
    preprocess(make_corpus(), config=cfg)
    changed = preprocess(make_corpus([TEXTS[0], "Completely different words."]), config=cfg)
    assert "different" in set(changed.table["token"].astype(str))
    preprocess(make_corpus(), config=dataclasses.replace(cfg, min_length=3))
    assert len(calls) == 3
    assert len(list((tmp_path / "preprocess").iterdir())) == 3


def test_disabled_and_overridden(tmp_path, monkeypatch):
    calls = _count_runs(monkeypatch)
    preprocess(make_corpus(), config=PreprocessConfig(cache_dir=""))
    preprocess(make_corpus(), config=PreprocessConfig(cache_dir=""))
    assert len(calls) == 2
    preprocess(make_corpus(), config=PreprocessConfig(cache_dir=str(tmp_path / "unused")), cache_dir=tmp_path / "used")
    assert (tmp_path / "used" / "preprocess").is_dir() and not (tmp_path / "unused").exists()
    preprocess(make_corpus(), config=PreprocessConfig(cache_dir=str(tmp_path / "unused")), cache_dir="")
    assert not (tmp_path / "unused").exists()


def test_damaged_entry_is_recomputed(tmp_path, monkeypatch):
    calls = _count_runs(monkeypatch)
    cfg = PreprocessConfig(cache_dir=str(tmp_path))
    preprocess(make_corpus(), config=cfg)
    entry = next((tmp_path / "preprocess").iterdir())
    (entry / "tokens.parquet").write_bytes(b"not parquet")
    again = preprocess(make_corpus(), config=cfg)
    assert len(calls) == 2 and len(again.table) > 0
