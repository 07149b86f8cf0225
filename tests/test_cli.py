"""CLI: thin wrappers, one-line errors, exit status 2 on bad input (run in-process)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.cli import main

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_corpus_lists_the_eight_seed_statements(capsys):
    code, out, err = run(capsys, "corpus", str(SEEDS), "--quiet")
    assert code == 0
    assert "8 statements" in out
    assert "Sergey Lavrov" in out and "Igor Sirotkin" in out


def test_corpus_json_has_no_text(capsys):
    code, out, _ = run(capsys, "corpus", str(SEEDS), "--json", "--quiet")
    assert code == 0
    records = json.loads(out)
    assert len(records) == 8
    assert all("text" not in r for r in records)
    years = sorted(r["year"] for r in records)
    assert years == [2017, 2017, 2018, 2018, 2019, 2019, 2019, 2019]


@pytest.mark.parametrize("make_path, needle", [
    (lambda tmp: tmp / "missing", "no such file"),
    (lambda tmp: (tmp / "x.docx").write_bytes(b"PK\x03\x04") and tmp / "x.docx", "x.docx"),
])
def test_bad_corpus_path_exits_2_with_one_line(capsys, tmp_path, make_path, needle):
    path = make_path(tmp_path)
    code, out, err = run(capsys, "corpus", str(path), "--quiet")
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and needle in lines[0]
    assert "Traceback" not in err


def test_bad_config_exits_2(capsys, tmp_path):
    cfg = tmp_path / "a.toml"
    cfg.write_text("[corpus]\npth = 'x'\n", encoding="utf-8")
    code, _, err = run(capsys, "corpus", "--config", str(cfg), "--quiet")
    assert code == 2 and "unknown key 'pth'" in err and "Traceback" not in err


def test_undecodable_csv_names_file_and_offset(capsys, tmp_path):
    p = tmp_path / "bad.csv"
    p.write_bytes(b"text\nhello\n\xff\xfe broken\n")
    code, _, err = run(capsys, "corpus", str(p), "--quiet")
    assert code == 2 and "bad.csv" in err and "byte" in err


def test_an_in_process_call_leaves_the_callers_logging_as_it_was(capsys):
    import logging

    logger = logging.getLogger("textanalytics")
    before = (list(logger.handlers), logger.level, logger.propagate)
    assert run(capsys, "corpus", str(SEEDS), "--quiet")[0] == 0
    assert (list(logger.handlers), logger.level, logger.propagate) == before


def test_help_for_every_command(capsys):
    for cmd in ("corpus", "preprocess", "topics", "compare", "kwic", "report"):
        with pytest.raises(SystemExit) as exc:
            main([cmd, "--help"])
        assert exc.value.code == 0
        assert "usage" in capsys.readouterr().out


def test_preprocess_to_a_store_streams_a_table_in_pieces(capsys, tmp_path):
    sample = ROOT / "tests" / "data" / "notebooks" / "sample_news.csv"
    cfg = tmp_path / "a.toml"
    cfg.write_text(f"[corpus]\npath = '{sample.as_posix()}'\nid_col = 'article_id'\ndate_col = 'publish_date'\n"
                   "on_error = 'skip'\n[preprocess]\ncache_dir = ''\n", encoding="utf-8")
    store = tmp_path / "tokens.store"
    assert main(["preprocess", "--config", str(cfg), "--store", str(store), "--rows", "8"]) == 0
    out = capsys.readouterr().out
    assert "in 4 chunk(s)" in out and str(store) in out
    from textanalytics.preprocessing import TokenStore

    assert len(TokenStore.open(store).chunks) == 4
    # a second run replaces the store; a folder that is not a store is refused with exit 2
    assert main(["preprocess", "--config", str(cfg), "--store", str(store), "--rows", "100"]) == 0
    assert len(TokenStore.open(store).chunks) == 1
    capsys.readouterr()
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "draft.txt").write_text("mine", encoding="utf-8")
    assert main(["preprocess", "--config", str(cfg), "--store", str(notes)]) == 2
    assert "no token store manifest" in capsys.readouterr().err
    assert (notes / "draft.txt").read_text(encoding="utf-8") == "mine"


def test_long_tables_are_cut_with_a_count(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the default cache folder (.textanalytics_cache) is made in the working folder
    assert main(["preprocess", "--corpus", str(SEEDS), "-o", str(tmp_path / "t.parquet")]) == 0
    out = capsys.readouterr().out
    phrase_rows = out.split("## phrases (", 1)[1]
    n = int(phrase_rows.split(")", 1)[0])
    assert n > 30 and f"... {n - 30} more rows" in out


def test_report_stream_rows_writes_the_same_tables(capsys, tmp_path):
    sample = ROOT / "tests" / "data" / "notebooks" / "sample_news.csv"
    cfg = tmp_path / "a.toml"
    cfg.write_text(f"[corpus]\npath = '{sample.as_posix()}'\nid_col = 'article_id'\ndate_col = 'publish_date'\n"
                   "on_error = 'skip'\nderive = {outlet = 'url_host:article_source_link'}\n"
                   "[preprocess]\nunit = 'statement'\ncache_dir = 'cache'\n"
                   "[compare]\ngroup_by = ['outlet']\nunit = 'statement'\n"
                   "[topics]\nk = 2\nn_seeds = 2\nn_bootstrap = 10\nn_permutations = 20\n", encoding="utf-8")
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "mem"), "-q"]) == 0
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "str"), "-q", "--stream-rows", "6"]) == 0
    assert list((tmp_path / "cache" / "streams").iterdir())  # the store sits in the config's cache folder
    tables = sorted(p.name for p in (tmp_path / "mem" / "tables").iterdir())
    assert tables == sorted(p.name for p in (tmp_path / "str" / "tables").iterdir()) and "keyness.csv" in tables
    for name in tables:
        assert (tmp_path / "mem" / "tables" / name).read_bytes() == (tmp_path / "str" / "tables" / name).read_bytes(), name
    capsys.readouterr()
    assert main(["report", "--config", str(cfg), "--out", str(tmp_path / "bad"), "--stream-rows", "-1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "stream_rows" in err[0] and not (tmp_path / "bad").exists()


def test_compare_runs_keyness_on_the_unpruned_matrix_as_the_report_does(capsys, tmp_path):
    from textanalytics.compare import keyness
    from textanalytics.config import load_config
    from textanalytics.corpus import load_corpus_from_config
    from textanalytics.features import build_dtm
    from textanalytics.preprocessing import preprocess

    cfg_path = tmp_path / "a.toml"
    # Pruning that drops the rarer group-specific words from the topic-model matrix.
    cfg_path.write_text(f"[corpus]\npath = {str(SEEDS)!r}\n[preprocess]\ncache_dir = ''\n"
                        "[vocabulary]\nmin_df = 8\n", encoding="utf-8")
    code, out, err = run(capsys, "compare", "--config", str(cfg_path), "--group-by", "year", "--top", "4",
                         "--no-topics", "--quiet")
    assert code == 0, err
    cfg = load_config(cfg_path)
    corpus = load_corpus_from_config(cfg.corpus)
    tokens = preprocess(corpus, config=cfg.preprocess)
    full = build_dtm(tokens, unit=cfg.compare.unit)        # the report's comparison matrix
    table = keyness(full, corpus=corpus, group_by="year", **cfg.compare.keyness_options(seed=cfg.seed)).shortlist(4)
    expected = table[table["direction"] == "target"].groupby("target", sort=True).head(4)
    printed = out.split()
    assert all(term in printed for term in expected["term"])
    # Terms that pruning drops from the topic-model matrix are among them, so a keyness on the
    # pruned matrix (what `compare` used to run) could not print this.
    pruned = set(build_dtm(tokens, unit=cfg.preprocess.unit, config=cfg.vocabulary).vocabulary)
    assert set(expected["term"]) - pruned
    # The old option name still works, with a warning.
    code, again, err = run(capsys, "compare", "--config", str(cfg_path), "--by", "year", "--top", "4",
                           "--no-topics")
    assert code == 0 and again.split() == printed and "--by is deprecated" in err


def test_kwic_prints_every_match_of_the_query(capsys):
    code, out, _ = run(capsys, "kwic", "double standards", "--corpus", str(SEEDS), "--query-type", "phrase",
                       "--json", "--quiet")
    assert code == 0
    rows = json.loads(out)
    assert rows and all(r["match"].lower() == "double standards" for r in rows)
    assert {"statement_id", "paragraph", "left", "right", "speaker"} <= set(rows[0])


# ---------------------------------------------------------------- topics, compare, kwic on the seeds
# Each command must print what the report computes from the same config: the session's report,
# whose tokens and topic fits the commands read back from the session project's cache.

@pytest.fixture
def config(seeds_project, seeds_report) -> list[str]:
    return ["--config", str(seeds_project / "analysis.toml")]


def _rows(block: str) -> list[list[str]]:
    """The data rows of a table printed by the CLI (header dropped), split on blanks."""
    lines = [line.split() for line in block.strip().splitlines()]
    return [cells for cells in lines[1:] if cells and not cells[0].startswith("...")]


def test_topics_prints_the_reports_choice_labels_and_terms(capsys, config, seeds_report):
    out, result = seeds_report
    code, printed, _ = run(capsys, "topics", *config, "-q")
    assert code == 0
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert f"\nK = {result.k}: {run_json['k_reason']}\n" in printed
    selection, rest = printed.split("## model selection", 1)[1].split(f"\nK = {result.k}:", 1)
    report_selection = pd.read_csv(out / "tables" / "model_selection.csv")
    assert sorted({int(r[0]) for r in _rows(selection)}) == sorted(report_selection["k"].unique().tolist())
    labels_block, terms_block = rest.split("\n\n", 2)[1:3]
    labels = pd.read_csv(out / "tables" / "topic_labels.csv")
    assert [int(r[0]) for r in _rows(labels_block)] == labels["topic"].tolist() == list(range(1, result.k + 1))
    topics = pd.read_csv(out / "tables" / "topics.csv")
    for cells in _rows(terms_block):  # rank, then the term of each topic at that rank
        rank = int(cells[0])
        expected = topics[topics["rank"] == rank].sort_values("topic")["term"].tolist()
        assert cells[1:] == expected, rank


def test_topics_with_a_fixed_k_fits_that_k(capsys, config, seeds_report):
    code, printed, _ = run(capsys, "topics", *config, "-k", "3", "-q")
    assert code == 0 and "## model selection" not in printed and "\nK = 3: " in printed
    labels_block = printed.split("\nK = 3: ", 1)[1].split("\n\n")[1]
    assert [int(r[0]) for r in _rows(labels_block)] == [1, 2, 3]


def test_compare_prints_the_reports_keyness_and_topic_shares(capsys, config, seeds_report):
    out, result = seeds_report
    code, printed, _ = run(capsys, "compare", *config, "--group-by", "year", "--top", "20", "-q")
    assert code == 0
    keyness_block, shares_block = printed.split("## keyness by year (each group vs the rest)", 1)[1].split(
        f"## topic shares by year (K = {result.k})", 1)
    report = pd.read_csv(out / "tables" / "keyness.csv", dtype={"target": str})
    report = report[(report["group_by"] == "year") & (report["reference"] == "rest")]
    rows = _rows(keyness_block)
    years = sorted(report["target"].unique())
    assert len(years) == 3 and [r[1] for r in rows] == [y for y in years for _ in range(20)]
    for year in years:  # the same matrix and ranking as the report, so the same top terms and G²
        top = report[(report["target"] == year) & (report["direction"] == "target")].head(20)
        printed_rows = [r for r in rows if r[1] == year]
        assert [r[3] for r in printed_rows] == top["term"].tolist(), year
        assert [float(r[8]) for r in printed_rows] == pytest.approx(top["g2"].tolist(), rel=1e-5)
    shares = pd.read_csv(out / "tables" / "topic_shares.csv").query("group_by == 'year'")
    lines = shares_block.strip().splitlines()[1:]
    assert len(lines) == len(shares) == result.k * len(years)
    got = {}
    for line in lines:  # group_by group topic label... share ...; labels hold blanks
        _, group, topic, rest = line.split(maxsplit=3)
        label = shares.loc[shares["topic"] == int(topic), "label"].iloc[0]
        assert rest.startswith(label)
        got[(int(group), int(topic))] = float(rest[len(label):].split()[0])
    want = {(int(g), int(t)): s for g, t, s in zip(shares["group"], shares["topic"], shares["share"])}
    assert got.keys() == want.keys()
    assert [got[k] for k in sorted(got)] == pytest.approx([want[k] for k in sorted(want)], rel=1e-4)


def test_compare_without_topics_and_a_bad_grouping(capsys, config):
    from textanalytics.corpus import load_corpus

    organisations = set(load_corpus(SEEDS).statements["organisation"])
    code, printed, _ = run(capsys, "compare", *config, "--group-by", "organisation", "--top", "2", "--no-topics", "-q")
    assert code == 0 and "topic shares" not in printed
    lines = printed.split("(each group vs the rest)", 1)[1].strip().splitlines()[1:]
    # group values hold blanks ("Meeting of Heads of Special Services"): find each one in its rows
    targets = [next(o for o in organisations if line.split(maxsplit=1)[1].startswith(o + " ")) for line in lines]
    assert sorted(targets) == sorted(o for o in organisations for _ in range(2))
    code, _, err = run(capsys, "compare", *config, "--group-by", "no_such_column", "--no-topics", "-q")
    assert code == 2 and "no_such_column" in err and "Traceback" not in err


def test_kwic_finds_every_occurrence_with_its_context(capsys, config):
    from textanalytics.corpus import load_corpus

    paragraphs = load_corpus(SEEDS).paragraphs
    expected = sum(len(re.findall(r"\bterrorism\b", t, flags=re.IGNORECASE)) for t in paragraphs["text"])
    code, printed, _ = run(capsys, "kwic", "terrorism", *config, "--query-type", "word", "--window", "3", "--json", "-q")
    hits = json.loads(printed)
    assert code == 0 and len(hits) == expected > 20
    assert {h["match"].lower() for h in hits} == {"terrorism"}
    assert all(len(h["left"].split()) <= 3 and len(h["right"].split()) <= 3 for h in hits)
    text = dict(zip(zip(paragraphs["statement_id"], paragraphs["paragraph"]), paragraphs["text"]))
    for h in hits:  # offsets point at the match in the cleaned paragraph text
        assert text[(h["statement_id"], h["paragraph"])][h["start"]:h["end"]] == h["match"]
    code, lines, _ = run(capsys, "kwic", "terrorism", *config, "--query-type", "word", "-q")
    lines = lines.splitlines()
    assert lines[0] == f"{expected} matches of 'terrorism'" and len(lines) == expected + 1
    assert all("[terrorism]" in line.lower() for line in lines[1:])


def test_kwic_by_lemma_also_finds_inflected_forms(capsys, config):
    code, printed, _ = run(capsys, "kwic", "terrorist", *config, "--query-type", "lemma", "--json", "-q")
    lemma_hits = json.loads(printed)
    code_word, printed_word, _ = run(capsys, "kwic", "terrorist", *config, "--query-type", "word", "--json", "-q")
    word_hits = json.loads(printed_word)
    assert code == code_word == 0
    assert {h["match"].lower() for h in word_hits} == {"terrorist"}
    forms = {h["match"].lower() for h in lemma_hits}
    assert "terrorists" in forms and all(f.startswith("terrorist") for f in forms)
    spots = {(h["statement_id"], h["paragraph"], h["start"]) for h in word_hits}
    assert any((h["statement_id"], h["paragraph"], h["start"]) not in spots for h in lemma_hits)
