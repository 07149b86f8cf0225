"""Policy checks for ``notebooks/``; the notebooks themselves run under nbmake.

Notebooks are committed WITHOUT outputs: no cell outputs, no execution counts, no execution
timestamps. Outputs would go stale silently (a notebook can show a table the current code no
longer produces) and make every rerun a diff. CI executes the notebooks instead
(``pytest --nbmake notebooks/``), so they are checked to run, not to match stored outputs.

To strip outputs before committing::

    python tests/test_notebooks.py --strip            # every notebook in notebooks/
    python tests/test_notebooks.py --strip path.ipynb

The checks also keep the notebooks on the public API, free of machine-specific paths and
of files written into the repository (the preprocessing cache must be pointed elsewhere).
"""

from __future__ import annotations

import csv
import json
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
SAMPLE_NEWS = ROOT / "tests" / "data" / "notebooks" / "sample_news.csv"
EXPECTED = (
    "01_corpus.ipynb",
    "02_vocabulary.ipynb",
    "03_topics.ipynb",
    "04_compare_years_speakers.ipynb",
    "05_your_own_corpus.ipynb",
    "06_effects.ipynb",
    "07_themes.ipynb",
)
STRIP_HINT = ("strip them with `python tests/test_notebooks.py --strip` "
              "(or `jupyter nbconvert --clear-output --inplace notebooks/*.ipynb`)")

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))


def _load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code(nb: dict) -> list[str]:
    return ["".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"] if c["cell_type"] == "code"]


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def test_every_notebook_is_there():
    missing = [name for name in EXPECTED if not (NOTEBOOK_DIR / name).is_file()]
    assert not missing, f"notebooks/ lacks {missing}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_committed_without_outputs(path: Path):
    nb = _load(path)
    dirty = []
    for i, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] != "code":
            continue
        what = []
        if cell.get("outputs"):
            what.append(f"{len(cell['outputs'])} output(s)")
        if cell.get("execution_count") is not None:
            what.append(f"execution_count {cell['execution_count']}")
        if "execution" in cell.get("metadata", {}):
            what.append("execution timestamps")
        if what:
            dirty.append(f"cell {i}: {', '.join(what)}")
    assert not dirty, (f"{path.name} is committed with outputs ({'; '.join(dirty[:5])}"
                       f"{' ...' if len(dirty) > 5 else ''}); notebooks are committed without outputs: "
                       f"{STRIP_HINT}")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_valid_notebook_with_python_kernel(path: Path):
    nbformat = pytest.importorskip("nbformat")
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", (
        f"{path.name}: kernelspec must be 'python3' so nbmake runs it in the test environment")


_PRIVATE = [
    # ta._thing, textanalytics.topics._fit, compare._groups, ...
    re.compile(r"\b(?:ta|textanalytics|corpus|preprocess|features|compare|topics|stats|pipeline|report)"
               r"(?:\.\w+)*\._[A-Za-z]\w*"),
    # from textanalytics.x import _private  /  from textanalytics._x import y
    re.compile(r"from\s+textanalytics[\w.]*\s+import\s+[^\n]*\b_[A-Za-z]\w*"),
    re.compile(r"(?:from|import)\s+textanalytics(?:\.\w+)*\._\w+"),
]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_public_api_only(path: Path):
    hits = [m.group(0) for src in _code(_load(path)) for rx in _PRIVATE for m in rx.finditer(src)]
    assert not hits, f"{path.name} uses private names {sorted(set(hits))}; use the public API only"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_no_machine_specific_paths(path: Path):
    text = path.read_text(encoding="utf-8")
    found = sorted(set(re.findall(r"(?:/work/|/home/|/Users/|/tmp/)[^\s\"']*", text)))
    assert not found, (f"{path.name} holds absolute paths {found[:3]}; use paths relative to the "
                       "notebook and tempfile for outputs (and strip outputs: they record paths)")


