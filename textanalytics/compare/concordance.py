"""Keyword in context: every occurrence of a word, lemma or phrase, with its context."""

from __future__ import annotations

import logging
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["kwic", "KWIC_COLUMNS", "query_pattern"]

logger = logging.getLogger(__name__)

#: The first columns of the :func:`kwic` table (statement metadata columns follow).
KWIC_COLUMNS = ("statement_id", "paragraph", "start", "end", "left", "match", "right")

By = Literal["auto", "word", "lemma", "phrase"]


def query_pattern(query: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """The regular expression :func:`kwic` uses for a word or phrase query.

    Words must match whole words (not inside a longer word; ``\\w`` boundaries),
    are separated by any run of whitespace (line breaks included), and ``*``
    stands for any word characters (``terror*``). Case-insensitive by default.

    >>> bool(query_pattern("double standards").search("the Double\\n standards of"))
    True
    >>> bool(query_pattern("standard").search("standards"))
    False
    """
    words = query.split()
    if not words:
        raise InputError("query: empty; give a word, lemma or phrase")
    parts = [re.escape(w).replace(r"\*", r"\w*") for w in words]
    flags = 0 if case_sensitive else re.IGNORECASE
    return re.compile(r"(?<!\w)" + r"\s+".join(parts) + r"(?!\w)", flags)


def kwic(corpus: Any, query: str, *, window: int = 8, tokens: Any = None, by: By = "auto",
         case_sensitive: bool = False) -> pd.DataFrame:
    """Every occurrence of ``query`` in the corpus, with ``window`` words each side.

    Parameters
    ----------
    corpus:
        The :class:`~textanalytics.corpus.Corpus`; matching runs over the
        cleaned text of each paragraph (a match never spans two paragraphs).
    query:
        A word (``"terrorism"``), a phrase (``"double standards"``), a lemma
        (``"terrorist"`` also finds "terrorists"), or a model term
        (``"foreign_terrorist_fighter"``, ``"isil"``). ``*`` is a wildcard in
        word and phrase queries (``"terror*"``).
    window:
        Words of context on each side (whitespace-separated words of the
        paragraph, punctuation attached), within the paragraph.
    tokens:
        The :class:`~textanalytics.preprocess.Tokens` of the corpus; needed for
        lemma and term queries.
    by:
        ``"word"``/``"phrase"``: the words in running text, case-insensitive,
        separated by any whitespace (see :func:`query_pattern`). ``"lemma"``: the
        tokens whose ``lemma`` equals the query (a sequence of lemmas for a
        multiword query; a query with ``_`` matches the ``term`` column, i.e.
        phrases and aliases as the models see them), located in the paragraph
        text. ``"auto"`` (default): ``phrase`` for several words, ``lemma`` for
        one word when ``tokens`` is given, else ``word``.
    case_sensitive:
        Word/phrase queries only.

    Returns
    -------
    DataFrame
        ``statement_id``, ``paragraph``, ``start``/``end`` (character offsets of
        the match in the paragraph text), ``left``, ``match`` (as written,
        whitespace collapsed), ``right``, then the statement's metadata (every
        column of ``corpus.statements`` except ``text`` and ``n_words``). One row
        per occurrence, sorted by ``statement_id, paragraph, start``.
        ``attrs["params"]`` records query, ``by`` as resolved, and window.

    Example
    -------
    >>> kwic(corpus, "double standards", window=6)              # doctest: +SKIP
    >>> kwic(corpus, "terrorist", tokens=tokens)                # doctest: +SKIP
    """
    if not isinstance(query, str) or not query.strip():
        raise InputError("query: empty; give a word, lemma or phrase")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 0:
        raise InputError(f"window: expected an integer >= 0, got {window!r}")
    if by not in ("auto", "word", "lemma", "phrase"):
        raise InputError(f"by: expected 'auto', 'word', 'lemma' or 'phrase', got {by!r}")
    words = query.split()
    if by == "auto":
        if len(words) > 1:
            by = "phrase"
        elif tokens is not None:
            by = "lemma"
        else:
            by = "word"
    paragraphs = corpus.paragraphs
    if by == "lemma":
        if tokens is None:
            raise InputError("kwic: by='lemma' needs tokens=textanalytics.preprocess(corpus)")
        hits = _lemma_hits(paragraphs, tokens, query)
    else:
        # A model term ("double_standards") in word/phrase mode means its words in running text.
        text_query = " ".join(w.replace("_", " ") for w in words)
        pattern = query_pattern(text_query, case_sensitive=case_sensitive)
        hits = []
        for sid, par, text in zip(paragraphs["statement_id"].astype(str),
                                  paragraphs["paragraph"].astype(int), paragraphs["text"].astype(str)):
            for m in pattern.finditer(text):
                hits.append((sid, par, text, m.start(), m.end()))
    rows = []
    for sid, par, text, start, end in hits:
        rows.append({
            "statement_id": sid, "paragraph": par, "start": start, "end": end,
            "left": " ".join(text[:start].split()[-window:]) if window else "",
            "match": " ".join(text[start:end].split()),
            "right": " ".join(text[end:].split()[:window]) if window else "",
        })
    out = pd.DataFrame(rows, columns=list(KWIC_COLUMNS))
    out = out.astype({"statement_id": object, "paragraph": np.int64, "start": np.int64, "end": np.int64})
    out = out.sort_values(["statement_id", "paragraph", "start"], kind="stable").reset_index(drop=True)
    meta = corpus.statements.drop(columns=[c for c in ("text", "n_words") if c in corpus.statements.columns])
    meta = meta.assign(statement_id=meta["statement_id"].astype(str))
    out = out.merge(meta, on="statement_id", how="left", validate="many_to_one")
    out.attrs["params"] = {"query": query, "by": by, "window": int(window), "case_sensitive": case_sensitive}
    logger.info("kwic %r (%s): %d matches", query, by, len(out))
    return out


def _lemma_hits(paragraphs: pd.DataFrame, tokens: Any, query: str) -> list[tuple[str, int, str, int, int]]:
    """Matches of a lemma (sequence) or term query, located in the paragraph text."""
    t = tokens.table.sort_values(["statement_id", "paragraph", "position"], kind="stable")
    sid = t["statement_id"].astype(str).to_numpy(dtype=object)
    par = t["paragraph"].to_numpy(dtype=np.int64)
    reason = t["reason"].astype(str).to_numpy(dtype=object) if "reason" in t.columns else np.full(len(t), "", dtype=object)
    words = [w.lower() for w in query.split()]
    if "_" in query and len(words) == 1:
        column = t["term"].astype(str).str.lower().to_numpy(dtype=object)
        extend = ("phrase_part", "alias_part")
    else:
        column = t["lemma"].astype(str).str.lower().to_numpy(dtype=object)
        extend = ("alias_part",)
    n = len(t)
    k = len(words)
    ok = np.zeros(n, dtype=bool)
    if n >= k:
        ok[: n - k + 1] = True
        for j, w in enumerate(words):
            ok[: n - k + 1] &= column[j: n - k + 1 + j] == w
            if j:
                ok[: n - k + 1] &= (sid[j: n - k + 1 + j] == sid[: n - k + 1]) & (par[j: n - k + 1 + j] == par[: n - k + 1])
    starts = np.flatnonzero(ok)
    if not len(starts):
        return []
    texts = {(s, int(p)): str(x) for s, p, x in zip(paragraphs["statement_id"].astype(str),
                                                    paragraphs["paragraph"].astype(int), paragraphs["text"])}
    surface = t["token"].astype(str).to_numpy(dtype=object)
    par_starts = np.flatnonzero(np.r_[True, (sid[1:] != sid[:-1]) | (par[1:] != par[:-1])])
    par_ends = np.r_[par_starts[1:], n]
    bounds: dict[tuple[str, int], tuple[int, list[tuple[int, int] | None]]] = {}
    hits = []
    for i in starts:
        last = i + k - 1
        while last + 1 < n and reason[last + 1] in extend and sid[last + 1] == sid[i] and par[last + 1] == par[i]:
            last += 1
        key = (sid[i], int(par[i]))
        text = texts.get(key)
        if text is None:
            continue
        if key not in bounds:
            b = np.searchsorted(par_starts, i, side="right") - 1
            lo, hi = int(par_starts[b]), int(par_ends[b])
            bounds[key] = lo, _align(text, surface[lo:hi])
        lo, spans = bounds[key]
        first, final = spans[i - lo], spans[last - lo]
        if first is None or final is None:
            logger.debug("kwic: could not locate token %r in %s:%s", surface[i], *key)
            continue
        hits.append((key[0], key[1], text, first[0], final[1]))
    return hits


def _align(text: str, tokens: np.ndarray, *, slack: int = 80) -> list[tuple[int, int] | None]:
    """Character span of each token in ``text``, searched left to right.

    A token the tokeniser rewrote (e.g. quotes) and cannot be found within
    ``slack`` characters gets None; the cursor stays, so alignment recovers.
    """
    lower = text.lower()
    cursor = 0
    spans: list[tuple[int, int] | None] = []
    for tok in tokens:
        tok = str(tok)
        pos = text.find(tok, cursor, cursor + slack + len(tok))
        if pos < 0:
            pos = lower.find(tok.lower(), cursor, cursor + slack + len(tok))
        if pos < 0 or not tok:
            spans.append(None)
            continue
        spans.append((pos, pos + len(tok)))
        cursor = pos + len(tok)
    return spans
