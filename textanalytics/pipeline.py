"""Run every analysis stage from one :class:`~textanalytics.config.AnalysisConfig`.

:func:`run_analysis` is the whole pipeline as one call returning plain results
(tables and the objects that made them); :mod:`textanalytics.report` renders and
writes them, the CLI wraps both. Stages that cannot run on a corpus (too few
units for K topics, a grouping column that is empty) are skipped with a stated
reason in :attr:`AnalysisResults.skipped` instead of crashing.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Iterator

import numpy as np
import pandas as pd

from .config import AnalysisConfig
from .corpus.summary import problem_counts, problem_table
from .errors import InputError, StepSkipped
from .files import atomic_write
from .report.figures import FigureSpec

log = logging.getLogger(__name__)

#: Above this many statements the report skips the n x n similarity table and heatmap.
MAX_SIMILARITY_STATEMENTS = 300


@dataclass
class StageClock:
    """Wall time per named stage, logged as progress."""

    total: int = 0
    timings: dict[str, float] = field(default_factory=dict)

    @contextlib.contextmanager
    def stage(self, name: str) -> Iterator[None]:
        i = len(self.timings) + 1
        log.info("stage %d/%d: %s ...", i, self.total, name)
        start = time.perf_counter()
        try:
            yield
        finally:
            _return_free_memory()
            self.timings[name] = round(time.perf_counter() - start, 3)
            log.info("stage %d/%d: %s done in %.1f s", i, self.total, name, self.timings[name])


def _return_free_memory() -> None:
    """Give pages freed by a finished stage back to the operating system.

    glibc's malloc and Arrow's allocator keep freed memory for reuse, so a
    stage's temporary arrays would otherwise stay resident for the rest of the
    run, and be counted again in every forked topic worker. Results are unaffected.
    """
    try:
        import pyarrow as pa

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is a dependency
        pass
    global _LIBC
    if _LIBC is None:
        import ctypes
        import ctypes.util

        try:
            _LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
        except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to trim
            _LIBC = False
    if _LIBC:
        _LIBC.malloc_trim(0)


_LIBC = None


@dataclass(frozen=True)
class TopicRun:
    """Topic-model results for one configuration.

    ``selection`` is the K grid (None when K was fixed in the config);
    ``ensemble`` holds the reference fit plus the aligned refits with other seeds.
    """

    k: int
    k_reason: str
    selection: Any
    ensemble: Any
    topics: pd.DataFrame
    labels: pd.DataFrame
    passages: pd.DataFrame

    @property
    def selection_summary(self) -> pd.DataFrame:
        if self.selection is None:
            return pd.DataFrame()
        return self.selection.summary


def seeds_for(cfg: AnalysisConfig) -> tuple[int, ...]:
    """The explicit model seeds derived from the master seed: ``seed, seed+1, ...``."""
    return tuple(cfg.seed + i for i in range(max(1, cfg.topics.n_seeds)))


def run_topics(cfg: AnalysisConfig, *, corpus, tokens, dtm, texts=None) -> TopicRun:
    """Select K (unless fixed) and fit the seed ensemble at that K.

    ``texts`` (the modelling texts of ``dtm``'s units, for coherence) default to
    ``tokens.documents(unit=dtm.unit)``; a streamed run passes the store's
    re-iterable texts. With a text-free ``corpus`` the passages' ``text`` is <NA>.
    """
    from . import topics as tp

    if texts is None:
        _, texts = tokens.documents(unit=dtm.unit)
    seeds = seeds_for(cfg)
    # Fitted arrays are cached next to the preprocessing cache (open .npz/.json,
    # keyed by matrix content, K, seed, config and versions): a warm run refits nothing.
    cache = str(Path(cfg.preprocess.cache_dir) / "topics") if cfg.preprocess.cache_dir else None
    selection = None
    if cfg.topics.k > 0:
        k, reason = cfg.topics.k, f"K = {cfg.topics.k} fixed in the configuration ([topics] k)"
    else:
        selection = tp.select_k(dtm, texts=texts, k_grid=cfg.topics.k_grid, seeds=seeds, config=cfg.topics,
                                 cache_dir=cache)
        k, reason = selection.chosen_k, selection.reason
    # The chosen K's grid fits are reused (same seeds, same config), not refitted.
    ensemble = (selection.ensemble() if selection is not None
                else tp.fit_topic_ensemble(dtm, k=k, seeds=seeds, texts=texts, config=cfg.topics,
                                       cache_dir=cache))
    topics = tp.describe_topics(ensemble, lambda_=cfg.topics.relevance_lambda, top_n=cfg.topics.top_n,
                                frex_weight=cfg.topics.frex_weight)
    labels = tp.topic_labels(ensemble, lambda_=cfg.topics.relevance_lambda)
    passages = tp.representative_passages(ensemble, corpus, n=3)
    return TopicRun(k=k, k_reason=reason, selection=selection, ensemble=ensemble,
                    topics=topics, labels=labels, passages=passages)


@dataclass
class AnalysisResults:
    """Everything the report shows: named tables, named figures and the narrative sections.

    ``tables`` and ``figures`` are ordered dicts (name -> DataFrame / Figure);
    Figures are :class:`~textanalytics.report.figures.FigureSpec` (``.render()`` draws
    one in a notebook). ``sections`` are ``{"heading", "blocks"}`` dicts whose blocks reference them
    by name. The objects that produced them (``corpus``, ``tokens``, ``dtm``,
    ``topic_run``) are kept for notebooks.
    """

    config: AnalysisConfig
    clock: StageClock
    title: str = ""
    subtitle: str = ""
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    figures: dict[str, FigureSpec] = field(default_factory=dict)
    png_bytes: dict[str, bytes] = field(default_factory=dict)
    sections: list[dict[str, Any]] = field(default_factory=list)
    kwic: pd.DataFrame | None = None
    skipped: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Records skipped, repaired or noted at load time: ``{"skipped": n, "repaired": n, "noted": n}``
    #: (every one is a row of ``tables["problems"]``).
    problem_counts: dict[str, int] = field(default_factory=dict)
    model_seeds: tuple[int, ...] = ()
    topic_k: int | None = None
    topic_k_reason: str = ""
    corpus: Any = None
    tokens: Any = None
    dtm: Any = None
    full_dtm: Any = None
    topic_run: TopicRun | None = None
    #: A streamed run without a cache folder keeps its token store in this TemporaryDirectory (in the
    #: system's temporary folder); it is removed with the results object, so keep ``res`` while using
    #: ``res.tokens``, or set ``[preprocess] cache_dir``.
    scratch: Any = None


def _check_group_columns(columns: Any, group_by: tuple[str, ...]) -> None:
    """Fail before any costly stage when a grouping column is not in the metadata."""
    for col in group_by:
        if col not in columns:
            raise InputError(f"[compare] group_by: column {col!r} is not in the corpus metadata; "
                             f"available: {', '.join(c for c in columns if c != 'text')}")


def _usable_groupings(statements: pd.DataFrame, group_by: tuple[str, ...], skipped: list[str]) -> list[str]:
    """Grouping columns that exist and hold at least two non-empty groups."""
    _check_group_columns(statements.columns, group_by)
    usable = []
    for col in group_by:
        values = statements[col].dropna().astype(str)
        values = values[values != ""]
        if values.nunique() < 2:
            skipped.append(f"comparisons by {col}: fewer than two groups with a value "
                           f"({values.nunique()} group(s), {len(statements) - len(values)} statements without one)")
            continue
        usable.append(col)
    return usable


def run_analysis(cfg: AnalysisConfig) -> AnalysisResults:
    """Run corpus -> preprocess -> vocabulary -> compare -> topics -> figures.

    ``cfg.corpus.path`` must already be resolved (absolute, or relative to the
    working directory). Returns :class:`AnalysisResults`; nothing is written.

    With ``[corpus] stream_rows = N`` a table corpus is streamed N records at a
    time: tokens go to a :class:`~textanalytics.preprocessing.TokenStore` on
    disk, both matrices and the lexical statistics are built chunk by chunk,
    and a second pass over the file gives the KWIC lines and passage texts.
    ``res.corpus`` is then a text-free index (metadata and paragraph numbers)
    and ``res.tokens`` the store; every table equals the in-memory run's.
    """
    from . import compare as cmp
    from . import topics as tp
    from .compare import plots as cplots
    from .corpus.plots import corpus_overview_figure
    from .topics import plots as tplots

    clock = StageClock(total=7 if cfg.corpus.stream_rows > 0 else 8)
    res = AnalysisResults(config=cfg, clock=clock, title=cfg.report.title)
    alpha = cfg.compare.alpha
    sections: list[dict[str, Any]] = []

    streamed = cfg.corpus.stream_rows > 0
    if streamed:
        inputs = _streamed_inputs(cfg, res, clock)
    else:
        inputs = _memory_inputs(cfg, res, clock)
    corpus, tokens, full, dtm = inputs.corpus, inputs.tokens, inputs.full, inputs.dtm
    st = corpus.statements
    res.corpus, res.tokens, res.dtm, res.full_dtm = corpus, tokens, dtm, full
    res.tables["statements"] = corpus.metadata
    res.tables["cleaning"] = corpus.cleaning
    res.tables["problems"] = problem_table(corpus.problems, root=cfg.corpus.path)
    res.problem_counts = problem_counts(corpus.problems)
    res.figures["corpus_overview"] = FigureSpec(corpus_overview_figure, {"corpus": corpus})
    res.subtitle = (f"{len(st)} statements, {int(st['n_words'].sum()):,} words; "
                    f"seed {cfg.seed}; textanalytics {__import__('textanalytics').__version__}.")
    groupings = _usable_groupings(st, cfg.compare.group_by, res.skipped)
    res.tables["phrases"] = tokens.phrases
    res.tables["lexical_stats"] = inputs.lexical

    with clock.stage("compare"):
        # Each comparison's full keyness table (every term) is cut to the report's rows as soon as it
        # is made: on a large corpus the full tables run to millions of rows.
        distinctive, key_tables = [], []
        for col in groupings:
            distinctive.append(cmp.distinctive_terms(full, corpus=corpus, group_by=col, top_n=cfg.compare.top_n,
                                                   idf=cfg.compare.distinctive_idf))
            key_tables.append(_report_keyness(_keyness_table(cmp.keyness(
                full, corpus=corpus, group_by=col, min_dispersion=cfg.compare.min_dispersion,
                alpha=cfg.compare.alpha, g2_cells=cfg.compare.g2_cells)), alpha=alpha))
        for col, a, b in cfg.compare.pairs:
            key_tables.append(_report_keyness(_keyness_table(cmp.keyness(
                full, corpus=corpus, group_by=col, target=a, reference=b, min_dispersion=cfg.compare.min_dispersion,
                alpha=cfg.compare.alpha, g2_cells=cfg.compare.g2_cells)), alpha=alpha))
        res.tables["distinctive_terms"] = pd.concat(distinctive, ignore_index=True) if distinctive else pd.DataFrame()
        res.tables["keyness"] = pd.concat(key_tables, ignore_index=True) if key_tables else pd.DataFrame()
        del distinctive, key_tables
        n_st = len(st)
        sim = None
        if n_st <= MAX_SIMILARITY_STATEMENTS:
            sim = cmp.similarity(full, corpus=corpus, method=cfg.compare.linkage)
            res.tables["similarity"] = sim.table
        else:
            res.skipped.append(f"similarity matrix and dendrogram: {n_st} statements exceed "
                               f"{MAX_SIMILARITY_STATEMENTS} (an n x n table would not be readable); "
                               "use textanalytics.similarity() on a subset")
        for col in groupings:
            sub = res.tables["distinctive_terms"]
            res.figures[f"distinctive_terms_{col}"] = FigureSpec(cplots.plot_distinctive_terms, {"table": sub[sub["group_by"] == col]})
            kt = res.tables["keyness"]
            res.figures[f"keyness_{col}"] = FigureSpec(cplots.plot_keyness_grid, {"table": kt[(kt["group_by"] == col) & (kt["reference"] == "rest")], "alpha": alpha})
        for col, a, b in cfg.compare.pairs:
            kt = res.tables["keyness"]
            pair = kt[(kt["group_by"] == col) & (kt["target"] == str(a)) & (kt["reference"] == str(b))]
            res.figures[f"keyness_{col}_{a}_vs_{b}"] = FigureSpec(cplots.plot_keyness, {"result": pair, "alpha": alpha})
        if sim is not None:
            res.figures["similarity"] = FigureSpec(cplots.plot_similarity, {"result": sim})

    with clock.stage("topics"):
        res.model_seeds = seeds_for(cfg)
        try:
            run = run_topics(cfg, corpus=corpus, tokens=tokens, dtm=dtm, texts=inputs.texts)
        except StepSkipped as exc:
            res.skipped.append(f"topic models: {exc}")
            run = None
        res.topic_run = run
        if run is not None:
            res.topic_k, res.topic_k_reason = run.k, run.k_reason
            if run.selection is not None:
                res.tables["model_selection"] = run.selection.table
                res.figures["model_selection"] = FigureSpec(tplots.plot_model_selection, {"selection": run.selection.table, "chosen_k": run.selection.chosen_k, "threshold": cfg.topics.stability_threshold})
            res.tables["topics"] = run.topics
            res.tables["topic_labels"] = run.labels
            res.tables["representative_passages"] = run.passages
            res.figures["topic_terms"] = FigureSpec(tplots.plot_top_terms, {"terms": run.topics, "labels": run.labels})
            shares, diffs = [], []
            # Hierarchical bootstrap: statements within groups, paragraphs within
            # statements, and a random seed refit per replicate. Resampling only
            # paragraphs measures *these* statements' shares; under no group
            # difference its interval excluded 0 in 87 % of simulated corpora
            # (benchmarks/validate_topics.py), against 8.6 % with statements resampled.
            resample = True
            units_per_statement = len(dtm.units) / max(1, dtm.units["statement_id"].nunique())
            res.notes.append(
                "Share and difference intervals resample statements within groups, paragraphs within "
                "statements and seed refits; a group with one statement has no between-statement "
                "variation to resample, so its interval is too narrow. Judge group differences by the "
                "permutation p-value.")
            if dtm.unit == "statement" or units_per_statement < 1.5:
                res.notes.append("Statements have about one modelling unit each: intervals rest on "
                                 "statement resampling and seed refits only.")
            for col in groupings:
                shares.append(tp.topic_shares(run.ensemble, corpus=corpus, group_by=col, seed=cfg.seed,
                                              config=cfg.topics, resample_statements=resample))
                diffs.append(tp.topic_differences(run.ensemble, corpus=corpus, group_by=col, seed=cfg.seed,
                                                  config=cfg.topics, resample_statements=resample))
            res.tables["topic_shares"] = pd.concat(shares, ignore_index=True) if shares else pd.DataFrame()
            res.tables["topic_differences"] = pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame()
            if "year" in groupings:
                ts = res.tables["topic_shares"]
                res.figures["topic_shares_year"] = FigureSpec(tplots.plot_shares_over_time, {"shares": ts[ts["group_by"] == "year"]})
            for col in groupings:
                ts = res.tables["topic_shares"]
                res.figures[f"topic_heatmap_{col}"] = FigureSpec(tplots.plot_share_heatmap, {"shares": ts[ts["group_by"] == col]})
            td = res.tables["topic_differences"]
            if len(td):
                first = td.iloc[0]
                sub = td[(td["group_by"] == first["group_by"]) & (td["group_a"] == first["group_a"])
                         & (td["group_b"] == first["group_b"])]
                res.figures["topic_differences"] = FigureSpec(tplots.plot_differences, {"differences": sub, "alpha": alpha})

    with clock.stage("keywords in context"):
        if run is not None:
            terms = (run.topics[run.topics["rank"] <= cfg.report.kwic_terms_per_topic]["term"]
                     .drop_duplicates().tolist())
            if not streamed:
                res.kwic = cmp.kwic_many(corpus, terms, tokens=tokens, window=cfg.report.kwic_window,
                                         max_hits=cfg.report.kwic_max_hits)
            else:
                # One more pass over the file: each piece's texts meet its stored tokens.
                res.kwic, passages = _streamed_texts(
                    cfg, tokens, terms=terms, passages=run.passages,
                    words=corpus.statements.set_index(corpus.statements["statement_id"].astype(str))["n_words"])
                run = dataclasses.replace(run, passages=passages)
                res.topic_run = run
                res.tables["representative_passages"] = passages

    with clock.stage("narrative"):
        res.sections = _sections(res, groupings=groupings, alpha=alpha)
    return res


@dataclass(frozen=True)
class _Inputs:
    """What the stages after preprocessing read, whether loaded whole or streamed.

    ``corpus`` is the :class:`~textanalytics.corpus.Corpus` (a text-free index
    when streamed), ``tokens`` a :class:`~textanalytics.preprocessing.Tokens`
    or :class:`~textanalytics.preprocessing.TokenStore`, ``full`` the unpruned
    comparison matrix, ``dtm`` the pruned topic-model matrix, ``texts`` its
    units' modelling texts, ``lexical`` the per-statement lexical statistics.
    """

    corpus: Any
    tokens: Any
    full: Any
    dtm: Any
    texts: Any
    lexical: pd.DataFrame


def _matrices(cfg: AnalysisConfig, build) -> tuple[Any, Any]:
    """Comparisons count every kept term (pruning would silently drop rare,
    possibly group-specific words); topic models use the pruned copy."""
    full = build(cfg.compare.unit)
    base = full if cfg.compare.unit == cfg.preprocess.unit else build(cfg.preprocess.unit)
    return full, base.prune(min_df=cfg.vocabulary.min_df, max_df=cfg.vocabulary.max_df,
                            max_features=cfg.vocabulary.max_features)


def _memory_inputs(cfg: AnalysisConfig, res: AnalysisResults, clock: StageClock) -> _Inputs:
    from . import compare as cmp
    from .corpus import load_corpus_from_config
    from .features import build_dtm
    from .preprocessing import preprocess

    with clock.stage("corpus"):
        corpus = load_corpus_from_config(cfg.corpus)
        _check_group_columns(corpus.statements.columns, cfg.compare.group_by)
    with clock.stage("preprocess"):
        tokens = preprocess(corpus, cfg.preprocess)
    with clock.stage("vocabulary"):
        full, dtm = _matrices(cfg, lambda unit: build_dtm(tokens, unit=unit))
        lexical = cmp.lexical_stats(corpus, tokens=tokens, window=cfg.compare.mattr_window)
    return _Inputs(corpus=corpus, tokens=tokens, full=full, dtm=dtm, texts=None, lexical=lexical)


class _IndexBuilder:
    """Collects a text-free corpus index (metadata, paragraph numbers, cleaning, problems) piece by piece."""

    def __init__(self) -> None:
        self.parts: dict[str, list[pd.DataFrame]] = {"statements": [], "paragraphs": [], "cleaning": [],
                                                     "problems": []}
        self.source = ""

    def add(self, piece: Any) -> None:
        self.parts["statements"].append(piece.metadata)
        self.parts["paragraphs"].append(piece.paragraphs.drop(columns=["text"], errors="ignore"))
        self.parts["cleaning"].append(piece.cleaning)
        self.parts["problems"].append(piece.problems)
        self.source = piece.source or self.source

    def corpus(self) -> Any:
        from .corpus import Corpus

        def cat(name: str) -> pd.DataFrame:
            frames = [f for f in self.parts[name] if len(f)] or self.parts[name][:1]
            return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)

        st = cat("statements").sort_values("statement_id", kind="stable").reset_index(drop=True)
        paras = cat("paragraphs").sort_values(["statement_id", "paragraph"], kind="stable").reset_index(drop=True)
        cleaning = cat("cleaning")
        if len(cleaning):
            cleaning = cleaning.sort_values("statement_id", kind="stable").reset_index(drop=True)
        problems = cat("problems")
        # Case variants are a property of the whole column, so they are checked on the joined index.
        from .corpus.validate import case_variant_problems, problems_frame

        rows = case_variant_problems(st, source=self.source)
        if rows:
            problems = pd.concat([problems, problems_frame(rows)], ignore_index=True)
        return Corpus(statements=st, paragraphs=paras, cleaning=cleaning, problems=problems,
                      source=self.source)


def _streamed_inputs(cfg: AnalysisConfig, res: AnalysisResults, clock: StageClock) -> _Inputs:
    """Corpus and preprocessing in one pass over the table, ``stream_rows`` records at a time.

    Pieces go to :func:`~textanalytics.preprocessing.preprocess_chunks`, which
    spools their tokens to a store on disk and drops their texts; only a
    text-free index of the corpus stays in memory. The store lives in
    ``<cache_dir>/streams/<key>`` (key: the file's SHA-256, the corpus options
    and everything the preprocessing cache keys on), so a warm run reads it
    instead of preprocessing again.
    """
    import shutil
    import tempfile

    from . import compare as cmp
    from .corpus import Corpus, iter_corpus_from_config
    from .corpus.load import corpus_kind
    from .config import to_dict
    from .preprocessing import TokenStore, preprocess_chunks
    from .preprocessing.cache import file_digest, stream_key

    path = Path(cfg.corpus.path)
    if corpus_kind(path) != "table":
        raise InputError(f"[corpus] stream_rows: {path} is a folder; only table files (.csv, .tsv, .jsonl, "
                         ".parquet, optionally .gz) can be streamed; set stream_rows = 0")
    index = _IndexBuilder()

    def pieces() -> Iterator[Any]:
        for i, piece in enumerate(iter_corpus_from_config(cfg.corpus, rows=cfg.corpus.stream_rows)):
            if i == 0:  # every piece has the same columns: a wrong group_by fails before preprocessing
                _check_group_columns(piece.statements.columns, cfg.compare.group_by)
            index.add(piece)
            yield piece
            del piece  # not held while the next piece is read

    with clock.stage("corpus and preprocess (streamed)"):
        store = None
        if cfg.preprocess.cache_dir:
            options = {k: v for k, v in to_dict(cfg.corpus).items() if k != "path"}
            key = stream_key(source=file_digest(path), options=options, config=cfg.preprocess)
            where = Path(cfg.preprocess.cache_dir) / "streams" / key
            if (where / "manifest.json").is_file():
                try:
                    store = TokenStore.open(where)
                    log.info("streaming: token store %s reused (cached)", where)
                except InputError as exc:
                    log.warning("streaming: %s; preprocessing again", exc)
                    shutil.rmtree(where, ignore_errors=True)
        else:
            res.scratch = tempfile.TemporaryDirectory(prefix="textanalytics-stream-")
            where = Path(res.scratch.name) / "store"
        if store is None and res.scratch is not None:
            store = preprocess_chunks(pieces(), cfg.preprocess, out=where)
        elif store is None:
            store = _build_cached_store(pieces(), cfg, where=where)
        else:
            for _ in pieces():  # the index only: metadata, paragraph numbers, cleaning, problems
                pass
        corpus = index.corpus()
    with clock.stage("vocabulary"):
        full, dtm = _matrices(cfg, lambda unit: store.dtm(unit=unit))
        meta, no_paragraphs = corpus.metadata, corpus.paragraphs.iloc[:0]
        parts = []
        for tokens in store.chunk_tokens():  # lexical statistics read the chunk's tokens and its statement ids
            ids = tokens.units["statement_id"].astype(str).unique()
            piece = Corpus(statements=meta[meta["statement_id"].isin(ids)], paragraphs=no_paragraphs)
            parts.append(cmp.lexical_stats(piece, tokens=tokens, window=cfg.compare.mattr_window))
        lexical = pd.concat(parts, ignore_index=True).sort_values("statement_id", kind="stable")
        lexical = lexical.reset_index(drop=True)
        lexical.attrs["params"] = parts[0].attrs.get("params", {})
        if len(lexical) != len(meta):
            raise InputError(f"{path}: {len(meta) - len(lexical)} statement(s) have no stored tokens; "
                             "the file changed during the run; run the report again")
    return _Inputs(corpus=corpus, tokens=store, full=full, dtm=dtm, texts=store.texts(unit=dtm.unit),
                   lexical=lexical)


def _build_cached_store(pieces: Iterator[Any], cfg: AnalysisConfig, *, where: Path) -> Any:
    """Preprocess into a private folder, then rename it to ``where`` unless another run got there first.

    Two runs on the same file and settings may build the same store at once; the
    second to finish keeps the first's store (identical by construction) and
    never replaces a store someone may be reading.
    """
    from .preprocessing import TokenStore, preprocess_chunks

    with atomic_write(where, folder=True, keep=lambda done: (done / "manifest.json").is_file()) as private:
        preprocess_chunks(pieces, cfg.preprocess, out=private)
    return TokenStore.open(where)


def _second_pass(cfg: AnalysisConfig) -> Iterator[Any]:
    """The table's pieces again, without repeating the first pass' warnings about skipped records."""
    from .corpus import iter_corpus_from_config

    def first_pass_only(record: logging.LogRecord) -> bool:
        return record.levelno > logging.WARNING

    loggers = [logging.getLogger(n) for n in ("textanalytics.corpus.load", "textanalytics.corpus.validate")]
    for lg in loggers:
        lg.addFilter(first_pass_only)
    try:
        yield from iter_corpus_from_config(cfg.corpus, rows=cfg.corpus.stream_rows)
    finally:
        for lg in loggers:
            lg.removeFilter(first_pass_only)


def _streamed_texts(cfg: AnalysisConfig, store: Any, *, terms: list[str], passages: pd.DataFrame,
                    words: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Second pass over a streamed table: KWIC lines of ``terms`` and the texts of ``passages``.

    Each piece is matched with its chunk of the store; KWIC runs per piece and
    the hits are merged in corpus order (statement id, paragraph, position),
    keeping the first ``kwic_max_hits`` per term, exactly as one call on the
    whole corpus would. ``words`` (``n_words`` by statement id, from the first
    pass) and the store's ids and paragraph counts check that every piece reads
    as it did the first time.
    """
    from . import compare as cmp

    rc = cfg.report
    wanted_par = {(str(s), int(p)) for s, p in zip(passages["statement_id"], passages["paragraph"]) if pd.notna(p)}
    wanted_st = {str(s) for s, p in zip(passages["statement_id"], passages["paragraph"]) if pd.isna(p)}
    found: dict[tuple[str, int | None], str] = {}
    frames, dtype = [], object
    chunks = store.chunk_tokens()
    for piece in _second_pass(cfg):
        if not len(piece.paragraphs):
            continue
        tokens = next(chunks, None)
        st = piece.statements
        if (tokens is None or set(tokens.units["statement_id"].astype(str)) != set(st["statement_id"].astype(str))
                or len(tokens.units) != len(piece.paragraphs)
                or not st["n_words"].to_numpy().tolist() == words.reindex(st["statement_id"]).tolist()):
            raise InputError(f"{cfg.corpus.path}: the file changed during the run (its second reading differs "
                             f"from the first at statement {str(st['statement_id'].iat[0])!r}'s piece); "
                             "run the report again")
        frames.append(cmp.kwic_many(piece, terms, tokens=tokens, window=rc.kwic_window, max_hits=rc.kwic_max_hits))
        par = piece.paragraphs
        dtype = par["text"].dtype if wanted_par else piece.statements["text"].dtype
        for sid, p, text in zip(par["statement_id"].astype(str), par["paragraph"].astype(int), par["text"]):
            if (sid, p) in wanted_par:
                found[(sid, p)] = text
        for sid, text in zip(piece.statements["statement_id"].astype(str), piece.statements["text"]):
            if sid in wanted_st:
                found[(sid, None)] = text
    if next(chunks, None) is not None:
        raise InputError(f"{cfg.corpus.path}: the file changed during the run (it now has fewer pieces than "
                         "its token store); run the report again")
    order = {q: i for i, q in enumerate(terms)}
    frames = [f for f in frames if len(f)] or frames[:1]  # an empty piece's columns have no dtypes to keep
    kwic = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    kwic = kwic.assign(_q=kwic["query"].map(order)).sort_values(
        ["_q", "statement_id", "paragraph", "start"], kind="stable")
    if rc.kwic_max_hits is not None:
        kwic = kwic.groupby("_q", sort=False).head(rc.kwic_max_hits)
    kwic = kwic.drop(columns="_q").reset_index(drop=True)
    texts = [found.get((str(s), None if pd.isna(p) else int(p))) for s, p in
             zip(passages["statement_id"], passages["paragraph"])]
    return kwic, passages.assign(text=pd.Series(texts, index=passages.index, dtype=dtype))


#: Keyness rows kept per comparison and direction besides the significant ones.
KEYNESS_TOP_ROWS = 50


def _report_keyness(table: pd.DataFrame, *, alpha: float) -> pd.DataFrame:
    """The report's keyness table: significant terms plus the top 50 by G² per side.

    The full table (every term of every comparison) runs to millions of rows on
    a large corpus; ``textanalytics.keyness()`` returns it whole. Row order is kept.
    """
    if table.empty:
        return table
    keys = ["group_by", "target", "reference", "direction"]
    strength = table["g2"].abs()
    rank = (table.assign(_s=strength).groupby(keys, sort=False, dropna=False)["_s"]
            .rank(method="first", ascending=False))
    keep = (table["p_adjusted"] < alpha) | (rank <= KEYNESS_TOP_ROWS)
    return table[keep.to_numpy()].reset_index(drop=True)


def _keyness_table(result: Any) -> pd.DataFrame:
    return getattr(result, "table", result)


def _sections(res: AnalysisResults, *, groupings: list[str], alpha: float) -> list[dict[str, Any]]:
    from .report import narrative

    cfg = res.config
    st = res.corpus.statements
    S: list[dict[str, Any]] = []
    blocks = [{"kind": "text", "text": t} for t in narrative.corpus_paragraphs(
        st, n_paragraphs=len(res.corpus.paragraphs), source=__import__("pathlib").Path(cfg.corpus.path).name)]
    blocks.append({"kind": "figure", "name": "corpus_overview",
                   "caption": "Statements and words per year and speaker."})
    cols = [c for c in ["statement_id", "date", "year", "speaker", "organisation", "genre", "n_words"] if c in st]
    blocks.append({"kind": "table", "name": "statements", "caption": "Statements", "columns": cols, "open": True})
    if len(res.tables["problems"]):
        blocks.append({"kind": "table", "name": "problems", "open": True,
                       "caption": "Records skipped, repaired or noted at load time"})
    S.append({"heading": "Corpus", "blocks": blocks})

    blocks = [{"kind": "text", "text": (
        "Keyness compares each group with the rest of the corpus: log-likelihood G² (Rayson & Garside 2000) "
        "tests whether a term's frequency differs, the log ratio (Hardie 2014) says by how much (1 = twice as "
        "frequent), p-values are Benjamini–Hochberg adjusted within each comparison, and dispersion counts "
        "how many of the group's statements use the term.")}]
    blocks.append({"kind": "list", "items": narrative.keyness_items(res.tables.get("keyness"), alpha=alpha)})
    for col in groupings:
        blocks.append({"kind": "figure", "name": f"keyness_{col}", "caption": f"Keyness by {col}: each group vs the rest."})
        blocks.append({"kind": "figure", "name": f"distinctive_terms_{col}", "caption": f"Distinctive terms (TF-IDF) by {col}."})
    blocks.append({"kind": "figure", "name": "similarity",
                   "caption": "Cosine similarity of statements' TF-IDF vectors, with average-linkage dendrogram."})
    blocks.append({"kind": "table", "name": "lexical_stats", "caption": "Lexical statistics per statement"})
    S.append({"heading": "Vocabulary contrasts", "blocks": blocks})

    run = res.topic_run
    if run is not None:
        blocks = [{"kind": "text", "text": f"Topic model: {cfg.topics.engine} LDA on {res.dtm.unit}s. {run.k_reason}"}]
        if "model_selection" in res.figures:
            blocks.append({"kind": "figure", "name": "model_selection", "caption": "Coherence and stability across K and seeds."})
        blocks.append({"kind": "list", "items": narrative.topic_items(run.labels)})
        blocks.append({"kind": "figure", "name": "topic_terms", "caption": "Top terms per topic (by relevance)."})
        blocks.append({"kind": "table", "name": "topic_labels", "caption": "Topic labels, shares and stability", "open": True})
        blocks.append({"kind": "table", "name": "representative_passages", "caption": "Most representative paragraphs per topic"})
        S.append({"heading": "Topics", "blocks": blocks})

        blocks = []
        if "topic_shares_year" in res.figures:
            blocks.append({"kind": "figure", "name": "topic_shares_year", "caption": "Topic shares by year with intervals."})
        td = res.tables.get("topic_differences")
        year_d = td[td["group_by"] == "year"] if td is not None and len(td) else None
        blocks.append({"kind": "list", "items": narrative.difference_items(year_d, alpha=alpha) or ["No year comparison available."]})
        S.append({"heading": "Changes across years", "blocks": blocks})

        blocks = []
        for col in groupings:
            if col == "year":
                continue
            blocks.append({"kind": "figure", "name": f"topic_heatmap_{col}", "caption": f"Topic shares by {col}."})
            sub = td[td["group_by"] == col] if td is not None and len(td) else None
            blocks.append({"kind": "list", "items": narrative.difference_items(sub, alpha=alpha) or [f"No {col} comparison available."]})
        if "topic_differences" in res.figures:
            blocks.append({"kind": "figure", "name": "topic_differences", "caption": "Differences in topic share between two groups."})
        blocks.append({"kind": "table", "name": "topic_shares", "caption": "Topic shares by group"})
        blocks.append({"kind": "table", "name": "topic_differences", "caption": "Differences between groups"})
        S.append({"heading": "Differences between speakers and groups", "blocks": blocks})

    cav = narrative.caveats(statements=st, group_by=tuple(cfg.compare.group_by),
                            labels=run.labels if run is not None else None,
                            skipped=res.skipped, unit=cfg.preprocess.unit)
    cav = cav + list(res.notes)
    S.append({"heading": "Caveats", "blocks": [{"kind": "note", "text": c} for c in cav]})
    # A skipped step leaves no figure or table behind: drop the blocks that would show it
    # (the reason is stated under Caveats).
    for section in S:
        section["blocks"] = [b for b in section["blocks"]
                             if not (b["kind"] == "figure" and b["name"] not in res.figures)
                             and not (b["kind"] == "table" and b["name"] not in res.tables)]
    return S
