"""The preprocessing pipeline: token table, filters, resolution numbers, aliases, phrases, documents."""

from __future__ import annotations

import dataclasses
import importlib.util
import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from textanalytics.config import load_config
from textanalytics.corpus.model import Corpus
from textanalytics.errors import InputError
from textanalytics.preprocessing import REASONS, PreprocessConfig, Tokens, cache_key, preprocess
from textanalytics.preprocessing import tokenizing

DATA = Path(__file__).parent / "data" / "preprocess"
ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["statement_id", "paragraph", "sentence", "position", "token", "lemma", "term", "keep", "reason"]


def make_corpus(statements: dict[str, list[str]]) -> Corpus:
    rows = [(sid, i, text) for sid, paras in statements.items() for i, text in enumerate(paras, 1)]
    paragraphs = pd.DataFrame(rows, columns=["statement_id", "paragraph", "text"])
    return Corpus(statements=pd.DataFrame({"statement_id": list(statements)}), paragraphs=paragraphs)


#: The seeds' domain tables, which these tests of the alias and phrase machinery use by default.
SEEDS_ALIASES = str(ROOT / "seeds" / "aliases.csv")
SEEDS_PHRASES = load_config(ROOT / "analysis.toml").preprocess.curated_phrases


def run(statements: dict[str, list[str]], **config) -> Tokens:
    config.setdefault("cache_dir", "")
    config.setdefault("aliases", SEEDS_ALIASES)
    config.setdefault("curated_phrases", SEEDS_PHRASES)
    return preprocess(make_corpus(statements), config=PreprocessConfig(**config))


def rows(tokens: Tokens, **where) -> pd.DataFrame:
    t = tokens.table.astype({c: str for c in ("statement_id", "token", "lemma", "term", "reason")})
    for column, value in where.items():
        t = t[t[column] == value]
    return t


def lookup(tokens: Tokens, token: str) -> dict:
    found = rows(tokens, token=token)
    assert len(found), f"no token {token!r}"
    return found.iloc[0].to_dict()


# -- the table -------------------------------------------------------------------------------

def test_schema_order_and_numbering():
    tokens = run({"b": ["Second statement. It has two sentences."], "a": ["First one.", "Para two."]})
    t = tokens.table
    assert list(t.columns) == COLUMNS
    assert t["statement_id"].dtype == "category" and t["token"].dtype == "category"
    assert t["reason"].dtype == "category" and list(t["reason"].cat.categories) == list(REASONS)
    assert t["position"].dtype == np.int32 and t["keep"].dtype == bool
    assert rows(tokens)[["statement_id", "paragraph"]].drop_duplicates().values.tolist() == [
        ["a", 1], ["a", 2], ["b", 1]]
    b = rows(tokens, statement_id="b")
    assert b["position"].tolist() == list(range(1, len(b) + 1))
    assert b["sentence"].tolist() == [1, 1, 1, 2, 2, 2, 2, 2]
    assert tokens.units["n_tokens"].tolist() == [3, 3, 8]


def test_reasons():
    tokens = run({"s": ["The 2 X fighters of ISIL (Islamic State) discussed international law, again."]},
                 phrases=False)
    reason = {r["token"]: r["reason"] for _, r in rows(tokens).iterrows()}
    assert reason["The"] == "stopword" and reason["2"] == "number" and reason["X"] == "short"
    assert reason["("] == "punctuation" and reason["fighters"] == ""
    assert reason["State"] == "alias_part" and reason["law"] == "phrase_part"
    assert reason["Islamic"] == "alias_part"  # "(Islamic State)" repeats ISIL right after it
    kept = rows(tokens, keep=True)
    assert (kept["reason"] == "").all()
    assert set(rows(tokens, keep=False)["reason"]) <= set(REASONS[1:])


