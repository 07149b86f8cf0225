"""Phrases learned from the corpus with NPMI, vectorised over term-id arrays.

The scoring is gensim's ``Phrases(scoring="npmi")`` (Bouma 2009)::

    npmi(a, b) = ln(p(a,b) / (p(a) p(b))) / -ln(p(a,b)),   p(x) = count(x) / N

with ``N`` the number of kept tokens. A pair of adjacent kept terms becomes a
phrase when it occurs at least ``min_count`` times and its NPMI is above
``threshold``. "Adjacent" means consecutive among kept tokens of one sentence
with nothing but parts of an alias or phrase between them: a stopword,
punctuation or number between two words blocks the pair (gensim without
connector words). Phrases are applied left to right without overlap, as gensim
does, and a second pass on the result joins phrases of up to four words.

Why not call gensim: its vocabulary pass is pure Python (about 1 µs per token
and a dict entry per distinct pair), while counting pairs as int64 keys with
``np.unique`` costs a few milliseconds per million tokens and gives the same
scores (a test checks them against gensim).

:func:`learn_phrases` runs the passes over all chunks of a run (:mod:`.passes`):
counts add up over chunks, so chunked and whole runs learn the same phrases;
:func:`phrase_table` is the ``Tokens.phrases`` table.

Example
-------
>>> import numpy as np
>>> terms = np.array([0, 1, 2, 0, 1, 3, 0, 1, 2, 3])
>>> scored = score_pairs(terms, adjacent=np.ones(9, bool), min_count=2, threshold=0.5)
>>> scored[["a", "b", "count"]].values.tolist(), scored["score"].round(3).tolist()
([[0, 1, 3], [1, 2, 2]], [1.0, 0.748])
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .config import PreprocessConfig
from .spool import Spool
from .state import REASON_CODE, Vocab, Work

logger = logging.getLogger(__name__)


def count_pairs(terms: np.ndarray, *, adjacent: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct adjacent pairs as keys ``a * width + b`` (sorted) and their counts.

    Counts from separate pieces of a corpus add up (:func:`merge_pair_counts`):
    pairs never cross a sentence, so a corpus can be counted in chunks.
    """
    terms = np.asarray(terms, dtype=np.int64)
    if len(terms) < 2:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = terms[:-1][adjacent]
    second = terms[1:][adjacent]
    keys, counts = np.unique(first * width + second, return_counts=True)
    return keys, counts.astype(np.int64)


