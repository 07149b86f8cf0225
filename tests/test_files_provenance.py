"""The one atomic writer, the one small-table reader and the hashing module."""

from __future__ import annotations

import hashlib
import os
import stat

import numpy as np
import pandas as pd
import pytest

from textanalytics.errors import InputError
from textanalytics.files import atomic_write, read_csv_records
from textanalytics.provenance import (digest, digest_document, file_digest, fingerprint, input_digests,
                                      package_versions)


# ---------------------------------------------------------------- atomic_write

def test_a_file_is_replaced_only_when_the_block_succeeds(tmp_path):
    target = tmp_path / "table.csv"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as tmp:
            tmp.write_text("half", encoding="utf-8")
            raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]  # no temporary left behind
    with atomic_write(target) as tmp:
        assert tmp.parent == tmp_path and tmp.name.startswith(".table.csv.tmp-")
        tmp.write_text("new", encoding="utf-8")
    assert target.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["table.csv"]


def test_the_temporary_keeps_the_suffix_so_numpy_writes_where_it_is_told(tmp_path):
    target = tmp_path / "fit.npz"
    with atomic_write(target) as tmp:
        np.savez(tmp, a=np.arange(3))  # appends ".npz" unless the name already ends with it
    with np.load(target, allow_pickle=False) as z:
        assert z["a"].tolist() == [0, 1, 2]
    assert [p.name for p in tmp_path.iterdir()] == ["fit.npz"]


def test_permissions_follow_the_umask(tmp_path):
    previous = os.umask(0o027)
    try:
        with atomic_write(tmp_path / "f.txt") as tmp:
            tmp.write_text("x", encoding="utf-8")
        with atomic_write(tmp_path / "d", folder=True) as tmp:
            pass
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "d").stat().st_mode) == 0o750


