"""Sentence splitting: NLTK Punkt (no download), vectorised.

NLTK's Punkt is unsupervised, so it runs without NLTK's downloader: untrained
with a packaged abbreviation list (``sentence_splitter="punkt"``), or trained on
the corpus itself with :class:`nltk.tokenize.punkt.PunktTrainer`
(``"punkt_trained"``). Stock Punkt handles about 230,000 tokens/s here: its
candidate loop walks back character by character in Python, and every decision
builds token objects through time-limited regular expressions (NLTK >= 3.9).
:class:`FastPunkt` gives exactly Punkt's spans (tests compare them with stock
NLTK on the seeds, tricky sentences and trained parameters; on all 3,824 news
articles during development) and removes that overhead:

* the candidate search, the "word before the period" rule and the boundary
  realignment of ``span_tokenize`` are replayed with numpy on all candidates
  of many paragraphs at once;
* the most common candidate, an alphabetic word of two or more letters before
  ``.``/``?``/``!`` and a following token, always breaks unless the word is an
  abbreviation or starts a collocation (both checked), so it is decided
  without building tokens;
* every other candidate is decided by ``text_contains_sentbreak`` on its
  context string, memoised; with untrained parameters (abbreviations only) by
  :meth:`FastPunkt._untrained_sentbreak`, a transcription of Punkt's two
  annotation passes with the empty tables left out (tested against NLTK).

Splitting the 2 M-word news corpus takes about 0.5 s instead of 8.5 s. Words
are tokenised in :mod:`.words`.

Example
-------
>>> split_sentences("Mr. Smith met the U.N. envoy. They spoke.")
['Mr. Smith met the U.N. envoy.', 'They spoke.']
"""

from __future__ import annotations

import re
import string
from typing import Iterable

import numpy as np
from nltk.tokenize.punkt import PunktParameters, PunktSentenceTokenizer, PunktTrainer

from .chars import SentenceSplitter, lookup_char_table
from .resources import load_abbreviations

# -- sentences -----------------------------------------------------------------------------

_WS = string.whitespace  # Punkt's notion of whitespace (ASCII only), kept exactly
_FLAGS = re.VERBOSE | re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL


def _stdlib(pattern) -> re.Pattern:
    """Recompile one of NLTK's (possibly time-limited) patterns with :mod:`re`."""
    return re.compile(pattern.pattern, pattern.flags & _FLAGS)


# PunktToken's patterns (``_RE_ELLIPSIS``, ``_RE_INITIAL``, ``_RE_NUMERIC``) and Punkt's PUNCTUATION.
_PUNKT_ELLIPSIS = re.compile(r"\.\.+$")
_PUNKT_INITIAL = re.compile(r"[^\W\d]\.$")
_PUNKT_NUMERIC = re.compile(r"^-?[\.,]?\d[\d,\.-]*\.?$")
_PUNKT_PUNCTUATION = frozenset(";:,.!?")


