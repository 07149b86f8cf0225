"""Page chrome: named rules for website lines around a statement, peeled from its edges.

:func:`strip_chrome` removes page chrome (website headers, phone lines,
opening hours, language toggles, section labels, date/time stamps, widget
text, the repeated title line). Chrome is only **peeled from the edges** of
a statement: lines are examined from the top until the first body line and
from the bottom until the last body line. A line in the middle of a
statement is never removed, even if it looks like chrome, so body text is
safe by construction. Each rule is a named predicate in :data:`CHROME_RULES`
(one normalised, stripped, non-blank line in, ``True`` for chrome out).

Example
-------
>>> r = strip_chrome("Embassy of the Russian Federation in the USA\\n20.11.19 12:28\\n\\nBody.")
>>> r.text, sorted(r.removed)
('Body.', ['site_header', 'stamp_line'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from .normalize import count_words

__all__ = [
    "is_site_header",
    "is_contact_line",
    "is_opening_hours",
    "is_language_toggle",
    "is_section_label",
    "is_stamp_line",
    "is_widget_text",
    "is_title_line",
    "LANGUAGE_CODES",
    "SECTION_LABELS",
    "WIDGET_TEXT",
    "CHROME_RULES",
    "StrippedText",
    "strip_chrome",
]

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
