"""Lexical statistics per statement and per group: tokens, types, MATTR, sentence length."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..corpus.model import require_text
from ..errors import InputError
from ..features import sorted_id_codes
from ..grouping import group_units, label_str
from ..preprocessing.model import column_codes
from ..results import TableResult
from . import stats

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["lexical_stats", "LexicalStats", "STATEMENT_COLUMNS", "GROUP_COLUMNS", "WORD_RE",
           "SENTENCE_END_RE"]

logger = logging.getLogger(__name__)

#: Words when no tokens are given: letters/digits, joined by inner hyphens or apostrophes.
WORD_RE = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
#: Sentence boundary when no tokens are given: . ! ? (and closing quotes/brackets) then whitespace.
SENTENCE_END_RE = re.compile(r"(?<=[.!?])[\"'”’)\]]*\s+")

STATEMENT_COLUMNS = ("statement_id", "n_tokens", "n_types", "ttr", "mattr", "mattr_is_ttr",
                     "n_sentences", "mean_sentence_length")
GROUP_COLUMNS = ("group_by", "group", "n_statements", "n_tokens", "n_types", "ttr", "mattr",
                 "n_mattr_is_ttr", "n_sentences", "mean_sentence_length")


@dataclass(frozen=True, eq=False, repr=False)
class LexicalStats(TableResult):
    """Lexical statistics per statement or per group (:func:`lexical_stats`).

    Attributes
    ----------
    table:
        Columns :data:`STATEMENT_COLUMNS` (per statement) or :data:`GROUP_COLUMNS`
        (per group), described in :func:`lexical_stats`.
    params:
        ``window``, ``source`` (``tokens`` or ``regex``), ``group_by`` and
        ``n_statements_without_group``.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("group_by", "window", "source")

    def summary(self) -> pd.DataFrame:
        """Distribution of every measure over the rows (count, mean, sd, quartiles)."""
        measures = ["n_tokens", "n_types", "ttr", "mattr", "mean_sentence_length"]
        return self.table[measures].describe().T

    def plot(self, **kwargs: Any) -> "Figure":
        """One bar per row; see :func:`~textanalytics.compare.plot_lexical_stats`."""
        from .plots import plot_lexical_stats  # matplotlib is imported on first plot

        return plot_lexical_stats(self.table, **kwargs)


