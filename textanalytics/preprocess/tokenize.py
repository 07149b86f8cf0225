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
import pandas as pd
from nltk.tokenize import RegexpTokenizer
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktTrainer

_JOIN = "\\-\u2010\u2011\u00ad'\u2019."  # hyphens (incl. non-breaking, soft), apostrophes, period

#: The word-tokenising regular expression. A token is a run of word characters
#: joined by hyphens, apostrophes or periods between word characters, or by
#: ``, : /`` before digits (``1,000``, ``9:00``, ``2013/14``; but ``ISIL/DAESH``
#: is three tokens); a final period is kept after a single letter that follows
#: a period (``U.N.``, ``e.g.``, ``Ph.D.``); every other non-space character is
#: a token of its own. The ``(?=\S)`` guard lets the engine skip spaces fast.
WORD_PATTERN = rf"(?=\S)(?:\w+(?:[{_JOIN}]\w+|[,:/]\d+)*(?:(?<=\.[^\W\d_])\.)?|[^\w\s])"

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


def tokenize_chunk(texts: Sequence[str], *, splitter: SentenceSplitter,
                   engine: str = "numpy") -> TokenizedChunk:
    """Split every text into sentences and tokens; factorise the tokens.

    ``engine="numpy"`` (default) applies :data:`WORD_PATTERN` with array
    operations (see :func:`_numpy_tokens`); ``"regex"`` runs ``re.findall`` per
    sentence. Both give the same result (a test checks it on the corpora).

    >>> c = tokenize_chunk(["A b. C d e.", ""], splitter=make_sentence_splitter())
    >>> [c.types[i] for i in c.codes], c.sentence_lengths.tolist(), c.paragraph_sentences.tolist()
    (['A', 'b', '.', 'C', 'd', 'e', '.'], [3, 4], [2, 0])
    """
    if engine == "regex":
        return _regex_chunk(texts, splitter=splitter)
    if engine != "numpy":
        raise ValueError(f"unknown engine {engine!r}")
    texts = list(texts)
    big = "\n".join(texts)
    offsets = np.zeros(len(texts) + 1, dtype=np.int64)
    if texts:
        offsets[1:] = np.cumsum([len(t) + 1 for t in texts])
    sent_starts: list[int] = []
    sent_para: list[int] = []
    for i, text in enumerate(texts):
        base = int(offsets[i])
        for s, _ in splitter(text):
            sent_starts.append(base + s)
            sent_para.append(i)
    found = _numpy_tokens(big)
    if found is None:  # a hash collision (never seen): fall back to the reference engine
        return _regex_chunk(texts, splitter=splitter)
    types, codes, tok_start = found
    n_sent = len(sent_starts)
    if n_sent and len(codes):
        sent_of_tok = np.searchsorted(np.asarray(sent_starts, dtype=np.int64), tok_start, side="right") - 1
        lengths = np.bincount(sent_of_tok, minlength=n_sent)
    else:
        lengths = np.zeros(n_sent, dtype=np.int64)
    nonempty = lengths > 0
    para_sents = np.bincount(np.asarray(sent_para, dtype=np.int64)[nonempty], minlength=len(texts)) \
        if n_sent else np.zeros(len(texts), dtype=np.int64)
    return TokenizedChunk(types=types, codes=codes.astype(np.int32),
                          sentence_lengths=lengths[nonempty].astype(np.int32),
                          paragraph_sentences=para_sents.astype(np.int32))


def _regex_chunk(texts: Sequence[str], *, splitter: SentenceSplitter) -> TokenizedChunk:
    """Reference engine: ``re.findall`` of :data:`WORD_PATTERN` per sentence."""
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


# -- the numpy engine ---------------------------------------------------------------------------
#
# WORD_PATTERN, read as rules on characters (\w, \d, \s exactly as Python's re defines them
# for str: isalnum() or "_", isdecimal(), isspace()):
#   * a "glue" character is a joiner (- ‐ ‑ soft-hyphen ' ’ .) between two word characters,
#     or one of , : / between a word character and a digit;
#   * a "trailing" period directly follows ".<letter>" and is not followed by a word character;
#   * a word token is a maximal run of word, glue and trailing characters, except that after
#     a digit run entered through , : / a non-digit word character starts a new token
#     (the pattern's \d+ stops there);
#   * every other character that is not whitespace is a token of its own;
#   * with a URL (http://, https://, www.) at a token start, the URL is one token.
# Token strings are identified by two 64-bit polynomial hashes of their characters; the
# second hash checks the first (on a mismatch the regex engine is used instead).

_W, _D, _L, _S, _J, _C, _DOT = 1, 2, 4, 8, 16, 32, 64
_JOIN_CHARS = frozenset("-\u2010\u2011\u00ad'\u2019.")
_URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"'\u201c\u201d]*[^\s<>\"'\u201c\u201d.,;:!?)\]]")
_B1 = 0x9E3779B97F4A7C15  # odd 64-bit bases
_B2 = 0xC2B2AE3D27D4EB4F
_MASK64 = (1 << 64) - 1


def _char_class(ch: str) -> int:
    bits = 0
    if ch.isalnum() or ch == "_":
        bits |= _W
        if ch.isdecimal():
            bits |= _D
        elif ch != "_":
            bits |= _L
    if ch.isspace():
        bits |= _S
    if ch in _JOIN_CHARS:
        bits |= _J
    if ch in ",:/":
        bits |= _C
    if ch == ".":
        bits |= _DOT
    return bits


