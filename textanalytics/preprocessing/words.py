"""Word tokenisation (one pattern), vectorised, and tokenising many paragraphs at once.

:data:`WORD_PATTERN` (with URLs: :data:`URL_WORD_PATTERN`, the pattern of the
NLTK :class:`~nltk.tokenize.RegexpTokenizer` ``word_tokenizer``, made on first use). A token is a run of word characters
joined by hyphens (also the non-breaking ``‑``), apostrophes (``'``, ``’``) or
periods between word characters, or by ``, : /`` before a digit: ``Al-Qaida``,
``anti‑terrorism``, ``ISIL's``, ``ISIL’s``, ``don't``, ``1,000``, ``9:00``,
``2013/14``; ``ISIL/DAESH`` is three tokens. A final period stays on
acronyms (``U.N.``, ``e.g.``). URLs and e-mail addresses are one token. Every other non-space
character is a token (``terrorists’`` is ``terrorists`` + ``’``; possessives
are stripped later, when lemmatising).

:func:`tokenize_chunk` applies the same rules with numpy on the code points of
many paragraphs at once (no Python object per token; tokens are identified by
a 64-bit hash) -- about 3 M tokens/s against 1.5 M/s for ``re.findall``. A
test checks both engines give identical tokens on the seeds and on random
strings. Sentences come from a splitter of :mod:`.punkt`.

Example
-------
>>> word_tokenize("ISIL’s fighters (FTFs) left the U.N. in 2019.")
['ISIL’s', 'fighters', '(', 'FTFs', ')', 'left', 'the', 'U.N.', 'in', '2019', '.']
"""

from __future__ import annotations

import bisect
import re
from array import array
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .chars import SentenceSplitter, lookup_char_table

_JOIN = "\\-\u2010\u2011\u00ad'\u2019."  # hyphens (incl. non-breaking, soft), apostrophes, period

#: The word-tokenising regular expression. A token is a run of word characters
#: joined by hyphens, apostrophes or periods between word characters, or by
#: ``, : /`` before digits (``1,000``, ``9:00``, ``2013/14``; but ``ISIL/DAESH``
#: is three tokens); a final period is kept after a single letter that follows
#: a period (``U.N.``, ``e.g.``, ``Ph.D.``); every other non-space character is
#: a token of its own. The ``(?=\S)`` guard lets the engine skip spaces fast.
WORD_PATTERN = rf"(?=\S)(?:\w+(?:[{_JOIN}]\w+|[,:/]\d+)*(?:(?<=\.[^\W\d_])\.)?|[^\w\s])"

#: A URL (``http://…``, ``https://…``, ``www.…``): up to the next space, quote or angle bracket, not
#: ending in punctuation that closes a sentence or a bracket.
URL_PATTERN = r"(?:https?://|www\.)[^\s<>\"'\u201c\u201d]*[^\s<>\"'\u201c\u201d.,;:!?)\]]"

#: An e-mail address (``wuyiyao@chinadaily.com.cn``): a word character, then word characters and
#: ``. + -`` (not ending in ``.``), an ``@`` and a domain of two or more dot-separated labels, the last
#: beginning with a letter (so ``100@12.50``, a price, is no address).
EMAIL_PATTERN = r"\w[\w.+-]*(?<!\.)@\w[\w-]*(?:\.\w[\w-]*)*\.[^\W\d_][\w-]*"

#: :data:`WORD_PATTERN` with URLs (``http://…``, ``www.…``) and e-mail addresses kept whole; used for
#: the texts that contain one (the extra alternatives cost 10% on every token).
URL_WORD_PATTERN = "(?=\\S)(?:" + URL_PATTERN + "|" + EMAIL_PATTERN + "|" + WORD_PATTERN[len("(?=\\S)(?:"):]

_URL_OR_EMAIL = re.compile(URL_PATTERN + "|" + EMAIL_PATTERN, re.IGNORECASE)


def is_url_token(token: str) -> bool:
    """True for a token the tokeniser made of a URL or an e-mail address.

    >>> [is_url_token(t) for t in ("http://dw.com/p/2wx5c", "www.un.org", "a.b@un.org", "un.org", "@")]
    [True, True, True, False, False]
    """
    return ("://" in token or "@" in token or token[:4].lower() == "www.") and _URL_OR_EMAIL.fullmatch(token) is not None


