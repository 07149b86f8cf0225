"""Finding a codebook's entries in tokens: every match, and the words of every unit.

The rule (ported from quanteda's ``tokens_lookup``, ``valuetype = "glob"``,
``nested_scope = "key"``; docs/themes.md):

- A unit's stream is its tokens in text order. With ``match="lemma"`` (default)
  an alias's extra words are left out (the canonical token stands for the
  alias: "United Nations Security Council" is one token ``security_council``);
  with ``match="surface"`` every token is in the stream, lower-cased.
- An entry word matches a token when it equals (or, with ``*``, glob-matches)
  the token's lemma -- or its lower-cased surface form, unless the token is an
  alias (so ``fighters`` finds "fighters" whatever its lemma, and "United" of
  "United Nations" is not "united"). ``match="surface"`` uses the surface form only.
- A multi-word entry matches consecutive tokens of the stream (punctuation
  breaks it); written with ``_`` or spaces alike, it finds the phrase whether
  or not preprocessing joined it into one term (``terrorist_financing``). It
  also matches one token whose lemma is the joined entry (an alias canonical).
- Within a category matches do not overlap: leftmost first, the longest at a
  start (``terrorist financing`` before ``terrorist``); a token may count in
  several categories.
- A unit's ``tokens`` are its word tokens in the stream (not punctuation, not numbers).
"""

from __future__ import annotations

import fnmatch
import functools
import re
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..preprocessing.model import NON_WORD_REASONS
from .codebook import Codebook

__all__ = ["MatchMode", "find_matches", "piece_matches", "HIT_COLUMNS", "UNIT_COLUMNS"]

MatchMode = Literal["lemma", "surface"]

#: Columns of the hit table of :func:`find_matches`.
HIT_COLUMNS = ("statement_id", "paragraph", "position", "n_tokens", "category", "entry", "matched")
#: Columns of the unit table of :func:`find_matches`.
UNIT_COLUMNS = ("statement_id", "paragraph", "tokens")


def _word_sets(forms: np.ndarray, codebook: Codebook, variants: dict[str, str]) -> dict[str, np.ndarray]:
    """For every distinct entry word (and joined entry): a boolean mask over the distinct forms it matches.

    A joined entry that is an alias variant (``united_nations``) also matches its canonical (``un``).
    """
    out: dict[str, np.ndarray] = {}
    words = {w for e in codebook.entries for w in e.words} | {"_".join(e.words) for e in codebook.entries}
    index = {f: i for i, f in enumerate(forms.tolist())}
    for w in words:
        mask = np.zeros(len(forms), dtype=bool)
        if "*" in w:
            rx = re.compile(fnmatch.translate(w))
            mask[[i for i, f in enumerate(forms.tolist()) if rx.match(f)]] = True
        else:
            for f in (w, variants.get(w)):
                if f in index:
                    mask[index[f]] = True
        out[w] = mask
    return out


def _streams(table: pd.DataFrame, match: MatchMode,
             canonical: set[str]) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """The stream tokens of a chunk: their rows, lemma and surface forms ("" for an alias), word flags."""
    reason = table["reason"].astype(str).to_numpy()
    keep = reason != "alias_part" if match == "lemma" else np.ones(len(table), dtype=bool)
    rows = table.loc[keep, ["statement_id", "paragraph", "position", "token", "lemma"]]
    surface = rows["token"].astype(str).str.lower().to_numpy(dtype=object)
    lemma = rows["lemma"].astype(str).to_numpy(dtype=object) if match == "lemma" else surface
    if match == "lemma":
        is_alias = np.isin(lemma, np.asarray(sorted(canonical), dtype=object)) & (lemma != surface)
        surface = np.where(is_alias, "", surface)
    words = ~np.isin(reason[keep], list(NON_WORD_REASONS))
    return rows, lemma, surface, words


