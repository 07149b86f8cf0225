"""Validated statement records as the tidy tables of a :class:`~.model.Corpus`.

:func:`assemble_corpus` numbers the paragraphs, counts words, gives the
documented columns their types and order (:data:`STATEMENT_COLUMNS` first,
then the other metadata), derives the ``derive`` columns, builds
``Corpus.cleaning`` and, given the metadata's file, lists metadata values
that differ only in case in ``Corpus.problems``.
"""

from __future__ import annotations

from typing import Mapping

import pandas as pd

from .cleaning_table import cleaning_frame
from .derive import derive_columns
from .model import Corpus
from .normalize import count_words
from .validate import case_variant_problems, problems_frame

__all__ = ["STATEMENT_COLUMNS", "string_column", "assemble_corpus"]

#: The documented leading columns of ``Corpus.statements``, in order.
STATEMENT_COLUMNS = ["statement_id", "title", "date", "year", "speaker", "organisation", "genre",
                     "text", "n_words"]
_STRING_COLUMNS = ("statement_id", "title", "speaker", "organisation", "genre")  # text is cleaned already


def _as_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value)


def string_column(values: pd.Series) -> pd.Series:
    return pd.Series([_as_text(v).strip() for v in values], index=values.index, dtype=str)


def assemble_corpus(frame: pd.DataFrame, *, cleaning: list[dict], problems: pd.DataFrame, source: str,
                    derive: Mapping[str, str] | None, aliases: Mapping[str, str],
                    case_source: str | None = None) -> Corpus:
    """Build the tidy tables of a :class:`Corpus` from validated records.

    With ``case_source`` (the file the metadata came from), metadata values that
    differ only in case are logged and listed in ``problems``
    (:func:`~textanalytics.corpus.validate.case_variant_problems`).
    """
    if not frame["statement_id"].is_monotonic_increasing:
        frame = frame.sort_values("statement_id", kind="stable")
    frame = frame.reset_index(drop=True)
    para_ids: list[str] = []
    para_nums: list[int] = []
    para_texts: list[str] = []
    para_words: list[int] = []
    n_words: list[int] = []
    for sid, paras in zip(frame["statement_id"], frame["_paragraphs"]):
        total = 0
        for k, text in enumerate(paras, start=1):
            n = count_words(text)
            total += n
            para_ids.append(sid)
            para_nums.append(k)
            para_texts.append(text)
            para_words.append(n)
        n_words.append(total)
    paragraphs = pd.DataFrame({
        "statement_id": pd.Series(para_ids, dtype=str),
        "paragraph": pd.Series(para_nums, dtype="int64"),
        "text": pd.Series(para_texts, dtype=str),
        "n_words": pd.Series(para_words, dtype="int64"),
    })
    frame = frame.drop(columns=["_paragraphs", "_line"])
    frame["n_words"] = pd.Series(n_words, dtype="int64")
    frame["text"] = frame["text"].astype(str)
    for col in _STRING_COLUMNS:
        frame[col] = string_column(frame[col]) if col in frame.columns else pd.Series([""] * len(frame), dtype=str)
    if "date" not in frame.columns:
        frame["date"] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    frame["date"] = frame["date"].astype("datetime64[ns]")
    frame["year"] = frame["year"].astype("Int64")
    frame = derive_columns(frame, derive, aliases=aliases)
    rest = [c for c in frame.columns if c not in STATEMENT_COLUMNS]
    statements = frame[STATEMENT_COLUMNS + rest]

    cleaning_df = cleaning_frame(cleaning, kept=set(statements["statement_id"]))
    if case_source is not None:
        case_rows = case_variant_problems(statements, source=case_source)
        if case_rows:
            problems = pd.concat([problems, problems_frame(case_rows)], ignore_index=True) if len(problems) \
                else problems_frame(case_rows)
    return Corpus(statements=statements, paragraphs=paragraphs, cleaning=cleaning_df,
                  problems=problems.reset_index(drop=True), source=source)
