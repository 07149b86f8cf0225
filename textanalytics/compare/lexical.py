"""Lexical statistics per statement and per group: tokens, types, MATTR, sentence length."""

from __future__ import annotations

import logging
import re
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InputError
from ..features import factorize_labels, group_labels, label_str
from . import stats

__all__ = ["lexical_stats", "STATEMENT_COLUMNS", "GROUP_COLUMNS", "WORD_RE", "SENTENCE_END_RE"]

logger = logging.getLogger(__name__)

#: Words when no tokens are given: letters/digits, joined by inner hyphens or apostrophes.
WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
#: Sentence boundary when no tokens are given: . ! ? (and closing quotes/brackets) then whitespace.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")

STATEMENT_COLUMNS = ("statement_id", "n_tokens", "n_types", "ttr", "mattr", "mattr_is_ttr",
                     "n_sentences", "mean_sentence_length")
GROUP_COLUMNS = ("group_by", "group", "n_statements", "n_tokens", "n_types", "ttr", "mattr",
                 "n_mattr_is_ttr", "n_sentences", "mean_sentence_length")


def lexical_stats(corpus: Any, *, tokens: Any = None, group_by: str | None = None,
                  window: int = 50) -> pd.DataFrame:
    """Size, vocabulary richness and sentence length of each statement or group.

    What is counted
    ---------------
    Word tokens, lower-cased, *including* stopwords (lexical diversity is a
    property of the running text, not of the model's vocabulary). With
    ``tokens`` (:class:`~textanalytics.preprocessing.Tokens`): every row whose
    ``reason`` is not ``punctuation``, its ``token`` lower-cased; sentences are
    the distinct ``(paragraph, sentence)`` pairs holding a word. Without
    ``tokens``: words of the cleaned paragraphs by :data:`WORD_RE`, sentences
    split after ``. ! ?`` followed by whitespace (:data:`SENTENCE_END_RE`) —
    a rough rule that also splits after abbreviations like "U.S.".

    Parameters
    ----------
    corpus:
        The :class:`~textanalytics.corpus.Corpus`.
    tokens:
        Optional tokens of the corpus (preferred: same tokenisation as the models).
    group_by:
        None (default): one row per statement. A column of ``corpus.statements``:
        one row per group (statements with a missing value form no group; logged).
    window:
        MATTR window in tokens (default 50, a common choice; Covington & McFall
        2010 used 500 for long texts — our paragraphs and statements are short).

    Returns
    -------
    DataFrame
        Per statement (``group_by=None``), sorted by ``statement_id``:
        ``statement_id``, ``n_tokens``, ``n_types`` (distinct lower-cased words),
        ``ttr`` (``n_types / n_tokens``), ``mattr`` (moving-average type-token
        ratio: mean TTR over every window of ``window`` consecutive tokens;
        see :func:`textanalytics.compare.stats.mattr`), ``mattr_is_ttr`` (True
        when the statement is shorter than the window and ``mattr`` is its TTR),
        ``n_sentences``, ``mean_sentence_length`` (tokens per sentence).

        Per group, sorted by group: ``group_by``, ``group`` (as a string),
        ``n_statements``, ``n_tokens`` (sum), ``n_types`` (distinct words of the
        group's pooled tokens), ``ttr`` (pooled), ``mattr`` (mean of its
        statements' MATTR, each statement weighted equally), ``n_mattr_is_ttr``
        (statements that fell back to TTR), ``n_sentences`` (sum),
        ``mean_sentence_length`` (pooled: tokens / sentences).

        ``attrs["params"]`` records ``window``, ``source`` (``tokens`` or
        ``regex``), ``group_by`` and ``n_statements_without_group``.

    Example
    -------
    >>> lexical_stats(corpus, tokens=tokens, group_by="speaker")   # doctest: +SKIP
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise InputError(f"window: expected an integer >= 1, got {window!r}")
    ids = corpus.statements["statement_id"].astype(str).tolist()
    words, sentences = (_from_tokens(tokens, ids) if tokens is not None else _from_text(corpus, ids))
    rows = []
    for sid in ids:
        w = words.get(sid, [])
        value, is_ttr = stats.mattr(w, window=window)
        n_sent = sentences.get(sid, 0)
        rows.append({
            "statement_id": sid, "n_tokens": len(w), "n_types": len(set(w)), "ttr": stats.ttr(w),
            "mattr": value, "mattr_is_ttr": is_ttr, "n_sentences": n_sent,
            "mean_sentence_length": len(w) / n_sent if n_sent else float("nan"),
        })
    per = pd.DataFrame(rows, columns=list(STATEMENT_COLUMNS)).astype(
        {"n_tokens": np.int64, "n_types": np.int64, "ttr": np.float64, "mattr": np.float64,
         "mattr_is_ttr": bool, "n_sentences": np.int64, "mean_sentence_length": np.float64})
    params = {"window": int(window), "source": "tokens" if tokens is not None else "regex",
              "group_by": group_by, "n_statements_without_group": 0}
    if group_by is None:
        per = per.sort_values("statement_id", kind="stable").reset_index(drop=True)
        per.attrs["params"] = params
        return per

    labels = group_labels(corpus, group_by=group_by).reindex(ids).to_numpy(dtype=object)
    codes, uniques = factorize_labels(labels)
    n_missing = int((codes < 0).sum())
    if n_missing:
        logger.warning("group_by=%r: %d statement(s) have no value and form no group", group_by, n_missing)
    out = []
    for i, label in enumerate(uniques):
        members = [sid for sid, c in zip(ids, codes) if c == i]
        part = per[per["statement_id"].isin(members)]
        pooled = [w for sid in members for w in words.get(sid, [])]
        n_tok = int(part["n_tokens"].sum())
        n_sent = int(part["n_sentences"].sum())
        out.append({
            "group_by": group_by, "group": label_str(label), "n_statements": len(members),
            "n_tokens": n_tok, "n_types": len(set(pooled)), "ttr": stats.ttr(pooled),
            "mattr": float(part["mattr"].mean()), "n_mattr_is_ttr": int(part["mattr_is_ttr"].sum()),
            "n_sentences": n_sent, "mean_sentence_length": n_tok / n_sent if n_sent else float("nan"),
        })
    res = pd.DataFrame(out, columns=list(GROUP_COLUMNS)).astype(
        {"n_statements": np.int64, "n_tokens": np.int64, "n_types": np.int64, "ttr": np.float64,
         "mattr": np.float64, "n_mattr_is_ttr": np.int64, "n_sentences": np.int64,
         "mean_sentence_length": np.float64})
    params["n_statements_without_group"] = n_missing
    res.attrs["params"] = params
    return res


def _from_tokens(tokens: Any, ids: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    t = tokens.table
    if "reason" in t.columns:
        t = t[t["reason"].astype(str) != "punctuation"]
    t = t.sort_values(["statement_id", "paragraph", "position"], kind="stable")
    sids = t["statement_id"].astype(str)
    words = {sid: g.str.lower().tolist() for sid, g in t["token"].astype(str).groupby(sids, sort=False)}
    sent = t.assign(_s=sids)[["_s", "paragraph", "sentence"]].drop_duplicates()
    sentences = sent.groupby("_s").size().to_dict()
    return words, {k: int(v) for k, v in sentences.items()}


def _from_text(corpus: Any, ids: list[str]) -> tuple[dict[str, list[str]], dict[str, int]]:
    words: dict[str, list[str]] = {}
    sentences: dict[str, int] = {}
    p = corpus.paragraphs.sort_values(["statement_id", "paragraph"], kind="stable")
    for sid, text in zip(p["statement_id"].astype(str), p["text"].astype(str)):
        bucket = words.setdefault(sid, [])
        for sentence in SENTENCE_END_RE.split(text):
            found = [w.lower() for w in WORD_RE.findall(sentence)]
            if found:
                bucket.extend(found)
                sentences[sid] = sentences.get(sid, 0) + 1
    return words, sentences