def lexical_stats(corpus: Any, *, tokens: Any = None, group_by: str | None = None,
                  window: int = 50) -> LexicalStats:
    """Size, vocabulary richness and sentence length of each statement or group.

    What is counted
    ---------------
    Word tokens, lower-cased, *including* stopwords (lexical diversity is a
    property of the running text, not of the model's vocabulary). With
    ``tokens`` (:class:`~textanalytics.preprocessing.Tokens`): every row whose
    ``reason`` is not ``punctuation`` or ``url``, its ``token`` lower-cased; sentences are
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
    LexicalStats
        ``table`` per statement (``group_by=None``), sorted by ``statement_id``:
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

        ``params`` records ``window``, ``source`` (``tokens`` or ``regex``),
        ``group_by`` and ``n_statements_without_group``.

    Example
    -------
    >>> lexical_stats(corpus, tokens=tokens, group_by="speaker").table   # doctest: +SKIP
    """
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 1:
        raise InputError(f"window: expected an integer >= 1, got {window!r}")
    ids = corpus.statements["statement_id"].astype(str).tolist()
    words, sentences = (_from_tokens(tokens, ids) if tokens is not None else _from_text(corpus, ids))
    rows = []
    for sid in ids:
        w = words.get(sid, _EMPTY)
        value, is_ttr = stats.mattr(w, window=window)
        n_sent = sentences.get(sid, 0)
        rows.append({
            "statement_id": sid, "n_tokens": len(w), "n_types": len(np.unique(w)), "ttr": stats.ttr(w),
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
        return LexicalStats(table=per, params=params)

    g = group_units(pd.DataFrame({"statement_id": ids}), corpus=corpus, group_by=group_by)
    codes = g.codes
    out = []
    for i, label in enumerate(g.values):
        members = [sid for sid, c in zip(ids, codes) if c == i]
        part = per[per["statement_id"].isin(members)]
        pooled = np.concatenate([words.get(sid, _EMPTY) for sid in members]) if members else _EMPTY
        n_tok = int(part["n_tokens"].sum())
        n_sent = int(part["n_sentences"].sum())
        out.append({
            "group_by": group_by, "group": label_str(label), "n_statements": len(members),
            "n_tokens": n_tok, "n_types": len(np.unique(pooled)), "ttr": stats.ttr(pooled),
            "mattr": float(part["mattr"].mean()), "n_mattr_is_ttr": int(part["mattr_is_ttr"].sum()),
            "n_sentences": n_sent, "mean_sentence_length": n_tok / n_sent if n_sent else float("nan"),
        })
    res = pd.DataFrame(out, columns=list(GROUP_COLUMNS)).astype(
        {"n_statements": np.int64, "n_tokens": np.int64, "n_types": np.int64, "ttr": np.float64,
         "mattr": np.float64, "n_mattr_is_ttr": np.int64, "n_sentences": np.int64,
         "mean_sentence_length": np.float64})
    params["n_statements_without_group"] = g.n_statements_without_group
    return LexicalStats(table=res, params=params)


_EMPTY = np.zeros(0, dtype=np.int64)


def _from_tokens(tokens: Any, ids: list[str]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Per statement: lower-cased word type codes in text order, and the number of sentences.

    Works on the categorical codes of the token table: no string per token is
    created (10 M tokens as Python strings would take gigabytes).
    """
    t = tokens.table
    n = len(t)
    keep = np.ones(n, dtype=bool)
    if "reason" in t.columns:
        rc, rn = column_codes(t["reason"])
        # Words: every token but punctuation and URLs / e-mail addresses (numbers count).
        keep = ~np.isin(rc, [i for i, r in enumerate(rn) if r in ("punctuation", "url")])
    sid_codes, sorted_names = sorted_id_codes(t["statement_id"])
    sid = sid_codes[keep]
    par = t["paragraph"].to_numpy(dtype=np.int64)[keep]
    pos = t["position"].to_numpy(dtype=np.int64)[keep]
    tc, tn = column_codes(t["token"])
    lower = pd.factorize(pd.Index([str(x).lower() for x in tn], dtype=object))[0].astype(np.int64)
    word = lower[tc[keep]] if len(tn) else np.zeros(0, np.int64)
    order = np.lexsort((pos, par, sid))
    sid, par, word = sid[order], par[order], word[order]
    sent = t["sentence"].to_numpy(dtype=np.int64)[keep][order]
    bounds = np.searchsorted(sid, np.arange(len(sorted_names) + 1))
    words = {sorted_names[i]: word[bounds[i]:bounds[i + 1]] for i in range(len(sorted_names)) if bounds[i + 1] > bounds[i]}
    # Sentences: distinct (statement, paragraph, sentence) triples holding a word.
    new = np.r_[True, (sid[1:] != sid[:-1]) | (par[1:] != par[:-1]) | (sent[1:] != sent[:-1])] if len(sid) else \
        np.zeros(0, bool)
    per_sid = np.bincount(sid[new], minlength=len(sorted_names))
    sentences = {sorted_names[i]: int(per_sid[i]) for i in range(len(sorted_names)) if per_sid[i]}
    return words, sentences


def _from_text(corpus: Any, ids: list[str]) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    index: dict[str, int] = {}
    words: dict[str, list[int]] = {}
    sentences: dict[str, int] = {}
    require_text(corpus, "lexical_stats without tokens")
    p = corpus.paragraphs.sort_values(["statement_id", "paragraph"], kind="stable")
    for sid, text in zip(p["statement_id"].astype(str), p["text"].astype(str)):
        bucket = words.setdefault(sid, [])
        for sentence in SENTENCE_END_RE.split(text):
            found = [index.setdefault(w.lower(), len(index)) for w in WORD_RE.findall(sentence)]
            if found:
                bucket.extend(found)
                sentences[sid] = sentences.get(sid, 0) + 1
    return {sid: np.asarray(w, dtype=np.int64) for sid, w in words.items()}, sentences
