"""textanalytics: topic modelling and comparative text analytics for researchers.

The pipeline flows one way, one module per stage::

    corpus  ->  preprocess  ->  features   ->  compare / topics  ->  report
    Corpus      Tokens          DocumentTermMatrix   tidy tables       reports/

Example
-------
>>> import textanalytics as ta
>>> corpus = ta.load_corpus("seeds")                    # doctest: +SKIP
>>> tokens = ta.preprocess(corpus)                      # doctest: +SKIP
>>> dtm = ta.build_dtm(tokens, unit="paragraph")        # doctest: +SKIP
>>> ta.keyness(dtm, corpus=corpus, group_by="organisation")   # doctest: +SKIP
"""

from __future__ import annotations

import logging

from ._lazy import lazy_exports

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

# Public name -> module that defines it. Imported lazily so that
# ``import textanalytics`` stays fast and the CLI starts quickly.
_EXPORTS = {
    "load_corpus": "textanalytics.corpus",
    "Corpus": "textanalytics.corpus",
    "preprocess": "textanalytics.preprocessing",
    "Tokens": "textanalytics.preprocessing",
    "PreprocessConfig": "textanalytics.preprocessing",
    "preprocess_chunks": "textanalytics.preprocessing",
    "TokenStore": "textanalytics.preprocessing",
    "corpus_chunks": "textanalytics.corpus",
    "iter_table_chunks": "textanalytics.corpus",
    "iter_corpus_from_config": "textanalytics.corpus",
    "build_dtm": "textanalytics.features.build",
    "DocumentTermMatrix": "textanalytics.features.dtm",
    "distinctive_terms": "textanalytics.compare",
    "keyness": "textanalytics.compare",
    "similarity": "textanalytics.compare",
    "kwic": "textanalytics.compare",
    "lexical_stats": "textanalytics.compare",
    "repeated_passages": "textanalytics.compare",
    "fit_topics": "textanalytics.topics",
    "select_k": "textanalytics.topics",
    "fit_topic_ensemble": "textanalytics.topics",
    "describe_topics": "textanalytics.topics",
    "topic_labels": "textanalytics.topics",
    "representative_passages": "textanalytics.topics",
    "kwic_many": "textanalytics.compare",
    "run_analysis": "textanalytics.pipeline",
    "topic_shares": "textanalytics.topics",
    "topic_differences": "textanalytics.topics",
    "topic_trends": "textanalytics.topics",
    "build_report": "textanalytics.report",
    "load_config": "textanalytics.config",
    "AnalysisConfig": "textanalytics.config",
    "InputError": "textanalytics.errors",
    "estimate_effects": "textanalytics.effects",
    "predict_effects": "textanalytics.effects",
    "contrasts": "textanalytics.effects",
    "estimate_count_effects": "textanalytics.effects",
    "term_effects": "textanalytics.effects",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, eager=("__version__",))
