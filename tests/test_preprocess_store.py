"""Streaming preprocessing (textanalytics.preprocessing.store, corpus.iter_table_chunks / corpus_chunks).

The promise under test: a corpus preprocessed chunk by chunk into a token store
gives exactly the tokens, phrases, aliases and matrices of ``preprocess`` on
the whole corpus, and bad input fails with one line and leaves nothing behind.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import textanalytics as ta
from textanalytics.corpus import corpus_chunks, iter_table_chunks, load_corpus
from textanalytics.errors import InputError
from textanalytics.features import build_dtm
from textanalytics.preprocessing import PreprocessConfig, TokenStore, preprocess, preprocess_chunks
from textanalytics.topics import coherence

ROOT = Path(__file__).resolve().parents[1]
NEWS_SAMPLE = ROOT / "tests" / "data" / "notebooks" / "sample_news.csv"
CONFIG = PreprocessConfig(cache_dir="")


@pytest.fixture(scope="module")
def seeds():
    return load_corpus(ROOT / "seeds")


@pytest.fixture(scope="module")
def whole(seeds):
    return preprocess(seeds, config=CONFIG)


@pytest.fixture(scope="module")
def store(seeds, tmp_path_factory):
    pieces = list(corpus_chunks(seeds, max_chars=20_000))
    assert len(pieces) >= 3  # the test means something only with several chunks
    return preprocess_chunks(iter(pieces), config=CONFIG, out=tmp_path_factory.mktemp("store") / "tokens")


def assert_same_tokens(a, b):
    for name in ("table", "phrases", "units", "aliases"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name), obj=name)


def assert_same_dtm(a, b):
    assert a.vocabulary == b.vocabulary
    assert a.counts.shape == b.counts.shape and (a.counts != b.counts).nnz == 0
    pd.testing.assert_frame_equal(a.units, b.units)


def test_chunked_store_equals_whole_corpus_preprocessing(store, whole, seeds):
    assert len(store.chunks) >= 3 and store.n_tokens == len(whole.table)
    assert store.n_kept == int(whole.table["keep"].sum())
    # The learned phrases need counts over all chunks: equal phrases prove the counts add up.
    assert len(whole.phrases[whole.phrases["source"] == "learned"]) > 10
    assert_same_tokens(store.to_tokens(), whole)
    reopened = TokenStore.open(store.path)
    assert reopened.config == CONFIG and "chunks" in repr(reopened)


@pytest.mark.parametrize("unit", ["paragraph", "statement"])
def test_incremental_dtm_and_streamed_texts_equal_in_memory_ones(store, whole, unit):
    assert_same_dtm(store.dtm(unit=unit), build_dtm(whole, unit=unit))
    assert_same_dtm(store.dtm(unit=unit, min_df=2, max_df=0.5), build_dtm(whole, unit=unit, min_df=2, max_df=0.5))
    units, texts = whole.documents(unit=unit)
    streamed = store.texts(unit=unit)
    assert list(streamed) == texts and list(streamed) == texts  # re-iterable, read from disk each time
    assert pd.concat([u for u, _ in store.documents(unit=unit)], ignore_index=True).equals(units)


def test_coherence_on_streamed_texts_equals_coherence_on_lists(store, whole):
    _, texts = whole.documents(unit="paragraph")
    topics = [["terrorism", "international"], ["russia", "cooperation", "security_council"]]
    a = coherence(topics, texts=texts)
    b = coherence(topics, texts=store.texts(unit="paragraph"))
    for m in a:
        assert np.array_equal(a[m], b[m])
    with pytest.raises(InputError, match="'nonexistentterm' does not occur"):
        coherence([["terrorism", "nonexistentterm"]], texts=store.texts(unit="paragraph"))


def test_table_read_in_pieces_equals_table_read_whole(tmp_path):
    kwargs = dict(id_col="article_id", date_col="publish_date", on_error="skip",
                  derive={"outlet": "url_host:article_source_link"})
    full = load_corpus(NEWS_SAMPLE, **kwargs)
    pieces = list(iter_table_chunks(NEWS_SAMPLE, rows=7, **kwargs))
    assert len(pieces) == 5
    st = pd.concat([p.statements for p in pieces]).sort_values("statement_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(st, full.statements)
    store = preprocess_chunks(iter_table_chunks(NEWS_SAMPLE, rows=7, **kwargs), config=CONFIG, out=tmp_path / "s")
    tokens = preprocess(full, config=CONFIG)
    assert_same_tokens(store.to_tokens(), tokens)
    assert_same_dtm(store.dtm(unit="statement"), build_dtm(tokens, unit="statement"))


def test_gzipped_jsonl_in_pieces_and_ids_without_an_id_column(tmp_path):
    frame = pd.read_csv(NEWS_SAMPLE, dtype=str, keep_default_na=False)
    path = tmp_path / "news.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.write(frame.to_json(orient="records", lines=True))
    pieces = list(iter_table_chunks(path, rows=10, date_col="publish_date", on_error="skip"))
    ids = [s for p in pieces for s in p.statements["statement_id"]]
    empty = frame.index[frame["text"].str.strip() == ""].tolist()
    assert len(empty) == 1  # record positions stay those of the file when a record is skipped
    assert ids == [f"doc{i + 1:07d}" for i in range(len(frame)) if i not in empty]
    problems = pd.concat([p.problems for p in pieces])
    assert problems.loc[problems["action"] == "skipped", "line"].tolist() == [empty[0] + 1]
    assert problems["problem"].str.startswith("irregular date").sum() == 1  # repaired, as load_corpus does


def test_duplicate_id_across_pieces_is_one_line_error_or_skipped(tmp_path):
    frame = pd.read_csv(NEWS_SAMPLE, dtype=str, keep_default_na=False)
    frame = frame[frame["text"].str.strip() != ""].reset_index(drop=True)
    frame.loc[20, "article_id"] = frame.loc[2, "article_id"]
    path = tmp_path / "dup.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as err:
        list(iter_table_chunks(path, rows=10, id_col="article_id", date_col="publish_date"))
    msg = str(err.value)
    assert "\n" not in msg and "record 22" in msg and "'article_id'" in msg and 'on_error="skip"' in msg
    pieces = list(iter_table_chunks(path, rows=10, id_col="article_id", date_col="publish_date", on_error="skip"))
    problems = pd.concat([p.problems for p in pieces])
    assert problems.loc[problems["action"] == "skipped", "line"].tolist() == [22]
    assert sum(len(p.statements) for p in pieces) == len(frame) - 1


def test_pieces_keep_and_skip_exactly_the_records_the_whole_file_does(tmp_path):
    """Duplicates across pieces count ids of skipped records too, as validating the whole file does."""
    frame = pd.read_csv(NEWS_SAMPLE, dtype=str, keep_default_na=False)
    empty = frame.index[frame["text"].str.strip() == ""][0]
    frame.loc[len(frame) - 2, "article_id"] = frame.loc[empty, "article_id"]  # reuses a skipped record's id
    frame.loc[len(frame) - 1, "article_id"] = frame.loc[1, "article_id"]      # reuses a kept record's id
    frame.loc[4, "article_id"] = frame.loc[3, "article_id"]                   # a duplicate within one piece
    path = tmp_path / "dups.csv"
    frame.to_csv(path, index=False)
    opts = dict(id_col="article_id", date_col="publish_date", on_error="skip")
    whole = load_corpus(path, **opts)
    assert len(whole.problems) >= 4
    for rows in (1, 3, 10, 100):
        pieces = list(iter_table_chunks(path, rows=rows, **opts))
        ids = sorted(i for p in pieces for i in p.statements["statement_id"])
        assert ids == sorted(whole.statements["statement_id"]), rows
        problems = pd.concat([p.problems for p in pieces if len(p.problems)], ignore_index=True)
        pd.testing.assert_frame_equal(problems, whole.problems.reset_index(drop=True), obj=f"rows={rows}")


def test_bad_requests_fail_in_one_line_and_leave_nothing(seeds, tmp_path):
    with pytest.raises(InputError, match="punkt_trained"):
        preprocess_chunks(corpus_chunks(seeds), config=PreprocessConfig(sentence_splitter="punkt_trained"),
                          out=tmp_path / "s")
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(InputError, match="no token store manifest"):
        preprocess_chunks(corpus_chunks(seeds), config=CONFIG, out=tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").read_text(encoding="utf-8") == "mine"
    with pytest.raises(InputError, match="no manifest.json"):
        TokenStore.open(tmp_path / "mine")
    pieces = list(corpus_chunks(seeds, max_chars=20_000))
    with pytest.raises(InputError, match="also appears in an earlier chunk"):
        preprocess_chunks([pieces[0], pieces[1], pieces[0]], config=CONFIG, out=tmp_path / "s")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no store, no temporary folder


def test_rebuilding_a_store_replaces_it(seeds, whole, tmp_path):
    with pytest.warns(DeprecationWarning, match=r"preprocess_chunks\(\): passing the config"):  # the old call works
        first = preprocess_chunks(corpus_chunks(seeds, max_chars=40_000), CONFIG, out=tmp_path / "s")
    again = preprocess_chunks(corpus_chunks(seeds, max_chars=1), config=CONFIG, out=tmp_path / "s")
    assert len(again.chunks) == len(seeds.statements) > len(first.chunks)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]
    assert len(list((tmp_path / "s").glob("tokens-*.parquet"))) == len(again.chunks)
    assert_same_tokens(again.to_tokens(), whole)  # one chunk per statement: still the same tokens


def test_top_level_exports():
    assert ta.preprocess_chunks is preprocess_chunks and ta.TokenStore is TokenStore


def test_reading_in_pieces_reports_bad_files_in_one_line(tmp_path, seeds):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,text\n1,caf\xe9 au lait\n")
    with pytest.raises(InputError) as err:
        list(iter_table_chunks(bad, rows=10, id_col="id"))
    assert str(bad) in str(err.value) and "utf-8" in str(err.value) and "\n" not in str(err.value)
    broken = tmp_path / "broken.csv.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="broken.csv.gz"):
        list(iter_table_chunks(broken, rows=10))
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="the file is empty"):
        list(iter_table_chunks(empty, rows=10))
    with pytest.raises(InputError, match="only table files"):
        list(iter_table_chunks(ROOT / "seeds", rows=10))
    with pytest.raises(InputError, match="text column 'body' not found"):
        list(iter_table_chunks(NEWS_SAMPLE, rows=10, text_col="body"))


def _small_table(tmp_path, texts):
    path = tmp_path / "small.csv"
    pd.DataFrame({"id": [f"s{i:02d}" for i in range(len(texts))], "text": texts}).to_csv(path, index=False)
    return path


SMALL = [
    "Counter-terrorism cooperation grew. International terrorism threatens peace and security.",
    "!!! ... ???",                                                       # tokens, none kept
    "The Security Council adopted resolution 2178 (2014) on foreign terrorist fighters.",
    "International terrorism threatens peace. Counter-terrorism cooperation must grow.",
    "ISIL fighters; ISIS fighters; Daesh fighters. International terrorism threatens everyone.",
    "International terrorism threatens peace, said the Minister of Foreign Affairs.",
]


@pytest.mark.parametrize("config", [
    PreprocessConfig(cache_dir="", phrase_min_count=2, phrase_threshold=0.1),
    PreprocessConfig(cache_dir="", phrase_min_count=2, phrase_threshold=0.1, phrase_passes=1, lowercase=False),
    PreprocessConfig(cache_dir="", phrase_min_count=2, phrase_threshold=0.1, n_jobs=2, lemmatize=False),
], ids=["default", "cased_one_pass", "no_lemmas_two_jobs"])
def test_one_record_per_piece_still_equals_the_whole(tmp_path, config):
    path = _small_table(tmp_path, SMALL)
    whole = preprocess(load_corpus(path, id_col="id"), config=config)
    assert len(whole.phrases[whole.phrases["source"] == "learned"])  # phrases are learned across pieces
    store = preprocess_chunks(iter_table_chunks(path, rows=1, id_col="id"), config=config, out=tmp_path / "s")
    assert len(store.chunks) == len(SMALL)
    assert_same_tokens(store.to_tokens(), whole)
    assert_same_dtm(store.dtm(unit="paragraph"), build_dtm(whole, unit="paragraph"))


def test_empty_input_and_all_skipped_pieces(tmp_path):
    with pytest.raises(InputError, match="no paragraphs"):
        preprocess_chunks(iter([]), config=CONFIG, out=tmp_path / "s")
    assert not (tmp_path / "s").exists()
    path = _small_table(tmp_path, SMALL[:3] + ["", " ", ""])
    pieces = list(iter_table_chunks(path, rows=3, id_col="id", on_error="skip"))
    # The last three records are all skipped: a piece without statements still reports them.
    assert [len(p.statements) for p in pieces] == [3, 0]
    assert pieces[1].problems["line"].tolist() == [5, 6, 7]
    store = preprocess_chunks(iter(pieces), config=CONFIG, out=tmp_path / "s")
    assert len(store.chunks) == 1
    only_empty = _small_table(tmp_path, ["", " "])
    with pytest.raises(InputError, match="no statement left after skipping 2"):
        list(iter_table_chunks(only_empty, rows=1, id_col="id", on_error="skip"))


def test_store_open_rejects_tampered_manifests(store, tmp_path):
    import json
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(store.path, copy)
    manifest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    manifest["chunks"][0] = "../../etc"
    (copy / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    with pytest.raises(InputError, match="five digits"):
        TokenStore.open(copy)
    shutil.rmtree(copy)
    shutil.copytree(store.path, copy)
    next(copy.glob("tokens-*.parquet")).unlink()
    # reading a missing chunk fails with one line, not a traceback (units exist, tokens do not)
    opened = TokenStore.open(copy)
    with pytest.raises(InputError, match="damaged token store, chunk"):
        opened.to_tokens()
    (copy / "manifest.json").write_text('{"format": "something-else"}', encoding="utf-8")
    with pytest.raises(InputError, match="not a token store"):
        TokenStore.open(copy)
    with pytest.raises(InputError, match="is not a token store's"):
        preprocess_chunks(corpus_chunks(load_corpus(ROOT / "seeds")), config=CONFIG, out=copy)
    assert (copy / "manifest.json").is_file()  # refused, not deleted


def test_an_old_store_can_be_rebuilt_in_place(seeds, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "manifest.json").write_text('{"format": "textanalytics-token-store/0"}', encoding="utf-8")
    with pytest.raises(InputError, match="rebuild"):
        TokenStore.open(tmp_path / "s")
    store = preprocess_chunks(corpus_chunks(seeds), config=CONFIG, out=tmp_path / "s")
    assert TokenStore.open(tmp_path / "s").n_tokens == store.n_tokens > 0


def test_a_folder_with_a_damaged_manifest_or_other_files_is_never_replaced(seeds, tmp_path):
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "manifest.json").write_text('{"format": "textanal', encoding="utf-8")
    with pytest.raises(InputError, match="does not parse"):
        preprocess_chunks(corpus_chunks(seeds), config=CONFIG, out=tmp_path / "s")
    assert (tmp_path / "s" / "manifest.json").read_text(encoding="utf-8") == '{"format": "textanal'
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "manifest.json").write_text('{"format": "textanalytics-token-store/1"}', encoding="utf-8")
    (tmp_path / "t" / "thesis.docx").write_bytes(b"PK")
    with pytest.raises(InputError, match="thesis.docx"):
        preprocess_chunks(corpus_chunks(seeds), config=CONFIG, out=tmp_path / "t")
    assert (tmp_path / "t" / "thesis.docx").read_bytes() == b"PK"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s", "t"]  # no temporary folder left
