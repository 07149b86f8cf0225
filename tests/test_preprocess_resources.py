"""Domain resources are opt-in; stopword presets, files and sequences; paths relative to the config."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.cli import main
from textanalytics.config import load_config
from textanalytics.corpus.model import Corpus
from textanalytics.errors import InputError
from textanalytics.preprocessing import PreprocessConfig, Tokens, preprocess
from textanalytics.preprocessing.resources import STOPWORD_PRESETS, resource_text, stopword_entries

ROOT = Path(__file__).resolve().parents[1]
UN_TEXT = "ISIS and Daesh fighters met the UN Security Council. International law matters."
COMMONS_TEXT = ("I thank my right hon. Friend the Member for Bury North. Will the hon. Gentleman give way? "
                "Madam Deputy Speaker, the House must vote on the right to buy.")


def run(text: str, **config) -> Tokens:
    corpus = Corpus(statements=pd.DataFrame({"statement_id": ["s"]}),
                    paragraphs=pd.DataFrame({"statement_id": ["s"], "paragraph": [1], "text": [text]}))
    return preprocess(corpus, config=PreprocessConfig(cache_dir="", phrases=False, **config))


def kept(tokens: Tokens) -> list[str]:
    return tokens.table.loc[tokens.table["keep"], "term"].astype(str).tolist()


def dropped(tokens: Tokens) -> list[str]:
    t = tokens.table
    return t.loc[t["reason"] == "stopword", "token"].astype(str).tolist()


# -- domain tables: none by default, the seeds' when their config names them -----------------------

def test_a_user_corpus_gets_no_aliases_and_no_curated_phrases():
    tokens = run(UN_TEXT)
    assert kept(tokens) == ["isis", "daesh", "fighter", "meet", "un", "security", "council", "international",
                            "law", "matter"]
    assert tokens.aliases.empty and tokens.phrases.empty


def test_the_seeds_config_gives_the_seeds_aliases_and_phrases(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # "seeds/aliases.csv" is relative to analysis.toml, not to the working folder
    pre = load_config(ROOT / "analysis.toml", resolve=True).preprocess
    assert pre.aliases == str(ROOT / "seeds" / "aliases.csv")
    tokens = run(UN_TEXT, **{f.name: getattr(pre, f.name) for f in dataclasses.fields(pre)
                             if f.name not in ("cache_dir", "phrases")})
    assert kept(tokens) == ["isil", "isil", "fighter", "meet", "security_council", "international_law", "matter"]
    assert set(tokens.aliases["canonical"]) == {"isil", "security_council"}


def test_the_retired_packaged_alias_name_is_refused_with_a_hint():
    with pytest.raises(InputError) as exc:
        run(UN_TEXT, aliases="default")
    message = str(exc.value)
    assert "\n" not in message and message.startswith("[preprocess] aliases = 'default': no such file")
    assert "seeds/aliases.csv" in message


@pytest.mark.parametrize("content, needle", [
    ("variant,canonical\nISIS,isil\nISIL,isil,no,Islamic State, the group\n", "aliases.csv: record 3 (header = record 1) has 5 fields"),
    ("variant,canonical,case_sensitive\nISIS,isil,maybe\n", "aliases.csv: line 2: case_sensitive is 'maybe'"),
    ("name,target\nISIS,isil\n", "aliases.csv: line 1: missing column 'variant'"),
    (b"variant,canonical\nISIS,isil\xff\n", "aliases.csv: not UTF-8 at byte 27"),
])
def test_a_malformed_alias_file_is_one_line_naming_file_and_line(tmp_path, content, needle):
    path = tmp_path / "aliases.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    with pytest.raises(InputError) as exc:
        run(UN_TEXT, aliases=str(path))
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def test_a_missing_alias_file_names_the_path(tmp_path):
    with pytest.raises(InputError, match=r"aliases = '.*nope\.csv': no such file \(.*nope\.csv\)"):
        run(UN_TEXT, aliases=str(tmp_path / "nope.csv"))


# -- stopword presets -------------------------------------------------------------------------

def test_the_parliament_preset_drops_address_and_procedure_but_not_the_business():
    plain = kept(run(COMMONS_TEXT))
    assert {"hon", "friend", "member", "gentleman", "house", "speaker", "deputy", "madam", "way"} <= set(plain)
    assert plain.count("right") == 2
    after = kept(run(COMMONS_TEXT, stopword_presets=("parliament",)))
    assert after == ["thank", "bury", "north", "vote", "right", "buy"]  # "right" of "the right to buy" stays
    assert kept(run(COMMONS_TEXT, stopword_presets=("parliament", "speech"))) == after[1:]


@pytest.mark.parametrize("preset", STOPWORD_PRESETS)
def test_every_entry_of_a_preset_is_dropped_where_it_occurs(preset):
    entries = stopword_entries(*resource_text("stopword_presets", preset))
    text = " ".join(f"Taxes {entry} matter." for entry in entries)
    tokens = run(text, stopword_presets=(preset,), stopwords="")
    assert kept(tokens) == ["tax", "matter"] * len(entries)


def test_a_curated_phrase_wins_over_a_preset_word():
    text = "The member states and the hon. Member agreed."
    tokens = run(text, stopword_presets=("parliament",), curated_phrases=("member state",))
    assert kept(tokens) == ["member_state", "agree"]


@pytest.mark.parametrize("presets, problem", [
    (("parlament",), '"parlament" is not a preset; choose from "parliament", "speech", "news"'),
    (("news", "news"), 'lists "news" twice'),
    ("news", "must be a list of strings"),
])
def test_preset_names_are_checked_in_one_line(presets, problem):
    with pytest.raises(InputError) as exc:
        PreprocessConfig(stopword_presets=presets)
    assert str(exc.value).startswith("[preprocess] stopword_presets = ") and problem in str(exc.value)


def test_a_bad_preset_in_a_config_file_names_the_file(tmp_path):
    path = tmp_path / "analysis.toml"
    path.write_text('[preprocess]\nstopword_presets = ["parliment"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r'analysis\.toml: \[preprocess\] stopword_presets = \["parliment"\]: '):
        load_config(path)


def test_the_docs_list_every_preset_word():
    docs = (ROOT / "docs" / "preprocessing.md").read_text(encoding="utf-8")
    for preset in STOPWORD_PRESETS:
        block = re.search(rf"#### `{preset}`\n.*?```text\n(.*?)```", docs, flags=re.S)
        assert block, f"docs/preprocessing.md has no word list for {preset}"
        assert block.group(1).split("\n")[:-1] == stopword_entries(*resource_text("stopword_presets", preset))


# -- the researcher's stopword files ---------------------------------------------------------

def test_a_user_stopword_file_holds_words_sequences_and_terms(tmp_path):
    path = tmp_path / "my_stopwords.txt"
    path.write_text("# corpus boilerplate\nTaxes  # a word\nvery  important\nworry\n", encoding="utf-8")
    tokens = run("Taxes are a very important worry; important tax debates continue.", stopword_files=(str(path),))
    assert kept(tokens) == ["important", "tax", "debate", "continue"]  # "taxes" is not the lemma "tax"
    assert dropped(tokens) == ["Taxes", "are", "a", "very", "important", "worry"]


def test_a_malformed_stopword_file_names_file_and_line(tmp_path):
    path = tmp_path / "my_stopwords.txt"
    path.write_text("# list\nhon\nfriend, member\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        run(COMMONS_TEXT, stopword_files=(str(path),))
    assert str(exc.value) == (f"{path}: line 3: 'friend, member' holds a comma; "
                              "list one word (or one space-separated sequence) a line")
    with pytest.raises(InputError, match=r"stopword_files = '.*missing\.txt': no such file"):
        run(COMMONS_TEXT, stopword_files=(str(tmp_path / "missing.txt"),))


def test_resource_paths_are_relative_to_the_config_file(tmp_path, monkeypatch, capsys):
    study = tmp_path / "study"
    (study / "tables").mkdir(parents=True)
    pd.DataFrame({"id": [1], "text": [UN_TEXT]}).to_csv(study / "texts.csv", index=False)
    (study / "tables" / "aliases.csv").write_text("variant,canonical\nDaesh,isil\nISIS,isil\n", encoding="utf-8")
    (study / "my_stopwords.txt").write_text("fighter\nsecurity council\n", encoding="utf-8")
    (study / "analysis.toml").write_text(
        '[corpus]\npath = "texts.csv"\nid_col = "id"\n[preprocess]\ncache_dir = ""\nphrases = false\n'
        'aliases = "tables/aliases.csv"\nstopword_files = ["my_stopwords.txt"]\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["preprocess", "--config", str(study / "analysis.toml"), "-o", "tokens.csv"]) == 0
    capsys.readouterr()
    table = pd.read_csv(elsewhere / "tokens.csv", keep_default_na=False)
    assert table.loc[table["keep"], "term"].tolist() == ["isil", "isil", "meet", "un", "international", "law",
                                                         "matter"]
