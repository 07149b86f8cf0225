"""The data behind the interactive views of ``index.html``: term explorer, topic explorer, time view.

Each function takes the pipeline's tables (or plain arrays) and returns plain
JSON-ready dicts holding only what the views draw, so the page stays small:
the term explorer gets each comparison's terms with their counts and
statistics (columnar, terms by index), the topic explorer the topic-term
probabilities of each topic's candidate terms over λ (as LDAvis's
``createJSON`` does), the time view the shares table of each time grouping.
:func:`script_json` escapes the result for a ``<script type="application/json">``
block; the views insert every string with ``textContent``, never as markup.

>>> script_json({"text": "</script><b>&\u2028"})
'{"text": "\\\\u003c/script\\\\u003e\\\\u003cb\\\\u003e\\\\u0026\\\\u2028"}'
"""

from __future__ import annotations

import functools
import json
import math
from importlib.resources import files
from types import SimpleNamespace
from typing import Any, Iterable

import jinja2
import markupsafe
import numpy as np
import pandas as pd

from ..compare.concordance import kwic_many, kwic_pieces, merge_kwic
from ..grouping import label_str
from ..themes.analysis import as_topic_table
from ..topics.intertopic import intertopic_map

__all__ = ["script_json", "term_comparisons", "kwic_terms", "kwic_lines", "topic_explorer", "time_view",
           "explorer_data", "page_json", "page_context", "page_assets", "standalone_page",
           "MAX_TERMS", "KWIC_PER_SIDE", "MARKDOWN_LINE"]

#: Terms kept per comparison (by |Fightin' Words z|; key terms always kept).
MAX_TERMS = 3000
#: Terms per side of a comparison whose keywords in context are embedded.
KWIC_TERMS_PER_SIDE = 12
#: Keyword-in-context lines embedded per term and side of a comparison.
KWIC_PER_SIDE = 6
#: Candidate terms per topic for the λ slider, and the λ grid they are taken over (LDAvis: R = 30).
TOPIC_TERMS = 30
LAMBDA_GRID = np.round(np.linspace(0.0, 1.0, 11), 2)
#: Characters of a representative passage shown in the topic explorer.
EXCERPT_CHARS = 300


