"""The Spark backend against the local streamed path, and MLlib LDA against the local default engine.

Scaling (``--scales 1 4 16``): news_articles replicated N times with distinct ids (``<id>-r<i>``),
written as one .csv.gz; for each N, in a fresh process each, what the report does before its
statistics and fits (the stages whose memory grows with the corpus):

1. corpus + preprocessing;
2. the comparisons' sums (``KeynessSums`` for every ``[compare] group_by`` column): locally of the
   comparison matrix (unpruned, ``[compare] unit``, built on the driver); on Spark summed there
   (``spark.sums.keyness_sums_on_spark``), no matrix on the driver; then the comparisons from
   them (keyness with its omnibus and trend tests, only its shortlisted rows as a table; distinctive
   terms), as the report makes them;
3. the topic-model matrix as the fits take it: locally ``topic_model_matrix`` + ``prepare`` (the
   counts in memory); on Spark with ``[topics] engine = "mllib"`` at a fixed K,
   ``spark.prepare.prepare_on_spark`` (vocabulary, units and pruned counts only: the vectors are
   built on Spark when the models fit);
4. the repeated passages (``compare.passages``): fingerprints counted chunk by chunk on the driver,
   or by ``reduceByKey`` on Spark, then the words around the frequent ones;

by

* ``local``: the streamed path (``[corpus] stream_rows = 2000``, no cache), and
* ``spark``: ``[spark] backend = "spark"`` on ``local[2]``, pieces of about 2,000 records.

Reported: wall time, the driver's peak RSS (the Python process, ``getrusage``) in all and after
each step (``driver_peak_rss_mb_after``: the peak so far, so a step that does not raise it
repeats the step before), and for Spark the peak RSS of the JVM (driver and, in local mode, the
executors), sampled with psutil. The MLlib fit itself is left out (at 16 x on two cores it takes
longer than everything else together); what it brings to the driver is ``topic_term`` (K x V)
and the units' proportions (n x K floats).

Topics (``--lda``): on news_articles 1x, or its first ``--records`` records (statements, the
example config's vocabulary), K topics for each of ``--seeds``: the local default engine
(``[topics] engine``, its default settings) and ``engine = "mllib"`` (MLlib's LDA on local[2])
for each ``--mllib`` setting, ``default`` (the engine's own defaults for settings left unset) or
``passes:eta:alpha[:learning[:chunksize[:offset[:decay]]]]`` (``[topics]`` values used as
given, with none of the engine's substitutions: alpha ``auto`` learns MLlib's docConcentration,
``asymmetric`` is gensim's fixed prior); mean c_npmi of the top 10 terms by
:func:`textanalytics.topics.coherence` on the same texts; the issue asks for MLlib within 0.02.

    PYTHONPATH=. python benchmarks/bench_spark.py --scales 1 4 16
    PYTHONPATH=. python benchmarks/bench_spark.py --lda --k 20 --seeds 1 2 3 --mllib default 10:0.005:symmetric:online
    PYTHONPATH=. python benchmarks/bench_spark.py --lda --records 1500 --k 10 --seeds 1 2 3 4 5 --mllib default
    PYTHONPATH=. python benchmarks/bench_spark.py --sample 2000 1000 --k 20 --seeds 1 2 3

``--sample``: :func:`sample_fits` (``[spark] topic_sample``), rows in the JSON's ``"topic_sample"``.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from unittest import mock

ROOT = Path(__file__).resolve().parents[1]
NEWS = Path("/work/shared/corpora/news_articles.csv.gz")
CONFIG = ROOT / "docs" / "examples" / "news_articles.toml"
ROWS = 2000
RESULTS = ROOT / "benchmarks" / "spark_results.json"
SPARK_CONF = {"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "4", "spark.driver.memory": "2g"}


def replicated(scale: int, folder: Path) -> Path:
    import pandas as pd  # deferred: pandas (a benchmark helper)

    out = folder / f"news_x{scale}.csv.gz"
    if out.exists():
        return out
    frame = pd.read_csv(NEWS, dtype=str, keep_default_na=False)
    parts = []
    for i in range(scale):
        part = frame.copy()
        part["article_id"] = part["article_id"] + (f"-r{i}" if scale > 1 else "")
        parts.append(part)
    pd.concat(parts, ignore_index=True).to_csv(out, index=False)
    return out


def config(path: Path, backend: str, n_records: int):
    from textanalytics.config import load_config
    from textanalytics.spark import SparkConfig

    cfg = load_config(CONFIG, resolve=True)
    cfg = cfg.replace(corpus=dataclasses.replace(cfg.corpus, path=str(path), stream_rows=ROWS if backend == "local" else 0),
                      preprocess=dataclasses.replace(cfg.preprocess, cache_dir=""))
    if backend == "spark":  # MLlib at a fixed K: the report prepares the topic-model matrix on Spark
        cfg = cfg.replace(spark=SparkConfig(backend="spark", master="local[2]", conf=SPARK_CONF,
                                            partitions=max(2, math.ceil(n_records / ROWS))),
                          topics=dataclasses.replace(cfg.topics, engine="mllib", k=20))
    return cfg


class PeakJvm:
    """Peak RSS of this process's child processes (the JVM), sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        import psutil  # deferred: psutil (the bench extra)

        me = psutil.Process()
        while not self.stop.wait(0.2):
            total = 0
            for child in me.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
            self.peak = max(self.peak, total)


def peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def child(backend: str, path: Path, n_records: int) -> dict:
    from textanalytics.compare.distinctive import distinctive_of_sums
    from textanalytics.compare.keyness_groups import keyness_sums
    from textanalytics.compare.passages import repeated_passages
    from textanalytics.compare.keywords import keyness_of_sums
    from textanalytics.features import build_dtm, topic_model_matrix
    from textanalytics.grouping import group_units, unit_labels
    from textanalytics.inputs import load_inputs
    from textanalytics.pipeline import KEYNESS_TOP_ROWS
    from textanalytics.spark.prepare import prepare_on_spark
    from textanalytics.spark.sums import keyness_sums_on_spark
    from textanalytics.topics.prepare import prepare

    cfg = config(path, backend, n_records)
    group_by = cfg.compare.group_by[0]
    jvm = PeakJvm()
    jvm.thread.start()
    start = time.perf_counter()
    inputs = load_inputs(cfg, stage=lambda name: contextlib.nullcontext())
    after = {"inputs": peak_mb()}
    options = cfg.compare.keyness_options(seed=cfg.seed)
    if backend == "spark":
        full = None
        sums = {col: keyness_sums_on_spark(inputs.spark, inputs.tokens, corpus=inputs.corpus, group_by=col,
                                           unit=cfg.compare.unit) for col in cfg.compare.group_by}
    else:
        full = build_dtm(inputs.tokens, unit=cfg.compare.unit)
        sums = {col: keyness_sums(full, grouping=group_units(full, corpus=inputs.corpus, group_by=col))
                for col in cfg.compare.group_by}
    after["comparison_sums"] = peak_mb()
    for col, data in sums.items():
        keyness_of_sums(data, group_by=col, shortlist=KEYNESS_TOP_ROWS, corpus=inputs.corpus, **options)
        distinctive_of_sums(data, group_by=col, top_n=cfg.compare.top_n, idf=cfg.compare.distinctive_idf)
    group_cells = sum(int(data.a.nnz) for data in sums.values())
    del sums
    after["comparisons"] = peak_mb()
    if backend == "spark":
        prepared, _ = prepare_on_spark(inputs.spark, inputs.tokens, corpus=inputs.corpus, unit=cfg.preprocess.unit,
                                       vocabulary=cfg.vocabulary, topics=cfg.topics, group_by=group_by)
    else:
        base = full if cfg.compare.unit == cfg.preprocess.unit else build_dtm(inputs.tokens, unit=cfg.preprocess.unit)
        model, _ = topic_model_matrix(base, labels=unit_labels(base, corpus=inputs.corpus, group_by=group_by),
                                      config=cfg.vocabulary)
        prepared = prepare(model, cfg.topics)
    after["topic_matrix"] = peak_mb()
    passages_start = time.perf_counter()
    passages = repeated_passages(inputs.tokens, corpus=inputs.corpus, group_by=group_by,
                                 frequent_keys=inputs.frequent_on_spark, map_pieces=inputs.map_on_spark)
    passages_s = time.perf_counter() - passages_start
    after["repeated_passages"] = peak_mb()
    wall = time.perf_counter() - start
    jvm.stop.set()
    return {"backend": backend, "records": n_records, "statements": len(inputs.corpus.statements),
            "tokens": int(inputs.tokens.n_tokens), "dtm_nnz": None if full is None else int(full.counts.nnz),
            "group_term_cells": group_cells,
            "topic_matrix": list(prepared.shape),
            "topic_pruned_nnz": 0 if prepared.pruned is None else int(prepared.pruned.nnz),
            "topic_counts_on_driver": prepared.counts is not None, "wall_s": round(wall, 1),
            "repeated_passages": int(passages.params["n_passages"]), "repeated_passages_s": round(passages_s, 1),
            "driver_peak_rss_mb": peak_mb(), "driver_peak_rss_mb_after": after,
            "children_peak_rss_mb": round(jvm.peak / 2**20)}


