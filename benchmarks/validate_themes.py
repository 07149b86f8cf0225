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
   no seeds.
3. Seeded topics keep their identity across seeds on the seeds corpus: each seeded
   topic's top-term stability (the package's top-10 Jaccard, pinned alignment), and the
   share of refits in which an unconstrained Hungarian matching on all topics would
   give a seeded topic the same number (identity kept).

Run from the project root::

    .venv/bin/python benchmarks/validate_themes.py            # ~1-2 minutes
    .venv/bin/python benchmarks/validate_themes.py --quick    # seeds only
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
