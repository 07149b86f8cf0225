"""The report's narrative, written from the result tables.

Each function takes tidy tables and returns plain-text sentences (no Markdown or
HTML inside values: escaping is the renderer's job). The wording states sample
sizes and uncertainty next to every claim so that a reader cannot mistake a
one-statement group for a finding.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..grouping import REST as REST_LABEL
from ..grouping import label_str
from ..topics.trends import SPAN_END_SHARE


def _fmt_p(p: float) -> str:
    if pd.isna(p):
        return "p n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _join(items: list[str]) -> str:
    items = [i for i in items if i]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def corpus_paragraphs(statements: pd.DataFrame, *, n_paragraphs: int, source: str) -> list[str]:
    """Describe the corpus: size, time span, who speaks."""
    n = len(statements)
    words = int(statements["n_words"].sum())
    out = [f"The corpus ({source}) holds {n} statements, {n_paragraphs} paragraphs and "
           f"{words:,} words after cleaning."]
    years = statements["year"].dropna()
    if len(years):
        counts = statements.groupby("year", dropna=True).size()
        out.append("By year: " + _join([f"{int(y)}: {c}" for y, c in counts.items()]) + ".")
    if "speaker" in statements and statements["speaker"].astype(str).str.len().gt(0).any():
        counts = statements[statements["speaker"].astype(str) != ""].groupby("speaker").size()
        counts = counts.sort_values(ascending=False, kind="stable")
        shown = counts.head(12)
        more = f" and {len(counts) - len(shown)} more" if len(counts) > len(shown) else ""
        out.append("By speaker: " + _join([f"{s} ({c})" for s, c in shown.items()]) + more + ".")
    return out


def _statements(n: int) -> str:
    return f"{n} statement{'s' if n != 1 else ''}"


def _is_key(t: pd.DataFrame, *, alpha: float) -> pd.Series:
    """Rows a report may call key: the table's ``key`` flag, else the adjusted test and 2+ statements a side."""
    if "key" in t:
        return t["key"].fillna(False).astype(bool)
    side = np.where(t["direction"] == "target", t["n_statements_target"], t["n_statements_reference"])
    return ((t["p_adjusted"] < alpha) & (t["total_statements_target"] >= 2)
            & (t["total_statements_reference"] >= 2) & (pd.Series(side, index=t.index) >= 2))


def _effect(t: pd.DataFrame) -> str:
    return "fw_z" if "fw_z" in t and t["fw_z"].notna().any() else "g2"


def _term_list(rows: pd.DataFrame, effect: str) -> str:
    name = "z" if effect == "fw_z" else "G²"
    return _join([f"{r.term} ({name} {abs(getattr(r, effect)):.1f}, in {int(_used_in(r))} statements)"
                  for r in rows.itertuples()])


def _used_in(r) -> float:
    return r.n_statements_target if r.direction == "target" else r.n_statements_reference