def merge_pair_counts(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``(keys, counts)`` pair counts of several chunks (keys sorted in the result)."""
    keys = np.concatenate([k for k, _ in parts]) if parts else np.zeros(0, np.int64)
    counts = np.concatenate([c for _, c in parts]) if parts else np.zeros(0, np.int64)
    if not len(keys):
        return keys.astype(np.int64), counts.astype(np.int64)
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, np.bincount(inverse, weights=counts, minlength=len(uniq)).astype(np.int64)


def npmi(*, pair_counts: np.ndarray, count_a: np.ndarray, count_b: np.ndarray, total: int) -> np.ndarray:
    """NPMI of pairs from their counts, their terms' counts and the kept tokens (-inf where undefined).

    One element's score depends on that element alone, so scoring the pairs in pieces (on Spark's
    executors) gives the same numbers as scoring them at once.

    >>> npmi(pair_counts=np.array([2]), count_a=np.array([2]), count_b=np.array([2]), total=4).round(3)
    array([1.])
    """
    p_ab = pair_counts / total
    p_a, p_b = count_a / total, count_b / total
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.log(p_ab / (p_a * p_b)) / -np.log(p_ab)
    # p(a,b) = 1 only for a one-pair corpus; gensim scores it +inf/NaN too, drop it.
    return np.where(np.isfinite(score), score, -np.inf)


def score_counts(*, unigram: np.ndarray, total: int, pair_keys: np.ndarray, pair_counts: np.ndarray,
                 width: int, min_count: int, threshold: float) -> pd.DataFrame:
    """NPMI of counted pairs (see the module docstring); those above ``threshold``.

    ``unigram[t]`` counts kept term ``t``, ``total`` the kept tokens. Returns
    ``a, b, count, score`` sorted by ``(a, b)``.
    """
    empty = pd.DataFrame({"a": np.zeros(0, np.int64), "b": np.zeros(0, np.int64),
                          "count": np.zeros(0, np.int64), "score": np.zeros(0, float)})
    frequent = pair_counts >= min_count
    pair_keys, pair_counts = pair_keys[frequent], pair_counts[frequent]
    if total < 2 or not len(pair_keys):
        return empty
    a, b = pair_keys // width, pair_keys % width
    score = npmi(pair_counts=pair_counts, count_a=unigram[a], count_b=unigram[b], total=total)
    chosen = score > threshold
    return pd.DataFrame({"a": a[chosen], "b": b[chosen], "count": pair_counts[chosen],
                         "score": score[chosen]})


def score_pairs(terms: np.ndarray, *, adjacent: np.ndarray, min_count: int,
                threshold: float) -> pd.DataFrame:
    """Score adjacent term pairs; return those above ``threshold``.

    ``terms`` is the stream of kept term ids; ``adjacent[j]`` says whether
    ``terms[j]`` and ``terms[j + 1]`` form a candidate pair. Returns a table
    ``a, b, count, score`` sorted by ``(a, b)``.

    >>> import numpy as np
    >>> score_pairs(np.array([0, 1]), adjacent=np.array([True]), min_count=2, threshold=0.0).empty
    True
    """
    terms = np.asarray(terms, dtype=np.int64)
    if len(terms) < 2:
        return score_counts(unigram=np.zeros(0, np.int64), total=len(terms), pair_keys=np.zeros(0, np.int64),
                            pair_counts=np.zeros(0, np.int64), width=1, min_count=min_count,
                            threshold=threshold)
    width = int(terms.max()) + 1
    keys, counts = count_pairs(terms, adjacent=adjacent, width=width)
    return score_counts(unigram=np.bincount(terms, minlength=width), total=len(terms), pair_keys=keys,
                        pair_counts=counts, width=width, min_count=min_count, threshold=threshold)


def greedy_starts(candidate: np.ndarray) -> np.ndarray:
    """Positions where a pair is joined, left to right without overlap.

    In a run of consecutive candidate positions the 1st, 3rd, 5th ... are
    joined (joining ``j`` consumes ``j + 1``).

    >>> import numpy as np
    >>> greedy_starts(np.array([True, True, True, False, True])).tolist()
    [0, 2, 4]
    """
    candidate = np.asarray(candidate, dtype=bool)
    if not candidate.any():
        return np.zeros(0, dtype=np.int64)
    idx = np.arange(len(candidate))
    # Start of the current run for every position (run = consecutive True values).
    run_start = np.maximum.accumulate(np.where(candidate & ~np.r_[False, candidate[:-1]], idx, 0))
    accept = candidate & ((idx - run_start) % 2 == 0)
    return np.flatnonzero(accept)


# -- learning and joining phrases over a run's chunks ------------------------------------------

def _pair_stream(w: Work, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of kept tokens, and whether each one and the next may form a phrase.

    A stopword, punctuation or number between two kept tokens blocks the pair
    (parts of an alias or phrase do not); so does a sentence boundary or a
    resolution number (``fixed``).
    """
    stream = np.flatnonzero(keep)
    if len(stream) < 2:
        return stream, np.zeros(0, dtype=bool)
    blocking = ~keep & (w.reason != REASON_CODE["alias_part"]) & (w.reason != REASON_CODE["phrase_part"])
    blocked = np.cumsum(blocking)
    left, right = stream[:-1], stream[1:]
    adjacent = ((w.sentence[left] == w.sentence[right]) & (blocked[right] - blocked[left] == 0)
                & ~w.fixed[left] & ~w.fixed[right])
    return stream, adjacent


@dataclass(frozen=True)
class _PhrasePlan:
    """The pairs one phrase pass joins: sorted keys ``a * width + b`` and their phrase ids."""

    width: int
    keys: np.ndarray
    ids: np.ndarray
    first_ok: np.ndarray
    second_ok: np.ndarray


def _plan_phrases(scored: pd.DataFrame, *, width: int, vocab: Vocab, scores: dict[int, float]) -> _PhrasePlan:
    a, b = scored["a"].to_numpy(), scored["b"].to_numpy()
    keys = a * width + b  # sorted: scored is sorted by (a, b)
    ids = np.empty(len(keys), dtype=np.int64)
    for i, (x, y, score) in enumerate(zip(a.tolist(), b.tolist(), scored["score"].tolist())):
        ids[i] = pid = vocab.id(f"{vocab.strings[x]}_{vocab.strings[y]}")
        scores.setdefault(pid, score)
    first_ok = np.zeros(width, dtype=bool)
    second_ok = np.zeros(width, dtype=bool)
    first_ok[a] = True
    second_ok[b] = True
    return _PhrasePlan(width=width, keys=keys, ids=ids, first_ok=first_ok, second_ok=second_ok)


