"""Internal to :mod:`textanalytics.preprocessing`: names keep their form (``proper_nouns = "keep"``).

Not public API. Lemmatising without a POS tagger turns names into common words
(Pence -> penny, Wales -> wale, Commons -> common, Sanders -> sander, Fed ->
feed). With ``proper_nouns = "keep"`` a capitalised token whose lemma differs
from its word keeps its word, lower-cased, as lemma and term when the corpus
says it is a name:

* **inside a sentence** a capital marks a name (always right after a title:
  "Mr. Banks", "Governor Pence"), unless the word is a common word written
  with a capital (parliamentary style: "hon. Members",
  "Ministers", "Governments"). The corpus tells which: a word is such a
  common word when its lemma is written capitalised *on its own* inside
  sentences ("the hon. Member", "the Minister": no capitalised word next to
  it) more often than the word itself is written capitalised inside
  sentences. A lemma capitalised next to other capitals is part of a name
  ("Lord Smith", "Rhode Island", "Greater London") and is no evidence;
* **at the start of a sentence** (the first word, or the first word after an
  opening quotation mark, a colon, a dash or a bullet), **in capitals** (``PHILIPPINES``) and **in a
  title-case sentence** (a heading: at least three words of 5+ letters, all
  capitalised) case says nothing, so the word is read as the corpus writes it inside sentences: kept
  when it is written capitalised there at least as often as in lower case
  (``Wales``, ``Fed``), lemmatised when it is more often lower case
  ("Countries", "Measures", "Forces"), is a common word written with a capital
  ("Members", "Ministers"), or is never seen inside a sentence (no evidence:
  the dictionary reading, as for every word before this rule);
* never kept this way: acronyms (2-5 capitals, their own rule in
  :mod:`.lemmatize`) and words listed in ``lemma_exceptions`` (how a
  researcher overrides the rule for a word). A hyphenated word counts as
  capitalised when its last part is ("England-Wales", not "Government-owned").

Only ``lemma`` and ``term`` change: the matching key (aliases, curated
phrases, resolution triggers, via :func:`~.lemmatize.lemma_keys`) stays the
dictionary lemma, so "United Nations" still meets its alias. A kept token is a
stopword or too short by its own word, not by its lemma ("Mays" is not "may").

The counts are per lower-case word over the whole corpus, added up chunk by
chunk in a first pass (:func:`count_cases`, run by :mod:`.passes`), so one
chunk or many decide alike. Everything is vectorised over tokens with numpy;
the decisions are per distinct type (:func:`kept_forms`).

Example
-------
>>> counts = CaseCounts()
>>> types = ["Wales", "voted", ".", "Members", "opposite", "the", "hon", "Member"]
>>> codes = np.array([0, 1, 2, 5, 6, 7, 1, 2, 5, 3, 4, 1, 2])
>>> sentence = np.array([0, 0, 0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2])
>>> count_cases(counts, types=types, codes=codes, sentence=sentence)
>>> [(w, int(counts.capital[i])) for i, w in enumerate(counts.words.strings) if counts.capital[i]]
[('members', 1), ('member', 1)]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np

from .lemmatize import is_acronym, normalize_word
from .state import Vocab

#: Case classes of a type (see :func:`case_classes`).
NO_LETTER, LOWER, TITLE, UPPER, ACRONYM = 0, 1, 2, 3, 4
#: Titles before a name (lower case): a capitalised word right after one, or after one and its
#: period ("Mr. Banks", "Governor Pence"), is a name whatever the rest of the corpus says.
TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "sir", "dame", "lord", "lady", "baroness", "senator",
                    "sen", "governor", "gov", "president", "rep", "congressman", "congresswoman", "judge", "prof",
                    "professor", "rev", "reverend"})
#: Tokens after which a capital says nothing: opening quotation marks, a colon, dashes and bullets
#: (a quoted sentence, "FACT: According to", "- Speaking in Brussels").
CLAUSE_OPENERS = frozenset({'"', "\u201c", "\u2018", "\u00ab", "\u201e", ":", "-", "\u2013", "\u2014",
                            "\u2022"})


@dataclass
class CaseCounts:
    """How the corpus writes each lower-case word, indexed by ``words`` ids (grown as words arrive).

    ``lower``: tokens with a lower-case first letter; ``capital``: capitalised
    tokens inside a sentence; ``alone``: of those, the ones with no capitalised
    word next to them in the sentence.
    """

    words: Vocab = field(default_factory=Vocab)
    lower: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    capital: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    alone: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    def add(self, name: str, word_ids: np.ndarray) -> None:
        """Count one occurrence of each word id (of :attr:`words`) in column ``name``."""
        width = len(self.words.strings)
        old = getattr(self, name)
        grown = np.zeros(width, np.int64)
        grown[:len(old)] = old
        setattr(self, name, grown + np.bincount(word_ids, minlength=width))

    def lookup(self, strings: Sequence[str]) -> np.ndarray:
        """Ids of ``strings`` in :attr:`words`, -1 for a word never counted."""
        index = self.words.index
        return np.fromiter((index.get(s, -1) for s in strings), dtype=np.int64, count=len(strings))

    def get(self, name: str, ids: np.ndarray) -> np.ndarray:
        """Counts of column ``name`` for ``ids`` (0 for -1)."""
        column = getattr(self, name)
        padded = np.zeros(len(self.words.strings) + 1, np.int64)
        padded[:len(column)] = column
        return padded[ids]  # -1 reads the last, zero, entry


def case_classes(cased: Sequence[str]) -> np.ndarray:
    """Per type (normalised, case kept): :data:`LOWER`, :data:`TITLE`, :data:`UPPER`, :data:`ACRONYM` or :data:`NO_LETTER`.

    A hyphenated word is classed by its last part, the part that is lemmatised
    ("Government-owned" is lower case, "England-Wales" capitalised).

    >>> case_classes(["wales", "Wales", "PHILIPPINES", "NATO", "2019", "I", "Government-owned"]).tolist()
    [1, 2, 3, 4, 0, 2, 1]
    """
    out = np.zeros(len(cased), dtype=np.int8)
    for i, word in enumerate(cased):
        if "-" in word:
            word = word.rpartition("-")[2] or word
        first = word[:1]
        if first.islower():
            out[i] = LOWER
        elif first.isupper():
            if is_acronym(word):
                out[i] = ACRONYM
            elif len(word) > 1 and word.isupper():
                out[i] = UPPER
            else:
                out[i] = TITLE
    return out


@dataclass
class TypeCase:
    """Per type of a chunk: case class (:func:`case_classes`), clause opener, word of 5+ characters, title, period."""

    case: np.ndarray
    opener: np.ndarray
    long: np.ndarray
    title: np.ndarray
    dot: np.ndarray


def type_case(types: Sequence[str]) -> tuple[list[str], TypeCase]:
    """The types normalised with case kept (:func:`~.lemmatize.normalize_word`), and their :class:`TypeCase`."""
    cased = [normalize_word(t, lowercase=False) for t in types]
    n = len(types)
    opener = np.fromiter((t in CLAUSE_OPENERS for t in types), dtype=bool, count=n)
    long = np.fromiter((len(c) >= 5 for c in cased), dtype=bool, count=n)
    title = np.fromiter((c.lower() in TITLES for c in cased), dtype=bool, count=n)
    dot = np.fromiter((t == "." for t in types), dtype=bool, count=n)
    return cased, TypeCase(case=case_classes(cased), opener=opener, long=long, title=title, dot=dot)


def _headings(*, sentence: np.ndarray, tc: np.ndarray, long: np.ndarray) -> np.ndarray:
    """Per token: in a title-case sentence (3+ words of 5+ letters, every one capitalised)."""
    n_sent = int(sentence.max()) + 1
    words = long & (tc != NO_LETTER)
    n_words = np.bincount(sentence[words], minlength=n_sent)
    n_capital = np.bincount(sentence[words & (tc >= TITLE)], minlength=n_sent)
    return ((n_words >= 3) & (n_capital == n_words))[sentence]


def token_roles(*, codes: np.ndarray, sentence: np.ndarray, tcase: TypeCase) -> tuple[np.ndarray, np.ndarray]:
    """Per token: ``(caseless, alone)``.

    ``caseless``: a word whose capital says nothing: the first word of its
    sentence, a word right after a :data:`CLAUSE_OPENERS` token, a word in capitals,
    or any word of a title-case sentence (a heading: "Trump Continues Obama's
    Deportation Policies"). ``alone``: no capitalised word (other than a
    caseless one) next to it in its sentence.
    """
    n = len(codes)
    if n == 0:
        return np.zeros(0, bool), np.zeros(0, bool)
    tc = tcase.case[codes]
    word = tc != NO_LETTER
    same_as_prev = np.r_[False, sentence[1:] == sentence[:-1]]
    after_opener = np.r_[False, tcase.opener[codes[:-1]]] & same_as_prev
    caseless = word & (after_opener | (tc == UPPER) | _headings(sentence=sentence, tc=tc, long=tcase.long[codes]))
    at = np.flatnonzero(word)
    if len(at):
        caseless[at[np.r_[True, sentence[at[1:]] != sentence[at[:-1]]]]] = True
    capital = (tc >= TITLE) & ~caseless
    prev_capital = np.r_[False, capital[:-1]] & same_as_prev
    next_capital = np.r_[capital[1:], False] & np.r_[same_as_prev[1:], False]
    return caseless, ~prev_capital & ~next_capital


def count_cases(counts: CaseCounts, *, types: Sequence[str], codes: np.ndarray, sentence: np.ndarray) -> None:
    """Add one chunk's tokens to ``counts`` (first pass; see the module docstring)."""
    cased, tcase = type_case(types)
    words = counts.words.ids([c.lower() for c in cased])
    caseless, alone = token_roles(codes=codes, sentence=sentence, tcase=tcase)
    tc, word_of = tcase.case[codes], words[codes]
    inside = (tc == TITLE) & ~caseless
    counts.add("lower", word_of[tc == LOWER])
    counts.add("capital", word_of[inside])
    counts.add("alone", word_of[inside & alone])


