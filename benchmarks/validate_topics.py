"""Validity of the topics stage on corpora generated from known topics (issue 5).

1. Recovery: K = 5 planted topics over 500 terms, 300 documents of 100 words
   (30 statements x 10 paragraphs), LDA generative process; fitted topics are
   matched to the planted ones (Hungarian, cosine). Target: mean cosine >= 0.9.
   Reported for several simulation seeds, for the vb (LDA) and NMF engines.
2. Planted difference: group A's statements draw topic 0 with a larger
   Dirichlet weight (shift); how often is it detected (interval excludes 0 and
   permutation p < 0.05) for the fitted topic matched to topic 0?
3. False positives: no planted difference; over many simulated corpora, how
   often is p < 0.05 for one pre-specified topic (topic 1 of the fit)? Target:
   <= 0.05. Also reported: how often the bootstrap interval excludes 0 -- it
   describes the statements at hand (paragraphs and seeds), so it is *not* a
   test of the group label and is expected to exclude 0 more often; the interval
   with statements resampled too (``resample_statements=True``) is shown beside it.
4. Pruning and the planted difference (issue 14): the matrix is pruned as the
   report prunes it (``min_df = 2``, ``max_df`` from a grid) before fitting;
   the difference in share of the planted topic between the groups is compared
   with the realised one (the share of each group's tokens drawn from it).
   Shares over every kept token (the package's estimand) against shares over
   the modelled tokens only: bias, median ratio and how often the interval
   covers the realised difference (target >= 90 %).
5. Choice of K: planted corpora with K = 6, 10 and 15 true topics (5 corpora each:
   800 documents of 100 words over 1,000 terms, each drawn by the LDA process
   with its own topic mix, alpha = 0.3, eta = 0.05); ``select_k`` with the default configuration and automatic grid
   (2..18 for 800 units, extended when the rule picks its top). Target: the
   chosen K is within 2 of the true K in at least 4 of 5 corpora for each K.

Run from the project root::

    .venv/bin/python benchmarks/validate_topics.py                 # defaults below
    .venv/bin/python benchmarks/validate_topics.py --null-reps 400 --power-reps 50
    .venv/bin/python benchmarks/validate_topics.py --only pruning --pruning-reps 40
    .venv/bin/python benchmarks/validate_topics.py --only k                 # the K choice only
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textanalytics.topics import (TopicConfig, fit_topic_ensemble, fit_topics, select_k,  # noqa: E402
                                  topic_differences)
from textanalytics.topics.model import TopicEnsemble  # noqa: E402
from textanalytics.topics.synthetic import recovery, simulate_corpus  # noqa: E402


def _binomial_ci(hits: int, n: int) -> tuple[float, float]:
    """Wilson 95 % interval of a proportion."""
    if n == 0:
        return (math.nan, math.nan)
    z, p = 1.959964, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def validate_recovery(sim_seeds: list[int]) -> dict[str, Any]:
    rows = []
    for s in sim_seeds:
        sim = simulate_corpus(k=5, n_terms=500, n_statements=30, paragraphs=10, length=100, seed=s)
        for engine in ("vb", "nmf"):
            t0 = time.perf_counter()
            model = fit_topics(sim.dtm, k=5, seed=1, config=TopicConfig(engine=engine))
            _, cosine = recovery(model, sim)
            rows.append({"sim_seed": s, "engine": engine, "mean_cosine": float(cosine.mean()),
                         "min_cosine": float(cosine.min()), "fit_s": time.perf_counter() - t0})
    return {"rows": rows}


def _one_comparison(sim_seed: int, *, shift: float, n_statements: int, fit_seeds: list[int],
                    config: TopicConfig) -> dict[str, Any]:
    sim = simulate_corpus(k=4, n_terms=200, n_statements=n_statements, paragraphs=8, length=50,
                          shift=shift, shift_topic=0, seed=sim_seed)
    ens = fit_topic_ensemble(sim.dtm, k=4, seeds=fit_seeds, config=config)
    match, _ = recovery(ens, sim)
    planted = int(match[0]) + 1
    diff = topic_differences(ens, corpus=sim.corpus, group_by="group", group_a="A", group_b="B",
                             config=config, resample_statements=False).table
    wide = topic_differences(ens, corpus=sim.corpus, group_by="group", group_a="A", group_b="B",
                             config=config, resample_statements=True).table
    return {"planted": planted, "diff": diff, "wide": wide}


def validate_power(reps: int, shift: float, n_statements: int, config: TopicConfig) -> dict[str, Any]:
    detected = detected_p = 0
    for r in range(reps):
        out = _one_comparison(10_000 + r, shift=shift, n_statements=n_statements, fit_seeds=[1, 2],
                              config=config)
        row = out["diff"][out["diff"]["topic"] == out["planted"]].iloc[0]
        detected += bool(row["lower"] > 0 or row["upper"] < 0) and row["p_value"] < 0.05
        detected_p += row["p_value"] < 0.05
    return {"reps": reps, "shift": shift, "n_statements": n_statements,
            "detected_interval_and_p": detected / reps, "detected_p": detected_p / reps}


def validate_null(reps: int, n_statements: int, config: TopicConfig) -> dict[str, Any]:
    p_hits = interval_hits = wide_hits = 0
    p_values = []
    for r in range(reps):
        out = _one_comparison(20_000 + r, shift=0.0, n_statements=n_statements, fit_seeds=[1],
                              config=config)
        # One pre-specified test per corpus: topic 1 (the largest) of the fit.
        row = out["diff"][out["diff"]["topic"] == 1].iloc[0]
        wide = out["wide"][out["wide"]["topic"] == 1].iloc[0]
        p_values.append(float(row["p_value"]))
        p_hits += row["p_value"] < 0.05
        interval_hits += bool(row["lower"] > 0 or row["upper"] < 0)
        wide_hits += bool(wide["lower"] > 0 or wide["upper"] < 0)
    rate = p_hits / reps
    return {"reps": reps, "n_statements": n_statements, "false_positive_rate": rate,
            "false_positive_ci95": _binomial_ci(p_hits, reps),
            "interval_excludes_0_rate": interval_hits / reps,
            "interval_excludes_0_rate_resample_statements": wide_hits / reps,
            "p_value_deciles": np.quantile(p_values, np.linspace(0.1, 0.9, 9)).round(3).tolist()}


def _modelled_tokens_only(ens: TopicEnsemble) -> TopicEnsemble:
    """The same fits with shares over the modelled tokens only (the estimand before issue 14)."""
    strip = lambda m: dataclasses.replace(m, pruned=None)  # noqa: E731
    return TopicEnsemble(reference=strip(ens.reference), refits=tuple(map(strip, ens.refits)),
                         alignment=ens.alignment)


def validate_pruning(reps: int, *, max_dfs: list[float], shift: float, config: TopicConfig) -> dict[str, Any]:
    """Planted difference in topic 0 after pruning with each ``max_df``; estimand kept vs modelled tokens."""
    rows = []
    for r in range(reps):
        sim = simulate_corpus(k=4, n_terms=200, n_statements=20, paragraphs=8, length=50, shift=shift,
                              shift_topic=0, seed=30_000 + r)
        realised = float(sim.realised_share("A")[0] - sim.realised_share("B")[0])
        for max_df in max_dfs:
            dtm = sim.dtm.prune(min_df=2, max_df=max_df)
            ens = fit_topic_ensemble(dtm, k=4, seeds=[1, 2], config=config)
            match, cosine = recovery(ens, sim)
            planted = int(match[0]) + 1
            for estimand, e in (("kept tokens", ens), ("modelled tokens", _modelled_tokens_only(ens))):
                for resample in (False, True):
                    t = topic_differences(e, corpus=sim.corpus, group_by="group", group_a="A", group_b="B",
                                          config=config, resample_statements=resample).table
                    row = t[t["topic"] == planted].iloc[0]
                    rows.append({"rep": r, "max_df": max_df, "estimand": estimand, "resample": resample,
                                 "removed": 1 - dtm.counts.sum() / sim.dtm.counts.sum(), "cosine": float(cosine[0]),
                                 "realised": realised, "difference": float(row["difference"]),
                                 "covered": bool(row["lower"] <= realised <= row["upper"])})
    df = pd.DataFrame(rows)
    df["error"] = df["difference"] - df["realised"]
    df["ratio"] = df["difference"] / df["realised"]
    out = df.groupby(["max_df", "estimand", "resample"]).agg(
        tokens_removed=("removed", "mean"), recovery_cosine=("cosine", "mean"), bias=("error", "mean"),
        median_ratio=("ratio", "median"), coverage=("covered", "mean")).reset_index()
    return {"reps": reps, "shift": shift, "engine": config.engine, "table": out.to_dict(orient="records")}


def _print_pruning(res: dict[str, Any]) -> None:
    print(f"\n## Pruning and a planted difference ({res['reps']} corpora, shift {res['shift']}, "
          f"engine {res['engine']}, 2 seeds; min_df = 2)\n")
    print("| max_df | tokens removed | recovery cosine | shares over | statements resampled | bias | "
          "median ratio | interval covers realised |\n|---|---|---|---|---|---|---|---|")
    for r in res["table"]:
        print(f"| {r['max_df']} | {r['tokens_removed']:.1%} | {r['recovery_cosine']:.3f} | {r['estimand']} | "
              f"{'yes' if r['resample'] else 'no'} | {r['bias']:+.3f} | {r['median_ratio']:.2f} | "
              f"{r['coverage']:.0%} |")


def validate_k_choice(true_ks: list[int], corpora: int, *, cache_dir: str | None = None,
                      config: TopicConfig | None = None) -> dict[str, Any]:
    """Planted corpora with ``true_ks`` topics, ``corpora`` of each; how often select_k is within 2 of the truth."""
    config = config or TopicConfig()
    rows = []
    for k in true_ks:
        for c in range(corpora):
            sim = simulate_corpus(k=k, n_terms=1000, n_statements=800, paragraphs=1, length=100, alpha=0.3,
                                  eta=0.05, seed=30_000 + 100 * k + c)
            t0 = time.perf_counter()
            sel = select_k(sim.dtm, texts=sim.texts, seeds=[1, 2, 3], config=config, cache_dir=cache_dir)
            rows.append({"true_k": k, "corpus": c, "chosen_k": sel.chosen_k, "within_2": abs(sel.chosen_k - k) <= 2,
                         "grid": sel.params["k_grid"], "reason": sel.reason, "seconds": time.perf_counter() - t0,
                         "summary": sel.summary.round(5).to_dict(orient="list")})
            print(f"  true K={k}, corpus {c}: chosen K={sel.chosen_k} ({rows[-1]['seconds']:.0f} s)", flush=True)
    hits = {k: sum(r["within_2"] for r in rows if r["true_k"] == k) for k in true_ks}
    return {"rows": rows, "hits": hits, "corpora": corpora}


def main(argv: list[str] | None = None) -> dict[str, Any]:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--recovery-seeds", type=int, nargs="*", default=[1, 2, 3, 4, 5])
    ap.add_argument("--power-reps", type=int, default=30)
    ap.add_argument("--null-reps", type=int, default=200)
    ap.add_argument("--n-statements", type=int, default=20, help="statements per simulated corpus (half A)")
    ap.add_argument("--pruning-reps", type=int, default=20, help="corpora per max_df in the pruning check")
    ap.add_argument("--max-df", type=float, nargs="+", default=[0.5, 0.7, 0.9, 1.0])
    ap.add_argument("--engine", default=TopicConfig().engine, help="topic engine (default: the package's)")
    ap.add_argument("--search-iterations", type=int, default=None,
                    help="[topics] search_iterations for the K check (0 = sampling_iterations)")
    ap.add_argument("--only", choices=["pruning", "k"], help="run only this part")
    ap.add_argument("--k-corpora", type=int, default=5, help="planted corpora per true K (0 = skip)")
    ap.add_argument("--true-k", type=int, nargs="*", default=[6, 10, 15])
    ap.add_argument("--cache", help="fit cache folder for the K choice (reruns read the fits back)")
    ap.add_argument("--k-engine", help="engine for the K choice (default: the package default)")
    ap.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    config = TopicConfig(engine=args.engine, n_bootstrap=200, n_permutations=2000)
    t0 = time.perf_counter()
    pruning = validate_pruning(args.pruning_reps, max_dfs=args.max_df, shift=1.0,
                               config=dataclasses.replace(config, n_permutations=500)
                               ) if args.pruning_reps and args.only in (None, "pruning") else {}
    if pruning:
        _print_pruning(pruning)
    if args.only == "pruning":
        print(f"\ntotal {time.perf_counter() - t0:.0f} s")
        if args.json:
            args.json.write_text(json.dumps({"pruning": pruning}, indent=2, default=float))
        return {"pruning": pruning}
    if args.k_corpora and args.only in (None, "k"):
        kconfig = TopicConfig(engine=args.k_engine) if args.k_engine else TopicConfig()
        if args.search_iterations is not None:
            kconfig = dataclasses.replace(kconfig, search_iterations=args.search_iterations)
        kc = (validate_k_choice(args.true_k, args.k_corpora, cache_dir=args.cache, config=kconfig)
              if args.k_corpora else None)
        if kc:
            print(f"\n## Choice of K on planted corpora ({args.k_corpora} corpora per K; 800 documents of 100 words; "
                  f"engine {kconfig.engine})\n")
            print("| true K | chosen K per corpus | within ±2 | target |\n|---|---|---|---|")
            for k in args.true_k:
                chosen = [r["chosen_k"] for r in kc["rows"] if r["true_k"] == k]
                print(f"| {k} | {', '.join(map(str, chosen))} | {kc['hits'][k]} of {len(chosen)} | "
                      f"≥ {math.ceil(0.8 * len(chosen))} |")
            print(f"\n{sum(r['seconds'] for r in kc['rows']):.0f} s of select_k")
        if args.only == "k":
            if args.json:
                args.json.write_text(json.dumps({"k_choice": kc}, indent=2, default=float))
            return {"k_choice": kc}
    else:
        kc = None
    rec = validate_recovery(args.recovery_seeds) if args.recovery_seeds else {"rows": []}
    print("## Recovery of planted topics (K=5, V=500, 300 documents of 100 words)\n")
    print("| simulation seed | engine | mean cosine | min cosine | fit s |\n|---|---|---|---|---|")
    for r in rec["rows"]:
        print(f"| {r['sim_seed']} | {r['engine']} | {r['mean_cosine']:.3f} | {r['min_cosine']:.3f} | {r['fit_s']:.2f} |")
    power = {s: validate_power(args.power_reps, s, args.n_statements, config)
             for s in (1.0, 3.0)} if args.power_reps else {}
    if power:
        print(f"\n## Planted difference ({args.n_statements} statements, half in each group; 2 seeds)\n")
        print("| shift | replications | interval excludes 0 and p < 0.05 | p < 0.05 |\n|---|---|---|---|")
        for s, res in power.items():
            print(f"| {s} | {res['reps']} | {res['detected_interval_and_p']:.2f} | {res['detected_p']:.2f} |")
    null = validate_null(args.null_reps, args.n_statements, config)
    lo, hi = null["false_positive_ci95"]
    print(f"\n## No planted difference ({null['reps']} simulated corpora, one test each)\n")
    print(f"- permutation test, p < 0.05: **{null['false_positive_rate']:.3f}** (95% CI {lo:.3f}-{hi:.3f}; target <= 0.05)")
    print(f"- bootstrap interval (paragraphs + seeds) excludes 0: {null['interval_excludes_0_rate']:.3f} "
          "(not a test of the label: it describes these statements)")
    print(f"- bootstrap interval with statements resampled excludes 0: "
          f"{null['interval_excludes_0_rate_resample_statements']:.3f}")
    print(f"- p-value deciles: {null['p_value_deciles']}")
    print(f"\ntotal {time.perf_counter() - t0:.0f} s")
    out = {"recovery": rec, "power": {str(k): v for k, v in power.items()}, "null": null, "pruning": pruning, "k_choice": kc}
    if args.json:
        args.json.write_text(json.dumps(out, indent=2, default=float))
    return out


if __name__ == "__main__":
    main()
