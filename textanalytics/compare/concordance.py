"""Keyword in context: every occurrence of a word, lemma or phrase, with its context."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable, Literal

import numpy as np
import pandas as pd

from ..corpus.model import require_text
from ..deprecation import renamed_keywords
from ..errors import InputError
from ..features import sorted_id_codes
from ..preprocessing.model import column_codes

from ..results import TableResult

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

__all__ = ["kwic", "Concordance", "KWIC_COLUMNS", "query_pattern"]

logger = logging.getLogger(__name__)

#: The first columns of the :func:`kwic` table (statement metadata columns follow).
KWIC_COLUMNS = ("statement_id", "paragraph", "start", "end", "left", "match", "right")

QueryType = Literal["auto", "word", "lemma", "phrase"]


@dataclass(frozen=True, eq=False, repr=False)
class Concordance(TableResult):
    """Every occurrence of a query with its context (:func:`kwic`).

    Attributes
    ----------
    table:
        One row per occurrence; columns :data:`KWIC_COLUMNS` then the statement
        metadata, described in :func:`kwic`.
    params:
        ``query``, ``query_type`` as resolved (``"auto"`` becomes ``word``,
        ``lemma`` or ``phrase``), ``window``, ``case_sensitive``.
    """

    table: pd.DataFrame
    params: dict[str, Any] = field(default_factory=dict)
    _shown = ("query", "query_type", "window")

    def __len__(self) -> int:
        """The number of occurrences."""
        return len(self.table)

    def summary(self) -> pd.DataFrame:
        """Occurrences per statement: ``statement_id, n_matches``, most first (ties by id)."""
        counts = self.table.groupby("statement_id", sort=True).size().rename("n_matches").reset_index()
        return counts.sort_values("n_matches", ascending=False, kind="stable").reset_index(drop=True)

    def plot(self, **kwargs: Any) -> "Figure":
        """Occurrences per statement or group; see :func:`~textanalytics.compare.plot_kwic`."""
        from .plots import plot_kwic  # matplotlib is imported on first plot

        kwargs.setdefault("query", self.params.get("query"))
        return plot_kwic(self.table, **kwargs)


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


@renamed_keywords(by="query_type")
def kwic(corpus: Any, query: str, *, window: int = 8, tokens: Any = None, query_type: QueryType = "auto",
         case_sensitive: bool = False) -> Concordance:
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
        The :class:`~textanalytics.preprocessing.Tokens` of the corpus; needed for
        lemma and term queries.
    query_type:
        (was ``by``) ``"word"``/``"phrase"``: the words in running text, case-insensitive,
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
    Concordance
        ``table``: ``statement_id``, ``paragraph``, ``start``/``end`` (character offsets of
        the match in the paragraph text), ``left``, ``match`` (as written,
        whitespace collapsed), ``right``, then the statement's metadata (every
        column of ``corpus.statements`` except ``text`` and ``n_words``). One row
        per occurrence, sorted by ``statement_id, paragraph, start``.
        ``params`` records ``query``, ``query_type`` as resolved, ``window``
        and ``case_sensitive``.

    Example
    -------
    >>> kwic(corpus, "double standards", window=6).table        # doctest: +SKIP
    >>> kwic(corpus, "terrorist", tokens=tokens).summary()      # doctest: +SKIP
    """
    if not isinstance(query, str) or not query.strip():
        raise InputError("query: empty; give a word, lemma or phrase")
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or window < 0:
        raise InputError(f"window: expected an integer >= 0, got {window!r}")
    if query_type not in ("auto", "word", "lemma", "phrase"):
        raise InputError(f"query_type: expected 'auto', 'word', 'lemma' or 'phrase', got {query_type!r}")
    words = query.split()
    if query_type == "auto":
        if len(words) > 1:
            query_type = "phrase"
        elif tokens is not None:
            query_type = "lemma"
        else:
            query_type = "word"
    require_text(corpus, "kwic")
    paragraphs = corpus.paragraphs
    if query_type == "lemma":
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
    params = {"query": query, "query_type": query_type, "window": int(window), "case_sensitive": case_sensitive}
    logger.info("kwic %r (%s): %d matches", query, query_type, len(out))
    return Concordance(table=out, params=params)