def _join_phrases(w: Work, keep: np.ndarray, plan: _PhrasePlan) -> np.ndarray:
    """Join the planned pairs left to right without overlap (in place); return the joined keys."""
    stream, adjacent = _pair_stream(w, keep)
    if not len(adjacent):
        return np.zeros(0, np.int64)
    terms = w.term[stream].astype(np.int64)
    pair_key = terms[:-1] * plan.width + terms[1:]
    # Pairs whose first and second terms both occur in a chosen pair, then an exact lookup.
    maybe = np.flatnonzero(adjacent & plan.first_ok[terms[:-1]] & plan.second_ok[terms[1:]])
    at = np.minimum(np.searchsorted(plan.keys, pair_key[maybe]), len(plan.keys) - 1)
    candidate = np.zeros(len(adjacent), dtype=bool)
    candidate[maybe[plan.keys[at] == pair_key[maybe]]] = True
    joined = greedy_starts(candidate)
    if len(joined):
        hit = pair_key[joined]
        heads, tails = stream[joined], stream[joined + 1]
        w.term[heads] = plan.ids[np.searchsorted(plan.keys, hit)]
        keep[tails] = False
        w.reason[tails] = REASON_CODE["phrase_part"]
        return hit
    return np.zeros(0, np.int64)


def learn_phrases(spool: Spool, *, config: PreprocessConfig, vocab: Vocab) -> dict[int, float]:
    """Step 6 over all chunks: count pairs, score, join; ``phrase_passes`` times.

    Counts add up over chunks (pairs never cross a sentence), so a chunked run
    learns exactly the phrases a single pass over the whole corpus does.
    """
    scores: dict[int, float] = {}
    for round_ in range(config.phrase_passes):
        width = len(vocab.strings)
        unigram = np.zeros(width, dtype=np.int64)
        total = 0
        pairs: list[tuple[np.ndarray, np.ndarray]] = []
        for i in range(len(spool)):
            c = spool.get(i)
            stream, adjacent = _pair_stream(c.w, c.keep)
            terms = c.w.term[stream].astype(np.int64)
            unigram += np.bincount(terms, minlength=width)
            total += len(terms)
            pairs.append(count_pairs(terms, adjacent=adjacent, width=width))
            if len(pairs) >= 8:  # bound memory: merge as we go
                pairs = [merge_pair_counts(*pairs)]
        if total < 2:
            break
        keys, counts = merge_pair_counts(*pairs)
        del pairs
        scored = score_counts(unigram=unigram, total=total, pair_keys=keys, pair_counts=counts, width=width,
                              min_count=config.phrase_min_count, threshold=config.phrase_threshold)
        if scored.empty:
            break
        plan = _plan_phrases(scored, width=width, vocab=vocab, scores=scores)
        n_joined, distinct = 0, []
        for i in range(len(spool)):
            c = spool.get(i)
            hit = _join_phrases(c.w, c.keep, plan)
            spool.put(i, c)
            n_joined += len(hit)
            distinct.append(np.unique(hit))
        if not n_joined:
            break
        logger.info("preprocessing: phrase pass %d joined %d pairs (%d distinct phrases)",
                    round_ + 1, n_joined, len(np.unique(np.concatenate(distinct))))
    return scores


def phrase_table(rows: list[tuple[int, str, float]], counts: np.ndarray, vocab: Vocab) -> pd.DataFrame:
    """Phrases whose term is in use (``counts`` of kept terms by id), in the documented order."""
    seen: set[int] = set()
    out = []
    for pid, source, score in rows:
        if pid in seen or counts[pid] == 0:
            continue
        seen.add(pid)
        out.append((vocab.strings[pid], source, int(counts[pid]), float(score)))
    phrases = pd.DataFrame(out, columns=["phrase", "source", "count", "score"])
    phrases = phrases.astype({"phrase": str, "source": str, "count": "int64", "score": "float64"})
    if len(phrases):
        phrases = (phrases.assign(_neg=-phrases["score"].fillna(np.inf))
                   .sort_values(["source", "_neg", "phrase"], kind="stable")
                   .drop(columns="_neg").reset_index(drop=True))
    return phrases


# Public names of the steps of one phrase pass, for passes driven from outside this process
# (textanalytics.spark: pair counts added up by Spark, scored once on the driver).
pair_stream = _pair_stream
plan_phrases = _plan_phrases
join_phrases = _join_phrases