@dataclass
class KeptForms:
    """Per type of a chunk: its :class:`TypeCase`; whether it may keep its word (``candidate``: capitalised,
    its lemma differs), and whether it does inside a sentence / where caseless."""

    tcase: TypeCase
    candidate: np.ndarray
    inside: np.ndarray
    caseless: np.ndarray


def kept_forms(counts: CaseCounts, *, types: Sequence[str], keys: Sequence[str],
               exceptions: Mapping[str, str]) -> KeptForms:
    """The decisions for a chunk's types from the corpus-wide ``counts`` (``keys``: their lemmas).

    >>> c = CaseCounts()
    >>> count_cases(c, types=["in", "Wales", "wales"], codes=np.array([0, 1, 0, 2]), sentence=np.array([0, 0, 1, 1]))
    >>> k = kept_forms(c, types=["Wales", "Members"], keys=["wale", "member"], exceptions={})
    >>> k.inside.tolist(), k.caseless.tolist()  # Members: never seen inside a sentence
    ([True, True], [True, False])
    """
    cased, tcase = type_case(types)
    lower = [c.lower() for c in cased]
    words, lemmas = counts.lookup(lower), counts.lookup(keys)
    capital, written_lower = counts.get("capital", words), counts.get("lower", words)
    common_capital = counts.get("alone", lemmas) > capital
    differs = np.fromiter((k != w and w not in exceptions for w, k in zip(lower, keys)), dtype=bool,
                          count=len(lower))
    candidate = differs & ((tcase.case == TITLE) | (tcase.case == UPPER))
    inside = candidate & ~common_capital
    caseless = inside & (capital > 0) & (capital >= written_lower)
    return KeptForms(tcase=tcase, candidate=candidate, inside=inside, caseless=caseless)


def kept_tokens(kept: KeptForms, *, codes: np.ndarray, sentence: np.ndarray) -> np.ndarray:
    """Per token: True where the token keeps its word as its lemma."""
    caseless, _ = token_roles(codes=codes, sentence=sentence, tcase=kept.tcase)
    keep = np.where(caseless, kept.caseless[codes], kept.inside[codes])
    named = ~caseless & kept.candidate[codes] & _after_title(codes=codes, sentence=sentence, tcase=kept.tcase)
    return keep | named


def _after_title(*, codes: np.ndarray, sentence: np.ndarray, tcase: TypeCase) -> np.ndarray:
    """Per token: right after a title of :data:`TITLES`, or after one and a period, in the same sentence."""
    n = len(codes)
    title = tcase.title[codes] & (tcase.case[codes] >= TITLE)
    after = np.zeros(n, dtype=bool)
    if n > 1:
        after[1:] = title[:-1] & (sentence[1:] == sentence[:-1])
    if n > 2:
        after[2:] |= title[:-2] & tcase.dot[codes[1:-1]] & (sentence[2:] == sentence[:-2])
    return after
