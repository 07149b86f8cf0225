"""Run every analysis stage from one :class:`~textanalytics.config.AnalysisConfig`.

:func:`run_analysis` is the whole pipeline as one call returning plain results
(tables and the objects that made them); :mod:`textanalytics.report` chooses the
figures, writes the narrative and the files, the CLI wraps both. There is one
code path: :func:`textanalytics.inputs.load_inputs` reads the corpus whole or in
pieces, and every later stage iterates the token chunks and text pieces it
gives (in memory, one of each). Stages that cannot run on a corpus (too few
units for K topics, a grouping column that is empty) are skipped with a stated
reason in :attr:`AnalysisResults.skipped` instead of crashing.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import ctypes.util
import dataclasses
import logging
import time
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Iterator

import pandas as pd

from . import compare as cmp
from . import topics as tp
from .config import AnalysisConfig
from .corpus.summary import problem_counts, problem_table
from .errors import InputError, StepSkipped
from .grouping import REST, check_group_by, group_labels, label_str
from .inputs import AnalysisInputs, load_inputs
from .themes.stage import run_themes

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
        import pyarrow as pa  # deferred: pyarrow, only to release its memory pool

        pa.default_memory_pool().release_unused()
    except (ImportError, AttributeError):  # pragma: no cover - pyarrow is a dependency
        pass
    global _LIBC
    if _LIBC is None:
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


def run_topics(cfg: AnalysisConfig, *, corpus, tokens, dtm, texts=None, on_spark: Any = None) -> TopicRun:
    """Select K (unless fixed) and fit the seed ensemble at that K.

    ``texts`` (the modelling texts of ``dtm``'s units, for coherence) default to
    ``tokens.documents(unit=dtm.unit)``; a streamed run passes the store's
    re-iterable texts. With a text-free ``corpus`` the passages' ``text`` is <NA>.
    ``on_spark``: ``(session, prepared matrix)`` when the matrix stayed on Spark
    (:func:`topics_on_spark`; ``dtm`` is then None): the K fixed in the configuration is
    fitted there with MLlib, on vectors built from the store.
    """
    seeds = seeds_for(cfg)
    if texts is None:
        _, texts = tokens.documents(unit=dtm.unit)
    # Fitted arrays are cached next to the preprocessing cache (open .npz/.json,
    # keyed by matrix content, K, seed, config and versions): a warm run refits nothing.
    cache = str(Path(cfg.preprocess.cache_dir) / "topics") if cfg.preprocess.cache_dir else None
    selection = None
    if on_spark is not None and cfg.topics.engine != "mllib":  # [spark] topic_sample
        return _sampled_on_spark(cfg, corpus=corpus, tokens=tokens, texts=texts, on_spark=on_spark, seeds=seeds,
                                 cache=cache)
    if cfg.topics.k > 0:
        k, reason = cfg.topics.k, f"K = {cfg.topics.k} fixed in the configuration ([topics] k)"
    else:
        selection = tp.select_k(dtm, texts=texts, k_grid=cfg.topics.k_grid, seeds=seeds, config=cfg.topics,
                                 cache_dir=cache)
        k, reason = selection.chosen_k, selection.reason
    if selection is not None:  # the chosen K's grid fits are reused (same seeds, same config), not refitted
        ensemble = selection.ensemble()
    elif on_spark is not None:
        ensemble = _ensemble_on_spark(cfg, tokens=tokens, texts=texts, on_spark=on_spark, seeds=seeds)
    else:
        ensemble = tp.fit_topic_ensemble(dtm, k=k, seeds=seeds, texts=texts, config=cfg.topics, cache_dir=cache)
    return _described(cfg, corpus=corpus, k=k, reason=reason, selection=selection, ensemble=ensemble)


def _described(cfg: AnalysisConfig, *, corpus: Any, k: int, reason: str, selection: Any, ensemble: Any) -> TopicRun:
    topics = tp.describe_topics(ensemble, lambda_=cfg.topics.relevance_lambda, top_n=cfg.topics.top_n,
                                frexweight=cfg.topics.frexweight, min_statements=cfg.topics.label_min_statements)
    labels = tp.topic_labels(ensemble, lambda_=cfg.topics.relevance_lambda, label_by=cfg.topics.label_by,
                             frexweight=cfg.topics.frexweight, min_statements=cfg.topics.label_min_statements)
    passages = tp.representative_passages(ensemble, corpus=corpus, top_n=3)
    return TopicRun(k=k, k_reason=reason, selection=selection, ensemble=ensemble,
                    topics=topics, labels=labels, passages=passages)


def topics_on_spark(cfg: AnalysisConfig) -> bool:
    """Whether the report's topic models fit from the store on Spark, their matrix never on the driver:
    ``[spark] backend = "spark"`` and either ``[topics] engine = "mllib"`` with K fixed (``[topics] k``;
    MLlib's K search still cuts the driver's matrix) or ``[spark] topic_sample`` > 0 (a local engine on
    a sample of the units, K searched on that sample, every unit's proportions folded in on Spark).
    Runs asking for seeded topics (tomotopy's, on the whole matrix) fit on the driver's matrix."""
    seeded = bool(cfg.themes.codebook) and cfg.themes.seeded_topics
    sample = cfg.topics.engine != "mllib" and cfg.spark.topic_sample > 0
    mllib = cfg.topics.engine == "mllib" and cfg.topics.k > 0
    return cfg.spark.backend == "spark" and (sample or mllib) and not seeded


def _sampled_on_spark(cfg: AnalysisConfig, *, corpus: Any, tokens: Any, texts: Any, on_spark: Any,
                      seeds: tuple[int, ...], cache: str | None) -> TopicRun:
    """``[spark] topic_sample``: K (unless fixed) searched on the sampled units, the seed ensemble fitted on
    them, every unit's proportions folded in on Spark (:mod:`textanalytics.spark.sample`)."""
    from .spark.sample import fit_sample_store  # deferred: the Spark backend (numpy, scipy; pyspark on use)

    session, prepared = on_spark
    fits = fit_sample_store(session, tokens, prepared=prepared, unit=cfg.preprocess.unit, config=cfg.topics,
                            size=cfg.spark.topic_sample, seed=cfg.seed, cache_dir=cache)
    try:
        selection, fit = None, fits.fit
        if cfg.topics.k > 0:
            k, reason = cfg.topics.k, f"K = {cfg.topics.k} fixed in the configuration ([topics] k)"
        else:
            # The search fits the chosen K with every seed on the sample (cached by the sample's matrix): those
            # topics are kept, and every unit is folded into them.
            selection = tp.select_k_prepared(fits.sample, texts=texts, k_grid=cfg.topics.k_grid, seeds=seeds,
                                             config=cfg.topics, cache_dir=cache)
            k, reason = selection.chosen_k, f"{selection.reason.rstrip('.')} (K searched on the sampled units)"
            chosen = {m.params["seed"]: m for m in selection.models}

            def fit(k: int, seed: int) -> tuple:
                m = chosen[seed]  # its topics reordered: each keeps its own alpha
                return fits.fold(m.topic_term, m.params["engine_info"], order=m.params["topic_order"])

        ensemble = tp.fit_prepared_ensemble(prepared, k=k, seeds=seeds, config=cfg.topics, texts=texts, fit=fit)
    finally:
        fits.release()
    return _described(cfg, corpus=corpus, k=k, reason=reason, selection=selection, ensemble=ensemble)


def _ensemble_on_spark(cfg: AnalysisConfig, *, tokens: Any, texts: Any, on_spark: Any,
                       seeds: tuple[int, ...]) -> Any:
    """The seed ensemble fitted by MLlib on vectors built on Spark from the store (no fit cache: nothing to key it on)."""
    from .spark.lda import fit_mllib_store  # deferred: the Spark backend (numpy, pandas, scipy; pyspark on use)

    session, prepared = on_spark
    fit, release = fit_mllib_store(session, tokens, prepared=prepared, unit=cfg.preprocess.unit, config=cfg.topics)
    try:
        return tp.fit_prepared_ensemble(prepared, k=cfg.topics.k, seeds=seeds, config=cfg.topics, texts=texts, fit=fit)
    finally:
        release()


@dataclass
class AnalysisResults:
    """Every table an analysis made, and the objects that made them.

    ``tables`` is an ordered dict (name -> tidy DataFrame). ``corpus``,
    ``tokens``, ``dtm`` (the pruned modelling matrix; None when it stayed on Spark,
    :func:`topics_on_spark`, whose prepared form without cells is ``topic_matrix``),
    ``full_dtm`` (the unpruned comparison matrix), ``similarity`` and ``topic_run`` are kept for
    notebooks and for :mod:`textanalytics.report`, which picks figures
    (:func:`textanalytics.report.figure_specs`) and writes the narrative.
    ``groupings`` are the ``[compare] group_by`` columns with two or more groups.
    """

    config: AnalysisConfig
    clock: StageClock
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    kwic: pd.DataFrame | None = None
    skipped: list[str] = field(default_factory=list)
    groupings: list[str] = field(default_factory=list)
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
    topic_matrix: Any = None
    similarity: Any = None
    topic_run: TopicRun | None = None
    #: The corpus and tokens as read (whole or streamed). A streamed run without a cache folder keeps
    #: its token store in a temporary folder removed with this object, so keep ``res`` while using
    #: ``res.tokens``, or set ``[preprocess] cache_dir``.
    inputs: AnalysisInputs | None = None


def usable_groupings(statements: pd.DataFrame, group_by: tuple[str, ...], skipped: list[str]) -> list[str]:
    """Grouping columns that hold at least two non-empty groups; the others are noted in ``skipped``."""
    for col in group_by:
        check_group_by(statements.columns, group_by=col, field="[compare] group_by")
    usable = []
    for col in group_by:
        values = group_labels(statements, group_by=col).dropna().map(label_str)
        if values.nunique() < 2:
            skipped.append(f"comparisons by {col}: fewer than two groups with a value "
                           f"({values.nunique()} group(s), {len(statements) - len(values)} statements without one)")
            continue
        usable.append(col)
    return usable


#: Keyness rows kept per comparison and direction besides the significant ones.
KEYNESS_TOP_ROWS = 50


def run_analysis(cfg: AnalysisConfig) -> AnalysisResults:
    """Run corpus -> preprocess -> vocabulary -> compare -> topics -> keywords in context.

    ``cfg.corpus.path`` must already be resolved (absolute, or relative to the
    working directory). Returns :class:`AnalysisResults`; nothing is written.

    With ``[corpus] stream_rows = N`` a table corpus is streamed N records at a
    time: tokens go to a :class:`~textanalytics.preprocessing.TokenStore` on
    disk, matrices and lexical statistics are built chunk by chunk, and a
    second pass over the file gives the KWIC lines and passage texts.
    ``res.corpus`` is then a text-free index (metadata and paragraph numbers)
    and ``res.tokens`` the store; every table equals the in-memory run's.
    """
    # incl. writing the report; a streamed corpus has no separate corpus stage; [themes] adds one
    clock = StageClock(total=(6 if cfg.corpus.stream_rows > 0 else 7) + (1 if cfg.themes.codebook else 0))
    res = AnalysisResults(config=cfg, clock=clock)
    inputs = load_inputs(cfg, stage=clock.stage)
    corpus, tokens = inputs.corpus, inputs.tokens
    res.inputs, res.corpus, res.tokens = inputs, corpus, tokens
    res.tables["statements"] = corpus.metadata
    res.tables["cleaning"] = corpus.cleaning
    res.tables["problems"] = problem_table(corpus.problems, root=cfg.corpus.path)
    res.problem_counts = problem_counts(corpus.problems)
    res.groupings = usable_groupings(corpus.statements, cfg.compare.group_by, res.skipped)
    res.tables["phrases"] = tokens.phrases

    with clock.stage("vocabulary"):
        group_by = res.groupings[0] if res.groupings else None
        if cfg.spark.backend == "spark" and cfg.spark.topic_sample > 0 and not topics_on_spark(cfg):
            log.warning("[spark] topic_sample does not apply with seeded topics: this run fits the whole topic-model "
                        "matrix on the driver")
        if topics_on_spark(cfg):
            from .features import build_dtm  # deferred: scipy, pandas (features is the matrix stage)
            from .spark.prepare import prepare_on_spark  # deferred: Spark backend (numpy, pandas, scipy; pyspark)

            # Comparisons read sums made on Spark (_compare); the matrix only for similarity, on few statements.
            if len(corpus.statements) <= MAX_SIMILARITY_STATEMENTS:
                res.full_dtm = build_dtm(tokens, unit=cfg.compare.unit)
            res.topic_matrix, ubiquitous = prepare_on_spark(inputs.spark, tokens, corpus=corpus,
                                                            unit=cfg.preprocess.unit, vocabulary=cfg.vocabulary,
                                                            topics=cfg.topics, group_by=group_by)
        else:
            res.full_dtm, res.dtm, ubiquitous = _matrices(cfg, tokens, corpus=corpus, group_by=group_by)
        if len(ubiquitous):
            log.info("vocabulary: %d term(s) in more than %g of the %ss of every %s group left out of the topic "
                     "model: %s", len(ubiquitous), cfg.vocabulary.ubiquitous_share, cfg.preprocess.unit,
                     group_by or "corpus", ", ".join(ubiquitous["term"].head(10)))
        if cfg.vocabulary.ubiquitous_share > 0:
            res.tables["ubiquitous_terms"] = ubiquitous
        res.tables["lexical_stats"] = _lexical_stats(corpus, tokens, window=cfg.compare.mattr_window,
                                                     map_pieces=inputs.map_on_spark)
        res.tables["repeated_passages"] = _repeated_passages(res, group_by=group_by)
    with clock.stage("compare"):
        _compare(cfg, res)
    with clock.stage("topics"):
        _topics(cfg, res)
        if cfg.effects.formulas:  # covariate effects on topic shares: textanalytics/effects/stage.py
            from .effects.stage import run_effects  # deferred: scipy, statsmodels (effect regressions)
            run_effects(cfg, res)
    with clock.stage("keywords in context"):
        _keywords_in_context(cfg, res)
    run_themes(cfg, res)  # [themes] codebook: dictionary counts, shares, KWIC, seeded topics (themes/stage.py)
    return res


def _matrices(cfg: AnalysisConfig, tokens: Any, *, corpus: Any,
              group_by: str | None) -> tuple[Any, Any, pd.DataFrame]:
    """The unpruned comparison matrix, the pruned topic-model matrix and the ubiquitous terms it lacks.

    Comparisons count every kept term (pruning would silently drop rare,
    possibly group-specific words); topic models use the pruned copy, without
    the terms found in more than ``[vocabulary] ubiquitous_share`` of the units
    of every ``group_by`` group (:func:`~textanalytics.features.ubiquitous_terms`).
    """
    from .features import build_dtm, topic_model_matrix  # deferred: scipy, pandas (features is the matrix stage)
    from .grouping import unit_labels  # deferred: pandas

    voc = cfg.vocabulary
    full = build_dtm(tokens, unit=cfg.compare.unit)
    base = full if cfg.compare.unit == cfg.preprocess.unit else build_dtm(tokens, unit=cfg.preprocess.unit)
    labels = None if group_by is None else unit_labels(base, corpus=corpus, group_by=group_by)
    model, ubiquitous = topic_model_matrix(base, labels=labels, config=voc)
    return full, model, ubiquitous


def _lexical_stats(corpus: Any, tokens: Any, *, window: int, map_pieces: Any = None) -> pd.DataFrame:
    """Lexical statistics per statement, token chunk by token chunk (in memory: one chunk).

    ``map_pieces`` (the Spark backend's :meth:`~textanalytics.spark.run.SparkRun.map_pieces`): each
    piece's rows are computed on an executor and only the rows (one per statement) come back.
    """
    meta, no_paragraphs = corpus.metadata, corpus.paragraphs.iloc[:0]
    if map_pieces is not None:
        parts = [rows for (rows,) in map_pieces(functools.partial(piece_lexical_stats, window=window))]
    else:
        parts = []
        for chunk in tokens.chunk_tokens():  # a chunk's tokens and its statements' metadata; no text needed
            ids = chunk.units["statement_id"].astype(str).unique()
            piece = type(corpus)(statements=meta[meta["statement_id"].astype(str).isin(ids)],
                                 paragraphs=no_paragraphs)
            parts.append(piece_lexical_stats(piece, chunk, window=window)[0])
    lexical = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    lexical = lexical.sort_values("statement_id", kind="stable").reset_index(drop=True)
    if len(lexical) != len(meta):
        raise InputError(f"{corpus.source}: {len(meta) - len(lexical)} statement(s) have no stored tokens; "
                         "the file changed during the run; run the report again")
    return lexical


def _repeated_passages(res: AnalysisResults, *, group_by: str | None) -> pd.DataFrame:
    """Passages found in many statements (page furniture, disclaimers, syndicated copy), reported, not dropped.

    On Spark the fingerprints are counted and the passages found on the executors (the same table).
    """
    from .compare.passages import repeated_passages  # deferred: the compare stage's modules (numpy, pandas)

    inputs = res.inputs
    return repeated_passages(res.tokens, corpus=res.corpus, group_by=group_by,
                             frequent_keys=inputs.frequent_on_spark if inputs is not None else None,
                             map_pieces=inputs.map_on_spark if inputs is not None else None).table


def piece_lexical_stats(piece: Any, tokens: Any, *, window: int) -> tuple[pd.DataFrame]:
    """One piece's lexical statistics per statement (a 1-tuple, as ``map_pieces`` functions return)."""
    return (cmp.lexical_stats(piece, tokens=tokens, window=window).table,)


def _compare(cfg: AnalysisConfig, res: AnalysisResults) -> None:
    """Distinctive terms and keyness per grouping and configured pair; statement similarity."""
    full, corpus, cc = res.full_dtm, res.corpus, cfg.compare
    # Only the report's keyness rows of each comparison are made (shortlist=): on a large corpus the
    # full tables run to millions of rows.
    distinctive, key_tables, omnibus, trend = [], [], [], []
    comparisons = [(col, None, None) for col in res.groupings] + [(col, a, b) for col, a, b in cc.pairs]
    sums = _comparison_sums(cfg, res)
    from .compare.distinctive import distinctive_of_sums  # deferred: scipy, pandas (the compare stage)
    from .compare.keywords import keyness_of_sums  # deferred: scipy, pandas (the compare stage)

    for col in res.groupings:
        if sums is None:
            distinctive.append(cmp.distinctive_terms(full, corpus=corpus, group_by=col, top_n=cc.top_n,
                                                     idf=cc.distinctive_idf).table)
        else:
            distinctive.append(distinctive_of_sums(sums(col), group_by=col, top_n=cc.top_n,
                                                   idf=cc.distinctive_idf).table)
    for col, a, b in comparisons:
        pair = {} if a is None else {"target": a, "reference": b}
        options = {**cc.keyness_options(seed=cfg.seed), **pair, "shortlist": KEYNESS_TOP_ROWS}
        if sums is None:
            result = cmp.keyness(full, corpus=corpus, group_by=col, **options)
        else:
            result = keyness_of_sums(sums(col), group_by=col, corpus=corpus, **options)
        key_tables.append(result.table)
        omnibus.append(result.omnibus)
        trend.append(result.trend)
    res.tables["distinctive_terms"] = pd.concat(distinctive, ignore_index=True) if distinctive else pd.DataFrame()
    res.tables["keyness"] = pd.concat(key_tables, ignore_index=True) if key_tables else pd.DataFrame()
    # k-group and trend tests per term (one table each over all groupings; empty when none applies).
    for name, parts in (("keyness_omnibus", omnibus), ("keyness_trend", trend)):
        parts = [p for p in parts if len(p)]
        res.tables[name] = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    n_st = len(corpus.statements)
    if n_st <= MAX_SIMILARITY_STATEMENTS:
        res.similarity = cmp.similarity(full, corpus=corpus, method=cc.linkage)
        res.tables["similarity"] = res.similarity.table
    else:
        res.skipped.append(f"similarity matrix and dendrogram: {n_st} statements exceed "
                           f"{MAX_SIMILARITY_STATEMENTS} (an n x n table would not be readable); "
                           "use textanalytics.similarity() on a subset")


def _comparison_sums(cfg: AnalysisConfig, res: AnalysisResults) -> Any:
    """On the Spark backend, ``sums(column)``: the per group x term sums keyness and distinctive terms read,
    summed on Spark from the token store (:func:`~textanalytics.spark.sums.keyness_sums_on_spark`), one
    aggregation per grouping column; locally None (they read the driver's comparison matrix)."""
    spark = res.inputs.spark if res.inputs is not None else None
    if spark is None:
        return None
    from .spark.sums import keyness_sums_on_spark  # deferred: the Spark backend (numpy, pandas, scipy; pyspark on use)

    made: dict[str, Any] = {}

    def sums(column: str) -> Any:
        if column not in made:
            made[column] = keyness_sums_on_spark(spark, res.tokens, corpus=res.corpus, group_by=column,
                                                 unit=cfg.compare.unit)
        return made[column]

    return sums


def _topics(cfg: AnalysisConfig, res: AnalysisResults) -> None:
    """K selection, the seed ensemble, topic descriptions, and shares and differences per grouping.

    Share and difference intervals resample statements within groups, paragraphs
    within statements and seed refits (the hierarchical bootstrap): resampling only
    paragraphs measures *these* statements' shares, and under no group difference
    its interval excluded 0 in 87 % of simulated corpora (benchmarks/validate_topics.py),
    against 8.6 % with statements resampled.
    """
    res.model_seeds = seeds_for(cfg)
    try:
        texts = res.tokens.texts(unit=cfg.preprocess.unit)
        if res.inputs is not None and res.inputs.map_on_spark is not None:
            # Coherence counts made on the executors, piece by piece; only word x word counts come back.
            texts = tp.PieceTexts(texts, unit=cfg.preprocess.unit, map_pieces=res.inputs.map_on_spark)
        run = run_topics(cfg, corpus=res.corpus, tokens=res.tokens, dtm=res.dtm, texts=texts,
                         on_spark=None if res.topic_matrix is None else (res.inputs.spark, res.topic_matrix))
    except StepSkipped as exc:
        res.skipped.append(f"topic models: {exc}")
        return
    res.topic_run = run
    res.topic_k, res.topic_k_reason = run.k, run.k_reason
    if run.selection is not None:
        res.tables["model_selection"] = run.selection.table
    res.tables["topics"] = run.topics
    res.tables["topic_labels"] = run.labels
    res.tables["representative_passages"] = run.passages
    shares, diffs, trends = [], [], []
    for col in res.groupings:
        shares.append(tp.topic_shares(run.ensemble, corpus=res.corpus, group_by=col, seed=cfg.seed,
                                      config=cfg.topics).table)
        groups = shares[-1]["group"].drop_duplicates().tolist()
        diffs.append(tp.topic_differences(run.ensemble, corpus=res.corpus, group_by=col, seed=cfg.seed,
                                          config=cfg.topics, pairs=_difference_family(cfg, col, groups),
                                          alpha=cfg.compare.alpha).table)
        if len(groups) >= 3 and tp.time_positions(groups) is not None:
            trends.append(tp.topic_trends(run.ensemble, corpus=res.corpus, group_by=col, seed=cfg.seed,
                                          config=cfg.topics).table)
    res.tables["topic_shares"] = pd.concat(shares, ignore_index=True) if shares else pd.DataFrame()
    res.tables["topic_differences"] = pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame()
    if trends:
        res.tables["topic_trends"] = pd.concat(trends, ignore_index=True)


def _difference_family(cfg: AnalysisConfig, column: str, groups: list[Any]) -> list[tuple[Any, Any]]:
    """The comparisons one grouping's differences test together: its configured pairs, then each group vs the rest.

    With two groups the one pair stands for both "vs the rest" rows. Groups are
    matched by name, so a configured pair is given as the column's labels.
    """
    by_name = {label_str(g): g for g in groups}
    family = [(by_name[a], by_name[b]) for col, a, b in cfg.compare.pairs
              if col == column and a in by_name and b in by_name]
    if len(groups) == 2:
        return family or [(groups[0], groups[1])]
    return family + [(g, REST) for g in groups]


def _keywords_in_context(cfg: AnalysisConfig, res: AnalysisResults) -> None:
    """KWIC lines of the topics' top terms and the texts of the representative passages, one pass over the texts."""
    run = res.topic_run
    if run is None:
        return
    rc = cfg.report
    terms = run.topics[run.topics["rank"] <= rc.kwic_terms_per_topic]["term"].drop_duplicates().tolist()
    passages = run.passages
    wanted = set(zip(passages["statement_id"].astype(str),
                     [None if pd.isna(p) else int(p) for p in passages["paragraph"]]))
    # Each piece gives its lines and passage texts (on Spark, where the piece is); only those are merged here.
    lines, texts_found = res.inputs.shown(terms, window=rc.kwic_window, max_hits=rc.kwic_max_hits, wanted=wanted)
    res.kwic = cmp.merge_kwic(lines, terms, max_hits=rc.kwic_max_hits)
    dtype: Any = texts_found[-1]["text"].dtype if texts_found else passages["text"].dtype if "text" in passages else object
    found = {(s, None if pd.isna(p) else int(p)): t for f in texts_found
             for s, p, t in zip(f["statement_id"], f["paragraph"], f["text"])}
    texts = [found.get((str(s), None if pd.isna(p) else int(p)))
             for s, p in zip(passages["statement_id"], passages["paragraph"])]
    passages = passages.assign(text=pd.Series(texts, index=passages.index, dtype=dtype))
    res.topic_run = run = dataclasses.replace(run, passages=passages)
    res.tables["representative_passages"] = passages
