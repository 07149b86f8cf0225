"""Lemmatisation (textanalytics.preprocessing.lemmatize) and its resources."""

from __future__ import annotations

import pandas as pd
import pytest

from textanalytics.corpus.model import Corpus
from textanalytics.errors import InputError
from textanalytics.preprocessing import PreprocessConfig, lemmatize_word, preprocess
from textanalytics.preprocessing.lemmatize import acronym_lemma, lemma_keys, normalize_word
from textanalytics.preprocessing.resources import load_lemma_exceptions

EXCEPTIONS = load_lemma_exceptions("default")

PROBES = {
    "was": "be", "has": "have", "terrorists": "terrorist", "fighters": "fighter",
    "countries": "country", "activities": "activity", "crises": "crisis", "analyses": "analysis",
    "measures": "measure", "efforts": "effort",
    # left alone
    "us": "us", "news": "news", "means": "means", "politics": "politics", "data": "data",
}


@pytest.mark.parametrize("word, lemma", sorted(PROBES.items()))
def test_required_probes(word, lemma):
    assert lemmatize_word(word, exceptions=EXCEPTIONS) == lemma
    assert lemmatize_word(word.capitalize(), exceptions=EXCEPTIONS) == lemma


def test_probes_hold_in_the_pipeline():
    text = " ".join(PROBES)
    p = pd.DataFrame({"statement_id": ["s"], "paragraph": [1], "text": [text]})
    tokens = preprocess(Corpus(statements=pd.DataFrame({"statement_id": ["s"]}), paragraphs=p),
                        config=PreprocessConfig(cache_dir="", phrases=False, aliases=""))
    got = dict(zip(tokens.table["token"].astype(str), tokens.table["lemma"].astype(str)))
    assert got == PROBES


@pytest.mark.parametrize("word, lemma", [
    ("does", "do"), ("media", "media"), ("saw", "see"), ("united", "united"), ("armed", "armed"),
    ("killed", "kill"), ("meeting", "meeting"), ("Americans", "american"), ("Muslims", "muslim"),
    ("Paris", "paris"), ("Texas", "texas"), ("reuters", "reuters"), ("airstrikes", "airstrike"),
    ("policymakers", "policymaker"), ("jihadists", "jihadist"),
    ("ISIL\u2019s", "isil"), ("ISIL's", "isil"), ("terrorists\u2019", "terrorist"),
    ("Counter-Terrorists", "counter-terrorist"), ("anti\u2011terrorism", "anti-terrorism"),
    ("RATS", "rats"), ("FTFs", "ftf"), ("ICTs", "ict"), ("TERRORISTS", "terrorist"),
])
def test_more_lemmas(word, lemma):
    assert lemmatize_word(word, exceptions=EXCEPTIONS) == lemma


def test_without_exceptions_lemminflect_reading_is_used():
    assert lemmatize_word("media") == "medium"          # why the exceptions table exists
    assert lemmatize_word("media", exceptions={"media": "media"}) == "media"


def test_case_kept_when_not_lowercasing():
    assert lemmatize_word("Terrorists", lowercase=False) == "Terrorist"
    assert lemmatize_word("ISIL", lowercase=False) == "ISIL"


def test_normalisation_and_acronyms():
    assert normalize_word("ISIL\u2019s") == "isil"
    assert normalize_word("terrorists\u2019", lowercase=False) == "terrorists"
    assert acronym_lemma("UNSC") == "unsc" and acronym_lemma("Paris") is None
    assert lemma_keys(["FTFs", "Fighters"], lemmatize=False) == ["ftfs", "fighters"]


def test_exceptions_file_is_validated(tmp_path):
    bad = tmp_path / "exceptions.csv"
    bad.write_text("word,lemma\nmedia,\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2"):
        load_lemma_exceptions(str(bad))
    with pytest.raises(InputError, match="neither a file nor a packaged name"):
        load_lemma_exceptions("no/such/file.csv")
