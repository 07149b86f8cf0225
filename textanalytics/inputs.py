"""Where an analysis reads its corpus and tokens: the whole corpus as one piece, or a table in pieces.

Every stage after preprocessing reads the same :class:`AnalysisInputs`:

* ``corpus``: the :class:`~textanalytics.corpus.Corpus` (metadata, paragraphs,
  cleaning counts, problems); with ``[corpus] stream_rows = N`` a text-free
  index of it;
* ``tokens``: :class:`~textanalytics.preprocessing.Tokens`, or a
  :class:`~textanalytics.preprocessing.TokenStore` on disk; both give their
  chunks through ``chunk_tokens()`` (in memory: one chunk) and their modelling
  texts through ``texts(unit=...)``;
* :meth:`AnalysisInputs.text_pieces`: ``(corpus piece, tokens chunk)`` pairs
  with the texts, for keywords in context and passages. In memory that is the
  one pair ``(corpus, tokens)``; streamed, a second pass over the file, each
  piece checked against its stored chunk.

So the stages have one code path; only :func:`load_inputs` knows whether the
corpus was read whole or in pieces.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import pandas as pd

from .config import AnalysisConfig, to_dict
from .corpus import Corpus, iter_corpus_from_config, load_corpus_from_config
from .corpus.load import corpus_kind
from .corpus.logs import repeated_reading
from .corpus.validate import case_variant_problems, problems_frame
from .errors import InputError
from .files import atomic_write
from .grouping import check_group_by
from .preprocessing import TokenStore, preprocess, preprocess_chunks
from .preprocessing.cache import stream_key
from .provenance import file_digest

log = logging.getLogger(__name__)

#: A stage timer: ``stage(name)`` is a context manager (see :class:`textanalytics.pipeline.StageClock`).
Stage = Callable[[str], Any]


@dataclass(frozen=True)
class AnalysisInputs:
    """What the stages after preprocessing read, whether the corpus was loaded whole or streamed.

    ``scratch`` is the temporary folder holding a streamed run's token store when
    no cache folder is set; it is removed when this object (and the results
    holding it) is garbage collected.
    """

    corpus: Corpus
    tokens: Any
    streamed: bool
    second_pass: Callable[[], Iterator[Corpus]] | None = None
    scratch: Any = field(default=None, compare=False)
    #: The Spark backend's :meth:`~textanalytics.spark.run.SparkRun.shown` (lines found on the executors).
    shown_on_spark: Callable[..., tuple[list[pd.DataFrame], list[pd.DataFrame]]] | None = field(
        default=None, compare=False)
    #: The Spark backend's :meth:`~textanalytics.spark.run.SparkRun.map_pieces` (a function of each piece run on
    #: the executors; only its tables reach the driver).
    map_on_spark: Callable[[Callable[..., tuple[pd.DataFrame, ...]]], Iterator[tuple[pd.DataFrame, ...]]] | None = field(
        default=None, compare=False)
    #: The Spark backend's :meth:`~textanalytics.spark.run.SparkRun.frequent_keys` (keys of each piece counted on
    #: the executors; only those in enough statements reach the driver).
    frequent_on_spark: Callable[..., tuple[Any, Any]] | None = field(default=None, compare=False)
    #: The Spark session of a Spark run (the report's topic models fit there with ``[topics] engine = "mllib"``).
    spark: Any = field(default=None, compare=False)

    def shown(self, queries: list[str], *, window: int, max_hits: int | None,
              wanted: set[tuple[str, int | None]]) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
        """Per piece: its KWIC lines of ``queries`` (:func:`~textanalytics.compare.concordance.kwic_many`)
        and the texts of its ``wanted`` units (:func:`~textanalytics.compare.concordance.unit_texts`).

        Merge the lines with :func:`~textanalytics.compare.concordance.merge_kwic`. On Spark each
        piece is searched on an executor and only these small tables reach the driver; otherwise
        the pieces are read here one at a time (:meth:`text_pieces`).
        """
        if self.shown_on_spark is not None:
            return self.shown_on_spark(queries, window=window, max_hits=max_hits, wanted=wanted)
        from .compare.concordance import kwic_many, unit_texts  # deferred: compare (numpy, pandas)

        lines, texts = [], []
        for piece, tokens in self.text_pieces():
            lines.append(kwic_many(piece, queries, tokens=tokens, window=window, max_hits=max_hits))
            texts.append(unit_texts(piece, wanted))
        return lines, texts

    def text_pieces(self) -> Iterator[tuple[Corpus, Any]]:
        """``(corpus piece with texts, its tokens chunk)`` pairs covering the corpus in order.

        Streamed: the table is read again; a piece whose ids, paragraph count or
        word counts differ from the first reading (the file changed during the
        run) is a one-line :class:`InputError`.
        """
        if self.second_pass is None:
            yield self.corpus, self.tokens
            return
        words = self.corpus.statements.set_index(self.corpus.statements["statement_id"].astype(str))["n_words"]
        chunks = self.tokens.chunk_tokens()
        for piece in self.second_pass():
            if not len(piece.paragraphs):
                continue
            tokens = next(chunks, None)
            st = piece.statements
            if (tokens is None
                    or set(tokens.units["statement_id"].astype(str)) != set(st["statement_id"].astype(str))
                    or len(tokens.units) != len(piece.paragraphs)
                    or st["n_words"].to_numpy().tolist() != words.reindex(st["statement_id"]).tolist()):
                raise InputError(f"{piece.source}: the file changed during the run (its second reading "
                                 f"differs from the first at statement {str(st['statement_id'].iat[0])!r}'s "
                                 "piece); run the report again")
            yield piece, tokens
        if next(chunks, None) is not None:
            raise InputError(f"{self.corpus.source}: the file changed during the run (it now has fewer pieces "
                             "than its token store); run the report again")


def check_group_columns(columns: Any, group_by: tuple[str, ...]) -> None:
    """Fail before any costly stage when a grouping column is not in the metadata."""
    for col in group_by:
        check_group_by(columns, group_by=col, field="[compare] group_by")


def load_inputs(cfg: AnalysisConfig, *, stage: Stage) -> AnalysisInputs:
    """Load and preprocess the corpus ``cfg`` describes: whole, or ``[corpus] stream_rows`` records at a time."""
    if cfg.spark.backend == "spark":
        if cfg.spark.topic_sample > 0:  # before any costly stage
            from .spark.sample import check_sample_engine  # deferred: the Spark backend (numpy, scipy; pyspark on use)

            check_sample_engine(cfg.topics.engine)
        return spark_inputs(cfg, stage=stage)
    if cfg.topics.engine == "mllib":
        raise InputError('[topics] engine: "mllib" fits on Spark; set [spark] backend = "spark" (or --backend '
                         'spark), or choose a local engine such as "tomotopy"')
    if cfg.spark.topic_sample > 0:
        raise InputError('[spark] topic_sample: fits on a sample of the units stored on Spark; set [spark] backend = '
                         '"spark" (or --backend spark), or topic_sample = 0 to fit every unit')
    if cfg.corpus.stream_rows > 0:
        return _streamed(cfg, stage=stage)
    with stage("corpus"):
        corpus = load_corpus_from_config(cfg.corpus)
        check_group_columns(corpus.statements.columns, cfg.compare.group_by)
    with stage("preprocess"):
        tokens = preprocess(corpus, config=cfg.preprocess)
    return AnalysisInputs(corpus=corpus, tokens=tokens, streamed=False)


class _IndexBuilder:
    """Collects a text-free corpus index (metadata, paragraph numbers, cleaning, problems) piece by piece."""

    def __init__(self) -> None:
        self.parts: dict[str, list[pd.DataFrame]] = {"statements": [], "paragraphs": [], "cleaning": [],
                                                     "problems": []}
        self.source = ""

    def add(self, piece: Corpus) -> None:
        self.parts["statements"].append(piece.metadata)
        self.parts["paragraphs"].append(piece.paragraphs.drop(columns=["text"], errors="ignore"))
        self.parts["cleaning"].append(piece.cleaning)
        self.parts["problems"].append(piece.problems)
        self.source = piece.source or self.source

    def corpus(self) -> Corpus:
        def cat(name: str) -> pd.DataFrame:
            frames = [f for f in self.parts[name] if len(f)] or self.parts[name][:1]
            return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)

        st = cat("statements").sort_values("statement_id", kind="stable").reset_index(drop=True)
        paras = cat("paragraphs").sort_values(["statement_id", "paragraph"], kind="stable").reset_index(drop=True)
        cleaning = cat("cleaning")
        if len(cleaning):
            cleaning = cleaning.sort_values("statement_id", kind="stable").reset_index(drop=True)
        problems = cat("problems")
        # Case variants are a property of the whole column, so they are checked on the joined index.
        rows = case_variant_problems(st, source=self.source)
        if rows:
            problems = pd.concat([problems, problems_frame(rows)], ignore_index=True)
        return Corpus(statements=st, paragraphs=paras, cleaning=cleaning, problems=problems, source=self.source)


def _streamed(cfg: AnalysisConfig, *, stage: Stage) -> AnalysisInputs:
    """Corpus and preprocessing in one pass over the table, ``stream_rows`` records at a time.

    Pieces go to :func:`~textanalytics.preprocessing.preprocess_chunks`, which
    spools their tokens to a store on disk and drops their texts; only a
    text-free index of the corpus stays in memory. The store lives in
    ``<cache_dir>/streams/<key>`` (key: the file's SHA-256, the corpus options
    and everything the preprocessing cache keys on), so a warm run reads it
    instead of preprocessing again.
    """
    path = Path(cfg.corpus.path)
    if corpus_kind(path) != "table":
        raise InputError(f"[corpus] stream_rows: {path} is a folder; only table files (.csv, .tsv, .jsonl, "
                         ".parquet, optionally .gz) can be streamed; set stream_rows = 0")
    index = _IndexBuilder()

    def pieces() -> Iterator[Corpus]:
        for i, piece in enumerate(iter_corpus_from_config(cfg.corpus, rows=cfg.corpus.stream_rows)):
            if i == 0:  # every piece has the same columns: a wrong group_by fails before preprocessing
                check_group_columns(piece.statements.columns, cfg.compare.group_by)
            index.add(piece)
            yield piece
            del piece  # not held while the next piece is read

    scratch = None
    with stage("corpus and preprocess (streamed)"):
        store = None
        if cfg.preprocess.cache_dir:
            options = {k: v for k, v in to_dict(cfg.corpus).items() if k != "path"}
            key = stream_key(source=file_digest(path), options=options, config=cfg.preprocess)
            where = Path(cfg.preprocess.cache_dir) / "streams" / key
            if (where / "manifest.json").is_file():
                try:
                    store = TokenStore.open(where)
                    log.info("streaming: token store %s reused (cached)", where)
                except InputError as exc:
                    log.warning("streaming: %s; preprocessing again", exc)
                    shutil.rmtree(where, ignore_errors=True)
            if store is None:
                store = _build_cached_store(pieces(), cfg, where=where)
            else:
                for _ in pieces():  # the index only: metadata, paragraph numbers, cleaning, problems
                    pass
        else:
            scratch = tempfile.TemporaryDirectory(prefix="textanalytics-stream-")
            store = preprocess_chunks(pieces(), config=cfg.preprocess, out=Path(scratch.name) / "store")
        corpus = index.corpus()
    return AnalysisInputs(corpus=corpus, tokens=store, streamed=True, scratch=scratch,
                          second_pass=lambda: _second_pass(cfg))


def _build_cached_store(pieces: Iterator[Corpus], cfg: AnalysisConfig, *, where: Path) -> TokenStore:
    """Preprocess into a private folder, then rename it to ``where`` unless another run got there first.

    Two runs on the same file and settings may build the same store at once; the
    second to finish keeps the first's store (identical by construction) and
    never replaces a store someone may be reading.
    """
    with atomic_write(where, folder=True, keep=lambda done: (done / "manifest.json").is_file()) as private:
        preprocess_chunks(pieces, config=cfg.preprocess, out=private)
    return TokenStore.open(where)


def _second_pass(cfg: AnalysisConfig) -> Iterator[Corpus]:
    """The table's pieces again, without repeating the first reading's warnings about skipped records."""
    with repeated_reading():
        yield from iter_corpus_from_config(cfg.corpus, rows=cfg.corpus.stream_rows)


def spark_inputs(cfg: AnalysisConfig, *, stage: Stage, session: Any = None) -> AnalysisInputs:
    """Corpus and preprocessing on Apache Spark (``[spark] backend = "spark"``; :mod:`textanalytics.spark`).

    Spark reads, cleans and tokenises the table into a token store; the driver holds the
    same text-free corpus index a streamed run holds. ``session``: a ``SparkSession`` to use
    (default: the active one, or one started from ``[spark]``).
    """
    from .spark.run import run_on_spark  # deferred: pyspark (optional) and pandas

    index = _IndexBuilder()
    with stage("corpus and preprocess (spark)"):
        run = run_on_spark(cfg, add_piece=index.add, session=session)
        corpus = index.corpus()
        check_group_columns(corpus.statements.columns, cfg.compare.group_by)
    return AnalysisInputs(corpus=corpus, tokens=run.store, streamed=True, scratch=run.scratch,
                          second_pass=run.second_pass, shown_on_spark=run.shown, map_on_spark=run.map_pieces,
                          frequent_on_spark=run.frequent_keys, spark=run.session)
