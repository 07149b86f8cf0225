"""One page of a folder corpus: decoded, cleaned line by line, corrected, cut into statements.

A page (a text file named in ``metadata.csv``) is decoded and every line is
repaired (HTML entities, mojibake: :mod:`.repair`), loses its control
characters, is Unicode-normalised and corrected
(:func:`read_page`; ``corrections.csv`` pairs, whole words only, a correction
that matches nothing raises); :func:`statement_blocks` cuts it at each
record's ``anchor`` line (every line belongs to exactly one statement; the
page header goes to the first); :func:`clean_block` cleans one statement and
accounts for every raw word, rule by rule (:data:`~.cleaning_table.RULE_ORDER`).
See :mod:`.folder` for the files and their columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from ..errors import InputError
from .clean import clean_text
from .cleaning_table import RULE_ORDER
from ..files import decode_bytes, read_file_bytes
from .normalize import count_words, normalize_unicode, remove_control_characters
from .repair import repair_text
from .logs import corpus_logger

log = corpus_logger(__name__)

__all__ = ["apply_corrections", "Page", "read_page", "statement_blocks", "clean_block"]


def _correction_re(wrong: str) -> re.Pattern:
    # whole words only: "fr om" must not match inside "afr omega"
    return re.compile(r"(?<!\w)" + re.escape(wrong) + r"(?!\w)")


def apply_corrections(lines: list[str], corrections: list[tuple[str, str]]) -> tuple[list[str], list[list[int]]]:
    """Apply ``(wrong, right)`` corrections to each line; return ``(lines, hits)``.

    ``hits[k]`` lists the (0-based) line indexes where correction ``k`` applied,
    once per application.

    >>> apply_corrections(["fr om here", "wh ere fr om"], [("fr om", "from"), ("wh ere", "where")])
    (['from here', 'where from'], [[0, 1], [1]])
    """
    patterns = [(_correction_re(w), r) for w, r in corrections]
    hits: list[list[int]] = [[] for _ in corrections]
    out = list(lines)
    for i, line in enumerate(out):
        for k, (rx, right) in enumerate(patterns):
            line, n = rx.subn(lambda _m, r=right: r, line)
            hits[k].extend([i] * n)
        out[i] = line
    return out, hits


def statement_blocks(norm_lines: list[str], records: pd.DataFrame, *, meta: Path, page: Path) -> list[tuple[int, int, int]]:
    """``(record position, first line, end line)`` for each record of one page."""
    if len(records) == 1 and not records["anchor"].iat[0].strip():
        return [(0, 0, len(norm_lines))]
    folded = [" ".join(line.split()) for line in norm_lines]
    starts = []
    for pos, (anchor, line) in enumerate(zip(records["anchor"], records["_line"])):
        if not anchor.strip():
            raise InputError(f"{meta}: line {line}: {page.name} holds {len(records)} statements, so each "
                             "needs an 'anchor' (the exact first line of its part of the page)")
        target = " ".join(normalize_unicode(anchor).split())
        found = [i for i, text in enumerate(folded) if text == target]
        if len(found) != 1:
            raise InputError(f"{meta}: line {line}: anchor {anchor!r} occurs {len(found)} times in "
                             f"{page.name}; it must match exactly one whole line")
        if any(start == found[0] for start, _ in starts):
            raise InputError(f"{meta}: line {line}: anchor {anchor!r} is also the anchor of another statement "
                             f"of {page.name}; each statement needs its own first line")
        starts.append((found[0], pos))
    starts.sort()
    bounds = [s for s, _ in starts][1:] + [len(norm_lines)]
    blocks = [(pos, start, end) for (start, pos), end in zip(starts, bounds)]
    blocks[0] = (blocks[0][0], 0, blocks[0][2])  # the page header belongs to the first statement
    return blocks


@dataclass(frozen=True)
class Page:
    """One decoded page: ``raw_lines`` as stored, ``repaired_lines`` with their encoding
    repaired (``repairs`` = per line, its :class:`~.repair.Repaired` counts), ``bare_lines`` also without
    control characters (``control`` = characters removed per line), ``lines`` also
    Unicode-normalised and corrected, ``fixes`` as ``(line index, wrong, right)`` per application."""

    raw_lines: list
    repaired_lines: list
    repairs: list
    bare_lines: list
    control: list
    lines: list
    fixes: list


def read_page(path: Path, *, rel: str, corrections: pd.DataFrame, corr_path: Path, encoding: str) -> Page:
    """Decode a page, clean and normalise each line, apply its corrections (a stale one raises)."""
    raw = decode_bytes(read_file_bytes(path), path=path, encoding=encoding)
    raw_lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    repaired = [repair_text(line) for line in raw_lines]
    repaired_lines = [r.text for r in repaired]
    bare = [remove_control_characters(line) for line in repaired_lines]
    bare_lines = [line for line, _ in bare]
    lines = [normalize_unicode(line) for line in bare_lines]
    pairs = list(zip(corrections["wrong"], corrections["right"]))
    fixes: list[tuple[int, str, str]] = []
    if pairs:
        lines, hits = apply_corrections(lines, pairs)
        for (wrong, right), k_hits, line in zip(pairs, hits, corrections["_line"]):
            if not k_hits:
                raise InputError(f"{corr_path}: line {line}: {wrong!r} -> {right!r} never matches {rel}; "
                                 "the correction is stale: remove it or fix its text")
            log.info("%s: %r -> %r applied %d time(s)", rel, wrong, right, len(k_hits))
            fixes.extend((i, wrong, right) for i in k_hits)
    return Page(raw_lines=raw_lines, repaired_lines=repaired_lines, repairs=[replace(r, text="") for r in repaired],
                bare_lines=bare_lines, control=[n for _, n in bare], lines=lines,
                fixes=sorted(fixes))


def clean_block(page: Page, start: int, end: int, *, title: str, chrome: bool):
    """Clean lines ``start:end`` of a page; return ``(CleanedText, removed, removed_chars)``.

    ``removed`` (rule -> (words, lines), in :data:`RULE_ORDER`) accounts for
    every raw word: raw -> repaired -> without control characters ->
    Unicode-normalised -> corrected -> cleaned; ``removed_chars`` counts the
    characters the repair rules changed and the control characters removed.
    """
    n_repaired = count_words("\n".join(page.repaired_lines[start:end]))
    n_bare = count_words("\n".join(page.bare_lines[start:end]))
    n_normalised = count_words("\n".join(normalize_unicode(x) for x in page.bare_lines[start:end]))
    cleaned = clean_text("\n".join(page.lines[start:end]), title=title, chrome=chrome, repair=False)
    removed = dict(cleaned.removed)
    removed_chars: dict[str, int] = {}
    for line in page.repairs[start:end]:  # words and characters per line add up to the block's
        for rule, n in line.chars.items():
            removed_chars[rule] = removed_chars.get(rule, 0) + n
            removed[rule] = (removed.get(rule, (0, 0))[0] + line.words.get(rule, 0), 0)
    n_control = sum(page.control[start:end])
    if n_control:
        removed_chars["control_characters"] = n_control
        removed["control_characters"] = (n_repaired - n_bare, 0)
    n_unicode = n_bare - n_normalised + removed.pop("normalize_unicode", (0, 0))[0]
    if n_unicode:
        removed["normalize_unicode"] = (n_unicode, 0)
    if n_normalised != cleaned.n_words_before:
        removed["corrections"] = (n_normalised - cleaned.n_words_before, 0)
    order = {rule: i for i, rule in enumerate(RULE_ORDER)}
    return (cleaned, {r: removed[r] for r in sorted(removed, key=lambda r: (order.get(r, len(order)), r))},
            removed_chars)