def test_stopwords_numbers_and_length_are_configurable():
    text = ["The 2019 report said 5 x things to us."]
    default = run({"s": text}, phrases=False)
    assert lookup(default, "said")["keep"] and not lookup(default, "us")["keep"]
    extra = run({"s": text}, phrases=False, extra_stopwords=("Said", "report"))
    assert lookup(extra, "said")["reason"] == "stopword" and lookup(extra, "report")["reason"] == "stopword"
    none = run({"s": text}, phrases=False, stopwords="")
    assert lookup(none, "The")["keep"]
    custom = run({"s": text}, phrases=False, stopwords=str(DATA / "stopwords_custom.txt"))
    assert lookup(custom, "said")["reason"] == "stopword" and lookup(custom, "to")["keep"]
    canonical = run({"s": ["The UN and ISIL discussed international law."]}, extra_stopwords=("un", "international_law"))
    assert rows(canonical, keep=True)["term"].tolist() == ["isil", "discuss"]
    assert lookup(canonical, "UN")["reason"] == "stopword" and canonical.phrases.empty
    numbers = run({"s": text}, phrases=False, drop_numbers=False)
    assert lookup(numbers, "2019")["keep"] and lookup(numbers, "2019")["term"] == "2019"
    short = run({"s": text}, phrases=False, min_length=6)
    assert lookup(short, "report")["keep"] and lookup(short, "things")["reason"] == "short"


@pytest.mark.parametrize("text, expected", [
    ("implementing resolution 2178 (2014) fully", ["resolution_2178"]),
    ("resolutions 2462 (2019) and 2482 (2019) on financing", ["resolution_2462", "resolution_2482"]),
    ("Resolution 1373 (2001) of the SC", ["resolution_1373"]),
    ("resolutions 1624 (2005), 2178 (2014) and 2354 (2017)",
     ["resolution_1624", "resolution_2178", "resolution_2354"]),
    ("resolutions 2199 and 2253 aimed at", ["resolution_2199", "resolution_2253"]),
    ("in 2014 the resolution was adopted", []),
])
def test_resolution_numbers(text, expected):
    tokens = run({"s": [text]}, phrases=False)
    assert rows(tokens, keep=True).query("term.str.startswith('resolution_')")["term"].tolist() == expected
    off = run({"s": [text]}, phrases=False, keep_resolution_numbers=False)
    assert not off.table["term"].astype(str).str.startswith("resolution_").any()


# -- aliases ---------------------------------------------------------------------------------

def test_isil_variants_are_one_token():
    text = ("ISIL, ISIS and DAESH and Daesh, the Islamic State. ISIL's and ISIL\u2019s money. "
            "The Islamic State's fighters and Islamic State of Iraq and the Levant.")
    tokens = run({"s": [text]}, phrases=False)
    heads = rows(tokens, lemma="isil")
    assert heads["token"].tolist() == ["ISIL", "ISIS", "DAESH", "Daesh", "Islamic", "ISIL's",
                                       "ISIL\u2019s", "Islamic", "Islamic"]
    assert heads["keep"].all()
    assert rows(tokens, token="Levant")["reason"].tolist() == ["alias_part"]


def test_multiword_aliases_and_their_followers():
    text = ("Foreign terrorist fighters and a foreign terrorist fighter joined Al-Qaeda and Jabhat al-Nusra. "
            "The UN Security Council, the UNSC and the United Nations met CSTO and SCO.")
    tokens = run({"s": [text]}, phrases=False)
    kept = rows(tokens, keep=True)["term"].tolist()
    assert kept == ["foreign_terrorist_fighter", "foreign_terrorist_fighter", "join", "al_qaida",
                    "jabhat_al_nusra", "security_council", "security_council", "un", "meet", "csto", "sco"]
    parts = rows(tokens, reason="alias_part")["token"].tolist()
    assert parts == ["terrorist", "fighters", "terrorist", "fighter", "al-Nusra", "Security", "Council",
                     "Nations"]
    assert tokens.aliases.query("canonical == 'security_council'")["count"].sum() == 2


def test_case_sensitive_alias_us_versus_pronoun():
    tokens = run({"s": ["The US told us that the U.S. and the United States agree."]}, phrases=False)
    assert lookup(tokens, "US")["lemma"] == "united_states"
    assert lookup(tokens, "us")["reason"] == "stopword"
    assert rows(tokens, lemma="united_states")["token"].tolist() == ["US", "U.S.", "United"]


