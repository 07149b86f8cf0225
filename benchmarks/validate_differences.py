"""Are the report's topic-share findings honest? Null and planted simulations (issue 15).

The report narrates a difference in topic share only when its ``verdict`` says
a side is higher (the Benjamini-Hochberg-adjusted permutation test and the
false-coverage-rate interval agree), and a trend only when the adjusted
permutation test passes and its interval excludes 0. This script measures, on
statement-level topic proportions drawn with known truth (no model fitting:
the quantity under test is the inference on given proportions):

1. **Null reports**: groups of realistic, unequal sizes (a 5-party-like
   grouping: 40 %, 35 %, 15 %, 6 %, 3 %, 1 statement) with no difference; the
   family is each group vs the rest plus one configured pair. Target: the
   share of reports that narrate any difference is <= 5 % (binomial 95 % CI
   stated).
2. **Null trends**: 10 years, no trend; share of reports narrating a trend.
3. **Power**: one group's statements lean to topic 1 (Dirichlet shift), and a
   linear trend of realistic size; share of corpora where it is narrated.

Statements have 1-12 paragraphs and 20-200 modelled tokens per paragraph;
proportions vary between statements (Dirichlet(0.5) per statement, paragraphs
around it), as real corpora do.

Run from the project root::

    .venv/bin/python benchmarks/validate_differences.py              # 200 null reps, 100 power reps
    .venv/bin/python benchmarks/validate_differences.py --reps 400
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textanalytics.grouping import REST  # noqa: E402
from textanalytics.topics import TopicConfig, TopicModel, topic_differences, topic_trends  # noqa: E402

K = 6
CFG = TopicConfig(n_bootstrap=200, n_permutations=999)


def corpus(rng: np.random.Generator, *, n: int, lean: float = 0.0, lean_group: int = 0,
           trend: float = 0.0) -> tuple[TopicModel, pd.DataFrame]:
    sizes = np.maximum(1, np.round(np.array([0.40, 0.35, 0.15, 0.06, 0.03]) * (n - 1))).astype(int)
    groups = np.r_[np.repeat([f"g{i}" for i in range(5)], sizes), ["solo"]]
    n = len(groups)
    years = rng.integers(2010, 2020, size=n)
    rows, units, shares = [], [], []
    for i in range(n):
        alpha = np.full(K, 0.5)
        if lean and groups[i] == f"g{lean_group}":
            alpha[0] += lean
        base = rng.dirichlet(alpha)
        if trend:
            base[0] = np.clip(base[0] + trend * (years[i] - 2014.5), 0.0, 1.0)
            base[1:] *= (1 - base[0]) / max(base[1:].sum(), 1e-12)
        for p in range(rng.integers(1, 13)):
            shares.append(rng.dirichlet(base * 20 + 0.05))
            units.append((f"s{i}", p + 1, int(rng.integers(20, 201))))
        rows.append((f"s{i}", groups[i], int(years[i])))
    u = pd.DataFrame(units, columns=["statement_id", "paragraph", "n_terms"])
    u["unit_id"] = u["statement_id"] + ":" + u["paragraph"].astype(str)
    u["n_tokens"] = u["n_terms"]
    u["paragraph"] = u["paragraph"].astype("Int64")
    topic_term = np.full((K, K + 1), 1.0 / (K + 1))
    model = TopicModel(topic_term=topic_term, doc_topic=np.asarray(shares), vocabulary=tuple(f"t{j}" for j in range(K + 1)),
                       units=u, term_counts=np.ones(K + 1),
                       params={"engine": "sim", "k": K, "seed": 1, "config": {"stability_threshold": 0.5}})
    meta = pd.DataFrame(rows, columns=["statement_id", "party", "year"]).assign(text="")
    return model, meta


def narrated(model: TopicModel, meta: pd.DataFrame, seed: int) -> tuple[bool, bool, pd.DataFrame]:
    groups = sorted(meta["party"].unique())
    family = [("g0", "g1")] + [(g, REST) for g in groups]
    d = topic_differences(model, corpus=meta, group_by="party", pairs=family, seed=seed, config=CFG).table
    t = topic_trends(model, corpus=meta, group_by="year", seed=seed, config=CFG).table
    found = d["verdict"].isin(["a_higher", "b_higher"]) & (d["n_a"] >= 2) & (d["n_b"] >= 2)
    trend = (t["p_adjusted"] < 0.05) & ((t["lower"] > 0) | (t["upper"] < 0))
    return bool(found.any()), bool(trend.any()), d[found]


def wilson(k: int, n: int) -> str:
    p, z = k / n, 1.96
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{p:.1%} (95 % CI {max(0, centre - half):.1%}–{min(1, centre + half):.1%})"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--power-reps", type=int, default=100)
    ap.add_argument("--statements", type=int, default=120)
    args = ap.parse_args()
    rng = np.random.default_rng(20261205)
    start = time.perf_counter()
    any_diff = any_trend = 0
    for rep in range(args.reps):
        model, meta = corpus(rng, n=args.statements)
        diff, trend, _ = narrated(model, meta, rep)
        any_diff += diff
        any_trend += trend
    print(f"null, {args.reps} reports of {args.statements} statements, K = {K}:")
    print(f"  reports narrating a difference: {any_diff}/{args.reps} = {wilson(any_diff, args.reps)}")
    print(f"  reports narrating a trend:      {any_trend}/{args.reps} = {wilson(any_trend, args.reps)}")
    hit_diff = hit_trend = wrong = 0
    for rep in range(args.power_reps):
        model, meta = corpus(rng, n=args.statements, lean=1.0, lean_group=1, trend=0.02)
        _, trend, found = narrated(model, meta, rep)
        lean = found[(found["group_a"] == "g1") & (found["group_b"] == REST) & (found["topic"] == 1)]
        hit_diff += bool(len(lean) and (lean["verdict"] == "a_higher").all())
        hit_trend += trend
        wrong += bool(((found["topic"] != 1)).any())
    print(f"planted (g1 leans to topic 1 by +1 Dirichlet weight; topic 1 rises 2 points a year), {args.power_reps} corpora:")
    print(f"  g1 higher on topic 1 narrated: {hit_diff}/{args.power_reps} = {wilson(hit_diff, args.power_reps)}")
    print(f"  a trend narrated:              {hit_trend}/{args.power_reps} = {wilson(hit_trend, args.power_reps)}")
    print(f"  corpora with a finding on another topic (compositional echo of topic 1): {wrong}/{args.power_reps}")
    print(f"{time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
