"""Validity of the themes stage (issue 17).

1. Dictionary counts against an independent count: a regular expression over the
   cleaned paragraph texts (the corpus' ``paragraphs.text``, not the tokens), one
   alternation per category with its entries longest first, case-insensitive, words
   bounded as the tokeniser bounds them (``preprocessing/words.py``: hyphens,
   apostrophes and periods join word characters), ``*`` as any word characters.
   Compared with ``count_themes(..., match="surface")`` per statement and category:
   the seeds with ``seeds/themes.toml``, the 1,000 Commons speeches
   (``docs/examples/commons.toml``) with the Moral Foundations Dictionary 2.0
   (``../shared/dictionaries/mfd2.csv``). Lemma matching has no text-level twin (its
   lemmas are the tokens'); it is reported beside, as totals.
2. Keyword-assisted recovery on planted corpora (``topics/synthetic.py``): seed words
   = the ``n_seed_words`` most probable words of each of ``n_seeded`` planted topics;
   a planted topic is recovered when the matched fitted topic has cosine >= 0.9.
   Seeded topics are matched by their number, unseeded LDA (same K, engine, seed)
   by the Hungarian matching on cosine; free topics recover the planted topics with
   no seeds. Seeded fits at the defaults (60 chains of 300 iterations) and as one chain
   of 1,000 iterations; unseeded LDA as the package fits it (the last state) and
   estimated as the seeded chains are (the mean of its second half's states), so that
   the seeds' gain is told from the averaging's.
3. Seeded topics keep their identity across seeds on the seeds corpus: each seeded
   topic's top-term stability (the package's top-10 Jaccard, pinned alignment), and the
   share of refits in which an unconstrained Hungarian matching on all topics would
   give a seeded topic the same number (identity kept); per (seed_weight, chains,
   iterations per chain), with the time of the three fits.

Run from the project root::

    .venv/bin/python benchmarks/validate_themes.py --reps 10  # ~4 minutes on 2 busy cores
    .venv/bin/python benchmarks/validate_themes.py --quick    # seeds only
    .venv/bin/python benchmarks/validate_themes.py --shapes 60x300 60x150  # seeded stability per chain shape
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from textanalytics.config import load_config  # noqa: E402
from textanalytics.inputs import load_inputs  # noqa: E402
from textanalytics.themes import Codebook, count_themes, read_codebook  # noqa: E402

_JOIN = "\\-\u2010\u2011\u00ad'\u2019."
_BEFORE = rf"(?<!\w)(?<!\w[{_JOIN}])"
_AFTER = rf"(?!\w)(?![{_JOIN}]\w)"


def _entry_regex(words: tuple[str, ...]) -> str:
    parts = [re.escape(w).replace(r"\*", rf"(?:\w|[{_JOIN}](?=\w))*") for w in words]
    return r"\s+".join(parts)


def independent_counts(paragraphs: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Matches per ``statement_id, category`` from the cleaned texts alone (module docstring)."""
    rows = []
    for cat in codebook.categories:
        entries = sorted({e.words for e in codebook.entries if e.category == cat}, key=lambda w: (-len(w), -len(" ".join(w))))
        rx = re.compile(_BEFORE + "(?:" + "|".join(_entry_regex(w) for w in entries) + ")" + _AFTER, re.IGNORECASE)
        for sid, text in zip(paragraphs["statement_id"].astype(str), paragraphs["text"].astype(str)):
            rows.append((sid, cat, sum(1 for _ in rx.finditer(text))))
    out = pd.DataFrame(rows, columns=["statement_id", "category", "count"])
    return out.groupby(["statement_id", "category"], sort=True)["count"].sum().reset_index()


