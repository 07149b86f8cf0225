"""Tests for loading: table formats, .txt folders, options, validation errors, news_articles."""

from __future__ import annotations

import gzip
import json
import logging
import shutil
from pathlib import Path

import pandas as pd
import pytest

from textanalytics.corpus import Corpus, CorpusConfig, load_corpus, load_corpus_from_config
from textanalytics.corpus.assemble import STATEMENT_COLUMNS
from textanalytics.errors import InputError

DATA = Path(__file__).parent / "data" / "corpus"
NEWS = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "news_articles.csv.gz"
COMMONS_TOML = Path(__file__).resolve().parents[1] / "docs" / "examples" / "commons.toml"
TABLE_OPTS = dict(id_col="doc_id", date_col="published")


def write_csv(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def gz_copy(src: Path, dst: Path) -> Path:
    dst.write_bytes(gzip.compress(src.read_bytes()))
    return dst


# ----------------------------------------------------------------- every table format


@pytest.fixture(params=["table.csv", "table.csv.gz", "table.tsv", "table.tsv.gz", "table.jsonl",
                        "table.jsonl.gz", "table.json", "table.json.gz", "table.parquet"])
def table_path(request, tmp_path) -> Path:
    name = request.param
    if name.endswith(".gz"):
        return gz_copy(DATA / name[:-3], tmp_path / name)
    return DATA / name


def test_every_table_format_loads_the_same_statements(table_path):
    corpus = load_corpus(table_path, **TABLE_OPTS,
                         derive={"outlet": "url_host:outlet_url", "month": "month:published"})
    st = corpus.statements
    assert list(st.columns[:len(STATEMENT_COLUMNS)]) == STATEMENT_COLUMNS
    assert st["statement_id"].tolist() == ["n1", "n2", "n3"]
    assert [str(d.date()) for d in st["date"]] == ["2017-02-07", "2016-12-30", "2017-03-01"]
    assert st["year"].tolist() == [2017, 2016, 2017]
    assert str(st["date"].dtype) == "datetime64[ns]" and str(st["year"].dtype) == "Int64"
    assert st["speaker"].tolist() == ["Ann", "Bob", "Ann"]
    assert st["title"].tolist() == ["First", "Second", "Third"]
    assert st["organisation"].tolist() == ["", "", ""]
    assert st["outlet"].tolist() == ["example.com", "news.example.org", "tass.com"]
    assert st["month"].tolist() == ["2017-02", "2016-12", "2017-03"]
    assert "extra_col" in st.columns and "outlet_url" in st.columns  # other columns kept, snake_case
    assert st["n_words"].tolist() == [7, 5, 4]
    para = corpus.paragraphs
    assert para.loc[para["statement_id"] == "n1", "text"].tolist() == ["Alpha text about policy.",
                                                                       "A second paragraph."]
    assert para.loc[para["statement_id"] == "n3", "text"].tolist() == ["Gamma text.", "Line two."]
    assert list(para.columns) == ["statement_id", "paragraph", "text", "n_words"]


def test_irregular_date_is_parsed_and_reported(tmp_path):
    corpus = load_corpus(DATA / "table.csv", **TABLE_OPTS)
    (row,) = corpus.problems.itertuples(index=False)
    assert row.line == 3 and row.field == "published"
    assert "parsed as 2016-12-30" in row.action and "time of day 7:11" in row.action


def test_defaults_may_be_absent_but_explicit_columns_must_exist(tmp_path):
    path = write_csv(tmp_path / "t.csv", [{"text": "Only text here."}, {"text": "And here."}])
    corpus = load_corpus(path)
    st = corpus.statements
    assert st["statement_id"].tolist() == ["doc0001", "doc0002"]  # ids from record positions
    assert st["date"].isna().all() and st["year"].isna().all()
    assert st["speaker"].tolist() == ["", ""]
    with pytest.raises(InputError, match=r"t\.csv: date column 'when' not found; columns are: text"):
        load_corpus(path, date_col="when")
    with pytest.raises(InputError, match=r"speaker column 'who' not found"):
        load_corpus(path, speaker_col="who")
    with pytest.raises(InputError, match=r"id column 'id' not found"):
        load_corpus(path, id_col="id")


def test_missing_text_column_is_an_error(tmp_path):
    path = write_csv(tmp_path / "t.csv", [{"body": "x"}])
    with pytest.raises(InputError, match=r"t\.csv: text column 'text' not found; columns are: body"):
        load_corpus(path)


def test_statement_id_column_is_used_when_present(tmp_path):
    path = write_csv(tmp_path / "t.csv", [{"statement_id": "b", "text": "x"}, {"statement_id": "a", "text": "y"}])
    assert load_corpus(path).statements["statement_id"].tolist() == ["a", "b"]  # sorted


def test_column_name_collision_is_an_error(tmp_path):
    path = write_csv(tmp_path / "t.csv", [{"text": "x", "published": "2017-01-01", "date": "2017-01-02"}])
    with pytest.raises(InputError, match=r"column 'date' would become 'date'"):
        load_corpus(path, date_col="published")


def test_year_column_is_checked_against_the_date(tmp_path):
    ok = write_csv(tmp_path / "ok.csv", [{"text": "x", "date": "2017-05-01", "year": "2017"},
                                         {"text": "y", "date": "", "year": "2016"}])
    assert load_corpus(ok).statements["year"].tolist() == [2017, 2016]
    bad = write_csv(tmp_path / "bad.csv", [{"text": "x", "date": "2017-05-01", "year": "2018"}])
    with pytest.raises(InputError, match=r"bad\.csv: year 2018 differs from the date's year 2017 in column "
                                         r"'year' at record 2 \(header = record 1\)"):
        load_corpus(bad)
    skipped = load_corpus(write_csv(tmp_path / "two.csv", [
        {"text": "x", "date": "2017-05-01", "year": "2018"}, {"text": "y", "date": "2017-05-01", "year": "2017"}]),
        on_error="skip")
    assert len(skipped) == 1 and skipped.problems["field"].tolist() == ["year"]
    with pytest.raises(InputError, match=r"unparsable year 'MMXVII'"):
        load_corpus(write_csv(tmp_path / "roman.csv", [{"text": "x", "year": "MMXVII"}]))


def test_unparsable_date_names_file_record_and_value(tmp_path):
    path = write_csv(tmp_path / "d.csv", [{"text": "x", "date": "2017-01-01"}, {"text": "y", "date": "07/11/2018"}])
    with pytest.raises(InputError, match=r"d\.csv: unparsable date '07/11/2018' in column 'date' at record 3 "
                                         r"\(header = record 1\); write dates as YYYY-MM-DD"):
        load_corpus(path)
    assert len(load_corpus(path, on_error="skip")) == 1


def test_duplicate_and_empty_ids(tmp_path):
    path = write_csv(tmp_path / "ids.csv", [{"id": "a", "text": "x"}, {"id": "a", "text": "y"},
                                            {"id": "", "text": "z"}])
    with pytest.raises(InputError, match=r"ids\.csv: empty id in column 'id' at record 4"):
        load_corpus(path, id_col="id")
    path2 = write_csv(tmp_path / "dup.csv", [{"id": "a", "text": "x"}, {"id": "a", "text": "y"}])
    with pytest.raises(InputError, match=r"dup\.csv: duplicate id 'a' \(first at record 2\) in column 'id' "
                                         r"at record 3"):
        load_corpus(path2, id_col="id")
    skipped = load_corpus(path, id_col="id", on_error="skip")
    assert skipped.statements["text"].tolist() == ["x"]
    assert sorted(skipped.problems["line"].tolist()) == [3, 4]


def test_empty_texts_raise_with_count_or_are_skipped(tmp_path, caplog):
    rows = [{"text": t} for t in ["a", "", "b", "  ", "\u200b"]]
    path = write_csv(tmp_path / "e.csv", rows)
    with pytest.raises(InputError) as info:
        load_corpus(path)
    msg = str(info.value)
    assert "e.csv: 3 records with empty text in column 'text' at records 3, 5, 6" in msg
    assert 'on_error="skip"' in msg and "\n" not in msg
    with caplog.at_level(logging.WARNING, logger="textanalytics.corpus"):
        corpus = load_corpus(path, on_error="skip")
    assert len(corpus) == 2
    assert corpus.problems["line"].tolist() == [3, 5, 6]
    assert set(corpus.problems["action"]) == {"skipped"}
    assert "skipped 3 record(s) with empty text" in caplog.text


def test_skipping_every_record_is_an_error(tmp_path):
    path = write_csv(tmp_path / "none.csv", [{"text": ""}, {"text": " "}])
    with pytest.raises(InputError, match=r"none\.csv: no statement left after skipping 2 bad record\(s\); "
                                         r"the first is record 2: empty text in 'text'"):
        load_corpus(path, on_error="skip")


def test_on_error_must_be_raise_or_skip():
    with pytest.raises(InputError, match="on_error: 'ignore' is not one of"):
        load_corpus(DATA / "table.csv", on_error="ignore")


# ----------------------------------------------------------------- derive


def test_derive_kinds_and_errors():
    corpus = load_corpus(DATA / "table.csv", **TABLE_OPTS, derive={"y": "year:date", "host": "url_host:outlet_url"})
    assert corpus.statements["y"].tolist() == [2017, 2016, 2017]
    with pytest.raises(InputError, match="derive.x: unknown kind 'week'"):
        load_corpus(DATA / "table.csv", derive={"x": "week:date"})
    with pytest.raises(InputError, match="derive.x: no column 'nope' to derive from"):
        load_corpus(DATA / "table.csv", **TABLE_OPTS, derive={"x": "month:nope"})
    with pytest.raises(InputError, match="derive.speaker: a column 'speaker' already exists"):
        load_corpus(DATA / "table.csv", **TABLE_OPTS, derive={"speaker": "month:date"})
    with pytest.raises(InputError, match="is not 'kind:column'"):
        load_corpus(DATA / "table.csv", derive={"x": "month"})


def test_derive_decade_quarter_and_periods(tmp_path, caplog):
    path = write_csv(tmp_path / "p.csv", [
        {"text": "a", "date": "1988-12-31"}, {"text": "b", "date": "1990-11-28"}, {"text": "c", "date": "1997-05-01"},
        {"text": "d", "date": "1997-05-02"}, {"text": "e", "date": ""}, {"text": "f", "date": "2019-07-24"}])
    derive = {"decade": "decade:date", "quarter": "quarter:date", "span": "periods:date:1989-1996,1997-2009",
              "government": "periods:date:1990–1997 Major=1990-11-28..1997-05-01,"
                            "1997–2007 Blair=1997-05-02..2007-06-27, 2010-2019"}
    with caplog.at_level(logging.WARNING, logger="textanalytics.corpus"):
        st = load_corpus(path, derive=derive).statements
    assert st["decade"].tolist() == ["1980s", "1990s", "1990s", "1990s", "", "2010s"]
    assert st["quarter"].tolist() == ["1988-Q4", "1990-Q4", "1997-Q2", "1997-Q2", "", "2019-Q3"]
    assert st["span"].tolist() == ["", "1989–1996", "1997–2009", "1997–2009", "", ""]
    assert st["government"].tolist() == ["", "1990–1997 Major", "1990–1997 Major", "1997–2007 Blair", "", "2010–2019"]
    messages = [r.getMessage() for r in caplog.records]
    assert "derive.span: 2 statement(s) dated outside every period (and 1 without a date) have no span; they form " \
           "no group" in messages


@pytest.mark.parametrize("spec, problem", [
    ("periods:date", "lists no periods; e.g. 'periods:date:1989-1996,1997-2009'"),
    ("periods:date:1989-1997,1997-2009", "periods 1989–1997 and 1997–2009 overlap (both hold 1997-01-01)"),
    ("periods:date:1997-19", "period '1997-19' is not a range; write START-END in years"),
    ("periods:date:1996-1989", "period '1996-1989' ends before it starts"),
    ("periods:date:1989-1996,,1997-2000", "an empty period in the list"),
    ("periods:date:2017-13..2018", "period '2017-13..2018' has an end that is not a year, month or day"),
    ("periods:date:=1989-1996", "has an empty or doubled name"),
    ("periods:date:A=1989-1990,A=1991-1992", "two periods are labelled 'A'"),
])
def test_bad_periods_are_one_line_errors_naming_the_key(spec, problem):
    with pytest.raises(InputError) as info:
        load_corpus(DATA / "table.csv", derive={"era": spec})
    assert str(info.value).startswith("derive.era: ") and problem in str(info.value) and "\n" not in str(info.value)


# ----------------------------------------------------------------- bad files and paths


def test_undecodable_bytes_name_file_and_offset(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"text\nfine\ncaf\xe9\n")
    with pytest.raises(InputError, match=r"bad\.csv: byte 13 \(0xe9\) cannot be decoded as utf-8"):
        load_corpus(path)
    assert load_corpus(path, encoding="latin-1").statements["text"].tolist() == ["fine", "café"]
    gz = tmp_path / "bad.csv.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    with pytest.raises(InputError, match=r"byte 13 of the decompressed data"):
        load_corpus(gz)
    jl = tmp_path / "bad.jsonl"
    jl.write_bytes(b'{"text": "ok"}\n{"text": "\xff"}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl: byte 25 \(0xff\)"):
        load_corpus(jl)


def test_byte_offset_is_exact_across_decoding_chunks():
    from textanalytics.files import check_decodable

    data = "é".encode() * 10 + b"\xff"
    for chunk in (1, 2, 3, 7):
        with pytest.raises(InputError, match=r"x\.csv: byte 20 \(0xff\)"):
            check_decodable(data, path="x.csv", chunk=chunk)
    with pytest.raises(InputError, match=r"byte 2 \(0xc3\)"):  # truncated sequence at the end
        check_decodable(b"ab\xc3", path="x.csv", chunk=2)


def test_long_fields_and_embedded_newlines(tmp_path):
    long_text = ("word " * 60000).strip() + "\n\nLast, \"quoted\" paragraph."
    path = write_csv(tmp_path / "long.csv", [{"text": long_text}])
    corpus = load_corpus(path)
    assert corpus.statements["n_words"].iat[0] == 60003
    assert corpus.paragraphs["text"].iat[-1] == 'Last, "quoted" paragraph.'


def test_invalid_jsonl_and_gzip(tmp_path):
    jl = tmp_path / "t.jsonl"
    jl.write_text('{"text": "ok"}\n\n{"text": broken}\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.jsonl: line 3: invalid JSON"):
        load_corpus(jl)
    jl.write_text('["not", "an", "object"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: expected a JSON object"):
        load_corpus(jl)
    gz = tmp_path / "t.csv.gz"
    gz.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match=r"t\.csv\.gz: not a valid gzip file"):
        load_corpus(gz)
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.csv: the file is empty"):
        load_corpus(empty)
    header_only = tmp_path / "header.csv"
    header_only.write_text("text\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header\.csv: the table has no records"):
        load_corpus(header_only)
    pq = tmp_path / "t.parquet"
    pq.write_bytes(b"PAR1 nope")
    with pytest.raises(InputError, match=r"t\.parquet: not a readable Parquet file"):
        load_corpus(pq)


def test_non_corpus_paths(tmp_path):
    with pytest.raises(InputError, match=r"missing: no such file or folder; pass a seeds folder"):
        load_corpus(tmp_path / "missing")
    docx = tmp_path / "paper.docx"
    docx.write_bytes(b"PK\x03\x04")
    with pytest.raises(InputError, match=r"paper\.docx: not a corpus file \(\.docx\)"):
        load_corpus(docx)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match=r"empty: not a corpus folder \(nothing recognisable in it\)"):
        load_corpus(empty)
    (empty / "a.txt").write_text("x", encoding="utf-8")
    with pytest.raises(InputError, match=r"\.txt files but no metadata\.csv"):
        load_corpus(empty)
    (tmp_path / "s" / "raw").mkdir(parents=True)
    with pytest.raises(InputError, match=r"has raw/ but no metadata\.csv"):
        load_corpus(tmp_path / "s")
    with pytest.raises(InputError, match=r"metadata: only folders take a separate metadata file"):
        load_corpus(DATA / "table.csv", metadata="m.csv")


def test_errors_are_single_lines(tmp_path):
    for call in (lambda: load_corpus(tmp_path / "missing"),
                 lambda: load_corpus(DATA / "table.csv", date_col="nope")):
        with pytest.raises(InputError) as info:
            call()
        assert "\n" not in str(info.value)


# ----------------------------------------------------------------- folder of .txt files


def test_txt_folder_loads_with_metadata():
    corpus = load_corpus(DATA / "txt_folder")
    st = corpus.statements
    assert st["statement_id"].tolist() == ["alpha", "beta"]  # ids from file names
    assert st["speaker"].tolist() == ["A. Speaker", "B. Speaker"]
    assert st["party_name"].tolist() == ["Blue", "Red"]
    assert st["source_file"].tolist() == ["alpha.txt", "beta.txt"]
    assert corpus.paragraphs["text"].tolist() == ["First paragraph of alpha.", "Second paragraph, wrapped over two lines.",
                                                  "Beta has one line per paragraph.", "And a second line."]
    assert corpus.cleaning.empty


def test_txt_folder_file_checks(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    (folder / "gamma.txt").write_text("no record", encoding="utf-8")
    with pytest.raises(InputError, match=r"gamma\.txt: no record in .*metadata\.csv; add one"):
        load_corpus(folder)
    (folder / "gamma.txt").unlink()
    (folder / "beta.txt").unlink()
    with pytest.raises(InputError, match=r"metadata\.csv: line 3: source_file 'beta\.txt' is not in"):
        load_corpus(folder)
    (folder / "beta.txt").write_bytes(b"ok\n\x81 bad")
    with pytest.raises(InputError, match=r"beta\.txt: byte 3 \(0x81\) cannot be decoded"):
        load_corpus(folder)
    (folder / "beta.txt").write_text("   \n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty text after cleaning in 'beta\.txt'.* at line 3"):
        load_corpus(folder)
    assert load_corpus(folder, on_error="skip").statements["statement_id"].tolist() == ["alpha"]


def test_txt_folder_alternative_metadata_file(tmp_path):
    folder = tmp_path / "f"
    shutil.copytree(DATA / "txt_folder", folder)
    (folder / "meta2.csv").write_text("file,id,when\nalpha.txt,A1,2020-01-01\nbeta.txt,B1,2020-01-02\n",
                                      encoding="utf-8")
    corpus = load_corpus(folder, metadata="meta2.csv", date_col="when")
    assert corpus.statements["statement_id"].tolist() == ["A1", "B1"]
    assert corpus.statements["year"].tolist() == [2020, 2020]


# ----------------------------------------------------------------- config


def test_load_corpus_from_config_resolves_relative_paths():
    cfg = CorpusConfig(path="corpus/table.csv", id_col="doc_id", date_col="published",
                       derive={"month": "month:date"})
    corpus = load_corpus_from_config(cfg, base_dir=DATA.parent)
    assert isinstance(corpus, Corpus) and corpus.statements["month"].tolist() == ["2017-02", "2016-12", "2017-03"]
    auto = load_corpus_from_config(CorpusConfig(path=str(DATA / "table.csv"), date_col="published"))
    assert auto.statements["statement_id"].tolist() == ["doc0001", "doc0002", "doc0003"]


def test_corpus_config_has_loader_options():
    cfg = CorpusConfig(path="x.csv", on_error="skip", encoding="latin-1", metadata="",
                       derive={"outlet": "url_host:link"})
    assert cfg.on_error == "skip" and dict(cfg.derive) == {"outlet": "url_host:link"}


# ----------------------------------------------------------------- news_articles acceptance

needs_news = pytest.mark.skipif(not NEWS.is_file(), reason=f"benchmark corpus not available at {NEWS}")


@pytest.fixture(scope="module")
def news() -> Corpus:
    # Loading time is measured by benchmarks/run_all.py, never asserted here.
    return load_corpus(NEWS, id_col="article_id", date_col="publish_date", on_error="skip",
                       derive={"outlet": "url_host:article_source_link", "month": "month:date"})


@needs_news
def test_news_articles_load_with_skip(news):
    corpus = news
    assert len(corpus) == 3788
    empty = corpus.problems[corpus.problems["problem"] == "empty text"]
    assert len(empty) == 36 and set(empty["action"]) == {"skipped"}
    assert empty["line"].tolist()[:3] == [23, 105, 230]  # CSV record numbers, header = record 1
    (irregular,) = corpus.problems[corpus.problems["field"] == "publish_date"].itertuples(index=False)
    assert irregular.line == 523 and "parsed as 2016-12-30" in irregular.action
    st = corpus.statements
    assert st["date"].notna().all()
    assert st.loc[st["statement_id"] == "522", "date"].iat[0] == pd.Timestamp("2016-12-30")
    assert st["outlet"].nunique() == 9 and "tass.com" in set(st["outlet"])
    assert set(st["month"]) >= {"2016-12", "2017-01", "2017-02", "2017-03"}
    assert st["statement_id"].is_unique and (st["n_words"] > 0).all()


@needs_news
def test_news_articles_raise_names_count_and_records():
    with pytest.raises(InputError) as info:
        load_corpus(NEWS, id_col="article_id", date_col="publish_date")
    msg = str(info.value)
    assert "36 records with empty text in column 'text' at records 23, 105, 230, 328, 578" in msg
    assert 'pass on_error="skip"' in msg


# ----------------------------------------------------------------- commons_speeches acceptance (docs/examples)


def test_commons_example_config_loads_a_clean_corpus(tmp_path):
    import re

    from textanalytics.config import load_config
    from textanalytics.preprocessing import preprocess

    cfg = load_config(COMMONS_TOML)
    corpus = load_corpus_from_config(cfg.corpus, base_dir=COMMONS_TOML.parent)
    st = corpus.statements
    assert len(st) == 1000 and corpus.problems["action"].str.startswith("skipped").sum() == 0
    assert "NA" not in set(st["party"]) and (st["party"] == "").sum() == 55  # the Chair is no party
    assert st["government"].value_counts().to_dict() == {
        "1997–2007 Blair": 286, "2010–2016 Cameron": 235, "1990–1997 Major": 188, "2016–2019 May": 135,
        "2007–2010 Brown": 83, "1989–1990 Thatcher": 66, "2019 Johnson": 7}
    assert st["decade"].value_counts().to_dict() == {"2010s": 385, "2000s": 298, "1990s": 284, "1980s": 33}
    rules = corpus.cleaning.groupby("rule")["statement_id"].nunique().to_dict()
    assert rules == {"mojibake": 151}  # the C1 bytes of the mojibake are repaired, not removed as controls
    assert not st["text"].str.contains("Â£|â€|Ã©").any() and st["text"].str.contains("£").sum() == 90
    table = preprocess(corpus, cache_dir=tmp_path).table  # a cache of its own, not the working folder's
    terms = set(table.loc[table["keep"], "term"])
    assert [t for t in terms if re.search("[ÂâÃ€œ]", t)] == []  # 198 such term types before the repair
