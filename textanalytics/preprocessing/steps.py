"""``preprocess(corpus, config) -> Tokens``: tokenise, lemmatise, filter, aliases, phrases; cached.

The work is done on integer arrays, one entry per token, and on small tables
of distinct word types: each distinct token string is normalised, lemmatised
and classified once, then the per-token columns are gathered with numpy
indexing. Steps, in order:

1. sentences (NLTK Punkt, :mod:`.punkt`) and tokens (one regular expression, :mod:`.words`);
2. per distinct type: normalised form, lemma (:mod:`.lemmatize`), and whether
   it is punctuation, a number, a stopword or too short;
3. UN resolution numbers after "resolution(s)" become ``resolution_2178``;
4. aliases (:mod:`.aliases`, table in ``data/aliases.csv``): the first token
   of a match takes the canonical token, the others are dropped as
   ``alias_part``, and so is an alias repeated in parentheses right after
   itself ("foreign terrorist fighters (FTFs)");
5. curated phrases (matched on lemmas after aliases, may include stopwords),
   followers dropped as ``phrase_part``;
6. learned phrases (:mod:`.phrases`) over the kept terms, ``phrase_passes`` times;
7. the token table, with categorical string columns.

Results are cached (:mod:`.cache`). Progress is logged at INFO once per chunk
of about two million characters, with a timing summary at the end.

Example
-------
>>> import pandas as pd
>>> from textanalytics.corpus.model import Corpus
>>> paragraphs = pd.DataFrame({"statement_id": ["s1"], "paragraph": [1],
...                            "text": ["ISIL's fighters attacked the Islamic State."]})
>>> corpus = Corpus(statements=pd.DataFrame({"statement_id": ["s1"]}), paragraphs=paragraphs)
>>> tokens = preprocess(corpus, PreprocessConfig(cache_dir="", phrases=False))
>>> tokens.documents()[1]
[['isil', 'fighter', 'attack', 'isil']]
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from ..workers import worker_pool
from .aliases import SequencePattern, follower_mask, match_sequences
from .cache import digest_document, key_document, read_cache, write_cache
from .config import PreprocessConfig
from .lemmatize import lemma_keys, normalize_word, recase
from .model import REASONS, Tokens, _empty_aliases
from .phrases import count_pairs, greedy_starts, merge_pair_counts, score_counts
from .resources import (load_abbreviations, load_aliases, load_lemma_exceptions,
                        load_stopwords)
from .punkt import FastPunkt, PunktSplitter, WholeParagraph, punkt_parameters
from .words import TokenizedChunk, tokenize_chunk, word_tokenize

logger = logging.getLogger(__name__)

#: Characters per tokenising chunk (bounds the numpy engine's scratch memory to ~100 MB;
#: one progress log line per chunk).
CHUNK_CHARS = 2_000_000

_R = {name: i for i, name in enumerate(REASONS)}
_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d.,:/\-]*(?:st|nd|rd|th|s)?$")
_HAS_ALNUM = re.compile(r"[^\W_]")
_RESOLUTION_TRIGGERS = ("resolution", "resolutions", "unscr")  # "resolutions" when not lemmatising
_RESOLUTION_CONNECTORS = frozenset({",", "and", "or", "&", ";"})


# -- input -------------------------------------------------------------------------------------

def _paragraphs(corpus: Any) -> pd.DataFrame:
    """``statement_id, paragraph, text`` of the corpus, sorted; validated."""
    paragraphs = getattr(corpus, "paragraphs", None)
    if not isinstance(paragraphs, pd.DataFrame):
        raise InputError("preprocess: expected a Corpus (with a `paragraphs` table); "
                         "load one with textanalytics.load_corpus(...)")
    missing = [c for c in ("statement_id", "paragraph", "text") if c not in paragraphs.columns]
    if missing:
        raise InputError(f"corpus.paragraphs: column {missing[0]!r} is missing; available columns: "
                         f"{', '.join(map(str, paragraphs.columns))}")
    p = pd.DataFrame({
        "statement_id": paragraphs["statement_id"].astype(str).to_numpy(dtype=object),
        "paragraph": pd.to_numeric(paragraphs["paragraph"], errors="raise").astype("int64").to_numpy(),
        "text": paragraphs["text"].astype(object).where(paragraphs["text"].notna(), "").to_numpy(dtype=object),
    })
    p = p.sort_values(["statement_id", "paragraph"], kind="stable").reset_index(drop=True)
    dup = p.duplicated(["statement_id", "paragraph"])
    if dup.any():
        row = p[dup].iloc[0]
        raise InputError(f"corpus.paragraphs: paragraph {row['paragraph']} of statement "
                         f"{row['statement_id']!r} appears twice; paragraph numbers must be unique")
    p["text"] = [t if isinstance(t, str) else str(t) for t in p["text"]]
    return p


# -- tokenising ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class _SplitterSpec:
    method: str
    params: Any  # PunktParameters or None


def _splitter_from_spec(spec: _SplitterSpec):
    if spec.method == "none":
        return WholeParagraph()
    return PunktSplitter(FastPunkt(spec.params))


_WORKER_SPLITTER = None


def _init_worker(spec: _SplitterSpec) -> None:
    global _WORKER_SPLITTER
    _WORKER_SPLITTER = _splitter_from_spec(spec)


def _tokenize_in_worker(texts: list[str]) -> TokenizedChunk:
    return tokenize_chunk(texts, splitter=_WORKER_SPLITTER)


def _splitter_spec(texts: Sequence[str], config: PreprocessConfig) -> _SplitterSpec:
    if config.sentence_splitter == "none":
        return _SplitterSpec("none", None)
    abbreviations = load_abbreviations(config.abbreviations)
    train = None
    if config.sentence_splitter == "punkt_trained":
        t0 = time.perf_counter()
        train = "\n\n".join(texts)
        logger.info("preprocessing: training Punkt on %d characters", len(train))
    params = punkt_parameters(abbreviations=abbreviations, train_text=train)
    if train is not None:
        logger.info("preprocessing: Punkt trained in %.1f s (%d abbreviations, %d collocations)",
                    time.perf_counter() - t0, len(params.abbrev_types), len(params.collocations))
    return _SplitterSpec("punkt", params)


def _chunks(texts: list[str], size: int) -> list[list[str]]:
    """Consecutive runs of texts of about ``size`` characters (at least one text each)."""
    chunks, current, chars = [], [], 0
    for text in texts:
        if current and chars + len(text) > size:
            chunks.append(current)
            current, chars = [], 0
        current.append(text)
        chars += len(text) + 1
    if current or not chunks:
        chunks.append(current)
    return chunks


def _tokenize(texts: list[str], config: PreprocessConfig) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Tokenise all texts: ``(types, codes, sentence_lengths, paragraph_sentences)``."""
    spec = _splitter_spec(texts, config)
    chunks = _chunks(texts, CHUNK_CHARS)
    parts: list[TokenizedChunk] = []
    done = n_tokens = 0

    def absorb(chunk: TokenizedChunk, n_texts: int) -> None:
        nonlocal done, n_tokens
        parts.append(chunk)
        done += n_texts
        n_tokens += len(chunk.codes)
        logger.info("preprocessing: tokenised %d/%d paragraphs (%d tokens so far)",
                    done, len(texts), n_tokens)

    if config.n_jobs > 1 and len(chunks) > 1:
        workers = min(config.n_jobs, len(chunks), os.cpu_count() or 1)
        with worker_pool(max_workers=workers, initializer=_init_worker, initargs=(spec,)) as pool:
            for chunk, part in zip(pool.map(_tokenize_in_worker, chunks), chunks):
                absorb(chunk, len(part))
    else:
        splitter = _splitter_from_spec(spec)
        for part in chunks:
            absorb(tokenize_chunk(part, splitter=splitter), len(part))
    # One vocabulary for all chunks: factorise the chunks' type lists together.
    all_types = [t for part in parts for t in part.types]
    global_ids, uniques = pd.factorize(np.asarray(all_types, dtype=object)) if all_types else (
        np.zeros(0, np.int64), np.zeros(0, dtype=object))
    codes, offset = [], 0
    for part in parts:
        codes.append(global_ids[offset:offset + len(part.types)][part.codes])
        offset += len(part.types)

    def cat(arrays: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(arrays).astype(np.int32, copy=False) if arrays else np.zeros(0, np.int32)

    return (list(uniques), cat(codes), cat([p.sentence_lengths for p in parts]),
            cat([p.paragraph_sentences for p in parts]))


# -- vocabulary -------------------------------------------------------------------------------

class _Vocab:
    """String <-> id for lemmas, canonical tokens and phrases (insertion order)."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.strings: list[str] = []

    def id(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.strings)
            self.strings.append(s)
        return i

    def ids(self, strings: Sequence[str]) -> np.ndarray:
        if not len(strings):
            return np.zeros(0, dtype=np.int64)
        codes, uniques = pd.factorize(np.asarray(strings, dtype=object))
        return np.fromiter((self.id(s) for s in uniques), dtype=np.int64, count=len(uniques))[codes]


@dataclass
class _Types:
    """Per distinct token type: ids and flags (arrays indexed by type code)."""

    key: np.ndarray         # lower-case lemma id (matching, stopwords)
    case_key: np.ndarray    # case-sensitive id of the surface without possessive
    lemma: np.ndarray       # output lemma id
    reason: np.ndarray      # base reason code (punctuation, number, stopword, short, or 0)
    digits: np.ndarray      # True for tokens of 1-5 ASCII digits (resolution number candidates)
    word: list[str]         # normalised lower-case form


def _analyse_types(types: list[str], config: PreprocessConfig, vocab: _Vocab,
                   case_vocab: _Vocab, exceptions: dict[str, str],
                   stopwords: frozenset[str]) -> _Types:
    n = len(types)
    cased = [normalize_word(t, lowercase=False) for t in types]
    lower = [c.lower() for c in cased]
    key_strings = lemma_keys(types, exceptions=exceptions, lemmatize=config.lemmatize,
                             normalized=(cased, lower))
    key = vocab.ids(key_strings)
    if config.lowercase:
        lemma = key
    else:
        lemma = vocab.ids([recase(k, c) for k, c in zip(key_strings, cased)])
    case_key = case_vocab.ids(cased)
    reason = np.zeros(n, dtype=np.int8)
    digits = np.zeros(n, dtype=bool)
    min_length = config.min_length
    has_alnum = _HAS_ALNUM.search
    is_number = _NUMBER.match
    r_punct, r_number, r_stop, r_short = _R["punctuation"], _R["number"], _R["stopword"], _R["short"]
    for i, (t, w, k) in enumerate(zip(types, lower, key_strings)):
        if not has_alnum(t):
            reason[i] = r_punct
        elif w[0] in "+-\u22120123456789" and is_number(w):
            digits[i] = w.isdigit() and w.isascii() and len(w) <= 5
            if config.drop_numbers:
                reason[i] = r_number
        elif w in stopwords or k in stopwords:
            reason[i] = r_stop
        elif len(k) < min_length:
            reason[i] = r_short
    # int32 ids keep the per-token arrays small (4 bytes a token each).
    return _Types(key=key.astype(np.int32), case_key=case_key.astype(np.int32), lemma=lemma.astype(np.int32),
                  reason=reason, digits=digits, word=lower)


# -- resolution numbers -------------------------------------------------------------------------

def _resolution_numbers(*, codes: np.ndarray, types: list[str], tt: _Types, vocab: _Vocab,
                        sentence: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of UN resolution numbers and their ``resolution_<n>`` ids.

    A number counts when it follows "resolution(s)" (or "UNSCR") in the same
    sentence, directly or through a list: "resolutions 1624 (2005), 2178
    (2014) and 2354 (2017)"; years in parentheses are skipped.
    """
    trigger_ids = [vocab.index[t] for t in _RESOLUTION_TRIGGERS if t in vocab.index]
    if not trigger_ids:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    key = tt.key[codes]
    starts = np.flatnonzero(np.isin(key, trigger_ids))
    if not len(starts):
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    n = len(codes)
    digits = tt.digits
    positions, ids = [], []
    for p in starts.tolist():
        j = p + 1
        expect = True
        while j < n and sentence[j] == sentence[p]:
            code = codes[j]
            surface = types[code]
            if expect and digits[code]:
                positions.append(j)
                ids.append(vocab.id(f"resolution_{int(surface)}"))
                expect = False
                j += 1
                if (j + 2 < n and types[codes[j]] == "(" and digits[codes[j + 1]]
                        and types[codes[j + 2]] == ")" and sentence[j + 2] == sentence[p]):
                    j += 3
                continue
            if tt.word[code] in _RESOLUTION_CONNECTORS:
                expect = True
                j += 1
                continue
            break
    return np.asarray(positions, dtype=np.int64), np.asarray(ids, dtype=np.int64)


# -- aliases and curated phrases ----------------------------------------------------------------

def _sequence_keys(text: str, *, case_sensitive: bool, config: PreprocessConfig, vocab: _Vocab,
                   case_vocab: _Vocab, exceptions: dict[str, str], create: bool = False) -> tuple[int, ...] | None:
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


def _alias_patterns(config: PreprocessConfig, vocab: _Vocab, case_vocab: _Vocab,
                    exceptions: dict[str, str], *, every: bool = False) -> tuple[list[SequencePattern], int]:
    """Alias variants as id sequences: those whose words all occur in the corpus (or ``every`` one)."""
    table = load_aliases(config.aliases)
    patterns = []
    for variant, canonical, cs in zip(table["variant"], table["canonical"], table["case_sensitive"]):
        keys = _sequence_keys(variant, case_sensitive=bool(cs), config=config, vocab=vocab,
                              case_vocab=case_vocab, exceptions=exceptions, create=every)
        if keys is not None:
            patterns.append(SequencePattern(keys=keys, case_sensitive=bool(cs),
                                            target=vocab.id(canonical), label=variant))
    return patterns, len(table)


def _curated_patterns(config: PreprocessConfig, vocab: _Vocab, case_vocab: _Vocab,
                      exceptions: dict[str, str], aliases: list[SequencePattern]) -> list[SequencePattern]:
    """Curated phrases as id sequences in the post-alias lemma space."""
    patterns = []
    for phrase in config.curated_phrases:
        toks = word_tokenize(phrase)
        words = [normalize_word(t) for t in toks if _HAS_ALNUM.search(t)]
        if len(words) < 2:
            raise InputError(f"[preprocess] curated_phrases: {phrase!r} has fewer than two words")
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


# -- learned phrases ----------------------------------------------------------------------------

def _pair_stream(w: "_Work", keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of kept tokens, and whether each one and the next may form a phrase.

    A stopword, punctuation or number between two kept tokens blocks the pair
    (parts of an alias or phrase do not); so does a sentence boundary or a
    resolution number (``fixed``).
    """
    stream = np.flatnonzero(keep)
    if len(stream) < 2:
        return stream, np.zeros(0, dtype=bool)
    blocking = ~keep & (w.reason != _R["alias_part"]) & (w.reason != _R["phrase_part"])
    blocked = np.cumsum(blocking)
    left, right = stream[:-1], stream[1:]
    adjacent = ((w.sentence[left] == w.sentence[right]) & (blocked[right] - blocked[left] == 0)
                & ~w.fixed[left] & ~w.fixed[right])
    return stream, adjacent


@dataclass(frozen=True)
class _PhrasePlan:
    """The pairs one phrase pass joins: sorted keys ``a * width + b`` and their phrase ids."""

    width: int
    keys: np.ndarray
    ids: np.ndarray
    first_ok: np.ndarray
    second_ok: np.ndarray


def _plan_phrases(scored: pd.DataFrame, *, width: int, vocab: _Vocab, scores: dict[int, float]) -> _PhrasePlan:
    a, b = scored["a"].to_numpy(), scored["b"].to_numpy()
    keys = a * width + b  # sorted: scored is sorted by (a, b)
    ids = np.empty(len(keys), dtype=np.int64)
    for i, (x, y, score) in enumerate(zip(a.tolist(), b.tolist(), scored["score"].tolist())):
        ids[i] = pid = vocab.id(f"{vocab.strings[x]}_{vocab.strings[y]}")
        scores.setdefault(pid, score)
    first_ok = np.zeros(width, dtype=bool)
    second_ok = np.zeros(width, dtype=bool)
    first_ok[a] = True
    second_ok[b] = True
    return _PhrasePlan(width=width, keys=keys, ids=ids, first_ok=first_ok, second_ok=second_ok)


def _join_phrases(w: "_Work", keep: np.ndarray, plan: _PhrasePlan) -> np.ndarray:
    """Join the planned pairs left to right without overlap (in place); return the joined keys."""
    stream, adjacent = _pair_stream(w, keep)
    if not len(adjacent):
        return np.zeros(0, np.int64)
    terms = w.term[stream].astype(np.int64)
    pair_key = terms[:-1] * plan.width + terms[1:]
    # Pairs whose first and second terms both occur in a chosen pair, then an exact lookup.
    maybe = np.flatnonzero(adjacent & plan.first_ok[terms[:-1]] & plan.second_ok[terms[1:]])
    at = np.minimum(np.searchsorted(plan.keys, pair_key[maybe]), len(plan.keys) - 1)
    candidate = np.zeros(len(adjacent), dtype=bool)
    candidate[maybe[plan.keys[at] == pair_key[maybe]]] = True
    joined = greedy_starts(candidate)
    if len(joined):
        hit = pair_key[joined]
        heads, tails = stream[joined], stream[joined + 1]
        w.term[heads] = plan.ids[np.searchsorted(plan.keys, hit)]
        keep[tails] = False
        w.reason[tails] = _R["phrase_part"]
        return hit
    return np.zeros(0, np.int64)


# -- the pipeline --------------------------------------------------------------------------------

def _compact_categorical(ids: np.ndarray, strings: list[str]) -> pd.Categorical:
    """Categorical of ``strings[ids]`` holding only the categories in use, sorted."""
    used = np.flatnonzero(np.bincount(ids, minlength=len(strings))) if len(ids) else np.zeros(0, np.int64)
    names = pd.Index([strings[i] for i in used.tolist()], dtype=str)
    order = names.argsort()  # code point order (Arrow compares UTF-8 bytes: the same order)
    remap = np.zeros(len(strings), dtype=np.int32)
    remap[used[order]] = np.arange(len(used), dtype=np.int32)
    return pd.Categorical.from_codes(remap[ids], categories=names[order], validate=False)


class _Laps:
    """Named durations of the pipeline's steps (logged at the end)."""

    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.laps: list[tuple[str, float]] = []

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.laps.append((name, now - self.last))
        self.last = now

    def summary(self) -> str:
        return ", ".join(f"{name} {seconds:.2f}" for name, seconds in self.laps)


@dataclass
class _Work:
    """Per-token arrays while the pipeline runs (ids index ``vocab.strings``)."""

    codes: np.ndarray     # token type
    sentence: np.ndarray  # global sentence number
    key: np.ndarray       # lower-case lemma id after aliases (matching)
    lemma: np.ndarray     # output lemma id
    term: np.ndarray      # output term id
    reason: np.ndarray    # reason code (0 = kept)
    fixed: np.ndarray     # resolution numbers: never part of a learned phrase


def _layout(sent_len: np.ndarray, para_sents: np.ndarray, n_paragraphs: int) -> dict[str, np.ndarray]:
    """Sentence and paragraph numbers of every token from the per-sentence/paragraph counts."""
    n_sent = len(sent_len)
    tok_cum = np.r_[0, np.cumsum(sent_len, dtype=np.int64)]
    sent_cum = np.r_[0, np.cumsum(para_sents, dtype=np.int64)]
    para_tokens = tok_cum[sent_cum[1:]] - tok_cum[sent_cum[:-1]]
    para_of_sent = np.repeat(np.arange(n_paragraphs, dtype=np.int64), para_sents)
    sent_in_para = np.arange(n_sent, dtype=np.int64) - sent_cum[:-1][para_of_sent] + 1
    para_of_token = np.repeat(np.arange(n_paragraphs, dtype=np.int32), para_tokens)
    position = np.arange(int(tok_cum[-1]), dtype=np.int64) - tok_cum[sent_cum[:-1]][para_of_token] + 1
    return {
        "sentence": np.repeat(np.arange(n_sent, dtype=np.int32), sent_len),
        "sentence_in_paragraph": np.repeat(sent_in_para.astype(np.int32), sent_len),
        "paragraph_tokens": para_tokens,
        "paragraph_of_token": para_of_token,
        "position": position.astype(np.int32),
    }


def _apply_resolutions(w: _Work, types: list[str], tt: _Types, vocab: _Vocab) -> None:
    pos, ids = _resolution_numbers(codes=w.codes, types=types, tt=tt, vocab=vocab, sentence=w.sentence)
    if len(pos):
        w.lemma[pos] = w.key[pos] = w.term[pos] = ids
        w.reason[pos] = 0
        w.fixed[pos] = True
    logger.debug("preprocessing: %d resolution numbers kept as tokens", len(pos))


def _apply_aliases(w: _Work, patterns: list[SequencePattern], case_key: np.ndarray,
                   vocab: _Vocab, types: list[str], drop_repeats: bool) -> pd.DataFrame:
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
    w.reason[followers] = _R["alias_part"]
    if drop_repeats:
        _drop_alias_repeats(w, m.start, targets, followers, types)
    pidx, pcount = np.unique(m.pattern, return_counts=True)
    return pd.DataFrame({
        "canonical": [vocab.strings[patterns[i].target] for i in pidx.tolist()],
        "variant": [patterns[i].label for i in pidx.tolist()],
        "count": pcount.astype(np.int64),
    }).sort_values(["canonical", "variant"], kind="stable").reset_index(drop=True)


def _drop_alias_repeats(w: _Work, heads: np.ndarray, targets: np.ndarray, followers: np.ndarray,
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
            while j < n and w.reason[j] == _R["alias_part"]:
                j += 1
            if j < n and w.codes[j] in separators and j + 1 < n and target_at[j + 1] == concept:
                j += 1
        if inside and j < n and w.codes[j] == code_of[")"]:
            w.reason[inside] = _R["alias_part"]


def _apply_curated(w: _Work, patterns: list[SequencePattern]) -> None:
    """Curated phrases on lemmas after aliases (alias followers skipped); followers dropped."""
    if not patterns:
        return
    stream = np.flatnonzero(w.reason != _R["alias_part"])
    m = match_sequences(patterns, keys=w.key[stream], case_keys=np.full(len(stream), -1),
                        sentence=w.sentence[stream])
    if len(m):
        heads = stream[m.start]
        w.term[heads] = [patterns[i].target for i in m.pattern.tolist()]
        w.reason[heads] = 0
        w.reason[stream[follower_mask(m, len(stream))]] = _R["phrase_part"]


def _drop_stopword_terms(w: _Work, keep: np.ndarray, stopwords: frozenset[str], vocab: _Vocab) -> None:
    """Stopwords also remove canonical tokens and phrases (``extra_stopwords = ["un"]`` drops "UN")."""
    ids = [vocab.index[s] for s in stopwords if s in vocab.index]
    if ids:
        hit = keep & np.isin(w.term, ids)
        keep[hit] = False
        w.reason[hit] = _R["stopword"]


def _phrase_table(rows: list[tuple[int, str, float]], counts: np.ndarray, vocab: _Vocab) -> pd.DataFrame:
    """Phrases whose term is in use (``counts`` of kept terms by id), in the documented order."""
    seen: set[int] = set()
    out = []
    for pid, source, score in rows:
        if pid in seen or counts[pid] == 0:
            continue
        seen.add(pid)
        out.append((vocab.strings[pid], source, int(counts[pid]), float(score)))
    phrases = pd.DataFrame(out, columns=["phrase", "source", "count", "score"])
    phrases = phrases.astype({"phrase": str, "source": str, "count": "int64", "score": "float64"})
    if len(phrases):
        phrases = (phrases.assign(_neg=-phrases["score"].fillna(np.inf))
                   .sort_values(["source", "_neg", "phrase"], kind="stable")
                   .drop(columns="_neg").reset_index(drop=True))
    return phrases


def _token_table(paragraphs: pd.DataFrame, lay: dict[str, np.ndarray], w: _Work, types: list[str],
                 keep: np.ndarray, vocab: _Vocab) -> pd.DataFrame:
    sids = paragraphs["statement_id"].to_numpy(dtype=object)
    sid_cats = pd.Index(pd.unique(sids).tolist(), dtype=str)  # sorted: paragraphs are sorted
    sid_codes = sid_cats.get_indexer(sids).astype(np.int32)
    para_of_token = lay["paragraph_of_token"]
    return pd.DataFrame({
        "statement_id": pd.Categorical.from_codes(sid_codes[para_of_token], categories=sid_cats,
                                                  validate=False),
        "paragraph": paragraphs["paragraph"].to_numpy(dtype=np.int32)[para_of_token],
        "sentence": lay["sentence_in_paragraph"],
        "position": lay["position"],
        "token": _compact_categorical(w.codes, types),
        "lemma": _compact_categorical(w.lemma, vocab.strings),
        "term": _compact_categorical(w.term, vocab.strings),
        "keep": keep,
        "reason": pd.Categorical.from_codes(w.reason, categories=pd.Index(list(REASONS), dtype=str),
                                            validate=False),
    })


@dataclass
class _Shared:
    """What all chunks of one run share: settings, resources and the id spaces."""

    config: PreprocessConfig
    stopwords: frozenset[str]
    exceptions: dict[str, str]
    vocab: _Vocab
    case_vocab: _Vocab
    curated_targets: list[int]
    n_alias_rows: int = 0


def _shared(config: PreprocessConfig) -> _Shared:
    return _Shared(config=config, stopwords=load_stopwords(config.stopwords, extra=config.extra_stopwords),
                   exceptions=load_lemma_exceptions(config.lemma_exceptions) if config.lemmatize else {},
                   vocab=_Vocab(), case_vocab=_Vocab(), curated_targets=[])


@dataclass
class _Chunk:
    """One chunk of paragraphs after the per-chunk steps (the text itself is no longer needed)."""

    statement_id: np.ndarray  # per paragraph (object)
    paragraph: np.ndarray     # per paragraph (int)
    types: list[str]
    lay: dict[str, np.ndarray]
    w: _Work
    keep: np.ndarray
    aliases: pd.DataFrame


def _front(paragraphs: pd.DataFrame, sh: _Shared) -> _Chunk:
    """Steps 1-5 on one chunk: tokens, types, resolution numbers, aliases, curated phrases."""
    config, vocab, case_vocab = sh.config, sh.vocab, sh.case_vocab
    types, codes, sent_len, para_sents = _tokenize(paragraphs["text"].tolist(), config)
    lay = _layout(sent_len, para_sents, len(paragraphs))
    tt = _analyse_types(types, config, vocab, case_vocab, sh.exceptions, sh.stopwords)
    key = tt.key[codes]
    lemma = key.copy() if config.lowercase else tt.lemma[codes]
    w = _Work(codes=codes, sentence=lay["sentence"], key=key, lemma=lemma, term=lemma.copy(),
              reason=tt.reason[codes], fixed=np.zeros(len(codes), dtype=bool))
    if config.keep_resolution_numbers:
        _apply_resolutions(w, types, tt, vocab)
    alias_patterns, sh.n_alias_rows = _alias_patterns(config, vocab, case_vocab, sh.exceptions)
    aliases = _apply_aliases(w, alias_patterns, tt.case_key[codes], vocab, types, config.drop_alias_repeats)
    curated = []
    if config.curated_phrases:
        every_alias, _ = _alias_patterns(config, vocab, case_vocab, sh.exceptions, every=True)
        curated = _curated_patterns(config, vocab, case_vocab, sh.exceptions, every_alias)
    sh.curated_targets = [p.target for p in curated]
    _apply_curated(w, curated)
    return _Chunk(statement_id=paragraphs["statement_id"].to_numpy(dtype=object),
                  paragraph=paragraphs["paragraph"].to_numpy(dtype=np.int64), types=types, lay=lay, w=w,
                  keep=w.reason == 0, aliases=aliases)


def _finish(c: _Chunk, sh: _Shared) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """Step 7 on one chunk: ``(token table, units, kept-term counts by id)``."""
    _drop_stopword_terms(c.w, c.keep, sh.stopwords, sh.vocab)
    paragraphs = pd.DataFrame({"statement_id": c.statement_id, "paragraph": c.paragraph})
    table = _token_table(paragraphs, c.lay, c.w, c.types, c.keep, sh.vocab)
    units = pd.DataFrame({
        "statement_id": pd.Series(c.statement_id.tolist(), dtype=str),
        "paragraph": c.paragraph.astype(np.int32),
        "n_tokens": c.lay["paragraph_tokens"].astype(np.int64),
        "n_kept": np.bincount(c.lay["paragraph_of_token"][c.keep], minlength=len(c.paragraph)).astype(np.int64),
    })
    counts = np.bincount(c.w.term[c.keep], minlength=len(sh.vocab.strings))
    return table, units, counts


class _Spool:
    """Holds the chunks of a run between the passes over them (here: in memory)."""

    def __init__(self) -> None:
        self._chunks: list[_Chunk] = []

    def __len__(self) -> int:
        return len(self._chunks)

    def append(self, chunk: _Chunk) -> None:
        self._chunks.append(chunk)

    def get(self, i: int) -> _Chunk:
        return self._chunks[i]

    def put(self, i: int, chunk: _Chunk) -> None:
        self._chunks[i] = chunk

    def release(self, i: int) -> None:
        """Chunk ``i`` is no longer needed."""
        self._chunks[i] = None  # type: ignore[call-overload]


def _learn_phrases(spool: _Spool, sh: _Shared) -> dict[int, float]:
    """Step 6 over all chunks: count pairs, score, join; ``phrase_passes`` times.

    Counts add up over chunks (pairs never cross a sentence), so a chunked run
    learns exactly the phrases a single pass over the whole corpus does.
    """
    config, vocab = sh.config, sh.vocab
    scores: dict[int, float] = {}
    for round_ in range(config.phrase_passes):
        width = len(vocab.strings)
        unigram = np.zeros(width, dtype=np.int64)
        total = 0
        pairs: list[tuple[np.ndarray, np.ndarray]] = []
        for i in range(len(spool)):
            c = spool.get(i)
            stream, adjacent = _pair_stream(c.w, c.keep)
            terms = c.w.term[stream].astype(np.int64)
            unigram += np.bincount(terms, minlength=width)
            total += len(terms)
            pairs.append(count_pairs(terms, adjacent=adjacent, width=width))
            if len(pairs) >= 8:  # bound memory: merge as we go
                pairs = [merge_pair_counts(*pairs)]
        if total < 2:
            break
        keys, counts = merge_pair_counts(*pairs)
        del pairs
        scored = score_counts(unigram=unigram, total=total, pair_keys=keys, pair_counts=counts, width=width,
                              min_count=config.phrase_min_count, threshold=config.phrase_threshold)
        if scored.empty:
            break
        plan = _plan_phrases(scored, width=width, vocab=vocab, scores=scores)
        n_joined, distinct = 0, []
        for i in range(len(spool)):
            c = spool.get(i)
            hit = _join_phrases(c.w, c.keep, plan)
            spool.put(i, c)
            n_joined += len(hit)
            distinct.append(np.unique(hit))
        if not n_joined:
            break
        logger.info("preprocessing: phrase pass %d joined %d pairs (%d distinct phrases)",
                    round_ + 1, n_joined, len(np.unique(np.concatenate(distinct))))
    return scores


def _merge_aliases(tables: list[pd.DataFrame]) -> pd.DataFrame:
    tables = [t for t in tables if len(t)]
    if len(tables) <= 1:
        return tables[0] if tables else _empty_aliases()
    both = pd.concat(tables, ignore_index=True)
    return (both.groupby(["canonical", "variant"], sort=True, as_index=False)["count"].sum()
            .astype({"count": "int64"}).reset_index(drop=True))


def _process(pieces: Any, config: PreprocessConfig, spool: _Spool, emit: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The whole pipeline over an iterable of paragraph tables (one per chunk).

    ``emit(i, table, units)`` receives each chunk's finished token table. Returns
    ``(phrases, aliases, stats)``. One chunk or many give the same tokens.
    """
    laps = _Laps()
    sh = _shared(config)
    aliases, n_tokens = [], 0
    for paragraphs in pieces:
        c = _front(paragraphs, sh)
        aliases.append(c.aliases)
        n_tokens += len(c.w.codes)
        c.aliases = _empty_aliases()
        spool.append(c)
    laps("tokenise, types, aliases")
    phrase_rows: list[tuple[int, str, float]] = [(t, "curated", np.nan) for t in sh.curated_targets]
    if config.phrases and config.phrase_passes > 0:
        scores = _learn_phrases(spool, sh)
        phrase_rows += [(pid, "learned", s) for pid, s in scores.items()]
    laps("phrases")
    counts = np.zeros(len(sh.vocab.strings), dtype=np.int64)
    n_kept = 0
    for i in range(len(spool)):
        table, units, chunk_counts = _finish(spool.get(i), sh)
        spool.release(i)
        counts += chunk_counts
        n_kept += int(chunk_counts.sum())
        emit(i, table, units)
    phrases = _phrase_table(phrase_rows, counts, sh.vocab)
    alias_table = _merge_aliases(aliases)
    laps("table")
    logger.info("preprocessing: %d tokens (%d kept) in %d chunk(s), %d alias matches (%d alias rows), "
                "%d phrases, in %.2f s [%s]", n_tokens, n_kept, len(spool), int(alias_table["count"].sum()),
                sh.n_alias_rows, len(phrases), laps.last - laps.start, laps.summary())
    return phrases, alias_table, {"n_tokens": n_tokens, "n_kept": n_kept}


def _run(paragraphs: pd.DataFrame, config: PreprocessConfig) -> Tokens:
    """The pipeline in memory, on one chunk (tokenising still works in pieces of CHUNK_CHARS)."""
    out: dict[str, pd.DataFrame] = {}

    def keep(i: int, table: pd.DataFrame, units: pd.DataFrame) -> None:
        out["table"], out["units"] = table, units

    phrases, aliases, _ = _process([paragraphs], config, _Spool(), keep)
    return Tokens(table=out["table"], phrases=phrases, config=config, units=out["units"], aliases=aliases)


def cache_key(corpus: Any, config: PreprocessConfig | None = None) -> str:
    """The key under which :func:`preprocess` caches ``corpus`` with ``config``.

    It changes with the paragraphs' text, ids and numbers, with every config
    field, the package version and the resource files in use (see :mod:`.cache`).

    >>> import pandas as pd
    >>> from textanalytics.corpus.model import Corpus
    >>> c = Corpus(statements=pd.DataFrame({"statement_id": ["s"]}),
    ...            paragraphs=pd.DataFrame({"statement_id": ["s"], "paragraph": [1], "text": ["Hi."]}))
    >>> cache_key(c) != cache_key(c, PreprocessConfig(min_length=3))
    True
    """
    return digest_document(key_document(_paragraphs(corpus), config or PreprocessConfig()))


def preprocess(corpus: Any, config: PreprocessConfig | None = None, *,
               cache_dir: str | os.PathLike | None = None) -> Tokens:
    """Tokenise, lemmatise and filter a corpus; join aliases and phrases.

    Parameters
    ----------
    corpus:
        A :class:`~textanalytics.corpus.Corpus`; ``corpus.paragraphs``
        (``statement_id, paragraph, text``) is what is read.
    config:
        The :class:`PreprocessConfig` (defaults documented there).
    cache_dir:
        Overrides ``config.cache_dir`` (``""`` disables the cache). A result is
        reused only when the corpus text, every config field, the package
        version and the resource files are all unchanged.

    Returns
    -------
    Tokens
        ``table`` one row per token (see :class:`Tokens`), ``phrases``,
        ``units``, ``aliases`` and the ``config``.

    Example
    -------
    >>> tokens = preprocess(load_corpus("seeds"))                  # doctest: +SKIP
    >>> units, texts = tokens.documents(unit="paragraph")          # doctest: +SKIP
    """
    config = config or PreprocessConfig()
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"preprocess: config must be a PreprocessConfig, got {type(config).__name__}")
    paragraphs = _paragraphs(corpus)
    directory = config.cache_dir if cache_dir is None else os.fspath(cache_dir)
    if directory:
        document = key_document(paragraphs, config)
        key = digest_document(document)
        cached = read_cache(directory, key, config)
        if cached is not None:
            return cached
        logger.info("preprocessing: cache miss (%s)", key[:12])
    tokens = _run(paragraphs, config)
    if directory:
        try:
            write_cache(directory, key, tokens, document)
        except OSError as exc:
            logger.warning("preprocessing: could not write the cache in %s: %s", directory, exc)
    return tokens