def script_json(data: Any) -> str:
    """``data`` as JSON safe inside a ``<script>`` element: ``<``, ``>``, ``&``, U+2028 and U+2029 escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(raw, escaped)
    return text


def _num(values: Iterable[Any], digits: int = 4) -> list[float | None]:
    """Rounded floats for JSON; NaN and infinities become None."""
    out: list[float | None] = []
    for v in values:
        f = float(v) if v is not None and not pd.isna(v) else math.nan
        out.append(round(f, digits) if math.isfinite(f) else None)
    return out


def term_comparisons(keyness: pd.DataFrame, *, max_terms: int = MAX_TERMS) -> dict[str, Any]:
    """Every comparison of a keyness table for the term explorer.

    Returns ``{"terms": [...], "comparisons": [{"group_by", "target", "reference",
    "tokens_target", "tokens_reference", "term", "ft", "fr", "z", "lr", "p", "key"}]}``:
    term indices into ``terms`` and, per term, its count in the target and the
    reference, Fightin' Words z (``fw_z``), log ratio, adjusted p and key flag.
    At most ``max_terms`` terms per comparison, the largest |z| first (key terms always kept).
    """
    terms: dict[str, int] = {}
    comparisons = []
    keys = ["group_by", "target", "reference"]
    for (gb, target, reference), rows in keyness.groupby(keys, sort=False):
        z = rows["fw_z"].to_numpy(dtype=float) if "fw_z" in rows else rows["log_ratio"].to_numpy(dtype=float)
        key = rows["key"].fillna(False).astype(bool).to_numpy() if "key" in rows else np.zeros(len(rows), bool)
        order = np.lexsort((rows["term"].astype(str).to_numpy(), -np.abs(np.nan_to_num(z)), ~key))[:max_terms]
        part = rows.iloc[np.sort(order)]
        idx = [terms.setdefault(str(t), len(terms)) for t in part["term"]]
        first = part.iloc[0]
        comparisons.append({
            "group_by": str(gb), "target": label_str(target), "reference": label_str(reference),
            "tokens_target": int(first.get("total_tokens_target", 0) or 0),
            "tokens_reference": int(first.get("total_tokens_reference", 0) or 0),
            "term": idx, "ft": part["freq_target"].astype(int).tolist(),
            "fr": part["freq_reference"].astype(int).tolist(),
            "z": _num(part["fw_z"] if "fw_z" in part else part["log_ratio"], 3),
            "lr": _num(part["log_ratio"], 3),
            "p": _num(part["p_adjusted"], 4) if "p_adjusted" in part else [None] * len(part),
            "key": [int(k) for k in (part["key"].fillna(False).astype(bool) if "key" in part else [False] * len(part))],
        })
    return {"terms": list(terms), "comparisons": comparisons}


def kwic_terms(data: dict[str, Any], *, per_side: int = KWIC_TERMS_PER_SIDE) -> dict[str, list[tuple[str, str, str]]]:
    """The terms whose contexts the term explorer embeds, each with the comparisons it is shown for:
    the ``per_side`` largest z of each side of each comparison (``{term: [(group_by, target, reference)]}``)."""
    chosen: dict[str, list[tuple[str, str, str]]] = {}
    for comp in data["comparisons"]:
        z = np.array([v if v is not None else 0.0 for v in comp["z"]])
        key = (comp["group_by"], comp["target"], comp["reference"])
        for order in (np.argsort(-z, kind="stable"), np.argsort(z, kind="stable")):
            for i in order[:per_side]:
                wanted = chosen.setdefault(data["terms"][comp["term"][i]], [])
                if key not in wanted:
                    wanted.append(key)
    return chosen


def kwic_lines(kwic: pd.DataFrame | None, *, statements: pd.DataFrame, groupings: list[str],
               wanted: dict[str, list[tuple[str, str, str]]] | None = None,
               per_side: int = KWIC_PER_SIDE) -> dict[str, Any]:
    """Keyword-in-context lines for the explorer: per term, at most ``per_side`` lines for each side of
    each comparison in ``wanted`` (default: of every group of every grouping), in corpus order.

    ``kwic`` is a :func:`~textanalytics.compare.kwic_pieces` table; returns
    ``{"statements": [ids], "groups": {grouping: [value per statement]}, "lines":
    {term: [[statement index, left, match, right], ...]}}`` so the page picks
    the lines of either side of a comparison.
    """
    ids = statements["statement_id"].astype(str).tolist()
    position = {s: i for i, s in enumerate(ids)}
    groups = {col: [label_str(v) if not pd.isna(v) else "" for v in statements[col]] for col in groupings}
    lines: dict[str, list[list[Any]]] = {}
    if kwic is None or not len(kwic):
        return {"statements": ids, "groups": groups, "lines": lines}
    counts: dict[tuple, int] = {}
    for query, sid, left, match, right in zip(kwic["query"].astype(str), kwic["statement_id"].astype(str),
                                               kwic["left"], kwic["match"], kwic["right"]):
        s = position.get(sid)
        if s is None:
            continue
        comps = (wanted or {}).get(query, []) if wanted is not None else \
            [(col, groups[col][s], "") for col in groupings]
        keep = False
        for gb, target, reference in comps:
            if gb not in groups:
                continue
            g = groups[gb][s]
            side = None if not g else "t" if g == target else "r" if (reference == "rest" or g == reference) else None
            if side is not None and counts.get((query, gb, target, reference, side), 0) < per_side:
                counts[(query, gb, target, reference, side)] = counts.get((query, gb, target, reference, side), 0) + 1
                keep = True
        if keep:
            lines.setdefault(query, []).append([s, str(left), str(match), str(right)])
    return {"statements": ids, "groups": groups, "lines": lines}


def needed_pieces(pieces: Iterable[tuple[Any, Any]], wanted: dict[str, list[tuple[str, str, str]]], *,
                  groups: dict[str, dict[str, str]], per_side: int = KWIC_PER_SIDE) -> Iterable[tuple[Any, Any]]:
    """``(corpus piece, tokens)`` pairs cut down to the statements whose lines the explorer embeds.

    A statement is kept when it holds a wanted term (as lemma or model term) and
    its side of one of the term's comparisons has fewer than ``per_side`` kept
    statements so far (corpus order), so keywords in context are found in a few
    hundred statements, not the whole corpus. ``groups`` maps grouping ->
    statement id -> group label.
    """
    seen: dict[tuple, int] = {}
    for piece, tokens in pieces:
        keep = _select(_hits(tokens.table, set(wanted)), wanted, groups=groups, per_side=per_side, seen=seen)
        if keep:
            yield _cut(piece, tokens, keep)


def _hits(t: pd.DataFrame, words: set[str]) -> pd.DataFrame:
    """``statement_id, word``: each wanted word (as lemma or model term) of a token table, once per statement.

    In token order; a token whose lemma and model term are both wanted (``terrorist`` in
    ``terrorist_financing``) gives its lemma's pair, then its term's.
    """
    lemma, term = t["lemma"].astype(str).str.lower().to_numpy(), t["term"].astype(str).str.lower().to_numpy()
    sid = t["statement_id"].to_numpy()
    pairs = []
    for rank, col in enumerate((lemma, term)):
        rows = np.flatnonzero(pd.Series(col).isin(words).to_numpy())
        pairs.append(pd.DataFrame({"statement_id": sid[rows], "word": col[rows], "_row": rows, "_rank": rank}))
    out = pd.concat(pairs, ignore_index=True).sort_values(["_row", "_rank"], kind="stable")
    return out[["statement_id", "word"]].drop_duplicates().reset_index(drop=True)


def _select(pairs: pd.DataFrame, wanted: dict[str, list[tuple[str, str, str]]], *, groups: dict[str, dict[str, str]],
            per_side: int, seen: dict[tuple, int]) -> set[str]:
    """The statements of ``pairs`` (in order) kept while their side has fewer than ``per_side``; updates ``seen``."""
    keep: set[str] = set()
    for sid, word in pairs[["statement_id", "word"]].itertuples(index=False):
        sid = str(sid)
        for gb, target, reference in wanted.get(word, []):
            g = groups.get(gb, {}).get(sid) or None  # a missing value ("") forms no group, as in keyness
            side = "t" if g == target else "r" if g is not None and (reference == "rest" or g == reference) else None
            if side is not None and seen.get((word, gb, target, reference, side), 0) < per_side:
                seen[(word, gb, target, reference, side)] = seen.get((word, gb, target, reference, side), 0) + 1
                keep.add(sid)
    return keep


def _cut(piece: Any, tokens: Any, keep: set[str]) -> tuple[Any, Any]:
    """``piece`` and ``tokens`` cut down to the statements ``keep``."""
    st, par, t = piece.statements, piece.paragraphs, tokens.table
    return (SimpleNamespace(statements=st[st["statement_id"].astype(str).isin(keep)],
                            paragraphs=par[par["statement_id"].astype(str).isin(keep)]),
            SimpleNamespace(table=t[t["statement_id"].astype(str).isin(keep)]))


def piece_lines(piece: Any, tokens: Any, *, wanted: dict[str, list[tuple[str, str, str]]],
                groups: dict[str, dict[str, str]], window: int,
                per_side: int = KWIC_PER_SIDE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One piece's candidates for the explorer's lines, found where the piece is (a Spark executor).

    Returns ``(pairs, lines)``: the ``statement_id, word`` hits of the statements the piece would keep
    on its own (:func:`needed_pieces` with counts starting at zero) and those statements' KWIC lines.
    A statement kept in corpus order is kept by its piece alone (the counts before the piece only
    add), and a hit of a statement its piece drops never counts, so :func:`merge_piece_lines` over
    every piece's tables gives :func:`needed_pieces`' lines exactly.
    """
    pairs = _hits(tokens.table, set(wanted))
    keep = _select(pairs, wanted, groups=groups, per_side=per_side, seen={})
    pairs = pairs[pairs["statement_id"].astype(str).isin(keep)].reset_index(drop=True)
    cut_piece, cut_tokens = _cut(piece, tokens, keep)
    return pairs, kwic_many(cut_piece, list(wanted), tokens=cut_tokens, window=window)


