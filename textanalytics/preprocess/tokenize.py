"""Sentence splitting (NLTK Punkt, no download) and word tokenisation (one regular expression).

Sentences
---------
NLTK's Punkt is unsupervised, so it runs without NLTK's downloader: untrained
with a packaged abbreviation list (``sentence_splitter="punkt"``), or trained on
the corpus itself with :class:`nltk.tokenize.punkt.PunktTrainer`
(``"punkt_trained"``). Stock Punkt handles about 230,000 tokens/s here: its
candidate loop walks back character by character in Python and every decision
builds token objects through time-limited regular expressions.
:class:`FastPunkt` keeps Punkt's decisions exactly (same parameters, same
patterns, same code for every non-trivial case) and removes that overhead:

* the candidate loop is the same code with ``str.rfind`` for "last whitespace";
* the most common candidate, a purely alphabetic word of two or more letters
  before ``.``/``?``/``!`` followed by a token, is decided without building
  tokens: Punkt always breaks there unless the word is a known abbreviation or
  starts a learned collocation (both checked);
* every other candidate goes to Punkt's own ``text_contains_sentbreak``,
  memoised on its context string (a pure function of the context).

On the 3,824 news articles the spans equal stock Punkt's exactly (a test checks
tricky cases) at about 1.5 M tokens/s.

Words
-----
:data:`WORD_PATTERN` is a :class:`nltk.tokenize.RegexpTokenizer`-style pattern.
In order of precedence it keeps together: URLs; acronyms with periods (``U.N.``,
``U.S.-led``, ``e.g.``); numbers with separators (``1,000``, ``2.5``, ``9:00``);
words joined by hyphens or apostrophes (``Al-Qaida``, ``anti‑terrorism`` with a
non-breaking hyphen, ``don't``, ``ISIL's``, ``ISIL’s``) with a trailing
possessive apostrophe after *s* (``terrorists’``); and runs of one punctuation
character (``...``, ``--``), every other symbol alone.

Example
-------
>>> word_tokenize("ISIL’s fighters (FTFs) left the U.N. in 2019.")
['ISIL’s', 'fighters', '(', 'FTFs', ')', 'left', 'the', 'U.N.', 'in', '2019', '.']
>>> split_sentences("Mr. Smith met the U.N. envoy. They spoke.")
['Mr. Smith met the U.N. envoy.', 'They spoke.']
"""

from __future__ import annotations

import re
import string
from array import array
from dataclasses import dataclass
from typing import Callable, Iterable, Sequence

import numpy as np
from nltk.tokenize import RegexpTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktTrainer

_JOIN = "\\-\u2010\u2011\u00ad'\u2019.,:/"  # hyphens (incl. non-breaking, soft), apostrophes, . , : /

#: The word-tokenising regular expression. Tokens are runs of word characters
#: joined by hyphens, apostrophes, or ``. , : /`` between word characters; a
#: final period is kept after a single letter that follows a period (``U.N.``,
#: ``e.g.``, ``Ph.D.``); every other non-space character is a token of its own.
WORD_PATTERN = rf"(?=\S)(?:\w+(?:[{_JOIN}]\w+)*(?:(?<=\.[^\W\d_])\.)?|[^\w\s])"

#: :data:`WORD_PATTERN` with URLs (``http://…``, ``www.…``) kept whole; used for
#: the texts that contain one (the extra alternative costs 10% on every token).
URL_WORD_PATTERN = (r"(?=\S)(?:(?:https?://|www\.)[^\s<>\"'\u201c\u201d]*[^\s<>\"'\u201c\u201d.,;:!?)\]]|"
                    + WORD_PATTERN[len("(?=\\S)(?:"):])

_TOKEN_RE = re.compile(WORD_PATTERN)
_URL_TOKEN_RE = re.compile(URL_WORD_PATTERN)
_findall = _TOKEN_RE.findall
_url_findall = _URL_TOKEN_RE.findall

#: NLTK tokenizer object with the same pattern (for users who want NLTK's interface).
word_tokenizer = RegexpTokenizer(WORD_PATTERN)


def _findall_for(text: str):
    return _url_findall if ("://" in text or "www." in text) else _findall


def word_tokenize(text: str) -> list[str]:
    """Split ``text`` into word and punctuation tokens with :data:`WORD_PATTERN`.

    >>> word_tokenize("Anti-terrorism efforts by the UNSC, Al-Qaida's rivals.")
    ['Anti-terrorism', 'efforts', 'by', 'the', 'UNSC', ',', "Al-Qaida's", 'rivals', '.']
    """
    return _findall_for(text)(text)