def keyness_items(keyness: pd.DataFrame, *, alpha: float, pairs: tuple = (), top: int = 6) -> list[str]:
    """Sentences on key terms: configured pairs first (both sides), then each group against the rest.

    A term is called key only when the keyness table's ``key`` flag is set
    (the adjusted statement-level test, dispersion and at least 2 statements
    a side); terms are ranked by adjusted p, then effect. A group of a single
    statement is described as one text and gets no key terms. The first
    sentence says how many comparisons were made and how many found key terms.
    """
    if keyness is None or not len(keyness):
        return []
    t = keyness.assign(_key=_is_key(keyness, alpha=alpha))
    effect = _effect(t)
    t = t.assign(_abs=t[effect].abs())
    order = {(str(c), str(a), str(b)): i for i, (c, a, b) in enumerate(pairs)}
    comparisons = list(t.groupby(["group_by", "target", "reference"], sort=True))
    comparisons.sort(key=lambda kv: (order.get(tuple(map(str, kv[0])), len(order)), kv[0][2] == REST_LABEL))
    items, found = [], 0
    for (group_by, target, reference), g in comparisons:
        key = g[g["_key"]].sort_values(["p_adjusted", "_abs", "term"], ascending=[True, False, True], kind="stable")
        n_t, n_r = int(g["total_statements_target"].iloc[0]), int(g["total_statements_reference"].iloc[0])
        head = (f"{group_by} = {target} ({_statements(n_t)}) vs {reference} ({_statements(n_r)})"
                if reference != REST_LABEL else f"{group_by} = {target} ({_statements(n_t)}) vs the rest")
        if min(n_t, n_r) < 2:
            single = target if n_t < 2 else reference
            items.append(f"{head}: {single} is a single text; its words describe that text, not a habit, "
                         "and no term is tested as key.")
            continue
        over = key[key["direction"] == "target"].head(top)
        under = key[key["direction"] == "reference"].head(top)
        parts = []
        if len(over):
            parts.append(f"more in {target}: {_term_list(over, effect)}")
        if len(under):  # against the rest: what the group uses less than the others do
            parts.append(f"more in {reference}: {_term_list(under, effect)}" if reference != REST_LABEL
                         else f"less in {target} than in the rest: {_term_list(under, effect)}")
        found += bool(parts)
        if parts:
            items.append(f"{head}: " + "; ".join(parts) + ".")
        else:
            items.append(f"{head}: no key term at α = {alpha} after adjustment.")
    n = len(comparisons)
    summary = (f"{n} comparison{'s' if n != 1 else ''} of term frequencies {'was' if n == 1 else 'were'} made; "
               f"{found} found key terms (adjusted statement-level test at α = {alpha}, a term used in enough "
               "statements of the side it is typical of).")
    if not found:
        summary += (" The charts and tables below still rank terms by z-score: they describe these statements' "
                    "words, not differences the data can show between the groups.")
    return [summary] + items


def topic_items(labels: pd.DataFrame) -> list[str]:
    items = []
    for r in labels.itertuples():
        unstable = getattr(r, "unstable", False)
        flag = " — UNSTABLE across seeds, interpret with care" if (pd.notna(unstable) and bool(unstable)) else ""
        stab = f", stability {r.stability:.2f}" if hasattr(r, "stability") and pd.notna(r.stability) else ""
        items.append(f"Topic {r.topic}: {r.label} (share {r.share:.1%}{stab}){flag}.")
    return items


def _pct_points(x: float) -> str:
    return f"{x * 100:+.1f} points"


def _mirrors(d: pd.DataFrame, k: int) -> pd.DataFrame:
    """With two topics (``k``), a difference on one is the other's mirror: keep the topic whose difference is positive."""
    if k != 2:
        return d
    return d[d["difference"] > 0]