class _LemmaIndex:
    """Token columns as integer codes, sorted once, so many lemma queries cost one pass each.

    Only codes are held per token (int32/int64 arrays); strings exist once per
    distinct value, so indexing 10 M tokens costs about 200 MB, not gigabytes of
    Python strings.
    """

    def __init__(self, paragraphs: pd.DataFrame, tokens: Any) -> None:
        t = tokens.table
        sid_codes, sid_names = sorted_id_codes(t["statement_id"])
        sid = sid_codes.astype(np.int32)  # in statement-id order, so sorting by it sorts by id
        self.sid_names = sid_names.tolist()
        par = t["paragraph"].to_numpy(dtype=np.int32)
        pos = t["position"].to_numpy(dtype=np.int32)
        # Token tables come sorted by (statement, paragraph, position); check that in one pass
        # and sort only when needed (an argsort of 10 M rows costs 80 MB and seconds).
        ordered = bool(np.all((sid[1:] > sid[:-1]) | ((sid[1:] == sid[:-1]) & (
            (par[1:] > par[:-1]) | ((par[1:] == par[:-1]) & (pos[1:] > pos[:-1])))))) if len(t) > 1 else True
        order = None if ordered else np.lexsort((pos, par, sid))
        take = (lambda a: a) if ordered else (lambda a: a[order])
        self.sid, self.par = take(sid), take(par)
        if "reason" in t.columns:
            rc, rn = column_codes(t["reason"])
            self.reason, self.reason_names = take(rc), rn
        else:
            self.reason, self.reason_names = np.zeros(len(t), np.int64), [""]
        lc, ln = column_codes(t["lemma"])
        tc, tn = column_codes(t["term"])
        sc, sn = column_codes(t["token"])
        self.lemma, self.lemma_names = take(lc), [s.lower() for s in ln]
        self.term, self.term_names = take(tc), [s.lower() for s in tn]
        self.surface, self.surface_names = take(sc), np.asarray(sn, dtype=object)
        self.texts = {(s, int(p)): str(x) for s, p, x in zip(paragraphs["statement_id"].astype(str),
                                                             paragraphs["paragraph"].astype(int), paragraphs["text"])}
        n = len(t)
        self.n = n
        new_par = np.r_[True, (self.sid[1:] != self.sid[:-1]) | (self.par[1:] != self.par[:-1])] if n else np.array([], bool)
        self.par_starts = np.flatnonzero(new_par)
        self.par_ends = np.r_[self.par_starts[1:], n]
        self.bounds: dict[tuple[str, int], tuple[int, list[tuple[int, int] | None]]] = {}

    @staticmethod
    def _matching(names: list[str], word: str) -> np.ndarray:
        return np.asarray([i for i, s in enumerate(names) if s == word], dtype=np.int64)

    def hits(self, query: str, *, limit: int | None = None) -> list[tuple[str, int, str, int, int]]:
        sid, par, reason, n = self.sid, self.par, self.reason, self.n
        words = [w.lower() for w in query.split()]
        if "_" in query and len(words) == 1:
            column, names, extend = self.term, self.term_names, ("phrase_part", "alias_part")
        else:
            column, names, extend = self.lemma, self.lemma_names, ("alias_part",)
        extend_codes = {i for i, r in enumerate(self.reason_names) if r in extend}
        k = len(words)
        ok = np.zeros(n, dtype=bool)
        if n >= k:
            m = n - k + 1
            ok[:m] = True
            for j, w in enumerate(words):
                ok[:m] &= np.isin(column[j: m + j], self._matching(names, w))
                if j:
                    ok[:m] &= (sid[j: m + j] == sid[:m]) & (par[j: m + j] == par[:m])
        hits = []
        for i in np.flatnonzero(ok).tolist():
            if limit is not None and len(hits) >= limit:
                break
            last = i + k - 1
            while (last + 1 < n and int(reason[last + 1]) in extend_codes and sid[last + 1] == sid[i]
                   and par[last + 1] == par[i]):
                last += 1
            key = (self.sid_names[int(sid[i])], int(par[i]))
            text = self.texts.get(key)
            if text is None:
                continue
            if key not in self.bounds:
                b = np.searchsorted(self.par_starts, i, side="right") - 1
                lo, hi = int(self.par_starts[b]), int(self.par_ends[b])
                self.bounds[key] = lo, _align(text, self.surface_names[self.surface[lo:hi]])
            lo, spans = self.bounds[key]
            first, final = spans[i - lo], spans[last - lo]
            if first is None or final is None:
                logger.debug("kwic: could not locate token %r in %s:%s",
                             self.surface_names[self.surface[i]], *key)
                continue
            hits.append((key[0], key[1], text, first[0], final[1]))
        return hits


def _lemma_hits(paragraphs: pd.DataFrame, tokens: Any, query: str) -> list[tuple[str, int, str, int, int]]:
    """Matches of a lemma (sequence) or term query, located in the paragraph text."""
    return _LemmaIndex(paragraphs, tokens).hits(query)


