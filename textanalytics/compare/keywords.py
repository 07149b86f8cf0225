"""Keyness: which terms are typical of one group of statements against another."""

from __future__ import annotations

import logging
import math
from typing import Any, Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..errors import InputError
from ..features import DocumentTermMatrix
from ..grouping import REST, Grouping, dated_positions, group_units, time_positions
from . import inference, stats
from .keyness_groups import (KeynessSums, keyness_sums, omnibus_table, ordered_scores, sub_seed, tested_terms,
                             trend_table)
from .keyness_result import COMPARISON_COLUMNS, KEYNESS_COLUMNS, KeynessResult, shortlist_rows

__all__ = ["keyness", "keyness_of_sums", "KeynessResult", "KEYNESS_COLUMNS", "REST", "MIN_DISPERSION_SHARE", "N_PERMUTATIONS"]

#: Default share of a side's statements a key term must occur in (chosen by simulation:
#: benchmarks/validate_compare.py).
MIN_DISPERSION_SHARE = 0.02
#: Default number of relabelings: exact enumeration up to this many, else the F reference.
N_PERMUTATIONS = 1000

#: ``direction`` of the sides numbered as in :func:`~textanalytics.compare.keyness_result.shortlist_rows`.
DIRECTIONS = np.array(["target", "reference", "none"], dtype=object)

logger = logging.getLogger(__name__)

