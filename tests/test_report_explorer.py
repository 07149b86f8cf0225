"""The interactive views of index.html: their data (escaping, intertopic map, size caps) and, in headless
Chromium, the term explorer, the topic explorer's λ slider and the time view, offline and fast.

Screenshots of each view go to ``$TEXTANALYTICS_SCREENSHOTS`` (default: the test's tmp_path).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from textanalytics.report import explorer
from textanalytics.themes.analysis import as_topic_table
from textanalytics.topics.intertopic import classical_scaling, intertopic_map, jensen_shannon


# ------------------------------------------------------------------ data
def test_script_json_cannot_close_the_script_or_become_markup():
    text = explorer.script_json({"t": "</script><img src=x onerror=alert(1)>&\u2028\u2029"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert "\u2028" not in text and "\u2029" not in text
    assert json.loads(text)["t"] == "</script><img src=x onerror=alert(1)>&\u2028\u2029"


def _jspca_port(phi: np.ndarray) -> np.ndarray:
    """LDAvis's jsPCA (R/createJSON.R) line by line: proxy::dist with jensenShannon, then stats::cmdscale(k = 2)."""
    k = len(phi)
    d = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            x, y = phi[i], phi[j]
            m = 0.5 * (x + y)
            lhs = np.array([0.0 if a == 0 else a * (np.log(a) - np.log(b)) for a, b in zip(x, m)])
            rhs = np.array([0.0 if a == 0 else a * (np.log(a) - np.log(b)) for a, b in zip(y, m)])
            d[i, j] = 0.5 * lhs.sum() + 0.5 * rhs.sum()
    # cmdscale: double centring of -d^2/2 by row, column and grand means, eigen, points = vectors * sqrt(values)
    a = -0.5 * d ** 2
    b = a - a.mean(axis=1, keepdims=True) - a.mean(axis=0, keepdims=True) + a.mean()
    values, vectors = np.linalg.eig(b)
    order = np.argsort(values.real)[::-1][:2]
    return vectors.real[:, order] * np.sqrt(values.real[order]), d


def test_intertopic_map_matches_ldavis_jspca_up_to_sign():
    rng = np.random.default_rng(7)
    phi = rng.dirichlet(np.full(40, 0.2), size=9)
    phi[0, :5] = 0.0
    phi /= phi.sum(axis=1, keepdims=True)
    expected, divergence = _jspca_port(phi)
    assert np.allclose(jensen_shannon(phi), divergence, atol=1e-12)
    xy = intertopic_map(phi)
    for axis in range(2):
        sign = np.sign(xy[:, axis] @ expected[:, axis])
        assert np.allclose(xy[:, axis], sign * expected[:, axis], atol=1e-9)
    assert np.allclose(intertopic_map(phi), xy)  # the sign is fixed: same map every run
    assert np.allclose(classical_scaling(np.zeros((1, 1))), 0.0)


def _keyness(n_terms: int, groups: list[str]) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frames = []
    for g in groups:
        z = rng.normal(0, 2, n_terms)
        frames.append(pd.DataFrame({
            "group_by": "speaker", "target": g, "reference": "rest", "term": [f"w{i:05d}" for i in range(n_terms)],
            "freq_target": rng.poisson(5, n_terms), "freq_reference": rng.poisson(20, n_terms), "fw_z": z,
            "log_ratio": z / 2, "p_adjusted": rng.uniform(0, 1, n_terms), "key": np.abs(z) > 4,
            "total_tokens_target": 5000, "total_tokens_reference": 20000}))
    return pd.concat(frames, ignore_index=True)


def test_term_comparisons_are_columnar_and_capped_keeping_key_terms():
    table = _keyness(500, ["a", "b"])
    data = explorer.term_comparisons(table, max_terms=100)
    assert [c["target"] for c in data["comparisons"]] == ["a", "b"]
    comp = data["comparisons"][0]
    assert len(comp["term"]) == 100 and len(comp["ft"]) == len(comp["z"]) == 100
    part = table[table["target"] == "a"]
    kept = {data["terms"][i] for i in comp["term"]}
    assert set(part.loc[part["key"], "term"]) <= kept
    strongest = part.loc[~part["key"]].assign(a=lambda d: d["fw_z"].abs()).nlargest(5, "a")["term"]
    assert set(strongest) <= kept
    row = part.set_index("term").loc[data["terms"][comp["term"][0]]]
    assert comp["ft"][0] == row["freq_target"] and comp["fr"][0] == row["freq_reference"]