def difference_items(diffs: pd.DataFrame | None, *, alpha: float, pairs: tuple = (), top: int = 8) -> list[str]:
    """Sentences on differences in topic share within one grouping's family of comparisons.

    Configured pairs first, both sides; then the findings whose ``verdict``
    says a side is higher (adjusted test and false-coverage-rate interval
    agree) with at least 2 statements a side, ranked by adjusted p, then size;
    no mirror duplicates. The first sentence counts tests and findings,
    inconclusive rows (test and interval disagree) and untested small groups.
    """
    if diffs is None or not len(diffs):
        return []
    d = diffs.assign(_abs=diffs["difference"].abs())
    tested = d[d["verdict"] != "not_tested"]
    found = d[d["verdict"].isin(["a_higher", "b_higher"]) & (d["n_a"] >= 2) & (d["n_b"] >= 2)]
    n_k = d["topic"].nunique()
    unstable = found["unstable"].map(_flag) if "unstable" in found else pd.Series(False, index=found.index)
    n_unstable = len(_mirrors(found[unstable], n_k))
    found = found[~unstable]
    n_comparisons = len(tested.drop_duplicates(["group_a", "group_b"]))
    n_k = d["topic"].nunique()
    group_by = str(d["group_by"].iloc[0])
    summary = (f"{group_by}: {len(tested)} differences tested ({n_comparisons} comparisons × {n_k} topics, "
               f"Benjamini–Hochberg over all of them at α = {alpha}); {len(_mirrors(found, n_k))} "
               f"{'passes' if len(_mirrors(found, n_k)) == 1 else 'pass'} both the adjusted test and its "
               "false-coverage-rate interval.")
    if n_unstable:
        summary += (f" {n_unstable} more {'is' if n_unstable == 1 else 'are'} on topics unstable across seeds "
                    "and not narrated.")
    inconclusive = int((d["verdict"] == "inconclusive").sum())
    if inconclusive:
        summary += (f" {inconclusive} {'is' if inconclusive == 1 else 'are'} inconclusive (the test and the "
                    "interval disagree) and not narrated.")
    small = sorted({label_str(g) for g, n in zip(d["group_a"], d["n_a"]) if n < 2}
                   | {label_str(g) for g, n in zip(d["group_b"], d["n_b"]) if n < 2})
    if small:
        summary += f" Not tested (a single statement, one text): {_join(small)}."
    items = [summary]
    wanted = [(label_str(a), label_str(b)) for col, a, b in pairs if col == group_by]
    for a, b in wanted:
        rows = d[(d["group_a"].map(label_str) == a) & (d["group_b"].map(label_str) == b)]
        if not len(rows):
            continue
        hits = found.loc[found.index.intersection(rows.index)]
        sides = []
        for side, name in (("a_higher", a), ("b_higher", b)):
            h = hits[hits["verdict"] == side].sort_values(["p_adjusted", "_abs"], ascending=[True, False],
                                                            kind="stable")
            if len(h):
                sides.append(f"{name} higher on " + _join([_difference_text(r) for r in h.itertuples()]))
        n_a, n_b = int(rows["n_a"].iloc[0]), int(rows["n_b"].iloc[0])
        head = f"{a} ({_statements(n_a)}) vs {b} ({_statements(n_b)})"
        if sides:
            items.append(f"{head}: " + "; ".join(sides) + ".")
        else:
            best = rows["p_adjusted"].min()
            items.append(f"{head}: no topic differs after adjustment (smallest adjusted {_fmt_p(best)}).")
    listed = [(label_str(a), label_str(b)) in wanted for a, b in zip(found["group_a"], found["group_b"])]
    rest = found[~np.asarray(listed, dtype=bool)]
    rest = _mirrors(rest, n_k).sort_values(["p_adjusted", "_abs", "group_a", "topic"],
                                      ascending=[True, False, True, True], kind="stable")
    for r in rest.head(top).itertuples():
        other = "the rest" if label_str(r.group_b) == REST_LABEL else label_str(r.group_b)
        way = "higher" if r.verdict == "a_higher" else "lower"
        items.append(f"{label_str(r.group_a)} ({_statements(int(r.n_a))}) is {way} than {other} on "
                     f"{_difference_text(r, sign=1)}.")
    return items


def _difference_text(r, *, sign: int | None = None) -> str:
    """Topic, difference and adjusted interval; ``sign=None`` states it from the higher side's view."""
    sign = sign if sign is not None else (1 if r.verdict != "b_higher" else -1)
    lo, hi = sorted((sign * r.lower_adjusted, sign * r.upper_adjusted))
    label = f" ({r.label})" if getattr(r, "label", "") else ""
    return (f"topic {r.topic}{label}: {_pct_points(sign * r.difference)} [{lo * 100:+.1f}, {hi * 100:+.1f}], "
            f"adjusted {_fmt_p(r.p_adjusted)}")


def _flag(value) -> bool:
    return bool(pd.notna(value) and bool(value))


