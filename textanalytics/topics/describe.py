"""Describing topics: top terms (probability, relevance, FREX, lift, score), labels, passages.

Labels name what distinguishes a topic, not what every topic shares: by
default the three terms of highest FREX (stm's ``labelTopics`` with its
word-count shrinkage), with relevance (LDAvis, λ = 0.6), lift and score as
alternatives and the most probable terms kept beside them (``prob_terms``).
Every ranking can leave out a set of terms (``exclude``), e.g. terms found in
most units of every group, so that such terms never lead a label.
"""

from __future__ import annotations

import math

import warnings
from typing import Any, Collection, Literal

import numpy as np
import pandas as pd

from ..deprecation import keyword_only, renamed_keywords
from ..errors import InputError
from . import stats
from .model import TopicEnsemble, TopicModel

__all__ = ["describe_topics", "topic_labels", "representative_passages"]

Ranking = Literal["relevance", "weight", "frex", "lift", "score"]
LabelRanking = Literal["frex", "relevance", "weight", "lift", "score"]

#: Rankings and the column of :func:`topic_labels` that lists their top terms.
RANKINGS = ("frex", "relevance", "weight", "lift", "score")
TERM_COLUMNS = {"frex": "frex_terms", "relevance": "relevance_terms", "weight": "prob_terms",
                "lift": "lift_terms", "score": "score_terms"}


def _reference(model: TopicModel | TopicEnsemble) -> TopicModel:
    if isinstance(model, TopicEnsemble):
        return model.reference
    if isinstance(model, TopicModel):
        return model
    raise InputError(f"model: expected a TopicModel or TopicEnsemble, got {type(model).__name__}")


def _unstable_column(model: TopicModel) -> pd.arrays.BooleanArray:
    """``unstable`` per topic; <NA> when stability was not measured (a single fit)."""
    flags = model.unstable
    return pd.array([pd.NA] * model.k if flags is None else flags.tolist(), dtype="boolean")


def _scores(model: TopicModel, lambda_: float, frexweight: float) -> dict[str, np.ndarray]:
    """Every ranking score, ``(K, V)`` each; lift and FREX's shrinkage use the modelled term counts."""
    phi, counts = model.topic_term, model.term_counts
    return {
        "weight": phi,
        "relevance": stats.relevance(phi, model.term_probability, lambda_=lambda_),
        "frex": stats.frex(phi, w=frexweight, wordcounts=counts),
        "lift": stats.lift(phi, counts),
        "score": stats.term_score(phi),
    }


def _excluded(model: TopicModel, exclude: Collection[str] | None) -> np.ndarray | None:
    """Columns of the vocabulary in ``exclude`` (None: nothing to exclude)."""
    if exclude is None:
        return None
    if isinstance(exclude, str):
        raise InputError("exclude: expected a collection of terms, got a single string")
    drop = set(exclude)
    cols = np.array([j for j, t in enumerate(model.vocabulary) if t in drop], dtype=int)
    return cols if len(cols) else None


def _rare(model: TopicModel, min_statements: int) -> np.ndarray | None:
    """Columns of terms used in fewer than ``min_statements`` statements, asking at most 1 % of the
    model's statements (None: no floor applies)."""
    if isinstance(min_statements, bool) or not isinstance(min_statements, (int, np.integer)) or min_statements < 0:
        raise InputError(f"min_statements: must be an integer of at least 0, got {min_statements!r}")
    if model.term_statements is None:
        return None
    floor = min(int(min_statements), math.ceil(LABEL_MAX_SHARE * model.units["statement_id"].nunique() - 1e-9))
    if floor <= 1:
        return None
    cols = np.flatnonzero(np.asarray(model.term_statements) < floor)
    return cols if len(cols) else None


#: The most of a model's statements a label term is asked to be in (``min_statements`` is capped at it).
LABEL_MAX_SHARE = 0.01


def _ranked(score: np.ndarray, n: int, excluded: np.ndarray | None) -> np.ndarray:
    """Top-``n`` column indices per row, excluded columns never chosen (ties by column index)."""
    if excluded is not None:
        score = score.copy()
        score[:, excluded] = -np.inf
        n = min(n, score.shape[1] - len(excluded))
    return stats.top_term_indices(score, max(n, 0))