def test_kwic_lines_are_capped_per_term_and_group():
    statements = pd.DataFrame({"statement_id": ["s1", "s2", "s3"], "speaker": ["A", "B", "B"]})
    kwic = pd.DataFrame({"query": ["tax"] * 20, "statement_id": ["s1"] * 10 + ["s2"] * 5 + ["s3"] * 5,
                         "left": ["l"] * 20, "match": ["tax"] * 20, "right": ["r"] * 20})
    for wanted in (None, {"tax": [("speaker", "A", "rest")]}, {"tax": [("speaker", "B", "A")]}):
        data = explorer.kwic_lines(kwic, statements=statements, groupings=["speaker"], wanted=wanted, per_side=3)
        lines = data["lines"]["tax"]
        speakers = [data["groups"]["speaker"][s] for s, *_ in lines]
        assert speakers.count("A") == 3 and speakers.count("B") == 3, wanted
    data = explorer.kwic_lines(kwic, statements=statements, groupings=["speaker"], wanted={"vat": []}, per_side=3)
    assert data["lines"] == {}  # only the terms the views need


def _model(k: int = 6, v: int = 400):
    rng = np.random.default_rng(2)
    phi = rng.dirichlet(np.full(v, 0.05), size=k)
    counts = rng.integers(1, 200, v)
    return SimpleNamespace(topic_term=phi, term_probability=counts / counts.sum(), term_counts=counts,
                           topics=np.arange(1, k + 1), vocabulary=tuple(f"term{i}" for i in range(v)),
                           share=np.full(k, 1 / k))


def _shares(groups: list[str], k: int, group_by: str) -> pd.DataFrame:
    rng = np.random.default_rng(4)
    rows = []
    for g in groups:
        share = rng.dirichlet(np.ones(k))
        rows += [{"group_by": group_by, "group": g, "topic": t + 1, "share": share[t], "lower": share[t] * 0.7,
                  "upper": min(1, share[t] * 1.3), "n_statements": 3} for t in range(k)]
    return pd.DataFrame(rows)


def _synthetic_data(n_terms: int = 10_000, n_groups: int = 40) -> dict:
    groups = [f"Speaker {i} <b>&amp;</b>" for i in range(n_groups)]
    years = [str(1989 + i) for i in range(31)]
    kt = _keyness(n_terms, groups[:3])
    k = 6
    labels = pd.DataFrame({"topic": range(1, k + 1), "label": [f"term{t} / x" for t in range(k)],
                           "share": 1 / k, "stability": 0.8, "unstable": False})
    passages = pd.DataFrame({"topic": [1, 1], "rank": [1, 2], "statement_id": ["s0", "s1"],
                             "text": ["<script>alert(1)</script> " + "long passage " * 60, "short"]})
    statements = pd.DataFrame({"statement_id": [f"s{i}" for i in range(80)],
                               "speaker": [groups[i % 3] for i in range(80)], "year": [years[i % 31] for i in range(80)]})
    strong = kt.loc[kt["target"] == groups[0]].nlargest(1, "fw_z")["term"].iloc[0]
    kwic = pd.DataFrame({"query": [strong] * 6, "statement_id": [f"s{i}" for i in range(6)],
                         "left": ["left <i>context</i>"] * 6, "match": [strong] * 6, "right": ["right"] * 6})
    shares = pd.concat([_shares(groups, k, "speaker"), _shares(years, k, "year")], ignore_index=True)
    data = explorer.explorer_data(keyness=kt, kwic=kwic, statements=statements, groupings=["speaker", "year"],
                                  model=_model(k), labels=labels, passages=passages, shares=shares,
                                  time_groupings=["year"], max_terms=n_terms)
    assert len(data["terms"]["comparisons"][0]["term"]) == n_terms
    themes = _shares(years, 3, "year").assign(category=lambda t: t["topic"].map(
        {1: "terror <b>financing</b>", 2: "un_role", 3: "drugs"})).drop(columns="topic")
    data["themes"] = explorer.time_view(as_topic_table(themes), groupings=["year"])
    return data | {"_strong": strong}


