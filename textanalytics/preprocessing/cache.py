"""The preprocessing cache: Parquet tables + a JSON manifest, keyed by everything that shapes the result.

The key is the SHA-256 of a JSON document holding: a hash of the corpus
paragraphs (``statement_id``, ``paragraph``, ``text``), every field of the
:class:`PreprocessConfig`, ``textanalytics.__version__``, the versions of
nltk and lemminflect, and the contents of every resource file in use (stopword
list, presets and files, alias table, lemma exceptions, abbreviations; a
researcher's edited ``aliases.csv`` or stopword file therefore misses the cache). Nothing is pickled.

Layout: ``<cache_dir>/preprocess/<key>/`` holds ``tokens.parquet``,
``phrases.parquet``, ``units.parquet``, ``aliases.parquet`` and
``manifest.json``. A new entry is written into a temporary folder and renamed
into place, so readers never see half an entry; the manifest is written last
and names the key, so a folder without a valid manifest is ignored.

Example
-------
>>> import pandas as pd
>>> p = pd.DataFrame({"statement_id": ["a"], "paragraph": [1], "text": ["Hi."]})
>>> len(cache_key(p, PreprocessConfig()))
64
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
from pathlib import Path
from typing import Any

import pandas as pd

import textanalytics  # its __version__, read when a key is made
from ..files import atomic_write
from ..provenance import digest, digest_document, file_digest, package_versions  # noqa: F401 (re-exported)
from .config import PreprocessConfig
from .model import Tokens
from .resources import resource_digest

logger = logging.getLogger(__name__)

_FORMAT = 1
_TABLES = ("tokens", "phrases", "units", "aliases")


def corpus_digest(paragraphs: pd.DataFrame) -> str:
    """SHA-256 of the paragraphs' ids, numbers and texts, in order.

    >>> import pandas as pd
    >>> a = pd.DataFrame({"statement_id": ["s"], "paragraph": [1], "text": ["x"]})
    >>> corpus_digest(a) == corpus_digest(a.assign(text=["y"]))
    False
    """
    sids = paragraphs["statement_id"].astype(str).tolist()
    nums = paragraphs["paragraph"].astype("int64").tolist()
    texts = paragraphs["text"].fillna("").astype(str).tolist()

    def pieces():
        chunk: list[str] = []
        for s, p, t in zip(sids, nums, texts):
            # Lengths make the encoding unambiguous whatever characters the texts hold.
            chunk.append(f"{len(s)}:{s}|{p}|{len(t)}:{t}\n")
            if len(chunk) >= 4096:
                yield "".join(chunk)
                chunk.clear()
        yield "".join(chunk)

    return digest(pieces())


def key_document(paragraphs: pd.DataFrame, config: PreprocessConfig) -> dict[str, Any]:
    """Everything the cache key is the hash of (also stored in the manifest).

    >>> import pandas as pd
    >>> p = pd.DataFrame({"statement_id": ["a"], "paragraph": [1], "text": ["Hi."]})
    >>> sorted(key_document(p, PreprocessConfig()))
    ['config', 'corpus', 'resources', 'versions']
    """
    return {"corpus": corpus_digest(paragraphs), **_config_parts(config)}


def _config_parts(config: PreprocessConfig) -> dict[str, Any]:
    """Every config field, package versions and resource-file digests (the key minus the corpus)."""
    cfg = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    cfg = {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()}
    versions = {"textanalytics": textanalytics.__version__, "format": str(_FORMAT),
                **package_versions(("nltk", "lemminflect"), missing="unknown")}
    return {"config": cfg, "versions": versions, "resources": resource_digests(config)}


def resource_digests(config: PreprocessConfig) -> dict[str, Any]:
    """SHA-256 of every resource file ``config`` uses, by setting (``""`` for none; lists for presets and files).

    Part of the cache key, and recorded in a report's ``run.json``.

    >>> resource_digests(PreprocessConfig())["aliases"]
    ''
    """
    return {
        "stopwords": resource_digest("stopwords", config.stopwords),
        "aliases": resource_digest("aliases", config.aliases),
        "lemma_exceptions": resource_digest("lemma_exceptions", config.lemma_exceptions),
        "abbreviations": resource_digest("abbreviations", config.abbreviations),
        "stopword_presets": [resource_digest("stopword_presets", p) for p in config.stopword_presets],
        "alias_presets": [resource_digest("alias_presets", p) for p in config.alias_presets],
        "stopword_files": [resource_digest("stopword_files", f) for f in config.stopword_files],
    }


def stream_key(*, source: str, options: dict[str, Any], config: PreprocessConfig) -> str:
    """Key of a streamed token store: the source file's SHA-256, the loading options, and :func:`key_document`'s other parts.

    >>> len(stream_key(source="0" * 64, options={"rows": 10}, config=PreprocessConfig()))
    64
    """
    # The store holds tokens of the cleaned texts, so the cleaning's own library (ftfy) is part of the key.
    cleaning = package_versions(("ftfy",), missing="unknown")
    return digest_document({"source": source, "options": options, "cleaning": cleaning, **_config_parts(config)})


def cache_key(paragraphs: pd.DataFrame, config: PreprocessConfig) -> str:
    """The cache key of a corpus' paragraphs under ``config``: hex SHA-256 of :func:`key_document`."""
    return digest_document(key_document(paragraphs, config))


def _entry(cache_dir: str | os.PathLike, key: str) -> Path:
    return Path(cache_dir) / "preprocess" / key


def read_cache(cache_dir: str | os.PathLike, key: str, config: PreprocessConfig) -> Tokens | None:
    """The cached :class:`Tokens` of ``key``, or None (missing or unreadable entries are misses)."""
    entry = _entry(cache_dir, key)
    manifest_path = entry / "manifest.json"
    if not manifest_path.is_file():
        return None
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("key") != key:
            return None
        tables = {name: pd.read_parquet(entry / f"{name}.parquet") for name in _TABLES}
    except (OSError, ValueError) as exc:
        logger.warning("ignoring unreadable preprocessing cache entry %s: %s", entry, exc)
        return None
    logger.info("preprocessing: cache hit %s (%d tokens)", entry, len(tables["tokens"]))
    return Tokens(table=tables["tokens"], phrases=tables["phrases"], config=config,
                  units=tables["units"], aliases=tables["aliases"])


def write_cache(cache_dir: str | os.PathLike, key: str, tokens: Tokens,
                document: dict[str, Any]) -> Path:
    """Store ``tokens`` under ``key`` atomically (temporary folder, then rename); return the folder."""
    entry = _entry(cache_dir, key)
    # A concurrent run may store the same result first; theirs is as good as ours.
    with atomic_write(entry, folder=True, keep=lambda done: (done / "manifest.json").is_file()) as tmp:
        frames = {"tokens": tokens.table, "phrases": tokens.phrases, "units": tokens.units,
                  "aliases": tokens.aliases}
        for name in _TABLES:
            frames[name].to_parquet(tmp / f"{name}.parquet", index=False)
        manifest = {"key": key, **document}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True),
                                           encoding="utf-8")
    logger.info("preprocessing: cached %d tokens in %s", len(tokens.table), entry)
    return entry