def news_matrix(records: int, folder: Path):
    """``(config, inputs, topic-model matrix, texts)`` of news_articles (its first ``records`` records; 0 = all),
    the example configuration's, read locally: the Spark backend's tokens and matrices equal them
    (tests/test_spark.py)."""
    import pandas as pd  # deferred: pandas (a benchmark helper)

    from textanalytics.features import build_dtm, topic_model_matrix
    from textanalytics.inputs import load_inputs

    path = NEWS
    if records:  # the first `records` records of the file
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"news_head{records}.csv.gz"
        pd.read_csv(NEWS, dtype=str, keep_default_na=False).head(records).to_csv(path, index=False)
    cfg = config(path, "local", records or 3788)
    cfg = cfg.replace(corpus=dataclasses.replace(cfg.corpus, stream_rows=0))
    inputs = load_inputs(cfg, stage=lambda name: contextlib.nullcontext())
    dtm, _ = topic_model_matrix(build_dtm(inputs.tokens, unit=cfg.preprocess.unit), labels=None,
                                config=cfg.vocabulary)
    _, texts = inputs.tokens.documents(unit=dtm.unit)
    return cfg, inputs, dtm, texts


def lda(k: int, seeds: list[int], settings: list[str], *, records: int = 0, folder: Path,
        local: bool = True) -> list[dict]:
    import numpy as np  # deferred: numpy (a benchmark helper)

    from textanalytics.spark import SparkConfig
    from textanalytics.spark import lda as spark_lda
    from textanalytics.spark.lda import mllib_config
    from textanalytics.spark.session import spark_session
    from textanalytics.topics import coherence, fit_topics

    cfg, _, dtm, texts = news_matrix(records, folder)
    spark_session(SparkConfig(master="local[2]", conf={**SPARK_CONF, "spark.ui.showConsoleProgress": "false"}))
    runs = [("default", cfg.topics)] if local else []
    for setting in settings:  # "default" or "passes:eta:alpha[:learning[:chunksize[:offset[:decay]]]]"
        topics = dataclasses.replace(cfg.topics, engine="mllib")
        if setting != "default":
            passes, eta, alpha, *rest = setting.split(":")
            rest += [""] * (4 - len(rest))
            topics = dataclasses.replace(topics, passes=int(passes), eta=float(eta), learning=rest[0] or "online",
                                         alpha=alpha if alpha in ("auto", "symmetric", "asymmetric") else float(alpha),
                                         chunksize=int(rest[1] or topics.chunksize),
                                         offset=float(rest[2] or topics.offset), decay=float(rest[3] or topics.decay))
        runs.append((setting, topics))
    rows = []
    for setting, topics in runs:
        # A spec's values are used as given, even one equal to the package's default (alpha "auto"):
        # the engine's substitutions (spark.lda.MLLIB_DEFAULTS) apply to "default" only.
        as_given = (mock.patch.dict(spark_lda.MLLIB_DEFAULTS, {}, clear=True) if setting != "default"
                    else contextlib.nullcontext())
        with as_given:
            used = mllib_config(topics) if topics.engine == "mllib" else topics
        for seed in seeds:
            t0 = time.perf_counter()
            with as_given:
                model = fit_topics(dtm, k=k, seed=seed, config=topics)
            fit_s = time.perf_counter() - t0
            c = coherence(model.top_terms(10), texts=texts, measures=("c_npmi",))["c_npmi"]
            rows.append({"engine": topics.engine, "setting": setting, "records": records or 3788, "k": k, "seed": seed,
                         "learning": used.learning, "passes": used.passes, "eta": used.eta, "alpha": used.alpha,
                         **({"chunksize": used.chunksize, "offset": used.offset, "decay": used.decay}
                            if used.learning == "online" else {}),
                         "units": dtm.n_units, "terms": len(dtm.vocabulary), "c_npmi": round(float(np.mean(c)), 4),
                         "fit_s": round(fit_s, 1), "engine_info": model.params["engine_info"]})
            print(json.dumps({key: v for key, v in rows[-1].items() if key != "engine_info"}), flush=True)
    return rows


