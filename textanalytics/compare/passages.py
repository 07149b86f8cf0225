"""Passages repeated across many statements: page furniture, disclaimers, syndicated copy.

A web corpus carries text its authors did not write for the statement: a share bar
("Send Facebook Twitter Google+ Whatsapp Tumblr linkedin stumble Digg reddit Newsvine
Permalink", in 157 Deutsche Welle articles of news_articles), a disclaimer ("The views
expressed in this article are the author's own and do not necessarily reflect Al Jazeera's
editorial policy", 85 articles), an agency's copy printed by several outlets. Its words are
counted like any other: they become key terms of their outlet and phrases of the corpus
(``digg_reddit_newsvine_permalink``). :func:`repeated_passages` finds them so a researcher
can see, and drop, them (a stopword file takes word sequences: ``docs/preprocessing.md``).

Method: document fingerprinting by winnowing (Schleimer, Wilkerson & Aiken 2003). A
statement's words (its tokens but punctuation, numbers and URLs; lower case; stopwords
included) give hashes of every run of :data:`NGRAM` words; of each :data:`WINDOW`
consecutive ones the smallest is a fingerprint, so two statements sharing a passage of at
least ``NGRAM + WINDOW - 1`` (15) words share a fingerprint. A fingerprint in at least
``min_statements`` statements marks a repeated passage; its extent in a statement is the
union of the runs of words whose hash is such a fingerprint. Hashes are BLAKE2b of the
words, so they are the same in every process; counting is exact whichever way the tokens
are cut into chunks (in memory, streamed, or on Spark's executors: :meth:`SparkRun.frequent_keys`).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from ..grouping import is_missing, label_str
from ..results import TableResult

__all__ = ["repeated_passages", "RepeatedPassages", "PASSAGE_COLUMNS", "piece_fingerprints", "piece_passages",
           "min_statements_for", "NGRAM", "WINDOW"]

log = logging.getLogger(__name__)

#: Words per hashed run, and runs per winnowing window (passages of 15 words or more are always found).
NGRAM = 8
WINDOW = 8
#: A passage is reported when it is in at least this many statements and this share of them.
MIN_STATEMENTS = 5
MIN_SHARE = 0.005
#: Rows of the table (the most widespread passages).
MAX_ROWS = 50
_MULT = np.uint64(0x9E3779B97F4A7C15)

#: Columns of :attr:`RepeatedPassages.table`.
PASSAGE_COLUMNS = ("passage", "n_words", "n_statements", "share_statements", "groups", "example_statement_id")


@dataclass(frozen=True, eq=False, repr=False)
class RepeatedPassages(TableResult):
    """Passages found in many statements (:func:`repeated_passages`).

    ``table`` columns: ``passage`` (its words as written in the first statement that has it, by
    id; punctuation left out), ``n_words``, ``n_statements`` (statements with the passage),
    ``share_statements`` (of the corpus' statements), ``groups`` (the statements by the
    ``group_by`` column, most first: ``"dw.com 157"``; "" without one), ``example_statement_id``.
    Sorted by ``n_statements`` and ``n_words`` (descending), then ``passage``; at most :data:`MAX_ROWS` rows.
    ``params``: ``ngram``, ``window``, ``min_statements``, ``n_statements``, ``group_by``,
    ``n_passages`` (before the row cap).
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("min_statements",)

    def summary(self) -> pd.DataFrame:
        return self.table[["passage", "n_statements", "groups"]].head(10)


def min_statements_for(n_statements: int) -> int:
    """Statements a passage needs: at least :data:`MIN_STATEMENTS` and :data:`MIN_SHARE` of the corpus.

    >>> min_statements_for(8), min_statements_for(3788)
    (5, 19)
    """
    return max(MIN_STATEMENTS, math.ceil(MIN_SHARE * n_statements - 1e-9))


def _word_hashes(strings: list[str]) -> np.ndarray:
    return np.array([int.from_bytes(hashlib.blake2b(s.encode("utf-8"), digest_size=8).digest(), "little")
                     for s in strings], dtype=np.uint64)


