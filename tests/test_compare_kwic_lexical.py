"""KWIC (word, phrase, lemma, term) and lexical statistics (MATTR) on hand examples."""

from __future__ import annotations


import numpy as np
import pytest

from textanalytics.compare import kwic, lexical_stats
from textanalytics.compare.concordance import KWIC_COLUMNS, _align
from textanalytics.compare.stats import mattr, ttr
from textanalytics.errors import InputError



@pytest.fixture(scope="module")
def corpus(tiny):
    return tiny.tiny_corpus()


@pytest.fixture(scope="module")
def tokens(tiny, corpus):
    return tiny.tiny_tokens(corpus)


# -- KWIC -----------------------------------------------------------------------------------------


def test_phrase_across_line_break_case_insensitive(corpus):
    res = kwic(corpus, "double standards")
    out = res.table
    assert out[["statement_id", "paragraph"]].values.tolist() == [["s1", 2], ["s2", 1]]
    assert out["match"].tolist() == ["double standards", "Double standards"]
    assert res.params["query_type"] == "phrase" and len(res) == 2
    assert list(out.columns[:7]) == list(KWIC_COLUMNS)
    meta = {"title", "date", "year", "speaker", "organisation", "genre", "venue"}
    assert meta <= set(out.columns) and not {"text", "n_words"} & set(out.columns)
    assert out.loc[1, "speaker"] == "Lavrov" and out.loc[1, "year"] == 2018


def test_window_left_right(corpus):
    row = kwic(corpus, "double standards", window=2).table.iloc[0]
    assert (row["left"], row["match"], row["right"]) == ("We oppose", "double standards", "and terrorism.")
    text = corpus.paragraphs.set_index(["statement_id", "paragraph"]).loc[("s1", 2), "text"]
    assert text[row["start"]:row["end"]] == "double standards"
    zero = kwic(corpus, "double standards", window=0).table.iloc[0]
    assert zero["left"] == "" and zero["right"] == ""


def test_whole_words_only_and_wildcard(corpus):
    assert kwic(corpus, "terrorist").table["match"].tolist() == ["Terrorist"]       # not "Terrorists"
    assert kwic(corpus, "terror").table.empty
    assert len(kwic(corpus, "terror*").table) == 6
    assert kwic(corpus, "Terrorist", case_sensitive=True).table["match"].tolist() == ["Terrorist"]
    assert kwic(corpus, "terrorist", case_sensitive=True).table.empty


def test_lemma_query_uses_tokens(corpus, tokens):
    res = kwic(corpus, "terrorist", tokens=tokens)
    out = res.table
    assert res.params["query_type"] == "lemma"
    assert out[["statement_id", "paragraph", "match"]].values.tolist() == [
        ["s2", 1, "Terrorists"], ["s3", 1, "Terrorist"]]
    assert out.loc[0, "left"].endswith("of the West.") and out.loc[0, "right"] == "act."
    # Multiword lemma query: a sequence of lemmas.
    seq = kwic(corpus, "double standard", tokens=tokens, query_type="lemma").table
    assert seq["match"].tolist() == ["double standards", "Double standards"]
    # A phrase query stays a phrase in running text even with tokens.
    assert kwic(corpus, "double standards", tokens=tokens).params["query_type"] == "phrase"


def test_term_query_spans_phrase_parts(tiny, corpus, tokens):
    t = tokens.table.copy()
    first = t["token"].str.lower() == "double"
    t.loc[first, "term"] = "double_standard"
    after = first.shift(1, fill_value=False)
    t.loc[after, ["keep", "reason"]] = [False, "phrase_part"]
    phrased = tiny.Tokens(table=t, phrases=tokens.phrases)
    out = kwic(corpus, "double_standard", tokens=phrased).table
    assert out["match"].tolist() == ["double standards", "Double standards"]
    # Without tokens the term's words are searched as a phrase.
    assert len(kwic(corpus, "double_standards")) == 2


def test_alignment_survives_rewritten_tokens():
    spans = _align('He said "no" today', ["He", "said", "``", "no", "''", "today"])
    assert spans[2] is None and spans[3] == (9, 11) and spans[5] == (13, 18)


def test_kwic_errors(corpus):
    with pytest.raises(InputError, match="empty"):
        kwic(corpus, "   ")
    with pytest.raises(InputError, match="needs tokens"):
        kwic(corpus, "terrorist", query_type="lemma")
    with pytest.raises(InputError, match="window"):
        kwic(corpus, "terrorist", window=-1)
    with pytest.raises(InputError, match="query_type:"):
        kwic(corpus, "terrorist", query_type="stem")
    with pytest.warns(DeprecationWarning, match="query_type"):
        old = kwic(corpus, "double standards", by="phrase")
    assert old.table.equals(kwic(corpus, "double standards", query_type="phrase").table)


# -- MATTR and lexical statistics -----------------------------------------------------------------


def brute_mattr(tokens, window):
    windows = [tokens[i:i + window] for i in range(len(tokens) - window + 1)]
    return float(np.mean([len(set(w)) / window for w in windows]))


def test_mattr_hand_example_and_fallback():
    # windows of 3 over a b a c b: {a,b}=2/3, {b,a,c}=1, {a,c,b}=1 -> 8/9
    assert mattr("a b a c b".split(), window=3) == (pytest.approx(8 / 9), False)
    assert mattr("a b a".split(), window=3) == (pytest.approx(2 / 3), False)
    value, is_ttr = mattr("a b a".split(), window=50)
    assert is_ttr and value == pytest.approx(ttr("a b a".split())) == pytest.approx(2 / 3)
    assert np.isnan(mattr([], window=5)[0])