def compare_counts(config: str, codebook_path: str) -> dict:
    cfg = load_config(ROOT / config, resolve=True)
    inputs = load_inputs(cfg, stage=lambda name: contextlib.nullcontext())
    codebook = read_codebook(codebook_path)
    start = time.perf_counter()
    ours = count_themes(inputs.tokens, codebook, match="surface").table
    t_ours = time.perf_counter() - start
    start = time.perf_counter()
    ref = independent_counts(inputs.corpus.paragraphs, codebook)
    t_ref = time.perf_counter() - start
    start = time.perf_counter()
    lemma = count_themes(inputs.tokens, codebook, match="lemma").table
    t_lemma = time.perf_counter() - start
    both = ours.merge(ref, on=["statement_id", "category"], how="outer", suffixes=("", "_regex")).fillna(0)
    diff = both[both["count"] != both["count_regex"]]
    return {"config": config, "codebook": codebook_path, "entries": len(codebook.entries),
            "categories": len(codebook.categories), "statements": int(ours["statement_id"].nunique()),
            "cells": len(both), "cells_equal": int(len(both) - len(diff)),
            "total_surface": int(both["count"].sum()), "total_regex": int(both["count_regex"].sum()),
            "total_lemma": int(lemma["count"].sum()),
            "seconds_surface": round(t_ours, 2), "seconds_lemma": round(t_lemma, 2), "seconds_regex": round(t_ref, 2),
            "first_differences": diff.head(5).to_dict("records")}


def planted_recovery(*, reps: int, k: int = 8, n_seeded: int = 5, n_seed_words: int = 4,
                     threshold: float = 0.9, n_statements: int = 20, paragraphs: int = 5, length: int = 60,
                     weight: float | None = None, chains: int | None = None,
                     chain_iterations: int | None = None) -> dict:
    """Recovery of planted topics by seeded topics, by unseeded LDA, and by the free topics (module docstring)."""
    from textanalytics.topics import TopicConfig, fit_topics
    from textanalytics.topics import stats
    from textanalytics.topics.synthetic import recovery, simulate_corpus
    from textanalytics.themes import fit_seeded_topics
    from textanalytics.themes.seeded import CHAIN_ITERATIONS, CHAINS, SAMPLES, SEED_WEIGHT
    from textanalytics.topics.engines import fit_engine
    from textanalytics.topics.prepare import prepare

    weight = SEED_WEIGHT if weight is None else weight
    chains = CHAINS if chains is None else chains
    chain_iterations = CHAIN_ITERATIONS if chain_iterations is None else chain_iterations
    config = TopicConfig(engine="tomotopy")
    seeded_hits, lda_hits, free_hits, lda_free_hits = [], [], [], []
    seeded_cos, lda_cos_seeded, avg_hits, avg_cos = [], [], [], []
    start = time.perf_counter()
    seeded_seconds = lda_seconds = 0.0
    for r in range(reps):
        sim = simulate_corpus(k=k, n_terms=400, n_statements=n_statements, paragraphs=paragraphs, length=length,
                              alpha=0.3, seed=1000 + r)
        vocab = sim.dtm.vocabulary
        seeds = {f"planted_{i}": [vocab[j] for j in np.argsort(-sim.topic_term[i])[:n_seed_words]]
                 for i in range(n_seeded)}
        t0 = time.perf_counter()
        model = fit_seeded_topics(sim.dtm, seed_words=seeds, free_topics=k - n_seeded, seed=r + 1, config=config,
                                  weight=weight, chains=chains, chain_iterations=chain_iterations)
        seeded_seconds += time.perf_counter() - t0
        position = {t: j for j, t in enumerate(vocab)}
        planted = sim.topic_term[:, [position[t] for t in model.vocabulary]]
        cos = stats.cosine_matrix(planted, model.topic_term)
        seeded_hits.extend(cos[np.arange(n_seeded), np.arange(n_seeded)] >= threshold)
        seeded_cos.extend(cos[np.arange(n_seeded), np.arange(n_seeded)])
        free = cos[n_seeded:, n_seeded:]
        match = stats.match_topics(free)
        free_hits.extend(free[np.arange(len(match)), match] >= threshold)
        t0 = time.perf_counter()
        lda = fit_topics(sim.dtm, k=k, seed=r + 1, config=config)
        lda_seconds += time.perf_counter() - t0
        _, lda_cos = recovery(lda, sim)
        lda_hits.extend(lda_cos[:n_seeded] >= threshold)
        lda_cos_seeded.extend(lda_cos[:n_seeded])
        lda_free_hits.extend(lda_cos[n_seeded:] >= threshold)
        # Unseeded LDA estimated as the seeded chains are (the mean of its second half's states, every
        # 5th iteration), to tell the seeds' gain from the averaging's.
        prep = prepare(sim.dtm, config)
        avg, _, _ = fit_engine(prep.counts, vocabulary=prep.vocabulary, k=k, seed=r + 1, config=config,
                               samples=SAMPLES)
        cos_avg = stats.cosine_matrix(sim.topic_term[:, [position[t] for t in prep.vocabulary]], avg)
        avg_match = stats.match_topics(cos_avg)
        avg_hits.extend(cos_avg[np.arange(n_seeded), avg_match[:n_seeded]] >= threshold)
        avg_cos.extend(cos_avg[np.arange(n_seeded), avg_match[:n_seeded]])
    return {"reps": reps, "k": k, "n_seeded": n_seeded, "n_seed_words": n_seed_words, "threshold": threshold,
            "n_statements": n_statements, "paragraphs": paragraphs, "length": length, "weight": weight,
            "chains": chains, "chain_iterations": chain_iterations or config.sampling_iterations,
            "lda_iterations": config.sampling_iterations,
            "seeded_recovered": round(float(np.mean(seeded_hits)), 3),
            "unseeded_lda_same_topics_recovered": round(float(np.mean(lda_hits)), 3),
            "seeded_mean_cosine": round(float(np.mean(seeded_cos)), 3),
            "unseeded_lda_same_topics_mean_cosine": round(float(np.mean(lda_cos_seeded)), 3),
            "unseeded_lda_averaged_states_recovered": round(float(np.mean(avg_hits)), 3),
            "unseeded_lda_averaged_states_mean_cosine": round(float(np.mean(avg_cos)), 3),
            "free_topics_recovered": round(float(np.mean(free_hits)), 3),
            "unseeded_lda_other_topics_recovered": round(float(np.mean(lda_free_hits)), 3),
            "seconds": round(time.perf_counter() - start, 1), "seconds_seeded_per_fit": round(seeded_seconds / reps, 2),
            "seconds_lda_per_fit": round(lda_seconds / reps, 2)}


