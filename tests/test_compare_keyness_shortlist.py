"""keyness(..., shortlist=n): only the shortlisted rows are built, and they equal the full table's shortlist."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from textanalytics.compare.keyness_groups import keyness_sums
from textanalytics.compare.keyness_result import shortlist_rows
from textanalytics.compare.keywords import keyness, keyness_of_sums
from textanalytics.errors import InputError
from textanalytics.features import DocumentTermMatrix, build_dtm
from textanalytics.grouping import group_units

#: Terms whose order in Python differs from a naive one: case, accents, prefixes.
WORDS = ["Zeta", "alpha", "alphabet", "Ärger", "zebra", "éclat", "beta", "b", "ß", "_x", "10", "9"]


def shortlist_oracle(table: pd.DataFrame, comparisons: pd.DataFrame, n: int) -> pd.DataFrame:
    """The shortlist written with pandas sorting (as it was before it was built inside keyness)."""
    if table.empty:
        return table
    order = {(a, b): i for i, (a, b) in enumerate(zip(comparisons["target"], comparisons["reference"]))}
    t = table.assign(
        _c=[order.get((a, b), -1) for a, b in zip(table["target"], table["reference"])],
        _d=table["direction"].map({"target": 0, "reference": 1}).fillna(2).to_numpy(),
        _k=~table["key"].to_numpy(dtype=bool),
        _p=table["p_adjusted"].fillna(2.0).to_numpy(),
        _z=-table["fw_z"].abs().to_numpy(),
    ).sort_values(["_c", "_d", "_k", "_p", "_z", "term"], kind="stable")
    rank = t.groupby(["_c", "_d"], sort=False).cumcount()
    keep = (~t["_k"]) | (rank < n)
    return t[keep.to_numpy()].drop(columns=["_c", "_d", "_k", "_p", "_z"]).reset_index(drop=True)


def random_case(seed: int) -> tuple[DocumentTermMatrix, pd.DataFrame, dict]:
    """A small random corpus (statement or paragraph units, 2-5 groups, some statements without one),
    with planted key terms, copied terms (ties in every statistic) and rare ones (untested: NaN p),
    and a random comparison plan."""
    rng = np.random.default_rng(seed)
    k = int(rng.integers(2, 6))
    n_statements = int(rng.integers(10, 40))
    names = [2001 + i for i in range(k)] if rng.random() < 0.4 else [f"g{i}" for i in rng.permutation(k)]
    labels = np.array([names[i % k] for i in range(n_statements)], dtype=object)
    rng.shuffle(labels)
    labels[rng.random(n_statements) < 0.1] = None
    paragraph = bool(rng.random() < 0.5)
    per = rng.integers(1, 4, n_statements) if paragraph else np.ones(n_statements, dtype=int)
    sid = np.repeat([f"s{i:03d}" for i in range(n_statements)], per)
    lab = np.repeat(labels, per)
    n_terms = int(rng.integers(30, 120))
    base = 1.0 / np.arange(1, n_terms + 1) ** 1.1
    rate = np.outer(rng.integers(5, 60, len(sid)), base / base.sum())
    planted = rng.choice(n_terms, 6, replace=False)
    rate[np.ix_(lab == names[0], planted)] *= 12.0
    counts = rng.poisson(rate)
    copies = rng.choice(n_terms, 8, replace=False)
    counts[:, copies[4:]] = counts[:, copies[:4]]
    vocabulary = [f"{WORDS[j % len(WORDS)]}{j // len(WORDS) or ''}" for j in range(n_terms)]
    if rng.random() < 0.5:
        vocabulary = sorted(vocabulary)
    units = pd.DataFrame({
        "unit_id": [f"{s}:{p}" for s, p in zip(sid, np.concatenate([np.arange(1, m + 1) for m in per]))],
        "statement_id": sid,
        "paragraph": pd.array(np.concatenate([np.arange(1, m + 1) for m in per]) if paragraph else [pd.NA] * len(sid),
                              dtype="Int64"),
        "n_tokens": counts.sum(axis=1),
    })
    dtm = DocumentTermMatrix(counts=sp.csr_matrix(counts), vocabulary=tuple(vocabulary), units=units,
                             unit="paragraph" if paragraph else "statement")
    statements = pd.DataFrame({"statement_id": [f"s{i:03d}" for i in range(n_statements)], "group": labels,
                               "text": [""] * n_statements})
    present = sorted({x for x in labels if x is not None}, key=str)
    a, b = rng.choice(len(present), 2, replace=False)
    plan = [{}, {"target": present[a]}, {"target": present[a], "reference": present[b]},
            {"reference": present[b]}][int(rng.integers(0, 4))]
    options = {"min_dispersion": int(rng.integers(1, 3)), "min_dispersion_share": 0.02, "alpha": 0.1,
               "g2_cells": 4, "seed": seed, "n_permutations": 99, "fw_prior": 1.0,
               "test": ["auto", "permutation", "robust_score"][seed % 3], **plan}
    return dtm, statements, options


def assert_result_equal(short, full, n: int) -> None:
    pd.testing.assert_frame_equal(full.shortlist(n), shortlist_oracle(full.table, full.comparisons, n),
                                  check_exact=True)
    pd.testing.assert_frame_equal(short.table, full.shortlist(n), check_exact=True)
    for name in ("comparisons", "omnibus", "trend"):
        pd.testing.assert_frame_equal(getattr(short, name), getattr(full, name), check_exact=True)
    assert short.params == {**full.params, "shortlist": n}


@pytest.mark.parametrize("seed", range(12))
def test_shortlist_inside_keyness_equals_the_full_tables_shortlist(seed):
    dtm, statements, options = random_case(seed)
    full = keyness(dtm, corpus=statements, group_by="group", **options)
    assert full.params["shortlist"] is None
    for n in (0, 1, 3, 10**6):
        assert_result_equal(keyness(dtm, corpus=statements, group_by="group", **options, shortlist=n), full, n)
    # The full table with a very large n: every row, in the shortlist's order.
    assert len(full.shortlist(10**6)) == len(full.table)


@pytest.mark.parametrize("seed", range(12, 20))
def test_shortlist_inside_keyness_of_sums_equals_the_full_tables_shortlist(seed):
    dtm, statements, options = random_case(seed)
    sums = keyness_sums(dtm, grouping=group_units(dtm, corpus=statements, group_by="group"))
    full = keyness_of_sums(sums, group_by="group", **options)
    for n in (0, 2, 10**6):
        assert_result_equal(keyness_of_sums(sums, group_by="group", **options, shortlist=n), full, n)


def test_the_random_cases_hold_ties_untested_and_key_rows():
    """What the cases above must exercise: ties in p_adjusted and in |fw_z| within a side, NaN
    p_adjusted, and key rows (n = 10**6 is more than any side's rows)."""
    seen = dict(p_ties=0, z_ties=0, untested=0, key=0)
    for seed in range(20):
        dtm, statements, options = random_case(seed)
        table = keyness(dtm, corpus=statements, group_by="group", **options).table
        for _, side in table.groupby(["target", "reference", "direction"]):
            tested = side["p_adjusted"].dropna()
            seen["p_ties"] += int(tested.duplicated().any())
            seen["z_ties"] += int(side["fw_z"].abs().duplicated().any())
            seen["untested"] += int(side["p_adjusted"].isna().any())
            seen["key"] += int(side["key"].any())
    assert all(seen.values()), seen


def test_tiny_corpus_shortlists(tiny):
    corpus = tiny.tiny_corpus()
    dtm = build_dtm(tiny.tiny_tokens(corpus), unit="paragraph")
    for group_by, plan in (("year", {}), ("organisation", {}), ("year", {"target": 2017, "reference": 2018}),
                           ("genre", {"reference": "speech"})):
        full = keyness(dtm, corpus=corpus, group_by=group_by, **plan)
        for n in (0, 1, 2, 100):
            assert_result_equal(keyness(dtm, corpus=corpus, group_by=group_by, **plan, shortlist=n), full, n)


def test_a_shortlisted_result_shortlists_to_itself():
    dtm, statements, options = random_case(3)
    short = keyness(dtm, corpus=statements, group_by="group", **options, shortlist=5)
    for n in (0, 2, 5):
        full_n = keyness(dtm, corpus=statements, group_by="group", **options).shortlist(n)
        pd.testing.assert_frame_equal(short.shortlist(n), full_n, check_exact=True)


def test_shortlist_rows_ranks_key_then_p_then_z_then_term():
    rows = shortlist_rows(block=np.array([0, 0, 0, 0, 0, 1, 1]),
                          key=np.array([False, False, True, False, False, False, False]),
                          p_adjusted=np.array([0.5, np.nan, 0.9, 0.5, 0.5, 0.3, 0.3]),
                          fw_z=np.array([1.0, 9.0, 0.1, -2.0, 2.0, 1.0, -1.0]),
                          term_rank=np.array([0, 1, 2, 4, 3, 6, 5]), n=3)
    assert rows.tolist() == [2, 4, 3, 6, 5]


@pytest.mark.parametrize("bad", [-1, 2.5, True, "50"])
def test_bad_shortlist(bad):
    dtm, statements, options = random_case(0)
    with pytest.raises(InputError, match="shortlist: expected None or an integer >= 0"):
        keyness(dtm, corpus=statements, group_by="group", **options, shortlist=bad)


def test_keyness_result_doctests():
    import doctest

    from textanalytics.compare import keyness_result

    assert doctest.testmod(keyness_result).failed == 0
