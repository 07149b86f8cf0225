"""Multiword matching on token-id arrays: aliases (and curated phrases) without a Python loop per token.

An alias variant such as "Islamic State" or "foreign terrorist fighters" is
tokenised and lemmatised like the corpus, so it becomes a short sequence of
ids; :func:`match_sequences` finds every occurrence of every sequence in the
corpus' id array with a few vectorised comparisons per sequence.

Rules (documented for researchers in ``docs/preprocessing.md`` and the config):

* matching is on lower-case lemmas, so "foreign terrorist fighter" also
  matches "Foreign Terrorist Fighters" and "ISIL" matches "ISIL's"; a variant
  marked ``case_sensitive`` matches the token's exact spelling (possessive
  stripped), so ``US`` is the country but "us" stays a pronoun;
* longer variants win over shorter ones; among equals, the earlier line of the
  table wins; occurrences do not overlap and never cross a sentence boundary;
* the first token of an occurrence becomes the canonical token; the others are
  dropped with reason ``alias_part``.

:func:`alias_patterns`, :func:`curated_patterns` and :func:`phrase_patterns`
turn the alias table, the curated phrases and the stopword sequences
(``right hon``) into id sequences of a run (:mod:`.passes`);
:func:`apply_aliases`, :func:`drop_sequences` and :func:`apply_curated` apply
them to the run's per-token arrays (:class:`~.state.Work`).

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
import pandas as pd

from ..errors import InputError
from .config import PreprocessConfig
from .lemmatize import lemma_keys, normalize_word
from .resources import load_alias_tables
from .state import REASON_CODE, Vocab, Work
from .token_types import HAS_ALNUM
from .words import word_tokenize


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


# -- applying aliases and curated phrases to a run's arrays -----------------------------------

def _sequence_keys(text: str, *, case_sensitive: bool, config: PreprocessConfig, vocab: Vocab,
                   case_vocab: Vocab, exceptions: dict[str, str], create: bool = False) -> tuple[int, ...] | None:
    """Ids of a variant's tokens; None when a token never occurs in the corpus (unless ``create``)."""
    toks = word_tokenize(text)
    if case_sensitive:
        strings = [normalize_word(t, lowercase=False) for t in toks]
        space = case_vocab
    else:
        strings = lemma_keys(toks, exceptions=exceptions, lemmatize=config.lemmatize)
        space = vocab
    if create:
        return tuple(space.id(s) for s in strings) if strings else None
    ids = [space.index.get(s) for s in strings]
    if not ids or any(i is None for i in ids):
        return None
    return tuple(ids)


def alias_patterns(config: PreprocessConfig, vocab: Vocab, case_vocab: Vocab,
                   exceptions: dict[str, str], *, every: bool = False) -> tuple[list[SequencePattern], int]:
    """Alias variants as id sequences: those whose words all occur in the corpus (or ``every`` one)."""
    table = load_alias_tables(config.aliases, presets=config.alias_presets)
    patterns = []
    for variant, canonical, cs in zip(table["variant"], table["canonical"], table["case_sensitive"]):
        keys = _sequence_keys(variant, case_sensitive=bool(cs), config=config, vocab=vocab,
                              case_vocab=case_vocab, exceptions=exceptions, create=every)
        if keys is not None:
            patterns.append(SequencePattern(keys=keys, case_sensitive=bool(cs),
                                            target=vocab.id(canonical), label=variant))
    return patterns, len(table)


def curated_patterns(config: PreprocessConfig, vocab: Vocab, case_vocab: Vocab,
                     exceptions: dict[str, str], aliases: list[SequencePattern]) -> list[SequencePattern]:
    """Curated phrases as id sequences in the post-alias lemma space."""
    return phrase_patterns(config.curated_phrases, setting="curated_phrases", config=config, vocab=vocab,
                           case_vocab=case_vocab, exceptions=exceptions, aliases=aliases)


def phrase_patterns(phrases: tuple[str, ...], *, setting: str, config: PreprocessConfig, vocab: Vocab,
                    case_vocab: Vocab, exceptions: dict[str, str],
                    aliases: list[SequencePattern]) -> list[SequencePattern]:
    """Phrases of two or more words (curated phrases, stopword sequences) as id sequences after aliases."""
    patterns = []
    for phrase in phrases:
        toks = word_tokenize(phrase)
        words = [normalize_word(t) for t in toks if HAS_ALNUM.search(t)]
        if len(words) < 2:
            raise InputError(f"[preprocess] {setting}: {phrase!r} has fewer than two words")
        term = "_".join(words)
        # Ids are created for words the corpus lacks: an alias inside the phrase may still match
        # ("United Nations Charter" -> un, charter finds "UN Charter").
        keys = _sequence_keys(phrase, case_sensitive=False, config=config, vocab=vocab,
                              case_vocab=case_vocab, exceptions=exceptions, create=True)
        cs_keys = _sequence_keys(phrase, case_sensitive=True, config=config, vocab=vocab,
                                 case_vocab=case_vocab, exceptions=exceptions, create=True)
        karr = np.asarray(keys, dtype=np.int64)
        carr = np.asarray(cs_keys, dtype=np.int64)
        m = match_sequences(aliases, keys=karr, case_keys=carr, sentence=np.zeros(len(karr), np.int64))
        if len(m):
            karr = karr.copy()
            karr[m.start] = [aliases[i].target for i in m.pattern.tolist()]
            karr = karr[~follower_mask(m, len(karr))]
        if len(karr) < 2:
            continue
        patterns.append(SequencePattern(keys=tuple(int(k) for k in karr), case_sensitive=False,
                                        target=vocab.id(term), label=phrase))
    return patterns


