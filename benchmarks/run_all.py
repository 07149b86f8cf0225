"""Benchmark suite: one entry point, writes ``benchmarks/results.md``.

    python benchmarks/run_all.py                 # everything except scaling
    python benchmarks/run_all.py --scaling       # also 1x, 2x, 4x, 8x news_articles
    python benchmarks/run_all.py --only report_seeds --runs 3
    python benchmarks/run_all.py --only startup --runs 5   # --help, corpus, warm report (whole process)

Every measurement runs in a fresh child process, which reports its own wall
time and peak resident memory (``ru_maxrss``); medians over ``--runs`` runs.
Timings are never unit-test assertions: this script is how they are checked.
The corpus ``../shared/corpora/news_articles.csv.gz`` is read in place; steps
that need it are reported as skipped when it is absent.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_startup  # noqa: E402 - a sibling script of this one

ROOT = Path(__file__).resolve().parents[1]
NEWS = (ROOT / ".." / "shared" / "corpora" / "news_articles.csv.gz").resolve()
NEWS_CONFIG = ROOT / "docs" / "examples" / "news_articles.toml"
RESULTS = ROOT / "benchmarks" / "results.md"

CHILD_PRELUDE = """
import json, os, resource, sys, threading, time
t0 = time.perf_counter()
_tree_peak = [0.0]
def _tree_pss_mb():
    # Proportional set size of this process and its workers: pages shared copy-on-write after a
    # fork count once in total, so this is the physical memory the whole run holds.
    me, pids, total = os.getpid(), [os.getpid()], 0
    try:
        for task in os.listdir(f"/proc/{me}/task"):
            pids += [int(c) for c in open(f"/proc/{me}/task/{task}/children").read().split()]
    except OSError:
        pass
    for pid in pids:
        try:
            for line in open(f"/proc/{pid}/smaps_rollup"):
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024
def _sample():
    while True:
        _tree_peak[0] = max(_tree_peak[0], _tree_pss_mb())
        time.sleep(0.1)
threading.Thread(target=_sample, daemon=True).start()
def _done(**extra):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # largest worker process
    print("BENCH " + json.dumps({"seconds": time.perf_counter() - t0, "peak_rss_mb": rss,
                                 "worker_peak_rss_mb": workers, "tree_peak_pss_mb": _tree_peak[0], **extra}))