def _check_themes_over_time(driver) -> None:
    from selenium.webdriver.support.ui import Select  # deferred: selenium

    Select(driver.find_element("id", "tv-source")).select_by_value("themes")
    assert driver.execute_script("return document.querySelectorAll('#tv-plot path.tv-line').length") >= 2
    legend = driver.find_element("id", "tv-legend").text
    names = driver.execute_script("return JSON.parse(document.getElementById('explorer-data').textContent)"
                                  ".themes[0].series.map(function (s) { return s.name; })")
    assert names and all(name in legend for name in names)
    Select(driver.find_element("id", "tv-source")).select_by_value("topics")


def test_topic_candidates_cover_the_top_terms_at_every_lambda():
    model = _model()
    data = explorer.topic_explorer(model, labels=pd.DataFrame({"topic": [1], "label": ["x"]}), passages=None)
    phi = model.topic_term / model.topic_term.sum(axis=1, keepdims=True)
    for lam in (0.0, 0.6, 1.0):
        rel = lam * np.log(phi[2]) + (1 - lam) * np.log(phi[2] / model.term_probability)
        top = {model.vocabulary[j] for j in np.argsort(-rel)[:30]}
        assert top <= {data["vocab"][i] for i in data["topics"][2]["terms"]}
    assert [t["topic"] for t in data["topics"]] == [1, 2, 3, 4, 5, 6]  # ids and order as in the tables