def test_aliases_never_cross_sentences():
    tokens = run({"s": ["They fought for the Islamic. State officials disagreed."]}, phrases=False)
    assert "isil" not in set(rows(tokens)["lemma"])


def test_alias_repeats_in_parentheses():
    text = "foreign terrorist fighters (FTFs) and the Islamic State (ISIL/DAESH) and ISIS (FTF)"
    tokens = run({"s": [text]}, phrases=False)
    assert rows(tokens, keep=True)["term"].tolist() == [
        "foreign_terrorist_fighter", "isil", "isil", "foreign_terrorist_fighter"]
    kept_all = run({"s": [text]}, phrases=False, drop_alias_repeats=False)
    assert rows(kept_all, lemma="isil")["keep"].sum() == 4


def test_researcher_alias_table(tmp_path):
    text = ["Daesh, ISIS and the Islamic State; ISIL stays; the Shanghai Five."]
    tokens = run({"s": text}, phrases=False, aliases=str(DATA / "aliases_custom.csv"))
    assert rows(tokens, keep=True)["term"].tolist() == [
        "islamic_state_group", "islamic_state_group", "islamic_state_group", "isil", "stay", "sco"]
    none = run({"s": text}, phrases=False, aliases="")
    assert "islamic_state_group" not in set(rows(none)["lemma"]) and len(none.aliases) == 0
    bad = tmp_path / "aliases.csv"
    bad.write_text("variant,canonical\nISIS,isil\nISIS,daesh\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 3"):
        run({"s": text}, aliases=str(bad))
    bad.write_text("name,target\nISIS,isil\n", encoding="utf-8")
    with pytest.raises(InputError, match="missing column 'variant'"):
        run({"s": text}, aliases=str(bad))


# -- phrases ---------------------------------------------------------------------------------

def test_curated_phrases():
    text = ["Respect international law and the rule of law. Organized crime and double standards. "
            "The UN Charter matters."]
    tokens = run({"s": text}, phrases=False,
                 curated_phrases=("international law", "rule of law", "organized crime",
                                  "double standards", "United Nations Charter"))
    kept = rows(tokens, keep=True)["term"].tolist()
    assert kept == ["respect", "international_law", "rule_of_law", "organized_crime", "double_standards",
                    "united_nations_charter", "matter"]
    assert rows(tokens, token="law")["reason"].tolist() == ["phrase_part", "phrase_part"]
    curated = tokens.phrases
    assert set(curated["source"]) == {"curated"} and curated["score"].isna().all()
    assert dict(zip(curated["phrase"], curated["count"]))["international_law"] == 1


def _learning_corpus() -> dict[str, list[str]]:
    paras = [f"Officials discussed the money laundering case number {i} with critical infrastructure experts. "
             f"Experts fear money laundering and praise critical infrastructure work {i}."
             for i in range(8)]
    paras += ["Money matters. Laundering happens. Critical thinking helps. Infrastructure ages."]
    return {"s": paras}


def test_learned_phrases_and_their_scores_match_gensim():
    tokens = run(_learning_corpus(), curated_phrases=(), phrase_passes=1)
    learned = tokens.phrases.query("source == 'learned'")
    assert {"money_laundering", "critical_infrastructure"} <= set(learned["phrase"])
    assert list(tokens.phrases.columns) == ["phrase", "source", "count", "score"]
    assert learned["score"].between(0.5, 1).all()
    assert learned["score"].is_monotonic_decreasing
    head = rows(tokens, term="money_laundering")
    assert len(head) == 16 and head["keep"].all()
    assert set(rows(tokens, reason="phrase_part")["lemma"]) >= {"laundering", "infrastructure"}
    # A second pass joins phrases into longer ones.
    two = run(_learning_corpus(), curated_phrases=(), phrase_passes=2)
    assert two.phrases["phrase"].str.count("_").max() >= 2
    # Same counts fed to gensim give the same NPMI.
    from gensim.models.phrases import Phrases

    one_pass = tokens
    sentences = _kept_runs(run(_learning_corpus(), curated_phrases=(), phrases=False))
    model = Phrases(sentences, min_count=5, threshold=0.5, scoring="npmi", delimiter="_")
    expected = model.export_phrases()
    ours = dict(zip(one_pass.phrases["phrase"], one_pass.phrases["score"]))
    # gensim also lists pairs that overlapping phrases never let apply ("laundering_case").
    assert set(ours) <= set(expected) and len(ours) >= 4
    for phrase, score in ours.items():
        assert score == pytest.approx(expected[phrase], rel=1e-9)


