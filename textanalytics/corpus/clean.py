"""Text cleaning: Unicode normalisation, page chrome, paragraphs.

Four steps, each small and pure:

0. :func:`remove_control_characters` (rule ``control_characters``) removes
   control characters: C0 controls except tab, line feed, carriage return,
   vertical tab and form feed (whitespace; ``\\r`` is a line ending), DEL,
   C1 controls except NEL (a line break), an ANSI escape sequence
   (``ESC [ ... letter``) as a whole, and the Unicode bidirectional controls
   (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). They carry no words
   and would split a word into two different terms, or make a label
   display differently from what it holds ("Trojan source"). The same rule
   cleans every metadata string value (:func:`clean_metadata`); the
   characters removed are counted (``Corpus.cleaning.n_removed_chars``).
1. :func:`normalize_text` makes the characters predictable (no-break spaces and
   hyphens become plain ones, invisible characters go, whitespace collapses).
   Curly quotes and dashes are kept: they are text, not noise.
2. :func:`strip_chrome` removes page chrome (website headers, phone lines,
   opening hours, language toggles, section labels, date/time stamps, widget
   text, the repeated title line). Chrome is only **peeled from the edges** of
   a statement: lines are examined from the top until the first body line and
   from the bottom until the last body line. A line in the middle of a
   statement is never removed, even if it looks like chrome, so body text is
   safe by construction. Each rule is a named predicate in :data:`CHROME_RULES`.
3. :func:`split_paragraphs` cuts the text into paragraphs on blank lines (or on
   line breaks when the text has no blank line). Bullet items and numbered
   items (``1.``) become paragraphs of their own, also when a scraped page ran
   a numbered list into one line. The bullet glyph is dropped; the item text,
   including its number, is kept.

Every step reports what it removed, so a corpus can show a per-statement ×
rule table of removed words, lines and characters (``Corpus.cleaning``,
columns :data:`CLEANING_COLUMNS`, rows from :func:`cleaning_rows`).

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
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import printable  # noqa: F401 (defined there since the CLI shows text before pandas loads)

__all__ = [
    "remove_control_characters",
    "clean_metadata_value",
    "clean_metadata",
    "CLEANING_COLUMNS",
    "cleaning_rows",
    "normalize_unicode",
    "normalize_whitespace",
    "normalize_text",
    "is_site_header",
    "is_contact_line",
    "is_opening_hours",
    "is_language_toggle",
    "is_section_label",
    "is_stamp_line",
    "is_widget_text",
    "is_title_line",
    "CHROME_RULES",
    "RULE_ORDER",
    "SECTION_LABELS",
    "StrippedText",
    "strip_chrome",
    "split_paragraphs",
    "split_inline_numbered",
    "CleanedText",
    "clean_text",
    "cleans_to_empty",
    "count_words",
]

# --------------------------------------------------------------------------- control characters

# ESC [ parameters intermediates final: a terminal colour code is noise as a whole, not only its ESC.
_CONTROL_RE = re.compile("\x1b\\[[0-?]*[ -/]*[@-~]"
                         "|[\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def remove_control_characters(text: str) -> tuple[str, int]:
    """Return ``(text without control characters, number of characters removed)``.

    Tab, line feed, carriage return, vertical tab, form feed and NEL are kept
    (they are whitespace or line breaks); see the module docstring for what goes.

    >>> remove_control_characters("a\\x00b \\x1b[31mred\\x1b[0m\\tc\\u202e")
    ('ab red\\tc', 11)
    """
    if text.isascii() and text.isprintable():
        return text, 0
    if _CONTROL_RE.search(text) is None:
        return text, 0
    out = _CONTROL_RE.sub("", text)
    return out, len(text) - len(out)


# --------------------------------------------------------------------------- Unicode

#: Characters mapped by :func:`normalize_unicode` (``None`` = removed).
UNICODE_MAP: Mapping[int, str | None] = {
    # spaces that are not plain spaces
    0x00A0: " ", 0x1680: " ", 0x2000: " ", 0x2001: " ", 0x2002: " ", 0x2003: " ",
    0x2004: " ", 0x2005: " ", 0x2006: " ", 0x2007: " ", 0x2008: " ", 0x2009: " ",
    0x200A: " ", 0x202F: " ", 0x205F: " ", 0x3000: " ", 0x0009: " ", 0x000B: " ",
    0x000C: " ",
    # hyphens that are not plain hyphens (dashes U+2012..U+2015 are kept)
    0x2010: "-", 0x2011: "-",
    # invisible characters
    0x00AD: None,  # soft hyphen
    0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None,
    # line and paragraph separators
    0x2028: "\n", 0x2029: "\n\n", 0x0085: "\n",
}
_TRANSLATION = str.maketrans(dict(UNICODE_MAP))
_MAPPED_RE = re.compile("[" + "".join(re.escape(chr(c)) for c in UNICODE_MAP if c > 127) + "]")
# Compatibility characters worth folding (ligatures, full-width ASCII); a full
# NFKC would also turn "km²" into "km2" and "½" into "1⁄2", which is not wanted.
_COMPAT_RE = re.compile("[\ufb00-\ufb06\uff01-\uff5e]+")


def normalize_unicode(text: str) -> str:
    """Return ``text`` in NFC with no-break spaces, no-break hyphens and invisible characters fixed.

    No-break and other special spaces (U+00A0, U+202F, ...) and tabs become a
    plain space; U+2010/U+2011 hyphens become ``-``; soft hyphens, zero-width
    characters and byte-order marks are removed; ligatures (``ﬁ``) and
    full-width ASCII are folded. Curly quotes, dashes and accents are kept.

    >>> normalize_unicode("UN\\u2011centered\\u00a0system\\u00ad")
    'UN-centered system'
    """
    if text.isascii():  # fast path: nothing to map (tabs and form feeds are left to normalize_whitespace)
        return text
    if _MAPPED_RE.search(text):
        text = text.translate(_TRANSLATION)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _COMPAT_RE.search(text):
        text = _COMPAT_RE.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
    return text


_SPACES_RE = re.compile(r"[ \t\f\v]{2,}|[\t\f\v]")


def normalize_whitespace(text: str) -> str:
    """Unify line endings, collapse runs of spaces and strip every line.

    Blank lines are kept (they separate paragraphs); the result has no leading
    or trailing whitespace.

    >>> normalize_whitespace("  a  b \\r\\n\\r\\n c ")
    'a b\\n\\nc'
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "  " in text or "\t" in text or "\f" in text or "\v" in text:
        text = _SPACES_RE.sub(" ", text)
    if "\n" in text:
        text = "\n".join(line.strip(" ") for line in text.split("\n"))
    return text.strip()


