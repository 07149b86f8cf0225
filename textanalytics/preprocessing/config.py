"""``[preprocess]`` section of the configuration (owned by the preprocessing stage)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..corpus.config import FieldChecks, toml_value
from .resources import ALIAS_PRESETS, STOPWORD_PRESETS, is_packaged

#: Fields that name a resource: a packaged name, a path to the researcher's file, or "".
RESOURCE_FIELDS = ("abbreviations", "lemma_exceptions", "stopwords", "aliases")


@dataclass(frozen=True)
class PreprocessConfig:
    """Every preprocessing choice, with its default.

    Units and sentences
    -------------------
    unit = "paragraph"
        Default modelling unit of :meth:`Tokens.documents` (``"paragraph"`` or
        ``"statement"``); it does not change the token table.
    sentence_splitter = "punkt"
        ``"punkt"``: NLTK's Punkt, untrained, with the packaged abbreviation list
        (no download; well under a second per million words with our fast path);
        ``"punkt_trained"``: Punkt trained on the corpus itself (``PunktTrainer``,
        plus the abbreviation list; training takes about 25 s per million words,
        so it is meant for small corpora); ``"none"``: a paragraph is one sentence.
    abbreviations = "default"
        Abbreviations Punkt must not split after (``Mr.``, ``U.S.``, ``Jan.``):
        ``"default"`` = ``data/punkt_abbreviations.txt``, a path to a text file
        (one a line, ``#`` comments), or ``""`` for none.

    Words
    -----
    lowercase = true
        Lower-case lemmas and terms. With false, a lemma keeps the case pattern
        of its token (``Terrorists`` -> ``Terrorist``, ``NATO`` -> ``NATO``);
        canonical alias tokens and phrases stay as written.
    lemmatize = true
        Lemmatise with lemminflect's dictionary (no POS tagger; see
        :mod:`textanalytics.preprocessing.lemmatize`). False: the lemma is the
        lower-cased word without its possessive.
    lemma_exceptions = "default"
        Word -> lemma overrides: ``"default"`` = ``data/lemma_exceptions.csv``,
        a CSV path with columns ``word,lemma[,note]``, or ``""`` for none.
        A word listed here is always lemmatised by the table, capitalised or not.
    proper_nouns = "keep"
        ``"keep"``: a name keeps its word, lower-cased, as lemma and term
        (Pence stays ``pence``, not ``penny``; Wales, Commons, Sanders, Fed
        likewise). Inside a sentence a capital marks a name (always right after
        a title: "Mr. Banks", "Governor Pence"), unless the corpus writes the
        word's lemma capitalised on its own more often than the word itself
        capitalised (parliamentary "hon. Members", "Ministers": lemmatised as
        usual). At the start of a sentence, in capitals or in a title-case
        heading the word is kept when the corpus writes it capitalised inside
        sentences at least as often as in lower case, and at least once
        ("Countries", "Measures" at a sentence start are lemmatised). Acronyms
        keep their own rule; a word in ``lemma_exceptions`` always follows the
        table. Needs ``lemmatize = true``; see
        :mod:`textanalytics.preprocessing.proper_nouns`.
        ``"lemmatise"``: capitalised words are lemmatised like any other (the
        behaviour before this option).

    Filtering (a dropped token stays in the table with ``keep=False`` and a ``reason``)
    ---------------------------------------------------------------------------------
    stopwords = "english"
        ``"english"`` = ``data/stopwords_english.txt``, a path to a word list, or
        ``""`` for none. A token is a stopword when its lower-case form or its
        lemma is listed. Every list (this one, presets, files, extras) holds
        one entry a line (``#`` comments): a word, a joined term (``right_hon``
        drops that phrase or canonical alias token) or words separated by
        spaces (``right hon``: the sequence is dropped wherever it occurs,
        matched on lemmas like curated phrases).
    stopword_presets = []
        Packaged lists for kinds of text, added to the stopwords:
        ``"parliament"`` (Westminster forms of address and chair procedure:
        hon, friend, member, gentleman, right hon, ...), ``"speech"``
        (transcript annotations and address: applause, laughter, thank, ladies,
        gentlemen, ...), ``"news"`` (reporting verbs and wire agencies: said,
        told, according, reuters, ...). Words, sources and reasons:
        ``docs/preprocessing.md``.
    stopword_files = []
        The researcher's stopword files (one entry a line, ``#`` comments),
        relative to the config file's folder.
    extra_stopwords = []
        Corpus-specific stopwords added to the list (matched like the list).
        They also drop canonical tokens and phrases: ``["un", "vladimir_putin"]``.
    drop_numbers = true
        Drop numbers (``2019``, ``1,000``, ``16-17``, ``70th``).
    drop_urls = true
        Drop URLs (``http://dw.com/p/2wx5c``, ``www.un.org``) and e-mail addresses
        (``wuyiyao@chinadaily.com.cn``), each one token (reason ``url``): they are no words,
        and a newspaper's bylines would make its writers' domain a term.
    min_length = 2
        Drop lemmas shorter than this many characters (reason ``short``).
    keep_resolution_numbers = true
        Keep numbers of UN resolutions as tokens ``resolution_2178`` (in
        "resolution 2178 (2014)", "resolutions 2462 (2019) and 2482 (2019)").

    Aliases and phrases
    -------------------
    aliases = ""
        Variant -> canonical token table applied before phrase detection: a
        CSV path with columns ``variant,canonical[,case_sensitive][,note]``
        (format in ``docs/preprocessing.md``), or ``""`` for none. Nothing is
        packaged: the seeds' table (ISIL/ISIS/Daesh -> ``isil``, ...) is
        ``seeds/aliases.csv``, named in their ``analysis.toml``.
    alias_presets = ["percent"]
        Packaged alias tables applied after the researcher's (whose mappings win):
        ``"percent"`` makes "per cent", "per-cent" and the sign "%" the token
        ``percent``, so British, American and numeric styles count as one term
        (otherwise "per cent" leaves "cent" as a term: a key term of Commons
        decades). ``[]`` for none. Rows: ``data/aliases_percent.csv``.
    drop_alias_repeats = true
        An alias repeated in parentheses right after the same concept is
        dropped (reason ``alias_part``): "foreign terrorist fighters (FTFs)" and
        "the Islamic State (ISIL/DAESH)" each count once.
    phrases = true
        Learn phrases from the corpus (NPMI over adjacent kept terms, as gensim's
        ``Phrases(scoring="npmi")``). Curated phrases apply either way.
    phrase_min_count = 5
        Minimum count of a word pair to be scored.
    phrase_threshold = 0.5
        A learned phrase needs an NPMI above this (NPMI lies between -1 and 1).
    phrase_passes = 2
        Rounds of pair joining; two rounds allow phrases of up to four words.
    curated_phrases = []
        Phrases always joined (matched on lemmas after aliases, so "double
        standard" matches too); the term is the phrase as written, joined with
        ``_``: ``double_standards``.

    Running
    -------
    cache_dir = ".textanalytics_cache"
        Folder of the preprocessing cache (Parquet + JSON); ``""`` disables it.
    n_jobs = 1
        Worker processes for tokenising; results are identical for any value.

    Example
    -------
    >>> PreprocessConfig(min_length=3).min_length
    3
    """

    unit: Literal["paragraph", "statement"] = "paragraph"
    sentence_splitter: Literal["punkt", "punkt_trained", "none"] = "punkt"
    abbreviations: str = "default"
    lowercase: bool = True
    lemmatize: bool = True
    lemma_exceptions: str = "default"
    proper_nouns: Literal["keep", "lemmatise"] = "keep"
    stopwords: str = "english"
    stopword_presets: tuple[str, ...] = ()
    stopword_files: tuple[str, ...] = ()
    extra_stopwords: tuple[str, ...] = ()
    drop_numbers: bool = True
    drop_urls: bool = True
    min_length: int = 2
    keep_resolution_numbers: bool = True
    aliases: str = ""
    alias_presets: tuple[str, ...] = ("percent",)
    drop_alias_repeats: bool = True
    phrases: bool = True
    phrase_min_count: int = 5
    phrase_threshold: float = 0.5
    phrase_passes: int = 2
    curated_phrases: tuple[str, ...] = ()
    cache_dir: str = ".textanalytics_cache"
    n_jobs: int = 1

    def __post_init__(self) -> None:
        check = FieldChecks(self, "preprocess")
        check.choice("unit", ("paragraph", "statement"))
        check.choice("sentence_splitter", ("punkt", "punkt_trained", "none"))
        check.choice("proper_nouns", ("keep", "lemmatise"))
        for name in ("lowercase", "lemmatize", "drop_numbers", "drop_urls", "keep_resolution_numbers", "drop_alias_repeats",
                     "phrases"):
            check.boolean(name)
        # Paths are resolved against the config file's folder later; here: strings without NUL.
        for name in ("abbreviations", "lemma_exceptions", "stopwords", "aliases", "cache_dir"):
            check.text(name)
        check.integer("min_length", minimum=0, maximum=100,
                      problem="must be between 0 (keep every length) and 100 (longer drops every word)")
        check.integer("phrase_min_count", minimum=1)
        check.number("phrase_threshold", minimum=-1.0, maximum=1.0,
                     problem="must be between -1 and 1 (an NPMI score)")
        check.integer("phrase_passes", minimum=0, problem="must be 0 (no learned phrases) or more")
        check.integer("n_jobs", minimum=1)
        check.texts("extra_stopwords")
        for preset in check.texts("stopword_presets", unique=True):
            if preset not in STOPWORD_PRESETS:
                check.fail("stopword_presets", f"{toml_value(preset)} is not a preset; choose from "
                           f"{', '.join(map(toml_value, STOPWORD_PRESETS))} (or list your own file in stopword_files)")
        check.texts("stopword_files", unique=True)
        for preset in check.texts("alias_presets", unique=True):
            if preset not in ALIAS_PRESETS:
                check.fail("alias_presets", f"{toml_value(preset)} is not a preset; choose from "
                           f"{', '.join(map(toml_value, ALIAS_PRESETS))} (or write your own table in aliases)")
        for phrase in check.texts("curated_phrases"):
            # The tokeniser decides in the end; a phrase of one word can never be joined.
            if sum(any(c.isalnum() for c in w) for w in phrase.split()) < 2:
                check.fail("curated_phrases", f"{toml_value(phrase)} has fewer than two words; "
                           "list phrases of two or more words")


def resolve_resource_paths(config: PreprocessConfig, *, base: str | Path) -> PreprocessConfig:
    """``config`` with relative paths (resource files, ``stopword_files``, ``cache_dir``) made absolute against ``base``.

    ``base`` is the config file's folder. Packaged names (``"english"``,
    ``"default"``), ``""`` and absolute paths are left as they are.

    >>> c = resolve_resource_paths(PreprocessConfig(aliases="my.csv", cache_dir=""), base="/study")
    >>> c.aliases, c.stopwords, c.cache_dir
    ('/study/my.csv', 'english', '')
    """
    def absolute(spec: str) -> str:
        if not spec or Path(spec).expanduser().is_absolute():
            return spec
        return str((Path(base) / spec).resolve())

    changes = {name: absolute(getattr(config, name)) for name in RESOURCE_FIELDS
               if not is_packaged(name, getattr(config, name))}
    return dataclasses.replace(config, **changes, cache_dir=absolute(config.cache_dir),
                               stopword_files=tuple(absolute(f) for f in config.stopword_files))
