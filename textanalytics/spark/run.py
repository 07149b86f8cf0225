"""One Spark run of the per-document stages: read, clean, tokenise into a token store; the texts for a second pass.

Called by :func:`textanalytics.inputs.spark_inputs` (``[spark] backend = "spark"``), which
joins the pieces' text-free tables into the corpus index. The token store and the pieces'
texts go to ``[spark] store_dir`` (a folder every executor and the driver can reach) or, in
local mode, to a temporary folder removed with the results.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import re
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from ..config import AnalysisConfig
from ..corpus.model import Corpus
from ..errors import InputError
from ..preprocessing import TokenStore
from .corpus import clean_pieces, from_bytes, index_pieces, table_files, text_piece, to_bytes
from .session import spark_session
from .tokens import preprocess_on_spark

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SparkRun:
    """What a Spark run leaves for the driver: the token store, and the texts piece by piece."""

    store: TokenStore
    texts: Path
    scratch: Any = field(default=None, compare=False)
    session: Any = field(default=None, compare=False)

    def second_pass(self) -> Iterator[Corpus]:
        """The pieces with their texts, in the store's chunk order (read one at a time from ``texts``)."""
        for name in self.store.chunks:
            yield text_piece(self.texts, name, source=str(self.store.path))

    def shown(self, queries: list[str], *, window: int, max_hits: int | None,
              wanted: set[tuple[str, int | None]]) -> tuple[list[pd.DataFrame], list[pd.DataFrame]]:
        """KWIC lines and passage texts of each piece, found on the executors (one task per piece).

        Each task reads its piece's texts and tokens from the run's folders and returns its first
        ``max_hits`` lines per query and the texts of the ``wanted`` units, as Parquet bytes;
        only those reach the driver, in the store's chunk order
        (:meth:`textanalytics.inputs.AnalysisInputs.shown`).
        """
        from ..compare.concordance import kwic_many, unit_texts  # deferred: compare (numpy, pandas)

        store = dataclasses.replace(self.store, units=self.store.units.iloc[:0])  # what a task needs, small
        folder, source, names = str(self.texts), str(self.store.path), list(self.store.chunks)
        queries, wanted = list(queries), set(wanted)

        def task(name: str) -> tuple[tuple[bytes, str], tuple[bytes, str]]:
            piece = text_piece(Path(folder), name, source=source)
            lines = kwic_many(piece, queries, tokens=store.chunk(name), window=window, max_hits=max_hits)
            return _packed(lines), _packed(unit_texts(piece, wanted))

        spark = spark_session(session=self.session)
        found = spark.sparkContext.parallelize(names, numSlices=max(1, len(names))).map(task).collect()
        log.info("spark: KWIC lines of %d terms and %d passages found in %d pieces", len(queries), len(wanted),
                 len(names))
        return [_unpacked(a) for a, _ in found], [_unpacked(b) for _, b in found]

    def map_pieces(self, fn: Callable[[Corpus, Any], tuple[pd.DataFrame, ...]]) -> Iterator[tuple[pd.DataFrame, ...]]:
        """``fn(piece with its texts, its tokens)`` on the executors, one task per piece; its tables in order.

        ``fn`` (a module-level function or a ``functools.partial`` of one: Spark broadcasts it with
        pickle) reaches the executors once and returns a few small tables per piece. They come back in
        the store's chunk order, a wave of as many pieces as Spark has cores at a time (all cores
        busy, at most one wave's tables on the driver), so the caller can reduce them as they come.
        """
        store = dataclasses.replace(self.store, units=self.store.units.iloc[:0])  # what a task needs, small
        folder, source, names = str(self.texts), str(self.store.path), list(self.store.chunks)
        spark = spark_session(session=self.session)
        shared = spark.sparkContext.broadcast(fn)

        def task(name: str) -> list[tuple[bytes, str]]:
            piece = text_piece(Path(folder), name, source=source)
            return [_packed(frame) for frame in shared.value(piece, store.chunk(name))]

        wave = max(1, spark.sparkContext.defaultParallelism)
        try:
            for start in range(0, len(names), wave):
                part = names[start:start + wave]
                for tables in spark.sparkContext.parallelize(part, numSlices=len(part)).map(task).collect():
                    yield tuple(_unpacked(p) for p in tables)
        finally:
            with contextlib.suppress(Exception):  # a stopped context: nothing left to free; keep the job's error
                shared.destroy()  # the executors' copies and the driver's file of the pickled function
        log.info("spark: %s run on %d pieces", getattr(fn, "func", fn).__name__, len(names))


    def frequent_keys(self, fn: Callable[[Any], Any], *, min_count: int) -> tuple[Any, Any]:
        """Keys ``fn(tokens of a piece)`` gives (an array of unsigned 64-bit ints, each at most once per
        statement) counted over every piece on the executors; those counted at least ``min_count`` times
        come back: ``(keys, counts)``, sorted by key. An exact count (Spark's ``reduceByKey``) whatever
        the pieces, so the same as the driver's count of a corpus in memory.
        """
        store = dataclasses.replace(self.store, units=self.store.units.iloc[:0])  # what a task needs, small
        names = list(self.store.chunks)
        spark = spark_session(session=self.session)
        shared = spark.sparkContext.broadcast(fn)

        def task(name: str) -> Iterator[tuple[int, int]]:
            for key in shared.value(store.chunk(name)).tolist():
                yield int(key), 1

        try:
            found = (spark.sparkContext.parallelize(names, numSlices=max(1, len(names))).flatMap(task)
                     .reduceByKey(lambda a, b: a + b).filter(lambda kv: kv[1] >= min_count).collect())
        finally:
            with contextlib.suppress(Exception):
                shared.destroy()
        found.sort()
        log.info("spark: %d keys in %d or more statements over %d pieces", len(found), min_count, len(names))
        return (np.array([k for k, _ in found], dtype=np.uint64), np.array([c for _, c in found], dtype=np.int64))


