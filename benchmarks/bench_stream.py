"""Streaming pipeline on a table corpus: pieces -> token store -> DTM -> LDA (+ coherence from disk).

    python benchmarks/bench_stream.py PATH [--rows 5000] [--k 20] [--config docs/examples/news_articles.toml]

Prints one ``BENCH {json}`` line: seconds per step and peak resident memory
(``ru_maxrss``, this process). Nothing holds the whole corpus: raw records are
read ``--rows`` at a time, tokens are spooled to disk, the matrix is built chunk
by chunk, and coherence reads the texts back from the store.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("path")
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--config", default=str(ROOT / "docs" / "examples" / "news_articles.toml"))
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from textanalytics.config import load_config
    from textanalytics.corpus import iter_corpus_from_config
    from textanalytics.preprocessing import preprocess_chunks
    from textanalytics import topics as tp

    cfg = load_config(args.config)
    out: dict = {"rows_per_piece": args.rows}
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        pieces = iter_corpus_from_config(dataclasses.replace(cfg.corpus, path=args.path), rows=args.rows)
        store = preprocess_chunks(pieces, dataclasses.replace(cfg.preprocess, cache_dir=""), out=Path(tmp) / "store")
        t1 = time.perf_counter()
        out.update(load_and_preprocess_seconds=t1 - t0, tokens=store.n_tokens, chunks=len(store.chunks),
                   rss_after_preprocess_mb=rss_mb())
        dtm = store.dtm(unit="statement", config=cfg.vocabulary)
        t2 = time.perf_counter()
        out.update(dtm_seconds=t2 - t1, units=dtm.counts.shape[0], terms=dtm.counts.shape[1],
                   rss_after_dtm_mb=rss_mb())
        model = tp.fit_topics(dtm, k=args.k, seed=cfg.seed, config=dataclasses.replace(cfg.topics, n_jobs=1))
        t3 = time.perf_counter()
        c_npmi = tp.coherence(model.top_terms(10), texts=store.texts(unit="statement"), measures=["c_npmi"])["c_npmi"]
        t4 = time.perf_counter()
        out.update(fit_seconds=t3 - t2, coherence_seconds=t4 - t3, c_npmi=float(c_npmi.mean()),
                   seconds=t4 - t0, peak_rss_mb=rss_mb())
    print("BENCH " + json.dumps(out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
