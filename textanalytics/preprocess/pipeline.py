"""``preprocess(corpus, config) -> Tokens``: tokenise, lemmatise, filter, aliases, phrases; cached.

The work is done on integer arrays, one entry per token, and on small tables
of distinct word types: each distinct token string is normalised, lemmatised
and classified once, then the per-token columns are gathered with numpy
indexing. Steps, in order:

1. sentences (NLTK Punkt) and tokens (one regular expression), see :mod:`.tokenize`;
2. per distinct type: normalised form, lemma (:mod:`.lemmatize`), and whether
   it is punctuation, a number, a stopword or too short;
3. UN resolution numbers after "resolution(s)" become ``resolution_2178``;
4. aliases (:mod:`.aliases`): the first token of a match takes the canonical
   token, the others are dropped as ``alias_part``;
5. curated phrases (matched on lemmas after aliases, may include stopwords),
   followers dropped as ``phrase_part``;
6. learned phrases (:mod:`.phrases`) over the kept terms, ``phrase_passes`` times;
7. the token table, with categorical string columns.

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
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..errors import InputError
from .aliases import SequencePattern, follower_mask, match_sequences
from .cache import digest_document, key_document, read_cache, write_cache
from .config import PreprocessConfig
from .lemmatize import lemma_keys, normalize_word, recase
from .model import REASONS, Tokens
from .phrases import greedy_starts, score_pairs
from .resources import (load_abbreviations, load_aliases, load_lemma_exceptions,
                        load_stopwords)
from .tokenize import TokenizedChunk, make_sentence_splitter, punkt_parameters, tokenize_chunk, word_tokenize

logger = logging.getLogger(__name__)

#: Paragraphs per tokenising chunk (one progress log line per chunk).
CHUNK_PARAGRAPHS = 5_000

_R = {name: i for i, name in enumerate(REASONS)}
_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d.,:/\-]*(?:st|nd|rd|th|s)?$")
_HAS_ALNUM = re.compile(r"[^\W_]")
_RESOLUTION_TRIGGERS = ("resolution", "unscr")
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
        return make_sentence_splitter(method="none")
    from .tokenize import FastPunkt

    return FastPunkt(spec.params).spans


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


def _tokenize(texts: list[str], config: PreprocessConfig) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Tokenise all texts: ``(types, codes, sentence_lengths, paragraph_sentences)``."""
    spec = _splitter_spec(texts, config)
    chunks = [texts[i:i + CHUNK_PARAGRAPHS] for i in range(0, len(texts), CHUNK_PARAGRAPHS)]
    types: list[str] = []
    index: dict[str, int] = {}
    codes, sent_lengths, para_sents = [], [], []
    done = 0

    def absorb(chunk: TokenizedChunk, n_texts: int) -> None:
        nonlocal done
        mapping = np.fromiter((index.setdefault(t, len(index)) for t in chunk.types),
                              dtype=np.int32, count=len(chunk.types))
        codes.append(mapping[chunk.codes] if len(chunk.codes) else chunk.codes)
        sent_lengths.append(chunk.sentence_lengths)
        para_sents.append(chunk.paragraph_sentences)
        done += n_texts
        logger.info("preprocessing: tokenised %d/%d paragraphs (%d tokens so far)",
                    done, len(texts), sum(len(c) for c in codes))

    if config.n_jobs > 1 and len(chunks) > 1:
        workers = min(config.n_jobs, len(chunks), os.cpu_count() or 1)
        with ProcessPoolExecutor(max_workers=workers, initializer=_init_worker,
                                 initargs=(spec,)) as pool:
            for chunk, part in zip(pool.map(_tokenize_in_worker, chunks), chunks):
                absorb(chunk, len(part))
    else:
        splitter = _splitter_from_spec(spec)
        for part in chunks:
            absorb(tokenize_chunk(part, splitter=splitter), len(part))
    types = list(index)

    def cat(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts).astype(np.int32, copy=False) if parts else np.zeros(0, np.int32)

    return types, cat(codes), cat(sent_lengths), cat(para_sents)


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
        return np.fromiter((self.id(s) for s in strings), dtype=np.int64, count=len(strings))


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
    lower = [normalize_word(t) for t in types]
    key_strings = lemma_keys(types, exceptions=exceptions, lemmatize=config.lemmatize)
    key = vocab.ids(key_strings)
    cased = [normalize_word(t, lowercase=False) for t in types]
    if config.lowercase:
        lemma = key
    else:
        lemma = vocab.ids([recase(k, c) for k, c in zip(key_strings, cased)])
    case_key = case_vocab.ids(cased)
    reason = np.zeros(n, dtype=np.int8)
    digits = np.zeros(n, dtype=bool)
    min_length = config.min_length
    for i, (t, w, k) in enumerate(zip(types, lower, key_strings)):
        if not _HAS_ALNUM.search(t):
            reason[i] = _R["punctuation"]
            continue
        if _NUMBER.match(w):
            digits[i] = w.isdigit() and w.isascii() and len(w) <= 5
            if config.drop_numbers:
                reason[i] = _R["number"]
            continue
        if w in stopwords or k in stopwords:
            reason[i] = _R["stopword"]
        elif len(k) < min_length:
            reason[i] = _R["short"]
    return _Types(key=key, case_key=case_key, lemma=lemma, reason=reason, digits=digits, word=lower)


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
                   case_vocab: _Vocab, exceptions: dict[str, str]) -> tuple[int, ...] | None:
    """Ids of a variant's tokens; None when a token never occurs in the corpus."""
    toks = word_tokenize(text)
    if case_sensitive:
        strings = [normalize_word(t, lowercase=False) for t in toks]
        index = case_vocab.index
    else:
        strings = lemma_keys(toks, exceptions=exceptions, lemmatize=config.lemmatize)
        index = vocab.index
    ids = [index.get(s) for s in strings]
    if not ids or any(i is None for i in ids):
        return None
    return tuple(ids)