def normalize_text(text: str) -> str:
    """:func:`normalize_unicode` then :func:`normalize_whitespace`.

    >>> normalize_text("3.09.19\\u00a0 10:00 ")
    '3.09.19 10:00'
    """
    return normalize_whitespace(normalize_unicode(text))


def count_words(text: str) -> int:
    """Whitespace-separated words, the unit of every word count in the package.

    >>> count_words("Counter-terrorism is   hard.")
    3
    """
    return len(text.split())


# --------------------------------------------------------------------------- chrome rules
# Each rule is a predicate on one normalised, stripped, non-blank line.

_CAP = r"[A-Z][\w'’.()-]*"
_NAME = rf"(?:the\s+)?{_CAP}(?:\s+(?:{_CAP}|of|and|the|for))*"
_SITE_HEADER_RE = re.compile(
    r"^(?:The\s+)?(?:Embassy|Consulate(?:[- ]General)?|Permanent\s+Mission|Permanent\s+Representation"
    r"|Trade\s+Mission|Ministry\s+of\s+Foreign\s+Affairs)"
    rf"\s+of\s+{_NAME}(?:\s+(?:in|to|at)\s+{_NAME})?$"
)


def is_site_header(line: str) -> bool:
    """A website's name line: ``Embassy of the Russian Federation in the USA``.

    Matches embassies, consulates, permanent missions/representations and
    foreign ministries when the name (capitalised words) is the whole line,
    at most 14 words.

    >>> is_site_header("Permanent Mission of the Russian Federation to the United Nations")
    True
    >>> is_site_header("The Embassy of the Russian Federation in the USA said that ...")
    False
    """
    return count_words(line) <= 14 and bool(_SITE_HEADER_RE.match(line))


