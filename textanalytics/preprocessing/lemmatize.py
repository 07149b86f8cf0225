"""Lemmatisation without a POS tagger: lemminflect's dictionary, a fixed POS preference, exceptions.

Why lemminflect
---------------
Both candidates ship their data with pip (no NLTK download). On the 61,849
lower-case word types of the news benchmark corpus (2.0 M words) they disagree on
8,334 types (153,154 tokens). The disagreements that matter:

* simplemma (2.0) has no POS choice and makes errors on frequent words:
  ``us`` -> ``we`` (breaks a required probe), ``growing`` -> ``growe``,
  ``developed`` -> ``develope``, ``people's`` -> ``person``, ``meeting`` ->
  ``meet``; it also capitalises proper nouns (``Russia``) and rewrites spelling
  (``defence`` -> ``defense``).
* lemminflect returns every lemma per universal POS tag, so we choose the
  reading a topic model wants, in this order: AUX (``was`` -> ``be``, ``does`` ->
  ``do``), NOUN (``means`` -> ``means``, ``data`` -> ``data``, ``meeting`` ->
  ``meeting``, ``analyses`` -> ``analysis``), ADJ (``united``, ``armed``,
  ``organized`` stay adjectives, so the curated phrase is ``organized_crime``),
  VERB (``killed`` -> ``kill``), ADV. Its remaining errors on this corpus are
  few and go into the packaged exceptions table (``media`` -> not ``medium``,
  ``saw`` -> ``see``, ``arms``, ``goods``).
* Out-of-dictionary words: a capitalised dictionary entry is tried
  (``Americans`` -> ``american``, ``Muslims`` -> ``muslim``; ``Paris``,
  ``ISIS``, ``Texas`` unchanged); a plural compound takes the lemma of its
  longest known tail of at least 5 letters after at least 3 letters
  (``airstrikes`` -> ``airstrike``, ``policymakers`` -> ``policymaker``); and
  ``-ists``/``-isms`` lose the ``s`` (``jihadists`` -> ``jihadist``). Nothing
  else is guessed, so unknown names are rarely mangled (``wilders``, ``reuters``
  stay; a rare name may lose an ``s``: ``Trillanes`` -> ``trillane``).
* Acronyms of 2-5 capitals are not looked up (``RATS`` is not ``rat``); a
  plural ``s`` is removed (``FTFs`` -> ``ftf``, ``ICTs`` -> ``ict``).
* Speed: both cost about 15 µs per call through their public API (lemminflect
  deep-copies its answer). We read lemminflect's lookup dictionary once
  (through its ``Lemmatizer._getLemmaDict``, with a fallback to the public
  ``getAllLemmas`` should that ever move) and lemmatise each distinct
  lower-case word once per process: about 0.3 s for the 64,000 word types of
  the news corpus.
* Without a POS tagger some readings are a choice, not a fact: ``lives`` ->
  ``life``, ``hidden`` -> ``hide``, ``left`` -> ``left``. Add a line to
  ``lemma_exceptions`` (a CSV) to change one.

Hyphenated words are lemmatised on their last part (``counter-terrorists`` ->
``counter-terrorist``); possessives are stripped first (``ISIL's`` -> ``isil``).

Example
-------
>>> [lemmatize_word(w) for w in ["was", "terrorists", "crises", "us", "news", "ISIL’s"]]
['be', 'terrorist', 'crisis', 'us', 'news', 'isil']
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

logger = logging.getLogger(__name__)

#: Order in which lemminflect's readings are preferred (no POS tagger).
POS_PREFERENCE: tuple[str, ...] = ("AUX", "NOUN", "ADJ", "VERB", "ADV")

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2010": "-",
                              "\u2011": "-", "\u00ad": ""})
_POSSESSIVE = re.compile(r"(?<=\w)'[sS]$|(?<=[sS])'$")
_ISM = re.compile(r"(?:ist|ism)s$")


def normalize_word(token: str, *, lowercase: bool = True) -> str:
    """The form a token is looked up by: straight apostrophes, ASCII hyphens, no possessive.

    >>> normalize_word("ISIL’s"), normalize_word("terrorists’"), normalize_word("anti‑terrorism")
    ('isil', 'terrorists', 'anti-terrorism')
    """
    if token.isalnum():  # nothing to normalise (the common case)
        return token.lower() if lowercase else token
    word = _POSSESSIVE.sub("", token.translate(_APOSTROPHES))
    return word.lower() if lowercase else word


@lru_cache(maxsize=1)
def _lemminflect_tables() -> tuple[Mapping[str, Mapping[str, tuple[str, ...]]], Mapping[str, Mapping]]:
    """lemminflect's lookup and override dictionaries (loaded once, ~0.3 s)."""
    try:
        from lemminflect.core.Lemmatizer import Lemmatizer  # deferred: lemminflect (its data load)

        lem = Lemmatizer()
        return lem._getLemmaDict(), lem._getOverridesDict()
    except (ImportError, AttributeError):  # pragma: no cover - private API moved
        logger.warning("lemminflect internals not found; using its slower public API")
        return {}, {}


def _readings(word: str) -> Mapping[str, tuple[str, ...]]:
    lemmas, overrides = _lemminflect_tables()
    if not lemmas:  # pragma: no cover - fallback for a changed lemminflect
        import lemminflect

        return lemminflect.getAllLemmas(word)
    found = lemmas.get(word)
    if word in overrides:
        found = {**(found or {}), **overrides[word]}
    return found or {}


def _dictionary_lemma(word: str) -> str | None:
    readings = _readings(word)
    if readings:
        for pos in POS_PREFERENCE:
            lemmas = readings.get(pos)
            if lemmas:
                return lemmas[0]
    return None