def _alias_patterns(config: PreprocessConfig, vocab: _Vocab, case_vocab: _Vocab,
                    exceptions: dict[str, str]) -> tuple[list[SequencePattern], int]:
    table = load_aliases(config.aliases)
    patterns = []
    for variant, canonical, cs in zip(table["variant"], table["canonical"], table["case_sensitive"]):
        keys = _sequence_keys(variant, case_sensitive=bool(cs), config=config, vocab=vocab,
                              case_vocab=case_vocab, exceptions=exceptions)
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
        keys = _sequence_keys(phrase, case_sensitive=False, config=config, vocab=vocab,
                              case_vocab=case_vocab, exceptions=exceptions)
        if keys is None:
            logger.debug("curated phrase %r does not occur in the corpus", phrase)
            continue
        # Apply aliases inside the phrase too ("UN Charter" -> un, charter).
        karr = np.asarray(keys, dtype=np.int64)
        cs_keys = _sequence_keys(phrase, case_sensitive=True, config=config, vocab=vocab,
                                 case_vocab=case_vocab, exceptions=exceptions)
        carr = np.asarray(cs_keys, dtype=np.int64) if cs_keys is not None else np.full(len(karr), -1)
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

def _learn_phrases(*, term: np.ndarray, keep: np.ndarray, reason: np.ndarray, sentence: np.ndarray,
                   fixed: np.ndarray, config: PreprocessConfig, vocab: _Vocab) -> dict[int, float]:
    """Join learned phrases in place (``term``, ``keep``, ``reason``); return ``{phrase id: score}``.

    Tokens where ``fixed`` is true (resolution numbers) never join a phrase.
    """
    scores: dict[int, float] = {}
    for round_ in range(config.phrase_passes):
        stream = np.flatnonzero(keep)
        if len(stream) < 2:
            break
        blocking = ~keep & (reason != _R["alias_part"]) & (reason != _R["phrase_part"])
        blocked = np.cumsum(blocking)
        left, right = stream[:-1], stream[1:]
        adjacent = ((sentence[left] == sentence[right]) & (blocked[right] - blocked[left] == 0)
                    & ~fixed[left] & ~fixed[right])
        terms = term[stream]
        scored = score_pairs(terms, adjacent=adjacent, min_count=config.phrase_min_count,
                             threshold=config.phrase_threshold)
        if scored.empty:
            break
        width = int(terms.max()) + 1
        chosen = scored["a"].to_numpy() * width + scored["b"].to_numpy()
        pair_key = terms[:-1].astype(np.int64) * width + terms[1:]
        candidate = adjacent & np.isin(pair_key, chosen)
        joined = greedy_starts(candidate)
        if not len(joined):
            break
        new_ids = {}
        for a, b, s, k in zip(scored["a"].tolist(), scored["b"].tolist(), scored["score"].tolist(),
                              chosen.tolist()):
            pid = vocab.id(f"{vocab.strings[a]}_{vocab.strings[b]}")
            new_ids[k] = pid
            scores.setdefault(pid, s)
        lookup_keys = np.fromiter(new_ids.keys(), dtype=np.int64, count=len(new_ids))
        lookup_vals = np.fromiter(new_ids.values(), dtype=np.int64, count=len(new_ids))
        order = np.argsort(lookup_keys)
        hit = pair_key[joined]
        heads, tails = stream[joined], stream[joined + 1]
        term[heads] = lookup_vals[order][np.searchsorted(lookup_keys[order], hit)]
        keep[tails] = False
        reason[tails] = _R["phrase_part"]
        logger.info("preprocessing: phrase pass %d joined %d pairs (%d distinct phrases)",
                    round_ + 1, len(joined), len(np.unique(hit)))
    return scores