def _release_arrow_memory() -> None:
    """Return the memory pyarrow's pool has freed (the collected pieces' tables) to the system.

    Its pool (mimalloc here) keeps freed memory for reuse; on 16 x news the corpus step's peak
    fell from 392 to 365 MB with this call, and the process keeps less for the steps after it.
    """
    import pyarrow  # deferred: pyarrow (pandas' Parquet engine; already loaded by Spark's toPandas)

    pyarrow.default_memory_pool().release_unused()


def _packed(frame: pd.DataFrame) -> tuple[bytes, str]:
    """A table as Parquet bytes plus its object columns (Parquet reads text back as pandas' string dtype)."""
    return to_bytes(frame), json.dumps([c for c in frame.columns if frame[c].dtype == object])


def _unpacked(packed: tuple[bytes, str]) -> pd.DataFrame:
    frame = from_bytes(packed[0])
    kept = json.loads(packed[1])
    return frame.astype({c: object for c in kept}) if kept else frame


def run_on_spark(cfg: AnalysisConfig, *, add_piece: Callable[[Corpus], None], session: Any = None) -> SparkRun:
    """Read, clean and preprocess ``cfg``'s table on Spark; each piece's text-free tables go to ``add_piece``."""
    table_files(Path(cfg.corpus.path).expanduser())  # a corpus Spark cannot read fails before the session starts
    spark = spark_session(cfg.spark, session=session)
    scratch = None
    if cfg.spark.store_dir:
        where = Path(cfg.spark.store_dir) / f"run-{uuid.uuid4().hex[:12]}"
    else:
        if not spark.sparkContext.master.startswith("local"):
            raise InputError("[spark] store_dir: set a folder every executor and the driver can reach (a shared "
                             f"file system) to run on {spark.sparkContext.master}")
        scratch = tempfile.TemporaryDirectory(prefix="textanalytics-spark-")
        where = Path(scratch.name)
    log.info("spark: session ready")
    try:
        return _run(spark, cfg, where=where, scratch=scratch, add_piece=add_piece)
    except Exception as exc:  # Spark's errors arrive as Java stack traces: one line, naming the file
        if not type(exc).__module__.startswith(("pyspark", "py4j")):
            raise
        raise InputError(f"{cfg.corpus.path}: Spark failed: {spark_error(exc)}; check the file (or run with "
                         "[spark] backend = \"local\" for the local reader's message)") from None


def spark_error(exc: BaseException) -> str:
    """The innermost cause of a Spark error, on one line (Java stack frames left out)."""
    text = " ".join(str(exc).split())
    cause = text.rsplit("Caused by: ", 1)[-1]
    cause = re.split(r" at (?:org|java|scala|py4j|sun)\.", cause, maxsplit=1)[0]
    return cause[:300]


def _run(spark: Any, cfg: AnalysisConfig, *, where: Path, scratch: Any,
         add_piece: Callable[[Corpus], None]) -> SparkRun:
    pieces = clean_pieces(spark, cfg.corpus, partitions=cfg.spark.partitions)
    log.info("spark: %s read and cleaned", cfg.corpus.path)
    try:
        n = 0
        for piece in index_pieces(pieces, source=str(Path(cfg.corpus.path).expanduser())):
            add_piece(piece)
            n += len(piece.statements)
        if not n:
            raise InputError(f"{cfg.corpus.path}: no statement left after skipping bad records; see the problems "
                             "logged above, or set [corpus] on_error = \"raise\" to stop at the first")
        log.info("spark: corpus index collected")
        store = preprocess_on_spark(spark, pieces, config=cfg.preprocess, out=where / "store", texts=where / "texts")
    finally:
        pieces.unpersist()
    _release_arrow_memory()
    return SparkRun(store=store, texts=where / "texts", scratch=scratch, session=spark)
