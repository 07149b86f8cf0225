"""Internal to :mod:`textanalytics.preprocessing`: the passes of one preprocessing run.

Not public API. :func:`run_passes` is the whole run over an iterable of
paragraph tables, shared by :func:`~textanalytics.preprocess` (one chunk, kept
in memory) and :func:`~textanalytics.preprocessing.preprocess_chunks` (many,
spooled to disk); one chunk or many give the same tokens:

1. per chunk: tokens (:func:`_tokenise`, :mod:`.tokenizing`), then
   (:func:`_front`) types (:mod:`.token_types`), resolution numbers
   (:mod:`.resolutions`), aliases, stopword sequences and curated phrases
   (:mod:`.aliases`). With ``proper_nouns = "keep"`` every chunk is tokenised
   first and its case counts added up (:mod:`.proper_nouns`), so whether a
   capitalised word is a name is decided on the whole corpus; the chunks'
   types follow;
2. over all chunks: learned phrases (:func:`~.phrases.learn_phrases`);
3. per chunk (:func:`_finish`): stopword terms, the token table and its units.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .aliases import alias_patterns, apply_aliases, apply_curated, curated_patterns, drop_sequences, phrase_patterns
from .config import PreprocessConfig
from .model import REASONS, empty_aliases
from .phrases import learn_phrases, phrase_table
from .resolutions import apply_resolutions
from .resources import load_lemma_exceptions, load_stopwords
from .spool import Spool
from .state import REASON_CODE, Chunk, Vocab, Work, layout
from .proper_nouns import CaseCounts, count_cases
from .token_types import analyse_types, token_lemmas
from .tokenizing import tokenize_paragraphs

logger = logging.getLogger(__name__)


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


def _token_table(paragraphs: pd.DataFrame, lay: dict[str, np.ndarray], w: Work, types: list[str],
                 keep: np.ndarray, vocab: Vocab) -> pd.DataFrame:
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
    stopwords: frozenset[str]     # words and joined terms
    stop_sequences: tuple[str, ...]  # entries of two or more words ("right hon"), sorted
    exceptions: dict[str, str]
    vocab: Vocab
    case_vocab: Vocab
    curated_targets: list[int]
    case_counts: CaseCounts | None  # corpus-wide case counts when names keep their form
    n_alias_rows: int = 0


def _shared(config: PreprocessConfig) -> _Shared:
    keep_names = config.lemmatize and config.proper_nouns == "keep"
    entries = load_stopwords(config.stopwords, extra=config.extra_stopwords, presets=config.stopword_presets,
                             files=config.stopword_files)
    return _Shared(config=config, stopwords=frozenset(e for e in entries if " " not in e),
                   stop_sequences=tuple(sorted(e for e in entries if " " in e)),
                   exceptions=load_lemma_exceptions(config.lemma_exceptions) if config.lemmatize else {},
                   vocab=Vocab(), case_vocab=Vocab(), curated_targets=[],
                   case_counts=CaseCounts() if keep_names else None)


def _tokenise(paragraphs: pd.DataFrame, sh: _Shared) -> Chunk:
    """Step 1 on one chunk: tokens and layout (the per-token arrays of later steps are still empty)."""
    types, codes, sent_len, para_sents = tokenize_paragraphs(paragraphs["text"].tolist(), sh.config)
    lay = layout(sent_len, para_sents, len(paragraphs))
    none = np.zeros(0, dtype=np.int32)
    w = Work(codes=codes, sentence=lay["sentence"], key=none, lemma=none, term=none,
             reason=np.zeros(0, np.int8), fixed=np.zeros(0, bool))
    if sh.case_counts is not None:
        count_cases(sh.case_counts, types=types, codes=codes, sentence=lay["sentence"])
    return Chunk(statement_id=paragraphs["statement_id"].to_numpy(dtype=object),
                 paragraph=paragraphs["paragraph"].to_numpy(dtype=np.int64), types=types, lay=lay, w=w,
                 keep=np.zeros(0, bool), aliases=empty_aliases())


def _front(c: Chunk, sh: _Shared) -> Chunk:
    """Steps 2-5 on one tokenised chunk: types, resolution numbers, aliases, stopword sequences, curated phrases."""
    config, vocab, case_vocab = sh.config, sh.vocab, sh.case_vocab
    codes, types = c.w.codes, c.types
    tt = analyse_types(types, config, vocab, case_vocab, sh.exceptions, sh.stopwords, sh.case_counts)
    key, lemma, reason = token_lemmas(tt, codes=codes, sentence=c.w.sentence, lowercase=config.lowercase)
    w = Work(codes=codes, sentence=c.w.sentence, key=key, lemma=lemma, term=lemma.copy(),
             reason=reason, fixed=np.zeros(len(codes), dtype=bool))
    if config.keep_resolution_numbers:
        apply_resolutions(w, types, tt, vocab)
    patterns, sh.n_alias_rows = alias_patterns(config, vocab, case_vocab, sh.exceptions)
    aliases = apply_aliases(w, patterns, tt.case_key[codes], vocab, types, config.drop_alias_repeats)
    curated, stops = [], []
    if config.curated_phrases or sh.stop_sequences:
        every_alias, _ = alias_patterns(config, vocab, case_vocab, sh.exceptions, every=True)
        curated = curated_patterns(config, vocab, case_vocab, sh.exceptions, every_alias)
        stops = phrase_patterns(sh.stop_sequences, setting="stopword sequences", config=config, vocab=vocab,
                                case_vocab=case_vocab, exceptions=sh.exceptions, aliases=every_alias)
    sh.curated_targets = [p.target for p in curated]
    drop_sequences(w, stops)
    apply_curated(w, curated)
    return Chunk(statement_id=c.statement_id, paragraph=c.paragraph, types=types, lay=c.lay, w=w,
                 keep=w.reason == 0, aliases=aliases)


def _finish(c: Chunk, sh: _Shared) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
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


def _drop_stopword_terms(w: Work, keep: np.ndarray, stopwords: frozenset[str], vocab: Vocab) -> None:
    """Stopwords also remove canonical tokens and phrases (``extra_stopwords = ["un"]`` drops "UN")."""
    ids = [vocab.index[s] for s in stopwords if s in vocab.index]
    if ids:
        hit = keep & np.isin(w.term, ids)
        keep[hit] = False
        w.reason[hit] = REASON_CODE["stopword"]


def _merge_aliases(tables: list[pd.DataFrame]) -> pd.DataFrame:
    tables = [t for t in tables if len(t)]
    if len(tables) <= 1:
        return tables[0] if tables else empty_aliases()
    both = pd.concat(tables, ignore_index=True)
    return (both.groupby(["canonical", "variant"], sort=True, as_index=False)["count"].sum()
            .astype({"count": "int64"}).reset_index(drop=True))


def run_passes(pieces: Any, config: PreprocessConfig, spool: Spool,
               emit: Any) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The whole pipeline over an iterable of paragraph tables (one per chunk).

    ``emit(i, table, units)`` receives each chunk's finished token table. Returns
    ``(phrases, aliases, stats)``. One chunk or many give the same tokens.
    """
    laps = _Laps()
    sh = _shared(config)
    aliases, n_tokens = [], 0

    def front(c: Chunk) -> Chunk:
        c = _front(c, sh)
        aliases.append(c.aliases)
        c.aliases = empty_aliases()
        return c

    # Names that keep their form are decided on counts over all chunks: then every chunk is
    # tokenised (and counted) first, and its types, aliases and curated phrases follow.
    deferred = sh.case_counts is not None
    for paragraphs in pieces:
        c = _tokenise(paragraphs, sh)
        n_tokens += len(c.w.codes)
        spool.append(c if deferred else front(c))
    if deferred:
        laps("tokenise, count cases")
        for i in range(len(spool)):
            spool.put(i, front(spool.get(i)))
    laps("types, aliases" if deferred else "tokenise, types, aliases")
    phrase_rows: list[tuple[int, str, float]] = [(t, "curated", np.nan) for t in sh.curated_targets]
    if config.phrases and config.phrase_passes > 0:
        scores = learn_phrases(spool, config=config, vocab=sh.vocab)
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
    phrases = phrase_table(phrase_rows, counts, sh.vocab)
    alias_table = _merge_aliases(aliases)
    laps("table")
    logger.info("preprocessing: %d tokens (%d kept) in %d chunk(s), %d alias matches (%d alias rows), "
                "%d phrases, in %.2f s [%s]", n_tokens, n_kept, len(spool), int(alias_table["count"].sum()),
                sh.n_alias_rows, len(phrases), laps.last - laps.start, laps.summary())
    return phrases, alias_table, {"n_tokens": n_tokens, "n_kept": n_kept}


# Public names of the per-chunk steps, for runs whose passes over all chunks are driven from
# outside this process (textanalytics.spark: the corpus-wide counts are added up by Spark).
shared_state = _shared
tokenise_chunk = _tokenise
front_chunk = _front
finish_chunk = _finish
