"""Reading and cleaning a table corpus on Spark, with the local path's own per-record functions.

:func:`read_records` reads a CSV/TSV (optionally .gz), JSONL or Parquet file, or a folder
of such part files, into a Spark DataFrame of raw records (every CSV value a string,
as the local reader gives them) with ``_pos`` (record position from 1) and ``_line``
(the record number the local reader reports: header = record 1 in a CSV, the line in a
JSONL file, the row in Parquet). :func:`clean_pieces` cuts it into pieces (one per Spark
partition, in record order) and runs, inside ``mapInPandas``,
:func:`~textanalytics.corpus.table_records.clean_table_records`,
:func:`~textanalytics.corpus.validate.validate_records` and
:func:`~textanalytics.corpus.assemble.assemble_corpus`: the same rules, problems and
cleaning counts as :func:`~textanalytics.corpus.iter_table_chunks`. Ids are checked
across pieces as across one file: repeated ids are found by a Spark aggregation first
and handed to each piece as the ids its earlier pieces used.

Each piece becomes one row: its statements, paragraphs (with text), cleaning and
problems tables as Parquet bytes (dtypes survive exactly). The driver collects only the
text-free columns (:func:`corpus_index`).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, Iterator

import pandas as pd

from ..corpus.assemble import STATEMENT_COLUMNS, assemble_corpus
from ..corpus.cleaning_table import cleaning_frame
from ..corpus.config import CorpusConfig
from ..corpus.folder import METADATA_FILE, RAW_DIR
from ..corpus.model import Corpus
from ..corpus.table_records import clean_table_records
from ..corpus.tables import TABLE_SUFFIXES, table_kind
from ..corpus.validate import Where, problems_frame, validate_records
from ..errors import InputError

PIECE_COLUMNS = ("statements", "paragraphs", "metadata", "paragraph_index", "cleaning", "problems")


def to_bytes(frame: pd.DataFrame) -> bytes:
    """A table as Parquet bytes (no pickle; dtypes kept)."""
    buf = io.BytesIO()
    frame.to_parquet(buf, index=False)
    return buf.getvalue()


def from_bytes(data: bytes) -> pd.DataFrame:
    """The table :func:`to_bytes` wrote."""
    return pd.read_parquet(io.BytesIO(data))


def table_files(path: Path) -> tuple[str, list[str]]:
    """The table kind of a file or a folder of part files, and the files to read."""
    if path.is_dir() and ((path / METADATA_FILE).is_file() or (path / RAW_DIR).is_dir()):
        raise InputError(f"{path}: a corpus folder (metadata.csv and raw/) is read by the local backend only; "
                         "for Spark, write its statements table first: "
                         "load_corpus(path).statements.to_csv('statements.csv', index=False)")
    if path.is_dir():
        files = sorted(str(p) for p in path.iterdir() if p.is_file() and table_kind(p))
        kinds = {table_kind(Path(f)) for f in files}
        if len(kinds) != 1:
            raise InputError(f"{path}: a folder read on Spark must hold part files of one table kind "
                             f"({', '.join(TABLE_SUFFIXES)}); found {sorted(map(str, kinds)) or 'none'}")
        return kinds.pop() or "", files
    kind = table_kind(path)
    if kind is None or kind == "json":
        raise InputError(f"{path}: Spark reads .csv, .tsv, .jsonl or .parquet tables (optionally .gz), "
                         "or a folder of such part files; use the local backend for other corpora")
    return kind, [str(path)]


def read_records(spark: Any, path: Path, *, encoding: str = "utf-8", partitions: int = 0) -> tuple[Any, str]:
    """Raw records of a table on Spark, in file order, with ``_pos`` and ``_line``; and the table kind.

    Records are numbered without leaving the JVM: rows are counted per file split (one small
    aggregation, collected), the splits put in order (file name, offset) and each row's number is
    its split's offset plus its place in the split. Part files of a folder follow each other in
    name order, so record numbers run on across them (one table cut into parts).
    """
    from pyspark.sql import Window, functions as F  # deferred: pyspark is optional and heavy

    kind, files = table_files(path)
    if kind in ("csv", "tsv"):
        df = (spark.read.option("header", True).option("multiLine", True).option("escape", '"')
              .option("sep", "," if kind == "csv" else "\t").option("encoding", encoding)
              .option("mode", "FAILFAST")
              .option("inferSchema", False).csv(files))
        first_line = 2  # header = record 1
    elif kind == "jsonl":
        df = spark.read.option("encoding", encoding).text(files).withColumnRenamed("value", "_json")
        first_line = 1
    else:
        df = spark.read.parquet(*files)
        first_line = 1
    columns = df.columns
    record = F.lit(1) if kind != "jsonl" else (F.trim(F.col("_json")) != "").cast("long")  # blank lines: no record
    df = df.select("*", F.col("_metadata.file_path").alias("_file"), F.col("_metadata.file_block_start").alias("_block"),
                   F.monotonically_increasing_id().alias("_mono"), record.alias("_record"))
    splits = (df.groupBy("_file", "_block").agg(F.count("*").alias("_n"), F.sum("_record").alias("_nr"),
                                                F.min("_mono").alias("_first"))
              .toPandas().sort_values(["_file", "_block"], kind="stable"))
    splits["_off"] = splits["_n"].cumsum() - splits["_n"]
    splits["_off_r"] = splits["_nr"].cumsum() - splits["_nr"]
    table = spark.createDataFrame(splits[["_file", "_block", "_first", "_off", "_off_r"]])
    df = df.join(F.broadcast(table), ["_file", "_block"])
    df = df.withColumn("_line", F.col("_off") + F.col("_mono") - F.col("_first") + first_line)
    if kind == "jsonl":
        df = df.filter(F.col("_record") == 1)
        within = Window.partitionBy("_file", "_block").orderBy("_mono")
        df = df.withColumn("_pos", F.col("_off_r") + F.row_number().over(within))
    else:
        df = df.withColumn("_pos", F.col("_off") + F.col("_mono") - F.col("_first") + 1)
    df = df.select(*columns, "_line", "_pos")
    # A compressed CSV or JSONL file is one split: cut it so every core gets pieces.
    partitions = partitions or max(df.rdd.getNumPartitions(), spark.sparkContext.defaultParallelism)
    if partitions != df.rdd.getNumPartitions():
        df = df.repartitionByRange(partitions, "_pos")
    return df.sortWithinPartitions("_pos"), kind


PIECE_SCHEMA = ("piece long, error string, statements binary, paragraphs binary, metadata binary, "
                "paragraph_index binary, cleaning binary, problems binary")


def _where(kind: str, source: str) -> Where:
    if kind in ("csv", "tsv"):
        return Where(source, "record", "header = record 1")
    return Where(source, "line", "") if kind == "jsonl" else Where(source, "row", "first row = 1")


def _raw_frame(raw: pd.DataFrame, kind: str) -> pd.DataFrame:
    """The records as the local reader gives them: ``_line`` first, then the table's columns."""
    if kind == "jsonl":
        records = []
        for line, text in zip(raw["_line"], raw["_json"]):
            try:
                obj = json.loads(text)
            except ValueError as exc:
                raise InputError(f"line {line}: not valid JSON ({exc}); fix the line or remove it") from None
            records.append(obj)
        frame = pd.DataFrame.from_records(records)
    else:
        frame = raw.drop(columns=["_line", "_pos"]).reset_index(drop=True)
        if kind in ("csv", "tsv"):  # Spark reads an empty field as null; the local reader as ""
            frame = frame.astype(object).where(frame.notna(), "")
    frame.insert(0, "_line", raw["_line"].to_numpy().tolist())
    return frame


