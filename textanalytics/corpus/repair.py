"""Encoding repair with ``ftfy``: HTML entities and mojibake, two named cleaning rules.

Texts scraped or exported by other tools often carry characters that were
decoded with the wrong encoding ("mojibake": ``Â£47`` for ``£47``, ``â€œ`` for
``“``, ``LomÃ©`` for ``Lomé``) or written as HTML entities (``&amp;``,
``&#8217;``, ``&nbsp;``). Left alone they become tokens such as ``œthe`` or
``thatâ``. Two rules repair them, before any other cleaning (the control
character rule would otherwise delete the C1 bytes, such as ``\\x9d`` in
``â€\\x9d``, that the repair needs):

``mojibake`` (:func:`repair_mojibake`)
    ``ftfy.fix_text`` with :data:`MOJIBAKE_CONFIG`: ftfy's encoding repair
    (``fix_encoding`` with ``restore_byte_a0``, ``replace_lossy_sequences`` and
    ``decode_inconsistent_utf8``), C1 control bytes read as their Windows-1252
    characters (``fix_c1_controls``: ``don\\x92t`` -> ``don’t``) and surrogate
    pairs joined (``fix_surrogates``). Everything researchers rely on is left
    as it is: curly quotes stay curly (``uncurl_quotes=False``), no NFC/NFKC
    normalisation (``normalization=None``; the ``normalize_unicode`` step does
    NFC and folds only ligatures and full-width ASCII), ligatures, character
    widths, line breaks, terminal escapes and control characters are left to
    the package's own, counted rules.
``html_entities`` (:func:`decode_html_entities`)
    ``ftfy.fix_text`` with only ``unescape_html=True`` (:data:`HTML_CONFIG`):
    entities that end in a semicolon are decoded (``&amp;`` -> ``&``,
    ``&#8217;`` -> ``’``, ``&nbsp;`` -> a no-break space that Unicode
    normalisation then makes a plain space), repeatedly, so ``&amp;amp;``
    becomes ``&``. Entities without a semicolon (``this&not that``, ``AT&T``)
    are left alone.

:func:`repair_text` runs ``mojibake``, then ``html_entities``, then
``mojibake`` again when decoding the entities made new non-ASCII text
(entity-encoded mojibake such as ``&Atilde;&copy;``); both passes count as
``mojibake``. Mojibake comes first because ftfy leaves a line alone that
holds a genuine no-break space, which a decoded ``&nbsp;`` would be.

Both are deterministic (ftfy is rule-based; the version is pinned in
``constraints.txt``) and idempotent: repaired text is left unchanged by a
second pass. ASCII text without ``&`` is returned at once (it can hold
neither). They apply to texts and to metadata values (not to date and year
values, which the date parser reads and reports on).

Counts: :func:`repair_text` reports, per rule, the words it changed the
count of (``Corpus.cleaning.n_removed_words``; a decoded ``&nbsp;`` between
two words makes one word two, which counts -1) and the characters it removed
or replaced (``n_removed_chars``, :func:`changed_chars`: ``Â£`` -> ``£``
counts 1, ``â€œ`` -> ``“`` counts 2, ``\\x92`` -> ``’`` counts 1).

Example
-------
>>> repair_text("It will save Â£47 billion &amp; more")
Repaired(text='It will save £47 billion & more', words={}, chars={'mojibake': 1, 'html_entities': 4})
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping

import ftfy


__all__ = ["count_words", "REPAIR_RULES", "HTML_CONFIG", "MOJIBAKE_CONFIG", "needs_repair", "decode_html_entities",
           "repair_mojibake", "changed_chars", "Repaired", "repair_text"]

def count_words(text: str) -> int:
    """Whitespace-separated words, the unit of every word count in the package.

    >>> count_words("Counter-terrorism is   hard.")
    3
    """
    return len(text.split())


#: The repair rules in the order they run (before ``control_characters``).
REPAIR_RULES: tuple[str, ...] = ("mojibake", "html_entities")

_OFF = dict(unescape_html=False, remove_terminal_escapes=False, fix_encoding=False, fix_c1_controls=False,
            fix_latin_ligatures=False, fix_character_width=False, uncurl_quotes=False, fix_line_breaks=False,
            fix_surrogates=False, remove_control_chars=False, normalization=None, explain=False)

#: ``html_entities``: decode HTML entities and character references that end in ``;``, nothing else.
HTML_CONFIG = ftfy.TextFixerConfig(**{**_OFF, "unescape_html": True})

#: ``mojibake``: ftfy's encoding repair, C1 controls as Windows-1252 and surrogate pairs; nothing else.
#: (With ``explain=False`` ftfy runs ``fix_encoding`` with its default sub-options, which these match.)
MOJIBAKE_CONFIG = ftfy.TextFixerConfig(**{**_OFF, "fix_encoding": True, "restore_byte_a0": True,
                                          "replace_lossy_sequences": True, "decode_inconsistent_utf8": True,
                                          "fix_c1_controls": True, "fix_surrogates": True})


def needs_repair(text: str) -> bool:
    """False when ``text`` cannot hold mojibake or an entity (ASCII without ``&``): the fast path.

    >>> needs_repair("plain"), needs_repair("a &amp; b"), needs_repair("Â£5")
    (False, True, True)
    """
    return not (text.isascii() and "&" not in text)


def decode_html_entities(text: str) -> str:
    """Rule ``html_entities``: ``text`` with its HTML entities decoded (:data:`HTML_CONFIG`).

    >>> decode_html_entities("Q&amp;A: it&#8217;s&nbsp;here; this&not that")
    'Q&A: it’s\\xa0here; this&not that'
    """
    if "&" not in text:
        return text
    return ftfy.fix_text(text, HTML_CONFIG)


def repair_mojibake(text: str) -> str:
    """Rule ``mojibake``: ``text`` with wrongly decoded characters repaired (:data:`MOJIBAKE_CONFIG`).

    >>> repair_mojibake("said:â€œOlder people in LomÃ©â€\\x9d cost Â£20 and donâ€™t")
    'said:“Older people in Lomé” cost £20 and don’t'
    """
    if text.isascii():
        return text
    return ftfy.fix_text(text, MOJIBAKE_CONFIG)


_PIECES_RE = re.compile(r"(\s+)")


def changed_chars(before: str, after: str) -> int:
    """Characters a repair removed or replaced: per whitespace-separated piece, the length lost, or the
    characters swapped when the length is kept; the whole length lost (at least 1) when the pieces differ.

    >>> changed_chars("Â£47 â€œhi", "£47 “hi"), changed_chars("don\\x92t", "don’t"), changed_chars("a", "a")
    (3, 1, 0)
    """
    if before == after:
        return 0
    a, b = _PIECES_RE.split(before), _PIECES_RE.split(after)
    if len(a) != len(b):
        return max(1, len(before) - len(after))
    total = 0
    for x, y in zip(a, b):
        if x == y:
            continue
        if len(x) == len(y):
            total += sum(c != d for c, d in zip(x, y))
        else:
            total += max(1, len(x) - len(y))
    return total


@dataclass(frozen=True)
class Repaired:
    """Result of :func:`repair_text`: the repaired ``text``; per rule that changed something, ``words``
    (change in the word count, only when not 0) and ``chars`` (:func:`changed_chars`)."""

    text: str
    words: Mapping[str, int] = field(default_factory=dict)
    chars: Mapping[str, int] = field(default_factory=dict)


_RULES = (("mojibake", repair_mojibake), ("html_entities", decode_html_entities), ("mojibake", repair_mojibake))


def repair_text(text: str) -> Repaired:
    """Run the repair rules on ``text`` (``mojibake``, ``html_entities``, ``mojibake``) and count what each changed.

    >>> repair_text("a&nbsp;b")
    Repaired(text='a\\xa0b', words={'html_entities': -1}, chars={'html_entities': 5})
    >>> repair_text("Â£5 &amp; caf&Atilde;&copy;").text
    '£5 & café'
    """
    if not needs_repair(text):
        return Repaired(text)
    words: dict[str, int] = {}
    chars: dict[str, int] = {}
    for rule, fix in _RULES:
        fixed = fix(text)
        if fixed == text:
            continue
        chars[rule] = chars.get(rule, 0) + changed_chars(text, fixed)
        delta = count_words(text) - count_words(fixed)
        if delta or rule in words:
            words[rule] = words.get(rule, 0) + delta
        text = fixed
    return Repaired(text, words, {rule: chars[rule] for rule in REPAIR_RULES if rule in chars})