def _frexweight(frexweight: float, frex_weight: float | None, func: str) -> float:
    """``frexweight`` (stm's: on frequency), or the deprecated ``frex_weight`` (on exclusivity) turned into it."""
    if frex_weight is None:
        return frexweight
    warnings.warn(f"{func}(frex_weight=...) is deprecated: its weight was on exclusivity; use "
                  "frexweight=1 - frex_weight (weight on frequency, as stm's labelTopics)",
                  DeprecationWarning, stacklevel=3)
    return round(1.0 - frex_weight, 12)


def _check(lambda_: float, top_n: int) -> None:
    if not 0.0 <= lambda_ <= 1.0:
        raise InputError(f"lambda_: must be between 0 and 1, got {lambda_}")
    if top_n < 1:
        raise InputError(f"top_n: must be at least 1, got {top_n}")


@renamed_keywords(by="rank_by")
def describe_topics(model: TopicModel | TopicEnsemble, *, lambda_: float = 0.6, top_n: int = 10,
                    rank_by: Ranking = "relevance", frexweight: float = 0.5,
                    exclude: Collection[str] | None = None, frex_weight: float | None = None,
                    min_statements: int = 5) -> pd.DataFrame:
    """Top terms of every topic with five scores.

    Parameters
    ----------
    model:
        A :class:`TopicModel` (or a :class:`TopicEnsemble`: its reference fit).
    lambda_:
        λ of relevance (Sievert & Shirley 2014): 1 ranks by probability in the
        topic, 0 by lift; 0.6 is their recommendation for interpretation.
    top_n:
        Terms per topic.
    rank_by:
        (was ``by``) Which score ranks the terms: ``"relevance"`` (default),
        ``"weight"`` (probability), ``"frex"``, ``"lift"`` or ``"score"``.
    frexweight:
        FREX's weight on frequency, as stm's ``labelTopics(frexweight=)`` and
        ``calcfrex(w=)``: 0.5 = equal weight, smaller = more exclusive terms.
    exclude:
        Terms never listed (e.g. terms used everywhere); None = none.
    frex_weight:
        Deprecated: the old weight on *exclusivity*, ``frexweight = 1 − frex_weight``.
    min_statements:
        A term used in fewer statements is not listed, as in :func:`topic_labels` (the same
        floor as ``[topics] label_min_statements``, asking at most 1 % of the statements;
        0 = off). Not applied when ``rank_by = "weight"``: the most probable terms are listed
        as they are. Needs the model's ``term_statements`` (else no floor).

    Returns
    -------
    DataFrame
        ``topic, rank, term, weight, relevance, frex, lift, score, unstable``:
        one row per topic × rank (rank 1 = best by ``rank_by``), sorted by
        ``topic, rank``. ``weight`` is P(term | topic); ``relevance`` is
        ``λ log P(w|k) + (1-λ) log(P(w|k) / P(w))`` with ``P(w)`` the term's
        share of the modelled tokens; ``frex`` in (0, 1] is stm's with the
        word-count shrinkage of ``labelTopics`` (:func:`~textanalytics.topics.stats.frex`);
        ``lift`` = ``log P(w|k) − log P(w)`` and ``score`` stm's term score
        (:func:`~textanalytics.topics.stats.term_score`); ``unstable`` flags topics
        whose stability across seeds is below the threshold (<NA>: not measured).

    Example
    -------
    >>> describe_topics(model, top_n=5).query("topic == 1")     # doctest: +SKIP
    """
    m = _reference(model)
    if rank_by not in RANKINGS:
        raise InputError(f"rank_by: expected one of {', '.join(map(repr, RANKINGS))}, got {rank_by!r}")
    _check(lambda_, top_n)
    scores = _scores(m, lambda_, _frexweight(frexweight, frex_weight, "describe_topics"))
    excluded = _excluded(m, exclude)
    rare = _rare(m, min_statements)
    if rare is not None and rank_by != "weight":
        excluded = rare if excluded is None else np.union1d(excluded, rare)
    idx = _ranked(scores[rank_by], top_n, excluded)
    n = idx.shape[1]
    rows = np.repeat(np.arange(m.k), n)
    cols = idx.ravel()
    vocab = np.asarray(m.vocabulary, dtype=object)
    unstable = _unstable_column(m)
    return pd.DataFrame({
        "topic": rows + 1,
        "rank": np.tile(np.arange(1, n + 1), m.k),
        "term": vocab[cols],
        "weight": scores["weight"][rows, cols],
        "relevance": scores["relevance"][rows, cols],
        "frex": scores["frex"][rows, cols],
        "lift": scores["lift"][rows, cols],
        "score": scores["score"][rows, cols],
        "unstable": unstable.take(rows),
    })


