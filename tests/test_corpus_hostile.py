"""Hostile corpus input: every case gives one InputError line naming file and line/field, or loads correctly.

FIFOs, sockets and devices; values of the wrong JSON type; encodings and byte-order marks;
ragged CSV; control characters in text and metadata; mojibake and HTML entities; NA strings;
values differing only in case.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import time
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.corpus import iter_table_chunks, load_corpus
from textanalytics.corpus.clean import clean_text
from textanalytics.corpus.normalize import clean_metadata_value, remove_control_characters
from textanalytics.corpus.repair import changed_chars, decode_html_entities, repair_mojibake, repair_text
from textanalytics.corpus.validate import case_variant_problems, case_variants
from textanalytics.errors import InputError

DATA = Path(__file__).parent / "data" / "corpus"
CLEANING = ["statement_id", "rule", "n_removed_words", "n_removed_lines", "n_removed_chars"]
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")


def error(path, **kwargs) -> str:
    with pytest.raises(InputError) as info:
        load_corpus(path, **kwargs)
    msg = str(info.value)
    assert "\n" not in msg, msg
    return msg


def load_csv_both_ways(path: Path, text: str) -> pd.DataFrame:
    """Write ``text`` to ``path``, load it whole and in pieces of two records; the cleaning must agree."""
    path.write_text(text, encoding="utf-8")
    corpus = load_corpus(path, id_col="id")
    chunks = list(iter_table_chunks(path, rows=2, id_col="id"))
    pd.testing.assert_frame_equal(pd.concat([c.cleaning for c in chunks], ignore_index=True), corpus.cleaning)
    assert pd.concat([c.statements for c in chunks])["text"].tolist() == corpus.statements["text"].tolist()
    return corpus


def jsonl(path: Path, records: list[dict]) -> Path:
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


# ----------------------------------------------------------------- not regular files: refused, never opened


@needs_fifo
@pytest.mark.parametrize("name", ["corpus.csv", "corpus.jsonl", "corpus.parquet", "corpus.csv.gz"])
def test_fifo_as_corpus_is_refused_without_blocking(tmp_path, name):
    os.mkfifo(tmp_path / name)
    assert error(tmp_path / name) == (f"{tmp_path / name}: is a FIFO (named pipe), not a regular file; "
                                      "pass a file saved on disk")
    with pytest.raises(InputError, match="is a FIFO"):
        next(iter_table_chunks(tmp_path / name, rows=10))


def test_device_and_socket_as_corpus_are_refused(tmp_path):
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (tmp_path / "zero.csv").symlink_to("/dev/zero")
    assert "zero.csv: is a character device, not a regular file" in error(tmp_path / "zero.csv")
    sock = socket.socket(socket.AF_UNIX)
    try:
        sock.bind(str(tmp_path / "s.jsonl"))
        assert "s.jsonl: is a socket, not a regular file" in error(tmp_path / "s.jsonl")
    finally:
        sock.close()


@needs_fifo
def test_fifo_inside_a_folder_corpus_is_refused(tmp_path):
    meta = tmp_path / "meta"
    shutil.copytree(DATA / "txt_folder", meta)
    (meta / "metadata.csv").unlink()
    os.mkfifo(meta / "metadata.csv")
    assert error(meta) == f"{meta / 'metadata.csv'}: is a FIFO (named pipe), not a regular file; pass a file saved on disk"

    txt = tmp_path / "txt"
    shutil.copytree(DATA / "txt_folder", txt)
    (txt / "beta.txt").unlink()
    os.mkfifo(txt / "beta.txt")
    assert error(txt) == (f"{txt / 'metadata.csv'}: line 3: source_file 'beta.txt' is a FIFO (named pipe), "
                          "not a regular file; pass a file saved on disk")

    corr = tmp_path / "corr"
    shutil.copytree(DATA / "txt_folder", corr)
    os.mkfifo(corr / "corrections.csv")  # refused, not silently ignored
    assert "corrections.csv: is a FIFO (named pipe)" in error(corr)

    other = tmp_path / "other"
    shutil.copytree(DATA / "txt_folder", other)
    os.mkfifo(other / "m2.csv")
    assert "m2.csv: is a FIFO" in error(other, metadata="m2.csv")


def test_folder_named_like_a_text_file_is_refused(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    (folder / "beta.txt").unlink()
    (folder / "beta.txt").mkdir()
    assert "line 3: source_file 'beta.txt' is a folder, not a regular file" in error(folder)


# ----------------------------------------------------------------- values of the wrong type (JSON Lines, Parquet)


BAD_TEXTS = [({"text": 5}, "text is a number (5), not a string"),
             ({"text": 2.5}, "text is a number (2.5), not a string"),
             ({"text": ["a", "b"]}, 'text is a list (["a", "b"]), not a string'),
             ({"text": {"body": "x"}}, 'text is an object ({"body": "x"}), not a string'),
             ({"text": True}, "text is a boolean (true), not a string")]


@pytest.mark.parametrize("record, problem", BAD_TEXTS)
def test_non_string_text_in_jsonl_raises_naming_file_line_and_field(tmp_path, record, problem):
    path = jsonl(tmp_path / "t.jsonl", [{"text": "fine"}, record])
    msg = error(path)
    assert msg.startswith(f"{path}: {problem} in column 'text' at line 2;"), msg
    assert 'on_error="skip"' in msg


def test_non_string_texts_are_skipped_and_listed(tmp_path):
    path = jsonl(tmp_path / "t.jsonl", [{"id": "ok", "text": "fine"}] + [
        {"id": f"b{i}", **record} for i, (record, _) in enumerate(BAD_TEXTS)] + [{"id": "n", "text": None}])
    corpus = load_corpus(path, id_col="id", on_error="skip")
    assert corpus.statements["statement_id"].tolist() == ["ok"]
    pr = corpus.problems
    assert list(pr.columns) == ["source", "line", "field", "problem", "action"]
    assert pr["line"].tolist() == [2, 3, 4, 5, 6, 7]
    assert pr["problem"].tolist() == [p for _, p in BAD_TEXTS] + ["empty text"]  # null text: empty, as before
    assert set(pr["action"]) == {"skipped"} and set(pr["field"]) == {"text"} and set(pr["source"]) == {str(path)}
    assert "5" not in corpus.paragraphs["text"].tolist()  # never stringified


def test_list_or_object_metadata_raises_or_is_skipped(tmp_path):
    path = jsonl(tmp_path / "m.jsonl", [{"text": "a", "tags": "x", "n": 3, "flag": True},
                                        {"text": "b", "tags": ["x", "y"], "n": 4, "flag": False},
                                        {"text": "c", "tags": "z", "speaker": {"name": "Ann"}}])
    assert error(path).startswith(
        f"{path}: value is a list ([\"x\", \"y\"]), not a string, number, boolean or null in column 'tags' at line 2; "
        "flatten the value")
    corpus = load_corpus(path, on_error="skip")
    assert corpus.statements["text"].tolist() == ["a"]
    assert corpus.statements["n"].tolist() == [3]  # numbers and booleans are fine metadata
    pr = corpus.problems
    assert pr[["line", "field", "action"]].values.tolist() == [[2, "tags", "skipped"], [3, "speaker", "skipped"]]
    assert pr["problem"].iat[1] == 'value is an object ({"name": "Ann"}), not a string, number, boolean or null'


def test_wrong_types_in_pieces_and_parquet(tmp_path):
    path = jsonl(tmp_path / "t.jsonl", [{"text": "a"}, {"text": "b"}, {"text": 7}])
    with pytest.raises(InputError, match=r"t\.jsonl: text is a number \(7\), not a string in column 'text' at line 3"):
        list(iter_table_chunks(path, rows=2))
    pieces = list(iter_table_chunks(path, rows=2, on_error="skip"))
    assert pd.concat([p.problems for p in pieces])["line"].tolist() == [3]
    pq = tmp_path / "t.parquet"
    pd.DataFrame({"text": [1, 2]}).to_parquet(pq)
    assert error(pq).startswith(f"{pq}: 2 records with a text that is not a string in column 'text' at rows 1, 2")


def test_json_array_is_read_like_json_lines_with_record_numbers(tmp_path):
    records = [{"text": "a", "party": "NA"}, {"text": 7, "party": "Lab"}, {"text": "c", "party": "Con"}]
    path = tmp_path / "c.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    assert error(path) == (f"{path}: text is a number (7), not a string in column 'text' at record 2 (first record "
                           "= 1); write each text as a string (in JSON, in double quotes), or pass on_error=\"skip\" "
                           "to skip such records and list them in Corpus.problems")
    corpus = load_corpus(path, on_error="skip")
    assert corpus.problems[["line", "field", "action"]].values.tolist() == [[2, "text", "skipped"]]
    assert corpus.statements["party"].isna().tolist() == [True, False]  # na_values as in JSON Lines
    pieces = list(iter_table_chunks(path, rows=2, on_error="skip"))
    assert [len(p.statements) for p in pieces] == [1, 1]
    assert pd.concat([p.problems for p in pieces])["line"].tolist() == [2]


@pytest.mark.parametrize("content, message", [
    ('{"speeches": []}', "the file holds an object (keys: 'speeches'), not an array of records"),
    ('[{"text": "a"}, "b"]', "record 2: expected a JSON object, got str"),
    ('[{"text": "a"},', "invalid JSON (Expecting value at line 1 column 16)"),
    ("[]", "the table has no records"),
])
def test_json_that_is_not_an_array_of_records(tmp_path, content, message):
    (tmp_path / "c.json").write_text(content, encoding="utf-8")
    assert error(tmp_path / "c.json").startswith(f"{tmp_path / 'c.json'}: {message}")


def test_nested_json_says_how_to_flatten_it_and_the_hints_work(tmp_path):
    data = [{"speaker": "Ann", "party": "Lab", "speeches": [{"text": "One.", "date": "2001-01-02"},
                                                            {"text": "Two.", "date": "2001-01-03"}]},
            {"speaker": "Bob", "party": "Con", "speeches": [{"text": "Three.", "date": "2002-01-02"}]}]
    path = tmp_path / "speakers.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    msg = error(path, on_error="skip")  # a structure, not a bad record: refused whatever on_error says
    assert msg.startswith(f"{path}: record 1: field 'speeches' holds a list of 2 JSON object(s) (nested records); "
                          "flatten the file to one flat record per statement, e.g. pandas.json_normalize(")
    code = msg.split("e.g. ", 1)[1].split(", or jq", 1)[0]
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        exec(code, {"pandas": pd, "json": json})  # the hint, as printed, flattens the file
    finally:
        os.chdir(cwd)
    st = load_corpus(tmp_path / "speakers.jsonl").statements
    assert st[["speaker", "party", "text"]].values.tolist() == [["Ann", "Lab", "One."], ["Ann", "Lab", "Two."],
                                                               ["Bob", "Con", "Three."]]
    path.write_text(json.dumps([{"text": "a", "meta": {"source": "x"}}]), encoding="utf-8")
    assert "record 1: field 'meta' holds a JSON object (nested records)" in error(path)
    assert "jq -c" in error(path) and "sep='_'" in error(path)


# ----------------------------------------------------------------- encodings, byte-order marks, binary


def test_utf16_with_bom_asks_for_utf16_and_then_loads(tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("id,text\n1,café au lait\n".encode("utf-16"))
    assert error(path) == f'{path}: starts with a UTF-16 byte-order mark but encoding is utf-8; pass encoding="utf-16"'
    corpus = load_corpus(path, encoding="utf-16")
    assert corpus.statements["text"].tolist() == ["café au lait"]
    assert [len(p) for p in iter_table_chunks(path, rows=1, encoding="utf-16")] == [1]
    jl = tmp_path / "u.jsonl"
    jl.write_bytes('{"text": "ünï"}\n'.encode("utf-16"))
    assert "pass encoding=\"utf-16\"" in error(jl)
    assert load_corpus(jl, encoding="utf-16").statements["text"].tolist() == ["ünï"]
    with pytest.raises(InputError, match="UTF-16 byte-order mark"):
        list(iter_table_chunks(jl, rows=5))


def test_utf16_without_bom(tmp_path):
    path = tmp_path / "le.csv"
    path.write_bytes("text\nhello there\n".encode("utf-16-le"))
    assert error(path) == (f"{path}: 17 of its first 34 bytes are NUL: it looks like UTF-16 without a byte-order "
                           'mark (pass encoding="utf-16-le") or is not a text file')
    # "utf-16" would guess the byte order silently: refused with both orders named
    assert 'pass encoding="utf-16-le" (or "utf-16-be")' in error(path, encoding="utf-16")
    assert load_corpus(path, encoding="utf-16-le").statements["text"].tolist() == ["hello there"]


def test_utf8_bom_loads_and_latin1_loads(tmp_path):
    bom = tmp_path / "bom.csv"
    bom.write_bytes("text,speaker\ncafé,Ann\n".encode("utf-8-sig"))
    assert load_corpus(bom).statements["speaker"].tolist() == ["Ann"]  # header not '\ufefftext'
    assert 'starts with a UTF-8 byte-order mark but encoding is latin-1; pass encoding="utf-8"' in error(
        bom, encoding="latin-1")
    latin = tmp_path / "latin.csv"
    latin.write_bytes("text\ncaf\xe9\n".encode("latin-1"))
    assert error(latin).startswith(f"{latin}: byte 8 (0xe9) cannot be decoded as utf-8")
    assert load_corpus(latin, encoding="latin-1").statements["text"].tolist() == ["café"]


def test_binary_and_empty_files(tmp_path):
    png = tmp_path / "image.csv"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    assert "image.csv: " in error(png) and "NUL" in error(png)
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    assert error(empty) == f"{empty}: the table has no records"
    (tmp_path / "empty.csv").write_bytes(b"")
    assert "empty.csv: the file is empty" in error(tmp_path / "empty.csv")
    (tmp_path / "header.tsv").write_text("text\tspeaker\n", encoding="utf-8")
    assert error(tmp_path / "header.tsv") == f"{tmp_path / 'header.tsv'}: the table has no records"


# ----------------------------------------------------------------- ragged and odd CSV


def test_more_fields_than_the_header_is_an_error_not_a_shift(tmp_path):
    # pandas alone would take the first column as an index and shift every value of the first record
    first = tmp_path / "first.csv"
    first.write_text("id,text\n1,hello,extra\n2,world\n", encoding="utf-8")
    assert error(first) == (f"{first}: record 2 (header = record 1) has 3 fields but the header has 2; put double "
                            "quotes around values that hold the separator or a line break, or remove the extra fields")
    later = tmp_path / "later.csv"
    later.write_text('id,text\n1,"multi\nline"\n2,a,b\n', encoding="utf-8")
    assert "later.csv: record 3 (header = record 1) has 3 fields" in error(later)  # records, not physical lines
    every = tmp_path / "every.tsv"
    every.write_text("id\ttext\n1\ta\tx\n2\tb\ty\n", encoding="utf-8")
    assert "every.tsv: record 2 (header = record 1) has 3 fields but the header has 2" in error(every)
    with pytest.raises(InputError, match=r"record 2 \(header = record 1\) has 3 fields"):
        list(iter_table_chunks(first, rows=1))
    chunks = tmp_path / "chunks.csv"
    chunks.write_text("id,text\n" + "".join(f"{i},t{i}\n" for i in range(9)) + "9,t9,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"chunks\.csv: record 11 \(header = record 1\)"):
        list(iter_table_chunks(chunks, rows=3))


def test_pieces_hold_rows_records_though_the_header_is_read_as_a_record(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,text\n" + "".join(f"{i},t{i}\n" for i in range(7)), encoding="utf-8")
    pieces = list(iter_table_chunks(path, rows=3, id_col="id"))
    assert [len(p) for p in pieces] == [3, 3, 1]
    assert pd.concat([p.statements for p in pieces])["statement_id"].tolist() == [str(i) for i in range(7)]


def test_duplicate_header_names_are_an_error(tmp_path):
    path = tmp_path / "dup.csv"
    path.write_text("text,speaker,speaker\na,b,c\n", encoding="utf-8")
    assert error(path) == f"{path}: the header names column 'speaker' twice (columns 2 and 3); rename one"


def test_one_document_duplicate_ids_and_bad_dates(tmp_path):
    one = tmp_path / "one.csv"
    one.write_text("text\nOnly one.\n", encoding="utf-8")
    assert load_corpus(one).statements["n_words"].tolist() == [2]
    dup = tmp_path / "dup.jsonl"
    jsonl(dup, [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}])
    assert "dup.jsonl: duplicate id 'a' (first at line 1) in column 'id' at line 2" in error(dup, id_col="id")
    dates = tmp_path / "d.csv"
    dates.write_text("text,date\nx,2019-02-30\ny,yesterday\nz,2019-03-01\n", encoding="utf-8")
    assert "d.csv: 2 records with an unparsable date in column 'date' at records 2, 3" in error(dates)
    skipped = load_corpus(dates, on_error="skip")
    assert skipped.problems["problem"].tolist() == ["unparsable date '2019-02-30'", "unparsable date 'yesterday'"]


def test_ten_megabyte_document_loads(tmp_path):
    path = tmp_path / "big.csv"
    words = ("word " * 2_000_000).strip()
    path.write_text(f'text\n"{words}\x00"\n', encoding="utf-8")
    started = time.perf_counter()
    corpus = load_corpus(path)
    assert time.perf_counter() - started < 5
    assert corpus.statements["n_words"].tolist() == [2_000_000]
    assert corpus.cleaning[["rule", "n_removed_chars"]].values.tolist() == [["control_characters", 1]]


def test_path_like_and_html_metadata_are_kept_verbatim(tmp_path):
    path = jsonl(tmp_path / "t.jsonl", [{"text": "a", "source": "../../etc/passwd", "note": "<script>alert(1)</script>"}])
    st = load_corpus(path).statements
    assert st["source"].tolist() == ["../../etc/passwd"] and st["note"].tolist() == ["<script>alert(1)</script>"]
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    meta = (folder / "metadata.csv").read_text(encoding="utf-8").replace("alpha.txt", "../../etc/passwd")
    (folder / "metadata.csv").write_text(meta, encoding="utf-8")
    assert "metadata.csv: line 2: source_file '../../etc/passwd' is outside" in error(folder)


# ----------------------------------------------------------------- control characters


def test_remove_control_characters_keeps_whitespace():
    assert remove_control_characters("a\tb\nc\rd\x0be\x0cf\x85g") == ("a\tb\nc\rd\x0be\x0cf\x85g", 0)
    assert remove_control_characters("N\x00U\x07L\x7fL\x9b") == ("NULL", 4)
    assert remove_control_characters("\x1b[1;31mred\x1b[0m") == ("red", 11)
    assert remove_control_characters("\u202eevil\u202c \u2066x\u2069 \u200fy") == ("evil x y", 5)


def test_clean_text_counts_removed_characters_and_words():
    cleaned = clean_text("one \x00 two\x07three", chrome=False)
    assert cleaned.paragraphs == ("one twothree",)
    assert dict(cleaned.removed) == {"control_characters": (1, 0)}
    assert dict(cleaned.removed_chars) == {"control_characters": 2}
    assert cleaned.n_words_before == 3  # the NUL stood as a word


def test_control_characters_in_table_text_and_metadata(tmp_path):
    corpus = load_csv_both_ways(tmp_path / "c.csv", "id,text,speaker,date\n"
                                "a,Hello\x00 world \x1b[31mred\x1b[0m,Ann\x07,2019-01-01\x00\n"
                                "b,Plain text.,Bob,2019-01-02\n"
                                "c,Clean text.,\u202eCyd,2019-01-03\n")
    st = corpus.statements
    assert st["speaker"].tolist() == ["Ann", "Bob", "Cyd"]
    assert st["year"].tolist() == [2019, 2019, 2019]
    assert corpus.paragraphs["text"].tolist() == ["Hello world red", "Plain text.", "Clean text."]
    assert list(corpus.cleaning.columns) == CLEANING
    assert str(corpus.cleaning["n_removed_chars"].dtype) == "int64"
    # text: NUL + ESC[31m + ESC[0m = 10; metadata: BEL in speaker, NUL in date = 2; RLO in c's speaker = 1
    assert corpus.cleaning.values.tolist() == [["a", "control_characters", 0, 0, 12],
                                               ["c", "control_characters", 0, 0, 1]]


def test_control_characters_in_folder_pages_and_metadata(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    meta = (folder / "metadata.csv").read_text(encoding="utf-8").replace("A. Speaker", "A. Speaker\x00")
    (folder / "metadata.csv").write_text(meta, encoding="utf-8")
    (folder / "beta.txt").write_text("Beta \x00 has\x07 one line.\n\x1b[1mSecond line.\n", encoding="utf-8")
    corpus = load_corpus(folder)
    assert corpus.statements["speaker"].tolist() == ["A. Speaker", "B. Speaker"]
    assert corpus.paragraphs["text"].tolist()[-2:] == ["Beta has one line.", "Second line."]
    assert corpus.cleaning.values.tolist() == [["alpha", "control_characters", 0, 0, 1],
                                               ["beta", "control_characters", 1, 0, 6]]


def test_seed_style_folder_pages_lose_control_characters(tmp_path):
    seeds = tmp_path / "seeds"
    shutil.copytree(DATA / "seeds_mini", seeds)
    page = sorted((seeds / "raw").glob("*.txt"))[0]
    page.write_bytes(page.read_bytes().replace(b"\n", b"\x00\n", 3))
    before = load_corpus(DATA / "seeds_mini")
    after = load_corpus(seeds)
    pd.testing.assert_frame_equal(before.paragraphs, after.paragraphs)
    ctrl = after.cleaning[after.cleaning["rule"] == "control_characters"]
    assert ctrl["n_removed_chars"].sum() == 3 and (ctrl["n_removed_words"] == 0).all()
    other = after.cleaning[after.cleaning["rule"] != "control_characters"].reset_index(drop=True)
    pd.testing.assert_frame_equal(other, before.cleaning)


def test_control_only_text_is_empty_text(tmp_path):
    path = tmp_path / "e.csv"
    path.write_text("text\nok\n\x00\x07\n", encoding="utf-8")
    assert "e.csv: empty text in column 'text' at record 3" in error(path)


# ----------------------------------------------------------------- mojibake and HTML entities (ftfy)

# UTF-8 read as Windows-1252 (with the undefined byte 0x9d kept as the C1 control U+009D), as in the Commons sample
MOJIBAKE = [("Â£47 billion", "£47 billion"), ("said:â€œOlder people", "said:“Older people"),
            ("the Chairâ€\x9d.", "the Chair”."), ("LomÃ© report", "Lomé report"),
            ("donâ€™t", "don’t"), ("2Â·5 per cent", "2·5 per cent"), ("caf\x92s", "caf’s")]


@pytest.mark.parametrize("broken, fixed", MOJIBAKE)
def test_mojibake_is_repaired_and_the_repair_is_stable(broken, fixed):
    assert repair_mojibake(broken) == fixed
    assert repair_mojibake(fixed) == fixed  # a second pass changes nothing


def test_repair_keeps_what_researchers_rely_on():
    kept = ["“Curly” quotes and ‘single’ ones", "ﬁnance km² ½ ＵＮ", "Москва, Zürich, São Paulo, İstanbul",
            "this&not that; AT&T; R&D", "a\x00b \x1b[31mred", "line one\r\nline two"]
    for text in kept:
        assert repair_text(text).text == text, text
    assert repair_text("plain ascii").chars == {}


def test_html_entities_are_decoded_with_counts():
    assert decode_html_entities("Q&amp;A: it&#8217;s &lt;here&gt; &amp;amp;") == "Q&A: it’s <here> &"
    assert repair_text("caf&Atilde;&copy; &amp; bar").text == "café & bar"  # entity-encoded mojibake
    r = repair_text("cost&nbsp;Â£5 &amp; more")
    assert r.text == "cost\u00a0£5 & more"
    assert r.chars == {"mojibake": 1, "html_entities": 9}
    assert r.words == {"html_entities": -1}  # "cost&nbsp;Â£5" was one word, is two
    assert changed_chars("â€œhi", "“hi") == 2 and changed_chars("x\x92y", "x’y") == 1


def test_clean_text_repairs_before_removing_control_characters():
    cleaned = clean_text("He said â€œnoâ€\x9d and left &amp; came back.", chrome=False)
    assert cleaned.text == "He said “no” and left & came back."
    assert dict(cleaned.removed_chars) == {"html_entities": 4, "mojibake": 4}  # no control character left to remove
    assert sum(n for n, _ in cleaned.removed.values()) == cleaned.n_words_before - len(cleaned.text.split())
    assert clean_text("He said â€œnoâ€\x9d.", chrome=False, repair=False).text == "He said â€œnoâ€."


def test_mojibake_in_table_text_and_metadata_is_counted_per_statement(tmp_path):
    corpus = load_csv_both_ways(tmp_path / "m.csv", "id,text,speaker,title\n"
                                "a,It will save Â£47 billion.,JosÃ© Pérez,Q&amp;A\n"
                                "b,Plain text.,Bob,Plain\n"
                                "c,â€œQuoteâ€\x9d here \x00.,Cyd,T\n")
    st = corpus.statements
    assert st["text"].tolist() == ["It will save £47 billion.", "Plain text.", "“Quote” here ."]
    assert st["speaker"].tolist() == ["José Pérez", "Bob", "Cyd"] and st["title"].tolist()[0] == "Q&A"
    assert corpus.cleaning.values.tolist() == [["a", "mojibake", 0, 0, 2], ["a", "html_entities", 0, 0, 4],
                                               ["c", "mojibake", 0, 0, 4], ["c", "control_characters", 0, 0, 1]]


def test_mojibake_in_folder_pages_is_repaired_and_words_accounted(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    (folder / "beta.txt").write_text("Beta costs Â£5&nbsp;now.\nâ€œSecondâ€\x9d line \x00.\n", encoding="utf-8")
    corpus = load_corpus(folder)
    assert corpus.paragraphs["text"].tolist()[-2:] == ["Beta costs £5 now.", "“Second” line ."]
    rows = corpus.cleaning[corpus.cleaning["statement_id"] == "beta"].values.tolist()
    assert rows == [["beta", "mojibake", 0, 0, 5], ["beta", "html_entities", -1, 0, 5],
                    ["beta", "control_characters", 0, 0, 1]]


# ----------------------------------------------------------------- NA strings (na_values)

NA_CSV = ("id,text,party,speaker,date,chair\n"
          "NA,A speech.,Lab,Ann,2001-01-01,FALSE\n"
          "b,Another speech.,NA,The Speaker,2001-01-02,TRUE\n"
          "c,NA,Con,Cyd,NA,FALSE\n"
          "d,A fourth speech.,\" N/A \",null,2001-01-04,-99\n")


def test_na_strings_in_metadata_are_missing_but_texts_and_ids_are_kept(tmp_path, caplog):
    path = tmp_path / "na.csv"
    path.write_text(NA_CSV, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="textanalytics.corpus"):
        corpus = load_corpus(path, id_col="id")
    st = corpus.statements
    assert st["statement_id"].tolist() == ["NA", "b", "c", "d"]  # ids are never NA strings
    assert st["party"].tolist() == ["Lab", "", "Con", ""]
    assert st["speaker"].tolist() == ["Ann", "The Speaker", "Cyd", ""]
    assert st["text"].tolist()[2] == "NA"  # only an empty text is missing: kept, with a warning
    assert st["date"].isna().tolist() == [False, False, True, False] and st["year"].isna().sum() == 1
    assert st["chair"].tolist() == ["FALSE", "TRUE", "FALSE", "-99"]
    assert corpus.problems.empty  # a missing date is not a bad date
    messages = [r.getMessage() for r in caplog.records]
    assert any("2 value(s) of column 'party' are NA strings" in m for m in messages)
    assert any("1 text(s) are exactly an NA string (first 'NA' at record 4 (header" in m for m in messages)
    assert st.groupby("party").size().to_dict() == {"": 2, "Con": 1, "Lab": 1}  # no group called "NA"
    streamed = pd.concat([c.statements for c in iter_table_chunks(path, rows=3, id_col="id")], ignore_index=True)
    pd.testing.assert_frame_equal(streamed, st)  # pieces read NA strings exactly as the whole file


def test_na_values_can_be_replaced_or_switched_off(tmp_path):
    path = tmp_path / "na.csv"
    path.write_text(NA_CSV, encoding="utf-8")
    st = load_corpus(path, id_col="id", na_values=["-99", "NA"]).statements
    assert st["party"].tolist() == ["Lab", "", "Con", "N/A"] and st["chair"].tolist() == ["FALSE", "TRUE", "FALSE", ""]
    # without NA strings, record 4's date "NA" is a bad date: skipped
    assert load_corpus(path, id_col="id", na_values=[], on_error="skip").statements["party"].tolist() == [
        "Lab", "NA", "N/A"]
    assert "unparsable date 'NA'" in error(path, id_col="id", na_values=[])
    assert "na_values: expected a list of strings" in error(path, na_values="NA")
    assert "na_values: only table files" in error(DATA / "txt_folder", na_values=["NA"])


def test_na_strings_in_jsonl_become_null_and_streaming_agrees(tmp_path):
    path = jsonl(tmp_path / "na.jsonl", [{"text": "One.", "party": "NA", "n": 1},
                                         {"text": "Two.", "party": "Lab", "n": None},
                                         {"text": "Three.", "party": None, "n": 3}])
    corpus = load_corpus(path)
    assert corpus.statements["party"].isna().tolist() == [True, False, True]
    streamed = pd.concat([c.statements for c in iter_table_chunks(path, rows=1)], ignore_index=True)
    assert streamed["party"].isna().tolist() == [True, False, True]


def test_the_default_na_values_are_pandas_own():
    from io import StringIO

    from textanalytics.corpus.missing import default_na_values

    values = sorted(default_na_values() - {""})
    read = pd.read_csv(StringIO("x\n" + "\n".join(values) + "\n"), dtype=str)
    assert read["x"].isna().all() and len(read) == len(values) >= 17


# ----------------------------------------------------------------- grouping values: NFC, stripped, case variants


def test_metadata_values_are_nfc_and_stripped():
    assert clean_metadata_value("  Cafe\u0301\u00a0") == ("Café", 0)
    assert clean_metadata_value("Lavrov\u200b") == ("Lavrov", 0)
    assert clean_metadata_value("x\x00", normalize=False) == ("x", 1)


def test_every_string_metadata_column_is_normalised(tmp_path):
    path = jsonl(tmp_path / "t.jsonl", [{"text": "a", "party": "Cafe\u0301 ", "region": " North"},
                                        {"text": "b", "party": "Café", "region": "North\u00a0"}])
    st = load_corpus(path).statements
    assert st["party"].tolist() == ["Café", "Café"] and st["region"].tolist() == ["North", "North"]
    assert st.groupby("party").size().to_dict() == {"Café": 2}


def test_case_variants_pure_function():
    assert case_variants(pd.Series(["Lavrov", "lavrov", "Putin", "Labour", "LABOUR", ""])) == [
        ("LABOUR", "Labour"), ("Lavrov", "lavrov")]
    assert case_variants(["a", "b", None, 3]) == []


def test_case_variants_are_warned_listed_and_kept_apart(tmp_path, caplog):
    path = tmp_path / "t.csv"
    path.write_text("id,text,speaker,party\n1,a,Lavrov,Labour\n2,b,lavrov,LABOUR\n3,c,Lavrov,labour\n"
                    "4,d,Putin,Tory\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="textanalytics.corpus"):
        corpus = load_corpus(path, id_col="id")
    st = corpus.statements
    assert st.groupby("speaker").size().to_dict() == {"Lavrov": 2, "Putin": 1, "lavrov": 1}  # not merged
    pr = corpus.problems
    assert pr.values.tolist()[0][2:] == ["speaker", "values differ only in case: 'Lavrov' vs 'lavrov'",
                                         "kept as separate groups"]
    assert pr["problem"].tolist()[1] == "values differ only in case: 'LABOUR' vs 'Labour' vs 'labour'"
    assert pr["field"].tolist() == ["speaker", "party"] or pr["field"].tolist() == ["party", "speaker"]
    assert set(pr["source"]) == {str(path)} and pr["line"].isna().all()
    warnings = [r.getMessage() for r in caplog.records if "differ only in case" in r.getMessage()]
    assert len(warnings) == 2  # one per column
    assert any("'Lavrov' vs 'lavrov'" in w and "'speaker'" in w for w in warnings)
    # the same rows from the joined metadata of a corpus read in pieces
    assert case_variant_problems(st, source=str(path)) == [
        {k: (None if pd.isna(v) else v) for k, v in row.items()} for row in pr.to_dict("records")]


def test_case_variants_of_a_folder_name_the_metadata_file(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    meta = (folder / "metadata.csv").read_text(encoding="utf-8").replace("Red", "BLUE")
    (folder / "metadata.csv").write_text(meta, encoding="utf-8")
    pr = load_corpus(folder).problems
    assert pr[["source", "field", "problem"]].values.tolist() == [
        [str(folder / "metadata.csv"), "party_name", "values differ only in case: 'BLUE' vs 'Blue'"]]
