"""Preprocessing: tokens, lemmas, stopwords, aliases and phrases, offline and fast.

``preprocess(corpus, config)`` turns ``corpus.paragraphs`` into a :class:`Tokens`
table (one row per token with why it was kept or dropped) plus the phrases in
use; results are cached as Parquet + JSON keyed by corpus, config, package
version and resource files. Nothing needs NLTK's downloader or the network.

Example
-------
>>> from textanalytics.preprocess import lemmatize_word, word_tokenize
>>> word_tokenize("ISIL’s fighters"), lemmatize_word("fighters")
(['ISIL’s', 'fighters'], 'fighter')
"""

from __future__ import annotations

import sys
import types

from .config import PreprocessConfig
from .lemmatize import lemmatize_word
from .model import REASONS, Tokens
from .pipeline import cache_key, preprocess
from .resources import load_aliases, load_stopwords
from .store import TokenStore, preprocess_chunks
from .tokenizer import split_sentences, word_tokenize

__all__ = [
    "PreprocessConfig",
    "REASONS",
    "TokenStore",
    "Tokens",
    "cache_key",
    "lemmatize_word",
    "load_aliases",
    "load_stopwords",
    "preprocess",
    "preprocess_chunks",
    "split_sentences",
    "word_tokenize",
]


class _CallableModule(types.ModuleType):
    """This subpackage and the function share the name ``textanalytics.preprocess``.

    Importing the subpackage (``textanalytics.config`` does) binds the module
    over the lazily exported function, so ``ta.preprocess(corpus)`` would fail;
    calling the module calls :func:`preprocess` instead.
    """

    def __call__(self, *args, **kwargs):
        return preprocess(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
