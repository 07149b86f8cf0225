"""Preprocessing the real seeds: the issue's "done when" checks."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.config import load_config
from textanalytics.preprocessing import preprocess

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def corpus():
    from textanalytics import load_corpus

    return load_corpus(ROOT / "seeds")


@pytest.fixture(scope="module")
def tokens(corpus):
    # The seeds' own config: their alias table and curated phrases (a user corpus gets neither).
    seeds = load_config(ROOT / "analysis.toml", resolve=True).preprocess
    return preprocess(corpus, config=dataclasses.replace(seeds, cache_dir=""))


@pytest.fixture(scope="module")
def table(tokens):
    t = tokens.table.astype({c: str for c in ("statement_id", "token", "lemma", "term", "reason")})
    return t.reset_index(drop=True)


def test_the_isil_variants_are_one_token(table):
    variants = {"ISIL", "ISIS", "DAESH", "Daesh", "ISIL's", "ISIL\u2019s"}
    found = table[table["token"].isin(variants)]
    assert set(found["token"]) >= {"ISIL", "ISIS", "DAESH", "ISIL's", "ISIL\u2019s"}
    assert (found["lemma"] == "isil").all()
    islamic = table[(table["token"] == "Islamic") & (table["token"].shift(-1) == "State")]
    assert len(islamic) >= 2 and (islamic["lemma"] == "isil").all()
    # One token per mention: "State" after "Islamic" is only a part.
    state = table.loc[islamic.index + 1]
    assert (state["reason"] == "alias_part").all()


def test_foreign_terrorist_fighters_and_security_council_are_one_token(table):
    ftf = table[(table["token"].str.lower() == "foreign") & (table["token"].shift(-1) == "terrorist")]
    assert len(ftf) >= 9 and (ftf["lemma"] == "foreign_terrorist_fighter").all()
    sc = table[(table["token"] == "Security") & (table["token"].shift(-1) == "Council")]
    assert len(sc) >= 20
    for i in sc.index:  # the head of each mention ("UN", "United" or "Security") is the canonical token
        while table.loc[i, "reason"] == "alias_part":
            i -= 1
        assert table.loc[i, "lemma"] == "security_council", table.loc[i - 2:i + 3]
    kept = table[table["keep"]]
    assert (kept["lemma"] == "security_council").sum() >= 20
    assert (kept["term"].str.startswith("foreign_terrorist_fighter")).sum() >= 9


def test_probes_resolutions_and_curated_phrases(table, tokens):
    lemma = dict(zip(table["token"].str.lower(), table["lemma"]))
    assert lemma["terrorists"] == "terrorist" and lemma["countries"] == "country"
    assert lemma["efforts"] == "effort" and lemma["measures"] == "measure"
    terms = set(table.loc[table["keep"], "term"])
    assert {"resolution_2178", "resolution_1373", "resolution_2462", "resolution_2482"} <= terms
    assert {"international_law", "double_standards", "information_space", "terrorist_financing"} <= terms
    curated = tokens.phrases.query("source == 'curated'")
    assert set(curated["phrase"]) >= {"international_law", "double_standards"}
    learned = tokens.phrases.query("source == 'learned'")
    assert len(learned) > 10 and learned["score"].gt(0.5).all()


def test_every_paragraph_is_a_unit(tokens, corpus):
    units, texts = tokens.documents(unit="paragraph")
    assert len(units) == len(corpus.paragraphs) == len(texts)
    units, texts = tokens.documents(unit="statement")
    assert units["statement_id"].tolist() == sorted(corpus.statements["statement_id"].astype(str))
    assert all(len(t) > 50 for t in texts)
    assert isinstance(tokens.table, pd.DataFrame) and tokens.table["keep"].mean() > 0.3