def _words(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(token codes, word hashes, row positions)`` of the words of a token table, in text order."""
    token = table["token"]
    if isinstance(token.dtype, pd.CategoricalDtype):
        codes, types = token.cat.codes.to_numpy(), [str(t) for t in token.cat.categories]
    else:
        codes, uniques = pd.factorize(token.astype(str))
        types = [str(t) for t in uniques]
    lower = [t.lower() for t in types]
    is_word = np.array([any(c.isalpha() for c in t) and "://" not in t and not t.startswith("www.") for t in lower],
                       dtype=bool)
    reason = table["reason"].astype(str).to_numpy()
    keep = is_word[codes] & (reason != "punctuation") & (reason != "number")
    rows = np.flatnonzero(keep)
    return codes[rows], _word_hashes(lower)[codes[rows]], rows


def _grams(hashes: np.ndarray, statement: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Hash of every run of NGRAM words within one statement: ``(start index, hash)``."""
    n = len(hashes)
    if n < NGRAM:
        return np.zeros(0, np.int64), np.zeros(0, np.uint64)
    with np.errstate(over="ignore"):
        g = np.zeros(n - NGRAM + 1, dtype=np.uint64)
        for j in range(NGRAM):
            g = g * _MULT + hashes[j:n - NGRAM + 1 + j]
    start = np.arange(n - NGRAM + 1)
    same = statement[start] == statement[start + NGRAM - 1]
    return start[same], g[same]


def _statement_codes(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    ids = table["statement_id"].astype(str).to_numpy()
    codes, uniques = pd.factorize(ids)
    return codes, np.asarray(uniques, dtype=object)


def piece_fingerprints(tokens: Any) -> np.ndarray:
    """The distinct fingerprints of each statement of ``tokens`` (a :class:`Tokens`, or one chunk of a store),
    concatenated: counting them over all pieces counts the statements holding each fingerprint."""
    table = tokens.table
    if not len(table):
        return np.zeros(0, np.uint64)
    scode, _ = _statement_codes(table)
    _, hashes, rows = _words(table)
    statement = scode[rows]
    start, g = _grams(hashes, statement)
    if not len(g):
        return np.zeros(0, np.uint64)
    out = []
    owner = statement[start]
    bounds = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        seg = g[a:b]
        if len(seg) <= WINDOW:
            out.append(seg.min(keepdims=True))
        else:
            out.append(np.lib.stride_tricks.sliding_window_view(seg, WINDOW).min(axis=1))
        out[-1] = np.unique(out[-1])
    return np.concatenate(out)


def piece_passages(piece: Any, tokens: Any, *, frequent: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Where one piece may hold repeated passages (a 2-tuple, as ``map_pieces`` functions return).

    ``frequent``: the sorted fingerprints in enough statements. Around every run of NGRAM words
    whose hash is one (up to ``NGRAM + WINDOW`` words either side) the piece gives every run's hash,
    ``grams`` (``statement_id, start, hash``), and the words, ``words`` (``statement_id, index,
    word``; word ``index`` of the statement's words): the passages' full extent is then decided on
    all of them (:func:`_assemble`), not only on the winnowed fingerprints.
    """
    grams_empty = pd.DataFrame({"statement_id": pd.Series([], dtype=str), "start": pd.Series([], dtype=np.int64),
                                "hash": pd.Series([], dtype=np.uint64)})
    words_empty = pd.DataFrame({"statement_id": pd.Series([], dtype=str), "index": pd.Series([], dtype=np.int64),
                                "word": pd.Series([], dtype=str)})
    table = tokens.table
    if not len(table) or not len(frequent):
        return grams_empty, words_empty
    scode, sids = _statement_codes(table)
    _, hashes, rows = _words(table)
    statement = scode[rows]
    start, g = _grams(hashes, statement)
    pos = np.minimum(np.searchsorted(frequent, g), len(frequent) - 1)
    hit = frequent[pos] == g
    if not hit.any():
        return grams_empty, words_empty
    reach = NGRAM + WINDOW
    near = np.zeros(len(rows) + 1, dtype=np.int64)
    np.add.at(near, np.maximum(start[hit] - reach, 0), 1)
    np.add.at(near, np.minimum(start[hit] + reach + 1, len(rows)), -1)
    close = (np.cumsum(near[:-1]) > 0)[start]
    # Word index within its statement: words are in statement order.
    first = np.r_[0, np.flatnonzero(statement[1:] != statement[:-1]) + 1]
    index = np.arange(len(rows)) - np.repeat(first, np.diff(np.r_[first, len(rows)]))
    keep_words = np.zeros(len(rows), dtype=bool)
    for j in range(NGRAM):
        keep_words[start[close] + j] = True
    surface = table["token"].astype(str).to_numpy()[rows]
    grams = pd.DataFrame({"statement_id": sids[statement[start[close]]].astype(str),
                          "start": index[start[close]].astype(np.int64), "hash": g[close]})
    words = pd.DataFrame({"statement_id": sids[statement[keep_words]].astype(str),
                          "index": index[keep_words].astype(np.int64), "word": surface[keep_words]})
    return grams, words


def count_fingerprints(parts: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(fingerprints, statements)`` summed over pieces' :func:`piece_fingerprints`, sorted by fingerprint."""
    arrays = [p for p in parts if len(p)]
    if not arrays:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    return np.unique(np.concatenate(arrays), return_counts=True)


def repeated_passages(tokens: Any, *, corpus: Any, group_by: str | None = None,
                      min_statements: int | None = None,
                      frequent_keys: Callable[..., tuple[np.ndarray, np.ndarray]] | None = None,
                      map_pieces: Any = None) -> RepeatedPassages:
    """Passages of 15 words or more found in at least ``min_statements`` statements (module docstring).

    ``tokens``: a :class:`~textanalytics.preprocessing.Tokens` or a token store (read chunk by
    chunk); ``corpus``: its corpus (statements and their ``group_by`` values); ``min_statements``:
    default :func:`min_statements_for` the corpus' statements. ``frequent_keys`` and
    ``map_pieces`` (the Spark backend's :meth:`~textanalytics.spark.run.SparkRun.frequent_keys`
    and ``map_pieces``): fingerprints counted and passages found on the executors; the same table.

    >>> repeated_passages(preprocess(corpus), corpus=corpus, group_by="outlet").table  # doctest: +SKIP
    """
    statements = getattr(corpus, "statements", corpus)
    n = len(statements)
    need = min_statements_for(n) if min_statements is None else int(min_statements)
    if frequent_keys is not None:
        frequent, _ = frequent_keys(piece_fingerprints, min_count=need)
    else:
        found, counts = count_fingerprints(piece_fingerprints(chunk) for chunk in tokens.chunk_tokens())
        frequent = found[counts >= need]
    frequent = np.sort(np.asarray(frequent, np.uint64))
    params = {"ngram": NGRAM, "window": WINDOW, "min_statements": need, "n_statements": n, "group_by": group_by}
    fn = functools.partial(piece_passages, frequent=frequent)
    if not len(frequent):
        parts = []
    elif map_pieces is not None:
        parts = list(map_pieces(fn))
    else:
        parts = [fn(None, chunk) for chunk in tokens.chunk_tokens()]
    table = _assemble(parts, statements=statements, group_by=group_by, need=need, n=n)
    params["n_passages"] = int(table.attrs.pop("n_passages", len(table)))
    log.info("repeated passages: %d in %d or more of %d statements", params["n_passages"], need, n)
    return RepeatedPassages(table=table, params=params)


def _assemble(parts: list[tuple[pd.DataFrame, pd.DataFrame]], *, statements: pd.DataFrame, group_by: str | None,
              need: int, n: int) -> pd.DataFrame:
    """The passages from the pieces' neighbourhoods of hits: runs of words covered by runs of NGRAM words
    found in at least ``need`` statements, grouped by their most widespread run (ties: the smallest hash)."""
    empty = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in zip(
        PASSAGE_COLUMNS, (str, np.int64, np.int64, float, str, str))})
    empty.attrs["n_passages"] = 0
    grams = [g for g, _ in parts if len(g)]
    if not grams:
        return empty
    grams = pd.concat(grams, ignore_index=True)
    words = pd.concat([w for _, w in parts if len(w)], ignore_index=True)
    per_hash = grams.drop_duplicates(["statement_id", "hash"]).groupby("hash")["statement_id"].size()
    widespread = per_hash[per_hash >= need]
    grams = grams[grams["hash"].isin(widespread.index)].assign(count=lambda d: d["hash"].map(widespread))
    if not len(grams):
        return empty
    word_of = {(s, i): w for s, i, w in zip(words["statement_id"], words["index"], words["word"])}
    runs = []
    for sid, part in grams.sort_values(["statement_id", "start"], kind="stable").groupby("statement_id", sort=True):
        starts = part["start"].to_numpy()
        # Runs of NGRAM words that overlap or touch form one passage.
        breaks = np.flatnonzero(starts[1:] > starts[:-1] + NGRAM) + 1
        for block in np.split(np.arange(len(part)), breaks):
            b = part.iloc[block]
            lo, hi = int(b["start"].min()), int(b["start"].max()) + NGRAM
            best = b.sort_values(["count", "hash"], ascending=[False, True], kind="stable").iloc[0]
            runs.append((sid, best["hash"], hi - lo, " ".join(word_of[(sid, i)] for i in range(lo, hi))))
    runs = pd.DataFrame(runs, columns=["statement_id", "key", "n_words", "passage"])
    group_of = {}
    if group_by and group_by in statements:
        group_of = {str(s): ("(none)" if is_missing(v) else label_str(v))
                    for s, v in zip(statements["statement_id"].astype(str), statements[group_by])}
    rows = []
    for _, part in runs.sort_values(["key", "statement_id", "n_words"], ascending=[True, True, False],
                                    kind="stable").groupby("key", sort=True):
        ids = part["statement_id"].drop_duplicates()
        if len(ids) < need:
            continue
        widest = part.sort_values(["n_words", "statement_id"], ascending=[False, True], kind="stable").iloc[0]
        groups = ""
        if group_of:
            tally = pd.Series([group_of.get(s, "(none)") for s in ids]).value_counts()
            tally = tally.sort_index(kind="stable").sort_values(ascending=False, kind="stable")
            groups = ", ".join(f"{g} {c}" for g, c in tally.head(3).items()) + (", ..." if len(tally) > 3 else "")
        rows.append((widest["passage"], int(widest["n_words"]), len(ids), len(ids) / max(n, 1), groups,
                     str(ids.iloc[0])))
    if not rows:
        return empty
    table = pd.DataFrame(rows, columns=list(PASSAGE_COLUMNS))
    table = (table.sort_values(["n_statements", "n_words", "passage"], ascending=[False, False, True], kind="stable")
             .drop_duplicates("passage").reset_index(drop=True))
    total = len(table)
    table = table.head(MAX_ROWS).astype({"n_words": np.int64, "n_statements": np.int64,
                                         "share_statements": float}).reset_index(drop=True)
    table.attrs["n_passages"] = total
    return table
