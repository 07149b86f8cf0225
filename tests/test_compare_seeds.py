"""End-to-end comparisons on the seed corpus (seconds, not minutes)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sst

import textanalytics as ta
from textanalytics.compare import distinctive_terms, keyness, kwic, lexical_stats, similarity
from textanalytics.compare.keywords import KEYNESS_COLUMNS
from textanalytics.features import dtm_from_texts

pytestmark = pytest.mark.slow

SEEDS = Path(__file__).resolve().parents[1] / "seeds"
WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@pytest.fixture(scope="module")
def corpus():
    return ta.load_corpus(SEEDS)


@pytest.fixture(scope="module")
def regex_dtm(corpus):
    """Paragraph matrix from a plain regex tokenisation: independent of the preprocessing stage."""
    p = corpus.paragraphs
    units = p[["statement_id", "paragraph"]].assign(
        unit_id=[f"{s}:{i}" for s, i in zip(p["statement_id"], p["paragraph"])])
    return dtm_from_texts(units, ([w.lower() for w in WORD.findall(t)] for t in p["text"]))


@pytest.fixture(scope="module")
def tokens(corpus):
    from textanalytics.preprocessing import PreprocessConfig, preprocess

    # No cache: a test never writes into the working directory (the repository, in CI).
    return preprocess(corpus, config=PreprocessConfig(cache_dir=""))


def test_kwic_double_standards_in_every_statement_that_uses_it(corpus):
    out = kwic(corpus, "double standards").table
    pattern = re.compile(r"double\s+standards", re.IGNORECASE)
    expected = {sid: len(pattern.findall(text)) for sid, text in zip(corpus.statements["statement_id"],
                                                                      corpus.statements["text"])}
    expected = {k: v for k, v in expected.items() if v}
    assert len(expected) >= 4
    assert Counter(out["statement_id"]) == Counter(expected)
    assert out["match"].str.lower().eq("double standards").all()
    assert {"speaker", "organisation", "year", "title"} <= set(out.columns)


@pytest.mark.parametrize("group_by", ["organisation", "year"])
def test_keyness_tables_on_seeds_equal_independent_g2(corpus, regex_dtm, group_by):
    res = keyness(regex_dtm, corpus=corpus, group_by=group_by)
    assert tuple(res.table.columns) == KEYNESS_COLUMNS
    groups = corpus.statements.set_index("statement_id")[group_by].astype(str)
    assert res.comparisons["target"].tolist() == sorted(set(groups), key=lambda g: (not g.isdigit(), g))
    # Independent counts straight from the paragraphs.
    per_group: dict[str, Counter] = {}
    for sid, text in zip(corpus.paragraphs["statement_id"], corpus.paragraphs["text"]):
        per_group.setdefault(groups[sid], Counter()).update(w.lower() for w in WORD.findall(text))
    for target in res.comparisons["target"]:
        rows = res.comparison(target).set_index("term")
        a_all = per_group[target]
        b_all = sum((c for g, c in per_group.items() if g != target), Counter())
        n1, n2 = sum(a_all.values()), sum(b_all.values())
        for term in ["terrorism", "international", "double", "the"]:
            a, b = a_all[term], b_all[term]
            if a + b == 0:
                continue
            table = np.array([[a, b], [n1 - a, n2 - b]], dtype=float)
            g2 = sst.chi2_contingency(table, correction=False, lambda_="log-likelihood")[0]
            assert abs(rows.loc[term, "g2"]) == pytest.approx(g2, rel=1e-9)
            assert (rows.loc[term, "freq_target"], rows.loc[term, "freq_reference"]) == (a, b)


def test_seeds_small_groups_are_flagged(corpus, regex_dtm):
    res = keyness(regex_dtm, corpus=corpus, group_by="organisation")
    sizes = corpus.statements["organisation"].value_counts()
    small = set(sizes[sizes < 2].index)
    assert small, "the seeds have a one-statement organisation"
    flagged = res.comparisons[res.comparisons["small_group"]]
    assert set(flagged["target"]) == small
    assert flagged["warning"].str.contains("holds 1 statement").all()
    speakers = keyness(regex_dtm, corpus=corpus, group_by="speaker")
    assert speakers.comparisons["small_group"].any()
    years = keyness(regex_dtm, corpus=corpus, group_by="year", target=2017, reference=2019)
    assert not years.comparisons["small_group"].any()


def test_other_comparisons_run_on_seeds(corpus, regex_dtm):
    dist = distinctive_terms(regex_dtm, corpus=corpus, group_by="year", top_n=10).table
    assert dist.groupby("group").size().tolist() == [10, 10, 10]
    sim = similarity(regex_dtm, corpus=corpus)
    assert sim.matrix.shape == (8, 8) and len(sim.pairs) == 28
    lex = lexical_stats(corpus).table
    assert len(lex) == 8 and (lex["n_tokens"] > 0).all() and lex["mattr"].between(0, 1).all()


def test_with_preprocessed_tokens(corpus, tokens):
    from textanalytics.features import build_dtm

    dtm = build_dtm(tokens, unit="paragraph")
    for group_by in ("organisation", "year"):
        res = keyness(dtm, corpus=corpus, group_by=group_by)
        assert tuple(res.table.columns) == KEYNESS_COLUMNS and len(res.table)
    lemma = kwic(corpus, "terrorist", tokens=tokens)
    assert len(lemma) > len(kwic(corpus, "terrorist", query_type="word"))
    assert lexical_stats(corpus, tokens=tokens, group_by="year").table["n_tokens"].gt(0).all()
