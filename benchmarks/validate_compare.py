"""Validity of statement-level keyness (issue 15) on real speeches with known truth.

Null corpora: the 1,000 Commons speeches (docs/examples/commons.toml: the report's matrix,
statement level, every kept term) with random labels, so no label can matter and the
speeches keep their real lengths and burstiness.

1. False positives, per test the report uses: two groups (sizes of Lab and Con), the
   k-group omnibus (the 9 party sizes), the trend over 7 ordered "periods" (government
   sizes). Share of tested terms with p < 0.05 (Wilson 95 % interval over term x corpus;
   terms of one corpus are correlated, so the interval is narrower than it should be),
   and share of null corpora whose report would call any term ``key`` (interval over corpora).
   The token-level G² p-value is shown beside it.
2. Power: random A/B labels; 20 terms used in 30-150 speeches get a rate ratio of 2, 3
   or 4 by thinning their counts in B (each token kept with probability 1/ratio): party
   differences of log ratio 1-2, the size of the top Lab/Con terms. Detected = ``key``
   on side A.
3. Dispersion share (``min_dispersion_share``): null any-key rate, power, and on Lab vs Con
   the fewest speeches a key term occurs in, for several shares.
4. Lab vs Con and news outlets: key terms for reading.

Run from the project root::

    .venv/bin/python benchmarks/validate_compare.py                  # ~1-2 minutes
    .venv/bin/python benchmarks/validate_compare.py --reps 200
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textanalytics import load_config  # noqa: E402
from textanalytics.compare.keywords import keyness  # noqa: E402
from textanalytics.corpus import load_corpus_from_config  # noqa: E402
from textanalytics.features import DocumentTermMatrix, build_dtm  # noqa: E402
from textanalytics.preprocessing import preprocess  # noqa: E402


def wilson(hits: int, n: int) -> list[float]:
    """Wilson 95 % interval of a proportion."""
    if n == 0:
        return [math.nan, math.nan]
    z, p = 1.959964, hits / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(max(0.0, centre - half), 4), round(min(1.0, centre + half), 4)]


def rate(hits: int, n: int) -> dict[str, Any]:
    return {"rate": round(hits / n, 4) if n else math.nan, "ci95": wilson(hits, n), "hits": hits, "n": n}


def load(config: str) -> tuple[Any, DocumentTermMatrix, Any]:
    cfg = load_config(ROOT / config, resolve=True)
    corpus = load_corpus_from_config(cfg.corpus)
    tokens = preprocess(corpus, config=cfg.preprocess)
    return cfg, build_dtm(tokens, unit=cfg.compare.unit), corpus


def labelled(dtm: DocumentTermMatrix, labels: np.ndarray) -> pd.DataFrame:
    sids = dtm.units["statement_id"].astype(str).to_numpy()
    return pd.DataFrame({"statement_id": sids, "group": labels, "text": [""] * len(sids)})


def null_labels(rng: np.random.Generator, sizes: list[int], n: int, names: list[Any]) -> np.ndarray:
    lab = np.repeat(np.array(names, dtype=object), sizes)
    lab = np.concatenate([lab, np.full(n - len(lab), None, dtype=object)])
    return rng.permutation(lab)


def validate_null(dtm: DocumentTermMatrix, corpus: Any, reps: int, seed: int, share: float) -> dict[str, Any]:
    party = corpus.statements.set_index("statement_id")["party"].reindex(dtm.units["statement_id"].astype(str))
    sizes2 = [int((party == "Lab").sum()), int((party == "Con").sum())]
    sizes_k = party.value_counts().sort_index().tolist()
    gov = corpus.statements.set_index("statement_id")["government"].reindex(dtm.units["statement_id"].astype(str))
    sizes_t = gov.value_counts().sort_index().tolist()
    n = dtm.counts.shape[0]
    rng = np.random.default_rng(seed)
    acc = {name: [0, 0, 0, 0] for name in ("two_groups", "two_groups_tokens", "omnibus", "one_vs_rest", "trend")}
    any_key = {"two_groups": 0, "k_groups": 0, "trend": 0}
    for _ in range(reps):
        st = labelled(dtm, null_labels(rng, sizes2, n, ["A", "B"]))
        res = keyness(dtm, corpus=st, group_by="group", target="A", reference="B", min_dispersion_share=share)
        p = res.table["p_value"].dropna()
        acc["two_groups"][0] += int((p < 0.05).sum())
        acc["two_groups"][1] += len(p)
        acc["two_groups_tokens"][0] += int((res.table["p_value_tokens"] < 0.05).sum())
        acc["two_groups_tokens"][1] += len(res.table)
        any_key["two_groups"] += bool(res.table["key"].any())
        st = labelled(dtm, null_labels(rng, sizes_k, n, [f"g{i}" for i in range(len(sizes_k))]))
        res = keyness(dtm, corpus=st, group_by="group", min_dispersion_share=share)
        acc["omnibus"][0] += int((res.omnibus["p_value"] < 0.05).sum())
        acc["omnibus"][1] += len(res.omnibus)
        p = res.table["p_value"].dropna()
        acc["one_vs_rest"][0] += int((p < 0.05).sum())
        acc["one_vs_rest"][1] += len(p)
        any_key["k_groups"] += bool(res.table["key"].any())
        st = labelled(dtm, null_labels(rng, sizes_t, n, [2000 + i for i in range(len(sizes_t))]))
        res = keyness(dtm, corpus=st, group_by="group", min_dispersion_share=share)
        acc["trend"][0] += int((res.trend["p_value"] < 0.05).sum())
        acc["trend"][1] += len(res.trend)
        any_key["trend"] += bool((res.trend["p_adjusted"] < 0.05).any())
    return {"reps": reps, "false_positive_rate_at_0.05": {k: rate(v[0], v[1]) for k, v in acc.items() if v[1]},
            "share_of_null_reports_with_any_key_term": {k: rate(v, reps) for k, v in any_key.items()}}


def plant(dtm: DocumentTermMatrix, labels: np.ndarray, terms: np.ndarray, rng: np.random.Generator,
          ratio: float) -> DocumentTermMatrix:
    counts = dtm.counts.tolil(copy=True)
    x = dtm.counts.tocsc()
    rows_b = labels == "B"
    for j in terms:
        col = x[:, j].toarray().ravel()
        thinned = np.where(rows_b, rng.binomial(col, 1.0 / ratio), col)
        counts[:, j] = thinned[:, None]
    counts = sp.csr_matrix(counts, dtype=np.int64)
    removed = np.asarray(dtm.counts.sum(axis=1)).ravel() - np.asarray(counts.sum(axis=1)).ravel()
    units = dtm.units.assign(n_tokens=dtm.token_totals() - removed)
    return DocumentTermMatrix(counts=counts, vocabulary=dtm.vocabulary, units=units, unit=dtm.unit)


def validate_power(dtm: DocumentTermMatrix, reps: int, seed: int, shares: list[float],
                   ratio: float = 2.0) -> dict[str, Any]:
    rng = np.random.default_rng(seed)
    pres = dtm.counts.copy()
    pres.data[:] = 1
    df = np.asarray(pres.sum(axis=0)).ravel()
    pool = np.flatnonzero((df >= 30) & (df <= 150))
    n = dtm.counts.shape[0]
    hits = {s: [] for s in shares}
    for _ in range(reps):
        labels = rng.permutation(np.array(["A", "B"] * (n // 2) + ["A"] * (n % 2), dtype=object))
        terms = rng.choice(pool, 20, replace=False)
        planted = plant(dtm, labels, terms, rng, ratio)
        st = labelled(dtm, labels)
        for s in shares:
            res = keyness(planted, corpus=st, group_by="group", target="A", reference="B", min_dispersion_share=s)
            key = set(res.table.loc[res.table["key"] & (res.table["direction"] == "target"), "term"])
            hits[s].append(np.mean([dtm.vocabulary[j] in key for j in terms]))
    return {"reps": reps, "planted_terms": 20, "rate_ratio": ratio, "speeches_per_term": "30-150",
            "detected_share": {str(s): round(float(np.mean(v)), 4) for s, v in hits.items()},
            "corpora_detecting_at_least_80_percent": {str(s): round(float(np.mean(np.array(v) >= 0.8)), 4)
                                                      for s, v in hits.items()}}


def real_keys(config: str, group_by: str, pair: tuple[str, str] | None, shares: list[float]) -> dict[str, Any]:
    cfg, dtm, corpus = load(config)
    out: dict[str, Any] = {}
    for s in shares:
        t0 = time.perf_counter()
        kw = {"target": pair[0], "reference": pair[1]} if pair else {}
        res = keyness(dtm, corpus=corpus, group_by=group_by, min_dispersion_share=s, seed=cfg.seed, **kw)
        took = time.perf_counter() - t0
        key = res.table[res.table["key"]]
        side_n = np.where(key["direction"] == "target", key["n_statements_target"], key["n_statements_reference"])
        entry: dict[str, Any] = {"seconds": round(took, 2), "n_key": int(len(key)),
                                 "fewest_statements_of_a_key_term": int(side_n.min()) if len(key) else None,
                                 "key_terms_in_fewer_than_5_statements": int((side_n < 5).sum())}
        if s == shares[-1] or s == 0.02:
            short = res.shortlist(12)
            entry["top"] = {f"{t} vs {r} ({d})": part["term"].head(12).tolist()
                            for (t, r, d), part in short[short["key"]].groupby(["target", "reference", "direction"])}
            if len(res.omnibus):
                entry["omnibus_significant"] = int((res.omnibus["p_adjusted"] < 0.05).sum())
        out[str(s)] = entry
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=40)
    ap.add_argument("--power-reps", type=int, default=20)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--quick", action="store_true",
                    help="shares 0, 0.02, 0.05; ratios 2 and 4; no by-share null run; no news corpus")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "validate_compare.json"))
    args = ap.parse_args()
    shares = [0.0, 0.02, 0.05] if args.quick else [0.0, 0.01, 0.02, 0.05]
    ratios = (2.0, 4.0) if args.quick else (2.0, 3.0, 4.0)
    t0 = time.perf_counter()
    _, dtm, corpus = load("docs/examples/commons.toml")
    result = {
        "corpus": "commons_speeches (1,000 speeches), statement-level matrix of docs/examples/commons.toml",
        "null": validate_null(dtm, corpus, args.reps, args.seed, 0.02),
        "power": {f"rate_ratio_{r}": validate_power(dtm, args.power_reps, args.seed + 1, shares, r) for r in ratios},
        "commons_lab_vs_con": real_keys("docs/examples/commons.toml", "party", ("Lab", "Con"), shares),
        "commons_party": real_keys("docs/examples/commons.toml", "party", None, [0.02]),
    }
    if not args.quick:
        result["null_any_key_by_share"] = {
            str(s): validate_null(dtm, corpus, max(10, args.reps // 4), args.seed + 2, s)
            ["share_of_null_reports_with_any_key_term"] for s in (0.0, 0.05)}
        result["news_outlet"] = real_keys("docs/examples/news_articles.toml", "outlet", None, [0.02])
    result["seconds"] = round(time.perf_counter() - t0, 1)
    Path(args.out).write_text(json.dumps(result, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
