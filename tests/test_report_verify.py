"""diff_reports on small fake report folders: every differing file named, nothing raised, nothing followed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

from textanalytics.errors import InputError
from textanalytics.report.verify import diff_reports

CSV = "term,share,count\nstate,0.123456,12\nlaw,0.5,7\n"


def _png(path: Path, pixels: np.ndarray, **meta: str) -> None:
    import matplotlib.image as mpimg

    mpimg.imsave(path, pixels, format="png", metadata=meta or None)


def _gradient() -> np.ndarray:
    return np.tile(np.linspace(0, 1, 40), (30, 1))[..., None].repeat(3, axis=-1)


def _write(root: Path, files: dict[str, str | bytes]) -> Path:
    """A report folder under ``root`` with ``files`` (relative path -> text or bytes)."""
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    root.mkdir(parents=True, exist_ok=True)
    return root


def _pair(tmp_path: Path, files_a: dict, files_b: dict | None = None) -> tuple[Path, Path]:
    return _write(tmp_path / "a", files_a), _write(tmp_path / "b", files_a if files_b is None else files_b)


def _problems(a: Path, b: Path) -> dict[str, str]:
    out = diff_reports(a, b)
    assert list(out.columns) == ["file", "problem"]
    assert out["file"].is_unique, "one row per file"
    return dict(zip(out["file"], out["problem"]))


BASE = {
    "tables/topics.csv": CSV,
    "tables/topics.md": "| term | share |\n| state | 0.123456 |\n",
    "report.md": "# Report\n\nK = 5 topics.\n",
    "index.html": "<p>K = 5</p>\n",
    "figures/x.svg": '<svg><clipPath id="p1a2b3c4d5e6f"/></svg>\n',
    "run.json": json.dumps({"chosen_k": 5, "share": 0.25, "timings": {"total": 1.0}}, indent=1),
    "data.bin": bytes(range(256)),
}


def test_identical_folders_are_empty(tmp_path):
    a, b = _pair(tmp_path, BASE)
    _png(a / "figures" / "f.png", _gradient())
    _png(b / "figures" / "f.png", _gradient())
    assert diff_reports(a, b).empty


def test_equivalent_but_not_byte_identical_files_are_empty(tmp_path):
    changed = dict(BASE, **{
        "tables/topics.csv": CSV.replace("0.123456", "0.123457"),           # last printed digit: noise
        "figures/x.svg": '<svg><clipPath id="p9f8e7d6c5b4a"/></svg>\n',      # content-hash ids normalised
        "run.json": json.dumps({"chosen_k": 5, "share": 0.25000001, "timings": {"total": 9.0}}),
    })
    a, b = _pair(tmp_path, BASE, changed)
    _png(a / "f.png", _gradient(), Software="one")
    _png(b / "f.png", _gradient(), Software="two")                          # other bytes, same pixels
    assert (a / "f.png").read_bytes() != (b / "f.png").read_bytes()
    assert diff_reports(a, b).empty


@pytest.mark.parametrize("new, same", [("0.1234561", True), ("0.1235", False), ("0.9", False)])
def test_number_within_or_beyond_tolerance(tmp_path, new, same):
    a, b = _pair(tmp_path, {"t.csv": CSV}, {"t.csv": CSV.replace("0.123456", new)})
    problems = _problems(a, b)
    if same:
        assert problems == {}
    else:
        assert problems["t.csv"] == (f"line 2: 1 number(s) differ beyond rtol=0.0001, e.g. 0.123456 vs {float(new):g}"
                                     "; 1 of 4 lines differ")


def test_count_off_by_one_is_a_difference(tmp_path):
    a, b = _pair(tmp_path, {"t.csv": CSV}, {"t.csv": CSV.replace(",12\n", ",13\n")})
    assert _problems(a, b)["t.csv"].startswith("line 2: 1 number(s) differ")


def test_text_change_names_the_line_and_counts_lines(tmp_path):
    changed = CSV.replace("state", "states").replace("law", "lex")
    a, b = _pair(tmp_path, {"t.csv": CSV}, {"t.csv": changed})
    assert _problems(a, b) == {"t.csv": "line 2: text differs: 'state,' vs 'states,'; 2 of 4 lines differ"}


def test_text_change_after_a_long_shared_start_is_shown(tmp_path):
    start = "and is dated to that day (earliest date consistent with the record) "
    a, b = _pair(tmp_path, {"t.md": start + "as published\n"}, {"t.md": start + "as corrected\n"})
    assert _problems(a, b) == {"t.md": "line 1: text differs: ...'with the record) as published' vs "
                                       "...'with the record) as corrected'; 1 of 2 lines differ"}


def test_added_line_gives_line_counts(tmp_path):
    a, b = _pair(tmp_path, {"t.md": "a\nb\n"}, {"t.md": "a\nb\nc\n"})
    assert _problems(a, b) == {"t.md": "line 3: text differs: '' vs 'c'; 3 lines vs 4 (lines added or removed)"}
    a, b = _pair(tmp_path / "2", {"t.md": "a\nb"}, {"t.md": "a\nb\n"})
    assert _problems(a, b) == {"t.md": "line 3: end of file vs ''; 2 lines vs 3 (lines added or removed)"}


def test_latin1_csv_is_a_problem_not_an_exception(tmp_path):
    latin1 = CSV.replace("state", "état").encode("latin-1")
    a, b = _pair(tmp_path, {"tables/t.csv": latin1, "ok.csv": CSV}, {"tables/t.csv": CSV, "ok.csv": CSV})
    problems = _problems(a, b)
    assert list(problems) == ["tables/t.csv"]
    offset = latin1.index(b"\xe9")
    assert problems["tables/t.csv"].startswith(f"not UTF-8 at byte {offset} (line 2: b'\\xe9tat') in {a}; ")
    assert str(b) not in problems["tables/t.csv"].split(";")[0]
    assert "bytes differ" in problems["tables/t.csv"]
    # both sides undecodable but different: both named
    a, b = _pair(tmp_path / "2", {"t.txt": b"ok\n\xff"}, {"t.txt": b"\xfe"})
    assert _problems(a, b)["t.txt"].startswith(f"not UTF-8 at byte 3 (line 2: b'\\xff') in {a}; "
                                               f"not UTF-8 at byte 0 (line 1: b'\\xfe') in {b}; bytes differ: 4 vs 1")


def test_invalid_json_is_a_problem_with_its_line(tmp_path):
    broken = '{\n  "chosen_k": 5,\n  "share": ,\n}'
    a, b = _pair(tmp_path, {"run.json": BASE["run.json"]}, {"run.json": broken})
    problem = _problems(a, b)["run.json"]
    assert problem.startswith(f"invalid JSON in {b} (line 3, column 12")
    a, b = _pair(tmp_path / "2", {"x.json": b'{"a": "\xe9"}'}, {"x.json": '{"a": "é"}'})
    assert _problems(a, b)["x.json"].startswith(f"not UTF-8 at byte 7 (line 1: b'\\xe9\"}}') in {a}")
    a, b = _pair(tmp_path / "3", {"x.json": "[" * 100_000}, {"x.json": "[]"})
    assert _problems(a, b)["x.json"].startswith(f"invalid JSON in {a}")


def test_json_reports_first_differing_key_and_count(tmp_path):
    run_a = {"chosen_k": 5, "share": 0.25, "terms": ["a", "b"], "timings": {"total": 1}}
    run_b = {"chosen_k": 6, "share": 0.35, "terms": ["a", "b", "c"], "timings": {"total": 2}, "extra": True}
    a, b = _pair(tmp_path, {"run.json": json.dumps(run_a)}, {"run.json": json.dumps(run_b)})
    # chosen_k, share, terms.# (list length), terms[2], extra; timings ignored in run.json
    assert _problems(a, b) == {"run.json": "5 key(s) differ, first chosen_k: '5' vs '6'"}
    a, b = _pair(tmp_path / "2", {"other.json": json.dumps({"timings": {"total": 1}})},
                 {"other.json": json.dumps({"timings": {"total": 2}})})
    assert _problems(a, b) == {"other.json": "1 key(s) differ, first timings.total: '1' vs '2'"}
    a, b = _pair(tmp_path / "3", {"x.json": json.dumps({"k": 10 ** 400})}, {"x.json": json.dumps({"k": 1.0})})
    assert _problems(a, b)["x.json"].startswith("1 key(s) differ, first k: 1000000")


def test_corrupt_png_is_a_problem_not_an_exception(tmp_path):
    a, b = _pair(tmp_path, {})
    _png(a / "f.png", _gradient())
    good = (a / "f.png").read_bytes()
    (b / "f.png").write_bytes(good[: len(good) // 2])                       # truncated, signature intact
    (a / "g.png").write_bytes(b"not a png at all")
    _png(b / "g.png", _gradient())
    problems = _problems(a, b)
    assert problems["f.png"].startswith(f"not a readable PNG in {b} (")
    assert problems["g.png"] == f"not a readable PNG in {a} (no PNG signature)"


def test_png_pixels_beyond_share_and_other_size(tmp_path):
    a, b = _pair(tmp_path, {})
    changed = _gradient()
    changed[:10] = 0.0
    _png(a / "f.png", _gradient())
    _png(b / "f.png", changed)
    _png(a / "g.png", _gradient())
    _png(b / "g.png", _gradient()[:20])
    problems = _problems(a, b)
    # 10 of 30 rows blackened; in those, the 2 darkest of 40 columns were already within 8/255 of black
    assert problems["f.png"] == "31.67% of pixels differ (allowed 0.20%)"
    assert problems["g.png"] == "image size (30, 40) vs (20, 40)"


def test_binary_file_gives_sizes_and_first_differing_byte(tmp_path):
    data = bytes(i % 251 for i in range(1204))
    other = data[:88] + b"\x00" + data[89:] + b"\x01" * 6
    a, b = _pair(tmp_path, {"figures/model.bin": data, "blob": b"ab"}, {"figures/model.bin": other, "blob": b"abc"})
    problems = _problems(a, b)
    assert problems["figures/model.bin"] == "bytes differ: 1,204 vs 1,210 bytes, first difference at byte 88"
    assert problems["blob"] == "bytes differ: 2 vs 3 bytes, first difference at byte 2"


def test_files_only_on_one_side(tmp_path):
    a, b = _pair(tmp_path, {"a.csv": CSV, "both.md": "x\n", "sub/deep/one.txt": "1"},
                 {"b.bin": b"\x00", "both.md": "x\n"})
    assert _problems(a, b) == {"a.csv": f"only in {a}", "b.bin": f"only in {b}", "sub/deep/one.txt": f"only in {a}"}


def test_every_differing_file_is_listed_once(tmp_path):
    changed = dict(BASE, **{
        "tables/topics.csv": CSV.replace("0.5", "0.6"),
        "report.md": "# Report\n\nK = 6 topics.\n",
        "run.json": "{",
        "data.bin": bytes(range(255)),
        "tables/topics.md": BASE["tables/topics.md"].encode() + b"\x80",
    })
    del changed["index.html"]
    a, b = _pair(tmp_path, BASE, changed)
    _png(a / "figures" / "f.png", _gradient())
    (b / "figures" / "f.png").write_bytes(b"\x89PNG\r\n\x1a\ngarbage")
    out = diff_reports(a, b)
    assert out["file"].tolist() == ["data.bin", "figures/f.png", "index.html", "report.md", "run.json",
                                    "tables/topics.csv", "tables/topics.md"]
    assert out["problem"].str.len().gt(0).all()


def test_control_characters_are_escaped(tmp_path):
    a, b = _pair(tmp_path, {"t.md": "title\x1b[H\x07 one\u202e\n", "n.json": json.dumps({"k\x1b": "v\x1b[31m"})},
                 {"t.md": "title\x1b[H\x07 two\n", "n.json": json.dumps({"k\x1b": "w"})})
    problems = _problems(a, b)
    assert problems["t.md"] == "line 1: text differs: 'title\\x1b[H\\x07 one\\u202e' vs 'title\\x1b[H\\x07 two'; " \
                               "1 of 2 lines differ"
    assert problems["n.json"] == "1 key(s) differ, first k\\x1b: 'v\\x1b[31m' vs 'w'"
    assert all(p.isprintable() for p in problems.values())


@pytest.mark.skipif(sys.platform == "win32", reason="control characters and raw bytes in POSIX file names")
def test_control_characters_in_file_names_are_escaped(tmp_path):
    a, b = _pair(tmp_path, {"ok.txt": "1"})
    (a / "evil\x1b[2Jname.txt").write_text("x", encoding="utf-8")
    try:
        (b / "raw").mkdir()
        open(os.fsencode(b / "raw") + b"/\xff\n.csv", "wb").close()
    except OSError:
        pytest.skip("file system refuses such names")
    problems = _problems(a, b)
    assert problems == {"evil\\x1b[2Jname.txt": f"only in {a}", "raw/\\xff\\x0a.csv": f"only in {b}"}
    with pytest.raises(InputError, match=r"x1b.*not a report folder"):
        diff_reports(a, tmp_path / "no\x1bdir")


@pytest.mark.skipif(sys.platform == "win32", reason="symlinks need privileges on Windows")
def test_symlinks_are_never_followed(tmp_path):
    outside = _write(tmp_path / "outside", {"secret.csv": "password,hunter2\n", "dir/leak.txt": "leak"})
    a, b = _pair(tmp_path, {"t.csv": "password,hunter2\n"}, {})
    (b / "t.csv").symlink_to("../outside/secret.csv")          # same content as a/t.csv, but only via the link
    (b / "same").symlink_to("../outside")                      # a symlinked folder: not entered
    (a / "same").symlink_to("../outside")
    (a / "other").symlink_to("x")
    (b / "other").symlink_to("y\x1b")
    (b / "dangling").symlink_to("../nowhere")
    problems = _problems(a, b)
    assert problems == {
        "t.csv": f"a file in {a}, a symlink to '../outside/secret.csv' in {b}",
        "other": "symlink to 'x' vs 'y\\x1b'",
        "dangling": f"only in {b} (a symlink to '../nowhere')",
    }
    assert not any("hunter2" in p or "leak" in f for f, p in problems.items())


def test_directory_and_file_of_the_same_name(tmp_path):
    a, b = _pair(tmp_path, {"tables/x.csv": CSV, "figures": "not a folder"}, {"tables": "a file", "figures/f.txt": "1"})
    assert _problems(a, b) == {
        "figures": f"a file in {a}, a directory in {b}",
        "figures/f.txt": f"only in {b}",
        "tables": f"a directory in {a}, a file in {b}",
        "tables/x.csv": f"only in {a}",
    }


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs")
def test_fifo_is_reported_not_opened(tmp_path):
    a, b = _pair(tmp_path, {"ok.txt": "1"})
    os.mkfifo(a / "pipe.csv")                                  # opening it for reading would block
    os.mkfifo(b / "pipe.csv")
    os.mkfifo(b / "only.csv")
    assert _problems(a, b) == {"only.csv": f"only in {b} (a fifo)", "pipe.csv": "a fifo in both folders, not compared"}


def test_missing_folder_is_an_input_error(tmp_path):
    a = _write(tmp_path / "a", {"t.csv": CSV})
    with pytest.raises(InputError, match="not a report folder"):
        diff_reports(a, tmp_path / "missing")
    with pytest.raises(InputError, match="not a report folder"):
        diff_reports(a / "t.csv", a)
