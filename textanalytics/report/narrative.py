"""The report's narrative, written from the result tables.

Each function takes tidy tables and returns plain-text sentences (no Markdown or
HTML inside values: escaping is the renderer's job). The wording states sample
sizes and uncertainty next to every claim so that a reader cannot mistake a
one-statement group for a finding.
"""

from __future__ import annotations

import pandas as pd


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


def keyness_items(keyness: pd.DataFrame, *, alpha: float, top: int = 6) -> list[str]:
    """One line per (grouping, target): the most over-represented significant terms.

    A term is over-represented in the target when the keyness table says so
    (``direction == "target"``); the log ratio's sign can disagree with it for a
    term absent from one side (its zero frequency counts as 0.5).
    """
    items = []
    if keyness is None or not len(keyness):
        return items
    df = keyness
    for (group_by, target), g in df.groupby(["group_by", "target"], sort=True):
        over = g[(g["p_adjusted"] < alpha) & (g["direction"] == "target")]
        over = over.sort_values(["g2", "term"], ascending=[False, True], kind="stable").head(top)
        col = "total_statements_target" if "total_statements_target" in g else None
        n_t = int(g[col].iloc[0]) if col else None
        size = f" ({n_t} statement{'s' if n_t != 1 else ''})" if n_t is not None else ""
        if len(over):
            terms = _join([f"{r.term} (G² {r.g2:.1f}, log ratio {r.log_ratio:.1f})" for r in over.itertuples()])
            items.append(f"{group_by} = {target}{size}: {terms}.")
        else:
            items.append(f"{group_by} = {target}{size}: no term is significantly over-used after "
                         f"Benjamini–Hochberg correction at α = {alpha}.")
    return items


def topic_items(labels: pd.DataFrame) -> list[str]:
    items = []
    for r in labels.itertuples():
        unstable = getattr(r, "unstable", False)
        flag = " — UNSTABLE across seeds, interpret with care" if (pd.notna(unstable) and bool(unstable)) else ""
        stab = f", stability {r.stability:.2f}" if hasattr(r, "stability") and pd.notna(r.stability) else ""
        items.append(f"Topic {r.topic}: {r.label} (share {r.share:.1%}{stab}){flag}.")
    return items


def difference_items(diffs: pd.DataFrame, *, alpha: float, top: int = 8) -> list[str]:
    """The largest differences whose interval excludes 0, with their p-values."""
    if diffs is None or not len(diffs):
        return []
    d = diffs.copy()
    d["excludes_zero"] = (d["lower"] > 0) | (d["upper"] < 0)
    d["abs"] = d["difference"].abs()
    d = d.sort_values(["excludes_zero", "abs", "group_by", "group_a", "group_b", "topic"],
                      ascending=[False, False, True, True, True, True], kind="stable")
    items = []
    for r in d.head(top).itertuples():
        verdict = "interval excludes 0" if r.excludes_zero else "interval includes 0"
        items.append(
            f"{r.group_by}: topic {r.topic}, {r.group_a} vs {r.group_b}: {r.difference:+.1%} "
            f"[{r.lower:+.1%}, {r.upper:+.1%}], {verdict}, permutation {_fmt_p(r.p_value)}."
        )
    return items


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
