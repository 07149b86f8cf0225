"""Speed of the topics stage (issue 5).

1. seeds: the whole K grid (K = 2..12, 3 seeds) with coherence and stability,
   on paragraph units of the real seeds corpus. Target: <= 10 s.
2. news_articles (``../shared/corpora/news_articles.csv.gz``, ~2M words), K = 20,
   the same document-term matrix given to every engine, side by side in one run
   and interleaved seed by seed (so that load on the machine hits all engines
   alike): the package's vb engine with its defaults, tomotopy with 2 workers
   and 500 iterations (the reference comparison), optionally vb with 50
   E-step iterations (``--variants``), gensim's stock ``LdaModel`` (``--stock``), the
   package's tomotopy engine (``--tomotopy-engine``) and NMF (``--nmf``).
   Each fit is scored by c_npmi of its top-10 terms (gensim's definition; the
   fast implementation is checked against gensim's ``CoherenceModel`` with
   ``--gensim-coherence``). Target: vb's c_npmi >= tomotopy's at a wall
   time ratio <= 1.0.

Run from the project root::

    .venv/bin/python benchmarks/bench_topics.py              # both parts
    .venv/bin/python benchmarks/bench_topics.py --only seeds
    .venv/bin/python benchmarks/bench_topics.py --only news --seeds 1 2 3 --tokens regex

Prints Markdown tables; ``--json PATH`` also writes the figures.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import textanalytics as ta  # noqa: E402
from textanalytics.features import VocabularyConfig, build_dtm, dtm_from_texts  # noqa: E402
from textanalytics.topics import TopicConfig, coherence, fit_topics, select_k  # noqa: E402

NEWS = ROOT.parent / "shared" / "corpora" / "news_articles.csv.gz"

#: The previous default, kept for comparison: 50 E-step iterations with online learning
#: (the package now uses 20 online, 50 batch; see the docstring of topics/config.py).
ITERATIONS_50 = {"iterations": 50}
#: The vb engine as it was the default before issue 14 (the engines side by side: bench_engines.py).
VB = TopicConfig(engine="vb", eta=0.01)


# ---------------------------------------------------------------------------------------------
def bench_seeds(repeats: int = 3) -> dict[str, Any]:
    corpus = ta.load_corpus(ROOT / "seeds")
    tokens = ta.preprocess(corpus)
    dtm = build_dtm(tokens, unit="paragraph", config=VocabularyConfig())
    _, texts = tokens.documents(unit="paragraph")
    times, cpu, sel = [], [], None
    for _ in range(repeats):
        w0, c0 = time.perf_counter(), time.process_time()
        sel = select_k(dtm, texts=texts, seeds=[1, 2, 3], k_grid=range(2, 13))
        times.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    assert sel is not None
    return {
        "units": dtm.n_units, "terms": dtm.n_terms, "tokens": int(dtm.counts.sum()),
        "fits": len(sel.table), "wall_s": times, "cpu_s": cpu,
        "median_wall_s": statistics.median(times), "chosen_k": sel.chosen_k, "reason": sel.reason,
        "summary": sel.summary.round(4).to_dict(orient="list"),
    }


# ---------------------------------------------------------------------------------------------
def news_matrix(tokens: str) -> tuple[Any, list[list[str]]]:
    """Statement (article) units of news_articles, pruned min_df=2, max_df=0.5."""
    if tokens == "package":
        corpus = ta.load_corpus(NEWS, on_error="skip")
        tok = ta.preprocess(corpus)
        dtm = build_dtm(tok, unit="statement", min_df=2, max_df=0.5)
        _, texts = tok.documents(unit="statement")
        return dtm, texts
    # The reference's tokens: lower-cased regex words, scikit-learn stop words, no lemmas.
    import pandas as pd
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    frame = pd.read_csv(NEWS, engine="python")
    frame = frame[frame["text"].fillna("").str.strip() != ""]
    word = re.compile(r"[a-z][a-z'-]+")
    texts = [[w for w in word.findall(t.lower()) if w not in ENGLISH_STOP_WORDS and len(w) > 2]
             for t in frame["text"]]
    ids = [str(i) for i in frame["article_id"]]
    return dtm_from_texts(ids, texts, min_df=2, max_df=0.5), texts


def _tomotopy_reference(dtm: Any, k: int, seed: int, workers: int = 2, iterations: int = 500) -> list[list[str]]:
    """tomotopy as a researcher would run it: default priors, 2 workers, 500 iterations."""
    import tomotopy as tp

    vocab = np.asarray(dtm.vocabulary, dtype=object)
    model = tp.LDAModel(k=k, seed=seed)
    counts = dtm.counts
    for a, b in zip(counts.indptr[:-1], counts.indptr[1:]):
        if b > a:
            model.add_doc(np.repeat(vocab[counts.indices[a:b]], counts.data[a:b]).tolist())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "may differ even with fixed seed if workers != 1"
        model.train(iterations, workers=workers)
    return [[w for w, _ in model.get_topic_words(t, 10)] for t in range(k)]


def _gensim_stock(dtm: Any, k: int, seed: int) -> list[list[str]]:
    """gensim's own LdaModel as in the reference figure (passes=5, its defaults otherwise)."""
    from gensim.models import LdaModel

    dictionary, corpus = dtm.to_gensim()
    model = LdaModel(list(corpus), num_topics=k, id2word=dict(enumerate(dtm.vocabulary)), passes=5,
                     random_state=seed, eval_every=None)
    return [[dtm.vocabulary[i] for i, _ in model.get_topic_terms(t, 10)] for t in range(k)]