def _kept_runs(tokens: Tokens) -> list[list[str]]:
    """Runs of adjacent kept terms (the pairs our learner considers), as gensim sentences."""
    t = tokens.table
    out, current, last_sentence = [], [], None
    for term, keep, sentence, paragraph in zip(t["term"].astype(str), t["keep"], t["sentence"], t["paragraph"]):
        if not keep or (paragraph, sentence) != last_sentence:
            if current:
                out.append(current)
            current = []
        if keep:
            current.append(term)
        last_sentence = (paragraph, sentence)
    if current:
        out.append(current)
    return out


def test_phrases_can_be_switched_off_and_are_deterministic():
    off = run(_learning_corpus(), phrases=False, curated_phrases=())
    assert off.phrases.empty and not (rows(off)["reason"] == "phrase_part").any()
    a, b = run(_learning_corpus()), run(_learning_corpus())
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.phrases, b.phrases)


def test_resolution_numbers_never_join_learned_phrases():
    paras = [f"The Security Council resolution 2178 (2014) on case {i}." for i in range(8)]
    tokens = run({"s": paras}, phrase_min_count=3)
    assert not tokens.phrases["phrase"].str.contains("resolution_2178").any()
    assert (rows(tokens, keep=True)["term"] == "resolution_2178").sum() == 8


# -- documents -------------------------------------------------------------------------------

def test_documents_at_both_units():
    tokens = run({"b": ["Terrorists attacked.", "", "The the the."], "a": ["Fighters fled. Others stayed."]},
                 phrases=False)
    units, texts = tokens.documents(unit="paragraph")
    assert units["unit_id"].tolist() == ["a:1", "b:1", "b:2", "b:3"]
    assert texts == [["fighter", "flee", "stay"], ["terrorist", "attack"], [], []]
    assert str(units["paragraph"].dtype) == "Int64"
    units, texts = tokens.documents(unit="statement")
    assert units["unit_id"].tolist() == ["a", "b"] and units["paragraph"].isna().all()
    assert texts == [["fighter", "flee", "stay"], ["terrorist", "attack"]]
    assert tokens.documents()[0]["unit_id"].tolist() == ["a:1", "b:1", "b:2", "b:3"]  # config.unit
    with pytest.raises(ValueError):
        tokens.documents(unit="sentence")


def test_documents_on_a_hand_made_table():
    table = pd.DataFrame({"statement_id": ["s", "s", "s"], "paragraph": [2, 1, 1], "sentence": [1, 1, 1],
                          "position": [1, 2, 1], "token": ["c", "b", "a"], "lemma": ["c", "b", "a"],
                          "term": ["c", "b", "a"], "keep": [True, True, True], "reason": ["", "", ""]})
    units, texts = Tokens(table=table, phrases=pd.DataFrame()).documents(unit="statement")
    assert texts == [["a", "b", "c"]]


# -- options ---------------------------------------------------------------------------------

def test_sentence_splitters_and_case():
    text = ["Mr. Smith met ISIL envoys. They left. Then Dr. No came."]
    punkt = run({"s": text}, phrases=False)
    assert rows(punkt)["sentence"].max() == 3
    assert run({"s": text}, phrases=False, sentence_splitter="none").table["sentence"].max() == 1
    assert run({"s": text}, phrases=False, sentence_splitter="punkt_trained").table["sentence"].max() >= 2
    cased = run({"s": text}, phrases=False, lowercase=False)
    assert lookup(cased, "Smith")["lemma"] == "Smith" and lookup(cased, "envoys")["lemma"] == "envoy"
    assert lookup(cased, "ISIL")["lemma"] == "isil"  # canonical tokens are as written in the table
    raw = run({"s": text}, phrases=False, lemmatize=False)
    assert lookup(raw, "envoys")["lemma"] == "envoys"


