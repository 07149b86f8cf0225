"""Names keep their form (``proper_nouns = "keep"``, textanalytics.preprocessing.proper_nouns).

The probe corpus is a few dozen realistic sentences (Westminster, US politics,
news) in one corpus, because the rule reads corpus-wide counts: each probe is
checked where it stands (inside a sentence or at its start) against the lemma
the rule must give there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import textanalytics as ta
from textanalytics.corpus import corpus_chunks
from textanalytics.corpus.model import Corpus
from textanalytics.errors import InputError
from textanalytics.preprocessing import PreprocessConfig, lemmatize_word, preprocess, preprocess_chunks
from textanalytics.preprocessing.proper_nouns import (ACRONYM, LOWER, TITLE, UPPER, case_classes, token_roles,
                                                      type_case)

# (paragraph, {surface token: lemma every occurrence of it in that paragraph must get})
PROBES: list[tuple[str, dict[str, str]]] = [
    # Westminster: names, and common words written with a capital in parliamentary style
    ("The hon. Member for Cardiff North raised the future of Wales in the House of Commons.",
     {"Wales": "wales", "Commons": "commons", "Member": "member"}),
    ("Wales has waited too long for fair funding, and the Minister knows it.",
     {"Wales": "wales", "Minister": "minister"}),
    ("I thank the hon. Member, and I remind Members opposite that they voted against the Bill; "
     "the Government's measures will protect families.",
     {"Members": "member", "Government's": "government", "measures": "measure"}),
    ("The Minister told the House that Ministers had read the report, and the hon. Member accepted that.",
     {"Ministers": "minister"}),
    ("The Minister replied that the House of Lords would debate the Bill again next week.", {"Lords": "lords"}),
    ("Lords amendments were rejected by the Commons last night.", {"Lords": "lords", "Commons": "commons"}),
    ("Commons committees have examined the Brexit deal in detail.",
     {"Commons": "commons", "Brexit": "brexit", "committees": "committee"}),
    ("Brexit dominated the election, and Labour lost seats across the Midlands.",
     {"Brexit": "brexit", "Labour": "labour", "Midlands": "midlands"}),
    ("Midlands councils have lost a third of their funding.", {"Midlands": "midlands", "councils": "council"}),
    ("Labour members said that Keir Starmer should stay. Starmer asked about Downing Street again.",
     {"Labour": "labour", "Starmer": "starmer", "Downing": "downing", "members": "member"}),
    ("Downing Street denied that any rules were broken.", {"Downing": "downing"}),
    ("Boris Johnson met Nicola Sturgeon in Edinburgh. Johnson said Parliament would sit in Dumfries; "
     "Sturgeon called it a stunt.",
     {"Johnson": "johnson", "Sturgeon": "sturgeon", "Parliament": "parliament", "Dumfries": "dumfries"}),
    ("Parliament rose at ten. Dumfries and Galloway council welcomed the decision.",
     {"Parliament": "parliament", "Dumfries": "dumfries"}),
    ("Margaret Thatcher once visited Hove and Hastings on the same day.",
     {"Thatcher": "thatcher", "Hove": "hove", "Hastings": "hastings"}),
    ("Hove voted to remain, while Hastings voted to leave. Thatcher never went back.",
     {"Hove": "hove", "Hastings": "hastings", "Thatcher": "thatcher"}),
    ("The Reverend Ian Paisley spoke for the DUP. Paisley never compromised.", {"Paisley": "paisley"}),
    ("Lord Dubs has campaigned for child refugees. Dubs told peers that the Home Office had failed them.",
     {"Dubs": "dubs"}),
    ("HM Revenue and Customs will publish guidance. Customs officers at Dover need more training.",
     {"Customs": "customs", "officers": "officer"}),
    ("The Chancellor, Rachel Reeves, answered questions. Reeves said the fiscal rules would hold.",
     {"Reeves": "reeves"}),
    # US politics
    ("Vice President Mike Pence visited Kansas on Monday. Pence told farmers in Kansas that trade would improve.",
     {"Pence": "pence", "Kansas": "kansas", "farmers": "farmer"}),
    ("Pence spoke for the United States in Munich.", {"Pence": "pence", "States": "states"}),
    ("Senator Bernie Sanders criticised the Fed for raising rates again.",
     {"Sanders": "sanders", "Fed": "fed", "rates": "rate"}),
    ("Sanders said the Fed was out of touch. Fed officials declined to comment.",
     {"Sanders": "sanders", "Fed": "fed", "officials": "official"}),
    ("General Motors will build a new plant near Las Vegas.", {"Motors": "motors", "Vegas": "vegas"}),
    ("Vegas casinos reopened in June.", {"Vegas": "vegas", "reopened": "reopen"}),
    ("Attorney General Jeff Sessions testified on Tuesday, and Democrats asked Sessions to resign.",
     {"Sessions": "sessions"}),
    ("Sessions denied meeting the ambassador. The court sessions lasted three days.",
     {"Sessions": "sessions", "sessions": "session"}),
    ("Willie Mays played centre field for the Giants. Mays died in 2024.", {"Mays": "mays"}),
    ("Helen Wills won eight Wimbledon titles. Wills retired in 1938.", {"Wills": "wills"}),
    ("Tiger Woods won the tournament in Los Angeles.", {"Woods": "woods", "Angeles": "angeles"}),
    ("Woods had not won since 2013. The woods near the course were closed.", {"Woods": "woods", "woods": "wood"}),
    ("Bill Gates spoke at the United Nations about vaccines.", {"Gates": "gates", "Nations": "nations"}),
    ("Mark Meadows called the governor twice. Meadows later denied it.", {"Meadows": "meadows"}),
    # News
    ("Foreign Minister Sergei Lavrov met Mikhail Sirotkin in Moscow. Lavrov said that the Netherlands "
     "and the Philippines had backed the United Nations resolution.",
     {"Lavrov": "lavrov", "Sirotkin": "sirotkin", "Netherlands": "netherlands", "Philippines": "philippines",
      "Nations": "nations"}),
    ("Sirotkin disagreed with Lavrov. Athens and Brussels stayed silent.",
     {"Sirotkin": "sirotkin", "Lavrov": "lavrov", "Athens": "athens", "Brussels": "brussels"}),
    ("Ben Stokes scored a century for England. Stokes was named player of the match.", {"Stokes": "stokes"}),
    ("The engine maker Cummins hired staff in Indiana. Cummins shares rose.", {"Cummins": "cummins"}),
    ("The New York Times reported that farmers along the Euphrates were leaving. The Euphrates is drying up.",
     {"Times": "times", "Euphrates": "euphrates"}),
    ("Cecil Rhodes founded the scholarship. Rhodes scholars study at Oxford.", {"Rhodes": "rhodes"}),
    ("Bobby Sands was elected while on hunger strike. Sands died in the Maze prison.", {"Sands": "sands"}),
    ("The Scottish Conservative Miles Briggs asked the question, and the road is three miles long. "
     "Miles thanked the committee.",
     {"Miles": "miles", "miles": "mile"}),
    ("Arron Banks funded the campaign, and the Electoral Commission fined him.", {"Banks": "banks"}),
    ("John Mills gave money to Labour. Mills owns a shopping channel.", {"Mills": "mills"}),
    ("COMMONS VOTES AGAIN TONIGHT, the evening paper said.", {"COMMONS": "commons"}),
    # Common words at the start of a sentence, in capitals, in a heading: lemmatised
    ("The banks were bailed out, and many banks closed branches. Banks denied any wrongdoing.",
     {"banks": "bank", "Banks": "bank"}),
    ("Countries must cooperate against terrorists. Terrorists exploit the internet, and many countries "
     "lack the means to respond.",
     {"Countries": "country", "Terrorists": "terrorist", "terrorists": "terrorist", "countries": "country"}),
    ("Measures against money laundering were adopted. Members of the committee said those measures came late.",
     {"Measures": "measure", "Members": "member", "measures": "measure"}),
    ("Children are at risk online, and children need protection. Forces loyal to the government shelled "
     "the town; the armed forces withdrew later.",
     {"Children": "child", "children": "child", "Forces": "force", "forces": "force"}),
    ("Policies differ between states, and these policies change often. States were asked to report by June, "
     "and member states agreed.",
     {"Policies": "policy", "policies": "policy", "States": "state", "states": "state"}),
    ("TERRORISTS ATTACKED THE PORT, the agency reported.", {"TERRORISTS": "terrorist", "ATTACKED": "attack"}),
    ("Trump Continues Obama's Deportation Policies", {"Policies": "policy", "Continues": "continue"}),
    ("FACT: Measures taken so far have failed.", {"Measures": "measure"}),
]

#: The names among the probes (each kept, lower-cased, where it stands in PROBES).
NAMES = sorted({t for _, expect in PROBES for t, lemma in expect.items()
                if t[:1].isupper() and lemma == t.lower()} - {"Members", "Government's", "Member", "Minister"})

#: The seeds' alias table ("United Nations" -> un), to show aliases still match kept names.
SEEDS_ALIASES = str(Path(__file__).resolve().parents[1] / "seeds" / "aliases.csv")
CONFIG = PreprocessConfig(cache_dir="", phrases=False, aliases=SEEDS_ALIASES)



def _kwic(*args, **kwargs):
    """The KWIC lines (the Concordance result's table)."""
    return ta.kwic(*args, **kwargs).table

def probe_corpus() -> Corpus:
    ids = [f"p{i:02d}" for i in range(len(PROBES))]
    paragraphs = pd.DataFrame({"statement_id": ids, "paragraph": 1, "text": [text for text, _ in PROBES]})
    return Corpus(statements=pd.DataFrame({"statement_id": ids}), paragraphs=paragraphs)


@pytest.fixture(scope="module")
def kept():
    return preprocess(probe_corpus(), config=CONFIG)


@pytest.fixture(scope="module")
def lemmatised():
    return preprocess(probe_corpus(), config=PreprocessConfig(cache_dir="", phrases=False, proper_nouns="lemmatise"))


def lemmas_by_paragraph(tokens) -> dict[str, list[tuple[str, str]]]:
    t = tokens.table
    out: dict[str, list[tuple[str, str]]] = {}
    for sid, tok, lemma in zip(t["statement_id"].astype(str), t["token"].astype(str), t["lemma"].astype(str)):
        out.setdefault(sid, []).append((tok, lemma))
    return out


def test_the_probe_list_is_long_enough_and_means_something():
    assert len(NAMES) >= 40
    changed_by_dictionary = [n for n in NAMES if lemmatize_word(n) != n.lower()]
    # Pence -> penny, Wales -> wale, ...: the names the dictionary alone gets wrong.
    assert len(changed_by_dictionary) >= 25
    assert {"Pence", "Wales", "Commons", "Sanders", "Fed", "Motors", "Vegas", "Lords"} <= set(changed_by_dictionary)


def test_every_probe_gets_its_lemma_where_it_stands(kept):
    got = lemmas_by_paragraph(kept)
    wrong = []
    for i, (text, expect) in enumerate(PROBES):
        seen = set()
        for tok, lemma in got[f"p{i:02d}"]:
            if tok in expect:
                seen.add(tok)
                if lemma != expect[tok]:
                    wrong.append(f"{tok!r} -> {lemma!r}, expected {expect[tok]!r} in: {text}")
        assert seen == set(expect), f"probe tokens missing from: {text}"
    assert not wrong, "\n".join(wrong)


def test_lemmatise_is_the_dictionary_reading_for_every_probe(lemmatised):
    got = lemmas_by_paragraph(lemmatised)
    for i, (_, expect) in enumerate(PROBES):
        for tok, lemma in got[f"p{i:02d}"]:
            if tok in expect:
                assert lemma == lemmatize_word(tok, exceptions={"us": "us"}), tok


def test_terms_follow_the_kept_lemma_and_aliases_still_match(kept):
    t = kept.table.astype({"token": str, "lemma": str, "term": str, "reason": str})
    pence = t[t["token"] == "Pence"]
    assert set(pence["term"]) == {"pence"} and pence["keep"].all()
    # "United Nations" is still the alias "un": matching uses the dictionary key, not the kept word.
    nations = t.index[t["token"] == "Nations"]
    assert (t.loc[nations - 1, "term"] == "un").all() and (t.loc[nations, "reason"] == "alias_part").all()
    assert (t.loc[nations, "lemma"] == "nations").all()


def test_a_kept_name_is_a_stopword_only_by_its_own_word(kept, lemmatised):
    for tokens, kept_as_term in ((kept, True), (lemmatised, False)):
        t = tokens.table.astype({"token": str, "reason": str})
        for name in ("Mays", "Wills"):  # dictionary: may, will (stopwords)
            rows = t[t["token"] == name]
            assert len(rows) == 2 and bool(rows["keep"].all()) is kept_as_term, name


def test_lemma_exceptions_override_the_rule(tmp_path):
    path = tmp_path / "exceptions.csv"
    path.write_text("word,lemma\nlords,lord\n", encoding="utf-8")
    tokens = preprocess(probe_corpus(), config=PreprocessConfig(cache_dir="", phrases=False,
                                                               lemma_exceptions=str(path)))
    t = tokens.table.astype({"token": str, "lemma": str})
    assert set(t.loc[t["token"] == "Lords", "lemma"]) == {"lord"}
    assert set(t.loc[t["token"] == "Commons", "lemma"]) == {"commons"}


def test_without_lowercase_a_kept_name_keeps_its_capital():
    tokens = preprocess(probe_corpus(), config=PreprocessConfig(cache_dir="", phrases=False, lowercase=False))
    t = tokens.table.astype({"token": str, "lemma": str})
    assert set(t.loc[t["token"] == "Wales", "lemma"]) == {"Wales"}
    assert set(t.loc[t["token"] == "Countries", "lemma"]) == {"Country"}


def test_streamed_chunks_decide_on_counts_over_the_whole_corpus(kept, tmp_path):
    corpus = probe_corpus()
    pieces = list(corpus_chunks(corpus, max_chars=120))
    assert len(pieces) >= 20
    store = preprocess_chunks(iter(pieces), config=CONFIG, out=tmp_path / "store")
    pd.testing.assert_frame_equal(store.to_tokens().table, kept.table)
    # On its own, "Vegas casinos reopened" has no evidence that Vegas is a name: only the
    # counts of the other chunks ("near Las Vegas") keep it.
    vegas = next(i for i, (text, _) in enumerate(PROBES) if text.startswith("Vegas casinos"))
    alone = preprocess(Corpus(statements=corpus.statements.iloc[[vegas]],
                              paragraphs=corpus.paragraphs.iloc[[vegas]]), config=CONFIG)
    assert alone.table["lemma"].astype(str).iloc[0] == "vega"


def test_a_capitalised_word_after_a_title_is_a_name():
    texts = ["The Bank of England raised rates. The committee said that the Bank expects inflation to fall.",
             "Analysts think the Bank will wait, although several Banks have cut their rates.",
             "The hon. Member for Newham North West (Mr. Banks) asked about the Bank again."]
    ids = [f"b{i}" for i in range(len(texts))]
    corpus = Corpus(statements=pd.DataFrame({"statement_id": ids}),
                    paragraphs=pd.DataFrame({"statement_id": ids, "paragraph": 1, "text": texts}))
    t = preprocess(corpus, config=CONFIG).table.astype({"statement_id": str, "token": str, "lemma": str})
    banks = t[t["token"] == "Banks"].set_index("statement_id")["lemma"].to_dict()
    # "the Bank" on its own is the corpus' habit, so "several Banks" is its plural; "Mr. Banks" is a man.
    assert banks == {"b1": "bank", "b2": "banks"}


def test_config_value_is_checked():
    with pytest.raises(InputError, match=r'proper_nouns = "lemmatize": must be one of "keep", "lemmatise"') as err:
        PreprocessConfig(proper_nouns="lemmatize")
    assert "\n" not in str(err.value)


# -- the pieces --------------------------------------------------------------------------------

def test_case_classes_judge_the_lemmatised_part():
    assert case_classes(["wales", "Wales", "COMMONS", "NATO", "FTFs", "England-Wales", "Government-owned"]).tolist() == [
        LOWER, TITLE, UPPER, ACRONYM, ACRONYM, TITLE, LOWER]


def test_token_roles_sentence_starts_openers_and_headings():
    types = ["Trump", "Continues", "Obama's", "Deportation", "Policies", "He", "said", ":", "Members",
             "left", "the", "hon", ".", "Member", "spoke", "they", "met", "Nicola", "Sturgeon", "there",
             "Members", "raised", "future", "Wales", "Commons"]
    sentences = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14], [15, 16, 17, 18, 19],
                 [10, 20, 21, 10, 22, 23, 24]]
    codes = np.array([c for s in sentences for c in s])
    sentence = np.repeat(np.arange(len(sentences)), [len(s) for s in sentences])
    _, tcase = type_case(types)
    caseless, alone = token_roles(codes=codes, sentence=sentence, tcase=tcase)
    assert caseless[:5].all()                                      # a title-case heading
    assert caseless.tolist()[5:20] == [True, False, False, True, False,      # after a colon
                                       True, False, False, False, False,     # sentence start only
                                       True, False, False, False, False]
    assert caseless[20] and not caseless[21:].any()                # lower-case words: not a heading
    assert alone[13] and not alone[17] and not alone[18]           # "hon. Member" alone; "Nicola Sturgeon" not
    assert alone[21] and not alone[25] and not alone[26]           # "the Members raised"; "Wales Commons"


