"""Validate covariate effects (textanalytics.effects) on simulated topic-model corpora and time them on Commons.

Each simulated corpus: ``--statements`` statements of ``--length`` words, years 2000-2019,
speaker "beta" speaking more in later years (share rising from 10 % to 90 %), topic 1's
expected share a function of the year ONLY (``linear``: 0.10 -> 0.40; ``sine``: 0.25 + 0.15
sin), the other topics sharing the rest by a Dirichlet; words by the LDA process from
well-separated planted topics. A tomotopy LDA is fitted (``--iterations``), its topics
matched to the planted ones, and ``estimate_effects(~ speaker + s(year, df=5))`` run with
``--draws`` draws. Per corpus:

(a) confounding: does the adjusted speaker interval on topic 1 cover the truth (0)? Is the
    null rejected (p < 0.05)? And the naive (marginal) beta - alpha difference with a Welch
    t test, which the confounding by year biases.
(b) trends: share of the 20 years at which the predicted band covers the planted curve.
(c) agreement: share of the slope coefficients of a regression of the TRUE (realised)
    statement proportions, same formula, that lie in the estimated intervals.

``--commons`` times ``~ party + s(year)`` on the Commons sample (docs/examples/commons.toml,
K fixed at 12, two seeds, 25 draws) and prints the adjusted party contrasts.

    python benchmarks/validate_effects.py --sims 50            # ~2 min on one core
    python benchmarks/validate_effects.py --commons
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy import stats as sstats

from textanalytics.effects import contrasts, estimate_effects, predict_effects
from textanalytics.effects.formula import build_design
from textanalytics.effects.regression import ols_many
from textanalytics.features import DocumentTermMatrix
from textanalytics.topics import TopicConfig, fit_topics
from textanalytics.topics import stats as tstats

ROOT = Path(__file__).resolve().parent.parent
FORMULA = "~ speaker + s(year, df=5)"


def trend(shape: str, year: np.ndarray) -> np.ndarray:
    x = (np.asarray(year, dtype=float) - 2000) / 19
    return 0.10 + 0.30 * x if shape == "linear" else 0.25 + 0.15 * np.sin(2 * np.pi * x)


def simulate(seed: int, shape: str, *, n: int, length: int, k: int = 5, n_terms: int = 400):
    rng = np.random.default_rng(seed)
    year = rng.integers(2000, 2020, n)
    speaker = np.where(rng.random(n) < 0.1 + 0.8 * (year - 2000) / 19, "beta", "alpha")
    share1 = np.clip(trend(shape, year) + rng.normal(0, 0.05, n), 0.005, 0.95)
    rest = rng.dirichlet(np.full(k - 1, 1.0), size=n) * (1 - share1)[:, None]
    theta = np.column_stack([share1, rest])
    phi = rng.dirichlet(np.full(n_terms, 0.05), size=k)
    z = np.stack([rng.multinomial(length, p) for p in theta])            # (n, k) tokens per topic
    counts = sum(rng.multinomial(z[:, t], phi[t]) for t in range(k))
    realised = z / z.sum(axis=1, keepdims=True)
    sids = [f"s{i:04d}" for i in range(n)]
    units = pd.DataFrame({"unit_id": sids, "statement_id": sids, "paragraph": pd.array([pd.NA] * n, dtype="Int64"),
                          "n_tokens": counts.sum(axis=1).astype(np.int64)})
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(counts.astype(np.int64)),
                             vocabulary=tuple(f"t{j:03d}" for j in range(n_terms)), units=units, unit="statement",
                             params={})
    meta = pd.DataFrame({"statement_id": sids, "year": year, "speaker": speaker})
    return dtm, meta, phi, realised


def one(seed: int, shape: str, args: argparse.Namespace) -> dict:
    dtm, meta, phi, realised = simulate(seed, shape, n=args.statements, length=args.length)
    config = TopicConfig(sampling_iterations=args.iterations, alpha="auto")
    model = fit_topics(dtm, k=phi.shape[0], seed=seed, config=config)
    planted = phi[:, [int(t[1:]) for t in model.vocabulary]]
    match = tstats.match_topics(tstats.cosine_matrix(planted, model.topic_term))
    t1 = int(match[0]) + 1                                                   # fitted topic of planted topic 1
    res = estimate_effects(model, corpus=meta, formula=FORMULA, n_draws=args.draws, seed=seed)
    row = res.table.query("topic == @t1 and term == 'speaker[T.beta]'").iloc[0]
    share = res.table  # noqa: F841 - kept for debugging
    pred = predict_effects(res, covariate="year", values=list(range(2000, 2020))).table.query("topic == @t1")
    truth = trend(shape, pred["value"].to_numpy())
    covered_years = float(((pred["lower"] <= truth) & (truth <= pred["upper"])).mean())
    # Naive: marginal difference of the fitted statement shares, Welch t.
    theta1 = res.design.data.assign(s=np.asarray(model.kept_doc_topic)[:, t1 - 1])
    a, b = theta1.loc[theta1.speaker == "alpha", "s"], theta1.loc[theta1.speaker == "beta", "s"]
    naive = float(b.mean() - a.mean())
    naive_p = float(sstats.ttest_ind(b, a, equal_var=False).pvalue)
    # (c) regression on the true realised proportions (planted order -> fitted order).
    design = build_design(FORMULA, meta.set_index("statement_id"))
    true_coef, _ = ols_many(design.matrix, realised)
    est = res.table[res.table["term"] != "Intercept"]
    inside = []
    for planted_k, fitted_k in enumerate(match):
        rows = est[est["topic"] == fitted_k + 1]
        tc = true_coef[planted_k][[design.columns.index(t) for t in rows["term"]]]
        inside.extend(((rows["lower"].to_numpy() <= tc) & (tc <= rows["upper"].to_numpy())).tolist())
    return {"seed": seed, "shape": shape, "speaker": float(row.estimate), "covers_0": bool(row.lower <= 0 <= row.upper),
            "rejects": bool(row.p_value < 0.05), "naive": naive, "naive_rejects": naive_p < 0.05,
            "years_covered": covered_years, "true_in_interval": float(np.mean(inside)),
            "between_share": float((est["between_var"] / (est["std_error"] ** 2)).mean())}


def simulations(args: argparse.Namespace) -> dict:
    rows = []
    start = time.perf_counter()
    for shape in ("linear", "sine"):
        for s in range(args.sims):
            rows.append(one(1000 + s, shape, args))
    elapsed = time.perf_counter() - start
    t = pd.DataFrame(rows)
    out = {"sims_per_shape": args.sims, "statements": args.statements, "length": args.length,
           "iterations": args.iterations, "draws": args.draws, "seconds": round(elapsed, 1)}
    for shape, g in t.groupby("shape"):
        out[shape] = {
            "adjusted_speaker_covers_0": round(g["covers_0"].mean(), 3),
            "adjusted_speaker_rejects": round(g["rejects"].mean(), 3),
            "adjusted_speaker_mean": round(g["speaker"].mean(), 4),
            "naive_difference_mean": round(g["naive"].mean(), 4),
            "naive_rejects": round(g["naive_rejects"].mean(), 3),
            "years_covered_mean": round(g["years_covered"].mean(), 3),
            "corpora_with_90pct_years_covered": round((g["years_covered"] >= 0.9).mean(), 3),
            "true_coefficients_in_interval": round(g["true_in_interval"].mean(), 3),
            "between_variance_share": round(g["between_share"].mean(), 3),
        }
    return out


def commons() -> dict:
    import textanalytics as ta
    from textanalytics.corpus import load_corpus_from_config
    from textanalytics.features import build_dtm, topic_model_matrix
    from textanalytics.grouping import unit_labels
    from textanalytics.topics import fit_topic_ensemble

    cfg = ta.load_config(ROOT / "docs/examples/commons.toml", resolve=True)
    corpus = load_corpus_from_config(cfg.corpus)
    tokens = ta.preprocess(corpus, config=cfg.preprocess)
    base = build_dtm(tokens, unit="statement")
    dtm, _ = topic_model_matrix(base, labels=unit_labels(base, corpus=corpus, group_by="party"), config=cfg.vocabulary)
    start = time.perf_counter()
    ens = fit_topic_ensemble(dtm, k=12, seeds=[1, 2], config=cfg.topics)
    fit_s = time.perf_counter() - start
    start = time.perf_counter()
    res = estimate_effects(ens, corpus=corpus, formula="~ party + s(year)", n_draws=25, seed=1)
    pred = predict_effects(res, covariate="year")
    con = contrasts(res, covariate="party", reference="Con")
    eff_s = time.perf_counter() - start
    pd.set_option("display.width", 200)
    shown = con.table.query("note == ''").sort_values("p_adjusted").head(12)
    print(shown[["topic", "label", "contrast", "difference", "lower", "upper", "p_adjusted"]].round(4).to_string())
    print(pred.table.groupby("topic").agg(label=("label", "first"), first=("estimate", "first"),
                                          last=("estimate", "last")).round(3).to_string())
    return {"fit_seconds_k12_2_seeds": round(fit_s, 1), "effects_seconds_25_draws": round(eff_s, 2),
            "n_statements": res.params["n_statements"], "n_dropped": res.params["n_statements_dropped"],
            "sparse_levels": res.params["sparse_levels"],
            "between_variance_share": round(float((res.table["between_var"] / res.table["std_error"] ** 2).mean()), 3)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sims", type=int, default=50)
    ap.add_argument("--statements", type=int, default=300)
    ap.add_argument("--length", type=int, default=80)
    ap.add_argument("--iterations", type=int, default=200)
    ap.add_argument("--draws", type=int, default=20)
    ap.add_argument("--commons", action="store_true", help="time ~ party + s(year) on the Commons sample")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "validate_effects.json")
    args = ap.parse_args()
    out = {"commons": commons()} if args.commons else {f"words_{args.length}": simulations(args)}
    print(json.dumps(out, indent=2))
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    previous.update(out)
    args.out.write_text(json.dumps(previous, indent=2) + "\n")


if __name__ == "__main__":
    main()