def merge_piece_lines(found: Iterable[tuple[pd.DataFrame, pd.DataFrame]],
                      wanted: dict[str, list[tuple[str, str, str]]], *, groups: dict[str, dict[str, str]],
                      per_side: int = KWIC_PER_SIDE) -> pd.DataFrame | None:
    """The explorer's KWIC table from every piece's :func:`piece_lines`, in corpus order (as on one machine).

    ``found`` may be an iterator: each piece's tables are cut to the kept statements as they arrive.
    """
    seen: dict[tuple, int] = {}
    frames = []
    for pairs, lines in found:
        keep = _select(pairs, wanted, groups=groups, per_side=per_side, seen=seen)
        if keep:
            frames.append(lines[lines["statement_id"].astype(str).isin(keep)])
    return merge_kwic(frames, list(wanted)) if frames else None


def topic_explorer(model: Any, *, labels: pd.DataFrame, passages: pd.DataFrame | None,
                   n_terms: int = TOPIC_TERMS) -> dict[str, Any]:
    """LDAvis's data for one fitted model (a :class:`~textanalytics.topics.TopicModel`).

    Per topic (ids and order as in the tables): label, share, stability, its
    position on the intertopic map, and its candidate terms -- the union of the
    ``n_terms`` most relevant terms at every λ of :data:`LAMBDA_GRID` -- with
    P(term | topic); per term the corpus probability and count, so the page
    ranks by relevance ``λ log φ + (1 − λ) log(φ / p)`` for any λ.
    Representative passages as excerpts of :data:`EXCERPT_CHARS` characters.
    """
    phi = np.asarray(model.topic_term, dtype=np.float64)
    phi = phi / phi.sum(axis=1, keepdims=True)
    pw = np.asarray(model.term_probability, dtype=np.float64)
    counts = np.asarray(model.term_counts, dtype=np.float64)
    xy = intertopic_map(phi)
    with np.errstate(divide="ignore"):
        log_phi, log_lift = np.log(phi), np.log(phi) - np.log(pw)[None, :]
    vocab_idx: dict[int, int] = {}
    topics = []
    info = labels.set_index("topic")
    for k, topic in enumerate(model.topics):
        cand: dict[int, None] = {}
        for lam in LAMBDA_GRID:
            rel = lam * log_phi[k] + (1 - lam) * log_lift[k]
            for j in np.argsort(-rel, kind="stable")[:n_terms]:
                cand.setdefault(int(j))
        idx = [vocab_idx.setdefault(j, len(vocab_idx)) for j in cand]
        row = info.loc[topic] if topic in info.index else {}
        topics.append({"topic": int(topic), "label": str(row.get("label", "")),
                       "share": _num([row.get("share", model.share[k])])[0],
                       "stability": _num([row.get("stability", np.nan)], 3)[0],
                       "unstable": bool(row.get("unstable", False)) if not pd.isna(row.get("unstable", False)) else False,
                       "x": round(float(xy[k, 0]), 5), "y": round(float(xy[k, 1]), 5),
                       "terms": idx, "phi": [float(f"{v:.4g}") for v in phi[k, list(cand)]],
                       "passages": _passages(passages, topic)})
    order = list(vocab_idx)
    return {"vocab": [model.vocabulary[j] for j in order], "pw": [float(f"{v:.4g}") for v in pw[order]],
            "count": counts[order].astype(int).tolist(), "tokens": int(counts.sum()), "topics": topics}