def bench_news(*, seeds: list[int], k: int, tokens: str, stock: bool, nmf: bool, tomotopy_engine: bool,
               variants: bool, gensim_coherence: bool) -> dict[str, Any]:
    t0 = time.perf_counter()
    dtm, texts = news_matrix(tokens)
    prep_s = time.perf_counter() - t0
    engines: dict[str, Callable[[int], list[list[str]]]] = {
        "vb (package settings, eta 0.01)": lambda s: fit_topics(dtm, k=k, seed=s, config=VB).top_terms(10),
        "tomotopy (2 workers, 500 iterations)": lambda s: _tomotopy_reference(dtm, k, s),
    }
    if variants:
        engines["vb (50 E-step iterations)"] = \
            lambda s: fit_topics(dtm, k=k, seed=s, config=TopicConfig(engine="vb", eta=0.01, **ITERATIONS_50)).top_terms(10)
    if stock:
        engines["gensim stock LdaModel (passes 5)"] = lambda s: _gensim_stock(dtm, k, s)
    if tomotopy_engine:
        engines["tomotopy engine of the package (1 worker, 500 iterations)"] = \
            lambda s: fit_topics(dtm, k=k, seed=s, config=TopicConfig(engine="tomotopy")).top_terms(10)
    if nmf:
        engines["NMF on TF-IDF (scikit-learn)"] = \
            lambda s: fit_topics(dtm, k=k, seed=s, config=TopicConfig(engine="nmf")).top_terms(10)
    runs: list[dict[str, Any]] = []
    for seed in seeds:
        for name, fit in engines.items():
            w0, c0 = time.perf_counter(), time.process_time()
            top = fit(seed)
            runs.append({"engine": name, "seed": seed, "wall_s": time.perf_counter() - w0,
                         "cpu_s": time.process_time() - c0, "topics": top})
            print(f"  {name:48s} seed {seed}: {runs[-1]['wall_s']:.1f} s", file=sys.stderr, flush=True)
    scores = coherence([t for r in runs for t in r["topics"]], texts=texts, measures=["c_npmi"])["c_npmi"]
    for i, r in enumerate(runs):
        r["c_npmi"] = float(scores[i * k:(i + 1) * k].mean())
    if gensim_coherence:
        check = coherence(runs[0]["topics"], texts=texts, measures=["c_npmi"], method="gensim")["c_npmi"]
        runs[0]["c_npmi_gensim_coherencemodel"] = float(check.mean())
    summary = {}
    for name in engines:
        rs = [r for r in runs if r["engine"] == name]
        summary[name] = {"wall_s": statistics.mean(r["wall_s"] for r in rs),
                         "cpu_s": statistics.mean(r["cpu_s"] for r in rs),
                         "c_npmi": statistics.mean(r["c_npmi"] for r in rs),
                         "c_npmi_sd": statistics.stdev(r["c_npmi"] for r in rs) if len(rs) > 1 else 0.0}
    ref = summary["tomotopy (2 workers, 500 iterations)"]
    for s in summary.values():
        s["time_ratio_vs_tomotopy"] = s["wall_s"] / ref["wall_s"]
    return {"tokens": tokens, "units": dtm.n_units, "terms": dtm.n_terms, "counts": int(dtm.counts.sum()),
            "k": k, "seeds": seeds, "prepare_s": prep_s, "summary": summary,
            "runs": [{key: v for key, v in r.items() if key != "topics"} for r in runs]}


