"""Internal to :mod:`textanalytics.preprocessing`: what each distinct token type is.

Not public API. Each distinct token string of a run is analysed once
(:func:`analyse_types`): its normalised form, its lemma (:mod:`.lemmatize`),
and whether it is punctuation, a number, a stopword or too short; with
``proper_nouns = "keep"`` also whether it keeps its word as a name
(:mod:`.proper_nouns`). Per-token columns are then gathered from these
per-type arrays with numpy indexing (:func:`token_lemmas`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .config import PreprocessConfig
from .lemmatize import lemma_keys, normalize_word, recase
from .proper_nouns import CaseCounts, KeptForms, kept_forms, kept_tokens
from .state import REASON_CODE, Vocab
from .words import is_url_token

_NUMBER = re.compile(r"^[+\-\u2212]?\d[\d.,:/\-]*(?:st|nd|rd|th|s)?$")
#: A token with a letter or digit (else it is punctuation).
HAS_ALNUM = re.compile(r"[^\W_]")


@dataclass
class KeptLemmas:
    """Per type: the lemma and reason a token gets when it keeps its word (:mod:`.proper_nouns`)."""

    forms: KeptForms
    lemma: np.ndarray       # output lemma id of the word itself (-1 where never kept)
    reason: np.ndarray      # base reason code judged on the word itself


@dataclass
class TypeInfo:
    """Per distinct token type: ids and flags (arrays indexed by type code)."""

    key: np.ndarray         # lower-case lemma id (matching, stopwords)
    case_key: np.ndarray    # case-sensitive id of the surface without possessive
    lemma: np.ndarray       # output lemma id
    reason: np.ndarray      # base reason code (punctuation, url, number, stopword, short, or 0)
    digits: np.ndarray      # True for tokens of 1-5 ASCII digits (resolution number candidates)
    word: list[str]         # normalised lower-case form
    kept: KeptLemmas | None = None  # names that keep their form (proper_nouns = "keep")


def _reasons(types: list[str], lower: list[str], keys: list[str], config: PreprocessConfig,
             stopwords: frozenset[str]) -> tuple[np.ndarray, np.ndarray]:
    """Base reason code and resolution-digit flag of each type."""
    n = len(types)
    reason = np.zeros(n, dtype=np.int8)
    digits = np.zeros(n, dtype=bool)
    min_length = config.min_length
    has_alnum = HAS_ALNUM.search
    is_number = _NUMBER.match
    r_punct, r_number = REASON_CODE["punctuation"], REASON_CODE["number"]
    r_stop, r_short, r_url = REASON_CODE["stopword"], REASON_CODE["short"], REASON_CODE["url"]
    drop_urls = config.drop_urls
    for i, (t, w, k) in enumerate(zip(types, lower, keys)):
        if not has_alnum(t):
            reason[i] = r_punct
        elif drop_urls and is_url_token(w):
            reason[i] = r_url
        elif w[0] in "+-\u22120123456789" and is_number(w):
            digits[i] = w.isdigit() and w.isascii() and len(w) <= 5
            if config.drop_numbers:
                reason[i] = r_number
        elif w in stopwords or k in stopwords:
            reason[i] = r_stop
        elif len(k) < min_length:
            reason[i] = r_short
    return reason, digits


def _kept_lemmas(types: list[str], cased: list[str], lower: list[str], keys: list[str], *,
                 config: PreprocessConfig, vocab: Vocab, counts: CaseCounts, exceptions: dict[str, str],
                 stopwords: frozenset[str]) -> KeptLemmas:
    forms = kept_forms(counts, types=types, keys=keys, exceptions=exceptions)
    at = np.flatnonzero(forms.candidate).tolist()
    lemma = np.full(len(types), -1, dtype=np.int32)
    reason = np.zeros(len(types), dtype=np.int8)
    if at:
        words = [lower[i] for i in at]
        lemma[at] = vocab.ids(words if config.lowercase else [cased[i] for i in at])
        reason[at] = _reasons([types[i] for i in at], words, words, config, stopwords)[0]
    return KeptLemmas(forms=forms, lemma=lemma, reason=reason)


def analyse_types(types: list[str], config: PreprocessConfig, vocab: Vocab,
                  case_vocab: Vocab, exceptions: dict[str, str],
                  stopwords: frozenset[str], counts: CaseCounts | None = None) -> TypeInfo:
    """Per type ids and flags; with ``counts`` (corpus-wide, :mod:`.proper_nouns`) also the kept names."""
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
    reason, digits = _reasons(types, lower, key_strings, config, stopwords)
    kept = None if counts is None else _kept_lemmas(types, cased, lower, key_strings, config=config, vocab=vocab,
                                                    counts=counts, exceptions=exceptions, stopwords=stopwords)
    # int32 ids keep the per-token arrays small (4 bytes a token each).
    return TypeInfo(key=key.astype(np.int32), case_key=case_key.astype(np.int32), lemma=lemma.astype(np.int32),
                    reason=reason, digits=digits, word=lower, kept=kept)


def token_lemmas(tt: TypeInfo, *, codes: np.ndarray, sentence: np.ndarray,
                 lowercase: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per token ``(key, lemma, reason)``: the type's, or the kept word's where a name keeps its form."""
    key = tt.key[codes]
    lemma = key.copy() if lowercase else tt.lemma[codes]
    reason = tt.reason[codes]
    if tt.kept is not None:
        hit = np.flatnonzero(kept_tokens(tt.kept.forms, codes=codes, sentence=sentence))
        lemma[hit] = tt.kept.lemma[codes[hit]]
        reason[hit] = tt.kept.reason[codes[hit]]
    return key, lemma, reason