def kwic_many(corpus: Any, queries: list[str], *, tokens: Any = None, window: int = 8,
              max_hits: int | None = None) -> pd.DataFrame:
    """KWIC for several queries at once: :func:`kwic`'s columns plus ``query``.

    With ``tokens``, single words match lemmas and ``a_b`` terms match model
    terms (phrases, aliases), as :func:`kwic` with ``query_type="auto"``; the token
    table is indexed once for all queries. ``max_hits`` keeps the first hits
    per query in corpus order (the report's search box uses it to stay small
    on large corpora). Without ``tokens`` each query is a word/phrase search.

    >>> kwic_many(corpus, ["terrorist", "double_standard"], tokens=tokens, max_hits=20)  # doctest: +SKIP
    """
    require_text(corpus, "kwic_many")
    frames = []
    index = _LemmaIndex(corpus.paragraphs, tokens) if tokens is not None else None
    meta = corpus.statements.drop(columns=[c for c in ("text", "n_words") if c in corpus.statements.columns])
    meta = meta.assign(statement_id=meta["statement_id"].astype(str))
    for q in queries:
        if index is not None and len(q.split()) == 1:
            hits = index.hits(q, limit=max_hits)
        else:
            pattern = query_pattern(" ".join(w.replace("_", " ") for w in q.split()), case_sensitive=False)
            hits = []
            for sid, par, text in zip(corpus.paragraphs["statement_id"].astype(str),
                                      corpus.paragraphs["paragraph"].astype(int),
                                      corpus.paragraphs["text"].astype(str)):
                for m in pattern.finditer(text):
                    hits.append((sid, par, text, m.start(), m.end()))
                if max_hits is not None and len(hits) >= max_hits:
                    break
            hits = hits[:max_hits] if max_hits is not None else hits
        rows = [{"query": q, "statement_id": sid, "paragraph": par, "start": a, "end": b,
                 "left": " ".join(text[:a].split()[-window:]) if window else "",
                 "match": " ".join(text[a:b].split()),
                 "right": " ".join(text[b:].split()[:window]) if window else ""}
                for sid, par, text, a, b in hits]
        frames.append(pd.DataFrame(rows, columns=["query", *KWIC_COLUMNS]))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["query", *KWIC_COLUMNS])
    # Fixed dtypes whether or not some query found nothing (an empty frame's columns are object).
    out = out.astype({"query": str, "left": str, "match": str, "right": str, "statement_id": object,
                      "paragraph": np.int64, "start": np.int64, "end": np.int64})
    out = out.merge(meta, on="statement_id", how="left", validate="many_to_one")
    logger.info("kwic for %d queries: %d lines", len(queries), len(out))
    return out


def kwic_pieces(pieces: Iterable[tuple[Any, Any]], queries: list[str], *, window: int = 8,
                max_hits: int | None = None) -> pd.DataFrame:
    """:func:`kwic_many` over a corpus given in pieces: ``(corpus piece, its tokens)`` pairs.

    The lines of every piece are merged in corpus order (query, statement id,
    paragraph, position) and ``max_hits`` keeps the first per query, so the
    result equals one :func:`kwic_many` call on the whole corpus. A corpus in
    memory is one piece: ``kwic_pieces([(corpus, tokens)], ...)``.
    """
    frames = [kwic_many(corpus, queries, tokens=tokens, window=window, max_hits=max_hits)
              for corpus, tokens in pieces]
    return merge_kwic(frames, queries, max_hits=max_hits)


def merge_kwic(frames: list[pd.DataFrame], queries: list[str], *, max_hits: int | None = None) -> pd.DataFrame:
    """The :func:`kwic_many` tables of the pieces of a corpus, merged as :func:`kwic_pieces` merges them.

    Each piece's table needs only its own first ``max_hits`` lines per query, so pieces can be
    searched where they are (on Spark's executors) and only those lines brought together.
    """
    order = {q: i for i, q in enumerate(queries)}
    frames = [f for f in frames if len(f)] or frames[:1]  # an empty piece's columns have no dtypes to keep
    if not frames:
        raise InputError("kwic_pieces: no pieces were given; give (corpus, tokens) pairs")
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out = out.assign(_q=out["query"].map(order)).sort_values(["_q", "statement_id", "paragraph", "start"],
                                                            kind="stable")
    if max_hits is not None:
        out = out.groupby("_q", sort=False).head(max_hits)
    return out.drop(columns="_q").reset_index(drop=True)


def unit_texts(piece: Any, wanted: set[tuple[str, int | None]]) -> pd.DataFrame:
    """The texts of the ``wanted`` units of a corpus piece: ``(statement id, paragraph)``, or
    ``(statement id, None)`` for a whole statement.

    Columns: ``statement_id`` (str), ``paragraph`` (Int64, <NA> for a statement), ``text`` (the
    paragraphs' text dtype when any paragraph is wanted, else the statements').
    """
    par, st = piece.paragraphs, piece.statements
    dtype = par["text"].dtype if any(p is not None for _, p in wanted) else st["text"].dtype
    psid, pnum = par["statement_id"].astype(str).to_numpy(), par["paragraph"].astype(int).to_numpy()
    hit = np.array([(s, int(n)) in wanted for s, n in zip(psid, pnum)], dtype=bool)
    ssid = st["statement_id"].astype(str).to_numpy()
    whole = np.array([(s, None) in wanted for s in ssid], dtype=bool)
    return pd.DataFrame({
        "statement_id": pd.Series([*psid[hit], *ssid[whole]], dtype=object),
        "paragraph": pd.array([*pnum[hit].tolist(), *([None] * int(whole.sum()))], dtype="Int64"),
        "text": pd.Series([*par["text"].to_numpy()[hit], *st["text"].to_numpy()[whole]], dtype=dtype)})


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