# ------------------------------------------------------------------ browser
@pytest.fixture(scope="module")
def driver(chrome):
    return chrome  # the session's headless Chromium (conftest.py)


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("TEXTANALYTICS_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _open(driver, page: Path) -> float:
    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(page.as_uri())
    for _ in range(100):
        if driver.execute_script("return document.body.getAttribute('data-explorer')") == "ready":
            break
        time.sleep(0.05)
    return float(driver.execute_script("return Number(document.body.getAttribute('data-explorer-ms'))"))


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return [u for u in urls if not u.startswith(("file:", "data:"))]


def _bars(driver) -> list[str]:
    return driver.execute_script("return Array.from(document.querySelectorAll('#tx-ranking li')).map(e => e.textContent)")


def _slide(driver, value: float) -> None:
    driver.execute_script("var s = document.getElementById('tx-lambda'); s.value = arguments[0];"
                          "s.dispatchEvent(new Event('input'));", value)


def data_terms(driver) -> list:
    return driver.execute_script("return JSON.parse(document.getElementById('explorer-data').textContent).terms.terms")


def _check_views(driver, page: Path, shots: Path, tag: str, *, term: str) -> None:
    from selenium.webdriver.common.by import By  # deferred: selenium

    elapsed = _open(driver, page)
    assert elapsed <= 2000, f"views ready after {elapsed:.0f} ms"
    # λ re-ranks the topic's terms
    _slide(driver, 1.0)
    by_probability = _bars(driver)
    _slide(driver, 0.0)
    by_lift = _bars(driver)
    assert len(by_probability) == 30 or len(by_probability) == len(by_lift) > 0
    assert by_probability != by_lift
    _slide(driver, 0.6)
    # search finds a term and shows its contexts
    box = driver.find_element(By.ID, "te-search")
    box.clear()
    box.send_keys(term)
    assert driver.find_element(By.CSS_SELECTOR, "#te-detail .te-term").text == term
    assert term in driver.find_element(By.ID, "te-status").text
    assert driver.find_elements(By.CSS_SELECTOR, "#te-detail table.kwic tr")
    # a click on a point shows its detail
    driver.execute_script("document.getElementById('te-detail').textContent = ''")
    plot = driver.find_element(By.ID, "te-plot")
    driver.execute_script("arguments[0].scrollIntoView()", plot)
    point = driver.execute_script(
        "var svg = document.getElementById('te-plot'), r = document.getElementById('te-ring');"
        "var m = svg.getScreenCTM(); return [r.cx.baseVal.value * m.a + m.e, r.cy.baseVal.value * m.d + m.f];")
    driver.execute_script("document.getElementById('te-plot').dispatchEvent(new MouseEvent('click', "
                          "{clientX: arguments[0], clientY: arguments[1], bubbles: true}))", *point)
    clicked = driver.find_element(By.CSS_SELECTOR, "#te-detail .te-term").text  # the nearest point: on a
    assert clicked == term or len(data_terms(driver)) > 2000  # crowded plot, another term may sit on it
    assert len(driver.find_elements(By.CSS_SELECTOR, "#te-detail h5")) == 2  # both sides
    # the time view draws a line per topic
    assert driver.execute_script("return document.querySelectorAll('#tv-plot path.tv-line').length") >= 2
    for view in ("term-explorer", "topic-explorer", "time-view"):
        element = driver.find_element(By.ID, view)
        driver.execute_script("arguments[0].scrollIntoView()", element)
        element.screenshot(str(shots / f"{tag}_{view}.png"))
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert not errors, errors
    assert not _requests(driver)
    # corpus text stays text
    assert not driver.execute_script("return document.querySelectorAll('#explore b, #explore i, #explore img').length")


def test_views_on_ten_thousand_terms_and_forty_groups(driver, tmp_path):
    data = _synthetic_data()
    strong = data.pop("_strong")
    page = tmp_path / "views.html"
    page.write_text(explorer.standalone_page(explorer.script_json(data)), encoding="utf-8")
    assert page.stat().st_size < 2_000_000
    _check_views(driver, page, _shots(tmp_path), "synthetic", term=strong)
    _check_themes_over_time(driver)
    assert driver.execute_script("return document.querySelectorAll('#te-plot path.te-bin').length") <= 9


def test_views_in_the_seeds_report(driver, seeds_report, tmp_path):
    out, _ = seeds_report
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "default-src 'none'" in html and "http://" not in html.split('id="explorer-data"')[1].split("</script>")[0]
    md = (out / "report.md").read_text(encoding="utf-8")
    assert md.count("index.html") == 1
    data = json.loads(html.split('id="explorer-data">')[1].split("</script>")[0])
    comp = data["terms"]["comparisons"][0]
    term = data["terms"]["terms"][comp["term"][int(np.nanargmax([z if z is not None else -99 for z in comp["z"]]))]]
    _check_views(driver, out / "index.html", _shots(tmp_path), "seeds", term=term)
    assert data["themes"] and data["themes"][0]["group_by"] == "year"  # the codebook's themes over time
    _check_themes_over_time(driver)


@pytest.mark.slow
def test_lines_found_piece_by_piece_equal_the_lines_found_in_corpus_order():
    """The Spark backend's explorer lines (each piece on its own, merged on the driver) are the local ones."""
    from types import SimpleNamespace

    import textanalytics as ta
    from textanalytics.preprocessing import PreprocessConfig

    corpus = ta.load_corpus(Path(__file__).resolve().parents[1] / "seeds")
    table = ta.preprocess(corpus, config=PreprocessConfig(cache_dir="")).table
    ids = corpus.statements["statement_id"].astype(str).tolist()
    pieces = []
    for part in (ids[:3], ids[3:5], ids[5:]):  # three pieces, in corpus order
        st = corpus.statements[corpus.statements["statement_id"].astype(str).isin(part)]
        par = corpus.paragraphs[corpus.paragraphs["statement_id"].astype(str).isin(part)]
        pieces.append((SimpleNamespace(statements=st, paragraphs=par),
                       SimpleNamespace(table=table[table["statement_id"].astype(str).isin(part)])))
    groups = {"speaker": dict(zip(ids, corpus.statements["speaker"].fillna("").astype(str)))}
    speakers = sorted(set(groups["speaker"].values()) - {""})
    wanted = {"terrorism": [("speaker", speakers[0], "rest")], "international": [("speaker", speakers[1], "rest")],
              "security": [("speaker", speakers[0], speakers[1])]}
    for per_side in (1, 2, 6):  # 1 and 2: the caps bind across pieces
        expected = explorer.kwic_pieces(list(explorer.needed_pieces(pieces, wanted, groups=groups, per_side=per_side)),
                                        list(wanted), window=8)
        found = [explorer.piece_lines(p, t, wanted=wanted, groups=groups, window=8, per_side=per_side)
                 for p, t in pieces]
        got = explorer.merge_piece_lines(found, wanted, groups=groups, per_side=per_side)
        pd.testing.assert_frame_equal(got, expected, check_exact=True)
        assert len(expected) > 0
        if per_side == 1:  # the pieces found lines the corpus-order caps then dropped
            assert sum(len(lines) for _, lines in found) > len(expected)


def _random_pieces(seed: int):
    """Small random corpora cut into pieces: missing and absent group values, words that are lemma and term."""
    import random
    from types import SimpleNamespace

    rng = random.Random(seed)
    vocab = ["war", "peace", "treaty", "nation", "state", "of", "the", "double_standard", "un"]
    sids = [f"s{i:02d}" for i in range(rng.randint(1, 12))]
    rows, pars = [], []
    for sid in sids:
        for p in range(rng.randint(1, 3)):
            words = [rng.choice(vocab) for _ in range(rng.randint(0, 8))]
            if words:
                pars.append((sid, p, " ".join(words)))
                rows += [(sid, p, i, w, w, w if rng.random() < 0.8 else rng.choice(vocab)) for i, w in enumerate(words)]
    tok = pd.DataFrame(rows, columns=["statement_id", "paragraph", "position", "token", "lemma", "term"])
    par = pd.DataFrame(pars, columns=["statement_id", "paragraph", "text"])
    st = pd.DataFrame({"statement_id": sids, "g": [rng.choice(["A", "B", "C", None]) for _ in sids]})
    cuts = sorted(rng.sample(range(1, len(sids)), k=min(len(sids) - 1, rng.randint(0, 3)))) if len(sids) > 1 else []
    bounds = [0, *cuts, len(sids)]
    pieces = [(SimpleNamespace(statements=st[st.statement_id.isin(sids[a:b])],
                               paragraphs=par[par.statement_id.isin(sids[a:b])]),
               SimpleNamespace(table=tok[tok.statement_id.isin(sids[a:b])])) for a, b in zip(bounds, bounds[1:])]
    groups = {"g": {s: "" if pd.isna(v) else v for s, v in zip(st.statement_id, st.g)}}
    if rng.random() < 0.3:
        groups["g"].pop(sids[0])  # a statement the grouping does not know
    comps = [("g", "A", "rest"), ("g", "B", "C"), ("g", "A", "B"), ("g", "C", "rest"), ("h", "A", "rest")]
    words = rng.sample(["war", "peace", "treaty", "nation", "state", "double_standard", "un"], k=rng.randint(1, 5))
    return pieces, {w: rng.sample(comps, k=rng.randint(1, 3)) for w in words}, groups


def test_piece_lines_on_random_corpora_cap_each_piece_and_merge_to_the_corpus_order_lines():
    import functools
    import pickle

    from textanalytics.spark.run import _packed, _unpacked

    cols = ["query", "statement_id", "paragraph", "start", "end", "left", "match", "right"]
    compared = 0
    for seed in range(40):
        pieces, wanted, groups = _random_pieces(seed)
        for per_side in (1, 2, 6):
            seq = list(explorer.needed_pieces(pieces, wanted, groups=groups, per_side=per_side))
            expected = explorer.kwic_pieces(seq, list(wanted), window=3) if seq else None
            # As on Spark: the function pickled for the broadcast, its tables through Parquet bytes.
            fn = pickle.loads(pickle.dumps(functools.partial(explorer.piece_lines, wanted=wanted, groups=groups,
                                                             window=3, per_side=per_side)))
            found = [tuple(_unpacked(_packed(f)) for f in fn(p, t)) for p, t in pieces]
            for pairs, _ in found:  # a piece keeps at most per_side statements per word, comparison and side
                assert pairs["statement_id"].nunique() <= per_side * sum(2 * len(c) for c in wanted.values())
                missing = {s for s, g in groups["g"].items() if not g} | set(pairs["statement_id"]) - set(groups["g"])
                assert not set(pairs["statement_id"]) & missing  # a statement without a group is on no side
            got = explorer.merge_piece_lines(iter(found), wanted, groups=groups, per_side=per_side)
            assert (got is None) == (expected is None)
            if got is not None:
                pd.testing.assert_frame_equal(got[cols].astype(str), expected[cols].astype(str))
                compared += 1
    assert compared > 60


def test_a_token_whose_lemma_and_term_are_both_wanted_counts_for_both():
    t = pd.DataFrame({"statement_id": pd.Categorical(["s1", "s1", "s2", "s2", "s3"]),
                      "lemma": ["Terrorist", "financing", "terrorist", "act", "financing"],
                      "term": ["terrorist_financing", "terrorist_financing", "terrorist", "act", "financing"]})
    pairs = explorer._hits(t, {"terrorist", "terrorist_financing", "financing"})
    assert pairs.astype(str).values.tolist() == [
        ["s1", "terrorist"], ["s1", "terrorist_financing"], ["s1", "financing"],
        ["s2", "terrorist"], ["s3", "financing"]]
