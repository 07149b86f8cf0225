"""The ``[vocabulary]`` section: how the document-term matrix is pruned.

A light module (no numpy, pandas or scipy): :mod:`textanalytics.config` reads
it at start-up; :mod:`textanalytics.features` re-exports it.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["VocabularyConfig"]


@dataclass(frozen=True)
class VocabularyConfig:
    """``[vocabulary]`` section: pruning of the document-term matrix.

    ``min_df``/``max_df`` are counts when ``int`` / fractions when ``float`` in
    [0, 1], as in scikit-learn. ``max_features=0`` keeps all terms.

    ``max_df = 0.7`` (it was 0.5): topic shares count every kept token, pruned
    or not (:mod:`textanalytics.topics.kept_tokens`), so pruning no longer
    biases them, but it still decides which words the topics are made of. On
    simulated corpora whose topics' main words are in most units
    (``benchmarks/validate_topics.py``, pruning check) 0.5 removed 47 % of the
    tokens and lowered the recovery of the planted topics (cosine 0.94), while
    0.7 recovered them as well as no pruning (0.996 against 0.998) with the
    same bias and coverage of a planted difference. On news_articles 0.7
    removes only "say" (in more than 70 % of articles), on the Commons sample
    and the seeds nothing.
    Words used everywhere are better removed by stopwords than by ``max_df``.

    Checked when made: an int ``max_df`` below 2 (``1`` for "every unit" is ``1.0``) and a
    ``min_df`` above a ``max_df`` of the same kind are errors.

    ``ubiquitous_share`` (0 = off) removes from the topic-model matrix, before
    the document-frequency pruning, the terms found in more than this share of
    the units of every group (of at least 10 units) of the first usable
    ``[compare] group_by`` column, or of the whole corpus without one: see
    :func:`textanalytics.features.ubiquitous_terms`. Comparisons keep them.

    >>> VocabularyConfig(max_df=1)
    Traceback (most recent call last):
    ...
    textanalytics.errors.InputError: [vocabulary] max_df = 1: keeps only terms found in a single unit; a proportion needs a decimal point (1.0 = every unit) or give a number of units of at least 2
    """

    min_df: int | float = 2
    max_df: int | float = 0.7
    max_features: int = 0
    ubiquitous_share: float = 0.4

    def __post_init__(self) -> None:
        from ..corpus.config import FieldChecks  # deferred: the corpus package loads pandas, numpy

        check = FieldChecks(self, "vocabulary")
        check.document_frequency("min_df")
        check.document_frequency("max_df")
        check.df_pair()
        check.integer("max_features", minimum=0, problem="must be 0 (all) or positive")
        check.number("ubiquitous_share", minimum=0.0, maximum=1.0, max_open=True,
                     problem="must be a share in [0, 1): 0 turns the list off, 0.4 leaves out of the topic "
                             "model the terms found in more than 40 % of the units of every group")