_CONTACT_RE = re.compile(
    r"^(?:Phone|Tel|Telephone|Fax|Telefax|E-?mail|Hotline|Emergency\s+line|Address)\b[^:]{0,40}:",
    re.IGNORECASE,
)


def is_contact_line(line: str) -> bool:
    """A phone, fax, e-mail or address line: ``Tel.: (04) 476 6113; ...``.

    >>> is_contact_line("Phone (consular questions): (202) 939-8907 | Emergency line : (202) 298-5700")
    True
    >>> is_contact_line("Telephone lines were cut during the attack.")
    False
    """
    return bool(_CONTACT_RE.match(line))


_HOURS_RE = re.compile(
    r"^/?\s*(?:Schedule\s+work\s+today|Opening\s+hours|Office\s+hours|Working\s+hours|Business\s+hours)\s*:",
    re.IGNORECASE,
)


def is_opening_hours(line: str) -> bool:
    """An opening-hours line: ``/Schedule work today: 9:00–18:00``.

    >>> is_opening_hours("/Schedule work today: 9:00–18:00")
    True
    """
    return bool(_HOURS_RE.match(line))


#: ISO 639-1 codes recognised in language toggles such as ``en ru`` or ``• en-GB1 ru-RU1``.
LANGUAGE_CODES = frozenset(
    "ar az be bg cs da de el en es et fa fi fr he hi hu hy it ja ka kk ko ky lt lv mn nl no pl pt "
    "ro ru sk sl sr sv tg tk tr uk uz vi zh".split()
)
_LANG_TOKEN_RE = re.compile(r"^([a-z]{2})(?:[-_][A-Z]{2})?\d*$")


def is_language_toggle(line: str) -> bool:
    """A language switch: two or more language codes and nothing else.

    >>> is_language_toggle("en ru"), is_language_toggle("• en-GB1 ru-RU1")
    (True, True)
    >>> is_language_toggle("in on")
    False
    """
    tokens = line.lstrip("•·").split()
    if len(tokens) < 2:
        return False
    for token in tokens:
        m = _LANG_TOKEN_RE.match(token)
        if m is None or m.group(1) not in LANGUAGE_CODES:
            return False
    return True


#: Section labels of the seed pages. Page 000 sits under the site sections
#: "Counter-terrorism" > "NATIONAL ANTITERRORISM COMMITTEE". "Fight against
#: international terrorism" is *not* a label: on page 001 it is the overview's
#: own title and is handled by :func:`is_title_line`.
SECTION_LABELS: tuple[str, ...] = ("Counter-terrorism", "National Antiterrorism Committee")


def is_section_label(line: str, *, labels: Iterable[str] = SECTION_LABELS) -> bool:
    """A website section label, compared case-insensitively with ``labels``.

    >>> is_section_label("NATIONAL ANTITERRORISM COMMITTEE")
    True
    >>> is_section_label("Fight against international terrorism")
    False
    """
    folded = line.casefold()
    return any(folded == label.casefold() for label in labels)


_MONTHS = ("january|february|march|april|may|june|july|august|september|october|november|december"
           "|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec")