# -- KWIC finds what keyness lists ---------------------------------------------------------------

SPEECHES = {
    "Donnelly": [
        "Governor Pence signed the religious freedom bill in Indiana last spring.",
        "Businesses in Indianapolis told Governor Pence that the law would cost jobs.",
        "Governor Pence later asked the legislature to clarify the law.",
        "Pence said the Fed should leave interest rates alone this year.",
        "Critics of Governor Pence marched outside the statehouse on Saturday.",
        "Governor Pence defended the budget, and Senator Sanders attacked it.",
        "Sanders told voters in Las Vegas that the banks had too much power.",
        "General Motors opened a plant in Kansas, and Governor Pence welcomed the jobs.",
    ],
    "Jones": [
        "The hon. Member for Cardiff North spoke for Wales in the House of Commons.",
        "Wales needs a fair funding formula, and the Minister has promised one.",
        "Members opposite voted against the Bill in the Commons last night.",
        "The House of Lords amended the Bill, and the Commons rejected the Lords amendments.",
        "Farmers in Wales fear the end of the subsidy after Brexit.",
        "The Minister told the hon. Member that the fund for Wales would be protected.",
        "Labour Members asked the Minister about rail services in Wales.",
        "Ministers have met the Welsh Government twice this month.",
    ],
}


