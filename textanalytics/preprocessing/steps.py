"""``preprocess(corpus, config=...) -> Tokens``: tokenise, lemmatise, filter, aliases, phrases; cached.

The work is done on integer arrays, one entry per token, and on small tables
of distinct word types: each distinct token string is normalised, lemmatised
and classified once, then the per-token columns are gathered with numpy
indexing. Steps, in order:

1. sentences (NLTK Punkt, :mod:`.punkt`) and tokens (one regular expression,
   :mod:`.words`), in chunks and worker processes (:mod:`.tokenizing`);
2. per distinct type (:mod:`.token_types`): normalised form, lemma
   (:mod:`.lemmatize`; names keep their word, :mod:`.proper_nouns`, decided on
   case counts over the whole corpus), and whether it is punctuation, a
   number, a stopword or too short;
3. UN resolution numbers after "resolution(s)" become ``resolution_2178``
   (:mod:`.resolutions`);
4. aliases (:mod:`.aliases`, the researcher's table named by ``aliases``;
   none by default): the first token of a match takes the canonical token,
   the others are dropped as ``alias_part``, and so is an alias repeated in
   parentheses right after itself ("foreign terrorist fighters (FTFs)");
5. stopword sequences ("right hon", dropped whole) and curated phrases
   (:mod:`.aliases`; matched on lemmas after aliases, may include
   stopwords), followers dropped as ``phrase_part``;
6. learned phrases (:mod:`.phrases`) over the kept terms, ``phrase_passes`` times;
7. the token table, with categorical string columns.

The steps run in :mod:`.passes` (shared with
:func:`~textanalytics.preprocessing.preprocess_chunks`). Results are cached
(:mod:`.cache`). Progress is logged at INFO once per chunk
of about two million characters, with a timing summary at the end.

Example
-------
>>> import pandas as pd
>>> from textanalytics.corpus.model import Corpus
>>> paragraphs = pd.DataFrame({"statement_id": ["s1"], "paragraph": [1],
...                            "text": ["ISIL's fighters attacked the Islamic State."]})
>>> corpus = Corpus(statements=pd.DataFrame({"statement_id": ["s1"]}), paragraphs=paragraphs)
>>> tokens = preprocess(corpus, config=PreprocessConfig(cache_dir="", phrases=False))
>>> tokens.documents()[1]
[['isil', 'fighter', 'attack', 'islamic', 'state']]
"""

from __future__ import annotations

import logging
import os
from typing import Any

import pandas as pd

from ..errors import InputError
from .cache import digest_document, key_document, read_cache, write_cache
from .config import PreprocessConfig
from .inputs import config_by_keyword, corpus_paragraphs
from .model import Tokens
from .passes import run_passes
from .spool import Spool

logger = logging.getLogger(__name__)


def _run(paragraphs: pd.DataFrame, config: PreprocessConfig) -> Tokens:
    """The pipeline in memory, on one chunk (tokenising still works in pieces of CHUNK_CHARS)."""
    out: dict[str, pd.DataFrame] = {}

    def keep(i: int, table: pd.DataFrame, units: pd.DataFrame) -> None:
        out["table"], out["units"] = table, units

    phrases, aliases, _ = run_passes([paragraphs], config, Spool(), keep)
    return Tokens(table=out["table"], phrases=phrases, config=config, units=out["units"], aliases=aliases)


@config_by_keyword
def cache_key(corpus: Any, *, config: PreprocessConfig | None = None) -> str:
    """The key under which :func:`preprocess` caches ``corpus`` with ``config``.

    It changes with the paragraphs' text, ids and numbers, with every config
    field, the package version and the resource files in use (see :mod:`.cache`).

    >>> import pandas as pd
    >>> from textanalytics.corpus.model import Corpus
    >>> c = Corpus(statements=pd.DataFrame({"statement_id": ["s"]}),
    ...            paragraphs=pd.DataFrame({"statement_id": ["s"], "paragraph": [1], "text": ["Hi."]}))
    >>> cache_key(c) != cache_key(c, config=PreprocessConfig(min_length=3))
    True
    """
    return digest_document(key_document(corpus_paragraphs(corpus), config or PreprocessConfig()))


@config_by_keyword
def preprocess(corpus: Any, *, config: PreprocessConfig | None = None,
               cache_dir: str | os.PathLike | None = None) -> Tokens:
    """Tokenise, lemmatise and filter a corpus; join aliases and phrases.

    Parameters
    ----------
    corpus:
        A :class:`~textanalytics.corpus.Corpus`; ``corpus.paragraphs``
        (``statement_id, paragraph, text``) is what is read.
    config:
        The :class:`PreprocessConfig` (defaults documented there); keyword-only
        (passing it positionally still works until the next release, with a
        :class:`DeprecationWarning`).
    cache_dir:
        Overrides ``config.cache_dir`` (``""`` disables the cache). A result is
        reused only when the corpus text, every config field, the package
        version and the resource files are all unchanged.

    Returns
    -------
    Tokens
        ``table`` one row per token (see :class:`Tokens`), ``phrases``,
        ``units``, ``aliases`` and the ``config``.

    Example
    -------
    >>> tokens = preprocess(load_corpus("seeds"))                  # doctest: +SKIP
    >>> units, texts = tokens.documents(unit="paragraph")          # doctest: +SKIP
    """
    config = config or PreprocessConfig()
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"preprocess: config must be a PreprocessConfig, got {type(config).__name__}")
    paragraphs = corpus_paragraphs(corpus)
    directory = config.cache_dir if cache_dir is None else os.fspath(cache_dir)
    if directory:
        document = key_document(paragraphs, config)
        key = digest_document(document)
        cached = read_cache(directory, key, config)
        if cached is not None:
            return cached
        logger.info("preprocessing: cache miss (%s)", key[:12])
    tokens = _run(paragraphs, config)
    if directory:
        try:
            write_cache(directory, key, tokens, document)
        except OSError as exc:
            logger.warning("preprocessing: could not write the cache in %s: %s", directory, exc)
    return tokens