def _passages(passages: pd.DataFrame | None, topic: Any) -> list[list[str]]:
    if passages is None or not len(passages) or "text" not in passages:
        return []
    rows = passages[passages["topic"] == topic].sort_values("rank")
    out = []
    for r in rows.itertuples(index=False):
        text = "" if pd.isna(r.text) else " ".join(str(r.text).split())
        short = text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1].rsplit(" ", 1)[0] + " …"
        out.append([str(r.statement_id), short])
    return out


def time_view(shares: pd.DataFrame | None, *, groupings: Iterable[str]) -> list[dict[str, Any]]:
    """Shares with intervals per grouping, for the topic explorer and the time view (groups in table order).

    ``shares``: a topic-shares table (or a theme-shares table through
    :func:`~textanalytics.themes.analysis.as_topic_table`); each series carries its ``topic``
    number and, when the table has labels, its ``name``.
    """
    out: list[dict[str, Any]] = []
    if shares is None or not len(shares):
        return out
    for col in groupings:
        sub = shares[shares["group_by"] == col]
        if not len(sub):
            continue
        groups = [label_str(g) for g in dict.fromkeys(sub["group"])]
        series = []
        for topic, part in sub.groupby("topic", sort=True):
            name = str(part["label"].iloc[0]) if "label" in part and len(part) else ""
            part = part.set_index(part["group"].map(label_str)).reindex(groups)
            series.append({"topic": int(topic), "share": _num(part["share"]), "lower": _num(part["lower"]),
                           "upper": _num(part["upper"]), "name": name,
                           "n": [int(v) if not pd.isna(v) else 0 for v in part["n_statements"]]})
        out.append({"group_by": str(col), "groups": groups, "series": series})
    return out


