"""``Corpus.cleaning``: what every cleaning rule removed, per statement.

One row per statement × rule that removed something (columns
:data:`CLEANING_COLUMNS`): words, lines and characters removed (for the
encoding repair rules ``mojibake`` and ``html_entities``: characters removed
or replaced, and the change in the word count, which a decoded ``&nbsp;``
between two words makes -1). Loaders
collect rows with :func:`cleaning_rows` and sum them with
:func:`cleaning_frame`; rules are listed in :data:`RULE_ORDER`, the order
cleaning runs.

Example
-------
>>> cleaning_frame(cleaning_rows("s1", {"title_line": (3, 1)}) + cleaning_rows("s1", {"title_line": (2, 1)}))
  statement_id        rule  n_removed_words  n_removed_lines  n_removed_chars
0           s1  title_line                5                2                0
"""

from __future__ import annotations

from typing import Mapping, Sequence

import pandas as pd

__all__ = ["RULE_ORDER", "CLEANING_COLUMNS", "cleaning_rows", "cleaning_frame"]

#: Every rule name that can appear in ``Corpus.cleaning``, in the order cleaning runs: encoding repair
#: (mojibake, HTML entities), control characters, Unicode normalisation, data corrections (seeds), the
#: chrome rules, the title, bullet glyphs.
RULE_ORDER: tuple[str, ...] = (
    "mojibake", "html_entities", "control_characters", "normalize_unicode", "corrections", "site_header", "contact_line", "opening_hours",
    "language_toggle", "section_label", "stamp_line", "widget_text", "title_line", "list_glyphs",
)

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


def cleaning_frame(rows: list[dict], *, kept: set | None = None) -> pd.DataFrame:
    """``Corpus.cleaning`` from cleaning rows: one row per statement × rule (counts summed), only rules
    that removed something, statements in ``kept`` (all when None), sorted by statement and rule order."""
    totals: dict[tuple[str, str], list[int]] = {}
    for r in rows:
        if kept is not None and r["statement_id"] not in kept:
            continue
        t = totals.setdefault((r["statement_id"], r["rule"]), [0, 0, 0])
        t[0] += r["n_removed_words"]
        t[1] += r["n_removed_lines"]
        t[2] += r.get("n_removed_chars", 0)
    order = {rule: i for i, rule in enumerate(RULE_ORDER)}
    keys = sorted((k for k, v in totals.items() if any(v)),
                  key=lambda k: (k[0], order.get(k[1], len(order)), k[1]))
    df = pd.DataFrame([(sid, rule, *totals[(sid, rule)]) for sid, rule in keys], columns=list(CLEANING_COLUMNS))
    return df.astype({"statement_id": str, "rule": str, "n_removed_words": "int64", "n_removed_lines": "int64",
                      "n_removed_chars": "int64"})