_TOKEN_RE = re.compile(WORD_PATTERN)
_URL_TOKEN_RE = re.compile(URL_WORD_PATTERN)
_findall = _TOKEN_RE.findall
_url_findall = _URL_TOKEN_RE.findall


def __getattr__(name: str):
    """``word_tokenizer``: an NLTK :class:`~nltk.tokenize.RegexpTokenizer` giving the tokens of
    :func:`word_tokenize`, made on first use (importing NLTK takes about half a second)."""
    if name == "word_tokenizer":
        from nltk.tokenize import RegexpTokenizer  # deferred: nltk (with scikit-learn and scipy.stats)

        tokenizer = globals()["word_tokenizer"] = RegexpTokenizer(URL_WORD_PATTERN)
        return tokenizer
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _findall_for(text: str):
    return _url_findall if ("://" in text or "www." in text or "@" in text) else _findall


def word_tokenize(text: str) -> list[str]:
    """Split ``text`` into word and punctuation tokens with :data:`WORD_PATTERN`.

    >>> word_tokenize("Anti-terrorism efforts by the UNSC, Al-Qaida's rivals.")
    ['Anti-terrorism', 'efforts', 'by', 'the', 'UNSC', ',', "Al-Qaida's", 'rivals', '.']
    """
    return _findall_for(text)(text)

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
    sentence. Both give the same result (a test checks it on the corpora and on random strings), except
    where the sentence splitter cuts through a URL or an address (the numpy engine reads the whole
    paragraph, the regex engine each sentence).

    >>> from textanalytics.preprocessing.punkt import make_sentence_splitter
    >>> c = tokenize_chunk(["We met. They left.", ""], splitter=make_sentence_splitter())
    >>> [c.types[i] for i in c.codes], c.sentence_lengths.tolist(), c.paragraph_sentences.tolist()
    (['We', 'met', '.', 'They', 'left', '.'], [3, 3], [2, 0])
    """
    if engine == "regex":
        return _regex_chunk(texts, splitter=splitter)
    if engine != "numpy":
        raise ValueError(f"unknown engine {engine!r}")
    texts = list(texts)
    big = "\n".join(texts)
    lengths_ = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    para_start = np.zeros(len(texts), dtype=np.int64)
    if len(texts) > 1:
        para_start[1:] = np.cumsum(lengths_[:-1] + 1)
    para_end = para_start + lengths_
    cp = np.frombuffer(big.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    chunk_spans = getattr(splitter, "chunk_spans", None)
    if chunk_spans is not None:
        sent_starts, _, sent_para = chunk_spans(big, cp, para_start, para_end)
    else:
        starts_list, para_list = [], []
        for i, text in enumerate(texts):
            for s, _ in splitter(text):
                starts_list.append(int(para_start[i]) + s)
                para_list.append(i)
        sent_starts = np.asarray(starts_list, dtype=np.int64)
        sent_para = np.asarray(para_list, dtype=np.int64)
    found = _numpy_tokens(big, cp)
    if found is None:  # a hash collision (never seen): fall back to the reference engine
        return _regex_chunk(texts, splitter=splitter)
    types, codes, tok_start = found
    n_sent = len(sent_starts)
    if n_sent and len(codes):
        # Sentence of a token = number of sentence starts at or before it, minus one.
        marks = np.zeros(len(big) + 1, dtype=np.int32)
        np.add.at(marks, sent_starts, 1)
        sent_of_tok = np.cumsum(marks, dtype=np.int64)[tok_start] - 1
        lengths = np.bincount(sent_of_tok, minlength=n_sent)
    else:
        lengths = np.zeros(n_sent, dtype=np.int64)
    nonempty = lengths > 0
    para_sents = np.bincount(sent_para[nonempty], minlength=len(texts))
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
#   * with a URL (http://, https://, www.) or an e-mail address (EMAIL_PATTERN) at a token start, it is one
#     token, read left to right (a URL first where both begin at the same token start).
# Token strings are identified by a 64-bit polynomial hash of their characters, checked
# against length, first and last character (on a mismatch the regex engine is used instead).

_W, _D, _L, _S, _J, _C, _DOT = 1, 2, 4, 8, 16, 32, 64
_JOIN_CHARS = frozenset("-\u2010\u2011\u00ad'\u2019.")
_URL_RE = re.compile(URL_PATTERN)
_EMAIL_RE = re.compile(EMAIL_PATTERN)
_EMAIL_LOCAL = frozenset("+-.")
_LINK_START = re.compile(r"(?=http|www\.)")
_AT = re.compile("@")
_B1 = 0x9E3779B97F4A7C15  # an odd 64-bit base


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
    return lookup_char_table(cp, _ASCII_CLASS, _CLASS_CACHE, _char_class)


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


def _numpy_tokens(text: str, cp: np.ndarray | None = None) -> tuple[list[str], np.ndarray, np.ndarray] | None:
    """``(types, codes, token start offsets)`` of ``text``; None on a hash mismatch.

    ``cp`` may pass the code points of ``text`` when already computed.
    """
    n = len(text)
    if n == 0:
        return [], np.zeros(0, np.int64), np.zeros(0, np.int64)
    if cp is None:
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
        run_starts = np.flatnonzero(digit & ~digit_prev)
        cand = np.flatnonzero(brk)
        run_start = run_starts[np.searchsorted(run_starts, cand - 1, side="right") - 1]
        comma_glue = comma & glue
        brk[cand] = (run_start > 0) & comma_glue[np.maximum(run_start - 1, 0)]
    start = (inword & ~np.concatenate([f, inword[:-1]])) | brk | punct
    member = inword | punct
    if "://" in text or "www." in text or "@" in text:
        _mark_links(text, word, digit, glue | trail, start, member)
    # A token ends at the next position that starts a token or is no token character.
    stops = np.append(np.flatnonzero(start | ~member), n)
    at_start = np.append(start[stops[:-1]], False)
    starts = stops[at_start]
    ends = stops[np.flatnonzero(at_start) + 1]
    if not len(starts):
        return [], np.zeros(0, np.int64), starts.astype(np.int64)
    h1 = _hash(cp.astype(np.uint64), starts, ends, _B1)
    codes, _ = pd.factorize(h1)
    # Codes are numbered in order of first appearance: a first occurrence raises the running max.
    running = np.maximum.accumulate(codes)
    first = np.flatnonzero(np.concatenate([[True], running[1:] > running[:-1]]))
    # A collision of the 64-bit hash would merge two strings; check length and both ends.
    ref = first[codes]
    if not (np.array_equal(ends - starts, (ends - starts)[ref]) and np.array_equal(cp[starts], cp[starts][ref])
            and np.array_equal(cp[ends - 1], cp[ends - 1][ref])):
        return None
    types = [text[a:b] for a, b in zip(starts[first].tolist(), ends[first].tolist())]
    return types, codes.astype(np.int64), starts


def _one_token(text: str, a: int, b: int, word: np.ndarray, digit: np.ndarray, glue: np.ndarray,
               start: np.ndarray, member: np.ndarray) -> int:
    """Make ``text[a:b]`` one token (arrays changed in place); the regex engine resumes at ``b``, so a
    joiner right after it stands alone (it glues nothing), and a digit run after that joiner was not
    entered through it (a letter right after the run does not start a new token). Returns that
    letter's position (its start flag cleared), or -1."""
    n = len(text)
    start[a + 1:b] = False
    member[a:b] = True
    if b < n and member[b]:
        start[b] = True
        if glue[b] and b + 1 < n and member[b + 1]:
            start[b + 1] = True
            if digit[b + 1]:
                e = b + 1
                while e < n and digit[e]:
                    e += 1
                if e < n and word[e] and start[e]:
                    start[e] = False
                    return e
    return -1


