"""The canonical document-term matrix, and converters to scikit-learn / gensim.

Stage 3 of the pipeline: tokens -> :class:`DocumentTermMatrix`.

One matrix serves every later stage: sparse int64 counts, the sorted
vocabulary, and one row of ``units`` per matrix row. Models and comparisons
take it as it is; gensim's and scikit-learn's forms are produced only at the
edge (:meth:`DocumentTermMatrix.to_gensim`, :meth:`DocumentTermMatrix.to_sklearn`).

Modules: ``dtm`` (the :class:`DocumentTermMatrix` model, :class:`BowCorpus`),
``build`` (:func:`build_dtm` from tokens, :func:`dtm_from_texts` from any term
lists), ``pruning`` (document-frequency rules), ``groups`` (:func:`group_counts`),
``ubiquitous`` (:func:`ubiquitous_terms`, boilerplate in every group),
``config`` (:class:`VocabularyConfig`, light: no numpy, pandas or scipy). Every
public name is importable from here; the matrix modules load on first use.

Example
-------
>>> from textanalytics.features import dtm_from_texts
>>> units = ["a", "b", "c"]
>>> texts = [["war", "law", "law"], ["law", "peace"], ["war"]]
>>> dtm = dtm_from_texts(units, texts)
>>> dtm.vocabulary
('law', 'peace', 'war')
>>> dtm.counts.toarray().tolist()
[[2, 0, 1], [1, 1, 0], [0, 0, 1]]
>>> dtm.prune(min_df=2).vocabulary
('law', 'war')
>>> dtm.aggregate(["x", "x", "y"]).counts.toarray().tolist()
[[3, 1, 1], [0, 0, 1]]
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .config import VocabularyConfig

# Imported on first use (numpy, pandas, scipy.sparse): textanalytics.config needs only
# VocabularyConfig, and the CLI should start without them.
_EXPORTS = {
    "DocumentTermMatrix": "textanalytics.features.dtm",
    "BowCorpus": "textanalytics.features.dtm",
    "UNIT_COLUMNS": "textanalytics.features.dtm",
    "build_dtm": "textanalytics.features.build",
    "dtm_from_texts": "textanalytics.features.build",
    "sorted_id_codes": "textanalytics.features.build",
    "group_counts": "textanalytics.features.groups",
    "group_labels": "textanalytics.grouping",
    "ubiquitous_terms": "textanalytics.features.ubiquitous",
    "topic_model_matrix": "textanalytics.features.ubiquitous",
}

__getattr__, __dir__, _names = lazy_exports(__name__, _EXPORTS, eager=("VocabularyConfig",))
__all__ = ["VocabularyConfig", "DocumentTermMatrix", "BowCorpus", "build_dtm", "dtm_from_texts", "group_counts",
           "group_labels", "ubiquitous_terms", "topic_model_matrix"]
