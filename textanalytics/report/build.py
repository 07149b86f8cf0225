"""``build_report``: run the pipeline and write ``reports/`` atomically.

This is the only module (besides the preprocessing cache) that writes files.
Layout of the output folder::

    reports/
      tables/*.csv, tables/*.md     one CSV (and a Markdown rendering) per result table
      figures/*.png, figures/*.svg  every figure in both formats
      report.md                     the narrative with figures and key tables inline
      index.html                    the same report, self-contained (figures embedded)
      run.json                      versions, resolved config, input hashes, seeds, K, timings

Floats in tables carry ``[report] float_digits`` significant digits (default 6).
Two runs with the same inputs give byte-identical files except ``run.json``'s
``timings`` field.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import io
import json
import logging
import platform
import time
from dataclasses import dataclass
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from .. import __version__
from ..config import AnalysisConfig, load_config, to_dict
from ..errors import InputError
from . import narrative
from .io import atomic_output_dir, markdown_table, safe_filename, save_figure, write_csv

log = logging.getLogger(__name__)

#: Dependencies whose versions are recorded in run.json.
RECORDED_PACKAGES = ("numpy", "scipy", "pandas", "pyarrow", "scikit-learn", "gensim", "nltk",
                     "matplotlib", "jinja2", "lemminflect")


#: Rows rendered in each table's Markdown file (the CSV always has them all).
MD_MAX_ROWS = 1000


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote."""

    out: Path
    files: tuple[str, ...]
    k: int | None
    skipped: tuple[str, ...]
    timings: dict[str, float]


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "textanalytics": __version__}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _hash_inputs(path: Path) -> dict[str, str]:
    """SHA-256 of every input file under ``path`` (or of the file itself), by relative name."""
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    from ..preprocessing.cache import file_digest

    return {f.name if path.is_file() else f.relative_to(path).as_posix(): file_digest(f) for f in files}