def _url_at(text: str, a: int, start: np.ndarray) -> tuple[int, int] | None:
    """The URL that begins at token start ``a``: its span, or None."""
    if not start[a] or not text.startswith(("http", "www."), a):
        return None
    m = _URL_RE.match(text, a)
    return None if m is None else (a, m.end())


def _first_url(text: str, pos: int, start: np.ndarray, places: list[int]) -> tuple[int, int] | None:
    """The first URL at or after ``pos`` that begins at a token start: its span, or None.
    ``places``: the sorted positions of "http" and "www." in ``text``."""
    for a in places[bisect.bisect_left(places, pos):]:
        found = _url_at(text, a, start)
        if found is not None:
            return found
    return None


def _email_at(text: str, at: int, pos: int, word: np.ndarray, start: np.ndarray) -> tuple[int, int, int] | None:
    """The e-mail address through the ``@`` at ``at``, beginning at or after ``pos``: ``(start, end, at)`` or None.

    The token starts of the run of word characters and ``. + -`` before the ``@`` are tried in
    order, as the regex engine tries its alternatives at each token start.
    """
    first = at
    while first > pos and (word[first - 1] or text[first - 1] in _EMAIL_LOCAL):
        first -= 1
    for a in range(first, at):
        if start[a] and word[a]:
            m = _EMAIL_RE.match(text, a)
            if m is not None:
                return a, m.end(), at
    return None


