"""Preprocessing on Spark: the package's own steps inside ``mapInPandas``, corpus-wide counts added up by Spark.

:func:`preprocess_on_spark` runs the passes of :mod:`textanalytics.preprocessing.passes`
over the pieces of :func:`~textanalytics.spark.corpus.clean_pieces`, one piece per task,
the corpus-wide state reduced by Spark between jobs:

1. with ``proper_nouns = "keep"``: every piece is tokenised and its case counts
   (lower / capitalised / alone, per lower-case word) summed by ``groupBy``;
2. each learned-phrase pass: pieces are tokenised again, lemmatised with the corpus-wide
   case counts, the earlier passes' phrases joined, and their kept terms and adjacent pairs
   counted; Spark sums the counts and scores the pairs seen ``phrase_min_count`` times or
   more with :func:`~textanalytics.preprocessing.phrases.npmi` (the local rule, element by
   element); only the phrases above ``phrase_threshold`` reach the driver;
3. a last job joins every pass's phrases and writes each piece's token table into a
   :class:`~textanalytics.preprocessing.TokenStore` folder (and its texts, for the second pass
   of keywords in context), which the driver opens.

Pieces are recomputed from their text in each job (no state on executors), so a lost task
is simply run again. Pair counts add up over pieces because a pair never crosses a sentence,
so the phrases, and every token, equal :func:`~textanalytics.preprocess` on the whole corpus.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .. import __version__
from ..errors import InputError
from ..preprocessing import TokenStore
from ..preprocessing.config import PreprocessConfig
from ..preprocessing.inputs import corpus_paragraphs
from ..preprocessing.passes import finish_chunk, front_chunk, shared_state, tokenise_chunk
from ..preprocessing.phrases import count_pairs, join_phrases, npmi, pair_stream, phrase_table, plan_phrases
from ..preprocessing.proper_nouns import CaseCounts
from ..preprocessing.state import Vocab
from ..preprocessing.store import FORMAT, config_document
from .corpus import from_bytes, to_bytes

log = logging.getLogger(__name__)

COUNT_SCHEMA = "kind string, a string, b string, count long"
CASE_SCHEMA = "word string, lower long, capital long, alone long"
DONE_SCHEMA = ("piece long, n_tokens long, n_kept long, n_paragraphs long, aliases binary, "
               "phrase_counts binary, curated string")


def _paragraphs(data: bytes) -> pd.DataFrame:
    return corpus_paragraphs(type("Piece", (), {"paragraphs": from_bytes(data)}))


def case_counts_from(table: pd.DataFrame) -> CaseCounts:
    """The corpus-wide :class:`CaseCounts` from the summed table (``word, lower, capital, alone``)."""
    counts = CaseCounts()
    counts.words.ids(table["word"].tolist())
    for name in ("lower", "capital", "alone"):
        setattr(counts, name, table[name].to_numpy(dtype=np.int64))
    return counts


def piece_state(paragraphs: pd.DataFrame, config: PreprocessConfig, *, cases: pd.DataFrame | None,
                rounds: list[pd.DataFrame]) -> tuple[Any, Any]:
    """One piece after steps 1-5 and the phrase passes ``rounds`` (``a, b, score`` tables of strings)."""
    sh = shared_state(config)
    chunk = tokenise_chunk(paragraphs, sh)
    if sh.case_counts is not None:
        sh.case_counts = case_counts_from(cases)
    chunk = front_chunk(chunk, sh)
    for table in rounds:
        a, b = sh.vocab.ids(table["a"].tolist()), sh.vocab.ids(table["b"].tolist())
        scored = pd.DataFrame({"a": a, "b": b, "score": table["score"].to_numpy()}).sort_values(["a", "b"])
        plan = plan_phrases(scored, width=len(sh.vocab.strings), vocab=sh.vocab, scores={})
        join_phrases(chunk.w, chunk.keep, plan)
    return chunk, sh


def _case_rows(config: PreprocessConfig):
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for data in batch["paragraphs"]:
                sh = shared_state(config)
                tokenise_chunk(_paragraphs(data), sh)
                cc = sh.case_counts
                n = len(cc.words.strings)
                yield pd.DataFrame({"word": cc.words.strings,
                                    **{k: np.pad(getattr(cc, k), (0, n - len(getattr(cc, k)))).astype(np.int64)
                                       for k in ("lower", "capital", "alone")}})
    return run


def _count_rows(config: PreprocessConfig, cases: Any, rounds: list[pd.DataFrame]):
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for data in batch["paragraphs"]:
                chunk, sh = piece_state(_paragraphs(data), config, cases=cases and cases.value, rounds=rounds)
                stream, adjacent = pair_stream(chunk.w, chunk.keep)
                terms = chunk.w.term[stream].astype(np.int64)
                width = len(sh.vocab.strings)
                strings = np.asarray(sh.vocab.strings, dtype=object)
                uni = np.bincount(terms, minlength=width)
                used = np.flatnonzero(uni)
                keys, counts = count_pairs(terms, adjacent=adjacent, width=width)
                yield pd.DataFrame({"kind": ["u"] * len(used) + ["p"] * len(keys),
                                    "a": np.r_[strings[used], strings[keys // width]],
                                    "b": np.r_[np.full(len(used), "", dtype=object), strings[keys % width]],
                                    "count": np.r_[uni[used], counts].astype(np.int64)})
    return run


def _learn_round(pieces: Any, config: PreprocessConfig, cases: Any, rounds: list[pd.DataFrame]) -> pd.DataFrame:
    """One phrase pass: counts summed and pairs scored on Spark; only the phrases reach the driver.

    The pairs seen ``phrase_min_count`` times or more are joined with their terms' counts and
    scored on the executors by :func:`~textanalytics.preprocessing.phrases.npmi` (the local rule,
    element by element, so the same scores); the driver collects those above ``phrase_threshold``.
    Collecting every frequent pair instead grew the driver with the corpus (about 300 MB at 16 x
    news, where every replicated pair passes the count).
    """
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    counted = pieces.select("paragraphs").mapInPandas(_count_rows(config, cases, rounds), COUNT_SCHEMA)
    summed = counted.groupBy("kind", "a", "b").agg(F.sum("count").alias("count")).cache()
    try:
        total = int(summed.filter("kind = 'u'").agg(F.sum("count")).first()[0] or 0)
        pairs = summed.filter((F.col("kind") == "p") & (F.col("count") >= config.phrase_min_count))
        unigrams = summed.filter(F.col("kind") == "u")
        side = {s: unigrams.select(F.col("a").alias(s), F.col("count").alias(f"n_{s}")) for s in ("a", "b")}
        joined = pairs.select("a", "b", "count").join(side["a"], "a").join(side["b"], "b")
        n_pairs = pairs.count()
        scored = (joined.select("a", "b", "count", "n_a", "n_b")
                  .mapInPandas(_score_rows(total, config.phrase_threshold), SCORE_SCHEMA).toPandas()
                  if total >= 2 else pd.DataFrame({"a": [], "b": [], "score": []}))
    finally:
        summed.unpersist()
    scored = scored.astype({"a": object, "b": object, "score": float})
    # A fixed order whatever the partitioning (strings, as the driver sorted the collected pairs before).
    scored = scored.sort_values(["a", "b"], kind="stable").reset_index(drop=True)
    log.info("spark: phrase pass %d: %d pairs seen %d+ times, %d phrases", len(rounds) + 1, n_pairs,
             config.phrase_min_count, len(scored))
    return scored[["a", "b", "score"]]


SCORE_SCHEMA = "a string, b string, score double"


def _score_rows(total: int, threshold: float):
    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            score = npmi(pair_counts=batch["count"].to_numpy(np.int64), count_a=batch["n_a"].to_numpy(np.int64),
                         count_b=batch["n_b"].to_numpy(np.int64), total=total)
            chosen = score > threshold
            yield pd.DataFrame({"a": batch["a"].to_numpy(object)[chosen], "b": batch["b"].to_numpy(object)[chosen],
                                "score": score[chosen]})
    return run


def _finish_rows(config: PreprocessConfig, cases: Any, rounds: list[pd.DataFrame], store: str, texts: str):
    phrase_strings = sorted({f"{a}_{b}" for t in rounds for a, b in zip(t["a"], t["b"])})

    def run(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            for piece, stmts, data in zip(batch["piece"], batch["statements"], batch["paragraphs"]):
                raw = from_bytes(data)
                if not len(raw):
                    continue
                chunk, sh = piece_state(corpus_paragraphs(type("P", (), {"paragraphs": raw})), config,
                                        cases=cases and cases.value, rounds=rounds)
                table, units, counts = finish_chunk(chunk, sh)
                name = f"{int(piece):05d}"
                table.to_parquet(Path(store) / f"tokens-{name}.parquet", index=False)
                units.to_parquet(Path(store) / f"units-{name}.parquet", index=False)
                Path(texts, f"paragraphs-{name}.parquet").write_bytes(data)
                Path(texts, f"statements-{name}.parquet").write_bytes(stmts)
                curated = [sh.vocab.strings[t] for t in sh.curated_targets]
                wanted = [s for s in dict.fromkeys([*curated, *phrase_strings]) if s in sh.vocab.index]
                pc = pd.DataFrame({"term": pd.Series(wanted, dtype=object),
                                   "count": np.array([counts[sh.vocab.index[s]] if sh.vocab.index[s] < len(counts)
                                                      else 0 for s in wanted], dtype=np.int64)})
                buf_a, buf_p = to_bytes(chunk.aliases), to_bytes(pc)
                yield pd.DataFrame({"piece": [int(piece)], "n_tokens": [int(len(chunk.w.codes))],
                                    "n_kept": [int(counts.sum())], "n_paragraphs": [len(units)],
                                    "aliases": [buf_a], "phrase_counts": [buf_p],
                                    "curated": [json.dumps(curated)]})
    return run


def preprocess_on_spark(spark: Any, pieces: Any, *, config: PreprocessConfig, out: str | Path,
                        texts: str | Path) -> TokenStore:
    """Preprocess the cleaned ``pieces`` on Spark into a :class:`TokenStore` at ``out`` (see the module docstring).

    ``out`` and ``texts`` are folders every executor can write and the driver can read; each
    piece's paragraphs and statements go to ``texts`` for the second pass.
    """
    from pyspark.sql import functions as F  # deferred: pyspark is optional and heavy

    if config.sentence_splitter == "punkt_trained":
        raise InputError("[preprocess] sentence_splitter: 'punkt_trained' trains on the whole text at once and "
                         "cannot run on Spark; use 'punkt' (the packaged model)")
    out, texts = Path(out), Path(texts)
    out.mkdir(parents=True, exist_ok=True)
    texts.mkdir(parents=True, exist_ok=True)
    cases = None
    if config.lemmatize and config.proper_nouns == "keep":
        summed = (pieces.select("paragraphs").mapInPandas(_case_rows(config), CASE_SCHEMA).groupBy("word")
                  .agg(*(F.sum(c).alias(c) for c in ("lower", "capital", "alone"))).toPandas())
        cases = spark.sparkContext.broadcast(summed)
        log.info("spark: case counts of %d words", len(summed))
    rounds: list[pd.DataFrame] = []
    if config.phrases:
        for _ in range(config.phrase_passes):
            scored = _learn_round(pieces, config, cases, rounds)
            if scored.empty:
                break
            rounds.append(scored)
    done = (pieces.select("piece", "statements", "paragraphs")
            .mapInPandas(_finish_rows(config, cases, rounds, str(out), str(texts)), DONE_SCHEMA)
            .toPandas().sort_values("piece").reset_index(drop=True))
    if cases is not None:
        cases.unpersist()
    return _write_manifest(out, done, config=config, rounds=rounds)


def _write_manifest(out: Path, done: pd.DataFrame, *, config: PreprocessConfig,
                    rounds: list[pd.DataFrame]) -> TokenStore:
    """The store's phrases, aliases and manifest, from the pieces' small summaries."""
    if not len(done):
        raise InputError("spark: the corpus has no paragraphs; nothing to preprocess")
    vocab = Vocab()
    rows: list[tuple[int, str, float]] = [(vocab.id(s), "curated", np.nan) for s in json.loads(done["curated"].iat[0])]
    for table in rounds:
        rows += [(vocab.id(f"{a}_{b}"), "learned", float(s)) for a, b, s in zip(table["a"], table["b"], table["score"])]
    totals = np.zeros(len(vocab.strings), np.int64)
    for data in done["phrase_counts"]:  # piece by piece: one piece's counts in memory, not every piece's
        counts = from_bytes(data)
        ids = np.array([vocab.index.get(t, -1) for t in counts["term"]], dtype=np.int64)
        np.add.at(totals, ids[ids >= 0], counts["count"].to_numpy(np.int64)[ids >= 0])
    phrases = phrase_table(rows, totals, vocab)
    aliases = [from_bytes(b) for b in done["aliases"]]
    alias_table = (pd.concat(aliases, ignore_index=True).groupby(["canonical", "variant"], sort=True, as_index=False)
                   ["count"].sum().astype({"count": "int64"}).reset_index(drop=True))
    if not len(alias_table):
        alias_table = aliases[0]
    phrases.to_parquet(out / "phrases.parquet", index=False)
    alias_table.to_parquet(out / "aliases.parquet", index=False)
    names = [f"{int(p):05d}" for p in done["piece"]]
    manifest = {"format": FORMAT, "version": __version__, "config": config_document(config), "chunks": names,
                "n_tokens": int(done["n_tokens"].sum()), "n_kept": int(done["n_kept"].sum())}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    log.info("spark: token store %s (%d pieces, %d tokens)", out, len(names), manifest["n_tokens"])
    return TokenStore.open(out)

