"""Text cleaning of one statement: encoding repair, control characters, normalisation, page chrome, paragraphs.

Five steps, each small and pure (:func:`clean_text` runs them in order):

1. the encoding is repaired (:func:`~.repair.repair_text`: rules ``html_entities``
   and ``mojibake`` with ``ftfy``; see :mod:`.repair`), first: the next
   step would delete the C1 bytes that mojibake repair reads;
2. control characters go (:func:`~.normalize.remove_control_characters`,
   rule ``control_characters``; see :mod:`.normalize`);
3. the characters are normalised (:func:`~.normalize.normalize_text`:
   no-break spaces and hyphens become plain ones, invisible characters go,
   whitespace collapses; curly quotes and dashes are kept);
4. page chrome is peeled from the edges (:func:`~.chrome.strip_chrome`, one
   named rule per kind of website line; see :mod:`.chrome`);
5. :func:`split_paragraphs` cuts the text into paragraphs on blank lines (or on
   line breaks when the text has no blank line). Bullet items and numbered
   items (``1.``) become paragraphs of their own, also when a scraped page ran
   a numbered list into one line. The bullet glyph is dropped; the item text,
   including its number, is kept.

Every step reports what it removed, so a corpus can show a per-statement ×
rule table of removed words, lines and characters (``Corpus.cleaning``, see
:mod:`.cleaning_table`).

Example
-------
>>> raw = "Embassy of the Russian Federation in the USA\\n20.11.19 12:28\\n\\nTitle\\n\\nBody\\u00a0text.\\n  \\u2022 item one\\n  \\u2022 item two"
>>> cleaned = clean_text(raw, title="Title")
>>> cleaned.paragraphs
('Body text.', 'item one', 'item two')
>>> sorted(cleaned.removed)
['list_glyphs', 'site_header', 'stamp_line', 'title_line']
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Mapping

from .chrome import strip_chrome
from .normalize import count_words, normalize_text, normalize_unicode, normalize_whitespace, remove_control_characters
from .repair import needs_repair, repair_text

from ..errors import printable  # noqa: F401 (defined there since the CLI shows text before pandas loads)

__all__ = [
    "BULLET_GLYPHS",
    "split_paragraphs",
    "split_inline_numbered",
    "CleanedText",
    "clean_text",
    "cleans_to_empty",
]

# --------------------------------------------------------------------------- paragraphs

#: Bullet glyphs dropped from list items (dashes and asterisks are left alone:
#: in running text they are punctuation, not bullets).
BULLET_GLYPHS = "•●◦▪▫‣⁃∙○■□➢►"
_BULLET_RE = re.compile(rf"^[{BULLET_GLYPHS}]\s*")
_NUMBERED_RE = re.compile(r"^\(?\d{1,3}[.)]\s+\S")
_INLINE_NUMBER_RE = re.compile(r"(?<=[,.;:!?)])\s+(\d{1,2})\.\s+(?=[A-Z“\"(])")


def split_inline_numbered(paragraph: str) -> list[str]:
    """Split a numbered list that a scraper ran into one line.

    Splits before ``1.``, ``2.``, ``3.`` ... only when they appear in order,
    start at 1, follow punctuation and precede a capital letter, and there are
    at least two of them; anything else is returned unchanged.

    >>> split_inline_numbered("We, participants, 1. Express concern. 2. Fully support the UN.")
    ['We, participants,', '1. Express concern.', '2. Fully support the UN.']
    >>> split_inline_numbered("Resolution 2253. 2. Not a list")
    ['Resolution 2253. 2. Not a list']
    """
    cuts: list[int] = []
    expected = 1
    for m in _INLINE_NUMBER_RE.finditer(paragraph):
        if int(m.group(1)) == expected:
            cuts.append(m.start(1))
            expected += 1
    if expected <= 2:  # fewer than two items in order
        return [paragraph]
    pieces = [paragraph[i:j].strip() for i, j in zip([0] + cuts, cuts + [len(paragraph)])]
    return [p for p in pieces if p]


def _is_list_item(line: str) -> bool:
    return bool(_BULLET_RE.match(line) or _NUMBERED_RE.match(line))


def split_paragraphs(text: str) -> tuple[list[str], int]:
    """Cut normalised text into paragraphs; return ``(paragraphs, n_glyphs_removed)``.

    Blank lines separate paragraphs; when the text has no blank line at all,
    every line break does. Within a block, each bullet or numbered line starts
    a paragraph of its own and other lines continue the previous one (hard-
    wrapped text). Bullet glyphs are dropped (``n_glyphs_removed`` counts the
    ones that stood as a word of their own); numbers such as ``1.`` are kept.

    >>> split_paragraphs("Intro:\\n• first\\n• second\\n\\nNext paragraph\\nwrapped.")
    (['Intro:', 'first', 'second', 'Next paragraph wrapped.'], 2)
    """
    if not text.strip():
        return [], 0
    if "\n\n" in text:
        blocks = [b.split("\n") for b in text.split("\n\n")]
    else:
        blocks = [[line] for line in text.split("\n")]
    paragraphs: list[str] = []
    glyphs = 0
    for block in blocks:
        current: list[str] = []
        for raw in block:
            line = raw.strip()
            if not line:
                continue
            if _is_list_item(line):
                if current:
                    paragraphs.append(" ".join(current))
                m = _BULLET_RE.match(line)
                if m:
                    # "• item" loses a word; "•item" only loses a character
                    glyphs += int(len(m.group()) > 1 or len(line) == m.end())
                    line = line[m.end():].strip()
                current = [line] if line else []
            else:
                current.append(line)
        if current:
            paragraphs.append(" ".join(current))
    out: list[str] = []
    for p in paragraphs:
        out.extend(split_inline_numbered(p) if "1." in p else [p])
    return out, glyphs


# --------------------------------------------------------------------------- one statement

@dataclass(frozen=True)
class CleanedText:
    """Result of :func:`clean_text`.

    ``paragraphs``: the cleaned paragraphs in order; ``removed``: rule name ->
    ``(n_words, n_lines)`` for every rule that removed something (chrome rules,
    ``list_glyphs``, ``html_entities``, ``mojibake`` and ``control_characters``
    when they changed a character, and ``normalize_unicode`` if normalisation
    changed the word count);
    ``removed_chars``: rule name -> characters removed (or, for the repair
    rules, removed or replaced), for the rules that work on characters rather
    than words or lines (``html_entities``, ``mojibake``, ``control_characters``);
    ``n_words_before``: words of the input text.
    """

    paragraphs: tuple[str, ...]
    removed: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    n_words_before: int = 0
    removed_chars: Mapping[str, int] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """Paragraphs joined by blank lines."""
        return "\n\n".join(self.paragraphs)


def clean_text(text: str, *, title: str = "", chrome: bool = True, repair: bool = True,
               rules: Mapping[str, Callable[[str], bool]] | None = None) -> CleanedText:
    """Repair the encoding (when ``repair``), remove control characters, normalise, strip chrome (when
    ``chrome``) and split one statement into paragraphs.

    ``repair=False`` is for text repaired already (a folder page is repaired line by line when read).

    >>> clean_text("7 November 201814:07\\n\\nRemarks\\n\\n\\u2022 en-GB1 ru-RU1\\n\\nThank you.", title="Remarks").paragraphs
    ('Thank you.',)
    >>> c = clean_text("Null\\x00 byte \\x00 here")
    >>> c.paragraphs, dict(c.removed), dict(c.removed_chars)
    (('Null byte here',), {'control_characters': (1, 0)}, {'control_characters': 2})
    >>> c = clean_text("Lom\u00c3\u00a9 &amp; \u00c2\u00a320", chrome=False)
    >>> c.paragraphs, dict(c.removed), dict(c.removed_chars)
    (('Lomé & £20',), {'mojibake': (0, 0), 'html_entities': (0, 0)}, {'mojibake': 2, 'html_entities': 4})
    """
    removed: dict[str, tuple[int, int]] = {}
    removed_chars: dict[str, int] = {}
    before = None
    source = text
    if repair and needs_repair(text):
        repaired = repair_text(text)
        if repaired.chars:
            before = count_words(text)
            removed.update({rule: (repaired.words.get(rule, 0), 0) for rule in repaired.chars})
            removed_chars.update(repaired.chars)
            text = repaired.text
    bare, n_control = remove_control_characters(text)
    if n_control:
        if before is None:
            before = count_words(source)
        removed["control_characters"] = (count_words(text) - count_words(bare), 0)
        removed_chars["control_characters"] = n_control
    unicode_text = normalize_unicode(bare)
    if unicode_text != bare:  # only removed characters can change the word count
        if before is None:
            before = count_words(source)
        delta = count_words(bare) - count_words(unicode_text)
        if delta:
            removed["normalize_unicode"] = (delta, 0)
    normalised = normalize_whitespace(unicode_text)
    if chrome:
        stripped = strip_chrome(normalised, title=title, rules=rules)
        removed.update(stripped.removed)
        normalised = stripped.text
    paragraphs, glyphs = split_paragraphs(normalised)
    if glyphs:
        removed["list_glyphs"] = (glyphs, 0)
    if before is None:  # whitespace normalisation never changes the word count
        before = count_words(source) if chrome else sum(map(count_words, paragraphs)) + glyphs
    return CleanedText(paragraphs=tuple(paragraphs), removed=removed, n_words_before=before,
                       removed_chars=removed_chars)


def cleans_to_empty(text: str) -> bool:
    """True when ``clean_text(text, chrome=False)`` would leave no paragraph (cheap for ASCII).

    >>> cleans_to_empty("  \\n "), cleans_to_empty("\\u200b\\u2022"), cleans_to_empty("&nbsp;"), cleans_to_empty("x")
    (True, True, True, False)
    """
    if needs_repair(text):
        text = repair_text(text).text
    text = remove_control_characters(text)[0]
    if text.isascii():
        return not text.strip()
    return not split_paragraphs(normalize_text(text))[0]
