"""Text normalisation: control characters, Unicode, whitespace; metadata values; word counts.

* :func:`remove_control_characters` (rule ``control_characters``) removes
  control characters: C0 controls except tab, line feed, carriage return,
  vertical tab and form feed (whitespace; ``\\r`` is a line ending), DEL,
  C1 controls except NEL (a line break), an ANSI escape sequence
  (``ESC [ ... letter``) as a whole, and the Unicode bidirectional controls
  (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069). They carry no words
  and would split a word into two different terms, or make a label
  display differently from what it holds ("Trojan source"). The same rule
  cleans every metadata string value (:func:`clean_metadata`); the
  characters removed are counted (``Corpus.cleaning.n_removed_chars``).
* :func:`normalize_text` makes the characters predictable (no-break spaces and
  hyphens become plain ones, invisible characters go, whitespace collapses).
  Curly quotes and dashes are kept: they are text, not noise.
* :func:`printable` shows text to a user with every non-printable character
  escaped (it removes nothing).

Example
-------
>>> normalize_text(" UN\\u2011centered\\u00a0 system "), remove_control_characters("a\\x00b")
('UN-centered system', ('ab', 1))
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable, Mapping

import numpy as np
import pandas as pd

from .repair import REPAIR_RULES, count_words, needs_repair, repair_text  # noqa: F401 (count_words re-exported)
from ..errors import printable  # noqa: F401 (re-exported: defined there so the CLI shows text without pandas)

__all__ = [
    "remove_control_characters",
    "printable",
    "UNICODE_MAP",
    "normalize_unicode",
    "normalize_whitespace",
    "normalize_text",
    "count_words",
    "clean_metadata_value",
    "clean_metadata",
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


# --------------------------------------------------------------------------- metadata values

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


def clean_metadata(frame: pd.DataFrame, *, skip: Iterable[str] = (), raw: Iterable[str] = (),
                   unrepaired: Iterable[str] = ()) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Clean every string value of every column but ``skip``; return ``(frame, {rule: characters per row})``.

    Values are repaired first (rules ``html_entities`` and ``mojibake``,
    :func:`~textanalytics.corpus.repair.repair_text`), then cleaned with
    :func:`clean_metadata_value` (rule ``control_characters``). Columns in
    ``raw`` (dates and years, which the parser reads and reports on) are not
    repaired and only lose control characters; columns in ``unrepaired`` (file
    names, which must name files as they are) are cleaned but not repaired. Other values are left as they
    are (numbers, booleans, missing values). The counts per row are the
    characters each rule removed or replaced; a rule that changed nothing has
    no entry. ``frame`` is not modified.

    >>> f, n = clean_metadata(pd.DataFrame({"speaker": [" Ann", "B\\x1bob", "Jos\u00c3\u00a9"], "n": [1, 2, 3]}))
    >>> f["speaker"].tolist(), {rule: v.tolist() for rule, v in n.items()}
    (['Ann', 'Bob', 'José'], {'mojibake': [0, 0, 1], 'control_characters': [0, 1, 0]})
    """
    skip, raw, unrepaired = set(skip), set(raw), set(unrepaired)
    counts = {rule: np.zeros(len(frame), dtype=np.int64) for rule in (*REPAIR_RULES, "control_characters")}
    changed: dict[str, list] = {}
    for col in frame.columns:
        if col in skip or not (frame[col].dtype == object or isinstance(frame[col].dtype, pd.StringDtype)):
            continue
        values = frame[col].tolist()
        normalize = col not in raw
        repair = normalize and col not in unrepaired
        dirty = False
        for i, v in enumerate(values):
            if type(v) is not str:
                continue
            new = v
            if repair and needs_repair(v):
                repaired = repair_text(v)
                for rule, n in repaired.chars.items():
                    counts[rule][i] += n
                new = repaired.text
            new, n = clean_metadata_value(new, normalize=normalize)
            if new != v:
                values[i] = new
                counts["control_characters"][i] += n
                dirty = True
        if dirty:
            changed[col] = values
    if changed:
        frame = frame.assign(**{c: pd.Series(v, index=frame.index, dtype=frame[c].dtype) for c, v in changed.items()})
    return frame, {rule: n for rule, n in counts.items() if n.any()}
