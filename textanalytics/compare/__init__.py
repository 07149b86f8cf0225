"""Comparing vocabulary across statements and groups of statements.

Stage 4 of the pipeline: a :class:`~textanalytics.features.DocumentTermMatrix`
(plus the corpus for metadata) -> tidy tables.

- :func:`distinctive_terms` -> :class:`DistinctiveTerms` — TF-IDF top terms per
  statement or per group;
- :func:`keyness` -> :class:`KeynessResult` — G², log ratio, BH-adjusted
  p-values and dispersion, each group vs the rest or a chosen pair;
- :func:`similarity` -> :class:`SimilarityResult` — cosine similarity of
  statements, clustering, :func:`nearest_neighbours`;
- :func:`kwic` -> :class:`Concordance` — keyword in context for a word, lemma or phrase;
- :func:`lexical_stats` -> :class:`LexicalStats` — tokens, types, MATTR, mean sentence length;
- :func:`repeated_passages` -> :class:`RepeatedPassages` — passages found in many statements (page furniture);
- plots, each taking a result's table (``result.plot()`` calls them):
  :func:`plot_distinctive_terms`, :func:`plot_keyness`, :func:`plot_keyness_grid`,
  :func:`plot_similarity`, :func:`plot_lexical_stats`, :func:`plot_kwic`;
- groups of statements (one mapping for every comparison): :mod:`textanalytics.grouping`;
- array-level statistics in :mod:`textanalytics.compare.stats`.

Example
-------
>>> import textanalytics as ta
>>> corpus = ta.load_corpus("seeds")                                   # doctest: +SKIP
>>> dtm = ta.build_dtm(ta.preprocess(corpus), unit="paragraph")        # doctest: +SKIP
>>> res = ta.keyness(dtm, corpus=corpus, group_by="organisation")      # doctest: +SKIP
>>> res.top(10); res.plot(target="MFA")                                # doctest: +SKIP
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .config import CompareConfig

# Imported lazily: textanalytics.config imports this package for CompareConfig,
# and the CLI should not pay for matplotlib (and the matrix modules) at start-up.
_EXPORTS = {
    "distinctive_terms": "textanalytics.compare.distinctive",
    "DistinctiveTerms": "textanalytics.compare.distinctive",
    "group_tfidf": "textanalytics.compare.distinctive",
    "keyness": "textanalytics.compare.keywords",
    "KeynessResult": "textanalytics.compare.keywords",
    "similarity": "textanalytics.compare.docsim",
    "nearest_neighbours": "textanalytics.compare.docsim",
    "SimilarityResult": "textanalytics.compare.docsim",
    "kwic": "textanalytics.compare.concordance",
    "Concordance": "textanalytics.compare.concordance",
    "kwic_many": "textanalytics.compare.concordance",
    "kwic_pieces": "textanalytics.compare.concordance",
    "merge_kwic": "textanalytics.compare.concordance",
    "lexical_stats": "textanalytics.compare.lexical",
    "LexicalStats": "textanalytics.compare.lexical",
    "repeated_passages": "textanalytics.compare.passages",
    "RepeatedPassages": "textanalytics.compare.passages",
    "plot_distinctive_terms": "textanalytics.compare.plots",
    "plot_keyness": "textanalytics.compare.plots",
    "plot_keyness_grid": "textanalytics.compare.plots",
    "plot_similarity": "textanalytics.compare.plots",
    "plot_lexical_stats": "textanalytics.compare.plots",
    "plot_kwic": "textanalytics.compare.plots",
    "build_dtm": "textanalytics.features.build",
    "dtm_from_texts": "textanalytics.features.build",
    "group_counts": "textanalytics.features.groups",
    "group_labels": "textanalytics.grouping",
    "DocumentTermMatrix": "textanalytics.features.dtm",
    "VocabularyConfig": "textanalytics.features.config",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, eager=("CompareConfig",))