def test_parallel_workers_give_identical_results(monkeypatch):
    monkeypatch.setattr(tokenizing, "CHUNK_CHARS", 200)
    corpus = _learning_corpus()
    one = run(corpus)
    two = run(corpus, n_jobs=2)
    assert len(one.phrases) > 0
    for name in ("table", "phrases", "units", "aliases"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True, obj=name)


def test_config_validation_and_toml(tmp_path):
    with pytest.raises(InputError, match="min_length"):
        PreprocessConfig(min_length=-1)
    with pytest.raises(InputError, match="phrase_threshold"):
        PreprocessConfig(phrase_threshold=2.0)
    with pytest.raises(InputError, match="sentence_splitter"):
        PreprocessConfig(sentence_splitter="spacy")
    with pytest.raises(InputError, match="extra_stopwords"):
        PreprocessConfig(extra_stopwords="said")
    cfg = tmp_path / "analysis.toml"
    cfg.write_text("[preprocess]\nextra_stopwords = ['said']\ncurated_phrases = ['rule of law']\n"
                   "sentence_splitter = 'none'\n", encoding="utf-8")
    pre = load_config(cfg).preprocess
    assert pre.extra_stopwords == ("said",) and pre.curated_phrases == ("rule of law",)
    assert dataclasses.replace(pre, n_jobs=2).n_jobs == 2


def test_bad_corpus_input():
    with pytest.raises(InputError, match="expected a Corpus"):
        preprocess(pd.DataFrame({"text": ["x"]}), config=PreprocessConfig(cache_dir=""))
    corpus = make_corpus({"s": ["a", "b"]})
    dup = Corpus(statements=corpus.statements, paragraphs=corpus.paragraphs.assign(paragraph=[1, 1]))
    with pytest.raises(InputError, match="appears twice"):
        preprocess(dup, config=PreprocessConfig(cache_dir=""))


def test_config_is_keyword_only_and_the_old_positional_call_warns():
    corpus = make_corpus({"s": ["Foreign terrorist fighters left.", "They came back."]})
    config = PreprocessConfig(cache_dir="", phrases=False)
    params = inspect.signature(preprocess).parameters
    assert params["config"].kind is inspect.Parameter.KEYWORD_ONLY
    new = preprocess(corpus, config=config)
    with pytest.warns(DeprecationWarning, match=r"preprocess\(\): passing the config as the second positional"):
        old = preprocess(corpus, config)
    pd.testing.assert_frame_equal(old.table, new.table)
    with pytest.raises(TypeError, match="multiple values for argument 'config'"):
        preprocess(corpus, config, config=config)
    with pytest.raises(TypeError, match="takes 1 positional argument but 3 were given"):
        preprocess(corpus, config, "cache")
    with pytest.warns(DeprecationWarning, match=r"cache_key\(\)"):
        assert cache_key(corpus, config) == cache_key(corpus, config=config) != cache_key(corpus)


def test_empty_corpus():
    tokens = run({"s": ["", "   "]})
    assert len(tokens.table) == 0 and list(tokens.table.columns) == COLUMNS
    assert tokens.documents(unit="paragraph")[1] == [[], []]


