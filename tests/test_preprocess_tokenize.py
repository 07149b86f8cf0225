"""Word tokenisation and sentence splitting (textanalytics.preprocessing.words and .punkt)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from textanalytics.preprocessing import split_sentences, word_tokenize
from textanalytics.preprocessing.resources import load_abbreviations
from textanalytics.preprocessing.punkt import FastPunkt, WholeParagraph, make_sentence_splitter, punkt_parameters
from textanalytics.preprocessing.words import tokenize_chunk, word_tokenizer

DATA = Path(__file__).parent / "data" / "preprocess"
ROOT = Path(__file__).resolve().parents[1]
SEED_PAGES = sorted((ROOT / "seeds" / "raw").glob("*.txt"))


@pytest.mark.parametrize("text, expected", [
    ("Al-Qaida and anti-terrorism", ["Al-Qaida", "and", "anti-terrorism"]),
    ("anti\u2011terrorism", ["anti\u2011terrorism"]),                 # non-breaking hyphen
    ("ISIL's and ISIL\u2019s", ["ISIL's", "and", "ISIL\u2019s"]),     # straight and curly apostrophe
    ("the U.N. and the U.S.", ["the", "U.N.", "and", "the", "U.S."]),
    ("UNSC, e.g. FTFs", ["UNSC", ",", "e.g.", "FTFs"]),
    ("ISIL/DAESH", ["ISIL", "/", "DAESH"]),
    ("1,000 people at 9:00 in 2013/14, 2.5%", ["1,000", "people", "at", "9:00", "in", "2013/14", ",",
                                               "2.5", "%"]),
    ("terrorists\u2019 desire", ["terrorists", "\u2019", "desire"]),
    ("don't stop", ["don't", "stop"]),
    ("(FTFs)...", ["(", "FTFs", ")", ".", ".", "."]),
    ("see https://un.org/sc/ctc. Now", ["see", "https://un.org/sc/ctc", ".", "Now"]),
    ("write to wuyiyao@chinadaily.com.cn.", ["write", "to", "wuyiyao@chinadaily.com.cn", "."]),
    ("(a.b+c-d@mail.un.org) it's+x@y.io", ["(", "a.b+c-d@mail.un.org", ")", "it's", "+", "x@y.io"]),
    ("@UN and a@b, not an address", ["@", "UN", "and", "a", "@", "b", ",", "not", "an", "address"]),
    ("resolution 2178(2014)", ["resolution", "2178", "(", "2014", ")"]),
])
def test_word_tokenize(text, expected):
    assert word_tokenize(text) == expected


def test_nltk_regexp_tokenizer_uses_the_same_pattern():
    for text in ["ISIL\u2019s fighters (FTFs) met the U.N. in 2019.", "see https://un.org/sc. Now",
                 "mail a.b@un.org or @un"]:
        assert word_tokenizer.tokenize(text) == word_tokenize(text)


def _tokens(chunk):
    return [chunk.types[i] for i in chunk.codes]


def _same(a, b):
    return (_tokens(a) == _tokens(b) and a.sentence_lengths.tolist() == b.sentence_lengths.tolist()
            and a.paragraph_sentences.tolist() == b.paragraph_sentences.tolist())


def test_numpy_engine_equals_regex_engine_on_seeds_and_tricky_text():
    texts = [p.read_text(encoding="utf-8") for p in SEED_PAGES]
    texts += DATA.joinpath("tricky_sentences.txt").read_text(encoding="utf-8").splitlines() + ["", "  "]
    splitter = make_sentence_splitter(abbreviations=load_abbreviations("default"))
    a = tokenize_chunk(texts, splitter=splitter, engine="regex")
    b = tokenize_chunk(texts, splitter=splitter, engine="numpy")
    assert len(a.codes) > 10_000
    assert _same(a, b)


def test_numpy_engine_equals_regex_engine_on_random_strings():
    pieces = list("ab Z1.,:/-'\u2019\u2010\u2011\xad_\u00e9\u0663 \n()\"") + [
        "U.N.", "https://x.y/z", "www.a.b", "1,000", "e.g.", "ISIL\u2019s", "@", "@", "a@b.cd", "x+y@", "@z.co",
        ".", "+"]
    rng = random.Random(7)
    splitter = WholeParagraph()
    for _ in range(1500):
        s = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        a = tokenize_chunk([s], splitter=splitter, engine="regex")
        b = tokenize_chunk([s], splitter=splitter, engine="numpy")
        assert _tokens(a) == _tokens(b), s


@pytest.mark.parametrize("abbreviations", [(), ("mr", "u.s", "u.n", "jan", "st", "gen", "ms", "no")])
def test_fast_punkt_equals_nltk_punkt(abbreviations):
    texts = DATA.joinpath("tricky_sentences.txt").read_text(encoding="utf-8").splitlines()
    texts += [p.read_text(encoding="utf-8") for p in SEED_PAGES]
    texts += ["", "   ", "No end", "Very bad acting!!! I promise.", "(Sent1.) Sent2.", "a.\n\nb. c"]
    params = punkt_parameters(abbreviations=abbreviations)
    stock, fast = PunktSentenceTokenizer(params), FastPunkt(params)
    for text in texts:
        assert fast.spans(text) == list(stock.span_tokenize(text)), text[:80]


def test_fast_punkt_equals_nltk_punkt_when_trained():
    train = " ".join(p.read_text(encoding="utf-8") for p in SEED_PAGES)
    params = punkt_parameters(abbreviations=("mr",), train_text=train)
    stock, fast = PunktSentenceTokenizer(params), FastPunkt(params)
    for text in [p.read_text(encoding="utf-8") for p in SEED_PAGES]:
        assert fast.spans(text) == list(stock.span_tokenize(text))


def test_untrained_decision_equals_nltk_on_random_contexts():
    fast = FastPunkt(punkt_parameters(abbreviations=("mr", "u.s", "e.g", "no")))
    pieces = ["J.", "2019.", "U.S.", "Mr.", " ", "\n", "the", "The", ",", ";", "...", "e.g.", "(", ")",
              '"', "a", "B.", "1.5.", "?", "!", "no.", "-", "x-ray.", "3rd."]
    rng = random.Random(3)
    for _ in range(3000):
        context = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 6)))
        assert fast._untrained_sentbreak(context) == fast.text_contains_sentbreak(context), context


def test_split_sentences_knows_abbreviations():
    text = "Mr. Smith met the U.N. envoy on Jan. 5. They spoke."
    assert split_sentences(text) == ["Mr. Smith met the U.N. envoy on Jan. 5.", "They spoke."]
    assert split_sentences("One. Two.", method="none") == ["One. Two."]


def test_chunk_counts_sentences_per_paragraph():
    c = tokenize_chunk(["Aa bb. Cc dd ee.", "", "Ff."], splitter=make_sentence_splitter())
    assert _tokens(c) == ["Aa", "bb", ".", "Cc", "dd", "ee", ".", "Ff", "."]
    assert c.sentence_lengths.tolist() == [3, 4, 2]
    assert c.paragraph_sentences.tolist() == [2, 0, 1]