def explorer_data(*, keyness: pd.DataFrame | None, kwic: pd.DataFrame | None, statements: pd.DataFrame,
                  groupings: list[str], model: Any = None, labels: pd.DataFrame | None = None,
                  passages: pd.DataFrame | None = None, shares: pd.DataFrame | None = None,
                  time_groupings: Iterable[str] = (), max_terms: int = MAX_TERMS,
                  wanted: dict[str, list[tuple[str, str, str]]] | None = None) -> dict[str, Any]:
    """Everything the three views need, as one JSON-ready dict (``terms``, ``kwic``, ``topics``, ``shares``, ``time``)."""
    terms = term_comparisons(keyness, max_terms=max_terms) if keyness is not None and len(keyness) else {"terms": [], "comparisons": []}
    time_groupings = [c for c in time_groupings]
    return {
        "terms": terms,
        "kwic": kwic_lines(kwic, statements=statements, groupings=groupings, wanted=wanted),
        "topics": topic_explorer(model, labels=labels, passages=passages) if model is not None else None,
        "shares": time_view(shares, groupings=list(dict.fromkeys(list(groupings) + time_groupings))),
        "time": time_groupings,
    }


def page_json(res: Any) -> str:
    """The views' data for an :class:`~textanalytics.pipeline.AnalysisResults`, escaped for the page.

    Reads the texts once more (through ``res.inputs``) for the keywords in
    context of the terms the term explorer shows first (:func:`kwic_terms`).
    """
    tables, run = res.tables, res.topic_run
    keyness = tables.get("keyness")
    terms = term_comparisons(keyness) if keyness is not None and len(keyness) else {"terms": [], "comparisons": []}
    wanted = kwic_terms(terms)
    kwic = None
    if wanted and res.inputs is not None:
        groups = {col: dict(zip(res.corpus.statements["statement_id"].astype(str),
                                res.corpus.statements[col].map(lambda v: "" if pd.isna(v) else label_str(v))))
                  for col in res.groupings}
        window = res.config.report.kwic_window
        if res.inputs.map_on_spark is not None:  # each piece searched on an executor; its candidates come back
            found = res.inputs.map_on_spark(functools.partial(piece_lines, wanted=wanted, groups=groups,
                                                              window=window))
            kwic = merge_piece_lines(found, wanted, groups=groups)
        else:
            pieces = list(needed_pieces(res.inputs.text_pieces(), wanted, groups=groups))
            kwic = kwic_pieces(pieces, list(wanted), window=window) if pieces else None
    trends = tables.get("topic_trends")
    time_groupings = trends["group_by"].drop_duplicates().tolist() if trends is not None and len(trends) else []
    data = explorer_data(keyness=None, kwic=kwic, statements=res.corpus.statements, groupings=list(res.groupings),
                         model=run.ensemble.reference if run is not None else None,
                         labels=run.labels if run is not None else None,
                         passages=run.passages if run is not None else None,
                         shares=tables.get("topic_shares"), time_groupings=time_groupings, wanted=wanted)
    data["terms"] = terms
    themes, theme_trends = tables.get("theme_shares"), tables.get("theme_trends")
    theme_time = (theme_trends["group_by"].drop_duplicates().tolist()
                  if theme_trends is not None and len(theme_trends) else [])
    data["themes"] = (time_view(as_topic_table(themes), groupings=theme_time)
                      if themes is not None and len(themes) and theme_time else [])
    return script_json(data)


def page_context(res: Any) -> dict[str, str]:
    """What ``index.html.j2`` needs for the views: ``explorer_json``, ``explorer_js``, ``explorer_css``."""
    return {"explorer_json": page_json(res), **page_assets()}


def page_assets() -> dict[str, str]:
    """The views' script and style sheet (``explorer_js``, ``explorer_css``), shipped in ``templates/``."""
    here = files("textanalytics.report") / "templates"
    return {"explorer_js": (here / "explorer.js").read_text(encoding="utf-8"),
            "explorer_css": (here / "explorer.css").read_text(encoding="utf-8")}


#: The one line report.md gets about the views.
MARKDOWN_LINE = ("Interactive views (term explorer, topic explorer with the λ slider, topics over time) are in "
                 "`index.html`, which works offline.")


def standalone_page(data_json: str, *, title: str = "Explore") -> str:
    """A page holding only the views, for a notebook or a test: ``data_json`` from :func:`script_json`."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("textanalytics.report", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined)
    context = page_assets()
    views = env.get_template("explorer.html.j2").render(explorer_json=data_json, **context)
    head = ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta http-equiv=\"Content-Security-Policy\" "
            "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">"
            f"<title>{markupsafe.escape(title)}</title><style>"
            "body{font-family:sans-serif;max-width:1100px;margin:1rem auto}" + context["explorer_css"] + "</style></head>")
    return head + "<body>" + views + "</body></html>\n"