@renamed_keywords(n_terms="top_n")
def topic_labels(model: TopicModel | TopicEnsemble, *, lambda_: float = 0.6, top_n: int = 3,
                 label_by: LabelRanking = "frex", frexweight: float = 0.5, n_listed: int = 7,
                 exclude: Collection[str] | None = None, min_statements: int = 5) -> pd.DataFrame:
    """A short label per topic, its top terms by every ranking, and its share, coherence and stability.

    The label joins the ``top_n`` best terms by ``label_by`` with ``" / "``:
    by default FREX (stm's ``labelTopics``: frequency and exclusivity weighed
    by ``frexweight``, exclusivity shrunk for rare terms), so that a label
    names what sets the topic apart rather than the words every topic uses.
    Labels are made unique: should two topics share a label, the later one
    gets its next term appended.

    Parameters
    ----------
    lambda_:
        λ of the relevance ranking (0.6, Sievert & Shirley 2014).
    top_n:
        Terms in the label.
    label_by:
        ``"frex"`` (default), ``"relevance"``, ``"weight"`` (most probable),
        ``"lift"`` or ``"score"``.
    frexweight:
        FREX's weight on frequency (stm's ``frexweight``; 0.5 = equal).
    n_listed:
        Terms in each ``*_terms`` column (stm's ``labelTopics`` shows 7).
    exclude:
        Terms that never appear in a label or in the ``frex_terms``,
        ``relevance_terms``, ``lift_terms`` and ``score_terms`` columns
        (``prob_terms`` lists the model's most probable terms as they are).
    min_statements:
        Terms used in fewer statements are left out the same way (``[topics]
        label_min_statements``; needs the model's ``term_statements``, which fits
        of a matrix have), but never more than 1 % of the model's statements is asked:
        with 100 statements or fewer every term stays; 0 = off.

    Returns
    -------
    DataFrame
        ``topic, label, share, stability, unstable, c_npmi, c_v, frex_terms,
        relevance_terms, prob_terms, lift_terms, score_terms``, sorted by topic
        (which is by share, descending). ``share`` is the topic's share of all
        modelled tokens; ``stability`` the mean top-term Jaccard agreement with
        the matched topic of the fits with other seeds (NaN for a single fit);
        ``unstable`` = stability below ``config.stability_threshold``; each
        ``*_terms`` column joins the ``n_listed`` best terms of one ranking
        with ``", "`` (``prob_terms``: by probability, as stm's "Highest Prob").

    Example
    -------
    >>> topic_labels(model)[["topic", "label", "prob_terms"]]        # doctest: +SKIP
       topic                          label                                  prob_terms
    0      1  counter_terrorism / un / ctc   terrorism, international, un, ...
    """
    m = _reference(model)
    if label_by not in RANKINGS:
        raise InputError(f"label_by: expected one of {', '.join(map(repr, RANKINGS))}, got {label_by!r}")
    _check(lambda_, top_n)
    if n_listed < 1:
        raise InputError(f"n_listed: must be at least 1, got {n_listed}")
    scores = _scores(m, lambda_, frexweight)
    excluded = _excluded(m, exclude)
    rare = _rare(m, min_statements)
    if rare is not None:
        excluded = rare if excluded is None else np.union1d(excluded, rare)
    ranked = _ranked(scores[label_by], top_n + m.k, excluded)
    labels: list[str] = []
    seen: set[str] = set()
    for row in ranked:
        terms = [m.vocabulary[j] for j in row]
        label = " / ".join(terms[:top_n])
        extra = top_n
        while label in seen and extra < len(terms):
            label = f"{label} / {terms[extra]}"
            extra += 1
        seen.add(label)
        labels.append(label)
    # Named topics (a codebook's seeded topics, dictionary categories) keep their names as labels.
    names = m.params.get("topic_names") or []
    labels = [str(names[i]) if i < len(names) and names[i] else lab for i, lab in enumerate(labels)]
    table = m.topic_table()
    out = pd.DataFrame({
        "topic": table["topic"],
        "label": labels,
        "share": table["share"],
        "stability": table["stability"],
        "unstable": table["unstable"],
        "c_npmi": table["c_npmi"],
        "c_v": table["c_v"],
    })
    for name in RANKINGS:
        idx = _ranked(scores[name], n_listed, None if name == "weight" else excluded)
        out[TERM_COLUMNS[name]] = [", ".join(m.vocabulary[j] for j in row) for row in idx]
    return out


