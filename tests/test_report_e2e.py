"""End to end: `textanalytics report` on the real seeds and on a hostile tiny corpus."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.cli import main
from textanalytics.errors import InputError
from textanalytics.report import build_report
from textanalytics.report.verify import diff_reports

ROOT = Path(__file__).resolve().parents[1]
REQUIRED_TABLES = [
    "statements", "lexical_stats", "distinctive_terms", "keyness", "similarity", "model_selection",
    "topics", "topic_labels", "representative_passages", "topic_shares", "topic_differences",
]


def _strip_timings(text: str) -> dict:
    data = json.loads(text)
    data.pop("timings", None)
    return data


def test_writes_every_table_figure_and_document(seeds_report):
    out, result = seeds_report
    for name in REQUIRED_TABLES:
        assert (out / "tables" / f"{name}.csv").is_file(), name
        assert (out / "tables" / f"{name}.md").is_file(), name
    for doc in ("report.md", "index.html", "run.json"):
        assert (out / doc).is_file()
    pngs = {p.stem for p in (out / "figures").glob("*.png")}
    svgs = {p.stem for p in (out / "figures").glob("*.svg")}
    assert pngs == svgs
    for stem in ("corpus_overview", "similarity", "model_selection", "topic_terms", "topic_shares_year",
                 "keyness_organisation", "distinctive_terms_year", "topic_heatmap_speaker", "topic_differences"):
        assert stem in pngs, stem
    shares = pd.read_csv(out / "tables" / "topic_shares.csv")
    assert {"group_by", "group", "topic", "share", "lower", "upper", "n_statements"} <= set(shares.columns)
    diffs = pd.read_csv(out / "tables" / "topic_differences.csv")
    assert {"group_by", "group_a", "group_b", "topic", "difference", "lower", "upper", "p_value"} <= set(diffs.columns)
    topics = pd.read_csv(out / "tables" / "topics.csv")
    assert {"topic", "rank", "term", "weight", "relevance", "frex"} <= set(topics.columns)
    run = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run["chosen_k"] == result.k and run["k_reason"]
    assert set(run["inputs"]) >= {f"raw/{p.name}" for p in (ROOT / "seeds" / "raw").iterdir()}
    aliases = (ROOT / "seeds" / "aliases.csv").read_text(encoding="utf-8-sig").encode("utf-8")
    assert run["resources"]["aliases"] == hashlib.sha256(aliases).hexdigest()  # the seeds' own table, recorded
    assert run["config"]["preprocess"]["aliases"] == "seeds/aliases.csv"  # as written, no machine path
    assert run["versions"]["gensim"] and "corpus" in run["timings"] and run["timings"]["write report"] > 0


def test_report_narrative_states_caveats(seeds_report):
    out, _ = seeds_report
    md = (out / "report.md").read_text(encoding="utf-8")
    for heading in ("## Corpus", "## Vocabulary contrasts", "## Topics", "## Changes over time",
                    "## Differences between speakers and groups", "## Caveats"):
        assert heading in md
    assert "single statement" in md  # e.g. the one FSB/NAC statement
    for link in [line for line in md.splitlines() if line.startswith("![")]:
        target = link.split("](", 1)[1].rstrip(")")
        assert (out / target).is_file(), target


def test_committed_reports_reproduce(seeds_report):
    """The committed reports/ is what the command writes from seeds/.

    Compared as a reader would (:func:`diff_reports`): same files, same text,
    numbers within a relative 1e-4, because other CPUs round the last bits of the
    topic fits differently (see textanalytics/report/verify.py). On one machine
    the output is byte-identical (next test).
    """
    out, _ = seeds_report
    problems = diff_reports(ROOT / "reports", out)
    assert problems.empty, ("reports/ is stale; run `textanalytics report`:\n"
                            + problems.to_string(index=False))


def test_report_is_byte_identical_on_a_rerun_from_the_cache(seeds_project, seeds_report, tmp_path):
    """The session's report ran from an empty cache; a rerun reads every token table, topic fit
    and figure back from that cache and must write the same bytes (run.json but its timings)."""
    out, _ = seeds_report
    again = tmp_path / "again"
    cache = seeds_project / ".textanalytics_cache"
    entries = sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*"))
    assert {e.split("/")[0] for e in entries} >= {"preprocess", "topics", "figures"}
    build_report(seeds_project / "analysis.toml", out=again)
    assert sorted(p.relative_to(cache).as_posix() for p in cache.rglob("*")) == entries  # nothing recomputed
    files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    differing = []
    for rel in files:
        a, b = (out / rel).read_bytes(), (again / rel).read_bytes()
        if rel == "run.json":
            a, b = _strip_timings(a.decode()), _strip_timings(b.decode())
        if a != b:
            differing.append(rel)
    assert not differing


def test_verify_accepts_noise_and_catches_real_changes(seeds_report, tmp_path):
    out, _ = seeds_report
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    assert diff_reports(out, copy).empty
    shares = copy / "tables" / "topic_shares.csv"
    text = shares.read_text(encoding="utf-8")
    first = re.search(r"0\.\d{6}", text).group(0)
    # floating-point noise in the last printed digit: accepted
    shares.write_text(text.replace(first, first[:-1] + str((int(first[-1]) + 1) % 10), 1), encoding="utf-8")
    assert diff_reports(out, copy).empty
    # substantive changes: caught, with the file named
    shares.write_text(text.replace(first, "0.9", 1), encoding="utf-8")
    stats = copy / "tables" / "lexical_stats.csv"
    rows = stats.read_text(encoding="utf-8").splitlines()
    n_tokens = rows[1].split(",")[1]
    assert n_tokens.isdigit() and int(n_tokens) > 1000
    rows[1] = rows[1].replace(f",{n_tokens},", f",{int(n_tokens) + 1},", 1)  # a count off by one (1e-4 relative)
    stats.write_text("\n".join(rows) + "\n", encoding="utf-8")
    labels = copy / "tables" / "topic_labels.csv"
    labels.write_text(labels.read_text(encoding="utf-8").replace("terrorist", "terrorism", 1), encoding="utf-8")
    (copy / "figures" / "similarity.svg").unlink()
    problems = diff_reports(out, copy)
    assert set(problems["file"]) == {"tables/topic_shares.csv", "tables/topic_labels.csv", "tables/lexical_stats.csv",
                                     "figures/similarity.svg"}
    run = json.loads((copy / "run.json").read_text(encoding="utf-8"))
    run["chosen_k"] += 1
    (copy / "run.json").write_text(json.dumps(run), encoding="utf-8")
    assert "chosen_k" in diff_reports(out, copy).set_index("file").loc["run.json", "problem"]
    with pytest.raises(InputError, match="not a report folder"):
        diff_reports(out, tmp_path / "missing")


@pytest.mark.parametrize("a, b, same", [
    ("k,12345\n", "k,12346\n", False),          # a count: whole numbers must be equal (8e-5 relative)
    ("s,0.123456\n", "s,0.123457\n", True),     # a share: last printed digit is noise
    ("s,0.5\n", "s,0.6\n", False),
    ("term,state\n", "term,states\n", False),
    ("g2,123456\n", "g2,123457\n", True),       # %.6g prints 123456.5 without a point: a float, tolerance
    ("date,2017-01-01\n", "date,2017-01-02\n", False),
])
def test_verify_tolerance_is_for_decimals_only(tmp_path, a, b, same):
    for name, text in (("a", a), ("b", b)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "t.csv").write_text(text, encoding="utf-8")
    assert diff_reports(tmp_path / "a", tmp_path / "b").empty is same


def test_cli_verify_exit_status(seeds_report, tmp_path, capsys, monkeypatch):
    """``--verify``: regenerate without caches into a temporary folder, compare, map to exit 0/1/2.

    The regeneration itself is build_report, tested above (a rerun without any cache is
    byte-identical, and the committed reports/ reproduce); here the session's report stands
    in for it, so the command's own work is what is checked.
    """
    import textanalytics.report

    out, _ = seeds_report
    calls = []

    def regenerate(cfg, *, out: Path, base_dir, config_path, **_):
        cache = Path(cfg.preprocess.cache_dir)
        # nothing from earlier runs: a new cache beside the new report, inside a temporary folder
        assert cache.parent == out.parent and not cache.exists() and not out.exists()
        assert cache.parent.name.startswith("textanalytics-verify-") and base_dir == ROOT
        calls.append(out.parent)
        shutil.copytree(seeds_report[0], out)

    monkeypatch.setattr(textanalytics.report, "build_report", regenerate)
    config = ["--config", str(ROOT / "analysis.toml")]
    assert main(["report", *config, "--verify", str(out)]) == 0
    assert "reproduces" in capsys.readouterr().out and not calls[-1].exists()  # the temporary folder is gone
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    (broken / "tables" / "topics.csv").unlink()
    (broken / "tables" / "keyness.csv").write_text("term\nchanged\n", encoding="utf-8")
    assert main(["report", *config, "--verify", str(broken), "--quiet"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0].endswith("does not reproduce: 2 file(s) differ")
    assert err[1].strip().startswith("tables/keyness.csv:") and err[2].strip().startswith("tables/topics.csv: only in")
    assert len(calls) == 2 and not calls[-1].exists()
    assert main(["report", *config, "--verify", str(tmp_path / "none")]) == 2
    assert "no such report folder" in capsys.readouterr().err and len(calls) == 2


def _hostile_corpus(tmp_path: Path) -> Path:
    rows = []
    words = ("terror security law cooperation border finance crime drug cyber treaty "
             "council resolution sanction weapon court police").split()
    for i in range(12):
        body = []
        for p in range(4):
            w = [words[(i * 3 + p * 5 + j) % len(words)] for j in range(40)]
            body.append(" ".join(w) + ".")
        rows.append({
            "id": f"s{i:02d}",
            "text": "\n\n".join(body) + ("\n\n<script>alert('x')</script> & <b>bold</b>" if i == 0 else ""),
            "date": f"{2018 + i % 2}-0{1 + i % 9}-15",
            "speaker": ["../../x", "<img src=x onerror=alert(1)>", "Plain Name"][i % 3],
        })
    path = tmp_path / "hostile.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    cfg = tmp_path / "a.toml"
    cfg.write_text(
        "[corpus]\npath = 'hostile.csv'\nid_col = 'id'\n"
        "[preprocess]\ncache_dir = ''\nphrases = false\n"
        "[vocabulary]\nmin_df = 1\nmax_df = 1.0\n"
        "[topics]\nk_grid = [2, 3]\nn_seeds = 2\nn_bootstrap = 20\nn_permutations = 200\n",
        encoding="utf-8")
    return cfg


def test_hostile_metadata_is_escaped_and_stays_inside(tmp_path):
    cfg = _hostile_corpus(tmp_path)
    out = tmp_path / "out"
    build_report(cfg, out=out)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    inside = {p.resolve() for p in tmp_path.rglob("*")}
    assert all(str(p).startswith(str(tmp_path.resolve())) for p in inside)
    assert not (tmp_path.parent / "x").exists()
    for p in (out / "figures").iterdir():
        assert p.resolve().parent == (out / "figures").resolve()


def test_failed_run_leaves_previous_reports_untouched(tmp_path, capsys):
    cfg = _hostile_corpus(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("previous", encoding="utf-8")
    # A previous report (its marker lists keep.txt), so the guard lets the run start and fail.
    from textanalytics.output_folder import write_report_marker

    write_report_marker(out, ["keep.txt"])
    bad = tmp_path / "bad.toml"
    bad.write_text(cfg.read_text(encoding="utf-8").replace("[compare]", "") +
                   "[compare]\ngroup_by = ['no_such_column']\n", encoding="utf-8")
    code = main(["report", "--config", str(bad), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "no_such_column" in err and "Traceback" not in err
    assert sorted(p.name for p in out.iterdir()) == [".textanalytics-report.json", "keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out")]


def test_too_small_corpus_skips_topics_with_reason(tmp_path):
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"text": ["security cooperation matters", "terror finance crime"],
                  "speaker": ["A", "B"], "date": ["2019-01-01", "2020-01-01"]}).to_csv(path, index=False)
    cfg = tmp_path / "a.toml"
    cfg.write_text("[corpus]\npath = 'tiny.csv'\n[preprocess]\ncache_dir = ''\n"
                   "[vocabulary]\nmin_df = 1\nmax_df = 1.0\n[topics]\nk_grid = [5]\nn_seeds = 2\n",
                   encoding="utf-8")
    result = build_report(cfg, out=tmp_path / "out")
    assert any("topic" in s for s in result.skipped)
    md = (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert "Skipped: topic models" in md


def test_index_html_renders_in_headless_chromium(seeds_report, chrome):
    out, _ = seeds_report
    driver = chrome
    driver.get_log("browser")  # the session's browser: only this page's entries below
    driver.get((out / "index.html").as_uri())
    images = driver.execute_script(
        "return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.getBoundingClientRect().width])")
    assert len(images) >= 8
    assert all(done and natural > 0 and width > 0 for done, natural, width in images)
    rows = driver.execute_script("return document.querySelectorAll('#kwic-table tbody tr').length")
    assert rows > 0
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


@pytest.mark.parametrize("a, b, same", [
    ({"seed": 123456}, {"seed": 123457}, False),   # integers exactly, however large
    ({"flag": True}, {"flag": 1}, False),
    ({"share": 0.1234561}, {"share": 0.1234562}, True),
    ({"timings": {"total": 1.0}}, {"timings": {"total": 9.0}}, True),
])
def test_verify_compares_run_json_by_type(tmp_path, a, b, same):
    for name, data in (("a", a), ("b", b)):
        (tmp_path / name).mkdir()
        (tmp_path / name / "run.json").write_text(json.dumps(data), encoding="utf-8")
    assert diff_reports(tmp_path / "a", tmp_path / "b").empty is same
