"""Topic models that compare themes across years and speakers, with honest uncertainty.

Paragraphs are the modelling units (eight statements are far too few to
model); results are aggregated to statements and to groups of statements.

Pipeline
--------
>>> import textanalytics as ta
>>> from textanalytics import topics
>>> corpus = ta.load_corpus("seeds")                                   # doctest: +SKIP
>>> tokens = ta.preprocess(corpus)                                     # doctest: +SKIP
>>> dtm = ta.build_dtm(tokens, unit="paragraph", min_df=2, max_df=0.5)  # doctest: +SKIP
>>> units, texts = tokens.documents(unit="paragraph")                  # doctest: +SKIP
>>> sel = topics.select_k(dtm, texts=texts, seeds=[1, 2, 3])           # doctest: +SKIP
>>> sel.reason                          # why this K                   # doctest: +SKIP
>>> ens = sel.ensemble()                # the chosen K's fits, aligned # doctest: +SKIP
>>> topics.topic_labels(ens)                                           # doctest: +SKIP
>>> topics.describe_topics(ens, lambda_=0.6)                           # doctest: +SKIP
>>> topics.representative_passages(ens, corpus=corpus, top_n=3)        # doctest: +SKIP
>>> shares = topics.topic_shares(ens, corpus=corpus, group_by="year")  # doctest: +SKIP
>>> shares.table, shares.params; shares.plot()                         # doctest: +SKIP
>>> topics.topic_differences(ens, corpus=corpus, group_by="year",
...                          group_a=2017, group_b=2019).plot()        # doctest: +SKIP

Modules: ``fit`` (fitting, K selection), ``engines`` (the package's variational
Bayes ``vb``, stock gensim, NMF, tomotopy behind one interface), ``stats`` (relevance, FREX, stability on plain arrays),
``coherence`` (c_npmi, c_v), ``describe`` (terms, labels, passages),
``shares`` (shares per group), ``differences`` (differences between groups, permutation test), ``trends`` (slopes over years),
``resampling`` (the design, bootstrap replicates, permutation test), ``plots``.
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .coherence import coherence  # eager: the function shares its name with its module
from .config import TopicConfig

# Imported on first use (gensim, scikit-learn, matplotlib): textanalytics.config
# needs TopicConfig, and the CLI should start without them.
_EXPORTS = {
    "TopicModel": "textanalytics.topics.model",
    "PieceTexts": "textanalytics.topics.coherence",
    "TopicEnsemble": "textanalytics.topics.model",
    "ModelSelection": "textanalytics.topics.model",
    "fit_topics": "textanalytics.topics.fit",
    "fit_topic_ensemble": "textanalytics.topics.fit",
    "fit_prepared_ensemble": "textanalytics.topics.fit",
    "make_ensemble": "textanalytics.topics.model",
    "select_k": "textanalytics.topics.fit",
    "select_k_prepared": "textanalytics.topics.fit",
    "K_RULE": "textanalytics.topics.selection",
    "describe_topics": "textanalytics.topics.describe",
    "topic_labels": "textanalytics.topics.describe",
    "representative_passages": "textanalytics.topics.describe",
    "topic_shares": "textanalytics.topics.shares",
    "topic_differences": "textanalytics.topics.differences",
    "TopicShares": "textanalytics.topics.shares",
    "TopicDifferences": "textanalytics.topics.differences",
    "topic_trends": "textanalytics.topics.trends",
    "TopicTrends": "textanalytics.topics.trends",
    "time_positions": "textanalytics.grouping",
    "REST": "textanalytics.topics.shares",
    "plot_model_selection": "textanalytics.topics.plots",
    "plot_top_terms": "textanalytics.topics.plots",
    "plot_shares_over_time": "textanalytics.topics.plots",
    "plot_share_heatmap": "textanalytics.topics.plots",
    "plot_differences": "textanalytics.topics.plots",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, eager=("TopicConfig", "coherence"))