def test_benchmark_reports_a_missing_corpus(capsys):
    spec = importlib.util.spec_from_file_location("bench_preprocess", ROOT / "benchmarks" / "bench_preprocess.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert bench.main(["--path", str(ROOT / "no_such_corpus.csv.gz")]) == 2
    assert "corpus file not found" in capsys.readouterr().err


def test_per_cent_percent_and_the_sign_are_one_term_unless_the_preset_is_off(tmp_path):
    text = ["Unemployment rose by 15% last year; 20 per cent of workers saw a 3 per-cent cut.",
            "The percent figure. A cent coin."]
    tokens = run({"s": text}, phrases=False, aliases="")
    terms = rows(tokens, keep=True)["term"].tolist()
    assert terms.count("percent") == 4 and terms.count("cent") == 1  # the coin stays a cent
    assert set(tokens.aliases["variant"]) == {"%", "per cent", "per-cent"}
    off = rows(run({"s": text}, phrases=False, aliases="", alias_presets=()), keep=True)["term"].tolist()
    assert off.count("percent") == 1 and off.count("cent") == 2
    # The researcher's table wins over the preset for a variant it maps.
    own = tmp_path / "aliases.csv"
    own.write_text("variant,canonical\nper cent,per_cent\n", encoding="utf-8")
    mine = rows(run({"s": text}, phrases=False, aliases=str(own)), keep=True)["term"].tolist()
    assert mine.count("per_cent") == 1 and mine.count("percent") == 3
    with pytest.raises(InputError, match='alias_presets.*"pounds" is not a preset; choose from "percent"'):
        PreprocessConfig(alias_presets=("pounds",))


def test_contractions_scraped_without_their_final_e_are_read_as_the_stopwords_they_are():
    # news_articles writes "We'r waiting" 174 times (the page lost the e): not a term of its outlets.
    tokens = run({"s": ["We'r waiting and they'r here; you'r right. Dringo'r mynydd."]}, phrases=False, aliases="")
    kept_terms = rows(tokens, keep=True)["term"].tolist()
    assert kept_terms == ["wait", "right", "dringo'r", "mynydd"]  # a Welsh 'r (the article) is left alone
    assert rows(tokens, token="We'r")["lemma"].item() == "we're"


def test_a_stopword_sequence_matches_across_punctuation(tmp_path):
    # A share bar as the repeated-passages table quotes it (punctuation left out) drops it as written.
    line = tmp_path / "furniture.txt"
    line.write_text("send facebook twitter google whatsapp tumblr\n", encoding="utf-8")
    tokens = run({"s": ["Police left. Send Facebook Twitter Google+ Whatsapp Tumblr. The man stayed."]},
                 phrases=False, aliases="", stopword_files=(str(line),))
    assert rows(tokens, keep=True)["term"].tolist() == ["police", "left", "man", "stay"]


def test_the_news_example_furniture_file_drops_the_passages_as_news_articles_print_them():
    # docs/examples/news_furniture.txt: lines copied from news_articles' repeated_passages table, matched on
    # the articles' own spelling (names with a possessive, "Google+", a question mark inside a promotion).
    furniture = ROOT / "docs" / "examples" / "news_furniture.txt"
    text = ("Rutte won. Send Facebook Twitter Google+ Whatsapp Tumblr linkedin stumble Digg reddit Newsvine "
            "Permalink. Do you have information you want to share with the Huffington Post? Share this slide: "
            "How will Donald Trump's first days impact YOU? The views expressed in this article are the author's own "
            "and do not necessarily reflect Al Jazeera's editorial policy. The views do not necessarily reflect "
            "those of China Daily. China Daily European Weekly. Voters stayed home.")
    tokens = run({"s": [text]}, phrases=False, aliases="", stopword_files=(str(furniture),))
    assert rows(tokens, keep=True)["term"].tolist() == ["rutte", "win", "voter", "stay", "home"]


def test_urls_and_email_addresses_are_dropped_as_urls_unless_asked_to_keep_them():
    text = ["Write to wuyiyao@chinadaily.com.cn or see http://dw.com/p/2wx5c and www.un.org today. Amazon.com grew."]
    tokens = run({"s": text}, phrases=False, aliases="")
    assert rows(tokens, reason="url")["token"].tolist() == ["wuyiyao@chinadaily.com.cn", "http://dw.com/p/2wx5c",
                                                           "www.un.org"]
    assert rows(tokens, keep=True)["term"].tolist() == ["write", "today", "amazon.com", "grow"]  # a name, not a link
    kept = run({"s": text}, phrases=False, aliases="", drop_urls=False)
    assert "wuyiyao@chinadaily.com.cn" in rows(kept, keep=True)["term"].tolist()
    assert not (rows(kept)["reason"] == "url").any()
    with pytest.raises(InputError, match=r"\[preprocess\] drop_urls"):
        PreprocessConfig(drop_urls="yes")