def keyness(dtm: DocumentTermMatrix, *, corpus: Any, group_by: str,
            target: Any = None, reference: Any = None, min_dispersion: int = 1,
            min_dispersion_share: float = MIN_DISPERSION_SHARE, alpha: float = 0.05,
            g2_cells: Literal[4, 2] = 4, seed: int = 0, n_permutations: int = N_PERMUTATIONS,
            test: Literal["auto", "permutation", "robust_score"] = "auto",
            fw_prior: float = 1.0, shortlist: int | None = None) -> KeynessResult:
    """Keyness of every term for groups of statements, tested with statements as the sampled units.

    Parameters
    ----------
    dtm:
        A paragraph- or statement-level :class:`~textanalytics.features.DocumentTermMatrix`
        (paragraph level gives paragraph dispersion too). Build it unpruned.
    corpus:
        The :class:`~textanalytics.corpus.Corpus` (or its ``statements``).
    group_by:
        A column of ``corpus.statements`` or ``"statement"``; at least 2 groups.
        Statements with a missing value form no group (``params["n_statements_without_group"]``).
    target, reference:
        ``None, None``: each group against the rest pooled (``reference == "rest"``);
        ``target=g``: only ``g`` vs the rest; ``target=g, reference=h``: the pair;
        ``reference=h`` alone: every other group vs ``h``.
    min_dispersion:
        Rows are shown only for terms in at least this many statements of the side
        they are typical of (1 = every term); does not change the tests.
    min_dispersion_share:
        A ``key`` term occurs in at least this share of the statements of its side
        (and in ``min_dispersion`` of them): a word from one speech never tops a party's list.
    alpha:
        Level of the adjusted statement-level test for ``key`` and the counts.
    g2_cells:
        4: G² of the full 2×2 table; 2: Rayson & Garside's formula (:func:`stats.g2`).
    seed, n_permutations, test:
        The statement-level test (:mod:`textanalytics.compare.inference`): ``"auto"``
        relabels the statements exactly when there are at most ``n_permutations``
        relabelings (small groups), else the robust score test (χ², statement residuals);
        ``"permutation"`` always permutes (Monte Carlo with ``n_permutations`` draws
        from a generator derived from ``seed``); ``"robust_score"`` never does.
    fw_prior:
        Scale of Fightin' Words' informative Dirichlet prior: α_w = ``fw_prior`` × the
        term's count over all groups of the grouping (the background corpus).
    shortlist:
        ``None``: ``table`` holds every row. An integer ``n``: ``table`` holds only the rows
        of :meth:`KeynessResult.shortlist` ``(n)``, in its order, and the full table is never
        built (on a large vocabulary it runs to hundreds of MB); every statistic, the
        Benjamini–Hochberg family and ``comparisons`` are those of the full table.

    Returns
    -------
    KeynessResult
        ``table`` (one row per comparison × term on either side), sorted by comparison
        then ``fw_z`` descending (typical of the target first), then term. Columns:

        - ``group_by``, ``target``, ``reference`` (``"rest"``: all other groups), ``term``;
        - ``freq_target``/``freq_reference`` (counts); ``rel_freq_*`` per 10,000 tokens;
        - ``g2``: token-level log-likelihood, signed (+ when relatively more frequent in the
          target); ``direction``: ``"target"``, ``"reference"`` or ``"none"``;
        - ``log_ratio``: log2 of the ratio of relative frequencies; with a zero count the
          same small rate is added to both sides, so its sign always follows ``direction``;
        - ``fw_z``: Fightin' Words z-score (Monroe, Colaresi & Quinn 2008), + for the
          target; ``fw_log_odds``: its log-odds ratio δ (the default two-group statistic);
        - ``p_value``: **statement-level** test that the term's rate differs between the
          two sides (robust score test with statements as clusters, or exact permutation
          of statements; ``test`` says which, per row — two sides: a term expected in
          fewer than 5 statements of the smaller side is permuted (Monte Carlo), where
          the t reference fails); NaN when untested: a side has fewer than 2
          statements, or the term occurs in too few statements of the comparison to pass
          the dispersion rule on either side (it cannot be key);
        - ``p_adjusted``: Benjamini–Hochberg over the whole family of this call (every
          comparison × tested term), NaN when untested;
        - ``p_value_tokens``: χ²(1) tail of ``g2`` — tokens treated as independent, for
          comparison with corpus-linguistics tools only; never the basis of ``key``;
        - ``key``: ``p_adjusted < alpha`` AND the term occurs in at least
          ``max(min_dispersion, ceil(min_dispersion_share × total_statements))``
          statements of the side it is typical of AND both sides hold ≥ 2 statements.
          (The omnibus test is reported beside, not used as a gate: its robust
          variance, estimated from small groups, has little power for a term
          concentrated in one small group -- on the Commons sample it missed SNP
          "scotland" and Plaid Cymru "welsh", which the one-vs-rest tests find
          with Benjamini-Hochberg over every comparison of the grouping);
        - ``n_statements_target/reference``: statements of each side containing the term;
          ``n_paragraphs_*`` the same for paragraphs (<NA> at statement level);
        - ``total_statements_*``, ``total_paragraphs_*``, ``total_tokens_*``: side sizes;
        - ``small_group``: a side holds fewer than 2 statements; ``warning`` says which.

        ``omnibus`` (k > 2 groups, each vs the rest) and ``trend`` (ordered groups:
        years, decades, months, quarters, periods named by their years) hold one row
        per term: see :func:`~textanalytics.compare.keyness_groups.omnibus_table`.

    Raises
    ------
    InputError
        Unknown column or group, fewer than two groups, ``target == reference``, bad options.

    Example
    -------
    >>> res = keyness(dtm, corpus=corpus, group_by="organisation", seed=1)   # doctest: +SKIP
    >>> res.table[res.table["key"]]                                           # doctest: +SKIP
    """
    if dtm.unit not in ("paragraph", "statement"):
        raise InputError(f"dtm: keyness needs a paragraph- or statement-level matrix, got unit={dtm.unit!r}")
    grouping = group_units(dtm, corpus=corpus, group_by=group_by)
    _check_groups(grouping, group_by=group_by)
    return keyness_of_sums(keyness_sums(dtm, grouping=grouping), group_by=group_by, target=target,
                           reference=reference, min_dispersion=min_dispersion,
                           min_dispersion_share=min_dispersion_share, alpha=alpha, g2_cells=g2_cells, seed=seed,
                           n_permutations=n_permutations, test=test, fw_prior=fw_prior, shortlist=shortlist,
                           corpus=corpus)