@pytest.fixture(scope="module")
def speeches(tmp_path_factory):
    rows = [{"id": f"{speaker[:1]}{i}", "date": f"2016-0{1 + i % 9}-01", "speaker": speaker, "text": text}
            for speaker, texts in SPEECHES.items() for i, text in enumerate(texts)]
    path = tmp_path_factory.mktemp("speeches") / "speeches.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    corpus = ta.load_corpus(path, id_col="id")
    return corpus, preprocess(corpus, config=PreprocessConfig(cache_dir=""))


def test_kwic_finds_kept_names_and_their_phrases(speeches):
    corpus, tokens = speeches
    assert "governor_pence" in set(tokens.phrases["phrase"])
    pence = _kwic(corpus, "pence", tokens=tokens)
    assert len(pence) == sum(text.count("Pence") for text in SPEECHES["Donnelly"])
    assert set(pence["match"]) == {"Pence"}
    assert _kwic(corpus, "penny", tokens=tokens).empty
    governor = _kwic(corpus, "governor_pence", tokens=tokens)
    assert len(governor) == sum(text.count("Governor Pence") for text in SPEECHES["Donnelly"])
    # The term is also its words in running text (no tokens needed), as "governor_penny" never was.
    assert len(_kwic(corpus, "governor_pence")) == len(governor)
    assert len(_kwic(corpus, "wales", tokens=tokens)) == sum(text.count("Wales") for text in SPEECHES["Jones"])


def test_every_keyness_term_has_kwic_lines(speeches):
    corpus, tokens = speeches
    res = ta.keyness(ta.build_dtm(tokens, unit="paragraph"), corpus=corpus, group_by="speaker")
    terms = sorted(set(res.top(30, direction="target")["term"]) | set(res.top(30, direction="reference")["term"]))
    assert {"governor_pence", "wales", "commons", "lords", "sanders", "fed"} <= set(terms)
    missing = [term for term in terms if _kwic(corpus, term, tokens=tokens).empty]
    assert not missing
