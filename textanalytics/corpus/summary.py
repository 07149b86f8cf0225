"""Tidy summary tables of a :class:`~textanalytics.corpus.model.Corpus`.

The CLI (``textanalytics corpus``) and the report only print these tables.

Example
-------
>>> from textanalytics.corpus import load_corpus
>>> tables = summarize_corpus(load_corpus("seeds"))          # doctest: +SKIP
>>> list(tables)                                             # doctest: +SKIP
['overview', 'statements_per_year_speaker', 'words_per_statement', 'cleaning', 'problems']
"""

from __future__ import annotations

from pathlib import Path

import re

import pandas as pd

from .model import Corpus
from .cleaning_table import RULE_ORDER

__all__ = ["summarize_corpus", "problem_table", "problem_counts", "problem_line"]


def _overview(corpus: Corpus) -> pd.DataFrame:
    st = corpus.statements
    dates = st["date"].dropna()
    return pd.DataFrame([{
        "n_statements": len(st),
        "n_paragraphs": len(corpus.paragraphs),
        "n_words": int(st["n_words"].sum()),
        "first_date": dates.min().strftime("%Y-%m-%d") if len(dates) else "",
        "last_date": dates.max().strftime("%Y-%m-%d") if len(dates) else "",
        "n_removed_words": int(corpus.cleaning["n_removed_words"].sum()) if len(corpus.cleaning) else 0,
        "n_problems": len(corpus.problems),
        "source": corpus.source,
    }])


def _per_year_speaker(st: pd.DataFrame) -> pd.DataFrame:
    out = (st.groupby(["year", "speaker"], dropna=False, sort=True)
             .agg(n_statements=("statement_id", "size"), n_words=("n_words", "sum"))
             .reset_index())
    out["year"] = out["year"].astype("Int64")
    out = out.sort_values(["year", "speaker"], na_position="last", kind="stable").reset_index(drop=True)
    return out.astype({"n_statements": "int64", "n_words": "int64"})


def _per_statement(corpus: Corpus) -> pd.DataFrame:
    st = corpus.statements
    n_par = corpus.paragraphs.groupby("statement_id").size()
    out = st[["statement_id", "date", "year", "speaker", "genre", "n_words"]].copy()
    out["date"] = out["date"].dt.strftime("%Y-%m-%d").fillna("")
    out.insert(5, "n_paragraphs", out["statement_id"].map(n_par).fillna(0).astype("int64"))
    return out.reset_index(drop=True)


def _cleaning(corpus: Corpus) -> pd.DataFrame:
    cl = corpus.cleaning
    cols = ["rule", "n_statements", "n_removed_words", "n_removed_lines", "n_removed_chars"]
    if not len(cl):
        return pd.DataFrame(columns=cols)
    if "n_removed_chars" not in cl.columns:
        cl = cl.assign(n_removed_chars=0)
    out = (cl.groupby("rule", sort=False)
             .agg(n_statements=("statement_id", "nunique"), n_removed_words=("n_removed_words", "sum"),
                  n_removed_lines=("n_removed_lines", "sum"), n_removed_chars=("n_removed_chars", "sum"))
             .reset_index())
    order = {rule: i for i, rule in enumerate(RULE_ORDER)}
    out = out.assign(_o=out["rule"].map(lambda r: order.get(r, len(order))))
    return out.sort_values(["_o", "rule"]).drop(columns="_o").reset_index(drop=True)[cols]


def _kind(text: str, *, cut_digits: bool = False) -> str:
    """The kind of a problem or action, without its values: "parsed as 2016-12-30 (...)" -> "parsed as"."""
    cut = r"\s+(?=['\"(\d])" if cut_digits else r"\s+(?=['\"(])"
    return re.sub(r"\d+", "N", re.split(cut, str(text), maxsplit=1)[0]).strip()


def _problems(corpus: Corpus) -> pd.DataFrame:
    pr = corpus.problems
    cols = ["source", "field", "problem", "action", "n", "lines"]
    if not len(pr):
        return pd.DataFrame(columns=cols)
    df = pr.assign(problem=pr["problem"].map(_kind),
                   action=pr["action"].map(lambda a: _kind(a, cut_digits=True)))
    rows = []
    for (source, field, problem, action), g in df.groupby(["source", "field", "problem", "action"], sort=True):
        lines = [str(int(x)) for x in g["line"].dropna().tolist()]
        shown = ", ".join(lines[:10]) + (f" … (+{len(lines) - 10})" if len(lines) > 10 else "")
        rows.append({"source": source, "field": field, "problem": problem, "action": action,
                     "n": len(g), "lines": shown})
    return pd.DataFrame(rows, columns=cols)