@pytest.mark.parametrize("path", NOTEBOOKS, ids=_ids(NOTEBOOKS))
def test_preprocessing_cache_kept_out_of_the_repository(path: Path):
    code = "\n".join(_code(_load(path)))
    runs = re.search(r"\b(?:preprocess|run_analysis|build_report)\(", code)
    if runs:
        assert "cache_dir" in code, (
            f"{path.name} preprocesses without setting cache_dir; the default cache folder would be "
            "created next to the notebook: pass cache_dir='' or a tempfile folder")


def test_bundled_sample_corpus():
    """The fallback of 05_your_own_corpus: the news_articles columns, one empty text."""
    with SAMPLE_NEWS.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["article_id", "publish_date", "article_source_link", "title", "subtitle", "text"]
    assert 20 <= len(rows) <= 40
    assert sum(not r["text"].strip() for r in rows) >= 1
    assert len({r["article_source_link"].split("/")[2] for r in rows}) >= 2


def test_bundled_sample_loads_like_news_articles():
    from textanalytics.corpus import load_corpus

    corpus = load_corpus(SAMPLE_NEWS, id_col="article_id", date_col="publish_date", on_error="skip",
                         derive={"outlet": "url_host:article_source_link", "month": "month:date"})
    assert (corpus.problems["action"] == "skipped").sum() == 1
    assert corpus.statements["outlet"].nunique() >= 2
    assert corpus.statements["month"].nunique() >= 2


def test_your_own_corpus_notebook_runs_on_the_bundled_sample(tmp_path):
    """nbmake runs 05 on news_articles when ../shared is there; this runs its fallback branch.

    The notebook and the sample are copied to a folder with no ``../../shared`` beside it, as on
    a researcher's machine without the benchmark corpora, and executed there.
    """
    import shutil

    import nbformat
    from nbclient import NotebookClient

    (tmp_path / "notebooks").mkdir()
    (tmp_path / "tests" / "data" / "notebooks").mkdir(parents=True)
    shutil.copy(SAMPLE_NEWS, tmp_path / "tests" / "data" / "notebooks" / SAMPLE_NEWS.name)
    nb = nbformat.read(NOTEBOOK_DIR / "05_your_own_corpus.ipynb", as_version=4)
    assert not (tmp_path.parent / "shared").exists()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path / "notebooks")}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "sample_news.csv" in printed and "news_articles" not in printed.split("corpus file:")[1].splitlines()[0]
    assert "same tables as the in-memory run: True" in printed
    assert "same matrix as the in-memory run: True" in printed


def test_effects_notebook_runs_on_the_bundled_sample(tmp_path):
    """nbmake runs 06 on the Commons sample when ../shared is there; this runs its fallback branch."""
    import shutil

    import nbformat
    from nbclient import NotebookClient

    sample = ROOT / "tests" / "data" / "notebooks" / "sample_commons.csv.gz"
    for folder in ("notebooks", "tests/data/notebooks", "docs/examples"):
        (tmp_path / folder).mkdir(parents=True)
    shutil.copy(sample, tmp_path / "tests" / "data" / "notebooks" / sample.name)
    shutil.copy(ROOT / "docs" / "examples" / "commons.toml", tmp_path / "docs" / "examples" / "commons.toml")
    nb = nbformat.read(NOTEBOOK_DIR / "06_effects.ipynb", as_version=4)
    assert not (tmp_path.parent / "shared").exists()
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path / "notebooks")}}).execute()
    printed = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "corpus file: ../tests/data/notebooks/sample_commons.csv.gz" in printed
    assert "240 speeches, K = 6" in printed


# -- stripping ------------------------------------------------------------------------------------

def strip_notebook(path: Path) -> bool:
    """Remove outputs, execution counts and execution timestamps in place; True if it changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    changed = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if cell.outputs or cell.execution_count is not None or "execution" in cell.metadata:
            changed = True
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
    if "widgets" in nb.metadata:
        nb.metadata.pop("widgets")
        changed = True
    if changed:
        nbformat.write(nb, path)
    return changed


if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or args[0] != "--strip":
        sys.exit("usage: python tests/test_notebooks.py --strip [notebook.ipynb ...]")
    targets = [Path(a) for a in args[1:]] or sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    for target in targets:
        print(f"{target}: {'stripped' if strip_notebook(target) else 'already clean'}")