def test_a_folder_is_swapped_in_whole_or_not_at_all(tmp_path):
    target = tmp_path / "entry"
    target.mkdir()
    (target / "old.txt").write_text("old", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_write(target, folder=True) as tmp:
            (tmp / "new.txt").write_text("new", encoding="utf-8")
            raise RuntimeError("boom")
    assert sorted(p.name for p in target.iterdir()) == ["old.txt"]
    with atomic_write(target, folder=True) as tmp:
        (tmp / "new.txt").write_text("new", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["new.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["entry"]  # the old one moved aside is gone


def test_a_write_once_folder_keeps_the_entry_another_run_finished_first(tmp_path):
    target = tmp_path / "key"

    def complete(folder):
        return (folder / "manifest.json").is_file()

    with atomic_write(target, folder=True, keep=complete) as tmp:
        (tmp / "manifest.json").write_text("ours", encoding="utf-8")
        target.mkdir()  # a concurrent run renames its complete entry into place meanwhile
        (target / "manifest.json").write_text("theirs", encoding="utf-8")
    assert (target / "manifest.json").read_text(encoding="utf-8") == "theirs"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["key"]

    other = tmp_path / "other"
    with pytest.raises(OSError):
        with atomic_write(other, folder=True, keep=complete):
            other.mkdir()  # something that is not a finished entry is never taken for one
            (other / "stray.txt").write_text("?", encoding="utf-8")
    assert sorted(p.name for p in other.iterdir()) == ["stray.txt"]


# ---------------------------------------------------------------- read_csv_records

def test_records_are_numbered_like_lines_and_blank_records_dropped(tmp_path):
    path = tmp_path / "aliases.csv"
    path.write_text(" variant ,canonical,note\nDaesh , isil,\n\n,,\nISIS,isil,\"a, b\"\n", encoding="utf-8")
    frame = read_csv_records(path, required=("variant", "canonical"), strip=True)
    assert frame.columns.tolist() == ["_line", "variant", "canonical", "note"]
    assert frame.to_dict("records") == [
        {"_line": 2, "variant": "Daesh", "canonical": "isil", "note": ""},
        {"_line": 5, "variant": "ISIS", "canonical": "isil", "note": "a, b"}]
    same = read_csv_records(path.name, text=path.read_text(encoding="utf-8"), strip=True)
    pd.testing.assert_frame_equal(same, frame)
    assert read_csv_records(path)["variant"].tolist() == ["Daesh ", "ISIS"]  # values kept as written


@pytest.mark.parametrize("text, message", [
    ("", r"t\.csv: the file is empty; it needs a header row and one record per word"),
    ("word,note\nx,y\n", r"t\.csv: line 1: missing column 'lemma'; expected columns word, lemma, note"),
    ("word,lemma\nx,y,z\n", r"t\.csv: record 2 \(header = record 1\) has 3 fields but the header has 2"),
    ("word,word\nx,y\n", r"t\.csv: the header names column 'word' twice \(columns 1 and 2\)"),
])
def test_bad_tables_name_the_file_and_what_to_do(tmp_path, text, message):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_csv_records(path, required=("word", "lemma"), optional=("note",), empty="a header row and one record per word")


def test_an_undecodable_byte_is_named_by_offset(tmp_path):
    path = tmp_path / "t.csv"
    path.write_bytes(b"word,lemma\ncaf\xe9,cafe\n")
    with pytest.raises(InputError, match=r"t\.csv: byte 14 \(0xe9\) cannot be decoded as utf-8"):
        read_csv_records(path)


# ---------------------------------------------------------------- provenance

def test_digest_of_pieces_is_the_digest_of_their_concatenation():
    assert digest("abc") == hashlib.sha256(b"abc").hexdigest()
    assert digest(iter(["a", b"b", "c"])) == digest("abc") == digest(b"abc")
    assert digest("\udcff") == hashlib.sha256("\udcff".encode("utf-8", "surrogatepass")).hexdigest()
    assert digest_document({"a": 1, "b": [1, 2]}) == digest_document({"b": [1, 2], "a": 1}) \
        == digest('{"a":1,"b":[1,2]}')
    assert digest_document({"a": 1}) != digest_document({"a": 2})


def test_file_digest_follows_the_content(tmp_path):
    path = tmp_path / "corpus.csv"
    path.write_bytes(b"x" * (3 << 20))  # several 1 MiB reads
    assert file_digest(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(b"y")
    assert file_digest(path) == hashlib.sha256(b"y").hexdigest()


def test_input_digests_skip_outputs_their_temporaries_and_links(tmp_path):
    corpus = tmp_path / "corpus"
    (corpus / "raw").mkdir(parents=True)
    (corpus / "metadata.csv").write_text("id\n1\n", encoding="utf-8")
    (corpus / "raw" / "a.txt").write_text("a", encoding="utf-8")
    for folder in ("reports", ".reports.tmp-x1", "cache"):
        (corpus / folder).mkdir()
        (corpus / folder / "f.txt").write_text("out", encoding="utf-8")
    (corpus / "link.txt").symlink_to(corpus / "raw" / "a.txt")
    found = input_digests(corpus, exclude=(corpus / "reports", corpus / "cache", None))
    assert found == {"metadata.csv": hashlib.sha256(b"id\n1\n").hexdigest(),
                     "raw/a.txt": hashlib.sha256(b"a").hexdigest()}
    assert input_digests(corpus / "metadata.csv") == {"metadata.csv": found["metadata.csv"]}


def test_package_versions_name_missing_distributions():
    found = package_versions(["pandas", "no-such-distribution-here"])
    assert found == {"pandas": pd.__version__, "no-such-distribution-here": "not installed"}


def test_fingerprint_follows_content_not_identity():
    a = pd.DataFrame({"x": [1.0, 2.0]})
    assert fingerprint({"t": a, "n": 3}) == fingerprint({"n": 3, "t": a.copy()})
    assert fingerprint({"t": a, "n": 3}) != fingerprint({"t": a.assign(x=[1.0, 2.5]), "n": 3})
    assert fingerprint(np.arange(3)) != fingerprint(np.arange(3).astype(float))