def trend_items(trends: pd.DataFrame | None, *, alpha: float, top: int = 6) -> list[str]:
    """Sentences on topic trends over time: how many were tested, then those passing the adjusted test."""
    if trends is None or not len(trends):
        return []
    items = []
    for group_by, t in trends.groupby("group_by", sort=False):
        first, last = t["first"].iloc[0], t["last"].iloc[0]
        hits = t[(t["p_adjusted"] < alpha) & ((t["lower"] > 0) | (t["upper"] < 0)) & ~t["unstable"].map(_flag)]
        hits = hits.assign(_abs=hits["change"].abs()).sort_values(["p_adjusted", "_abs"], ascending=[True, False],
                                                                 kind="stable")
        sizes = ""
        if "min_group_statements" in t:
            lo, hi = int(t["min_group_statements"].iloc[0]), int(t["max_group_statements"].iloc[0])
            sizes = f" of {lo} to {hi} statements" if lo != hi else f" of {lo} statements each"
        items.append(f"Trend over {group_by} ({first}–{last}, {int(t['n_statements'].iloc[0])} statements in "
                     f"{int(t['n_groups'].iloc[0])} groups{sizes}): {len(t)} topics tested, {len(hits)} with a "
                     f"trend (adjusted permutation test at α = {alpha} and an interval that excludes 0); a line "
                     "over unevenly covered periods leans on the periods with most statements." + _span_note(t))
        span_from, span_to = _span_ends(t)
        for r in hits.head(top).itertuples():
            way = "rises" if r.slope > 0 else "falls"
            items.append(f"Topic {r.topic} ({r.label}) {way}: {_pct_points(r.change)} from {span_from} to {span_to} "
                         f"({r.slope * 100:+.2f} points a year [{r.lower * 100:+.2f}, {r.upper * 100:+.2f}]), "
                         f"adjusted {_fmt_p(r.p_adjusted)}.")
    return items


def passage_paragraph(passages: pd.DataFrame, *, n_statements: int, shown: int = 3) -> str:
    """What the repeated-passages table means, with its most widespread passages quoted."""
    quoted = "; ".join(f"“{_clip(str(r.passage), 120)}” ({int(r.n_statements)} statements"
                       + (f": {r.groups}" if str(r.groups) else "") + ")"
                       for r in passages.head(shown).itertuples())
    return (f"{len(passages)} passage{'s' if len(passages) != 1 else ''} of eight or more words recur across "
            f"statements (each in at least {int(passages['n_statements'].min())} of the {n_statements}), "
            f"most widely {quoted}. Share bars, disclaimers, subscription boxes and syndicated copy are not what "
            "the authors said, yet their words are counted like any other (they can make an outlet's key terms "
            "and phrases); formulas of address are. To leave a passage out, list its words as one line of a "
            "stopword file ([preprocess] stopword_files).")


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"


def _span_ends(t: pd.DataFrame) -> tuple[str, str]:
    """The groups a trend table's ``change`` runs between."""
    return str(t["change_from"].iloc[0]), str(t["change_to"].iloc[0])


def _span_note(t: pd.DataFrame) -> str:
    """Why a trend's changes run over fewer groups than its fit, when they do."""
    span_from, span_to = _span_ends(t)
    first, last = str(t["first"].iloc[0]), str(t["last"].iloc[0])
    if (span_from, span_to) == (first, last):
        return ""
    ends = [f"before {span_from}" if span_from != first else "", f"after {span_to}" if span_to != last else ""]
    return (f" Changes are given from {span_from} to {span_to}: the groups {' and '.join(e for e in ends if e)} "
            f"hold fewer than {SPAN_END_SHARE:.1%} of the statements, too few to carry the line that far "
            "(they are still in the fit).")


def caveats(*, statements: pd.DataFrame, group_by: tuple[str, ...], labels: pd.DataFrame | None,
            skipped: list[str], unit: str) -> list[str]:
    out = []
    n = len(statements)
    if n < 30:
        out.append(f"The corpus has only {n} statements. Topic models are fitted on {unit}s, but every "
                   "comparison between groups rests on the statements: intervals are wide and a "
                   "permutation test over so few statements cannot reach small p-values.")
    for col in group_by:
        if col not in statements:
            continue
        sizes = statements[col].dropna().astype(str)
        sizes = sizes[sizes != ""].value_counts()
        n_missing = n - int(sizes.sum())
        if n_missing:
            out.append(f"{n_missing} statement{'s' if n_missing != 1 else ''} without a value for {col} "
                       f"(empty, or an NA string such as \"NA\") form no {col} group and are left out of "
                       f"comparisons by {col}.")
        single = sorted(sizes[sizes == 1].index)
        if single:
            out.append(f"Groups of {col} with a single statement: {_join(single)}. Their shares describe "
                       "one text, not a speaker's or a year's habits.")
    unstable = labels["unstable"].fillna(False).astype(bool) if labels is not None and "unstable" in labels else None
    if unstable is not None and unstable.any():
        bad = labels.loc[unstable, "topic"].astype(str).tolist()
        out.append(f"Topics {_join(bad)} are unstable across seeds (low mean Jaccard of top terms): "
                   "do not build claims on them.")
    out.extend(f"Skipped: {s}" for s in skipped)
    return out


