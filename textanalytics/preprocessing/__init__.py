"""Preprocessing: tokens, lemmas, stopwords, aliases and phrases, offline and fast.

``preprocess(corpus, config=...)`` (also ``textanalytics.preprocess``) turns ``corpus.paragraphs`` into a
:class:`Tokens` table (one row per token with why it was kept or dropped) plus the phrases in
use; results are cached as Parquet + JSON keyed by corpus, config, package
version and resource files. Nothing needs NLTK's downloader or the network.
``preprocess_chunks(pieces, config=..., out=folder)`` does the same chunk by chunk
into a :class:`TokenStore` on disk, for corpora too large for memory.

Modules: :mod:`.steps` (``preprocess``, ``cache_key``), :mod:`.store`
(``preprocess_chunks``, ``TokenStore``), :mod:`.model` (``Tokens``),
:mod:`.config`, :mod:`.cache`, :mod:`.resources` (packaged lists);
the steps: :mod:`.tokenizing` (sentences from :mod:`.punkt`, tokens from
:mod:`.words`), :mod:`.token_types` with :mod:`.lemmatize` and
:mod:`.proper_nouns` (names keep their form), :mod:`.resolutions`, :mod:`.aliases`, :mod:`.phrases`; internal to the
package: :mod:`.passes` (one run over chunks), :mod:`.state`, :mod:`.spool`,
:mod:`.inputs`.

Example
-------
>>> from textanalytics.preprocessing import lemmatize_word, word_tokenize
>>> word_tokenize("ISIL’s fighters"), lemmatize_word("fighters")
(['ISIL’s', 'fighters'], 'fighter')
"""

from __future__ import annotations

from .._lazy import lazy_exports
from .config import PreprocessConfig

# Imported on first use: textanalytics.config needs PreprocessConfig, and
# neither it nor the CLI's --help should pay for NLTK and the lemmatiser.
_EXPORTS = {
    "REASONS": "textanalytics.preprocessing.model",
    "Tokens": "textanalytics.preprocessing.model",
    "cache_key": "textanalytics.preprocessing.steps",
    "preprocess": "textanalytics.preprocessing.steps",
    "lemmatize_word": "textanalytics.preprocessing.lemmatize",
    "load_aliases": "textanalytics.preprocessing.resources",
    "load_stopwords": "textanalytics.preprocessing.resources",
    "split_sentences": "textanalytics.preprocessing.punkt",
    "word_tokenize": "textanalytics.preprocessing.words",
    "TokenStore": "textanalytics.preprocessing.store",
    "preprocess_chunks": "textanalytics.preprocessing.store",
}

__getattr__, __dir__, __all__ = lazy_exports(__name__, _EXPORTS, eager=("PreprocessConfig",))