def clean_piece(raw: pd.DataFrame, *, kind: str, label: Path, source: str, cfg: CorpusConfig,
                earlier: dict[str, int]) -> Corpus:
    """One piece of raw records cleaned and validated exactly as :func:`~textanalytics.corpus.iter_table_chunks` does.

    ``earlier``: ids used by records before this piece (id -> record number).
    """
    raw = raw.sort_values("_pos", kind="stable").reset_index(drop=True)
    where = _where(kind, source)
    frame, where, aliases, cleaning, _ = clean_table_records(
        _raw_frame(raw, kind), where, path=label, text_col=cfg.text_col, date_col=cfg.date_col,
        speaker_col=cfg.speaker_col, id_col=cfg.id_col or None, title_col=cfg.title_col, on_error=cfg.on_error,
        id_start=int(raw["_pos"].iat[0]), id_width=7, earlier=earlier, na_values=cfg.na_values)
    fields = {canon: orig for orig, canon in aliases.items()}
    frame, problems = validate_records(frame, where=where, fields=fields, on_error=cfg.on_error, earlier=earlier)
    if not len(frame):  # every record skipped: a piece with only its problems
        return Corpus(statements=pd.DataFrame({c: pd.Series([], dtype=object) for c in STATEMENT_COLUMNS}),
                      paragraphs=pd.DataFrame({"statement_id": pd.Series([], dtype=str),
                                               "paragraph": pd.Series([], dtype="int64"),
                                               "text": pd.Series([], dtype=str),
                                               "n_words": pd.Series([], dtype="int64")}),
                      cleaning=cleaning_frame([]), problems=problems, source=source)
    return assemble_corpus(frame, cleaning=cleaning, problems=problems, source=source,
                           derive=dict(cfg.derive) or None, aliases=aliases)