def seeded_identity(*, settings: tuple[tuple[float | None, int | None, int | None], ...],
                    first_seed: int | None = None) -> list[dict]:
    """Stability and identity of the seeded topics on the seeds corpus, per (seededlda weight, chains,
    chain iterations) setting, ``None`` for the default (module docstring); the fits' seeds are
    ``first_seed, first_seed + 1, ...`` (None: the config's seed)."""
    from textanalytics.themes.seeded import CHAIN_ITERATIONS, CHAINS, SEED_WEIGHT
    from textanalytics.features import build_dtm, topic_model_matrix
    from textanalytics.topics import stats
    from textanalytics.themes import fit_seeded_ensemble, seeded_drift

    cfg = load_config(ROOT / "analysis.toml", resolve=True)
    inputs = load_inputs(cfg, stage=lambda name: contextlib.nullcontext())
    codebook = read_codebook(cfg.themes.codebook)
    full = build_dtm(inputs.tokens, unit=cfg.preprocess.unit)
    dtm, _ = topic_model_matrix(full, labels=None, config=cfg.vocabulary)
    first = cfg.seed if first_seed is None else int(first_seed)
    seeds = [first + i for i in range(cfg.topics.n_seeds)]
    out = []
    for w, chains, iterations in settings:
        w = SEED_WEIGHT if w is None else w
        chains = CHAINS if chains is None else chains
        iterations = CHAIN_ITERATIONS if iterations is None else iterations
        default = (w, chains, iterations) == (SEED_WEIGHT, CHAINS, CHAIN_ITERATIONS)
        start = time.perf_counter()
        ens = fit_seeded_ensemble(dtm, seed_words=codebook.seed_words(), seeds=seeds,
                                  free_topics=cfg.themes.free_topics, config=cfg.topics, weight=w, chains=chains,
                                  chain_iterations=iterations)
        seconds = time.perf_counter() - start
        s = len(ens.reference.params["seeded"])
        kept = [stats.agreement(ens.reference.topic_term, m.topic_term, top_n=cfg.topics.top_n)[0][:s] == np.arange(s)
                for m in ens.refits]
        drift = seeded_drift(ens, top_n=cfg.topics.top_n)
        out.append({"seeds": seeds, "seed_weight": w, "chains": chains, "chain_iterations": iterations or cfg.topics.sampling_iterations,
                    "default": default, "seeded_topics": s, "fits": len(seeds),
                    "stability_mean": round(float(drift["stability"].mean()), 3),
                    "stability_min": round(float(drift["stability"].min()), 3),
                    "topics_stability_ge_0.8": int((drift["stability"] >= 0.8).sum()),
                    "identity_kept": round(float(np.mean(kept)), 3),
                    "seed_mass_mean": round(float(drift["seed_mass"].mean()), 3),
                    "stability_by_category": dict(zip(drift["category"], drift["stability"].round(3))),
                    "seconds": round(seconds, 1)})
    return out


