"""Multiword matching on token-id arrays: aliases (and curated phrases) without a Python loop per token.

An alias variant such as "Islamic State" or "foreign terrorist fighters" is
tokenised and lemmatised like the corpus, so it becomes a short sequence of
ids; :func:`match_sequences` finds every occurrence of every sequence in the
corpus' id array with a few vectorised comparisons per sequence.

Rules (documented for researchers in ``data/aliases.csv`` and the config):

* matching is on lower-case lemmas, so "foreign terrorist fighter" also
  matches "Foreign Terrorist Fighters" and "ISIL" matches "ISIL's"; a variant
  marked ``case_sensitive`` matches the token's exact spelling (possessive
  stripped), so ``US`` is the country but "us" stays a pronoun;
* longer variants win over shorter ones; among equals, the earlier line of the
  table wins; occurrences do not overlap and never cross a sentence boundary;
* the first token of an occurrence becomes the canonical token; the others are
  dropped with reason ``alias_part``.

Example
-------
>>> import numpy as np
>>> pats = [SequencePattern(keys=(1, 2), case_sensitive=False, target=9, label="islamic state")]
>>> m = match_sequences(pats, keys=np.array([0, 1, 2, 1]), case_keys=np.array([0, 1, 2, 1]),
...                     sentence=np.zeros(4, int))
>>> m.start.tolist(), m.length.tolist(), m.pattern.tolist()
([1], [2], [0])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SequencePattern:
    """One sequence to find: ``keys`` (ids in the lemma or case-sensitive key space), ``target`` id."""

    keys: tuple[int, ...]
    case_sensitive: bool
    target: int
    label: str


@dataclass(frozen=True)
class Matches:
    """Non-overlapping occurrences, sorted by ``start``: ``start``, ``length``, ``pattern`` (index)."""

    start: np.ndarray
    length: np.ndarray
    pattern: np.ndarray

    def __len__(self) -> int:
        return len(self.start)


def _drop_overlaps(starts: np.ndarray, length: int) -> np.ndarray:
    """Keep the leftmost of overlapping starts of one pattern (greedy, left to right)."""
    if len(starts) < 2 or not np.any(np.diff(starts) < length):
        return starts
    keep = []
    last_end = -1
    for s in starts.tolist():
        if s >= last_end:
            keep.append(s)
            last_end = s + length
    return np.asarray(keep, dtype=starts.dtype)


def match_sequences(patterns: list[SequencePattern], *, keys: np.ndarray, case_keys: np.ndarray,
                    sentence: np.ndarray, eligible: np.ndarray | None = None) -> Matches:
    """Find non-overlapping occurrences of ``patterns`` (longest first, then list order).

    ``keys``/``case_keys`` are the per-token ids the patterns' ``keys`` refer to
    (lemma space, case-sensitive space); a match lies within one ``sentence``
    value and only on tokens where ``eligible`` (default: all) is true.

    >>> import numpy as np
    >>> p = [SequencePattern((5,), False, 7, "isis")]
    >>> match_sequences(p, keys=np.array([5, 5]), case_keys=np.array([0, 0]),
    ...                 sentence=np.array([1, 2])).start.tolist()
    [0, 1]
    """
    n = len(keys)
    claimed = np.zeros(n, dtype=bool) if eligible is None else ~np.asarray(eligible, dtype=bool)
    order = sorted(range(len(patterns)), key=lambda i: (-len(patterns[i].keys), i))
    starts_out, lengths_out, patterns_out = [], [], []
    first_cache: dict[tuple[bool, int], np.ndarray] = {}
    for i in order:
        pat = patterns[i]
        size = len(pat.keys)
        if size == 0 or size > n:
            continue
        arr = case_keys if pat.case_sensitive else keys
        cache_key = (pat.case_sensitive, pat.keys[0])
        starts = first_cache.get(cache_key)
        if starts is None:
            starts = first_cache[cache_key] = np.flatnonzero(arr == pat.keys[0])
        starts = starts[starts + size <= n]
        if not len(starts):
            continue
        ok = ~claimed[starts]
        for offset in range(1, size):
            ok &= (arr[starts + offset] == pat.keys[offset]) & ~claimed[starts + offset]
        if size > 1:
            ok &= sentence[starts + size - 1] == sentence[starts]
        starts = _drop_overlaps(starts[ok], size)
        if not len(starts):
            continue
        for offset in range(size):
            claimed[starts + offset] = True
        starts_out.append(starts)
        lengths_out.append(np.full(len(starts), size, dtype=np.int64))
        patterns_out.append(np.full(len(starts), i, dtype=np.int64))
    if not starts_out:
        empty = np.zeros(0, dtype=np.int64)
        return Matches(empty, empty.copy(), empty.copy())
    start = np.concatenate(starts_out).astype(np.int64)
    by_start = np.argsort(start, kind="stable")
    return Matches(start[by_start], np.concatenate(lengths_out)[by_start],
                   np.concatenate(patterns_out)[by_start])


def follower_mask(matches: Matches, n: int) -> np.ndarray:
    """Boolean mask of the tokens after the first one of each match.

    >>> import numpy as np
    >>> follower_mask(Matches(np.array([1]), np.array([3]), np.array([0])), 5).tolist()
    [False, False, True, True, False]
    """
    mask = np.zeros(n, dtype=bool)
    if not len(matches):
        return mask
    # Mark [start+1, start+length) with a difference array (matches never overlap).
    diff = np.zeros(n + 1, dtype=np.int64)
    np.add.at(diff, matches.start + 1, 1)
    np.add.at(diff, matches.start + matches.length, -1)
    return np.cumsum(diff[:n]) > 0