# -- sentences -----------------------------------------------------------------------------

_WS = string.whitespace  # Punkt's notion of whitespace (ASCII only), kept exactly
_FLAGS = re.VERBOSE | re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL


def _stdlib(pattern) -> re.Pattern:
    """Recompile one of NLTK's (possibly time-limited) patterns with :mod:`re`."""
    return re.compile(pattern.pattern, pattern.flags & _FLAGS)


class FastPunkt(PunktSentenceTokenizer):
    """:class:`PunktSentenceTokenizer` whose :meth:`spans` equals ``span_tokenize`` and is ~10x faster.

    :meth:`spans` is NLTK's ``span_tokenize`` (``_match_potential_end_contexts``,
    ``_slices_from_text`` and ``_realign_boundaries``) written as one loop over
    the candidate matches; see the module docstring for the decision fast path.
    Every other method is NLTK's.

    >>> FastPunkt(PunktParameters()).spans("It rained. We left.")
    [(0, 10), (11, 19)]
    """

    def __init__(self, params: PunktParameters) -> None:
        super().__init__(params)
        lang = self._lang_vars
        self._context_re = _stdlib(lang.period_context_re())
        self._realign_re = _stdlib(lang.re_boundary_realignment)
        # First characters the realignment pattern can match (a character class in NLTK).
        self._closers = frozenset("\"')]}\u2018\u2019\u201c\u201d\xab\xbb")
        self._abbrev = frozenset(params.abbrev_types)
        self._colloc_first = frozenset(a for a, _ in params.collocations)
        self._memo: dict[str, bool] = {}

    def _sentbreak(self, text: str, word_start: int, word_stop: int, match: re.Match) -> bool:
        """``text_contains_sentbreak`` of a candidate's context, with the fast path."""
        word = text[word_start:word_stop]
        if len(word) >= 2 and word.isalpha():
            # Punkt's tokens here are "word<c>" and the following token; '?'/'!' always
            # break; '.' breaks unless "word" is an abbreviation or starts a collocation.
            if match.group() != ".":
                return True
            low = word.lower()
            if low not in self._abbrev and low not in self._colloc_first:
                return True
        context = word + match.group() + match.group("after_tok")
        found = self._memo.get(context)
        if found is None:
            if len(self._memo) > 500_000:
                self._memo.clear()
            found = self._memo[context] = self.text_contains_sentbreak(context)
        return found

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans ``(start, end)`` of ``text``, equal to ``list(span_tokenize(text))``."""
        if not text:
            return []
        rare_ws = [c for c in _WS if c not in " \n" and c in text]
        whitespace = " \n" + "".join(rare_ws)
        # -- candidates and their decisions (NLTK: _match_potential_end_contexts, _slices_from_text)
        raw: list[tuple[int, int]] = []
        last_break = 0
        prev_match = None
        prev_start = prev_stop = 0
        for match in self._context_re.finditer(text):
            start = match.start()
            index = max([text.rfind(c, prev_stop, start) for c in whitespace])
            word_start = index + 1 if index > prev_stop else prev_start
            if prev_match is not None and prev_stop <= word_start:
                if self._sentbreak(text, prev_start, prev_stop, prev_match):
                    raw.append((last_break, prev_match.end()))
                    last_break = (prev_match.start("next_tok") if prev_match.group("next_tok")
                                  else prev_match.end())
            prev_match, prev_start, prev_stop = match, word_start, start
        if prev_match is not None and self._sentbreak(text, prev_start, prev_stop, prev_match):
            raw.append((last_break, prev_match.end()))
            last_break = (prev_match.start("next_tok") if prev_match.group("next_tok")
                          else prev_match.end())
        raw.append((last_break, len(text.rstrip())))
        # -- NLTK: _realign_boundaries
        out: list[tuple[int, int]] = []
        realign = 0
        closers = self._closers
        for i in range(len(raw) - 1):
            s1 = raw[i][0] + realign
            e1 = raw[i][1]
            s2, e2 = raw[i + 1]
            m = None
            if s2 < e2 and text[s2] in closers:
                m = self._realign_re.match(text[s2:e2])
            if m:
                out.append((s1, s2 + len(m.group(0).rstrip())))
                realign = m.end()
            else:
                realign = 0
                if s1 < e1:
                    out.append((s1, e1))
        s1, e1 = raw[-1][0] + realign, raw[-1][1]
        if s1 < e1:
            out.append((s1, e1))
        return out


def punkt_parameters(*, abbreviations: Iterable[str] = (), train_text: str | None = None) -> PunktParameters:
    """Punkt parameters: trained on ``train_text`` when given, plus ``abbreviations``.

    >>> sorted(punkt_parameters(abbreviations=["mr", "u.s"]).abbrev_types)
    ['mr', 'u.s']
    """
    if train_text:
        trainer = PunktTrainer()
        trainer.train(train_text, finalize=True)
        params = trainer.get_params()
    else:
        params = PunktParameters()
    params.abbrev_types = set(params.abbrev_types) | {a.lower().rstrip(".") for a in abbreviations}
    return params


SentenceSplitter = Callable[[str], Sequence[tuple[int, int]]]


def make_sentence_splitter(*, method: str = "punkt", abbreviations: Iterable[str] = (),
                           train_text: str | None = None) -> SentenceSplitter:
    """A function ``text -> [(start, end), ...]`` of sentence spans.

    ``method``: ``"punkt"`` (untrained, with ``abbreviations``),
    ``"punkt_trained"`` (trained on ``train_text``) or ``"none"`` (whole text).

    >>> make_sentence_splitter(method="none")("One. Two.")
    [(0, 9)]
    """
    if method == "none":
        return lambda text: [(0, len(text))] if text else []
    if method not in ("punkt", "punkt_trained"):
        raise ValueError(f"unknown sentence splitter {method!r}")
    params = punkt_parameters(abbreviations=abbreviations,
                              train_text=train_text if method == "punkt_trained" else None)
    return FastPunkt(params).spans


def split_sentences(text: str, *, method: str = "punkt", abbreviations: Iterable[str] | None = None) -> list[str]:
    """Sentences of ``text`` (the packaged abbreviation list by default).

    >>> split_sentences("The U.S. and the U.N. agreed. Talks follow.")
    ['The U.S. and the U.N. agreed.', 'Talks follow.']
    """
    if abbreviations is None:
        from .resources import load_abbreviations

        abbreviations = load_abbreviations("default")
    splitter = make_sentence_splitter(method=method, abbreviations=abbreviations)
    return [text[s:e] for s, e in splitter(text)]


# -- many texts ----------------------------------------------------------------------------

@dataclass(frozen=True)
class TokenizedChunk:
    """Tokens of a run of paragraphs, factorised.

    ``types``: the distinct token strings; ``codes``: one int32 per token into
    ``types``; ``sentence_lengths``: tokens per sentence (sentences with no
    token are skipped); ``paragraph_sentences``: sentences per paragraph.
    """

    types: list[str]
    codes: np.ndarray
    sentence_lengths: np.ndarray
    paragraph_sentences: np.ndarray


def tokenize_chunk(texts: Sequence[str], *, splitter: SentenceSplitter) -> TokenizedChunk:
    """Split every text into sentences and tokens; factorise the tokens.

    >>> c = tokenize_chunk(["A b. C d e.", ""], splitter=make_sentence_splitter())
    >>> [c.types[i] for i in c.codes], c.sentence_lengths.tolist(), c.paragraph_sentences.tolist()
    (['A', 'b', '.', 'C', 'd', 'e', '.'], [3, 4], [2, 0])
    """
    index: dict[str, int] = {}
    setdefault = index.setdefault
    codes = array("i")
    sentence_lengths = array("i")
    paragraph_sentences = array("i")
    for text in texts:
        n_before = len(sentence_lengths)
        findall = _findall_for(text)
        for start, end in splitter(text):
            toks = findall(text, start, end)
            if toks:
                codes.extend([setdefault(t, len(index)) for t in toks])
                sentence_lengths.append(len(toks))
        paragraph_sentences.append(len(sentence_lengths) - n_before)
    return TokenizedChunk(
        types=list(index),
        codes=np.frombuffer(codes, dtype=np.int32).copy() if codes else np.zeros(0, np.int32),
        sentence_lengths=np.frombuffer(sentence_lengths, dtype=np.int32).copy()
        if sentence_lengths else np.zeros(0, np.int32),
        paragraph_sentences=np.frombuffer(paragraph_sentences, dtype=np.int32).copy()
        if paragraph_sentences else np.zeros(0, np.int32),
    )
