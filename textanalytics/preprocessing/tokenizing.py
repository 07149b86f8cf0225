"""Internal to :mod:`textanalytics.preprocessing`: the paragraphs of a run as token codes.

Not public API. :func:`tokenize_paragraphs` sets up the sentence splitter once
per run (the packaged Punkt model, or Punkt trained on the texts, or none; see
:mod:`.punkt`), tokenises the texts in chunks of about :data:`CHUNK_CHARS`
characters (:mod:`.words`), in worker processes when ``n_jobs > 1``, and
factorises the chunks' token strings into one vocabulary of types.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np
import pandas as pd

from ..workers import worker_pool
from .config import PreprocessConfig
from .resources import load_abbreviations
from .words import TokenizedChunk, tokenize_chunk

logger = logging.getLogger(__name__)

#: Characters per tokenising chunk (bounds the numpy engine's scratch memory to ~100 MB;
#: one progress log line per chunk).
CHUNK_CHARS = 2_000_000


@dataclass(frozen=True)
class _SplitterSpec:
    method: str
    params: Any  # PunktParameters or None


def _splitter_from_spec(spec: _SplitterSpec):
    from .punkt import FastPunkt, PunktSplitter, WholeParagraph  # deferred: nltk, only when tokenising runs

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
    from .punkt import punkt_parameters  # deferred: nltk, only when tokenising runs

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


def tokenize_paragraphs(texts: list[str],
                        config: PreprocessConfig) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
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