# ---------------------------------------------------------------------------------------------
def _print_seeds(res: dict[str, Any]) -> None:
    print(f"## seeds: K grid 2..12 x 3 seeds ({res['fits']} fits; {res['units']} paragraphs, "
          f"{res['terms']} terms, {res['tokens']} tokens)\n")
    print("| run | wall s | cpu s |\n|---|---|---|")
    for i, (w, c) in enumerate(zip(res["wall_s"], res["cpu_s"]), 1):
        print(f"| {i} | {w:.2f} | {c:.2f} |")
    print(f"\nmedian wall {res['median_wall_s']:.2f} s (target <= 10 s); chosen K = {res['chosen_k']}: "
          f"{res['reason']}\n")


def _print_news(res: dict[str, Any]) -> None:
    print(f"## news_articles: K = {res['k']}, {res['units']} articles, {res['terms']} terms, "
          f"{res['counts']} tokens ({res['tokens']} tokens), seeds {res['seeds']}\n")
    print("| engine | wall s | cpu s | c_npmi (mean ± sd) | time / tomotopy |\n|---|---|---|---|---|")
    for name, s in res["summary"].items():
        print(f"| {name} | {s['wall_s']:.1f} | {s['cpu_s']:.1f} | {s['c_npmi']:.3f} ± {s['c_npmi_sd']:.3f} "
              f"| {s['time_ratio_vs_tomotopy']:.2f} |")
    print("\nper run:\n\n| engine | seed | wall s | c_npmi |\n|---|---|---|---|")
    for r in res["runs"]:
        extra = (f" (gensim CoherenceModel: {r['c_npmi_gensim_coherencemodel']:.4f})"
                 if "c_npmi_gensim_coherencemodel" in r else "")
        print(f"| {r['engine']} | {r['seed']} | {r['wall_s']:.1f} | {r['c_npmi']:.4f}{extra} |")
    print()


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", choices=["seeds", "news"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="news: seeds per engine")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--tokens", choices=["package", "regex"], default="package",
                    help="news: the package's preprocessing, or the reference's regex tokens")
    ap.add_argument("--stock", action="store_true", help="news: also gensim's stock LdaModel")
    ap.add_argument("--nmf", action="store_true", help="news: also NMF")
    ap.add_argument("--variants", action="store_true", help="news: also gensim with 50 E-step iterations")
    ap.add_argument("--tomotopy-engine", action="store_true",
                    help="news: also the package's tomotopy engine (1 worker, reproducible)")
    ap.add_argument("--gensim-coherence", action="store_true",
                    help="news: also score the first fit with gensim's CoherenceModel (slow)")
    ap.add_argument("--repeats", type=int, default=3, help="seeds: timed repetitions")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    out: dict[str, Any] = {"python": platform.python_version(), "machine": platform.machine()}
    if args.only in (None, "seeds"):
        out["seeds"] = bench_seeds(args.repeats)
        _print_seeds(out["seeds"])
    if args.only in (None, "news"):
        out["news"] = bench_news(seeds=args.seeds, k=args.k, tokens=args.tokens, stock=args.stock,
                                 nmf=args.nmf, tomotopy_engine=args.tomotopy_engine,
                                 variants=args.variants, gensim_coherence=args.gensim_coherence)
        _print_news(out["news"])
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float))
    return out


if __name__ == "__main__":
    main()
