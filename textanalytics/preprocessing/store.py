"""Streaming preprocessing: corpus chunks in, a token store on disk out.

For corpora that do not fit comfortably in memory. :func:`preprocess_chunks`
runs the same pipeline as :func:`~textanalytics.preprocess`, chunk
by chunk, and never holds more than one chunk's tokens in memory:

1. each chunk of paragraphs is tokenised and its integer arrays are spooled
   to disk (``.npz``, no pickle); its raw text is then dropped. With
   ``proper_nouns = "keep"`` the chunks' case counts add up first, then each
   chunk is lemmatised (names decided on the whole corpus) and matched against
   the aliases and curated phrases, and spooled again;
2. each learned-phrase pass counts pairs chunk by chunk (counts add up: a
   pair never crosses a sentence), scores them once, then joins them chunk by
   chunk, so the phrases are exactly those of a single pass over the corpus;
3. each chunk's token table is written as ``tokens-NNNNN.parquet``.

The result, a :class:`TokenStore`, is read back chunk by chunk:
:meth:`TokenStore.dtm` builds the document-term matrix incrementally,
:meth:`TokenStore.texts` streams the modelling texts (for coherence, or for
gensim), and :meth:`TokenStore.to_tokens` loads everything when it fits. One
chunk or many give identical tokens, phrases and matrices (tested against
:func:`preprocess`).

Layout of a store folder: ``manifest.json`` (format, config, chunk files,
counts), ``tokens-NNNNN.parquet`` and ``units-NNNNN.parquet`` per chunk,
``phrases.parquet``, ``aliases.parquet``. It is written into a temporary
folder and renamed into place, so a failed run leaves no half-written store.

Example
-------
>>> from textanalytics.corpus import corpus_chunks
>>> store = preprocess_chunks(corpus_chunks(corpus, max_chars=50_000_000), out="tokens.store")  # doctest: +SKIP
>>> dtm = store.dtm(unit="statement", min_df=2)                                                # doctest: +SKIP
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

import numpy as np
import pandas as pd
import scipy.sparse as sp

from .. import __version__
from ..errors import InputError
from ..features import build_dtm
from ..output_folder import TMP_MARKER, atomic_output_folder, check_output_folder
from .config import PreprocessConfig
from .inputs import config_by_keyword, corpus_paragraphs
from .model import Tokens, Unit, empty_units
from .passes import run_passes
from .spool import DiskSpool

logger = logging.getLogger(__name__)

__all__ = ["TokenStore", "preprocess_chunks"]

FORMAT = "textanalytics-token-store/1"


# -- the store -----------------------------------------------------------------------------------

_CHUNK_NAME = re.compile(r"\d{5}")


def _read_manifest(path: Path) -> dict[str, Any]:
    """The manifest of the store at ``path``; InputError unless it is one."""
    manifest_path = path / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: not a token store (no manifest.json); write one with "
                         "textanalytics.preprocess_chunks(...)") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{manifest_path}: unreadable ({exc}); rebuild the store") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise InputError(f"{manifest_path}: not a token store of format {FORMAT!r} (found {found!r}); "
                         "rebuild the store, or choose another folder")
    return manifest


def _config_from(document: dict[str, Any]) -> PreprocessConfig:
    names = {f.name for f in fields(PreprocessConfig)}
    return PreprocessConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in document.items() if k in names})


def _config_document(config: PreprocessConfig) -> dict[str, Any]:
    return {f.name: list(v) if isinstance(v := getattr(config, f.name), tuple) else v for f in fields(config)}


@dataclass(frozen=True)
class TokenStore:
    """Tokens of a corpus on disk, in chunks (see the module docstring).

    Attributes
    ----------
    path:
        The store folder.
    config:
        The :class:`PreprocessConfig` that produced it.
    phrases, aliases, units:
        As in :class:`~textanalytics.preprocessing.Tokens` (for the whole corpus).
    chunks:
        The token files, in corpus order.
    n_tokens, n_kept:
        Tokens, and tokens kept for modelling.
    """

    path: Path
    config: PreprocessConfig
    phrases: pd.DataFrame
    aliases: pd.DataFrame
    units: pd.DataFrame
    chunks: tuple[str, ...]
    n_tokens: int
    n_kept: int

    @classmethod
    def open(cls, path: str | os.PathLike) -> "TokenStore":
        """Open a store written by :func:`preprocess_chunks`."""
        path = Path(path)
        manifest = _read_manifest(path)
        chunks = tuple(manifest.get("chunks", ()))
        if not all(isinstance(c, str) and _CHUNK_NAME.fullmatch(c) for c in chunks):
            raise InputError(f"{path / 'manifest.json'}: chunk names must be five digits; rebuild the store")
        try:
            units = [pd.read_parquet(path / f"units-{name}.parquet") for name in chunks]
            return cls(path=path, config=_config_from(manifest["config"]),
                       phrases=pd.read_parquet(path / "phrases.parquet"),
                       aliases=pd.read_parquet(path / "aliases.parquet"),
                       units=pd.concat(units, ignore_index=True) if units else empty_units(),
                       chunks=chunks, n_tokens=int(manifest["n_tokens"]), n_kept=int(manifest["n_kept"]))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise InputError(f"{path}: damaged token store ({type(exc).__name__}: "
                             f"{str(exc).splitlines()[0] if str(exc) else ''}); rebuild it") from None

    def __repr__(self) -> str:
        return (f"TokenStore({str(self.path)!r}, {self.n_tokens} tokens, {self.n_kept} kept, "
                f"{len(self.units)} paragraphs, {len(self.chunks)} chunks, {len(self.phrases)} phrases)")

    def chunk_tokens(self) -> Iterator[Tokens]:
        """One :class:`Tokens` per chunk, read from disk as needed."""
        for name in self.chunks:
            yield self.chunk(name)

    def chunk(self, name: str) -> Tokens:
        """The :class:`Tokens` of one chunk (a name in :attr:`chunks`), read from disk."""
        try:
            table = pd.read_parquet(self.path / f"tokens-{name}.parquet")
            units = pd.read_parquet(self.path / f"units-{name}.parquet")
        except (OSError, ValueError) as exc:
            raise InputError(f"{self.path}: damaged token store, chunk {name} is unreadable "
                             f"({type(exc).__name__}); rebuild it") from None
        return Tokens(table=table, phrases=self.phrases, config=self.config, units=units, aliases=self.aliases)

    def documents(self, *, unit: Unit | None = None) -> Iterator[tuple[pd.DataFrame, list[list[str]]]]:
        """``Tokens.documents(unit=...)`` of each chunk in turn: ``(units, texts)`` pairs.

        Chunks come in the order they were written (a file's record order);
        within a chunk, units are sorted by statement id and paragraph.
        """
        for tokens in self.chunk_tokens():
            yield tokens.documents(unit=unit)

    def texts(self, *, unit: Unit | None = None) -> "StreamedTexts":
        """The modelling texts (kept terms per unit) as a re-iterable read from disk.

        Units come in :meth:`documents` order: chunk by chunk, sorted within a
        chunk. That is :meth:`dtm`'s row order only when the chunks are in id
        order (as :func:`~textanalytics.corpus.corpus_chunks` makes them);
        coherence and gensim's ``Dictionary`` do not depend on the order. Pass it
        to :func:`~textanalytics.topics.coherence` or to gensim
        (``Dictionary(store.texts())``); each iteration reads the chunks again.
        """
        return StreamedTexts(self, unit or self.config.unit)

    def to_tokens(self) -> Tokens:
        """All chunks as one in-memory :class:`Tokens` (equal to ``preprocess(corpus)``'s)."""
        tables = [t.table for t in self.chunk_tokens()]
        if len(tables) == 1:
            table = tables[0]
        else:
            table = pd.concat(tables, ignore_index=True)  # object columns where categories differ
            for col in ("statement_id", "token", "lemma", "term", "reason"):
                cats = pd.Index(sorted(set().union(*(t[col].cat.categories for t in tables))), dtype=str)
                if col == "reason":
                    cats = tables[0][col].cat.categories
                table[col] = pd.Categorical(table[col], categories=cats)
        codes = table["statement_id"].cat.codes.to_numpy()
        if len(codes) and not np.all(codes[1:] >= codes[:-1]):  # chunks out of id order (a file's order)
            table = table.iloc[np.argsort(codes, kind="stable")]
        units = self.units.iloc[np.lexsort((self.units["paragraph"].to_numpy(),
                                            self.units["statement_id"].astype(str).to_numpy()))]
        return Tokens(table=table.reset_index(drop=True), phrases=self.phrases, config=self.config,
                      units=units.reset_index(drop=True), aliases=self.aliases)

    def dtm(self, *, unit: Unit | None = None, min_df: int | float | None = None,
            max_df: int | float | None = None, max_features: int | None = None, config: Any = None):
        """The document-term matrix, built chunk by chunk: :func:`~textanalytics.features.build_dtm` of the store."""
        return build_dtm(self, unit=unit, min_df=min_df, max_df=max_df, max_features=max_features, config=config)


class StreamedTexts:
    """Re-iterable modelling texts of a :class:`TokenStore` (one list of terms per unit)."""

    def __init__(self, store: TokenStore, unit: str) -> None:
        self.store, self.unit = store, unit

    def __iter__(self) -> Iterator[list[str]]:
        for _, texts in self.store.documents(unit=self.unit):  # type: ignore[arg-type]
            yield from texts

    def __repr__(self) -> str:
        return f"StreamedTexts({str(self.store.path)!r}, unit={self.unit!r})"


# -- writing -------------------------------------------------------------------------------------

_STORE_FILE = re.compile(r"manifest\.json|phrases\.parquet|aliases\.parquet|(tokens|units)-\d{5}\.parquet")


def store_owned(path: Path) -> str | None:
    """None when ``path`` holds a token store and nothing else (so it may be replaced); else why not.

    The manifest must parse and declare a token-store format; a folder whose
    manifest is damaged is not replaced (it may not be a store at all): the
    message says to delete it by hand.
    """
    manifest = path / "manifest.json"
    if not manifest.is_file():
        return "holds files and no token store manifest (manifest.json)"
    try:
        found = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return "has a manifest.json that does not parse, so it may not be a token store (delete it yourself if it is)"
    if not (isinstance(found, dict) and str(found.get("format", "")).startswith("textanalytics-token-store/")):
        return "has a manifest.json that is not a token store's"
    for entry in sorted(path.iterdir()):
        if entry.name not in (TMP_MARKER,) and not (entry.is_file() and _STORE_FILE.fullmatch(entry.name)):
            return f"holds {entry.name!r}, which a token store does not (move it elsewhere first)"
    return None


@config_by_keyword
def preprocess_chunks(chunks: Iterable[Any], *, config: PreprocessConfig | None = None,
                      out: str | os.PathLike, option: str = "out",
                      protected: Mapping[str, str | os.PathLike | None] | None = None) -> TokenStore:
    """Preprocess a corpus given in chunks into a :class:`TokenStore` at ``out``.

    Parameters
    ----------
    chunks:
        An iterable of :class:`~textanalytics.corpus.Corpus` pieces (e.g.
        :func:`~textanalytics.corpus.corpus_chunks` or
        :func:`~textanalytics.corpus.iter_table_chunks`), read once, one at a
        time. A statement must not be split across chunks.
    config:
        As for :func:`preprocess` (keyword-only; positionally with a
        :class:`DeprecationWarning` until the next release);
        ``sentence_splitter="punkt_trained"`` is not available here (training
        needs the whole text at once).
    out:
        The store folder: a new path, an empty folder or a token store (and
        nothing else), which is replaced once the new one is complete. Anything
        else is refused before any work (:func:`~textanalytics.output_folder.check_output_folder`).
    option, protected:
        How the caller named ``out`` (``--store``) and inputs it must never be
        or contain (``{"the corpus": path}``), for the guard.

    Returns
    -------
    TokenStore
        Its tokens, phrases and matrices equal those of ``preprocess`` on the
        whole corpus.
    """
    config = config or PreprocessConfig()
    if not isinstance(config, PreprocessConfig):
        raise InputError(f"preprocess_chunks: config must be a PreprocessConfig, got {type(config).__name__}")
    if config.sentence_splitter == "punkt_trained":
        raise InputError("[preprocess] sentence_splitter: 'punkt_trained' trains on the whole text at once and "
                         "cannot run chunk by chunk; use 'punkt' (the packaged model) for streaming")
    out = check_output_folder(out, option=option, owned=store_owned, protected=protected)
    started = time.perf_counter()
    with atomic_output_folder(out) as tmp:
        spool_dir = tmp / "spool"
        spool_dir.mkdir()
        seen: set[str] = set()
        names: list[str] = []

        def pieces() -> Iterator[pd.DataFrame]:
            for i, chunk in enumerate(chunks):
                paragraphs = corpus_paragraphs(chunk)
                if not len(paragraphs):
                    logger.info("preprocessing: chunk %d has no paragraphs; skipped", i + 1)
                    continue
                ids = set(paragraphs["statement_id"].unique().tolist())
                repeated = ids & seen
                if repeated:
                    raise InputError(f"chunk {i + 1}: statement {sorted(repeated)[0]!r} also appears in an "
                                     "earlier chunk; a statement must be in exactly one chunk")
                seen.update(ids)
                logger.info("preprocessing: chunk %d (%d paragraphs)", i + 1, len(paragraphs))
                yield paragraphs

        def write(i: int, table: pd.DataFrame, units: pd.DataFrame) -> None:
            name = f"{i:05d}"
            table.to_parquet(tmp / f"tokens-{name}.parquet", index=False)
            units.to_parquet(tmp / f"units-{name}.parquet", index=False)
            names.append(name)

        phrases, aliases, stats = run_passes(pieces(), config, DiskSpool(spool_dir), write)
        if not names:
            raise InputError("preprocess_chunks: the corpus has no paragraphs (no chunk, or only empty ones); "
                             "nothing to preprocess")
        shutil.rmtree(spool_dir)
        phrases.to_parquet(tmp / "phrases.parquet", index=False)
        aliases.to_parquet(tmp / "aliases.parquet", index=False)
        manifest = {"format": FORMAT, "version": __version__, "config": _config_document(config),
                    "chunks": names, **stats}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    logger.info("preprocessing: token store %s written in %.1f s (%d chunks, %d tokens)", out,
                time.perf_counter() - started, len(names), stats["n_tokens"])
    return TokenStore.open(out)


# Public name for writers of a store other than preprocess_chunks (textanalytics.spark: executors
# write the chunks, the driver the manifest).
config_document = _config_document