_STAMP_RES = (
    # 20.11.19 12:28   3.09.19 10:00   20.11.2019
    re.compile(r"^\d{1,2}\.\d{1,2}\.\d{2}(?:\d{2})?(?:\s*\d{1,2}:\d{2})?$"),
    # 7 November 201814:07   04 october / 2017   16 October 2019 12:11
    re.compile(rf"^\d{{1,2}}\s+(?:{_MONTHS})\.?\s*/?\s*\d{{4}}(?:\s*,?\s*\d{{1,2}}:\d{{2}})?$", re.IGNORECASE),
    # November 7, 2018 14:07
    re.compile(rf"^(?:{_MONTHS})\.?\s+\d{{1,2}},?\s+\d{{4}}(?:\s*,?\s*\d{{1,2}}:\d{{2}})?$", re.IGNORECASE),
    # 2019-11-20 12:28
    re.compile(r"^\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2})?$"),
)


def is_stamp_line(line: str) -> bool:
    """A publication date/time stamp that is the whole line.

    >>> [is_stamp_line(s) for s in ("20.11.19 12:28", "7 November 201814:07", "04 october / 2017")]
    [True, True, True]
    >>> is_stamp_line("On 16-17 October 2019, in the city of Sochi")
    False
    """
    return any(rx.match(line) for rx in _STAMP_RES)


#: Widget text left by page scraping.
WIDGET_TEXT: tuple[str, ...] = ("Advanced settings", "Print version", "Version for print", "Share")


def is_widget_text(line: str) -> bool:
    """A button or widget label such as ``Advanced settings``.

    >>> is_widget_text("Advanced settings")
    True
    """
    folded = line.casefold()
    return any(folded == w.casefold() for w in WIDGET_TEXT)


def _fold_title(text: str) -> str:
    return " ".join(text.split()).casefold().rstrip(" .:")


def is_title_line(line: str, *, title: str) -> bool:
    """The statement's title repeated as a line (compared ignoring case and spacing).

    The title belongs in the ``title`` metadata, not in the body text.

    >>> is_title_line("Joint  statement by Participants", title="Joint statement by participants")
    True
    >>> is_title_line("anything", title="")
    False
    """
    return bool(title.strip()) and _fold_title(line) == _fold_title(title)


#: Every rule name that can appear in ``Corpus.cleaning``, in the order cleaning runs: control
#: characters, Unicode normalisation, data corrections (seeds), the chrome rules, the title, bullet glyphs.
RULE_ORDER: tuple[str, ...] = (
    "control_characters", "normalize_unicode", "corrections", "site_header", "contact_line", "opening_hours",
    "language_toggle", "section_label", "stamp_line", "widget_text", "title_line", "list_glyphs",
)

#: The chrome rules in the order they are tried: name -> predicate(line) -> bool.
#: ``title_line`` needs the title and is added by :func:`strip_chrome`.
CHROME_RULES: Mapping[str, Callable[[str], bool]] = {
    "site_header": is_site_header,
    "contact_line": is_contact_line,
    "opening_hours": is_opening_hours,
    "language_toggle": is_language_toggle,
    "section_label": is_section_label,
    "stamp_line": is_stamp_line,
    "widget_text": is_widget_text,
}


# --------------------------------------------------------------------------- stripping

@dataclass(frozen=True)
class StrippedText:
    """Result of :func:`strip_chrome`.

    ``text``: the remaining lines joined by newlines; ``removed``: rule name ->
    ``(n_words, n_lines)`` for rules that removed something; ``removed_lines``:
    ``(rule, line)`` pairs in page order, for inspection.
    """

    text: str
    removed: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    removed_lines: tuple[tuple[str, str], ...] = ()


def _matching_rule(line: str, rules: Mapping[str, Callable[[str], bool]]) -> str | None:
    for name, rule in rules.items():
        if rule(line):
            return name
    return None


