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
``min_statements`` statements marks a repeated passage. Its extent: every run of NGRAM words
near such a fingerprint is counted the same way, and a passage is a stretch covered by runs in
``min_statements`` statements. Three passes over the tokens, each per statement, so the
counts are exact whichever way the tokens are cut into chunks (in memory, streamed, or on
Spark's executors: :meth:`~textanalytics.spark.run.SparkRun.frequent_keys` counts with
``reduceByKey``); only the frequent hashes and one row per statement and passage reach the
driver. Hashes are BLAKE2b of the words, the same in every process.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, NamedTuple

import numpy as np
import pandas as pd

from ..grouping import is_missing, label_str
from ..preprocessing.model import NON_WORD_REASONS, column_codes
from ..preprocessing.words import is_url_token
from ..results import TableResult

__all__ = ["repeated_passages", "RepeatedPassages", "PASSAGE_COLUMNS", "piece_fingerprints", "piece_near_grams",
           "piece_passages",
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


class _Runs(NamedTuple):
    """A token table's words (text order) and their runs of NGRAM words within one statement."""

    ids: np.ndarray        # statement ids by code
    statement: np.ndarray  # per word, its statement's code
    codes: np.ndarray      # per word, its token type's code
    types: np.ndarray      # token types as written, by code
    start: np.ndarray      # per run, the index of its first word
    hashes: np.ndarray     # per run, its hash


def _runs(table: pd.DataFrame) -> _Runs:
    """The words of a token table (its tokens but punctuation, numbers and URLs) and their runs' hashes."""
    codes, types = column_codes(table["token"])
    lower = [t.lower() for t in types]
    is_word = np.array([any(c.isalpha() for c in t) and not is_url_token(t) for t in lower], dtype=bool)
    reason_codes, reasons = column_codes(table["reason"])
    not_word = np.isin(reason_codes, [i for i, r in enumerate(reasons) if r in NON_WORD_REASONS])
    rows = np.flatnonzero(is_word[codes] & ~not_word)
    scode, ids = column_codes(table["statement_id"])
    statement, word_codes = scode[rows], codes[rows]
    start, g = _grams(_word_hashes(lower)[word_codes], statement)
    return _Runs(np.asarray(ids, dtype=object), statement, word_codes, np.asarray(types, dtype=object), start, g)


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


def _distinct(keys: np.ndarray, statement: np.ndarray) -> np.ndarray:
    """``keys`` with each (statement, key) pair once: counting them counts the statements holding a key."""
    order = np.lexsort((keys, statement))
    keys, statement = keys[order], statement[order]
    return keys[np.r_[True, (keys[1:] != keys[:-1]) | (statement[1:] != statement[:-1])]]


def piece_fingerprints(tokens: Any) -> np.ndarray:
    """The distinct fingerprints of each statement of ``tokens`` (a :class:`Tokens`, or one chunk of a store),
    concatenated: counting them over all pieces counts the statements holding each fingerprint."""
    if not len(tokens.table):
        return np.zeros(0, np.uint64)
    r = _runs(tokens.table)
    start, g = r.start, r.hashes
    if not len(g):
        return np.zeros(0, np.uint64)
    owner = r.statement[start]
    firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    sizes = np.diff(np.r_[firsts, len(g)])
    # The smallest hash of every WINDOW consecutive runs within a statement; a statement with fewer
    # runs than that gives the smallest of its runs.
    mins, who = [], []
    if len(g) >= WINDOW:
        windows = np.lib.stride_tricks.sliding_window_view(g, WINDOW).min(axis=1)
        inside = owner[:len(windows)] == owner[WINDOW - 1:]
        mins.append(windows[inside])
        who.append(owner[:len(windows)][inside])
    short = sizes < WINDOW
    if short.any():
        mins.append(np.minimum.reduceat(g, firsts)[short])
        who.append(owner[firsts][short])
    return _distinct(np.concatenate(mins), np.concatenate(who))


def _hits(grams: np.ndarray, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which ``grams`` are among the sorted ``keys``, and their index there."""
    if not len(keys):
        return np.zeros(len(grams), dtype=bool), np.zeros(len(grams), dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys, grams), len(keys) - 1)
    return keys[pos] == grams, pos


def piece_near_grams(tokens: Any, *, frequent: np.ndarray) -> np.ndarray:
    """The hashes of the runs of NGRAM words near a frequent fingerprint (within ``NGRAM + WINDOW`` words),
    each at most once per statement: counted over the pieces, they decide how far a passage reaches."""
    if not len(tokens.table) or not len(frequent):
        return np.zeros(0, np.uint64)
    r = _runs(tokens.table)
    hit, _ = _hits(r.hashes, frequent)
    if not hit.any():
        return np.zeros(0, np.uint64)
    reach = NGRAM + WINDOW
    near = np.zeros(len(r.statement) + 1, dtype=np.int64)
    np.add.at(near, np.maximum(r.start[hit] - reach, 0), 1)
    np.add.at(near, np.minimum(r.start[hit] + reach + 1, len(r.statement)), -1)
    close = (np.cumsum(near[:-1]) > 0)[r.start]
    return _distinct(r.hashes[close], r.statement[r.start[close]])


def piece_passages(piece: Any, tokens: Any, *, grams: np.ndarray, counts: np.ndarray) -> tuple[pd.DataFrame]:
    """One piece's repeated passages (a 1-tuple, as ``map_pieces`` functions return): a row per statement and
    passage, ``statement_id, key, n_words, passage``.

    ``grams``: the sorted hashes of runs of NGRAM words in enough statements, ``counts`` their
    statements. A passage is a stretch of words covered by such runs (overlapping or touching);
    ``key``, its identity across statements, is its most widespread run (ties: the smallest hash).
    """
    empty = pd.DataFrame({"statement_id": pd.Series([], dtype=str), "key": pd.Series([], dtype=np.uint64),
                          "n_words": pd.Series([], dtype=np.int64), "passage": pd.Series([], dtype=str)})
    if not len(tokens.table) or not len(grams):
        return (empty,)
    r = _runs(tokens.table)
    hit, pos = _hits(r.hashes, grams)
    if not hit.any():
        return (empty,)
    statement = r.statement
    hs, hh, hc = r.start[hit], r.hashes[hit], counts[pos[hit]]
    # Runs that overlap or touch (within one statement: runs never cross one) form one passage.
    new = np.r_[True, (hs[1:] > hs[:-1] + NGRAM) | (statement[hs[1:]] != statement[hs[:-1]])]
    block = np.cumsum(new) - 1
    lo = hs[new]
    hi = np.maximum.reduceat(hs, np.flatnonzero(new)) + NGRAM
    # The key: the block's most widespread run, ties by the smallest hash.
    order = np.lexsort((hh, -hc, block))
    key = hh[order][np.r_[True, block[order][1:] != block[order][:-1]]]
    words = [" ".join(r.types[r.codes[a:b]]) for a, b in zip(lo.tolist(), hi.tolist())]
    frame = pd.DataFrame({"statement_id": r.ids[statement[lo]].astype(str), "key": key.astype(np.uint64),
                          "n_words": (hi - lo).astype(np.int64), "passage": words})
    return (frame,)


def count_fingerprints(parts: Iterable[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """``(fingerprints, statements)`` summed over pieces' :func:`piece_fingerprints`, sorted by fingerprint.

    Merged piece by piece, so memory holds the distinct fingerprints so far and one piece's, not every
    piece's at once.
    """
    keys, counts = np.zeros(0, np.uint64), np.zeros(0, np.int64)
    for part in parts:
        if not len(part):
            continue
        new, n = np.unique(part, return_counts=True)
        both = np.concatenate([keys, new])
        keys, inverse = np.unique(both, return_inverse=True)
        counts = np.bincount(inverse, weights=np.concatenate([counts, n]), minlength=len(keys)).astype(np.int64)
    return keys, counts


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
    parts: list[pd.DataFrame] = []
    if len(frequent):
        near = functools.partial(piece_near_grams, frequent=frequent)
        if frequent_keys is not None:
            grams, counts = frequent_keys(near, min_count=need)
        else:
            found, found_counts = count_fingerprints(near(chunk) for chunk in tokens.chunk_tokens())
            grams, counts = found[found_counts >= need], found_counts[found_counts >= need]
        fn = functools.partial(piece_passages, grams=np.asarray(grams, np.uint64), counts=np.asarray(counts, np.int64))
        if map_pieces is not None:
            parts = [rows for (rows,) in map_pieces(fn)]
        else:
            parts = [fn(None, chunk)[0] for chunk in tokens.chunk_tokens()]
    table = _assemble(parts, statements=statements, group_by=group_by, need=need, n=n)
    params["n_passages"] = int(table.attrs.pop("n_passages", len(table)))
    log.info("repeated passages: %d in %d or more of %d statements", params["n_passages"], need, n)
    return RepeatedPassages(table=table, params=params)


def _assemble(parts: list[pd.DataFrame], *, statements: pd.DataFrame, group_by: str | None, need: int,
              n: int) -> pd.DataFrame:
    """The table from the pieces' passages: grouped by key, the widest form as written in its first statement."""
    empty = pd.DataFrame({c: pd.Series([], dtype=t) for c, t in zip(
        PASSAGE_COLUMNS, (str, np.int64, np.int64, float, str, str))})
    empty.attrs["n_passages"] = 0
    runs = [p for p in parts if len(p)]
    if not runs:
        return empty
    runs = pd.concat(runs, ignore_index=True)
    group_of = {}
    if group_by and group_by in statements:
        group_of = {str(s): ("(none)" if is_missing(v) else label_str(v))
                    for s, v in zip(statements["statement_id"].astype(str), statements[group_by])}
    rows = []
    for _, part in runs.groupby("key", sort=True):
        ids = part["statement_id"].drop_duplicates().sort_values(kind="stable")
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