class FastPunkt(PunktSentenceTokenizer):
    """:class:`PunktSentenceTokenizer` with array-based span finding: the same spans, much faster.

    :meth:`spans` equals ``list(span_tokenize(text))``; :meth:`chunk_spans`
    does the same for many texts joined by newlines. Both replay NLTK's
    ``_match_potential_end_contexts``, ``_slices_from_text`` and
    ``_realign_boundaries`` with numpy over all candidates at once; decisions
    are NLTK's own ``text_contains_sentbreak`` (memoised) except for the fast
    path described in the module docstring. Every other method is NLTK's.

    >>> FastPunkt(PunktParameters()).spans("It rained. We left.")
    [(0, 10), (11, 19)]
    """

    # Character flags used by the span finder.
    _END, _NONWORD, _ASCII_WS, _ALPHA, _SPACE = 1, 2, 4, 8, 16

    def __init__(self, params: PunktParameters) -> None:
        super().__init__(params)
        lang = self._lang_vars
        self._realign_re = _stdlib(lang.re_boundary_realignment)
        self._nonword_re = re.compile(lang._re_non_word_chars)
        self._end_chars = frozenset(lang.sent_end_chars)
        # First characters the realignment pattern can match (a character class in NLTK).
        self._closer_codes = np.array([ord(ch) for ch in "\"')]}\u2018\u2019\u201c\u201d\xab\xbb"],
                                      dtype=np.uint32)
        self._no_break = frozenset(params.abbrev_types) | frozenset(a for a, _ in params.collocations)
        self._memo: dict[str, bool] = {}
        self._abbrev = frozenset(params.abbrev_types)
        self._untrained = not (params.collocations or params.sent_starters or params.ortho_context)
        self._punkt_words = _stdlib(lang._word_tokenizer_re()).findall
        self._flag_cache: dict[int, int] = {}
        self._ascii_flags = np.array([self._flag(chr(i)) for i in range(128)], dtype=np.uint8)

    def _flag(self, ch: str) -> int:
        bits = 0
        if ch in self._end_chars:
            bits |= self._END
        if self._nonword_re.fullmatch(ch):
            bits |= self._NONWORD
        if ch in _WS:
            bits |= self._ASCII_WS
        if ch.isalpha():
            bits |= self._ALPHA
        if ch.isspace():
            bits |= self._SPACE
        return bits

    def _flags(self, cp: np.ndarray) -> np.ndarray:
        return lookup_char_table(cp, self._ascii_flags, self._flag_cache, self._flag)

    def _decide(self, context: str) -> bool:
        """NLTK's ``text_contains_sentbreak``, memoised (a pure function of the context)."""
        found = self._memo.get(context)
        if found is None:
            if len(self._memo) > 500_000:
                self._memo.clear()
            if self._untrained:
                found = self._untrained_sentbreak(context)
            else:
                found = self.text_contains_sentbreak(context)
            self._memo[context] = found
        return found

    def _untrained_sentbreak(self, context: str) -> bool:
        """``text_contains_sentbreak`` for parameters with abbreviations only (no orthographic
        context, sentence starters or collocations), without NLTK's token objects.

        With those tables empty, Punkt's second pass reduces to: after an initial
        ("J.") or a number ("2019."), a following punctuation mark or lower-case
        word, or (initials only) an upper-case word, cancels the break. A test
        checks this against NLTK on every context of the news corpus.
        """
        tokens = [tok for line in context.split("\n") if line.strip() for tok in self._punkt_words(line)]
        abbrev = self._abbrev
        breaks = []
        for tok in tokens:  # first pass
            if tok in self._end_chars:
                breaks.append(True)
            elif _PUNKT_ELLIPSIS.match(tok):
                breaks.append(False)
            elif tok.endswith(".") and not tok.endswith(".."):
                low = tok[:-1].lower()
                breaks.append(not (low in abbrev or low.split("-")[-1] in abbrev))
            else:
                breaks.append(False)
        found = False
        for i, tok in enumerate(tokens):  # second pass, lazily as NLTK iterates
            if found:
                return True
            if i + 1 < len(tokens) and tok.endswith(".") and breaks[i]:
                initial = _PUNKT_INITIAL.match(tok) is not None
                if initial or _PUNKT_NUMERIC.sub("##number##", tok.lower()) in ("##number##", "##number##."):
                    nxt = tokens[i + 1]
                    if nxt in _PUNKT_PUNCTUATION or nxt[0].islower() or (initial and nxt[0].isupper()):
                        breaks[i] = False
            if breaks[i]:
                found = True
        return False

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Sentence spans ``(start, end)`` of ``text``, equal to ``list(span_tokenize(text))``."""
        if not text:
            return []
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        s, e, _ = self.chunk_spans(text, cp, np.array([0]), np.array([len(text)]))
        return list(zip(s.tolist(), e.tolist()))

    def chunk_spans(self, big: str, cp: np.ndarray, para_start: np.ndarray,
                    para_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sentence spans of the paragraphs ``big[para_start[i]:para_end[i]]``.

        ``cp`` holds the code points of ``big``; paragraphs are separated by
        at least one whitespace character. Returns ``(starts, ends, paragraph)``
        arrays of positions in ``big``, in text order.
        """
        n = len(big)
        para_start = np.asarray(para_start, dtype=np.int64)
        para_end = np.asarray(para_end, dtype=np.int64)
        flags = self._flags(cp)
        space = (flags & self._SPACE) != 0
        # -- candidates: an end character followed by a non-word character or by
        #    whitespace and a token (NLTK's period_context_re), within the paragraph.
        e = np.flatnonzero(flags & self._END)
        p = np.searchsorted(para_start, e, side="right") - 1
        nxt = e + 1
        inside = nxt < para_end[p]
        at = np.minimum(nxt, n - 1)
        nonword = inside & ((flags[at] & self._NONWORD) != 0)
        nonspace_pos = np.append(np.flatnonzero(~space), n)
        first_nonspace = nonspace_pos[np.searchsorted(nonspace_pos, nxt)]
        ws_case = inside & ~nonword & space[at] & (first_nonspace < para_end[p])
        keep = nonword | ws_case
        c, p = e[keep], p[keep]
        ws_case, first_nonspace = ws_case[keep], first_nonspace[keep]
        space_pos = np.append(np.flatnonzero(space), n)
        after_end = np.where(ws_case, space_pos[np.searchsorted(space_pos, first_nonspace)], c + 2)
        next_tok = np.where(ws_case, first_nonspace, -1)
        # -- the word before each candidate (NLTK: last ASCII whitespace after the previous
        #    candidate, else the previous candidate's word start), and which are yielded.
        k = len(c)
        first = np.ones(k, dtype=bool)
        first[1:] = p[1:] != p[:-1]
        prev_stop = np.where(first, para_start[p], np.r_[0, c[:-1]])
        ascii_ws = np.where((flags & self._ASCII_WS) != 0, np.arange(n), -1)
        last_ws = np.maximum.accumulate(ascii_ws) if n else ascii_ws
        index = np.where(c > 0, last_ws[np.maximum(c - 1, 0)], -1)
        has_ws = index > prev_stop
        word_start = np.maximum.accumulate(np.where(has_ws, index + 1, np.where(first, para_start[p], -1))) \
            if k else np.zeros(0, dtype=np.int64)
        last = np.ones(k, dtype=bool)
        last[:-1] = p[1:] != p[:-1]
        yielded = last.copy()
        yielded[:-1] |= c[:-1] <= word_start[1:]
        # -- decisions: fast path, else NLTK's text_contains_sentbreak on the context
        alpha_cum = np.concatenate([[0], np.cumsum((flags & self._ALPHA) != 0, dtype=np.int64)])
        length = c - word_start
        fast = yielded & (length >= 2) & (alpha_cum[c] - alpha_cum[word_start] == length)
        is_dot = cp[c] == 46
        # An alphabetic word that is no abbreviation (nor starts a collocation) always breaks;
        # any other candidate is decided by NLTK (the context's later tokens can matter).
        no_break = self._no_break
        longest = max((len(w) for w in no_break), default=0)
        for i in np.flatnonzero(fast & is_dot & (length <= longest)).tolist():
            if big[word_start[i]:c[i]].lower() in no_break:
                fast[i] = False
        brk = fast.copy()
        decide = self._decide
        for i in np.flatnonzero(yielded & ~fast).tolist():
            brk[i] = decide(big[word_start[i]:after_end[i]])
        # -- raw slices: paragraph start .. each break .. rstrip end (NLTK: _slices_from_text)
        b = np.flatnonzero(brk)
        nonspace = nonspace_pos[:-1]
        before = np.searchsorted(nonspace, para_end, side="left") - 1
        last_char = np.where(before >= 0, nonspace[np.maximum(before, 0)] if len(nonspace) else -1, -1)
        rstrip_end = np.where(last_char >= para_start, last_char + 1, para_start)
        seg_start = np.concatenate([para_start, np.where(next_tok[b] >= 0, next_tok[b], c[b] + 1)])
        seg_start_p = np.concatenate([np.arange(len(para_start)), p[b]])
        seg_end = np.concatenate([c[b] + 1, rstrip_end])
        seg_end_p = np.concatenate([p[b], np.arange(len(para_start))])
        o1 = np.lexsort((seg_start, seg_start_p))
        o2 = np.lexsort((seg_end, seg_end_p))
        s, t, sp = seg_start[o1], seg_end[o2], seg_start_p[o1]
        return self._realign(big, cp, s, t, sp)

    def _realign(self, big: str, cp: np.ndarray, s: np.ndarray, t: np.ndarray,
                 sp: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """NLTK's ``_realign_boundaries`` on raw slices ``(s, t)`` of paragraphs ``sp``.

        Only a slice that starts with a closing quote or bracket can move
        punctuation back onto the sentence before it; the pattern runs on those.
        """
        m = len(s)
        shift = np.zeros(m, dtype=np.int64)
        new_end = t.copy()
        matched = np.zeros(m, dtype=bool)
        if m > 1:
            s2, e2 = s[1:], t[1:]
            first = cp[np.minimum(s2, len(cp) - 1)] if len(cp) else np.zeros(m - 1, np.uint32)
            candidates = (sp[1:] == sp[:-1]) & (s2 < e2) & np.isin(first, self._closer_codes)
            match = self._realign_re.match
            for j in np.flatnonzero(candidates).tolist():
                mt = match(big[s[j + 1]:t[j + 1]])
                if mt:
                    matched[j] = True
                    new_end[j] = s[j + 1] + len(mt.group(0).rstrip())
                    shift[j + 1] = mt.end()
        start = s + shift
        keep = matched | (start < t)
        return start[keep], new_end[keep], sp[keep]


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


class WholeParagraph:
    """The ``"none"`` sentence splitter: a paragraph is one sentence.

    >>> WholeParagraph()("One. Two.")
    [(0, 9)]
    """

    def __call__(self, text: str) -> list[tuple[int, int]]:
        return [(0, len(text))] if text else []

    def chunk_spans(self, big: str, cp: np.ndarray, para_start: np.ndarray,
                    para_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        para_start = np.asarray(para_start, dtype=np.int64)
        para_end = np.asarray(para_end, dtype=np.int64)
        nonempty = para_end > para_start
        return para_start[nonempty], para_end[nonempty], np.flatnonzero(nonempty)


class PunktSplitter:
    """Callable wrapper: ``splitter(text)`` gives spans, ``splitter.chunk_spans(...)`` many at once."""

    def __init__(self, punkt: FastPunkt) -> None:
        self.punkt = punkt

    def __call__(self, text: str) -> list[tuple[int, int]]:
        return self.punkt.spans(text)

    def chunk_spans(self, big: str, cp: np.ndarray, para_start: np.ndarray,
                    para_end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return self.punkt.chunk_spans(big, cp, para_start, para_end)


def make_sentence_splitter(*, method: str = "punkt", abbreviations: Iterable[str] = (),
                           train_text: str | None = None) -> SentenceSplitter:
    """A function ``text -> [(start, end), ...]`` of sentence spans.

    ``method``: ``"punkt"`` (untrained, with ``abbreviations``),
    ``"punkt_trained"`` (trained on ``train_text``) or ``"none"`` (whole text).

    >>> make_sentence_splitter(method="none")("One. Two.")
    [(0, 9)]
    """
    if method == "none":
        return WholeParagraph()
    if method not in ("punkt", "punkt_trained"):
        raise ValueError(f"unknown sentence splitter {method!r}")
    params = punkt_parameters(abbreviations=abbreviations,
                              train_text=train_text if method == "punkt_trained" else None)
    return PunktSplitter(FastPunkt(params))


def split_sentences(text: str, *, method: str = "punkt", abbreviations: Iterable[str] | None = None) -> list[str]:
    """Sentences of ``text`` (the packaged abbreviation list by default).

    >>> split_sentences("The U.S. and the U.N. agreed. Talks follow.")
    ['The U.S. and the U.N. agreed.', 'Talks follow.']
    """
    if abbreviations is None:
        abbreviations = load_abbreviations("default")
    splitter = make_sentence_splitter(method=method, abbreviations=abbreviations)
    return [text[s:e] for s, e in splitter(text)]