def _clean_rows(kind: str, label: Path, source: str, cfg: CorpusConfig, repeated: dict[str, int]):
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        from pyspark import TaskContext  # deferred: pyspark is optional and heavy

        frames = [b for b in batches if len(b)]
        if not frames:
            return
        raw = pd.concat(frames, ignore_index=True)
        first = int(raw["_line"].min())
        earlier = {i: line for i, line in repeated.items() if line < first}
        row: dict[str, Any] = {"piece": TaskContext.get().partitionId(), "error": None}
        try:
            piece = clean_piece(raw, kind=kind, label=label, source=source, cfg=cfg, earlier=earlier)
        except InputError as exc:
            row["error"] = str(exc)
            yield pd.DataFrame([{**row, **{c: b"" for c in PIECE_COLUMNS}}])
            return
        row.update(statements=to_bytes(piece.statements), paragraphs=to_bytes(piece.paragraphs),
                   metadata=to_bytes(piece.metadata),
                   paragraph_index=to_bytes(piece.paragraphs.drop(columns=["text"], errors="ignore")),
                   cleaning=to_bytes(piece.cleaning), problems=to_bytes(piece.problems))
        yield pd.DataFrame([row])
    return run


def _repeated_ids(records: Any, *, kind: str, id_col: str) -> dict[str, int]:
    """Ids used by more than one record (stripped), with the record number of their first use."""
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    if not id_col:
        return {}
    if kind == "jsonl":
        ident = F.get_json_object("_json", f"$.{id_col}")
    elif id_col in records.columns:
        ident = F.col(f"`{id_col}`").cast("string")
    else:
        return {}  # the local rules name the missing column
    rows = (records.select(F.trim(ident).alias("id"), "_line").filter(F.col("id").isNotNull() & (F.col("id") != ""))
            .groupBy("id").agg(F.min("_line").alias("first"), F.count("*").alias("n")).filter("n > 1").collect())
    return {r["id"]: int(r["first"]) for r in rows}


def clean_pieces(spark: Any, cfg: CorpusConfig, *, partitions: int = 0) -> Any:
    """The corpus of ``cfg`` read and cleaned on Spark: one row per piece (see the module docstring); cached.

    A piece whose records break the rules (``on_error = "raise"``) carries the one-line message,
    raised by :func:`index_pieces` for the first such piece.
    """
    path = Path(cfg.path).expanduser()
    records, kind = read_records(spark, path, encoding=cfg.encoding, partitions=partitions)
    repeated = _repeated_ids(records, kind=kind, id_col=cfg.id_col)
    if repeated and cfg.on_error == "raise":
        first = min(repeated, key=repeated.get)
        raise InputError(f"{path}: id {first!r} is used by more than one record (first at record "
                         f"{repeated[first]}); make ids unique, or set [corpus] on_error = \"skip\"")
    label = path if not path.is_dir() else path / f"parts.{kind}"
    return records.mapInPandas(_clean_rows(kind, label, str(path), cfg, repeated), PIECE_SCHEMA).cache()


def index_pieces(pieces: Any, *, source: str) -> Iterator[Corpus]:
    """The pieces' text-free tables (metadata, paragraph numbers, cleaning, problems), one piece at a time.

    Only these small columns cross to the driver (``toLocalIterator``: one piece in memory);
    :class:`~textanalytics.inputs.AnalysisInputs` joins them as a streamed local run does.
    """
    rows = pieces.select("piece", "error", "metadata", "paragraph_index", "cleaning", "problems").orderBy("piece")
    for row in rows.toLocalIterator():
        if row["error"] is not None:
            raise InputError(row["error"])
        yield Corpus(statements=from_bytes(row["metadata"]), paragraphs=from_bytes(row["paragraph_index"]),
                     cleaning=from_bytes(row["cleaning"]), problems=from_bytes(row["problems"]), source=source)


def text_piece(folder: Path, name: str, *, source: str) -> Corpus:
    """A piece with its texts, as the final Spark job wrote it (statements and paragraphs)."""
    empty = problems_frame()
    return Corpus(statements=pd.read_parquet(folder / f"statements-{name}.parquet"),
                  paragraphs=pd.read_parquet(folder / f"paragraphs-{name}.parquet"),
                  cleaning=cleaning_frame([]), problems=empty, source=source)