def sample_fits(k: int, seeds: list[int], sizes: list[int], *, records: int = 0, folder: Path) -> list[dict]:
    """``[spark] topic_sample``: the local default engine on a sample of the units, every unit folded in.

    Computed in this process: on Spark the same rows give the same arrays (tests/test_spark.py),
    the fold-in only moves to the executors. Per seed: the fit on all units (``size`` = units), then
    on each sample of ``sizes`` (drawn from the config's master seed, as the report draws it). Reported:
    c_npmi of the top 10 terms on all the texts, and how far the first grouping's topic shares
    (tokens-weighted mean proportions per group) move against the full fit of the same seed, topics
    matched by cosine; "seed_to_seed" is the same distance between the full fits of two seeds, the
    yardstick: a sample that moves shares less than a new seed does changes no conclusion the
    ensemble would not already qualify.
    """
    import numpy as np  # deferred: numpy (a benchmark helper)

    from textanalytics.grouping import unit_labels
    from textanalytics.spark.sample import sample_rows
    from textanalytics.topics import coherence, stats
    from textanalytics.topics.engines import fit_engine
    from textanalytics.topics.foldin import document_prior, fold_in
    from textanalytics.topics.prepare import prepare

    cfg, inputs, dtm, texts = news_matrix(records, folder)
    prep = prepare(dtm, cfg.topics)
    n = prep.counts.shape[0]
    labels = np.asarray(unit_labels(prep.units, corpus=inputs.corpus, group_by=cfg.compare.group_by[0])).astype(str)
    groups = sorted(set(labels))
    weight = prep.units["n_terms"].to_numpy(float)

    def shares(doc_topic):
        return np.array([(doc_topic[labels == g] * weight[labels == g, None]).sum(0) / weight[labels == g].sum()
                         for g in groups])

    def distance(a, b):  # (topic_term, doc_topic) pairs: b's topics matched to a's
        match = stats.match_topics(stats.cosine_matrix(a[0], b[0]))
        d = np.abs(shares(a[1]) - shares(b[1][:, match]))
        return round(float(d.max()), 4), round(float(d.mean()), 4)

    rows, full = [], {}
    for seed in seeds:
        for size in [n, *sizes]:
            chosen = sample_rows(n, size=size, seed=cfg.seed)
            t0 = time.process_time()
            topic_term, doc_topic, info = fit_engine(prep.counts[chosen], vocabulary=prep.vocabulary, k=k, seed=seed,
                                                     config=cfg.topics)
            fit_s = time.process_time() - t0
            t0 = time.process_time()
            folded = fold_in(prep.counts, topic_term, alpha=document_prior(info, k))
            fold_s = time.process_time() - t0
            top = [[prep.vocabulary[j] for j in idx] for idx in stats.top_term_indices(topic_term, 10)]
            row = {"engine": cfg.topics.engine, "records": records or 3788, "units": n, "k": k, "seed": seed,
                   "sample_units": int(len(chosen)), "fit_cpu_s": round(fit_s, 1), "fold_in_cpu_s": round(fold_s, 1),
                   "c_npmi": round(float(np.mean(coherence(top, texts=texts, measures=("c_npmi",))["c_npmi"])), 4)}
            if size >= n:
                full[seed] = (topic_term, folded)
                # The fold-in against the sampler's own proportions of the same fit.
                row["fold_in_vs_sampler_share_diff_max"] = distance((topic_term, doc_topic), (topic_term, folded))[0]
                if seed - 1 in full:
                    row["seed_to_seed_share_diff_max"], row["seed_to_seed_share_diff_mean"] = distance(
                        full[seed - 1], full[seed])
            else:
                row["share_diff_max"], row["share_diff_mean"] = distance(full[seed], (topic_term, folded))
            rows.append(row)
            print(json.dumps(row), flush=True)
    return rows