def apply_aliases(w: Work, patterns: list[SequencePattern], case_key: np.ndarray,
                  vocab: Vocab, types: list[str], drop_repeats: bool) -> pd.DataFrame:
    """Heads take the canonical token, followers are dropped; return the alias counts table."""
    m = match_sequences(patterns, keys=w.key, case_keys=case_key, sentence=w.sentence)
    counts = pd.DataFrame({"canonical": pd.Series([], dtype=str), "variant": pd.Series([], dtype=str),
                           "count": pd.Series([], dtype="int64")})
    if not len(m):
        return counts
    targets = np.asarray([patterns[i].target for i in m.pattern.tolist()], dtype=np.int64)
    w.key[m.start] = w.lemma[m.start] = w.term[m.start] = targets
    w.reason[m.start] = 0
    followers = follower_mask(m, len(w.key))
    w.reason[followers] = REASON_CODE["alias_part"]
    if drop_repeats:
        _drop_alias_repeats(w, m.start, targets, followers, types)
    pidx, pcount = np.unique(m.pattern, return_counts=True)
    return pd.DataFrame({
        "canonical": [vocab.strings[patterns[i].target] for i in pidx.tolist()],
        "variant": [patterns[i].label for i in pidx.tolist()],
        "count": pcount.astype(np.int64),
    }).sort_values(["canonical", "variant"], kind="stable").reset_index(drop=True)


def _drop_alias_repeats(w: Work, heads: np.ndarray, targets: np.ndarray, followers: np.ndarray,
                        types: list[str]) -> None:
    """Drop aliases repeated in parentheses right after the same concept.

    "foreign terrorist fighters (FTFs)" and "the Islamic State (ISIL/DAESH)"
    name one concept once: the parenthesised heads get reason ``alias_part``.
    """
    n = len(w.key)
    target_at = np.full(n, -1, dtype=np.int64)
    target_at[heads] = targets
    # Position of the head that owns each alias follower (for "the token before the bracket").
    owner = np.arange(n)
    fpos = np.flatnonzero(followers)
    if len(fpos):
        owner[fpos] = heads[np.searchsorted(heads, fpos, side="right") - 1]
    code_of = {t: i for i, t in enumerate(types) if t in ("(", ")", "/", ",")}
    if "(" not in code_of or ")" not in code_of:
        return
    opens = np.flatnonzero(w.codes == code_of["("])
    opens = opens[(opens > 0) & (opens + 2 < n)]
    opens = opens[target_at[opens + 1] >= 0]
    separators = {code_of.get("/"), code_of.get(",")} - {None}
    for q in opens.tolist():
        concept = target_at[owner[q - 1]]
        if concept < 0 or w.sentence[q - 1] != w.sentence[q]:
            continue
        inside, j = [], q + 1
        while j < n and target_at[j] == concept:
            inside.append(j)
            j += 1
            while j < n and w.reason[j] == REASON_CODE["alias_part"]:
                j += 1
            if j < n and w.codes[j] in separators and j + 1 < n and target_at[j + 1] == concept:
                j += 1
        if inside and j < n and w.codes[j] == code_of[")"]:
            w.reason[inside] = REASON_CODE["alias_part"]


def drop_sequences(w: Work, patterns: list[SequencePattern]) -> int:
    """Stopword sequences ("right hon"): every token of a match is dropped as a stopword; return the matches.

    Matched like curated phrases (lemmas after aliases, alias followers
    skipped, within a sentence) but across punctuation, so a line of page
    furniture matches however it is punctuated ("Google+ Whatsapp"); run
    before curated phrases, so a curated phrase that overlaps a stopword
    sequence still joins.
    """
    if not patterns:
        return 0
    stream = np.flatnonzero((w.reason != REASON_CODE["alias_part"]) & (w.reason != REASON_CODE["punctuation"]))
    m = match_sequences(patterns, keys=w.key[stream], case_keys=np.full(len(stream), -1),
                        sentence=w.sentence[stream])
    if len(m):
        w.reason[stream[m.start]] = REASON_CODE["stopword"]
        w.reason[stream[follower_mask(m, len(stream))]] = REASON_CODE["stopword"]
    return len(m)


def apply_curated(w: Work, patterns: list[SequencePattern]) -> None:
    """Curated phrases on lemmas after aliases (alias followers skipped); followers dropped."""
    if not patterns:
        return
    stream = np.flatnonzero(w.reason != REASON_CODE["alias_part"])
    m = match_sequences(patterns, keys=w.key[stream], case_keys=np.full(len(stream), -1),
                        sentence=w.sentence[stream])
    if len(m):
        heads = stream[m.start]
        w.term[heads] = [patterns[i].target for i in m.pattern.tolist()]
        w.reason[heads] = 0
        w.reason[stream[follower_mask(m, len(stream))]] = REASON_CODE["phrase_part"]
