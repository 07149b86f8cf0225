"""Internal to :mod:`textanalytics.preprocessing`: UN resolution numbers as tokens.

Not public API. A number after "resolution(s)" or "UNSCR" in the same sentence
becomes the token ``resolution_<n>`` (``resolution_2178``), kept whatever
the number filter says and never part of a learned phrase.
"""

from __future__ import annotations

import logging

import numpy as np

from .state import Vocab, Work
from .token_types import TypeInfo

logger = logging.getLogger(__name__)

_RESOLUTION_TRIGGERS = ("resolution", "resolutions", "unscr")  # "resolutions" when not lemmatising
_RESOLUTION_CONNECTORS = frozenset({",", "and", "or", "&", ";"})


def _resolution_numbers(*, codes: np.ndarray, types: list[str], tt: TypeInfo, vocab: Vocab,
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


def apply_resolutions(w: Work, types: list[str], tt: TypeInfo, vocab: Vocab) -> None:
    """Step 3 on a run's arrays (in place): resolution numbers become kept, fixed ``resolution_<n>`` terms."""
    pos, ids = _resolution_numbers(codes=w.codes, types=types, tt=tt, vocab=vocab, sentence=w.sentence)
    if len(pos):
        w.lemma[pos] = w.key[pos] = w.term[pos] = ids
        w.reason[pos] = 0
        w.fixed[pos] = True
    logger.debug("preprocessing: %d resolution numbers kept as tokens", len(pos))