def _check_groups(g: Grouping, *, group_by: str) -> None:
    k = len(g.names)
    if k < 2:
        raise InputError(f"group_by {group_by!r}: keyness needs at least 2 groups, found {k}"
                         + (f" ({', '.join(g.names)})" if k else "") + "; choose another column")


def keyness_of_sums(data: KeynessSums, *, group_by: str, target: Any = None, reference: Any = None,
                    min_dispersion: int, min_dispersion_share: float, alpha: float, g2_cells: Literal[4, 2],
                    seed: int, n_permutations: int, test: str, fw_prior: float,
                    shortlist: int | None = None, corpus: Any = None) -> KeynessResult:
    """:func:`keyness` from its sums (:class:`~textanalytics.compare.keyness_groups.KeynessSums`, made from a
    matrix or on Spark); options as there. ``corpus`` (or its ``statements``): with a date column, groups
    named by times sit at their statements' mean date in the trend test
    (:func:`~textanalytics.grouping.dated_positions`), as in topic trends."""
    g = data.grouping
    if isinstance(min_dispersion, bool) or not isinstance(min_dispersion, (int, np.integer)) or min_dispersion < 0:
        raise InputError(f"min_dispersion: expected an integer >= 0, got {min_dispersion!r}")
    if not 0 <= min_dispersion_share < 1:
        raise InputError(f"min_dispersion_share: expected a share in [0, 1), got {min_dispersion_share!r}")
    if not 0 < alpha < 1:
        raise InputError(f"alpha: expected a number between 0 and 1, got {alpha!r}")
    if g2_cells not in (2, 4):
        raise InputError(f"g2_cells: expected 4 (full 2x2 table) or 2 (Rayson & Garside), got {g2_cells!r}")
    if test not in ("auto", "permutation", "robust_score"):
        raise InputError(f"test: expected 'auto', 'permutation' or 'robust_score', got {test!r}")
    if isinstance(n_permutations, bool) or not isinstance(n_permutations, (int, np.integer)) or n_permutations < 1:
        raise InputError(f"n_permutations: expected an integer >= 1, got {n_permutations!r}")
    if not fw_prior > 0:
        raise InputError(f"fw_prior: expected a number > 0, got {fw_prior!r}")
    if shortlist is not None and (isinstance(shortlist, bool) or not isinstance(shortlist, (int, np.integer))
                                  or shortlist < 0):
        raise InputError(f"shortlist: expected None or an integer >= 0, got {shortlist!r}")
    _check_groups(g, group_by=group_by)
    k = len(g.names)
    comparisons = _plan(g, target=target, reference=reference)
    s_codes = data.codes
    group_counts, group_tokens = data.a, data.n
    total_counts = np.asarray(group_counts.sum(axis=0), dtype=np.int64).ravel()
    group_stmt_df, group_n_stmt = data.statements, data.s
    stmt_df_all = np.asarray(group_stmt_df.sum(axis=0), dtype=np.int64).ravel()

    paragraph_level = data.unit == "paragraph"
    if paragraph_level:
        group_par_df, group_n_par = data.paragraphs, data.n_paragraphs
        par_df_all = np.asarray(group_par_df.sum(axis=0), dtype=np.int64).ravel()

    def need(n_stmt: int) -> int:
        return max(int(min_dispersion), math.ceil(min_dispersion_share * n_stmt - 1e-9))

    vocab = data.vocabulary
    if shortlist is not None:
        term_rank = np.empty(len(vocab), dtype=np.int64)
        term_rank[np.argsort(vocab, kind="stable")] = np.arange(len(vocab))
    prior = fw_prior * total_counts.astype(np.float64)
    options = {"alpha": alpha, "seed": seed, "n_permutations": int(n_permutations), "method": test}
    omnibus = trend = pd.DataFrame()
    if target is None and reference is None and k > 2:
        sizes = [n for n in group_n_stmt if n >= 2]
        omnibus = omnibus_table(group_by, data, min_df=min((need(n) for n in sizes), default=2), **options)
    scores = ordered_scores(g.values)
    if scores is not None and corpus is not None and time_positions(g.values) is not None:
        dated = dated_positions(g.values, corpus=corpus, group_by=group_by)
        scores = scores if dated is None else dated
    if target is None and reference is None and scores is not None:
        trend = trend_table(group_by, data, scores=scores, min_df=2, **options)
    parts = []
    for ti, ref_idx, ref_name in comparisons:
        t_name = g.names[ti]
        a_full = _row(group_counts, ti)
        a_st = _row(group_stmt_df, ti)
        n1, st1 = int(group_tokens[ti]), int(group_n_stmt[ti])
        if ref_name == REST:
            b_full, b_st = total_counts - a_full, stmt_df_all - a_st
        else:
            b_full, b_st = _row(group_counts, ref_idx[0]), _row(group_stmt_df, ref_idx[0])
        n2, st2 = int(group_tokens[ref_idx].sum()), int(group_n_stmt[ref_idx].sum())
        idx = np.flatnonzero((a_full + b_full) > 0)
        a, b = a_full[idx], b_full[idx]
        g2v = stats.g2(a, b, n1, n2, cells=g2_cells)
        # Compare a*n2 with b*n1 in integers: the sign must not depend on float rounding.
        diff = a.astype(object) * n2 - b.astype(object) * n1 if max(n1, n2) > 2**31 else a * n2 - b * n1
        sign = np.sign(np.asarray(diff, dtype=np.float64))
        fw_delta, fw_z = inference.fightin_words(a_full, b_full, prior)
        small = st1 < 2 or st2 < 2
        p = np.full(len(idx), np.nan)
        label = np.full(len(idx), "none: a side holds fewer than 2 statements" if small else
                        "none: in too few statements to be key", dtype=object)
        tested = np.array([], dtype=np.int64)
        if not small:
            df = a_st[idx] + b_st[idx]
            tested = tested_terms(df, min_df=min(need(st1), need(st2)))
            cols = idx[tested]
            members = (s_codes == ti) | np.isin(s_codes, ref_idx)
            lab = np.where(s_codes[members] == ti, 0, 1)
            rng = sub_seed(seed, group_by, t_name, ref_name)

            def permute(statistic: Any, observed: np.ndarray) -> tuple[np.ndarray, bool, int]:
                return inference.permutation_p(statistic, data.rows(members, cols),
                                               data.lengths[members].astype(np.float64), lab, observed=observed,
                                               n_permutations=int(n_permutations), rng=rng)

            res = inference.statement_test_sums(data.sides([np.array([ti]), ref_idx], cols),
                                                sizes=np.array([st1, st2]), used=df[tested],
                                                used_first=a_st[cols], permute=permute, scores=None,
                                                n_permutations=int(n_permutations), method=test)
            p[tested] = res["p_value"]
            label[tested] = res["test"]
        parts.append(dict(ti=ti, ref_idx=ref_idx, ref_name=ref_name, t_name=t_name, idx=idx, a=a, b=b,
                          a_st=a_st[idx], b_st=b_st[idx], n1=n1, n2=n2, st1=st1, st2=st2, g2=g2v, sign=sign,
                          fw_z=fw_z[idx], fw_delta=fw_delta[idx], p=p, test=label, small=small,
                          n_tested=len(tested)))
    # Benjamini–Hochberg over the family: every comparison x tested term of this call.
    flat = np.concatenate([pt["p"] for pt in parts]) if parts else np.array([])
    adj = np.full(len(flat), np.nan)
    ok = ~np.isnan(flat)
    adj[ok] = stats.bh_adjust(flat[ok])
    bounds = np.cumsum([0] + [len(pt["p"]) for pt in parts])

    frames, summary = [], []
    for i, pt in enumerate(parts):
        idx, a, b, sign, n1, n2, st1, st2 = (pt[c] for c in ("idx", "a", "b", "sign", "n1", "n2", "st1", "st2"))
        t_name, ref_name, ref_idx = pt["t_name"], pt["ref_name"], pt["ref_idx"]
        p_adj = adj[bounds[i]:bounds[i + 1]]
        side = np.where(sign > 0, 0, np.where(sign < 0, 1, 2))
        disp = np.where(sign < 0, pt["b_st"], pt["a_st"])
        shown = np.flatnonzero(disp >= min_dispersion)
        dispersed = disp >= np.where(sign < 0, need(st2), need(st1))
        with np.errstate(invalid="ignore"):
            sig = p_adj < alpha
            key = sig & dispersed & (sign != 0) & (not pt["small"])
        warning = _warning(t_name, st1, ref_name, st2)
        if pt["small"]:
            logger.warning("keyness %s=%s vs %s: %s", group_by, t_name, ref_name, warning)
        if shortlist is None:
            sel = shown[np.lexsort((idx[shown], -pt["fw_z"][shown]))]
        else:
            sel = shown[shortlist_rows(block=side[shown], key=key[shown], p_adjusted=p_adj[shown],
                                       fw_z=pt["fw_z"][shown], term_rank=term_rank[idx[shown]], n=shortlist)]
        # An empty frame has other dtypes than a filled one (text columns: object or float, not str), which
        # pd.concat keeps: an empty shortlist of shown rows is cut from a filled frame, as from the full table.
        n_kept = len(sel)
        if not n_kept and len(shown):
            sel = shown[:1]
        n = len(sel)
        if paragraph_level:
            a_par = _row(group_par_df, pt["ti"])
            b_par = par_df_all - a_par if ref_name == REST else _row(group_par_df, ref_idx[0])
            par1, par2 = int(group_n_par[pt["ti"]]), int(group_n_par[ref_idx].sum())

        def na_int(values: Any) -> Any:
            return pd.array(values, dtype="Int64")

        frame = pd.DataFrame({
            "group_by": [group_by] * n, "target": [t_name] * n, "reference": [ref_name] * n,
            "term": vocab[idx[sel]] if n else np.array([], dtype=object),
            "freq_target": a[sel].astype(np.int64), "freq_reference": b[sel].astype(np.int64),
            "rel_freq_target": stats.relative_frequency(a[sel], n1),
            "rel_freq_reference": stats.relative_frequency(b[sel], n2),
            "g2": (sign * pt["g2"])[sel] + 0.0, "direction": DIRECTIONS[side[sel]],
            "log_ratio": stats.log_ratio(a[sel], b[sel], n1, n2),
            "fw_z": pt["fw_z"][sel], "fw_log_odds": pt["fw_delta"][sel],
            "p_value": pt["p"][sel], "p_adjusted": p_adj[sel],
            "p_value_tokens": stats.p_value(pt["g2"][sel]),
            "test": pt["test"][sel], "key": key[sel].astype(bool),
            "n_statements_target": pt["a_st"][sel].astype(np.int64),
            "n_statements_reference": pt["b_st"][sel].astype(np.int64),
            "n_paragraphs_target": na_int(a_par[idx][sel] if paragraph_level else [pd.NA] * n),
            "n_paragraphs_reference": na_int(b_par[idx][sel] if paragraph_level else [pd.NA] * n),
            "total_statements_target": np.full(n, st1, dtype=np.int64),
            "total_statements_reference": np.full(n, st2, dtype=np.int64),
            "total_paragraphs_target": na_int([par1 if paragraph_level else pd.NA] * n),
            "total_paragraphs_reference": na_int([par2 if paragraph_level else pd.NA] * n),
            "total_tokens_target": np.full(n, n1, dtype=np.int64),
            "total_tokens_reference": np.full(n, n2, dtype=np.int64),
            "small_group": np.full(n, pt["small"], dtype=bool), "warning": [warning] * n,
        }, columns=list(KEYNESS_COLUMNS))
        frames.append(frame if n_kept == n else frame.iloc[:0])
        summary.append({
            "group_by": group_by, "target": t_name, "reference": ref_name,
            "reference_groups": ", ".join(g.names[j] for j in ref_idx),
            "total_statements_target": st1, "total_statements_reference": st2,
            "total_paragraphs_target": par1 if paragraph_level else pd.NA,
            "total_paragraphs_reference": par2 if paragraph_level else pd.NA,
            "total_tokens_target": n1, "total_tokens_reference": n2,
            "n_terms": len(idx), "n_terms_tested": pt["n_tested"], "n_terms_shown": len(shown),
            "n_significant_target": int((sig[shown] & (side[shown] == 0)).sum()),
            "n_significant_reference": int((sig[shown] & (side[shown] == 1)).sum()),
            "n_key_target": int((key[shown] & (side[shown] == 0)).sum()),
            "n_key_reference": int((key[shown] & (side[shown] == 1)).sum()),
            "test": "; ".join(sorted({str(v) for v in pt["test"]})), "small_group": pt["small"],
            "warning": warning,
        })

    table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(KEYNESS_COLUMNS))
    comp = pd.DataFrame(summary, columns=list(COMPARISON_COLUMNS))
    for col in ("total_paragraphs_target", "total_paragraphs_reference"):
        comp[col] = pd.array(comp[col], dtype="Int64")
    params = {
        "group_by": group_by, "target": target, "reference": reference,
        "min_dispersion": int(min_dispersion), "min_dispersion_share": float(min_dispersion_share),
        "alpha": float(alpha), "g2_cells": int(g2_cells), "seed": int(seed),
        "n_permutations": int(n_permutations), "test": test, "fw_prior": float(fw_prior),
        "per": stats.PER, "zero_frequency": stats.ZERO_FREQUENCY, "unit": data.unit,
        "groups": list(g.names), "ordered_scores": None if scores is None else scores.tolist(),
        "n_statements_without_group": g.n_statements_without_group,
        "shortlist": None if shortlist is None else int(shortlist), "dtm_params": dict(data.params),
    }
    return KeynessResult(table=table, comparisons=comp, params=params, omnibus=omnibus, trend=trend)