def find_matches(tokens: Any, codebook: Codebook, *, match: MatchMode = "lemma",
                 map_pieces: Any = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every match of the codebook's entries in the tokens, and the word tokens of every paragraph.

    ``tokens``: :class:`~textanalytics.preprocessing.Tokens` or a
    :class:`~textanalytics.preprocessing.TokenStore` (read chunk by chunk).

    Returns ``(hits, units)``: ``hits`` one row per match, ``statement_id,
    paragraph, position`` (of its first token), ``n_tokens`` (tokens spanned),
    ``category``, ``entry`` (as normalised in the codebook), ``matched`` (the
    lemma of a one-token match, the lower-cased words of a longer one), sorted
    by category order, statement, paragraph, position; ``units`` one row per
    paragraph (every paragraph of the corpus): ``statement_id, paragraph,
    tokens`` (word tokens of the stream, the denominator of rates).

    ``map_pieces`` (the Spark backend's :meth:`~textanalytics.spark.run.SparkRun.map_pieces`): each
    piece is matched where it is (:func:`piece_matches`, on an executor) and only its hits and
    paragraph sizes come back; the same tables.

    >>> hits, units = find_matches(tokens, read_codebook("seeds/themes.toml"))   # doctest: +SKIP
    """
    if match not in ("lemma", "surface"):
        raise InputError(f"[themes] match: expected 'lemma' or 'surface', got {match!r}")
    if map_pieces is not None:
        found = list(map_pieces(functools.partial(piece_matches, codebook=codebook, match=match)))
    else:
        found = [piece_matches(None, chunk, codebook=codebook, match=match) for chunk in tokens.chunk_tokens()]
    hit_parts, unit_parts = [h for h, _ in found], [u for _, u in found]
    hits = pd.concat(hit_parts, ignore_index=True)
    units = pd.concat(unit_parts, ignore_index=True).sort_values(["statement_id", "paragraph"], kind="stable")
    order = {c: i for i, c in enumerate(codebook.categories)}
    hits = hits.assign(_c=hits["category"].map(order)).sort_values(
        ["_c", "statement_id", "paragraph", "position", "entry"], kind="stable").drop(columns="_c")
    return hits.reset_index(drop=True), units.reset_index(drop=True)


def piece_matches(piece: Any, chunk: Any, *, codebook: Codebook,
                  match: MatchMode) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(hits, units)`` of one piece's tokens ``chunk`` (``piece``, its texts, is not needed)."""
    al = chunk.aliases
    variants = {"_".join(re.split(r"[\s_]+", str(v).lower().strip())): str(c)
                for v, c in zip(al["variant"], al["canonical"])} if len(al) and match == "lemma" else {}
    return _chunk_matches(chunk, codebook, match=match, canonical=set(variants.values()), variants=variants)


def _chunk_matches(chunk: Any, codebook: Codebook, *, match: MatchMode, canonical: set[str],
                   variants: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, lemma, surface, words = _streams(chunk.table, match, canonical)
    sid = rows["statement_id"].astype(str).to_numpy(dtype=object)
    par = rows["paragraph"].to_numpy(dtype=np.int64)
    pos = rows["position"].to_numpy(dtype=np.int64)
    unit = np.r_[0, np.cumsum((sid[1:] != sid[:-1]) | (par[1:] != par[:-1]))] if len(sid) else np.zeros(0, int)
    forms, codes = np.unique(np.concatenate([lemma, surface]).astype(str), return_inverse=True)
    lemma_code, surface_code = codes[:len(lemma)], codes[len(lemma):]
    sets = _word_sets(forms, codebook, variants)
    n = len(lemma)

    def hit(word: str) -> np.ndarray:
        mask = sets[word]
        return mask[lemma_code] | (mask[surface_code] & (surface != "")) if match == "lemma" else mask[lemma_code]

    records = []
    for cat in codebook.categories:
        cands = []  # (start, length, entry)
        for e in (e for e in codebook.entries if e.category == cat):
            m = len(e.words)
            ok = hit(e.words[0])
            if m > 1:
                ok = ok[:n - m + 1] if n >= m else np.zeros(0, bool)
                for j, w in enumerate(e.words[1:], start=1):
                    ok = ok & hit(w)[j:n - m + 1 + j] & (unit[j:n - m + 1 + j] == unit[:n - m + 1])
                one = sets["_".join(e.words)]
                cands += [(int(i), m, e.pattern) for i in np.flatnonzero(ok)]
                cands += [(int(i), 1, e.pattern) for i in np.flatnonzero(one[lemma_code])]
            else:
                cands += [(int(i), 1, e.pattern) for i in np.flatnonzero(ok)]
        cands.sort(key=lambda c: (c[0], -c[1], c[2]))
        end = -1
        for start, m, entry in cands:
            if start < end:
                continue
            end = start + m
            matched = (lemma[start] if match == "lemma" else surface[start]) if m == 1 else \
                " ".join(s or lemma[i] for i, s in zip(range(start, end), surface[start:end]))
            records.append((sid[start], par[start], pos[start], m, cat, entry, matched))
    hits = pd.DataFrame(records, columns=list(HIT_COLUMNS)).astype(
        {"statement_id": object, "paragraph": np.int64, "position": np.int64, "n_tokens": np.int64,
         "category": object, "entry": object, "matched": object})
    counted = pd.DataFrame({"statement_id": sid[words], "paragraph": par[words]})
    per = counted.value_counts(["statement_id", "paragraph"]).rename("tokens").reset_index()
    base = chunk.units[["statement_id", "paragraph"]].astype({"statement_id": str, "paragraph": np.int64})
    units = base.merge(per, on=["statement_id", "paragraph"], how="left")
    units["tokens"] = units["tokens"].fillna(0).astype(np.int64)
    return hits, units