#: Lemma of each lower-case word seen in this process (exceptions not applied).
_CACHE: dict[str, str] = {}


def _lemma_of_lower(word: str) -> str:
    """Lemma of a lower-case, normalised word (no exceptions applied); cached."""
    cached = _CACHE.get(word)
    if cached is not None:
        return cached
    found = _dictionary_lemma(word)
    if found is not None:
        lemma = found.lower()
    else:
        lemma = _out_of_dictionary(word)
    _CACHE[word] = lemma
    return lemma


def _out_of_dictionary(word: str) -> str:
    if not word[:1].isalpha():
        return word
    proper = _readings(word[:1].upper() + word[1:])
    if proper.get("NOUN"):
        return proper["NOUN"][0].lower()
    if word.endswith("s") and word.isalpha():
        if _ISM.search(word):
            return word[:-1]
        for start in range(3, len(word) - 4):
            tail = word[start:]
            readings = _readings(tail)
            nouns = readings.get("NOUN") if readings else None
            if nouns and _dictionary_lemma(tail) not in (None, tail):
                return word[:start] + _dictionary_lemma(tail).lower()
    return word


def lemmatize_word(token: str, *, exceptions: Mapping[str, str] | None = None,
                   lowercase: bool = True) -> str:
    """Lemma of one token, without POS context (see the module docstring for the rules).

    ``exceptions`` maps a lower-case word to its lemma (default: none; the
    pipeline passes the packaged table). Hyphenated words are lemmatised on
    their last part.

    >>> lemmatize_word("countries"), lemmatize_word("Counter-Terrorists")
    ('country', 'counter-terrorist')
    >>> lemmatize_word("media", exceptions={"media": "media"})
    'media'
    """
    lemma = lemma_keys([token], exceptions=exceptions)[0]
    if lowercase:
        return lemma
    return recase(lemma, normalize_word(token, lowercase=False))


def _cached_lemma(word: str, exceptions: Mapping[str, str]) -> str:
    if word in exceptions:
        return exceptions[word]
    if "-" in word:
        head, _, last = word.rpartition("-")
        if head and last:
            if last in exceptions:
                return f"{head}-{exceptions[last]}"
            return f"{head}-{_lemma_of_lower(last)}"
    return _lemma_of_lower(word)


def recase(lemma: str, original: str) -> str:
    """Give ``lemma`` the case pattern of ``original`` (upper, title, or as is)."""
    if original.isupper() and len(original) > 1:
        return lemma.upper()
    if original[:1].isupper():
        return lemma[:1].upper() + lemma[1:]
    return lemma


def lemmatize_types(words: Iterable[str], *, exceptions: Mapping[str, str] | None = None,
                    lowercase: bool = True) -> list[str]:
    """Lemmas of already-normalised word types (one call per type; results cached per process).

    ``words`` must come from :func:`normalize_word` (lower-cased when
    ``lowercase``); the pipeline calls this once per unique type.

    >>> lemmatize_types(["fighters", "efforts"])
    ['fighter', 'effort']
    """
    exc = exceptions or {}
    if lowercase:
        return [_cached_lemma(w, exc) for w in words]
    return [recase(_cached_lemma(w.lower(), exc), w) for w in words]


_ACRONYM = re.compile(r"^[A-Z]{2,5}(s?)$")


def is_acronym(word: str) -> bool:
    """True for an acronym of 2-5 capitals, with or without a plural ``s`` (``NATO``, ``FTFs``).

    >>> is_acronym("FTFs"), is_acronym("Wales"), is_acronym("TERRORISTS")
    (True, False, False)
    """
    return len(word) <= 6 and word[:2].isupper() and _ACRONYM.match(word) is not None


def acronym_lemma(word: str) -> str | None:
    """Lower-case lemma of an acronym of 2-5 capitals (plural ``s`` removed), else None.

    Acronyms are not looked up in the dictionary: ``RATS`` is not ``rat``.
    Longer all-capital words (headlines) are ordinary words.

    >>> acronym_lemma("RATS"), acronym_lemma("FTFs"), acronym_lemma("TERRORISTS")
    ('rats', 'ftf', None)
    """
    m = _ACRONYM.match(word)
    if m is None:
        return None
    return word[:-1].lower() if m.group(1) else word.lower()


def lemma_keys(tokens: Sequence[str], *, exceptions: Mapping[str, str] | None = None,
               lemmatize: bool = True,
               normalized: tuple[Sequence[str], Sequence[str]] | None = None) -> list[str]:
    """Lower-case lemma of each token: acronym rule, then exceptions and dictionary.

    This is the one function both the corpus and the alias/phrase tables go
    through, so they always agree. ``normalized`` may pass the tokens'
    :func:`normalize_word` forms ``(cased, lower)`` when already computed.

    >>> lemma_keys(["ISIL's", "FTFs", "Countries", "RATS"])
    ['isil', 'ftf', 'country', 'rats']
    """
    if normalized is None:
        cased = [normalize_word(t, lowercase=False) for t in tokens]
        lower = [c.lower() for c in cased]
    else:
        cased, lower = normalized
    if not lemmatize:
        return list(lower)
    exc = exceptions or {}
    memo: dict[str, str] = {}
    out = []
    for c, w in zip(cased, lower):
        if is_acronym(c):
            out.append(acronym_lemma(c))
            continue
        lemma = memo.get(w)
        if lemma is None:
            lemma = memo[w] = _cached_lemma(w, exc)
        out.append(lemma)
    return out


def clear_cache() -> None:
    """Forget cached lemmas (the benchmark does this so every run pays its lookups)."""
    _CACHE.clear()
