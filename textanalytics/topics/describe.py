"""Describing topics: top terms (probability, relevance, FREX), labels, passages."""

from __future__ import annotations

from typing import Any, Literal

import numpy as np
import pandas as pd

from ..deprecation import keyword_only, renamed_keywords
from ..errors import InputError
from . import stats
from .model import TopicEnsemble, TopicModel

__all__ = ["describe_topics", "topic_labels", "representative_passages"]

Ranking = Literal["relevance", "weight", "frex"]


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


def _scores(model: TopicModel, lambda_: float, frex_weight: float) -> dict[str, np.ndarray]:
    return {
        "weight": model.topic_term,
        "relevance": stats.relevance(model.topic_term, model.term_probability, lambda_=lambda_),
        "frex": stats.frex(model.topic_term, weight=frex_weight),
    }


@renamed_keywords(by="rank_by")
def describe_topics(model: TopicModel | TopicEnsemble, *, lambda_: float = 0.6, top_n: int = 10,
                    rank_by: Ranking = "relevance", frex_weight: float = 0.5) -> pd.DataFrame:
    """Top terms of every topic with three scores.

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
        (was ``by``) Which score ranks the terms: ``"relevance"`` (default), ``"weight"``
        (probability) or ``"frex"``.
    frex_weight:
        Weight on exclusivity in FREX (0.5 = equal weight to frequency).

    Returns
    -------
    DataFrame
        ``topic, rank, term, weight, relevance, frex, unstable``: one row per
        topic × rank (rank 1 = best by ``rank_by``), sorted by ``topic, rank``.
        ``weight`` is P(term | topic); ``relevance`` is
        ``λ log P(w|k) + (1-λ) log(P(w|k) / P(w))``; ``frex`` is in (0, 1]
        (see :func:`textanalytics.topics.stats.frex`); ``unstable`` flags topics
        whose stability across seeds is below the threshold (<NA>: not measured).

    Example
    -------
    >>> describe_topics(model, top_n=5).query("topic == 1")     # doctest: +SKIP
    """
    m = _reference(model)
    if rank_by not in ("relevance", "weight", "frex"):
        raise InputError(f"rank_by: expected 'relevance', 'weight' or 'frex', got {rank_by!r}")
    if not 0.0 <= lambda_ <= 1.0:
        raise InputError(f"lambda_: must be between 0 and 1, got {lambda_}")
    if top_n < 1:
        raise InputError(f"top_n: must be at least 1, got {top_n}")
    scores = _scores(m, lambda_, frex_weight)
    idx = stats.top_term_indices(scores[rank_by], top_n)
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
        "unstable": unstable.take(rows),
    })


@renamed_keywords(n_terms="top_n")
def topic_labels(model: TopicModel | TopicEnsemble, *, lambda_: float = 0.6, top_n: int = 3) -> pd.DataFrame:
    """A short label per topic plus its share, coherence and stability.

    The label joins the ``top_n`` most relevant terms (λ = ``lambda_``) with
    ``" / "``. Labels are made unique: should two topics share a label, the
    later one gets its next relevant term appended.

    Returns
    -------
    DataFrame
        ``topic, label, share, stability, unstable, c_npmi, c_v``, sorted by
        topic (which is by share, descending). ``share`` is the topic's share of
        all modelled tokens; ``stability`` the mean top-term Jaccard agreement
        with the matched topic of the fits with other seeds (NaN for a single
        fit); ``unstable`` = stability below ``config.stability_threshold``.

    Example
    -------
    >>> topic_labels(model)                                    # doctest: +SKIP
       topic                              label  share  stability  unstable ...
    0      1  terrorism / international / fight   0.21       0.82     False ...
    """
    m = _reference(model)
    rel = stats.relevance(m.topic_term, m.term_probability, lambda_=lambda_)
    ranked = stats.top_term_indices(rel, min(len(m.vocabulary), top_n + m.k))
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
    table = m.topic_table()
    return pd.DataFrame({
        "topic": table["topic"],
        "label": labels,
        "share": table["share"],
        "stability": table["stability"],
        "unstable": table["unstable"],
        "c_npmi": table["c_npmi"],
        "c_v": table["c_v"],
    })


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