def strip_chrome(text: str, *, title: str = "",
                 rules: Mapping[str, Callable[[str], bool]] | None = None) -> StrippedText:
    """Peel chrome lines off the top and bottom of a normalised statement.

    Lines are examined from the top until the first line no rule matches (the
    first body line), then from the bottom up to the last body line. Blank
    lines at the edges are dropped silently; lines between the first and last
    body line are never touched.

    >>> r = strip_chrome("en ru\\n\\nOverview\\n\\nBody.\\nAdvanced settings", title="Overview")
    >>> r.text, dict(r.removed)
    ('Body.', {'language_toggle': (2, 1), 'title_line': (1, 1), 'widget_text': (2, 1)})
    """
    active = dict(CHROME_RULES if rules is None else rules)
    if title.strip():
        active["title_line"] = lambda line: is_title_line(line, title=title)
    lines = text.split("\n")
    hits: dict[int, str] = {}
    first = 0
    while first < len(lines):
        line = lines[first].strip()
        if line:
            name = _matching_rule(line, active)
            if name is None:
                break
            hits[first] = name
        first += 1
    last = len(lines) - 1
    while last > first:
        line = lines[last].strip()
        if line:
            name = _matching_rule(line, active)
            if name is None:
                break
            hits[last] = name
        last -= 1
    removed: dict[str, list[int]] = {}
    for i, name in sorted(hits.items()):
        counts = removed.setdefault(name, [0, 0])
        counts[0] += count_words(lines[i])
        counts[1] += 1
    body = "\n".join(lines[first:last + 1]).strip("\n") if first <= last else ""
    return StrippedText(
        text=body,
        removed={k: (v[0], v[1]) for k, v in removed.items()},
        removed_lines=tuple((name, lines[i].strip()) for i, name in sorted(hits.items())),
    )


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
    ``list_glyphs``, ``control_characters`` when it removed a character, and
    ``normalize_unicode`` if normalisation changed the word count);
    ``removed_chars``: rule name -> characters removed, for the rules that
    remove characters rather than words or lines (``control_characters``);
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


def clean_text(text: str, *, title: str = "", chrome: bool = True,
               rules: Mapping[str, Callable[[str], bool]] | None = None) -> CleanedText:
    """Remove control characters, normalise, strip chrome (when ``chrome``) and split one statement into paragraphs.

    >>> clean_text("7 November 201814:07\\n\\nRemarks\\n\\n\\u2022 en-GB1 ru-RU1\\n\\nThank you.", title="Remarks").paragraphs
    ('Thank you.',)
    >>> c = clean_text("Null\\x00 byte \\x00 here")
    >>> c.paragraphs, dict(c.removed), dict(c.removed_chars)
    (('Null byte here',), {'control_characters': (1, 0)}, {'control_characters': 2})
    """
    removed: dict[str, tuple[int, int]] = {}
    removed_chars: dict[str, int] = {}
    before = None
    bare, n_control = remove_control_characters(text)
    if n_control:
        before = count_words(text)
        removed["control_characters"] = (before - count_words(bare), 0)
        removed_chars["control_characters"] = n_control
    unicode_text = normalize_unicode(bare)
    if unicode_text != bare:  # only removed characters can change the word count
        if before is None:
            before = count_words(text)
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
        before = count_words(text) if chrome else sum(map(count_words, paragraphs)) + glyphs
    return CleanedText(paragraphs=tuple(paragraphs), removed=removed, n_words_before=before,
                       removed_chars=removed_chars)


def cleans_to_empty(text: str) -> bool:
    """True when ``clean_text(text, chrome=False)`` would leave no paragraph (cheap for ASCII).

    >>> cleans_to_empty("  \\n "), cleans_to_empty("\\u200b\\u2022"), cleans_to_empty("x")
    (True, True, False)
    """
    text = remove_control_characters(text)[0]
    if text.isascii():
        return not text.strip()
    return not split_paragraphs(normalize_text(text))[0]