_ASCII_CLASS = np.array([_char_class(chr(i)) for i in range(128)], dtype=np.uint8)
_CLASS_CACHE: dict[int, int] = {}
_POWERS: dict[int, tuple[np.ndarray, np.ndarray]] = {}


def _classes(cp: np.ndarray) -> np.ndarray:
    out = np.empty(len(cp), dtype=np.uint8)
    ascii_ = cp < 128
    out[ascii_] = _ASCII_CLASS[cp[ascii_]]
    if not ascii_.all():
        other = ~ascii_
        uniq, inverse = np.unique(cp[other], return_inverse=True)
        table = np.fromiter((_CLASS_CACHE.setdefault(c, _char_class(chr(c))) for c in uniq.tolist()),
                            dtype=np.uint8, count=len(uniq))
        out[other] = table[inverse]
    return out


def _powers(base: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``base**k`` and ``base**-k`` mod 2**64 for k < n (cached, grown as needed)."""
    have = _POWERS.get(base)
    if have is None or len(have[0]) < n:
        size = max(n, 1 << 20)
        inv = pow(base, -1, 1 << 64)
        up = np.empty(size, dtype=np.uint64)
        down = np.empty(size, dtype=np.uint64)
        up[0] = down[0] = 1
        if size > 1:
            up[1:] = np.cumprod(np.full(size - 1, base, dtype=np.uint64))
            down[1:] = np.cumprod(np.full(size - 1, inv, dtype=np.uint64))
        have = _POWERS[base] = (up, down)
    return have


def _hash(cp64: np.ndarray, starts: np.ndarray, ends: np.ndarray, base: int) -> np.ndarray:
    up, down = _powers(base, len(cp64) + 1)
    prefix = np.zeros(len(cp64) + 1, dtype=np.uint64)
    with np.errstate(over="ignore"):
        np.cumsum(cp64 * down[:len(cp64)], out=prefix[1:])
        return (prefix[ends] - prefix[starts]) * up[starts]


def _numpy_tokens(text: str) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """``(types, codes, token start offsets)`` of ``text``; None on a hash mismatch."""
    n = len(text)
    if n == 0:
        return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cls = _classes(cp)
    word = (cls & _W) != 0
    digit = (cls & _D) != 0
    f = np.zeros(1, dtype=bool)
    word_prev = np.concatenate([f, word[:-1]])
    word_next = np.concatenate([word[1:], f])
    digit_next = np.concatenate([digit[1:], f])
    comma = (cls & _C) != 0
    glue = (((cls & _J) != 0) & word_prev & word_next) | (comma & word_prev & digit_next)
    dot = (cls & _DOT) != 0
    letter_prev = np.concatenate([f, (cls[:-1] & _L) != 0])
    dot_prev2 = np.concatenate([f, f, dot[:-2]]) if n > 1 else np.zeros(n, dtype=bool)
    trail = dot & ~word_next & letter_prev & dot_prev2
    inword = word | glue | trail
    punct = ~word & ((cls & _S) == 0) & ~glue & ~trail
    # Digit runs entered through , : / end at the first non-digit word character.
    digit_prev = np.concatenate([f, digit[:-1]])
    brk = word & ~digit & digit_prev
    if brk.any():
        idx = np.arange(n)
        run_start = np.maximum.accumulate(np.where(digit & ~digit_prev, idx, 0))
        after_comma = np.concatenate([f, (comma & glue)[:-1]])
        cand = np.flatnonzero(brk)
        brk[cand] = after_comma[run_start[cand - 1]]
    start = (inword & ~np.concatenate([f, inword[:-1]])) | brk | punct
    member = inword | punct
    if "://" in text or "www." in text:
        _mark_urls(text, word, glue | trail, start, member)
    starts = np.flatnonzero(start)
    stops = np.flatnonzero(start | ~member)
    stops = np.append(stops, n)
    ends = stops[np.searchsorted(stops, starts, side="right")]
    cp64 = cp.astype(np.uint64)
    h1 = _hash(cp64, starts, ends, _B1)
    codes, uniques = pd.factorize(h1)
    first = np.full(len(uniques), -1, dtype=np.int64)
    order = np.arange(len(codes) - 1, -1, -1)
    first[codes[order]] = order  # last write wins: the first occurrence
    h2 = _hash(cp64, starts, ends, _B2)
    lengths = ends - starts
    if not (np.array_equal(h2, h2[first][codes]) and np.array_equal(lengths, lengths[first][codes])):
        return None
    types = [text[a:b] for a, b in zip(starts[first].tolist(), ends[first].tolist())]
    return types, codes.astype(np.int64), starts


def _mark_urls(text: str, word: np.ndarray, glue: np.ndarray, start: np.ndarray,
               member: np.ndarray) -> None:
    """Make every URL that begins at a token start one token (arrays changed in place).

    The regex engine tries a URL only where a token starts, and resumes after
    it; a joiner right after a URL therefore stands alone (it glues nothing).
    """
    n = len(text)
    pos = 0
    while True:
        m = _URL_RE.search(text, pos)
        if m is None:
            return
        a, b = m.span()
        if not start[a]:
            pos = a + 1
            continue
        start[a + 1:b] = False
        member[a:b] = True
        if b < n and member[b]:
            start[b] = True
            if glue[b] and b + 1 < n and member[b + 1]:
                start[b + 1] = True
        pos = b