@keyword_only("corpus")
@renamed_keywords(n="top_n")
def representative_passages(model: TopicModel | TopicEnsemble, *, corpus: Any, top_n: int = 3,
                            min_terms: int = 5) -> pd.DataFrame:
    """The units most devoted to each topic, with their text and statement metadata.

    Units are ranked by their topic proportion (ties by unit order). Units with
    fewer than ``min_terms`` modelled terms are skipped (a three-word paragraph
    reaches a proportion near 1 by chance), unless no unit has that many.

    Parameters
    ----------
    model:
        :class:`TopicModel` or :class:`TopicEnsemble`.
    corpus:
        The :class:`~textanalytics.corpus.Corpus` the matrix was built from
        (its ``paragraphs`` give the text of paragraph units, its ``statements``
        the metadata and the text of statement units).
    top_n:
        Passages per topic (was ``n``).

    Returns
    -------
    DataFrame
        ``topic, rank, statement_id, paragraph, weight, n_terms, unstable, text``
        followed by the statement metadata (``title, date, year, speaker,
        organisation, genre`` and any other column except ``text``/``n_words``),
        sorted by ``topic, rank``. With a text-free corpus index (a streamed
        report's), ``text`` is missing (``<NA>``) for the caller to fill.

    Example
    -------
    >>> representative_passages(model, corpus=corpus, top_n=2)[["topic", "speaker", "text"]]   # doctest: +SKIP
    """
    m = _reference(model)
    statements = getattr(corpus, "statements", None)
    paragraphs = getattr(corpus, "paragraphs", None)
    if not isinstance(statements, pd.DataFrame):
        raise InputError("corpus: expected the Corpus the matrix was built from (with .statements and .paragraphs)")
    if top_n < 1:
        raise InputError(f"top_n: must be at least 1, got {top_n}")
    units = m.units
    eligible = units["n_terms"].to_numpy() >= min_terms
    unstable = _unstable_column(m)
    picks = []
    order_index = np.arange(len(units))
    for t in range(m.k):
        w = m.doc_topic[:, t]
        pool = np.flatnonzero(eligible) if eligible.any() else order_index
        # Highest weight first; ties by unit order (lexsort: last key is primary).
        ranked = pool[np.lexsort((pool, -w[pool]))][:top_n]
        for rank, i in enumerate(ranked, start=1):
            picks.append((t + 1, rank, i, w[i]))
    idx = np.array([p[2] for p in picks], dtype=int)
    out = pd.DataFrame({
        "topic": [p[0] for p in picks],
        "rank": [p[1] for p in picks],
        "statement_id": units["statement_id"].to_numpy()[idx],
        "paragraph": units["paragraph"].array.take(idx),
        "weight": [p[3] for p in picks],
        "n_terms": units["n_terms"].to_numpy()[idx],
        "unstable": unstable.take(np.array([p[0] - 1 for p in picks], dtype=int)),
    })
    meta = statements.drop(columns=[c for c in ("text", "n_words") if c in statements.columns])
    meta = meta.assign(statement_id=meta["statement_id"].astype(str))
    if "text" not in statements.columns or (isinstance(paragraphs, pd.DataFrame) and "text" not in paragraphs.columns):
        out["text"] = pd.Series(pd.NA, index=out.index, dtype=object)
    elif out["paragraph"].notna().any() and isinstance(paragraphs, pd.DataFrame):
        para = paragraphs[["statement_id", "paragraph", "text"]].assign(
            statement_id=paragraphs["statement_id"].astype(str),
            paragraph=pd.array(paragraphs["paragraph"], dtype="Int64"))
        out = out.merge(para, on=["statement_id", "paragraph"], how="left")
    else:
        text = statements[["statement_id", "text"]].assign(statement_id=statements["statement_id"].astype(str))
        out = out.merge(text, on="statement_id", how="left")
    out = out.merge(meta, on="statement_id", how="left")
    return out.sort_values(["topic", "rank"], kind="stable").reset_index(drop=True)
