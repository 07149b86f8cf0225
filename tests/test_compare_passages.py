"""Passages repeated across statements (textanalytics/compare/passages.py): found whole, counted exactly."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from textanalytics.compare.passages import min_statements_for, repeated_passages
from test_preprocess import make_corpus, run

BAR = "Send Facebook Twitter Google+ Whatsapp Tumblr linkedin stumble Digg reddit Newsvine Permalink http://dw.com/p/{}"
WORDS = ("government people economy market police crisis vote election peace trade health school budget court "
         "army farmer river city weather").split()


def _corpus(n=40, every=3, seed=1):
    rng = np.random.default_rng(seed)
    statements = {}
    for i in range(n):
        text = " ".join(rng.choice(WORDS, 50)).capitalize() + ". "
        if i % every == 0:  # the share bar, its permalink different in each article
            text += BAR.format(1000 + i) + " "
        statements[f"s{i:02d}"] = [text + " ".join(rng.choice(WORDS, 40)).capitalize() + "."]
    corpus = make_corpus(statements)
    outlet = ["dw" if int(s[1:]) % 2 == 0 else "rte" for s in corpus.statements["statement_id"]]
    return dataclasses.replace(corpus, statements=corpus.statements.assign(outlet=outlet))


def test_a_share_bar_is_found_whole_and_its_statements_counted():
    corpus = _corpus()
    tokens = run({sid: list(corpus.paragraphs.loc[corpus.paragraphs["statement_id"] == sid, "text"])
                  for sid in corpus.statements["statement_id"]}, phrases=False, aliases="")
    res = repeated_passages(tokens, corpus=corpus, group_by="outlet", min_statements=5)
    row = res.table.iloc[0]
    # Punctuation ("Google+") and the per-article URL are left out of the words; the bar is whole.
    assert row["passage"] == "Send Facebook Twitter Google Whatsapp Tumblr linkedin stumble Digg reddit Newsvine Permalink"
    holders = [f"s{i:02d}" for i in range(0, 40, 3)]
    assert row["n_statements"] == len(holders) == 14 and row["example_statement_id"] == "s00"
    dw = sum(int(s[1:]) % 2 == 0 for s in holders)
    assert row["groups"] == f"dw {dw}, rte {len(holders) - dw}"
    assert row["share_statements"] == 14 / 40 and len(res.table) == 1
    # Fewer statements than asked for: nothing to report.
    assert repeated_passages(tokens, corpus=corpus, min_statements=15).table.empty
    assert min_statements_for(40) == 5


class _Chunked:
    """The same tokens cut into pieces by statement, as a token store gives them."""

    def __init__(self, tokens, cuts):
        self.tokens, self.cuts = tokens, cuts

    def chunk_tokens(self):
        ids = self.tokens.table["statement_id"].astype(str)
        bounds = [""] + self.cuts + ["~"]
        for lo, hi in zip(bounds[:-1], bounds[1:]):
            part = self.tokens.table[(ids >= lo) & (ids < hi)].reset_index(drop=True)
            yield dataclasses.replace(self.tokens, table=part)


def test_the_count_is_the_same_however_the_tokens_are_cut():
    corpus = _corpus(n=30, every=2, seed=4)
    tokens = run({sid: list(corpus.paragraphs.loc[corpus.paragraphs["statement_id"] == sid, "text"])
                  for sid in corpus.statements["statement_id"]}, phrases=False, aliases="")
    whole = repeated_passages(tokens, corpus=corpus, group_by="outlet", min_statements=5).table
    for cuts in (["s10"], ["s03", "s11", "s25"], [f"s{i:02d}" for i in range(1, 30)]):
        pd.testing.assert_frame_equal(repeated_passages(_Chunked(tokens, cuts), corpus=corpus, group_by="outlet",
                                                        min_statements=5).table, whole, check_exact=True)
    assert whole["n_statements"].iloc[0] == 15


def test_a_corpus_without_repeats_gives_an_empty_table_with_its_columns():
    tokens = run({"a": ["The economy grew last year and the government said so."],
                  "b": ["Police closed the road after the storm."]}, phrases=False, aliases="")
    res = repeated_passages(tokens, corpus=tokens_corpus(["a", "b"]))
    assert res.table.empty and list(res.table.columns) == ["passage", "n_words", "n_statements", "share_statements",
                                                            "groups", "example_statement_id"]


def tokens_corpus(ids):
    return pd.DataFrame({"statement_id": ids})