# --------------------------------------------------------------------------- metadata and the cleaning table

def clean_metadata_value(value: str, *, normalize: bool = True) -> tuple[str, int]:
    """A metadata string as grouping needs it: ``(value, control characters removed)``.

    Control characters go (:func:`remove_control_characters`); with
    ``normalize`` the value is then Unicode-normalised as texts are
    (:func:`normalize_unicode`: NFC, no-break spaces, invisible characters) and
    stripped, so "Lavrov", "Lavrov " and "Lavrov\\u200b" are one group.
    Values are never lower-cased (see :func:`~textanalytics.corpus.validate.case_variants`).

    >>> clean_metadata_value(" Lavrov\\u00a0\\x00"), clean_metadata_value("Cafe\\u0301")
    (('Lavrov', 1), ('Café', 0))
    """
    if value.isascii() and value.isprintable():
        return (value.strip() if normalize else value), 0
    bare, n = remove_control_characters(value)
    if normalize:
        bare = normalize_unicode(bare).strip()
    return bare, n


def clean_metadata(frame: pd.DataFrame, *, skip: Iterable[str] = (), raw: Iterable[str] = ()
                   ) -> tuple[pd.DataFrame, np.ndarray]:
    """Clean every string value of every column but ``skip``; return ``(frame, characters removed per row)``.

    Columns in ``raw`` (dates and years, which the parser reads and reports
    on) only lose control characters. Other values are left as they are
    (numbers, booleans, missing values). ``frame`` is not modified.

    >>> f, n = clean_metadata(pd.DataFrame({"speaker": [" Ann", "B\\x1bob"], "n": [1, 2]}))
    >>> f["speaker"].tolist(), n.tolist()
    (['Ann', 'Bob'], [0, 1])
    """
    skip, raw = set(skip), set(raw)
    removed = np.zeros(len(frame), dtype=np.int64)
    changed: dict[str, list] = {}
    for col in frame.columns:
        if col in skip or not (frame[col].dtype == object or isinstance(frame[col].dtype, pd.StringDtype)):
            continue
        values = frame[col].tolist()
        normalize = col not in raw
        dirty = False
        for i, v in enumerate(values):
            if type(v) is str:
                new, n = clean_metadata_value(v, normalize=normalize)
                if new != v:
                    values[i] = new
                    removed[i] += n
                    dirty = True
        if dirty:
            changed[col] = values
    if changed:
        frame = frame.assign(**{c: pd.Series(v, index=frame.index, dtype=frame[c].dtype) for c, v in changed.items()})
    return frame, removed


#: Columns of ``Corpus.cleaning``, one row per statement × rule that removed something.
CLEANING_COLUMNS: tuple[str, ...] = ("statement_id", "rule", "n_removed_words", "n_removed_lines", "n_removed_chars")


def cleaning_rows(statement_id: str, removed: Mapping[str, tuple[int, int]],
                  removed_chars: Mapping[str, int] | None = None) -> list[dict]:
    """Rows of ``Corpus.cleaning`` for one statement (rules in ``removed`` and ``removed_chars``).

    >>> cleaning_rows("s1", {"title_line": (3, 1)}, {"control_characters": 2})
    [{'statement_id': 's1', 'rule': 'title_line', 'n_removed_words': 3, 'n_removed_lines': 1, 'n_removed_chars': 0}, {'statement_id': 's1', 'rule': 'control_characters', 'n_removed_words': 0, 'n_removed_lines': 0, 'n_removed_chars': 2}]
    """
    chars = dict(removed_chars or {})
    rules: Sequence[str] = list(removed) + [r for r in chars if r not in removed]
    return [{"statement_id": statement_id, "rule": rule, "n_removed_words": int(removed.get(rule, (0, 0))[0]),
             "n_removed_lines": int(removed.get(rule, (0, 0))[1]), "n_removed_chars": int(chars.get(rule, 0))}
            for rule in rules]
