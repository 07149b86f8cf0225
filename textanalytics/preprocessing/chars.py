"""What the sentence splitter (:mod:`.punkt`) and the word tokeniser (:mod:`.words`) share,
without NLTK: per-character table lookups and the sentence-splitter type."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

__all__ = ["SentenceSplitter", "lookup_char_table"]

#: A sentence splitter: ``splitter(text) -> [(start, end), ...]``; splitters made by
#: :func:`make_sentence_splitter` also have ``chunk_spans`` for many paragraphs at once.
SentenceSplitter = Callable[[str], Sequence[tuple[int, int]]]


def lookup_char_table(cp: np.ndarray, ascii_table: np.ndarray, cache: dict[int, int], classify) -> np.ndarray:
    """Per-character table lookup: ASCII from ``ascii_table``, others via ``classify`` (cached).

    Shared by :class:`~.punkt.FastPunkt` and the numpy word engine of :mod:`.words`.
    """
    out = ascii_table[np.minimum(cp, 127)]
    other = np.flatnonzero(cp >= 128)
    if len(other):
        uniq, inverse = np.unique(cp[other], return_inverse=True)
        table = np.fromiter((cache[c] if c in cache else cache.setdefault(c, classify(chr(c)))
                             for c in uniq.tolist()), dtype=np.uint8, count=len(uniq))
        out[other] = table[inverse]
    return out
