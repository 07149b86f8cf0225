"""Themes (issue 17): codebook readers and their errors, matching rules, counts against an independent
count, shares through the topic machinery, seeded topics, config, stage and CLI."""

from __future__ import annotations

import contextlib
import dataclasses
import importlib.util
import logging
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from textanalytics.config import load_config
from textanalytics.errors import InputError
from textanalytics.themes import (ThemesConfig, codebook_from_dict, count_themes, find_matches,
                                  fit_seeded_ensemble, fit_seeded_topics, read_codebook, seeded_drift,
                                  theme_differences, theme_shares)
from textanalytics.themes.seeded import CHAINS
from textanalytics.topics import TopicConfig

ROOT = Path(__file__).resolve().parents[1]
MFD = ROOT.parent / "shared" / "dictionaries" / "mfd2.csv"


def _benchmark():
    spec = importlib.util.spec_from_file_location("validate_themes", ROOT / "benchmarks" / "validate_themes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    cfg = load_config(ROOT / "analysis.toml", resolve=True)
    # the test's own cache (tokens, and the seeded fits of the stage test), not the repository's
    cfg = cfg.replace(preprocess=dataclasses.replace(cfg.preprocess, cache_dir=str(tmp_path_factory.mktemp("cache"))))
    inputs = load_inputs_quiet(cfg)
    return cfg, inputs


def load_inputs_quiet(cfg):
    from textanalytics.inputs import load_inputs

    return load_inputs(cfg, stage=lambda name: contextlib.nullcontext())


# ------------------------------------------------------------------------------------------------
# Codebooks
# ------------------------------------------------------------------------------------------------
def test_four_formats_read_to_the_same_codebook(tmp_path):
    (tmp_path / "c.toml").write_text('[categories.finance]\nwords = ["financ*", "money laundering"]\n'
                                     '[categories.un]\nentries = [{ pattern = "security_council", note = "x" }]\n')
    (tmp_path / "c.yml").write_text("finance:\n  - financ*\n  - money laundering\nun:\n  - security council\n")
    (tmp_path / "c.dic").write_text("%\n1\tfinance\n2\tun\n%\nfinanc*\t1\nmoney laundering\t1\nsecurity council\t2\n")
    (tmp_path / "c.csv").write_text("term,category\nfinanc*,finance\nmoney laundering,finance\nsecurity council,un\n")
    tables = [read_codebook(tmp_path / f"c.{ext}").table[["category", "entry", "n_words", "glob"]]
              for ext in ("toml", "yml", "dic", "csv")]
    for t in tables[1:]:
        pd.testing.assert_frame_equal(t, tables[0])
    assert tables[0]["entry"].tolist() == ["financ*", "money laundering", "security council"]
    assert read_codebook(tmp_path / "c.toml").table["note"].tolist() == ["", "", "x"]


def test_yaml_levels_become_dotted_categories(tmp_path):
    (tmp_path / "c.yaml").write_text("care:\n  virtue: [kindness]\n  vice: [harm*]\n")
    assert read_codebook(tmp_path / "c.yaml").categories == ("care.virtue", "care.vice")


def test_mfd2_has_its_2103_entries_in_10_categories():
    cb = read_codebook(MFD)
    assert len(cb.entries) == 2103 and len(cb.categories) == 10


@pytest.mark.parametrize("name, text, message", [
    ("c.toml", "[categories.empty]\nwords = []\n", "category 'empty' is empty"),
    ("c.toml", "[categories.a]\nwords = [\"x\"\n", "not valid TOML"),
    ("c.toml", "[categories.a]\nterms = [\"x\"]\n", "unknown key(s) terms"),
    ("c.toml", "[categories.a]\nwords = [\"fi*nance\"]\n", "may only start or end a word"),
    ("c.dic", "%\n1\tfinance\n%\nmoney\t7\n", "line 4: category id '7' is not in the header"),
    ("c.csv", "term,category\nmoney,\n", "line 2: both term and category are needed"),
    ("c.yml", "a: [x\n", "not valid YAML"),
    ("c.txt", "x", "unknown codebook format"),
])
def test_bad_codebooks_give_one_line_errors_naming_the_file(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(InputError) as exc:
        read_codebook(tmp_path / name)
    assert message in str(exc.value) and name in str(exc.value) and "\n" not in str(exc.value)


def test_duplicates_across_categories_are_listed():
    cb = codebook_from_dict({"a": ["harm", "x"], "b": ["harm"]})
    assert cb.duplicates().to_dict("records") == [{"entry": "harm", "categories": "a, b"}]


# ------------------------------------------------------------------------------------------------
# Matching
# ------------------------------------------------------------------------------------------------
def _tokens(rows, aliases=()):
    from textanalytics.preprocessing.model import Tokens, empty_aliases

    t = pd.DataFrame(rows, columns=["token", "lemma", "term", "keep", "reason"])
    t.insert(0, "statement_id", "s1")
    t.insert(1, "paragraph", 1)
    t.insert(2, "sentence", 1)
    t.insert(3, "position", np.arange(1, len(t) + 1))
    units = pd.DataFrame({"statement_id": ["s1"], "paragraph": [1], "n_tokens": [len(t)],
                          "n_kept": [int(t["keep"].sum())]})
    al = pd.DataFrame(list(aliases), columns=["canonical", "variant", "count"]) if aliases else empty_aliases()
    return Tokens(table=t, phrases=pd.DataFrame(columns=["phrase", "source", "count", "score"]), units=units,
                  aliases=al)


def test_phrases_joined_or_not_aliases_globs_and_longest_first():
    tokens = _tokens([
        ("Terrorist", "terrorist", "terrorist_financing", True, ""),
        ("financing", "financing", "financing", False, "phrase_part"),
        ("and", "and", "and", False, "stopword"),
        ("United", "un", "un", True, ""),
        ("Nations", "nations", "nations", False, "alias_part"),
        (",", ",", ",", False, "punctuation"),
        ("terrorist", "terrorist", "terrorist", True, ""),
        ("fighters", "fighter", "fighter", True, ""),
        ("financial", "financial", "financial", True, ""),
    ], aliases=[("un", "United Nations", 1)])
    cb = codebook_from_dict({"fin": ["terrorist_financing", "terrorist", "financ*"],
                             "un": ["united nations", "united"], "ftf": ["fighters", "nations"]})
    hits, units = find_matches(tokens, cb)
    got = sorted(zip(hits["category"], hits["entry"], hits["position"]))
    assert got == [("fin", "financ*", 9), ("fin", "terrorist", 7), ("fin", "terrorist financing", 1),
                   ("ftf", "fighters", 8), ("un", "united nations", 4)]  # "United" of the alias is not "united"
    assert units["tokens"].tolist() == [7]  # punctuation and the alias' extra word are not words
    surface, _ = find_matches(tokens, cb, match="surface")
    assert ("ftf", "nations") in set(zip(surface["category"], surface["entry"]))  # every word as written
    assert ("un", "united nations", 4) in set(zip(surface["category"], surface["entry"], surface["position"]))
    assert "united" not in set(surface["entry"])  # the longest entry at a start wins within a category


def test_seeds_counts_equal_an_independent_regex_count(seeds):
    cfg, inputs = seeds
    cb = read_codebook(ROOT / "seeds" / "themes.toml")
    ours = count_themes(inputs.tokens, cb, match="surface").table
    ref = _benchmark().independent_counts(inputs.corpus.paragraphs, cb)
    both = ours.merge(ref, on=["statement_id", "category"], suffixes=("", "_regex"))
    assert len(both) == 8 * len(cb.categories) and both["count"].sum() > 500
    assert (both["count"] == both["count_regex"]).all()


def test_seeds_codebook_every_entry_matches_and_has_a_quote(seeds, caplog):
    cfg, inputs = seeds
    cb = read_codebook(ROOT / "seeds" / "themes.toml")
    assert 8 <= len(cb.categories) <= 12 and all(e.note and "'..." in e.note for e in cb.entries)
    counts = count_themes(inputs.tokens, cb)
    assert counts.unmatched.empty and counts.duplicates.empty
    # The note's hit count is the lemma count of that entry.
    for e in cb.entries[:10]:
        n = int(counts.entries.loc[(counts.entries["category"] == e.category) & (counts.entries["entry"] == e.pattern),
                                   "count"].sum())
        assert e.note.startswith(f"{n} hits")


def test_unmatched_entries_are_warned_and_listed(seeds, caplog):
    cfg, inputs = seeds
    with caplog.at_level(logging.WARNING, logger="textanalytics.themes"):
        counts = count_themes(inputs.tokens, codebook_from_dict({"a": ["terrorism", "zzzyx*"]}))
    assert counts.unmatched.to_dict("records") == [{"category": "a", "entry": "zzzyx*"}]
    assert "matched nothing" in caplog.text and "zzzyx*" in caplog.text


def test_counts_rates_matrix_and_shares_add_up(seeds):
    cfg, inputs = seeds
    counts = count_themes(inputs.tokens, read_codebook(ROOT / "seeds" / "themes.toml"))
    t = counts.table
    assert list(t.columns) == ["statement_id", "category", "count", "tokens", "rate"]
    np.testing.assert_allclose(t["rate"], t["count"] / t["tokens"])
    p = counts.paragraphs.groupby(["statement_id", "category"], sort=True)["count"].sum()
    assert (p.to_numpy() == t.sort_values(["statement_id", "category"])["count"].to_numpy()).all()
    matrix, tokens = counts.matrix()
    assert list(matrix.columns) == list(counts.codebook.categories) and matrix.index.name == "statement_id"
    assert int(matrix.to_numpy().sum()) == int(t["count"].sum()) and tokens.index.equals(matrix.index)
    shares = theme_shares(counts, corpus=inputs.corpus, group_by="year", seed=1, config=cfg.topics).table
    years = inputs.corpus.statements.set_index("statement_id")["year"]
    for (year, cat), row in shares.set_index(["group", "category"]).iterrows():
        sub = t[(t["statement_id"].map(years) == year) & (t["category"] == cat)]
        assert row["share"] == pytest.approx(sub["count"].sum() / sub["tokens"].sum())
        assert row["lower"] <= row["share"] + 1e-12 <= row["upper"] + 2e-12
    again = theme_shares(counts, corpus=inputs.corpus, group_by="year", seed=1, config=cfg.topics).table
    pd.testing.assert_frame_equal(shares, again)
    diffs = theme_differences(counts, corpus=inputs.corpus, group_by="year", seed=1, config=cfg.topics,
                              versus="rest").table
    assert {"category", "difference", "p_value", "verdict"} <= set(diffs.columns)
    assert set(diffs["category"]) == set(counts.codebook.categories)


# ------------------------------------------------------------------------------------------------
# Seeded topics
# ------------------------------------------------------------------------------------------------
def test_seeded_topics_keep_names_numbers_and_are_reproducible():
    from textanalytics.topics.synthetic import simulate_corpus

    sim = simulate_corpus(k=4, n_terms=120, n_statements=8, paragraphs=4, length=40, seed=3)
    vocab = sim.dtm.vocabulary
    seeds = {f"p{i}": [vocab[j] for j in np.argsort(-sim.topic_term[i])[:4]] for i in range(2)}
    config = TopicConfig(engine="tomotopy", sampling_iterations=100)
    a = fit_seeded_topics(sim.dtm, seed_words=seeds, free_topics=2, seed=5, config=config, chain_iterations=0)
    b = fit_seeded_topics(sim.dtm, seed_words=seeds, free_topics=2, seed=5, config=config, chain_iterations=0)
    np.testing.assert_array_equal(a.topic_term, b.topic_term)
    np.testing.assert_array_equal(a.doc_topic, b.doc_topic)
    for n_jobs in (1, 2):  # chains in this process, or in two forked workers: the same arrays
        c = fit_seeded_topics(sim.dtm, seed_words=seeds, free_topics=2, seed=5, chain_iterations=0,
                              config=dataclasses.replace(config, n_jobs=n_jobs))
        np.testing.assert_array_equal(a.topic_term, c.topic_term)
    assert a.params["chains"] == CHAINS and len(set(a.params["chain_seeds"])) == CHAINS
    assert a.params["engine_info"]["samples"] == 11   # the second half of 100 iterations, every 5th state
    assert a.params["topic_names"] == ["p0", "p1", "", ""]
    for i, words in enumerate(seeds.values()):  # seed words weigh most in their own topic
        cols = [a.vocabulary.index(w) for w in words]
        assert a.topic_term[i, cols].sum() > a.topic_term[2:, cols].sum(axis=1).max()
    ens = fit_seeded_ensemble(sim.dtm, seed_words=seeds, seeds=[5, 6, 7], free_topics=2, config=config,
                              chain_iterations=0)
    from textanalytics.topics import topic_labels, topic_shares

    assert topic_labels(ens)["label"].tolist()[:2] == ["p0", "p1"]
    shares = topic_shares(ens, corpus=sim.corpus, group_by="group", seed=1, config=config).table
    assert shares.groupby("group")["share"].sum().round(6).tolist() == [1.0, 1.0]
    from textanalytics.effects import estimate_effects  # covariate effects run on seeded topics unchanged

    eff = estimate_effects(ens, corpus=sim.corpus, formula="~ group", n_draws=4, seed=1, min_per_coefficient=2)
    coef = eff.table
    assert sorted(coef["topic"].unique().tolist()) == [1, 2, 3, 4] and coef["estimate"].notna().all()
    drift = seeded_drift(ens)
    assert drift["category"].tolist() == ["p0", "p1"] and (drift["seed_mass"] > 0.1).all()
    assert drift["stability"].between(0, 1).all()


def test_seeded_topics_recover_planted_topics_better_than_lda():
    """At the default settings, on the benchmark's thinnest planted corpus (its first replicate), the seeded
    topics are closer to their planted topics than unseeded LDA's matched topics (as the package fits LDA:
    the last state), and recover more of them (cosine >= 0.9): 3 of 5 against 1, mean cosine 0.90 against
    0.76 when written."""
    from textanalytics.topics import fit_topics
    from textanalytics.topics import stats
    from textanalytics.topics.synthetic import recovery, simulate_corpus

    config = TopicConfig(engine="tomotopy")
    sim = simulate_corpus(k=10, n_terms=400, n_statements=12, paragraphs=4, length=40, alpha=0.3, seed=1000)
    vocab = sim.dtm.vocabulary
    seeds = {f"p{i}": [vocab[j] for j in np.argsort(-sim.topic_term[i])[:4]] for i in range(5)}
    model = fit_seeded_topics(sim.dtm, seed_words=seeds, free_topics=5, seed=1, config=config)
    position = {t: j for j, t in enumerate(vocab)}
    planted = sim.topic_term[:5][:, [position[t] for t in model.vocabulary]]
    seeded_cos = np.diag(stats.cosine_matrix(planted, model.topic_term[:5]))
    lda_cos = recovery(fit_topics(sim.dtm, k=10, seed=1, config=config), sim)[1][:5]
    assert seeded_cos.mean() > lda_cos.mean() + 0.05
    assert (seeded_cos >= 0.9).sum() > (lda_cos >= 0.9).sum()


def test_seeded_topics_keep_their_identity_across_seeds_on_the_seeds(seeds):
    """On the seeds corpus, two seeded fits of 20 chains (a third of the default, for time) agree: an
    unconstrained matching of all topics gives every seeded topic its own number, and their top terms agree
    far more than those of one chain each (when written: stability 0.69 against 0.39; identity 10 / 10
    against 7 / 10)."""
    from textanalytics.features import build_dtm, topic_model_matrix
    from textanalytics.topics import stats

    cfg, inputs = seeds
    dtm, _ = topic_model_matrix(build_dtm(inputs.tokens, unit="paragraph"), labels=None, config=cfg.vocabulary)
    words = read_codebook(cfg.themes.codebook).seed_words()
    stability = {}
    for chains, iterations in ((1, 1000), (20, 300)):
        ens = fit_seeded_ensemble(dtm, seed_words=words, seeds=[1, 2], free_topics=3, config=cfg.topics,
                                  chains=chains, chain_iterations=iterations)
        s = len(ens.reference.params["seeded"])
        stability[chains] = ens.reference.stability[:s].mean()
    match, _ = stats.agreement(ens.reference.topic_term, ens.refits[0].topic_term, top_n=10)
    np.testing.assert_array_equal(match[:s], np.arange(s))
    assert stability[20] >= 0.6 and stability[20] > stability[1] + 0.2


def test_seeded_topics_need_tomotopy_and_seed_terms():
    from textanalytics.topics.synthetic import simulate_corpus

    sim = simulate_corpus(k=3, n_terms=60, n_statements=4, paragraphs=3, length=20, seed=1)
    with pytest.raises(InputError, match='engine = "tomotopy"'):
        top = sim.dtm.vocabulary[int(np.asarray(sim.dtm.counts.sum(axis=0)).argmax())]
        fit_seeded_topics(sim.dtm, seed_words={"a": [top]}, config=TopicConfig(engine="nmf"))
    with pytest.raises(InputError, match="no category has an entry"):
        fit_seeded_topics(sim.dtm, seed_words={"a": ["nothing"]})


# ------------------------------------------------------------------------------------------------
# Config, stage, CLI
# ------------------------------------------------------------------------------------------------
def test_config_checks_and_resolves_the_codebook(tmp_path):
    with pytest.raises(InputError, match=r"\[themes\] free_topics = 0"):
        ThemesConfig(free_topics=0)
    (tmp_path / "a.toml").write_text('[themes]\ncodebook = "book.csv"\nmatch = "surface"\n')
    cfg = load_config(tmp_path / "a.toml", resolve=True)
    assert cfg.themes.codebook == str(tmp_path / "book.csv") and cfg.themes.match == "surface"
    (tmp_path / "b.toml").write_text('[themes]\ncodebok = "x"\n')
    with pytest.raises(InputError, match="codebok"):
        load_config(tmp_path / "b.toml")


def test_stage_adds_theme_tables(seeds):
    from textanalytics.features import build_dtm, topic_model_matrix
    from textanalytics.pipeline import StageClock
    from textanalytics.themes.stage import run_themes

    cfg, inputs = seeds
    cfg = cfg.replace(topics=cfg.topics.__class__(**{**cfg.topics.__dict__, "sampling_iterations": 50}),
                      themes=dataclasses.replace(cfg.themes, seed_chains=2, seed_chain_iterations=0))
    dtm, _ = topic_model_matrix(build_dtm(inputs.tokens, unit="paragraph"), labels=None, config=cfg.vocabulary)
    res = SimpleNamespace(tokens=inputs.tokens, corpus=inputs.corpus, inputs=inputs, dtm=dtm, tables={},
                          skipped=[], groupings=["year"], model_seeds=(1, 2), clock=StageClock(total=1))
    run_themes(cfg, res)
    assert {"theme_counts", "theme_shares", "theme_differences", "theme_trends", "theme_entries", "theme_kwic",
            "seeded_topic_drift", "seeded_topic_shares"} <= set(res.tables)
    kwic = res.tables["theme_kwic"]
    assert set(kwic["category"]) <= set(res.tables["theme_codebook"]["category"]) and len(kwic) > 100
    fin = kwic[kwic["category"] == "terrorist_financing"]
    assert fin["match"].str.contains("(?i)financ|FATF|Financial Action|money laundering|Eurasian Group").all()


def test_cli_themes_prints_summary_and_kwic(capsys, monkeypatch, own_seeds_project):
    from textanalytics.cli.app import main

    monkeypatch.chdir(own_seeds_project)  # ./analysis.toml as committed; its cache here, not in the repository
    assert main(["themes", "--group-by", "speaker", "--rows", "5", "-q"]) == 0
    out = capsys.readouterr().out
    assert "terrorist_financing" in out and "theme shares by speaker" in out
    assert main(["themes", "--kwic", "double_standards", "-q"]) == 0
    assert "[double standards]" in capsys.readouterr().out
    assert main(["themes", "--codebook", "missing.toml", "-q"]) == 2


def test_a_token_store_in_pieces_gives_the_same_counts(seeds, tmp_path):
    import dataclasses

    from textanalytics.corpus.model import Corpus
    from textanalytics.preprocessing import preprocess_chunks

    cfg, inputs = seeds
    corpus = inputs.corpus
    ids = sorted(corpus.statements["statement_id"].astype(str))
    pieces = [Corpus(statements=corpus.statements[corpus.statements["statement_id"].isin(part)],
                     paragraphs=corpus.paragraphs[corpus.paragraphs["statement_id"].isin(part)], source=corpus.source)
              for part in (ids[:3], ids[3:])]
    store = preprocess_chunks(iter(pieces), config=dataclasses.replace(cfg.preprocess, cache_dir=""),
                              out=tmp_path / "store")
    cb = read_codebook(ROOT / "seeds" / "themes.toml")
    whole, streamed = count_themes(inputs.tokens, cb), count_themes(store, cb)
    pd.testing.assert_frame_equal(whole.table, streamed.table)
    pd.testing.assert_frame_equal(whole.entries, streamed.entries)


def _planted_theme_counts(rng, ratio, n=400):
    party = np.array(["A", "B"])[rng.integers(0, 2, n)]
    year = rng.integers(2000, 2012, n)
    words = rng.integers(80, 400, n)
    rate = 0.01 * np.where(party == "B", ratio, 1.0) * (1 + 0.05 * (year - 2000))
    counts = pd.DataFrame({"fin": rng.poisson(rate * words), "other": rng.poisson(0.02 * words)},
                          index=pd.Index([f"s{i}" for i in range(n)], name="statement_id"))
    meta = pd.DataFrame({"statement_id": counts.index, "party": party, "year": year})
    return counts, pd.Series(words, index=counts.index), meta


def test_theme_effects_recover_a_planted_rate_ratio_and_keep_the_null():
    from textanalytics.effects.config import EffectsConfig
    from textanalytics.effects.stage import theme_effect_table

    config = EffectsConfig(formulas=("~ party + year",))
    covered, rejected = 0, 0
    for rep in range(20):
        rng = np.random.default_rng(rep)
        counts, words, meta = _planted_theme_counts(rng, ratio=2.0)
        words.iloc[0] = 0  # a statement without words is left out, and counted
        table, skipped = theme_effect_table(counts, tokens=words, corpus=meta, config=config)
        assert not skipped and (table["n_statements_dropped"] == 1).all()
        row = table[(table["outcome"] == "fin") & (table["term"] == "party[T.B]")].iloc[0]
        covered += row["lower"] <= np.log(2.0) <= row["upper"]
        null = table[(table["outcome"] == "other") & (table["term"] == "party[T.B]")].iloc[0]
        rejected += null["p_value"] < 0.05
    assert covered >= 17 and rejected <= 3


def test_theme_effects_in_the_stage_and_the_report_sentences(seeds):
    from textanalytics.effects.config import EffectsConfig
    from textanalytics.effects.stage import theme_effect_table
    from textanalytics.report.effects import theme_effect_items

    rng = np.random.default_rng(3)
    counts, words, meta = _planted_theme_counts(rng, ratio=3.0)
    table, _ = theme_effect_table(counts, tokens=words, corpus=meta,
                                  config=EffectsConfig(formulas=("~ party + year", "~ nosuch")))
    items = theme_effect_items(table, meta, alpha=0.05)
    assert any(s.startswith("Theme fin, formula ~ party + year: party B uses it") and "as often per word as A" in s
               for s in items)
    assert not any("Theme other" in s for s in items)
    # the pipeline stage: a formula the seeds cannot support is skipped with its reason, not fatal
    from textanalytics.themes.stage import run_themes
    from textanalytics.pipeline import StageClock

    cfg, inputs = seeds
    cfg = cfg.replace(effects=EffectsConfig(formulas=("~ speaker + year",)),
                      themes=dataclasses.replace(cfg.themes, seeded_topics=False))
    res = SimpleNamespace(tokens=inputs.tokens, corpus=inputs.corpus, inputs=inputs, dtm=None, tables={},
                          skipped=[], groupings=["year"], model_seeds=(1,), clock=StageClock(total=1))
    run_themes(cfg, res)
    assert "theme_counts" in res.tables
    assert "theme_effects" in res.tables or any(s.startswith("theme effects '~ speaker + year'") for s in res.skipped)


def test_seeded_fits_are_cached_and_read_back_identically(tmp_path, monkeypatch):
    from textanalytics.themes import seeded
    from textanalytics.topics.synthetic import simulate_corpus

    sim = simulate_corpus(k=3, n_terms=80, n_statements=6, paragraphs=3, length=30, seed=2)
    vocab = sim.dtm.vocabulary
    seeds = {"p0": [vocab[j] for j in np.argsort(-sim.topic_term[0])[:3]]}
    config = TopicConfig(engine="tomotopy", sampling_iterations=40)
    kw = dict(seed_words=seeds, free_topics=2, seed=3, config=config, chains=3, cache_dir=str(tmp_path))
    first = fit_seeded_topics(sim.dtm, **kw)
    assert len(list(tmp_path.glob("seeded-*.npz"))) == 1

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled again instead of reading the cache")

    monkeypatch.setattr(seeded, "_average_chains", no_sampling)
    again = fit_seeded_topics(sim.dtm, **kw)
    np.testing.assert_array_equal(first.topic_term, again.topic_term)
    np.testing.assert_array_equal(first.doc_topic, again.doc_topic)
    assert first.params == again.params
    with pytest.raises(AssertionError, match="sampled again"):  # another weight is another fit
        fit_seeded_topics(sim.dtm, **{**kw, "weight": 0.05})
    monkeypatch.setattr(seeded, "DOC_EVERY", seeded.DOC_EVERY + 1)
    with pytest.raises(AssertionError, match="sampled again"):  # so is another way of averaging a chain's states
        fit_seeded_topics(sim.dtm, **kw)
