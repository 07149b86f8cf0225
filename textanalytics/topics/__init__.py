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
>>> topics.representative_passages(ens, corpus, n=3)                   # doctest: +SKIP
>>> topics.topic_shares(ens, corpus=corpus, group_by="year")           # doctest: +SKIP
>>> topics.topic_differences(ens, corpus=corpus, group_by="year",
...                          group_a=2017, group_b=2019)               # doctest: +SKIP

Modules: ``fit`` (fitting, K selection), ``engines`` (gensim / NMF / tomotopy
behind one interface), ``stats`` (relevance, FREX, stability on plain arrays),
``coherence`` (c_npmi, c_v), ``describe`` (terms, labels, passages),
``shares`` (shares, differences, bootstrap, permutation test), ``plots``.
"""

from __future__ import annotations

from typing import Any

from .coherence import coherence
from .config import TopicConfig
from .describe import describe_topics, representative_passages, topic_labels
from .fit import K_RULE, fit_topic_ensemble, fit_topics, make_ensemble, select_k
from .model import ModelSelection, TopicEnsemble, TopicModel
from .shares import REST, topic_differences, topic_shares

# Plots import matplotlib: loaded on first use, so computing needs no plotting stack.
_PLOTS = ("plot_model_selection", "plot_top_terms", "plot_shares_over_time", "plot_share_heatmap",
          "plot_differences")


def __getattr__(name: str) -> Any:
    if name in _PLOTS:
        from . import plots

        return getattr(plots, name)
    raise AttributeError(f"module 'textanalytics.topics' has no attribute {name!r}")


__all__ = [
    "TopicConfig",
    "TopicModel",
    "TopicEnsemble",
    "ModelSelection",
    "fit_topics",
    "fit_topic_ensemble",
    "make_ensemble",
    "select_k",
    "K_RULE",
    "coherence",
    "describe_topics",
    "topic_labels",
    "representative_passages",
    "topic_shares",
    "topic_differences",
    "REST",
    "plot_model_selection",
    "plot_top_terms",
    "plot_shares_over_time",
    "plot_share_heatmap",
    "plot_differences",
]
