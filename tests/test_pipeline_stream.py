"""The streamed report path (``[corpus] stream_rows``) gives the in-memory run's tables."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import pytest

import textanalytics as ta
from textanalytics.config import AnalysisConfig
from textanalytics.errors import InputError
from textanalytics.pipeline import run_analysis
from textanalytics.report import content

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "tests" / "data" / "notebooks" / "sample_news.csv"


@pytest.fixture(scope="module")
def seeds_table(tmp_path_factory) -> Path:
    """The eight seed statements as a CSV table (paragraphs joined by blank lines): long, many paragraphs."""
    corpus = ta.load_corpus(ROOT / "seeds")
    path = tmp_path_factory.mktemp("table") / "seeds.csv"
    corpus.statements[["statement_id", "date", "speaker", "organisation", "genre", "title", "text"]].to_csv(
        path, index=False)
    return path


def _config(path: Path, cache: Path, *, rows: int, unit: str, group_by: tuple[str, ...],
            **corpus: object) -> AnalysisConfig:
    cfg = AnalysisConfig()
    return cfg.replace(
        corpus=dataclasses.replace(cfg.corpus, path=str(path), stream_rows=rows, **corpus),
        preprocess=dataclasses.replace(cfg.preprocess, cache_dir=str(cache), unit=unit, phrase_min_count=3,
                                       curated_phrases=("international law",)),
        vocabulary=dataclasses.replace(cfg.vocabulary, min_df=2, max_df=0.9),
        compare=dataclasses.replace(cfg.compare, group_by=group_by),
        topics=dataclasses.replace(cfg.topics, k_grid=(2, 3), n_seeds=2, n_bootstrap=20, n_permutations=50,
                                   n_jobs=1),
    )


def _assert_same_results(a, b) -> None:
    assert list(a.tables) == list(b.tables)
    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], check_exact=True, obj=name)
    pd.testing.assert_frame_equal(a.kwic, b.kwic, check_exact=True, obj="kwic")
    figures_a, figures_b = content.figure_specs(a), content.figure_specs(b)
    assert list(figures_a) == list(figures_b)
    # The same tables behind every figure (the overview draws from the corpus, text-free when streamed).
    assert [n for n in figures_a if n != "corpus_overview" and figures_a[n].key() != figures_b[n].key()] == []
    assert a.skipped == b.skipped and a.topic_k == b.topic_k and a.groupings == b.groupings
    assert content.method_notes(a) == content.method_notes(b) and content.subtitle(a) == content.subtitle(b)
    assert content.sections(a, figures=figures_a) == content.sections(b, figures=figures_b)
    assert (a.full_dtm.counts != b.full_dtm.counts).nnz == 0 and a.full_dtm.vocabulary == b.full_dtm.vocabulary


def test_streamed_run_equals_in_memory_run_on_long_paragraph_texts(seeds_table, tmp_path):
    kw = dict(unit="paragraph", group_by=("year", "speaker", "organisation"), id_col="statement_id")
    memory = run_analysis(_config(seeds_table, tmp_path / "c1", rows=0, **kw))
    streamed = run_analysis(_config(seeds_table, tmp_path / "c2", rows=3, **kw))  # pieces of 3, 3 and 2
    assert memory.tokens.__class__.__name__ == "Tokens"
    assert streamed.tokens.__class__.__name__ == "TokenStore" and len(streamed.tokens.chunks) == 3
    assert not streamed.corpus.has_text and memory.corpus.has_text
    assert len(memory.kwic) > 0 and memory.tables["representative_passages"]["text"].notna().all()
    _assert_same_results(memory, streamed)


def test_streamed_run_equals_in_memory_run_on_a_table_with_skipped_records(tmp_path, caplog):
    kw = dict(unit="statement", group_by=("outlet",), id_col="article_id", date_col="publish_date",
              on_error="skip", derive={"outlet": "url_host:article_source_link"})
    memory = run_analysis(_config(SAMPLE, tmp_path / "c1", rows=0, **kw))
    caplog.clear()
    streamed = run_analysis(_config(SAMPLE, tmp_path / "c2", rows=4, **kw))
    skipped = [r.getMessage() for r in caplog.records if "skipped" in r.getMessage() and "record" in r.getMessage()]
    assert len(skipped) == 1  # said once, in the first pass; the second pass (KWIC, passages) is quiet
    assert len(streamed.tokens.chunks) == 8
    problems = streamed.corpus.problems
    assert list(problems["problem"]) == list(memory.corpus.problems["problem"]) and len(problems) >= 1
    _assert_same_results(memory, streamed)


def test_worker_processes_change_nothing_in_memory_or_streamed(seeds_table, tmp_path, monkeypatch):
    """Tokenising in two processes and fitting the K x seed grid in two processes give the same tables."""
    from textanalytics.preprocessing import tokenizing

    monkeypatch.setattr(tokenizing, "CHUNK_CHARS", 5_000)  # several tokenising chunks, so both workers get some
    kw = dict(unit="paragraph", group_by=("year", "speaker"), id_col="statement_id")
    one = _config(seeds_table, tmp_path / "c1", rows=0, **kw)
    two = one.replace(preprocess=dataclasses.replace(one.preprocess, n_jobs=2, cache_dir=str(tmp_path / "c2")),
                      topics=dataclasses.replace(one.topics, n_jobs=2))
    single = run_analysis(one)
    _assert_same_results(single, run_analysis(two))
    streamed = two.replace(corpus=dataclasses.replace(two.corpus, stream_rows=3),
                           preprocess=dataclasses.replace(two.preprocess, cache_dir=str(tmp_path / "c3")))
    _assert_same_results(single, run_analysis(streamed))


def test_one_record_pieces_a_trailing_skipped_record_and_the_kwic_cut(tmp_path):
    """Pieces of one record (some holding only a skipped record, the last one too) and a KWIC cap that bites."""
    frame = pd.read_csv(SAMPLE, dtype=str, keep_default_na=False)
    empty = frame["text"].str.strip() == ""
    frame = pd.concat([frame[~empty], frame[empty]], ignore_index=True)  # the empty record last
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    kw = dict(unit="statement", group_by=("outlet",), id_col="article_id", date_col="publish_date",
              on_error="skip", derive={"outlet": "url_host:article_source_link"})
    configs = [_config(path, tmp_path / f"c{rows}", rows=rows, **kw) for rows in (0, 1)]
    configs = [c.replace(report=dataclasses.replace(c.report, kwic_max_hits=3)) for c in configs]
    memory, streamed = (run_analysis(c) for c in configs)
    assert memory.kwic.groupby("query").size().max() == 3  # the cap cuts some query
    assert streamed.tokens.chunks and len(streamed.tokens.chunks) == len(frame) - 1
    lines = memory.corpus.problems["line"].tolist()
    assert lines[-1] == len(frame) + 1 and streamed.corpus.problems["line"].tolist() == lines  # header = record 1
    _assert_same_results(memory, streamed)


def test_a_file_that_changes_between_the_two_passes_is_an_error(seeds_table, tmp_path, monkeypatch):
    import textanalytics.inputs as pipeline

    cfg = _config(seeds_table, tmp_path / "c", rows=3, unit="paragraph", group_by=("year",), id_col="statement_id")
    cfg = cfg.replace(topics=dataclasses.replace(cfg.topics, k=2, k_grid=(2,)))
    real = pipeline._second_pass

    def edited(c):
        for piece in real(c):
            st = piece.statements.assign(n_words=piece.statements["n_words"] + 1)
            yield dataclasses.replace(piece, statements=st)

    monkeypatch.setattr(pipeline, "_second_pass", edited)
    with pytest.raises(InputError, match="changed during the run"):
        run_analysis(cfg)


def test_store_key_follows_the_corpus_options(seeds_table, tmp_path):
    cfg = _config(seeds_table, tmp_path / "c", rows=4, unit="paragraph", group_by=("year",), id_col="statement_id")
    cfg = cfg.replace(topics=dataclasses.replace(cfg.topics, k=2, k_grid=(2,)))
    run_analysis(cfg)
    run_analysis(cfg.replace(corpus=dataclasses.replace(cfg.corpus, derive={"y": "year:date"})))
    run_analysis(cfg)  # reuses the first store
    assert len(list((tmp_path / "c" / "streams").iterdir())) == 2


def test_warm_streamed_run_reuses_the_store(seeds_table, tmp_path):
    kw = dict(unit="paragraph", group_by=("year",), id_col="statement_id")
    cfg = _config(seeds_table, tmp_path / "c", rows=5, **kw)
    first = run_analysis(cfg)
    stores = list((tmp_path / "c" / "streams").iterdir())
    assert len(stores) == 1 and first.tokens.path == stores[0]
    mtime = (stores[0] / "manifest.json").stat().st_mtime_ns
    second = run_analysis(cfg)
    assert (stores[0] / "manifest.json").stat().st_mtime_ns == mtime  # read, not rewritten
    _assert_same_results(first, second)


def test_streamed_run_without_cache_keeps_the_store_in_a_scratch_folder(seeds_table, tmp_path):
    cfg = _config(seeds_table, tmp_path / "unused", rows=4, unit="paragraph", group_by=("year",),
                  id_col="statement_id")
    cfg = cfg.replace(preprocess=dataclasses.replace(cfg.preprocess, cache_dir=""),
                      topics=dataclasses.replace(cfg.topics, k=2, k_grid=(2,)))
    res = run_analysis(cfg)
    folder = Path(res.inputs.scratch.name)
    assert res.tokens.path.parent == folder and folder.is_dir()
    assert not (tmp_path / "unused").exists()
    res.inputs.scratch.cleanup()
    assert not folder.exists()


def test_text_free_corpus_index_says_what_to_do(seeds_table, tmp_path):
    cfg = _config(seeds_table, tmp_path / "c", rows=4, unit="paragraph", group_by=("year",), id_col="statement_id")
    res = run_analysis(cfg.replace(topics=dataclasses.replace(cfg.topics, k=2, k_grid=(2,))))
    with pytest.raises(InputError, match="metadata only.*load_corpus"):
        ta.kwic(res.corpus, "terrorism")
    with pytest.raises(InputError, match="metadata only"):
        ta.lexical_stats(res.corpus)
    assert "text" not in res.corpus.metadata.columns and len(res.corpus.paragraphs) > 8


def test_stream_rows_is_validated_and_folders_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"\[corpus\] stream_rows"):
        AnalysisConfig().replace(corpus=dataclasses.replace(AnalysisConfig().corpus, stream_rows=-1))
    cfg = _config(ROOT / "seeds", tmp_path / "c", rows=10, unit="paragraph", group_by=("year",))
    with pytest.raises(InputError, match="is a folder; only table files"):
        run_analysis(cfg)

