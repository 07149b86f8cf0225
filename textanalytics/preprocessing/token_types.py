"""Internal to :mod:`textanalytics.preprocessing`: what each distinct token type is.

Not public API. Each distinct token string of a run is analysed once
(:func:`analyse_types`): its normalised form, its lemma (:mod:`.lemmatize`),
and whether it is punctuation, a number, a stopword or too short; per-token
columns are then gathered from these per-type arrays with numpy indexing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .config import PreprocessConfig
from .lemmatize import lemma_keys, normalize_word, recase
from .state import REASON_CODE, Vocab

_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d.,:/\-]*(?:st|nd|rd|th|s)?$")
#: A token with a letter or digit (else it is punctuation).
HAS_ALNUM = re.compile(r"[^\W_]")


@dataclass
class TypeInfo:
    """Per distinct token type: ids and flags (arrays indexed by type code)."""

    key: np.ndarray         # lower-case lemma id (matching, stopwords)
    case_key: np.ndarray    # case-sensitive id of the surface without possessive
    lemma: np.ndarray       # output lemma id
    reason: np.ndarray      # base reason code (punctuation, number, stopword, short, or 0)
    digits: np.ndarray      # True for tokens of 1-5 ASCII digits (resolution number candidates)
    word: list[str]         # normalised lower-case form


def analyse_types(types: list[str], config: PreprocessConfig, vocab: Vocab,
                  case_vocab: Vocab, exceptions: dict[str, str],
                  stopwords: frozenset[str]) -> TypeInfo:
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
    has_alnum = HAS_ALNUM.search
    is_number = _NUMBER.match
    r_punct, r_number = REASON_CODE["punctuation"], REASON_CODE["number"]
    r_stop, r_short = REASON_CODE["stopword"], REASON_CODE["short"]
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
    return TypeInfo(key=key.astype(np.int32), case_key=case_key.astype(np.int32), lemma=lemma.astype(np.int32),
                    reason=reason, digits=digits, word=lower)