# -- the pipeline --------------------------------------------------------------------------------

def _compact_categorical(ids: np.ndarray, strings: list[str]) -> pd.Categorical:
    """Categorical of ``strings[ids]`` holding only the categories in use, sorted."""
    used = np.flatnonzero(np.bincount(ids, minlength=len(strings))) if len(ids) else np.zeros(0, np.int64)
    names = np.asarray(strings, dtype=object)[used]
    order = np.argsort(names.astype(str), kind="stable") if len(names) else used
    remap = np.zeros(len(strings), dtype=np.int32)
    remap[used[order]] = np.arange(len(used), dtype=np.int32)
    return pd.Categorical.from_codes(remap[ids], categories=pd.Index(names[order], dtype=object))


def _run(paragraphs: pd.DataFrame, config: PreprocessConfig) -> Tokens:
    t0 = time.perf_counter()
    texts = paragraphs["text"].tolist()
    stopwords = load_stopwords(config.stopwords, extra=config.extra_stopwords)
    exceptions = load_lemma_exceptions(config.lemma_exceptions) if config.lemmatize else {}

    types, codes, sent_len, para_sents = _tokenize(texts, config)
    n = len(codes)
    t1 = time.perf_counter()
    logger.info("preprocessing: %d tokens, %d distinct, in %d sentences (%.2f s)",
                n, len(types), len(sent_len), t1 - t0)

    # Sentence and paragraph of every token.
    n_sent = len(sent_len)
    sentence = np.repeat(np.arange(n_sent, dtype=np.int64), sent_len)  # global sentence id
    tok_cum = np.r_[0, np.cumsum(sent_len, dtype=np.int64)]
    sent_cum = np.r_[0, np.cumsum(para_sents, dtype=np.int64)]
    para_tokens = tok_cum[sent_cum[1:]] - tok_cum[sent_cum[:-1]]
    first_sent = np.r_[0, np.cumsum(para_sents)[:-1]].astype(np.int64)
    para_of_sent = np.repeat(np.arange(len(texts), dtype=np.int64), para_sents)
    sent_in_para = np.arange(n_sent, dtype=np.int64) - first_sent[para_of_sent] + 1
    para_start = np.r_[0, np.cumsum(para_tokens)[:-1]].astype(np.int64)
    para_of_token = np.repeat(np.arange(len(texts), dtype=np.int64), para_tokens)

    # Per type, then gathered per token.
    vocab, case_vocab = _Vocab(), _Vocab()
    tt = _analyse_types(types, config, vocab, case_vocab, exceptions, stopwords)
    key = tt.key[codes]
    lemma = tt.lemma[codes]
    reason = tt.reason[codes].astype(np.int8)
    term = lemma.copy()
    t2 = time.perf_counter()

    fixed = np.zeros(n, dtype=bool)
    if config.keep_resolution_numbers:
        pos, ids = _resolution_numbers(codes=codes, types=types, tt=tt, vocab=vocab, sentence=sentence)
        if len(pos):
            lemma[pos] = ids
            key[pos] = ids
            term[pos] = ids
            reason[pos] = 0
            fixed[pos] = True
            logger.info("preprocessing: %d resolution numbers kept as tokens", len(pos))

    # Aliases (before phrases): heads take the canonical token, followers are dropped.
    alias_patterns, n_alias_rows = _alias_patterns(config, vocab, case_vocab, exceptions)
    case_key = tt.case_key[codes]
    amatch = match_sequences(alias_patterns, keys=key, case_keys=case_key, sentence=sentence)
    alias_counts = pd.DataFrame({"canonical": pd.Series([], dtype=object),
                                 "variant": pd.Series([], dtype=object),
                                 "count": pd.Series([], dtype="int64")})
    if len(amatch):
        targets = np.asarray([alias_patterns[i].target for i in amatch.pattern.tolist()], dtype=np.int64)
        key[amatch.start] = targets
        lemma[amatch.start] = targets
        term[amatch.start] = targets
        reason[amatch.start] = 0
        followers = follower_mask(amatch, n)
        reason[followers] = _R["alias_part"]
        pidx, pcount = np.unique(amatch.pattern, return_counts=True)
        alias_counts = pd.DataFrame({
            "canonical": [vocab.strings[alias_patterns[i].target] for i in pidx.tolist()],
            "variant": [alias_patterns[i].label for i in pidx.tolist()],
            "count": pcount.astype(np.int64),
        }).sort_values(["canonical", "variant"], kind="stable").reset_index(drop=True)
    logger.info("preprocessing: %d alias matches (%d of %d table rows occur)",
                len(amatch), len(alias_patterns), n_alias_rows)

    # Curated phrases: on lemmas after aliases, skipping alias followers.
    phrase_rows = []
    curated = _curated_patterns(config, vocab, case_vocab, exceptions, alias_patterns)
    if curated:
        stream = np.flatnonzero(reason != _R["alias_part"])
        cmatch = match_sequences(curated, keys=key[stream], case_keys=np.full(len(stream), -1),
                                 sentence=sentence[stream])
        if len(cmatch):
            heads = stream[cmatch.start]
            term[heads] = [curated[i].target for i in cmatch.pattern.tolist()]
            reason[heads] = 0
            tails = stream[follower_mask(cmatch, len(stream))]
            reason[tails] = _R["phrase_part"]
        for pat in curated:
            phrase_rows.append((pat.target, "curated", np.nan))
    keep = reason == 0

    scores: dict[int, float] = {}
    if config.phrases and config.phrase_passes > 0:
        scores = _learn_phrases(term=term, keep=keep, reason=reason, sentence=sentence,
                                fixed=fixed, config=config, vocab=vocab)
        phrase_rows += [(pid, "learned", s) for pid, s in scores.items()]
    t3 = time.perf_counter()

    # Phrase table: phrases whose term is in use, with their final counts.
    term_counts = np.bincount(term[keep], minlength=len(vocab.strings)) if n else np.zeros(len(vocab.strings), int)
    seen: set[int] = set()
    rows = []
    for pid, source, score in phrase_rows:
        if pid in seen or term_counts[pid] == 0:
            continue
        seen.add(pid)
        rows.append({"phrase": vocab.strings[pid], "source": source, "count": int(term_counts[pid]),
                     "score": float(score)})
    phrases = pd.DataFrame(rows, columns=["phrase", "source", "count", "score"])
    phrases = phrases.astype({"phrase": object, "source": object, "count": "int64", "score": "float64"})
    if len(phrases):
        phrases = (phrases.assign(_neg=-phrases["score"].fillna(np.inf))
                   .sort_values(["source", "_neg", "phrase"], kind="stable")
                   .drop(columns="_neg").reset_index(drop=True))

    # The table.
    sids = paragraphs["statement_id"].to_numpy(dtype=object)
    sid_cats = pd.Index(pd.unique(sids), dtype=object)  # sorted: paragraphs are sorted
    sid_codes = sid_cats.get_indexer(sids).astype(np.int32)
    table = pd.DataFrame({
        "statement_id": pd.Categorical.from_codes(sid_codes[para_of_token], categories=sid_cats),
        "paragraph": paragraphs["paragraph"].to_numpy(dtype=np.int32)[para_of_token],
        "sentence": np.repeat(sent_in_para.astype(np.int32), sent_len),
        "position": (np.arange(n, dtype=np.int64) - para_start[para_of_token] + 1).astype(np.int32),
        "token": _compact_categorical(codes, types),
        "lemma": _compact_categorical(lemma, vocab.strings),
        "term": _compact_categorical(term, vocab.strings),
        "keep": keep,
        "reason": pd.Categorical.from_codes(reason.astype(np.int8), categories=pd.Index(list(REASONS), dtype=object)),
    })
    kept_per_para = np.bincount(para_of_token[keep], minlength=len(texts)) if n else np.zeros(len(texts), int)
    units = pd.DataFrame({
        "statement_id": sids,
        "paragraph": paragraphs["paragraph"].to_numpy(dtype=np.int32),
        "n_tokens": para_tokens.astype(np.int64),
        "n_kept": kept_per_para.astype(np.int64),
    })
    t4 = time.perf_counter()
    logger.info("preprocessing: %d tokens (%d kept) in %.2f s "
                "[tokenise %.2f, types %.2f, aliases+phrases %.2f, table %.2f]",
                n, int(keep.sum()), t4 - t0, t1 - t0, t2 - t1, t3 - t2, t4 - t3)
    return Tokens(table=table, phrases=phrases, config=config, units=units, aliases=alias_counts)


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