def _first_email(text: str, frm: int, pos: int, word: np.ndarray, start: np.ndarray,
                 ats: list[int]) -> tuple[int, int, int] | None:
    """The first e-mail address through an ``@`` at or after ``frm`` (beginning at or after ``pos``), or None.
    ``ats``: the sorted positions of "@" in ``text``."""
    for at in ats[bisect.bisect_left(ats, frm):]:
        found = _email_at(text, at, pos, word, start)
        if found is not None:
            return found
    return None


def _next_at(ats: list[int], frm: int) -> int:
    """The first of the sorted positions ``ats`` at or after ``frm`` (-1: none)."""
    i = bisect.bisect_left(ats, frm)
    return ats[i] if i < len(ats) else -1


def _mark_links(text: str, word: np.ndarray, digit: np.ndarray, glue: np.ndarray, start: np.ndarray,
                member: np.ndarray) -> None:
    """Make every URL and e-mail address that begins at a token start one token (arrays changed in place).

    Left to right, as the regex engine reads: the earlier of the next URL and the next address
    wins (a URL when both begin at the same token start, its alternative comes first), and the
    search resumes after it. Linear in the text: making ``text[a:b]`` one token changes token
    starts only at ``b``, ``b + 1`` and the letter after a digit run there, so the next candidate
    of each kind found before is kept, and only a URL at ``b`` or ``b + 1`` and the addresses
    through the first ``@`` after ``b`` and after that letter are tried again.
    """
    links, mails = ("://" in text or "www." in text), "@" in text
    places = [m.start() for m in _LINK_START.finditer(text)] if links else []
    ats = [m.start() for m in _AT.finditer(text)] if mails else []
    url = _first_url(text, 0, start, places) if links else None
    mail = _first_email(text, 0, 0, word, start, ats) if mails else None
    while url is not None or mail is not None:
        a, b = url if mail is None or (url is not None and url[0] <= mail[0]) else mail[:2]
        e = _one_token(text, a, b, word, digit, glue, start, member)
        if links:
            if url is not None and (url[0] < b or url[0] == e):
                url = _first_url(text, b, start, places)  # taken, covered, or no longer at a token start
            else:
                for j in (b, b + 1):  # the only places a URL can newly begin
                    found = _url_at(text, j, start) if j < len(text) and (url is None or j < url[0]) else None
                    if found is not None:
                        url = found
                        break
        if mails:
            if mail is not None and mail[0] < b:
                mail = _first_email(text, b, b, word, start, ats)  # taken or covered
            else:
                limit = mail[2] if mail is not None else len(text)
                changed = {_next_at(ats, b), _next_at(ats, e) if e >= 0 else -1}
                for at in sorted(x for x in changed if x != -1 and x <= limit):
                    found = _email_at(text, at, b, word, start)
                    if found is not None:
                        mail = found
                        break
                    if mail is not None and at == mail[2]:
                        mail = _first_email(text, at + 1, b, word, start, ats)
                        break