def _png_base64(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


def build_report(config: AnalysisConfig | str | Path | None = None, *, out: str | Path | None = None,
                 base_dir: str | Path | None = None) -> ReportResult:
    """Run every stage and write the report folder.

    Parameters
    ----------
    config:
        An :class:`AnalysisConfig`, a path to ``analysis.toml``, or None for defaults.
    out:
        Output folder (default ``config.report.out``, relative to ``base_dir``).
    base_dir:
        Folder that relative paths in the config are resolved against
        (default: the config file's folder, else the working directory).

    Returns a :class:`ReportResult`. On any error the previous output folder is
    left untouched and the error propagates (an :class:`InputError` for bad input).

    Example
    -------
    >>> import textanalytics as ta
    >>> ta.build_report("analysis.toml", out="reports")   # doctest: +SKIP
    """
    from ..pipeline import run_analysis

    if isinstance(config, (str, Path)):
        base = Path(base_dir) if base_dir else Path(config).resolve().parent
        cfg = load_config(config)
    else:
        base = Path(base_dir) if base_dir else Path.cwd()
        cfg = config or AnalysisConfig()
    recorded = cfg  # run.json records the config as written, free of machine-specific paths
    corpus_path = Path(cfg.corpus.path)
    if not corpus_path.is_absolute():
        corpus_path = (base / corpus_path).resolve()
        cfg = cfg.replace(corpus=dataclasses.replace(cfg.corpus, path=str(corpus_path)))
    cache = cfg.preprocess.cache_dir
    if cache and not Path(cache).is_absolute():
        cfg = cfg.replace(preprocess=dataclasses.replace(cfg.preprocess, cache_dir=str((base / cache).resolve())))
    out_dir = Path(out) if out is not None else base / cfg.report.out
    if not corpus_path.exists():
        raise InputError(f"{corpus_path}: corpus path not found; set [corpus] path or pass --corpus")

    started = time.perf_counter()
    results = run_analysis(cfg)
    with results.clock.stage("write report"):
        with atomic_output_dir(out_dir) as tmp:
            files = _write_all(tmp, cfg=cfg, recorded=recorded, results=results,
                               corpus_path=corpus_path, started=started)
    log.info("report written to %s (%d files)", out_dir, len(files))
    return ReportResult(out=Path(out_dir), files=tuple(files), k=results.topic_k,
                        skipped=tuple(results.skipped), timings=dict(results.clock.timings))


def _write_all(tmp: Path, *, cfg: AnalysisConfig, recorded: AnalysisConfig, results, corpus_path: Path, started: float) -> list[str]:
    rcfg = cfg.report
    (tmp / "tables").mkdir()
    (tmp / "figures").mkdir()
    files: list[str] = []

    for name, table in results.tables.items():
        stem = safe_filename(name)
        write_csv(table, tmp / "tables" / f"{stem}.csv", float_digits=rcfg.float_digits)
        # The CSV is complete; its Markdown rendering stops at MD_MAX_ROWS rows and says so.
        (tmp / "tables" / f"{stem}.md").write_text(
            f"# {name}\n\n" + markdown_table(table, float_digits=rcfg.float_digits, max_rows=MD_MAX_ROWS),
            encoding="utf-8")
        files += [f"tables/{stem}.csv", f"tables/{stem}.md"]

    figure_files: dict[str, str] = {}
    png_bytes: dict[str, bytes] = {}
    cache = Path(cfg.preprocess.cache_dir) / "figures" if cfg.preprocess.cache_dir else None
    jobs = [(name, spec, tmp / "figures" / safe_filename(name)) for name, spec in results.figures.items()]
    for name, paths in zip([j[0] for j in jobs], _render_all(jobs, cfg=cfg, cache=cache)):
        files += [f"figures/{p.name}" for p in paths]
        main = next((p for p in paths if p.suffix == ".png"), paths[0])
        figure_files[name] = f"figures/{main.name}"
        if main.suffix == ".png":
            png_bytes[name] = main.read_bytes()
    results.png_bytes = png_bytes

    sections = results.sections
    md = _render_markdown(sections, results=results, figure_files=figure_files, cfg=cfg)
    (tmp / "report.md").write_text(md, encoding="utf-8")
    files.append("report.md")
    if rcfg.html:
        html = _render_html(sections, results=results, cfg=cfg)
        (tmp / "index.html").write_text(html, encoding="utf-8")
        files.append("index.html")

    run = {
        "textanalytics": __version__,
        "versions": _versions(),
        "config": to_dict(recorded),
        "inputs": _hash_inputs(corpus_path),
        "seed": cfg.seed,
        "model_seeds": list(results.model_seeds),
        "chosen_k": results.topic_k,
        "k_reason": results.topic_k_reason,
        "skipped": list(results.skipped),
        "outputs": sorted(files) + ["run.json"],
        "float_digits": rcfg.float_digits,
        "timings": {**results.clock.timings, "total": round(time.perf_counter() - started, 3)},
    }
    (tmp / "run.json").write_text(json.dumps(run, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                                  encoding="utf-8")
    files.append("run.json")
    return sorted(files)


_JOBS: list = []  # figures to render, shared with forked workers (never pickled)


def _render_job(i: int) -> list[str]:
    name, spec, stem, cfg, cache = _JOBS[i]
    return [str(p) for p in _figure_files(spec, stem, cfg=cfg, cache=cache)]


def _render_all(jobs: list, *, cfg: AnalysisConfig, cache: Path | None) -> list[list[Path]]:
    """Render every figure; on Linux, on two forked worker processes.

    Rendering is CPU-bound matplotlib work; workers are forked so the figure
    specs (functions and tables) are shared, not serialised. Output files do not
    depend on which process drew them.
    """
    import multiprocessing as mp
    import sys

    from ..topics.fit import available_cores

    global _JOBS
    _JOBS = [(name, spec, stem, cfg, cache) for name, spec, stem in jobs]
    try:
        workers = min(2, available_cores(), len(jobs))
        # Fork only on Linux: it is unsafe on macOS (system frameworks) and missing on Windows.
        if workers > 1 and sys.platform.startswith("linux"):
            with mp.get_context("fork").Pool(workers) as pool:
                done = pool.map(_render_job, range(len(jobs)), chunksize=1)
        else:
            done = [_render_job(i) for i in range(len(jobs))]
    finally:
        _JOBS = []
    for (name, _, _), paths in zip(jobs, done):
        log.debug("figure %s: %s", name, ", ".join(Path(p).name for p in paths))
    return [[Path(p) for p in paths] for paths in done]


def _figure_files(spec, stem: Path, *, cfg: AnalysisConfig, cache: Path | None) -> list[Path]:
    """Write one figure in every configured format, reusing cached renders of identical content.

    The cache key covers the plot function, its input tables and parameters, the
    package and matplotlib versions and the output settings, so a cached file is
    byte-identical to a fresh render.
    """
    import shutil

    from ..plotting import FigureSpec

    formats, dpi = tuple(cfg.report.formats), cfg.report.dpi
    if not isinstance(spec, FigureSpec):
        return save_figure(spec, stem, formats=formats, dpi=dpi)
    key = hashlib.sha256(f"{spec.key()}|{formats}|{dpi}".encode()).hexdigest()[:32]
    if cache is not None and all((cache / f"{key}.{fmt}").is_file() for fmt in formats):
        out = []
        for fmt in formats:
            shutil.copyfile(cache / f"{key}.{fmt}", stem.with_suffix(f".{fmt}"))
            out.append(stem.with_suffix(f".{fmt}"))
        return out
    paths = save_figure(spec.render(), stem, formats=formats, dpi=dpi)
    if cache is not None:
        cache.mkdir(parents=True, exist_ok=True)
        for p in paths:
            tmp = cache / f".{key}.{p.suffix[1:]}.tmp"
            shutil.copyfile(p, tmp)
            tmp.replace(cache / f"{key}{p.suffix}")
    return paths


def _render_markdown(sections, *, results, figure_files: dict[str, str], cfg: AnalysisConfig) -> str:
    lines = [f"# {results.title}", "", results.subtitle, ""]
    for s in sections:
        lines += [f"## {s['heading']}", ""]
        for b in s["blocks"]:
            kind = b["kind"]
            if kind == "text":
                lines += [b["text"], ""]
            elif kind == "note":
                lines += [f"> **Note.** {b['text']}", ""]
            elif kind == "list":
                lines += [f"- {item}" for item in b["items"]] + [""]
            elif kind == "figure":
                lines += [f"![{b['caption']}]({figure_files[b['name']]})", "", f"*{b['caption']}*", ""]
            elif kind == "table":
                table = results.tables[b["name"]]
                lines += [f"**{b['caption']}** (`tables/{safe_filename(b['name'])}.csv`)", "",
                          markdown_table(table[b.get("columns") or list(table.columns)],
                                         float_digits=cfg.report.float_digits, max_rows=b.get("max_rows", 20)), ""]
    return "\n".join(lines).rstrip() + "\n"


def _render_html(sections, *, results, cfg: AnalysisConfig) -> str:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("textanalytics.report", "templates"),
        autoescape=True,  # every piece of corpus text and metadata is escaped
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    html_sections = []
    for s in sections:
        blocks = []
        for b in s["blocks"]:
            if b["kind"] == "figure":
                blocks.append({**b, "png_base64": base64.b64encode(results.png_bytes[b["name"]]).decode("ascii")})
            elif b["kind"] == "table":
                from .io import format_frame

                table = results.tables[b["name"]]
                table = table[b.get("columns") or list(table.columns)]
                limit = b.get("html_rows", 200)
                shown = format_frame(table.head(limit), float_digits=cfg.report.float_digits)
                blocks.append({**b, "columns": list(shown.columns),
                               "rows": [[("" if pd.isna(v) else v) for v in row] for row in shown.itertuples(index=False)],
                               "n_rows": len(table), "truncated": len(table) > limit,
                               "file": f"{safe_filename(b['name'])}.csv", "open": b.get("open", False)})
            else:
                blocks.append(b)
        html_sections.append({"heading": s["heading"], "anchor": safe_filename(s["heading"]), "blocks": blocks})
    kwic_rows = []
    if results.kwic is not None and len(results.kwic):
        for r in results.kwic.itertuples(index=False):
            kwic_rows.append({"query": str(r.query), "statement_id": str(r.statement_id),
                              "paragraph": int(r.paragraph), "left": str(r.left),
                              "match": str(r.match), "right": str(r.right)})
    template = env.get_template("index.html.j2")
    return template.render(title=results.title, subtitle=results.subtitle, sections=html_sections,
                           kwic_rows=kwic_rows, version=__version__,
                           corpus_source=Path(cfg.corpus.path).name, seed=cfg.seed)