def _shape(text: str) -> tuple[int, int]:
    """``"60x300"`` -> ``(60, 300)`` (chains, iterations per chain)."""
    try:
        chains, iterations = (int(x) for x in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r}: expected CHAINSxITERATIONS, e.g. 60x300") from None
    if chains < 1 or iterations < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: chains and iterations must be at least 1")
    return chains, iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="seeds only, 5 planted corpora")
    parser.add_argument("--reps", type=int, default=20, help="planted corpora")
    parser.add_argument("--shapes", nargs="+", metavar="CHAINSxITERATIONS", type=_shape,
                        help="only the seeds' stability of these chain shapes (e.g. 60x300 60x150), for the "
                             "[topics] n_seeds fits from seed 1 and from seed 4 (1-3 and 4-6 with the default "
                             "3); written to benchmarks/validate_themes_shapes.json")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)
    if args.shapes:
        rows = [row for first in (1, 4) for row in seeded_identity(
            settings=tuple((None, c, i) for c, i in args.shapes), first_seed=first)]
        print(json.dumps(rows, indent=1, default=str))
        (ROOT / "benchmarks" / "validate_themes_shapes.json").write_text(json.dumps(rows, indent=1, default=str) + "\n")
        return
    results: dict = {"counts": [compare_counts("analysis.toml", "seeds/themes.toml")]}
    if not args.quick:
        results["counts"].append(compare_counts("docs/examples/commons.toml",
                                                str(ROOT.parent / "shared" / "dictionaries" / "mfd2.csv")))
    reps = 5 if args.quick else args.reps
    # Enough text for LDA alone (20 statements x 5 paragraphs x 60 words, K = 8), and too little
    # (12 x 4 x 40, K = 10): seeding matters where the data cannot carry the topics.
    settings = [{}, {"k": 10, "n_statements": 16, "paragraphs": 5, "length": 50},
                {"k": 10, "n_statements": 12, "paragraphs": 4, "length": 40}]
    # The defaults, and one chain of 1,000 iterations (what one chain alone gives).
    results["planted_recovery"] = ([planted_recovery(reps=reps, **s) for s in settings]
                                   + [planted_recovery(reps=reps, chains=1, chain_iterations=1000, **s) for s in settings])
    # (seed_weight, chains, chain iterations); None: the default.
    results["seeded_identity"] = seeded_identity(settings=((None, None, None), (0.01, 1, 1000), (0.01, 20, 300),
                                                           (0.01, 40, 300), (0.05, None, None)))
    print(json.dumps(results, indent=1, default=str))
    (ROOT / "benchmarks" / "validate_themes.json").write_text(json.dumps(results, indent=1, default=str) + "\n")


if __name__ == "__main__":
    main()