def test_mattr_equals_brute_force():
    rng = np.random.default_rng(3)
    for n, window, vocab in [(200, 50, 30), (60, 7, 5), (51, 50, 1000), (300, 1, 9)]:
        toks = [f"w{i}" for i in rng.integers(0, vocab, n)]
        assert mattr(toks, window=window)[0] == pytest.approx(brute_mattr(toks, window))


def test_lexical_stats_from_text(corpus):
    res = lexical_stats(corpus)
    out = res.table
    assert list(out.columns) == ["statement_id", "n_tokens", "n_types", "ttr", "mattr", "mattr_is_ttr",
                                 "n_sentences", "mean_sentence_length"]
    s1 = out.set_index("statement_id").loc["s1"]
    # "Terrorism threatens the world." + "We oppose double standards and terrorism."
    assert (s1["n_tokens"], s1["n_types"], s1["n_sentences"]) == (10, 9, 2)
    assert s1["mean_sentence_length"] == 5.0 and s1["mattr_is_ttr"] and s1["mattr"] == pytest.approx(0.9)
    assert res.params == {"window": 50, "source": "regex", "group_by": None,
                                   "n_statements_without_group": 0}


def test_lexical_stats_with_tokens_and_window(corpus, tokens):
    out = lexical_stats(corpus, tokens=tokens, window=3).table.set_index("statement_id")
    s2 = out.loc["s2"]
    # Double standards of the West . Terrorists act . | Law and order .
    assert (s2["n_tokens"], s2["n_sentences"]) == (10, 3)
    words = "double standards of the west terrorists act law and order".split()
    assert s2["mattr"] == pytest.approx(brute_mattr(words, 3)) and not s2["mattr_is_ttr"]
    assert s2["mean_sentence_length"] == pytest.approx(10 / 3)
    regex = lexical_stats(corpus, window=3).table.set_index("statement_id")
    assert out["n_tokens"].tolist() == regex["n_tokens"].tolist()


def test_lexical_stats_per_group(corpus):
    out = lexical_stats(corpus, group_by="organisation").table
    assert list(out.columns) == ["group_by", "group", "n_statements", "n_tokens", "n_types", "ttr", "mattr",
                                 "n_mattr_is_ttr", "n_sentences", "mean_sentence_length"]
    assert out["group"].tolist() == ["FSB/NAC", "MFA"]
    per = lexical_stats(corpus).table.set_index("statement_id")
    mfa = out.set_index("group").loc["MFA"]
    assert mfa["n_statements"] == 3
    assert mfa["n_tokens"] == per.loc[["s1", "s2", "s4"], "n_tokens"].sum()
    assert mfa["mattr"] == pytest.approx(per.loc[["s1", "s2", "s4"], "mattr"].mean())
    assert mfa["n_mattr_is_ttr"] == 3
    speakers = lexical_stats(corpus, group_by="speaker")
    assert speakers.table["group"].tolist() == ["Lavrov", "Sirotkin"]
    assert speakers.params["n_statements_without_group"] == 1
    with pytest.raises(InputError, match="'party' not found"):
        lexical_stats(corpus, group_by="party")
    with pytest.raises(InputError, match="window"):
        lexical_stats(corpus, window=0)


def test_missing_statement_ids_in_tokens_are_an_error_not_a_wrong_statement(tiny):
    import dataclasses

    from textanalytics.compare import kwic, lexical_stats
    from textanalytics.errors import InputError

    tokens = tiny.tiny_tokens()
    table = tokens.table.copy()
    table.loc[0, "statement_id"] = None
    broken = dataclasses.replace(tokens, table=table)
    with pytest.raises(InputError, match="statement_id.*missing"):
        lexical_stats(tiny.tiny_corpus(), tokens=broken)
    with pytest.raises(InputError, match="statement_id.*missing"):
        kwic(tiny.tiny_corpus(), "terror", tokens=broken, query_type="lemma")


def test_kwic_result_summary_and_plot(corpus):
    res = kwic(corpus, "terror*")
    summary = res.summary()
    assert summary["n_matches"].sum() == len(res.table)
    assert summary["n_matches"].is_monotonic_decreasing
    by_hand = res.table["statement_id"].value_counts()
    assert dict(zip(summary["statement_id"], summary["n_matches"])) == by_hand.to_dict()
    fig = res.plot(group_by="speaker")
    ax = fig.axes[0]
    drawn = sorted(p.get_width() for p in ax.patches)
    assert drawn == sorted(res.table["speaker"].replace("", None).dropna().value_counts().tolist())
    assert "'terror*'" in ax.get_title(loc="left")


def test_lexical_result_summary_and_plot(corpus):
    res = lexical_stats(corpus, group_by="organisation")
    assert res.summary().loc["mattr", "mean"] == pytest.approx(res.table["mattr"].mean())
    fig = res.plot(measure="ttr")
    widths = [p.get_width() for p in fig.axes[0].patches]
    assert widths == pytest.approx(res.table["ttr"].tolist())
    assert "organisation" in fig.axes[0].get_title(loc="left")
    with pytest.raises(InputError, match="measure"):
        res.plot(measure="colour")
