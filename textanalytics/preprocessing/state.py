"""Internal to :mod:`textanalytics.preprocessing`: the state one preprocessing run works on.

Not public API. A run (:mod:`.passes`) gives every distinct string an id in a
:class:`Vocab` and keeps one integer array per token property in a
:class:`Work`; a :class:`Chunk` is one chunk of paragraphs after the per-chunk
steps, kept (:mod:`.spool`) until the passes over all chunks are done.
Reason codes index :data:`~textanalytics.preprocessing.model.REASONS`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .model import REASONS

#: Reason name -> code (the ``reason`` arrays hold codes; 0 = kept).
REASON_CODE = {name: i for i, name in enumerate(REASONS)}


class Vocab:
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
class Work:
    """Per-token arrays while the pipeline runs (ids index ``vocab.strings``)."""

    codes: np.ndarray     # token type
    sentence: np.ndarray  # global sentence number
    key: np.ndarray       # lower-case lemma id after aliases (matching)
    lemma: np.ndarray     # output lemma id
    term: np.ndarray      # output term id
    reason: np.ndarray    # reason code (0 = kept)
    fixed: np.ndarray     # resolution numbers: never part of a learned phrase


@dataclass
class Chunk:
    """One chunk of paragraphs after the per-chunk steps (the text itself is no longer needed)."""

    statement_id: np.ndarray  # per paragraph (object)
    paragraph: np.ndarray     # per paragraph (int)
    types: list[str]
    lay: dict[str, np.ndarray]
    w: Work
    keep: np.ndarray
    aliases: pd.DataFrame


def layout(sent_len: np.ndarray, para_sents: np.ndarray, n_paragraphs: int) -> dict[str, np.ndarray]:
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