"""


def child(code: str, *, env: dict | None = None, timeout: int = 3600) -> dict:
    """Run ``code`` in a fresh interpreter; return its BENCH json line."""
    script = CHILD_PRELUDE + textwrap.dedent(code)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed:\n{proc.stderr[-3000:]}")
    line = [ln for ln in proc.stdout.splitlines() if ln.startswith("BENCH ")][-1]
    return json.loads(line[6:])


def median_of(runs: list[dict]) -> dict:
    keys = [k for k, v in runs[0].items() if isinstance(v, (int, float))]
    out = {k: statistics.median(r[k] for r in runs) for k in keys}
    out["runs"] = len(runs)
    return out


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    from importlib import metadata

    versions = []
    for dist in ("textanalytics", "numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "gensim", "matplotlib"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    return (f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores ({cpu}){mem}; "
            f"Python {platform.python_version()}; {', '.join(versions)}")


# ----------------------------------------------------------------------------- benchmarks

def bench_preprocess(runs: int) -> dict:
    code = f"""
    import textanalytics as ta
    from textanalytics.preprocessing import PreprocessConfig
    corpus = ta.load_corpus({str(NEWS)!r}, id_col="article_id", date_col="publish_date", on_error="skip")
    t1 = time.perf_counter()
    tokens = ta.preprocess(corpus, PreprocessConfig(cache_dir=""))
    dt = time.perf_counter() - t1
    n = len(tokens.table)
    _done(preprocess_seconds=dt, tokens=n, tokens_per_second=n / dt)
    """
    return median_of([child(code) for _ in range(runs)])


def bench_engines() -> list[str]:
    """``bench_engines.py`` in a fresh interpreter: every engine on news (K = 20) and Commons (K = 10),
    same tokens, 3 seeds; its Markdown tables (fit seconds, c_npmi, exclusivity, stability)."""
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_engines.py")], cwd=ROOT,
                          capture_output=True, text=True, timeout=4 * 3600)
    if proc.returncode != 0:
        raise RuntimeError(f"bench_engines.py failed:\n{proc.stderr[-3000:]}")
    body = [ln.replace("## ", "### ", 1) if ln.startswith("## ") else ln for ln in proc.stdout.splitlines()]
    return ["## Topic engines (same tokens to each, 3 seeds; `benchmarks/bench_engines.py`)", "",
            "Exclusivity: share of a topic's top-10 terms in no other topic's top 10; stability: matched "
            "top-10 Jaccard between seeds; time / reference: fit time over tomotopy's 1-worker "
            "1,000-iteration fit in the same run. Choice and reasons: `docs/topics.md`.", "", *body, ""]


def bench_report_seeds(runs: int) -> dict:
    """Cold and warm seeds report, and cold without keyword-assisted topics (``[themes] seeded_topics = false``)."""
    res = {}
    for label in ("cold", "warm", "cold_unseeded"):
        samples = []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as tmp:
                cache = Path(tmp) / "cache"
                code = f"""
                import dataclasses
                from textanalytics.config import load_config
                from textanalytics.report import build_report
                cfg = load_config({str(ROOT / "analysis.toml")!r})
                cfg = cfg.replace(preprocess=dataclasses.replace(cfg.preprocess, cache_dir={str(cache)!r}))
                if {label == "cold_unseeded"!r}:
                    cfg = cfg.replace(themes=dataclasses.replace(cfg.themes, seeded_topics=False))
                if {label == "warm"!r}:
                    build_report(cfg, out={str(Path(tmp) / "warmup")!r}, base_dir={str(ROOT)!r})
                cpu = lambda: sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF,
                                  resource.RUSAGE_CHILDREN) for f in ("ru_utime", "ru_stime"))
                t1, c1 = time.perf_counter(), cpu()
                build_report(cfg, out={str(Path(tmp) / "out")!r}, base_dir={str(ROOT)!r})
                _done(report_seconds=time.perf_counter() - t1, report_cpu_seconds=cpu() - c1)
                """
                samples.append(child(code))
        res[label] = median_of(samples)
    return res


def report_on(corpus_csv: Path, *, label: str, stream_rows: int = 0, runs: int = 1) -> dict:
    """Cold ``build_report`` on a news-like table (median of ``runs``), in memory or streamed."""
    samples = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            code = f"""
            import dataclasses
            from textanalytics.config import load_config
            from textanalytics.report import build_report
            cfg = load_config({str(NEWS_CONFIG)!r})
            cfg = cfg.replace(corpus=dataclasses.replace(cfg.corpus, path={str(corpus_csv)!r}, stream_rows={stream_rows}),
                              preprocess=dataclasses.replace(cfg.preprocess, cache_dir={str(Path(tmp) / "cache")!r}))
            t1 = time.perf_counter()
            r = build_report(cfg, out={str(Path(tmp) / "out")!r}, base_dir={str(ROOT)!r})
            _done(report_seconds=time.perf_counter() - t1, stages=r.timings)
            """
            samples.append(child(code))
    r = median_of(samples)
    r["stages"] = samples[0]["stages"] if runs == 1 else {
        k: statistics.median(s["stages"][k] for s in samples) for k in samples[0]["stages"]}
    r["label"] = label
    return r


def replicate_news(factor: int, dest: Path) -> tuple[Path, int]:
    """Write news_articles replicated ``factor`` times with distinct ids."""
    import pandas as pd

    df = pd.read_csv(NEWS, dtype=str, keep_default_na=False)
    parts = []
    for i in range(factor):
        d = df.copy()
        d["article_id"] = d["article_id"].astype(str) + (f"_{i}" if i else "")
        parts.append(d)
    out = pd.concat(parts, ignore_index=True)
    path = dest / f"news_x{factor}.csv.gz"
    out.to_csv(path, index=False)
    words = int(out["text"].str.split().str.len().sum())
    return path, words


# ----------------------------------------------------------------------------- main

def fmt(x, digits=1):
    return "—" if x is None else f"{x:,.{digits}f}"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per measurement (median reported)")
    ap.add_argument("--scaling", action="store_true", help="also run 1x/2x/4x/8x news_articles")
    ap.add_argument("--factors", default="1,2,4,8")
    ap.add_argument("--scaling-runs", type=int, default=1, help="runs per scaling row (median reported)")
    ap.add_argument("--stream-rows", type=int, default=2000, help="records per piece for the streamed report")
    ap.add_argument("--only", default="",
                    help="comma list: startup,preprocess,engines,report_seeds,report_news,scaling")
    args = ap.parse_args(argv)
    only = set(filter(None, args.only.split(",")))
    want = lambda name: not only or name in only  # noqa: E731
    have_news = NEWS.is_file()
    sections: dict[str, list[str]] = {}
    if not have_news:
        print(f"news_articles not found at {NEWS}: news benchmarks skipped", file=sys.stderr)

    if want("startup"):
        print("start-up ...", file=sys.stderr)
        sections["startup"] = bench_startup.markdown(bench_startup.measure(args.runs))
    if want("preprocess") and have_news:
        print("preprocess ...", file=sys.stderr)
        r = bench_preprocess(args.runs)
        lines = sections["preprocess"] = ["## Preprocessing (news_articles, cache disabled)", "",
                  "| tokens | seconds | tokens/s | peak RSS (MB) |", "| --- | --- | --- | --- |",
                  f"| {int(r['tokens']):,} | {fmt(r['preprocess_seconds'], 2)} | {fmt(r['tokens_per_second'], 0)} | {fmt(r['peak_rss_mb'], 0)} |", ""]
    if want("engines") and have_news:
        print("engines ...", file=sys.stderr)
        sections["engines"] = bench_engines()
    if want("report_seeds"):
        print("report on seeds ...", file=sys.stderr)
        r = bench_report_seeds(args.runs)
        row = lambda name, x: (f"| {name} | {fmt(x['report_seconds'], 1)} | {fmt(x['report_cpu_seconds'], 1)} | "  # noqa: E731
                               f"{fmt(x['peak_rss_mb'], 0)} |")
        lines = sections["report_seeds"] = [
            "## Report on the seeds", "",
            "CPU: user + system seconds of the whole process, forked workers included (with 2 cores the report "
            "cannot take less than half of it).", "",
            "| run | seconds | CPU seconds | peak RSS (MB) |", "| --- | --- | --- | --- |",
            row("cold (empty cache)", r["cold"]),
            row("warm (cached tokens, models, figures)", r["warm"]),
            row("cold, without keyword-assisted topics (`[themes] seeded_topics = false`)", r["cold_unseeded"]), ""]
    if want("report_news") and have_news:
        print("report on news_articles ...", file=sys.stderr)
        r = report_on(NEWS, label="1x", runs=args.runs)
        stages = ", ".join(f"{k} {v:.1f} s" for k, v in r["stages"].items())
        lines = sections["report_news"] = [f"## Full report on news_articles (cold, median of {r['runs']})", "",
                  f"{fmt(r['report_seconds'])} s; peak RSS {fmt(r['peak_rss_mb'], 0)} MB, whole process tree "
                  f"(report + forked workers, PSS sampled every 0.1 s) {fmt(r['tree_peak_pss_mb'], 0)} MB. "
                  f"Stages: {stages}.", ""]
    if args.scaling and want("scaling") and have_news:
        lines = sections["scaling"] = [
                  f"## Scaling (replicated news_articles with distinct ids, cold, median of {args.scaling_runs})", "",
                  "The same full report (`build_report()`, topic grid K = 10, 20 x 2 seeds on both cores) two ways: "
                  "in memory (corpus, tokens and matrices held together) and streamed (`[corpus] stream_rows = "
                  f"{args.stream_rows}`: the table read {args.stream_rows:,} records at a time into a token store on "
                  "disk, matrices and lexical statistics built chunk by chunk, a second pass for KWIC and passages). "
                  "Both give the same tables.", "",
                  "Memory: the report process' peak RSS, and the peak total PSS of the report and its forked "
                  "workers (sampled every 0.1 s; pages shared after the fork count once), i.e. the physical "
                  "memory the run held.", "",
                  "| factor | words | in memory s | s per M words | peak RSS (MB) | with workers, peak PSS (MB) "
                  "| streamed s | s per M words | peak RSS (MB) | with workers, peak PSS (MB) |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        with tempfile.TemporaryDirectory() as tmp:
            for f in [int(x) for x in args.factors.split(",")]:
                print(f"scaling x{f} ...", file=sys.stderr)
                path, words = replicate_news(f, Path(tmp))
                r = report_on(path, label=f"{f}x", runs=args.scaling_runs)
                st = report_on(path, label=f"{f}x streamed", stream_rows=args.stream_rows, runs=args.scaling_runs)
                per = lambda x: fmt(x["report_seconds"] / (words / 1e6), 1)  # noqa: E731
                lines.append(f"| {f}x | {words:,} | {fmt(r['report_seconds'])} | {per(r)} | {fmt(r['peak_rss_mb'], 0)} | "
                             f"{fmt(r['tree_peak_pss_mb'], 0)} | {fmt(st['report_seconds'])} | {per(st)} | "
                             f"{fmt(st['peak_rss_mb'], 0)} | {fmt(st['tree_peak_pss_mb'], 0)} |")
                path.unlink()
        lines.append("")
    command = "python benchmarks/run_all.py " + " ".join(argv if argv is not None else sys.argv[1:])
    write_results(sections, command=command.strip(), runs=args.runs)
    print(f"wrote {RESULTS}", file=sys.stderr)
    return 0


SECTION_ORDER = ("startup", "preprocess", "engines", "report_seeds", "report_news", "scaling")


def write_results(sections: dict[str, list[str]], *, command: str, runs: int) -> None:
    """Merge the sections just measured into results.json and render results.md from all of them.

    A partial run (``--only engines``) replaces only its sections; each section
    says which command produced it, when, and on what machine.
    """
    store = RESULTS.with_suffix(".json")
    data = json.loads(store.read_text(encoding="utf-8")) if store.is_file() else {}
    for name, lines in sections.items():
        data[name] = {"lines": lines, "command": command, "date": time.strftime("%Y-%m-%d %H:%M"),
                      "machine": machine(), "runs": runs}
    store.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    out = ["# Benchmark results", "",
           "Written by `benchmarks/run_all.py` (raw sections in `results.json`). Every measurement runs in a "
           "fresh interpreter; peak RSS is that process' maximum resident set (`ru_maxrss`), and the "
           "largest worker process' where work was forked. Medians over the stated number of runs.", ""]
    for name in SECTION_ORDER:
        if name in data:
            d = data[name]
            lines = [ln for ln in d["lines"]]
            while lines and not lines[-1]:
                lines.pop()
            out += lines + ["", f"_`{d['command']}`, {d['date']}, median of {d['runs']} run(s) where repeated; "
                                f"{d['machine']}._", ""]
    RESULTS.write_text("\n".join(out).rstrip() + "\n", encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
