"""Topic engines side by side on the same tokens (issue 14): fit time, coherence, exclusivity, stability.

Corpora (``../shared/corpora``), statement units, the package's preprocessing
and ``[vocabulary]`` defaults, the same document-term matrix for every engine:

* news_articles, K = 20
* commons_speeches, K = 10

Engines: gensim's ``LdaModel`` untouched (``engine = "gensim"``), the package's
``"vb"``, tomotopy with 1 worker and 1,000 iterations (the reference of the
acceptance figure), the package's tomotopy engine with its defaults,
scikit-learn's LDA (``"sklearn_lda"``) and NMF on TF-IDF. Each with ``--seeds``
(default 1 2 3), interleaved seed by seed so that load on the machine hits all
engines alike. Per fit:

* fit seconds (wall, ``fit_topics``),
* c_npmi of the top-10 terms (gensim's definition, on the modelling texts),
* exclusivity: share of a topic's top-10 terms found in no other topic's top 10,
* stability: matched top-10 Jaccard between the fits of every pair of seeds.

``vb`` and ``gensim`` run with eta = 0.01 (their best; the package's default
0.05 is tomotopy's). The machine's load average is printed with the table: with other work running
the wall times grow, but all engines alike.

Run from the project root::

    .venv/bin/python benchmarks/bench_engines.py                    # both corpora
    .venv/bin/python benchmarks/bench_engines.py --only commons --engines tomotopy nmf

Prints Markdown; ``--json PATH`` also writes the figures.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import textanalytics as ta  # noqa: E402
from textanalytics.features import VocabularyConfig, build_dtm  # noqa: E402
from textanalytics.topics import TopicConfig, coherence, fit_topics, stats  # noqa: E402

CORPORA = ROOT.parent / "shared" / "corpora"
SETS = {
    "news": dict(path=CORPORA / "news_articles.csv.gz", k=20,
                 load=dict(id_col="article_id", date_col="publish_date", on_error="skip")),
    "commons": dict(path=CORPORA / "commons_speeches.csv.gz", k=10,
                    load=dict(id_col="parlspeech_row", date_col="date", speaker_col="speaker", on_error="skip")),
}

#: Engine label -> TopicConfig changes (on top of the defaults).
ENGINES: dict[str, dict[str, Any]] = {
    "gensim LdaModel (stock)": {"engine": "gensim", "eta": 0.01},
    "vb (package)": {"engine": "vb", "eta": 0.01},
    # tomotopy's own defaults (alpha 0.1 re-estimated every 10 iterations, eta 0.01).
    "tomotopy, 1 worker, 1,000 it. (reference)": {"engine": "tomotopy", "sampling_iterations": 1000,
                                                   "alpha": "auto", "eta": 0.01},
    "tomotopy (package default)": {"engine": "tomotopy"},
    "scikit-learn LDA (batch)": {"engine": "sklearn_lda"},
    "scikit-learn NMF (TF-IDF)": {"engine": "nmf"},
}
REFERENCE = "tomotopy, 1 worker, 1,000 it. (reference)"
SHORT = {"gensim": "gensim LdaModel (stock)", "vb": "vb (package)", "tomotopy_ref": REFERENCE,
         "tomotopy": "tomotopy (package default)", "sklearn_lda": "scikit-learn LDA (batch)",
         "nmf": "scikit-learn NMF (TF-IDF)"}


def exclusivity(top: list[list[str]]) -> float:
    """Mean over topics of the share of its top terms in no other topic's top terms."""
    out = []
    for i, terms in enumerate(top):
        others = set(itertools.chain.from_iterable(t for j, t in enumerate(top) if j != i))
        out.append(np.mean([t not in others for t in terms]))
    return float(np.mean(out))


def stability(topic_terms: list[np.ndarray], top_n: int = 10) -> float:
    """Mean matched top-``top_n`` Jaccard over every pair of fits (Hungarian matching)."""
    pairs = [stats.agreement(a, b, top_n=top_n)[1].mean() for a, b in itertools.combinations(topic_terms, 2)]
    return float(np.mean(pairs)) if pairs else float("nan")


def report_matrix(config: Path, max_df: float | None = None) -> tuple[Any, list[list[str]]]:
    """The topic-model matrix a report with ``config`` fits: its preprocessing (stopword presets),
    ubiquitous terms of its first grouping left out, its pruning, statement units."""
    from textanalytics.corpus import load_corpus_from_config
    from textanalytics.features import topic_model_matrix
    from textanalytics.grouping import unit_labels

    cfg = ta.load_config(config, resolve=True)
    if max_df is not None:
        cfg = cfg.replace(vocabulary=dataclasses.replace(cfg.vocabulary, max_df=max_df))
    corpus = load_corpus_from_config(cfg.corpus)
    tokens = ta.preprocess(corpus, config=cfg.preprocess)
    base = build_dtm(tokens, unit="statement")
    group_by = cfg.compare.group_by[0] if cfg.compare.group_by else None
    labels = None if group_by is None else unit_labels(base, corpus=corpus, group_by=group_by)
    dtm, dropped = topic_model_matrix(base, labels=labels, config=cfg.vocabulary)
    print(f"{config}: {len(dropped)} ubiquitous term(s) left out: {', '.join(dropped['term'])}")
    _, texts = tokens.documents(unit="statement")
    return dtm, texts