def save(path: Path, section: str, rows: list[dict], *, key: tuple[str, ...]) -> None:
    """Merge ``rows`` into ``path``'s ``section`` (a row with the same ``key`` values is replaced)."""
    data = json.loads(path.read_text()) if path.exists() else {}
    kept = [r for r in data.get(section, []) if all(tuple(r.get(k) for k in key) != tuple(n.get(k) for k in key)
                                                   for n in rows)]
    data[section] = sorted([*kept, *rows], key=lambda r: tuple(str(r.get(k)).zfill(8) for k in key))
    data.setdefault("machine", f"{os.cpu_count()} cores; other jobs running at the same time (noisy)")
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="*", default=[1, 4, 16])
    parser.add_argument("--backends", nargs="*", default=["local", "spark"])
    parser.add_argument("--lda", action="store_true")
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seeds", type=int, nargs="*", default=[1, 2, 3])
    parser.add_argument("--records", type=int, default=0, help="--lda on the first N records (0 = all)")
    parser.add_argument("--mllib", nargs="*", default=["default"],
                        help='MLlib settings to try with --lda: "default" or '
                        'passes:eta:alpha[:learning[:chunksize[:offset[:decay]]]] (alpha: auto, symmetric, '
                        'asymmetric or a number; learning: batch or online, the default)')
    parser.add_argument("--sample", type=int, nargs="*", default=[],
                        help="[spark] topic_sample: fit the local default on samples of these many units, fold in "
                        "every unit (with --k, --seeds, --records)")
    parser.add_argument("--no-local", dest="local", action="store_false",
                        help="--lda: fit only the --mllib settings, not the local default engine")
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "PATH", "RECORDS"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", default=str(Path(tempfile.gettempdir()) / "bench_spark"))
    parser.add_argument("--out", default=str(RESULTS), help="JSON file the rows are merged into")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child[0], Path(args.child[1]), int(args.child[2]))), flush=True)
        return
    if args.sample:
        save(Path(args.out), "topic_sample", sample_fits(args.k, args.seeds, args.sample, records=args.records,
                                                         folder=Path(args.folder)),
             key=("engine", "records", "k", "seed", "sample_units"))
        return
    if args.lda:
        save(Path(args.out), "lda", lda(args.k, args.seeds, args.mllib, records=args.records, folder=Path(args.folder),
                                   local=args.local),
             key=("engine", "records", "k", "seed", "setting", "learning", "passes", "eta", "alpha"))
        return
    folder = Path(args.folder)
    folder.mkdir(parents=True, exist_ok=True)
    print("| news × | backend | statements | tokens | wall s | driver peak RSS MB (after inputs / comparison sums / tests "
          "/ topic matrix / repeated passages) | JVM peak RSS MB | repeated passages (s) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |", flush=True)
    for scale in args.scales:
        path = replicated(scale, folder)
        for backend in args.backends:
            run = subprocess.run([sys.executable, __file__, "--child", backend, str(path), str(3788 * scale)],
                                 capture_output=True, text=True)
            lines = [l for l in run.stdout.splitlines() if l.startswith("{")]
            if run.returncode or not lines:
                print(f"| {scale} | {backend} | failed: {run.stderr.strip().splitlines()[-1:]} |", flush=True)
                continue
            r = json.loads(lines[-1])
            r["scale"] = scale
            save(Path(args.out), "scaling", [r], key=("scale", "backend"))
            steps = " / ".join(f"{v:,}" for v in r["driver_peak_rss_mb_after"].values())
            print(f"| {scale} | {backend} | {r['statements']:,} | {r['tokens']:,} | {r['wall_s']} | "
                  f"{r['driver_peak_rss_mb']:,} ({steps}) | {r['children_peak_rss_mb']:,} | "
                  f"{r['repeated_passages']} ({r['repeated_passages_s']}) |", flush=True)


if __name__ == "__main__":
    main()