#: Columns of :func:`problem_table` (``tables/problems.csv`` in a report).
PROBLEM_TABLE_COLUMNS = ["record", "source", "line", "field", "problem", "action"]
_REPAIRED = ("corrected", "parsed", "repaired", "removed", "replaced", "decoded")


def _relative(source: str, root: str | None) -> str:
    if not root or not source:
        return source

    src, base = Path(source), Path(root)
    base = base if base.is_dir() else base.parent
    try:
        return src.relative_to(base).as_posix()
    except ValueError:
        return source


def problem_table(problems: pd.DataFrame, *, root: str | None = None) -> pd.DataFrame:
    """Every record skipped, repaired or warned about at load time, one row each.

    Columns: ``record`` (the statement id when known, else ""), ``source``
    (file), ``line`` (line or row of the file, Int64, <NA> when not
    line-bound), ``field``, ``problem`` (what was wrong), ``action`` (what was
    done: ``skipped``, ``corrected to ...``, ``parsed as ...``, ...). Sorted by
    source, line, field, so the table is the same run after run. With
    ``root`` (the corpus path), sources are written relative to it, so a
    published table carries no machine-specific folder.
    """
    pr = problems.copy()
    if "record" not in pr.columns:
        pr["record"] = pr["statement_id"] if "statement_id" in pr.columns else ""
    for col in PROBLEM_TABLE_COLUMNS:
        if col not in pr.columns:
            pr[col] = pd.NA if col == "line" else ""
    out = pr[PROBLEM_TABLE_COLUMNS].copy()
    out["line"] = pd.array(out["line"], dtype="Int64")
    for col in ("record", "source", "field", "problem", "action"):
        out[col] = out[col].fillna("").astype(str)
    out["source"] = [_relative(v, root) for v in out["source"]]
    out = out.sort_values(["source", "line", "field", "record"], na_position="last", kind="stable")
    return out.reset_index(drop=True)


def problem_counts(problems: pd.DataFrame) -> dict[str, int]:
    """``{"skipped": n, "repaired": n, "noted": n}``: records by what load time did to them.

    ``skipped`` records are not in the corpus; ``repaired`` ones are, changed
    (a corrected word split, a date parsed from another format); ``noted`` ones
    are kept as they are with a warning (e.g. values differing only in case).
    """
    actions = problems["action"].astype(str) if len(problems) else pd.Series([], dtype=str)
    skipped = int(actions.str.startswith("skipped").sum())
    repaired = int(actions.str.startswith(_REPAIRED).sum())
    return {"skipped": skipped, "repaired": repaired, "noted": int(len(actions) - skipped - repaired)}


def problem_line(counts: dict[str, int], *, where: str = "tables/problems.csv") -> str:
    """One sentence for a report's first lines and the CLI: what load time skipped or repaired.

    >>> problem_line({"skipped": 2, "repaired": 0, "noted": 1})
    'At load time 2 records were skipped, 0 repaired and 1 noted with a warning; each is listed in tables/problems.csv.'
    >>> problem_line({"skipped": 0, "repaired": 0, "noted": 0})
    'No record was skipped or repaired at load time.'
    """
    s, r, n = counts.get("skipped", 0), counts.get("repaired", 0), counts.get("noted", 0)
    if not (s or r or n):
        return "No record was skipped or repaired at load time."
    parts = f"{s} record{'s' if s != 1 else ''} {'were' if s != 1 else 'was'} skipped, {r} repaired"
    if n:
        parts += f" and {n} noted with a warning"
    return f"At load time {parts}; each is listed in {where}."


def summarize_corpus(corpus: Corpus) -> dict[str, pd.DataFrame]:
    """Summary tables of a corpus, each tidy with snake_case columns.

    Returns a dict (in this order):

    ``overview``
        One row: ``n_statements, n_paragraphs, n_words, first_date, last_date,
        n_removed_words, n_problems, source``.
    ``statements_per_year_speaker``
        ``year, speaker, n_statements, n_words``, one row per year × speaker
        present, sorted by year then speaker (missing year last).
    ``words_per_statement``
        ``statement_id, date, year, speaker, genre, n_paragraphs, n_words``,
        sorted by ``statement_id``.
    ``cleaning``
        ``rule, n_statements, n_removed_words, n_removed_lines, n_removed_chars``: what each
        cleaning rule removed in total, in the order the rules run.
    ``problems``
        ``source, field, problem, action, n, lines``: records skipped or
        repaired, grouped by kind, with their first record/line numbers.
    """
    return {
        "overview": _overview(corpus),
        "statements_per_year_speaker": _per_year_speaker(corpus.statements),
        "words_per_statement": _per_statement(corpus),
        "cleaning": _cleaning(corpus),
        "problems": _problems(corpus),
    }