def theme_items(shares: pd.DataFrame | None, diffs: pd.DataFrame | None, trends: pd.DataFrame | None, *,
                alpha: float, top: int = 3) -> list[str]:
    """Sentences on a codebook's themes: what each group stresses, then what the sample can support.

    Per grouping and group, its ``top`` themes by share with their interval;
    then the differences (each group against the rest) whose ``verdict`` says
    a side is higher with at least 2 statements a side, or why none can be
    claimed (the smallest p the group sizes allow); then trends passing the
    adjusted test with an interval excluding 0.
    """
    items: list[str] = []
    if shares is None or not len(shares):
        return items
    for group_by, s in shares.groupby("group_by", sort=False):
        for group, g in s.groupby(s["group"].map(label_str), sort=False):
            best = g[g["share"] > 0].sort_values(["share", "category"], ascending=[False, True], kind="stable")
            n = int(g["n_statements"].iloc[0])
            listed = _join([f"{r.category} {r.share:.2%} [{r.lower:.2%}, {r.upper:.2%}]"
                            for r in best.head(top).itertuples()]) or "none of the themes"
            one = ": one text, not the group's habits" if n == 1 else ""
            items.append(f"{group_by} {group} ({_statements(n)}{one}) stresses {listed}.")
        d = diffs[diffs["group_by"] == group_by] if diffs is not None and len(diffs) else None
        if d is None or not len(d):
            continue
        tested = d[d["verdict"] != "not_tested"]
        found = d[d["verdict"].isin(["a_higher", "b_higher"]) & (d["n_a"] >= 2) & (d["n_b"] >= 2)]
        floor = float(tested["min_p_value"].min()) if len(tested) else float("nan")
        head = (f"{group_by}: {len(tested)} theme differences tested (each group against the rest, "
                f"Benjamini–Hochberg at α = {alpha}); ")
        if not len(found):
            why = (f" With these group sizes the smallest attainable p is {floor:.3g}: the sample cannot "
                   "support a claim that a theme is stressed more by one group; read the shares as "
                   "descriptions of these statements." if len(tested) and floor * len(tested) > alpha else
                   " Read the shares as descriptions of these statements, not of the groups.")
            items.append(head + "none passes both the adjusted test and its interval." + why)
            continue
        items.append(head + f"{len(found)} {'passes' if len(found) == 1 else 'pass'}:")
        for r in found.sort_values(["p_adjusted", "category"], kind="stable").head(8).itertuples():
            way = "more" if r.verdict == "a_higher" else "less"
            items.append(f"{label_str(r.group_a)} stresses {r.category} {way} than the rest: "
                         f"{_pct_points(r.difference)} [{r.lower_adjusted * 100:+.2f}, {r.upper_adjusted * 100:+.2f}], "
                         f"adjusted {_fmt_p(r.p_adjusted)}.")
    if trends is not None and len(trends):
        for group_by, t in trends.groupby("group_by", sort=False):
            hits = t[(t["p_adjusted"] < alpha) & ((t["lower"] > 0) | (t["upper"] < 0))]
            span_from, span_to = _span_ends(t)
            items.append(f"Trends over {group_by} ({t['first'].iloc[0]}–{t['last'].iloc[0]}, "
                         f"{int(t['n_statements'].iloc[0])} statements): {len(t)} themes tested, {len(hits)} "
                         f"with a trend (adjusted test and interval agree; changes from {span_from} to {span_to})"
                         + (": " + _join([f"{r.category} {'rises' if r.slope > 0 else 'falls'} "
                                          f"({_pct_points(r.change)})" for r in hits.itertuples()]) if len(hits)
                            else "") + ".")
    return items