def _plan(g: Grouping, *, target: Any, reference: Any) -> list[tuple[int, np.ndarray, str]]:
    """``[(target index, reference indices, reference name), ...]``."""
    k = len(g.names)
    ti = g.resolve(target, role="target") if target is not None else None
    ri = g.resolve(reference, role="reference") if reference is not None else None
    if ti is not None and ti == ri:
        raise InputError(f"reference: the same group as target ({g.names[ti]!r}); choose two different groups")
    if ri is None:
        targets = [ti] if ti is not None else list(range(k))
        return [(t, np.array([j for j in range(k) if j != t]), REST) for t in targets]
    targets = [ti] if ti is not None else [j for j in range(k) if j != ri]
    return [(t, np.array([ri]), g.names[ri]) for t in targets]


def _row(m: sp.csr_matrix, i: int) -> np.ndarray:
    return np.asarray(m[i].toarray(), dtype=np.int64).ravel()


def _warning(target: str, n_target: int, reference: str, n_reference: int) -> str:
    parts = []
    for role, name, n in (("target", target, n_target), ("reference", reference, n_reference)):
        if n < 2:
            parts.append(f"{role} {name!r} holds {n} statement{'s' if n != 1 else ''}: "
                         "its keywords describe a single text, not a group")
    return "; ".join(parts)