def matrix(name: str, max_df: float | None = None, config: Path | None = None) -> tuple[Any, list[list[str]]]:
    if config is not None:
        return report_matrix(config, max_df)
    spec = SETS[name]
    corpus = ta.load_corpus(spec["path"], **spec["load"])
    tokens = ta.preprocess(corpus)
    vocabulary = VocabularyConfig() if max_df is None else VocabularyConfig(max_df=max_df)
    dtm = build_dtm(tokens, unit="statement", config=vocabulary)
    _, texts = tokens.documents(unit="statement")
    return dtm, texts


def bench(name: str, *, engines: list[str], seeds: list[int], max_df: float | None = None,
          config: Path | None = None) -> dict[str, Any]:
    dtm, texts = matrix(name, max_df, config)
    k = SETS[name]["k"]
    fits: dict[str, list[dict[str, Any]]] = {e: [] for e in engines}
    load0 = os.getloadavg()
    for seed in seeds:
        for label in engines:
            topic_config = TopicConfig(n_jobs=1, **ENGINES[label])
            t0 = time.perf_counter()
            model = fit_topics(dtm, k=k, seed=seed, config=topic_config)
            wall = time.perf_counter() - t0
            fits[label].append({"seed": seed, "wall_s": wall, "topic_term": model.topic_term,
                                "top": model.top_terms(10)})
            print(f"  {name} {label:45s} seed {seed}: {wall:.1f} s", file=sys.stderr, flush=True)
    load1 = os.getloadavg()
    everything = [t for label in engines for f in fits[label] for t in f["top"]]
    scores = coherence(everything, texts=texts, measures=["c_npmi"])["c_npmi"]
    summary, i = {}, 0
    for label in engines:
        rows = fits[label]
        for f in rows:
            f["c_npmi"] = float(np.mean(scores[i:i + k]))
            f["exclusivity"] = exclusivity(f["top"])
            i += k
        summary[label] = {
            "wall_s": statistics.mean(f["wall_s"] for f in rows),
            "c_npmi": statistics.mean(f["c_npmi"] for f in rows),
            "exclusivity": statistics.mean(f["exclusivity"] for f in rows),
            "stability": stability([f["topic_term"] for f in rows]),
            "example_topic": " ".join(rows[0]["top"][0][:6]),
            "per_seed": [{key: f[key] for key in ("seed", "wall_s", "c_npmi", "exclusivity")} for f in rows],
        }
    return {"corpus": name, "k": k, "max_df": max_df or (ta.load_config(config).vocabulary if config else VocabularyConfig()).max_df,
            "units": dtm.n_units,
            "terms": dtm.n_terms, "tokens": int(dtm.counts.sum()), "seeds": seeds, "load_average": [round(x, 2) for x in (*load0, *load1)], "engines": summary}


def print_result(res: dict[str, Any]) -> None:
    ref = res["engines"].get(REFERENCE)
    print(f"## {res['corpus']}, K = {res['k']}: {res['units']} statements, {res['terms']} terms, "
          f"{res['tokens']:,} tokens ([vocabulary] max_df = {res['max_df']}); seeds {res['seeds']}\n")
    print("| engine | fit s | time / reference | c_npmi | exclusivity | stability | a topic (top 6) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for label, s in res["engines"].items():
        ratio = f"{s['wall_s'] / ref['wall_s']:.2f}" if ref else ""
        print(f"| {label} | {s['wall_s']:.1f} | {ratio} | {s['c_npmi']:.3f} | {s['exclusivity']:.2f} | "
              f"{s['stability']:.2f} | {s['example_topic']} |")
    la = res["load_average"]
    print(f"\nLoad average (1, 5, 15 min) at start {la[:3]}, at end {la[3:]} on {os.cpu_count()} cores.\n")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=sorted(SETS))
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--engines", nargs="+", choices=sorted(SHORT), default=list(SHORT),
                    help="short names: " + ", ".join(f"{k} = {v}" for k, v in SHORT.items()))
    ap.add_argument("--max-df", type=float, help="[vocabulary] max_df (default: the package's)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    ap.add_argument("--config", type=Path, help="build the matrix as a report with this config does (stopword "
                    "presets, ubiquitous terms, pruning), e.g. docs/examples/news_articles.toml; needs --only")
    args = ap.parse_args(argv)
    engines = [SHORT[e] for e in SHORT if e in args.engines]
    out = {}
    for name in ([args.only] if args.only else ["news", "commons"]):
        if not SETS[name]["path"].is_file():
            print(f"## {name}: skipped ({SETS[name]['path']} not found)\n")
            continue
        out[name] = bench(name, engines=engines, seeds=args.seeds, max_df=args.max_df, config=args.config)
        print_result(out[name])
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float))
    return out


if __name__ == "__main__":
    main()
